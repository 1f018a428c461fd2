import { ConfigurationError, RecordParseError } from '../../lib/errors.js';
import { parseTimestamp, type TimestampOptions } from './parse-timestamp.js';
import { recordParseError } from './record-error.js';

/** Where a {@link CsvRow} comes from, and how it reads missing values. */
export interface CsvRowContext {
  /** Path of the file. */
  readonly file: string;
  /** 1-based physical line where the row starts (the header is line 1). */
  readonly line: number;
  /** Byte offset of the row's start in the decompressed file. */
  readonly offset: number;
  /** The row's text without its line break. */
  readonly raw: string;
  /** The header's column names, in file order (named in the error for an unknown column). */
  readonly columns: readonly string[];
  /**
   * A cell text that means "no value" besides the empty cell, e.g. `'NA'`; the `optional*` getters
   * return `undefined` for it and the required number/timestamp getters reject it. Default: none.
   */
  readonly nullLiteral?: string | undefined;
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * One parsed CSV row, handed to a `FileSource.csv` mapper: typed getters over the cells by header
 * name, so that a bad cell fails with a message naming file, line, column, value and reason.
 *
 * Every getter throws `RecordParseError` (code `WEIR_ERR_RECORD_PARSE`) for a cell it cannot read
 * (with a `deadLetter` tag the row goes to the dead-letter output instead), and `ConfigurationError`
 * (code `WEIR_ERR_CONFIG`) for a column name the header does not have: a typo in the job, which
 * fails the job and never goes to the dead letters.
 *
 * Numbers are read strictly: no thousands separators, no `NaN`/`Infinity`, surrounding whitespace
 * allowed.
 *
 * @example
 * FileSource.csv('trips.csv.gz', { mapper: (row) => ({
 *   pickup: row.timestamp('lpep_pickup_datetime', { timeZone: 'America/New_York' }),
 *   passengers: row.optionalInt('passenger_count'),
 *   tip: row.float('tip_amount'),
 * }) });
 * @see org.apache.flink.formats.csv.CsvReaderFormat (which maps rows to POJOs with a schema instead)
 */
export class CsvRow {
  /**
   * @param cells the row's cells by column name (as csv-parse produces them with named columns).
   * @param context where the row comes from; see {@link CsvRowContext}.
   */
  constructor(
    private readonly cells: Readonly<Record<string, string>>,
    private readonly context: CsvRowContext,
  ) {}

  /** Path of the file the row came from. */
  get file(): string {
    return this.context.file;
  }

  /** 1-based physical line where the row starts (the header is line 1). */
  get line(): number {
    return this.context.line;
  }

  /** Byte offset of the row's start in the decompressed file. */
  get offset(): number {
    return this.context.offset;
  }

  /** The row's text without its line break. */
  get raw(): string {
    return this.context.raw;
  }

  /** The cell text as is (possibly empty). @throws ConfigurationError for an unknown column. */
  string(field: string): string {
    return this.cell(field);
  }

  /** The cell text, or `undefined` when empty or the null literal. @throws ConfigurationError for an unknown column. */
  optionalString(field: string): string | undefined {
    const v = this.cell(field);
    return this.isNull(v) ? undefined : v;
  }

  /**
   * The cell as a safe integer (`[+-]digits`).
   * @throws RecordParseError when empty, not an integer, or beyond ±2^53−1; ConfigurationError for an unknown column.
   */
  int(field: string): number {
    return this.toInt(field, this.cell(field));
  }

  /** Like {@link int}, but `undefined` for an empty cell or the null literal. */
  optionalInt(field: string): number | undefined {
    const v = this.cell(field);
    return this.isNull(v) ? undefined : this.toInt(field, v);
  }

  /**
   * The cell as a finite number (decimal, optional exponent).
   * @throws RecordParseError when empty or not a number; ConfigurationError for an unknown column.
   */
  float(field: string): number {
    return this.toFloat(field, this.cell(field));
  }

  /** Like {@link float}, but `undefined` for an empty cell or the null literal (e.g. `'NA'`). */
  optionalFloat(field: string): number | undefined {
    const v = this.cell(field);
    return this.isNull(v) ? undefined : this.toFloat(field, v);
  }

  /**
   * The cell as epoch milliseconds: `YYYY-MM-DD HH:MM:SS`, ISO 8601, or an epoch number with
   * `options.unit` (`'s'` or `'ms'`). Naive date-times are read as UTC ("wall-clock as UTC") unless
   * `options.timeZone` names an IANA zone (DST-correct); see {@link TimestampOptions}.
   *
   * @throws RecordParseError when the cell is not a timestamp; ConfigurationError for an unknown
   *   column or time zone.
   */
  timestamp(field: string, options?: TimestampOptions): number {
    const v = this.cell(field);
    const result = parseTimestamp(v, options);
    if (!result.ok) throw this.error(field, this.describeNull(v) ?? result.reason);
    return result.ms;
  }

  /** Like {@link timestamp}, but `undefined` for an empty cell or the null literal. */
  optionalTimestamp(field: string, options?: TimestampOptions): number | undefined {
    const v = this.cell(field);
    return this.isNull(v) ? undefined : this.timestamp(field, options);
  }

  /**
   * A `RecordParseError` for this row (code `WEIR_ERR_RECORD_PARSE`), for mappers that validate
   * further: `throw row.error('fare_amount', 'must not be negative')`.
   */
  error(field: string | undefined, reason: string): RecordParseError {
    const { file, line, offset, raw } = this.context;
    return recordParseError(field === undefined ? { file, line, offset, reason, raw } : { file, line, offset, field, reason, raw });
  }

  private cell(field: string): string {
    const v = this.cells[field];
    // Inherited Object.prototype members are functions, never strings, so no hasOwn check is needed.
    if (typeof v === 'string') return v;
    throw new ConfigurationError(
      `CSV column '${field}' is not in the header of ${this.context.file} (columns: ${this.context.columns.join(', ')})`,
    );
  }

  private isNull(v: string): boolean {
    return v === '' || v === this.context.nullLiteral;
  }

  private describeNull(v: string): string | undefined {
    if (v === '') return 'expected a value, got an empty cell';
    if (v === this.context.nullLiteral) return `expected a value, got the null literal '${v}'`;
    return undefined;
  }

  private toInt(field: string, v: string): number {
    const s = v.trim();
    if (!INTEGER.test(s)) throw this.error(field, this.describeNull(v) ?? `expected an integer, got '${v}'`);
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw this.error(field, `expected an integer within ±(2^53−1), got '${v}'`);
    return n;
  }

  private toFloat(field: string, v: string): number {
    const s = v.trim();
    if (!FLOAT.test(s)) throw this.error(field, this.describeNull(v) ?? `expected a number, got '${v}'`);
    const n = Number(s);
    if (!Number.isFinite(n)) throw this.error(field, `expected a finite number, got '${v}'`);
    return n;
  }
}
