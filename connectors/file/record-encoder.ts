import { ConfigurationError } from '../../lib/errors.js';
import { csvLine } from './csv-cell.js';

/** Turns records into the text of output files (one encoder per writer, used for all its part files). */
export interface RecordEncoder<T> {
  /**
   * Called when a new output file begins: the text it starts with (a CSV header when the columns
   * are known), or `''`. With columns derived from the first record, the header is put before the
   * first record encoded after this call instead.
   */
  start(): string;
  /** The text of one record, ending with `\n` (preceded by a header still due, see {@link start}). */
  encode(value: T): string;
  /** The column names fixed so far (CSV), for the writer's checkpointed state; `undefined` when none. */
  columns?(): readonly string[] | undefined;
  /** Fixes the column names restored from a checkpoint (CSV with derived columns keeps their order). */
  restoreColumns?(names: readonly string[]): void;
}

/** How a CSV sink turns a record into cells; see `CsvSinkOptions.columns`. */
export type CsvColumns<T> = readonly string[] | ((value: T) => Readonly<Record<string, unknown>>);

/** One JSON value per line; bigints become decimal strings (JSON has no bigint). */
export class NdjsonEncoder<T> implements RecordEncoder<T> {
  start(): string {
    return '';
  }

  encode(value: T): string {
    return `${JSON.stringify(value, bigintAsString) ?? 'null'}\n`;
  }
}

function bigintAsString(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/**
 * CSV rows with a header line. Fixed columns read those properties of each record; a function
 * maps each record to `{column: value}` and the first record's keys fix the columns and their order.
 */
export class CsvEncoder<T> implements RecordEncoder<T> {
  private names: readonly string[] | undefined;
  private readonly cells: unknown[] = [];
  /** A file was started before the columns were known: its header goes before the next record. */
  private headerDue = false;

  constructor(
    private readonly spec: CsvColumns<T>,
    private readonly header: boolean,
    private readonly delimiter: string,
  ) {
    if (typeof spec !== 'function') this.names = spec;
  }

  start(): string {
    if (!this.header) return '';
    if (this.names !== undefined) return csvLine(this.names, this.delimiter);
    this.headerDue = true;
    return '';
  }

  columns(): readonly string[] | undefined {
    return this.names;
  }

  restoreColumns(names: readonly string[]): void {
    // Fixed columns are the configuration's; derived ones keep the order the checkpointed writer saw.
    if (typeof this.spec === 'function') this.names = [...names];
  }

  encode(value: T): string {
    const columns = this.spec;
    let prefix = '';
    let source: Readonly<Record<string, unknown>>;
    if (typeof columns === 'function') {
      source = columns(value);
      if (this.names === undefined) {
        this.names = Object.keys(source);
      } else {
        for (const key of Object.keys(source)) {
          if (!this.names.includes(key)) {
            throw new ConfigurationError(`FileSink.csv: column '${key}' was not returned for the first record (columns: ${this.names.join(', ')})`);
          }
        }
      }
    } else {
      source = (value ?? {}) as Readonly<Record<string, unknown>>;
    }
    const names = this.names as readonly string[];
    if (this.headerDue) {
      this.headerDue = false;
      prefix = csvLine(names, this.delimiter);
    }
    this.cells.length = names.length;
    for (let i = 0; i < names.length; i++) this.cells[i] = source[names[i] as string];
    return prefix + csvLine(this.cells, this.delimiter);
  }
}
