/**
 * DuckDB as the reference engine for the Nexmark queries: loads the NDJSON that
 * `writeNexmarkNdjson` writes into one table with the nexmark DDL's columns, exposes nexmark's
 * `person`, `auction` and `bid` views over a prefix of the events, runs SQL and turns rows into
 * canonical strings; plus a multiset comparison that reports the first differences.
 *
 * Prefixes: with `firstEventRate` = 1000 events/s, event number `n` has event time exactly
 * `baseTime + n` ms (`baseTime + ⌊n × 1000 / 1000⌋`), so the first `n` events are those with
 * `dateTime < baseTime + n`, and a bounded `NexmarkSource({ maxEvents: n })` emits exactly them.
 * One file therefore serves queries of different sizes.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** The columns of nexmark's `datagen` table, as DuckDB types (times are epoch ms, BIGINT). */
const DATAGEN_COLUMNS = `{
  event_type: 'INTEGER',
  person: 'STRUCT(id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR, dateTime BIGINT, extra VARCHAR)',
  auction: 'STRUCT(id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, dateTime BIGINT, expires BIGINT, seller BIGINT, category BIGINT, extra VARCHAR)',
  bid: 'STRUCT(auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, dateTime BIGINT, extra VARCHAR)',
  dateTime: 'BIGINT'
}`;

/** An in-memory DuckDB holding one Nexmark event file. */
export class NexmarkDuckDB {
  private readonly prefixes = new Set<number>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly baseTime: number,
  ) {}

  /**
   * Loads `path` (NDJSON of nexmark events) into table `main.events`.
   * @param baseTime the event time of event 0 (epoch ms), for {@link usePrefix}.
   */
  static async load(path: string, baseTime: number): Promise<NexmarkDuckDB> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const quoted = `'${path.replaceAll("'", "''")}'`;
    await connection.run(`CREATE TABLE main.events AS SELECT * FROM read_json(${quoted}, format = 'newline_delimited', columns = ${DATAGEN_COLUMNS})`);
    return new NexmarkDuckDB(instance, connection, baseTime);
  }

  /**
   * Makes the unqualified names `person`, `auction` and `bid` (nexmark's views: the rows of one
   * event type, with their columns) refer to the first `events` events (see the module comment).
   */
  async usePrefix(events: number): Promise<void> {
    const schema = `first_${events}`;
    if (!this.prefixes.has(events)) {
      const upTo = `dateTime < ${this.baseTime + events}`;
      await this.connection.run(`CREATE SCHEMA ${schema}`);
      await this.connection.run(`CREATE VIEW ${schema}.person AS SELECT person.* FROM main.events WHERE event_type = 0 AND ${upTo}`);
      await this.connection.run(`CREATE VIEW ${schema}.auction AS SELECT auction.* FROM main.events WHERE event_type = 1 AND ${upTo}`);
      await this.connection.run(`CREATE VIEW ${schema}.bid AS SELECT bid.* FROM main.events WHERE event_type = 2 AND ${upTo}`);
      this.prefixes.add(events);
    }
    await this.connection.run(`SET search_path = '${schema},main'`);
  }

  /** The number of rows of `sql` (for sanity checks). */
  async count(sql: string): Promise<number> {
    const reader = await this.connection.runAndReadAll(`SELECT COUNT(*) FROM (${sql})`);
    return Number(reader.getRowsJS()[0]?.[0]);
  }

  /** Runs `sql` and returns each row as {@link canonicalRow} of its values. */
  async rows(sql: string): Promise<string[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowsJS().map((cells) => canonicalRow(cells));
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * A row as one string: the cells' decimal or text forms joined by `|` (the generator's strings
 * never contain `|`). BIGINTs (bigint in JS) and whole numbers print alike, so a Weir row of
 * numbers and a DuckDB row of BIGINTs compare equal.
 */
export function canonicalRow(cells: readonly unknown[]): string {
  return cells.map((c) => (c === null || c === undefined ? 'NULL' : String(c))).join('|');
}

/** How two multisets of rows differ: up to `limit` rows of each side missing from the other, and the totals. */
export interface MultisetDiff {
  readonly onlyInActual: string[];
  readonly onlyInExpected: string[];
  readonly onlyInActualCount: number;
  readonly onlyInExpectedCount: number;
}

/** The difference of `actual` and `expected` as multisets (row order ignored, duplicates counted). */
export function multisetDiff(actual: readonly string[], expected: readonly string[], limit = 5): MultisetDiff {
  const counts = new Map<string, number>();
  for (const r of expected) counts.set(r, (counts.get(r) ?? 0) + 1);
  const onlyInActual: string[] = [];
  let onlyInActualCount = 0;
  for (const r of actual) {
    const n = counts.get(r) ?? 0;
    if (n > 0) counts.set(r, n - 1);
    else {
      onlyInActualCount++;
      if (onlyInActual.length < limit) onlyInActual.push(r);
    }
  }
  const onlyInExpected: string[] = [];
  let onlyInExpectedCount = 0;
  for (const [r, n] of counts) {
    if (n === 0) continue;
    onlyInExpectedCount += n;
    if (onlyInExpected.length < limit) onlyInExpected.push(r);
  }
  return { onlyInActual, onlyInExpected, onlyInActualCount, onlyInExpectedCount };
}
