import { ConfigurationError } from '../../lib/errors.js';
import { csvLine } from './csv-cell.js';

/** Turns records into the text of an output file. */
export interface RecordEncoder<T> {
  /** Text written when the file is opened (a CSV header with fixed columns), or `''`. */
  start(): string;
  /** The text of one record, ending with `\n` (a CSV header before the first record with derived columns). */
  encode(value: T): string;
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

  constructor(
    private readonly columns: CsvColumns<T>,
    private readonly header: boolean,
    private readonly delimiter: string,
  ) {
    if (typeof columns !== 'function') this.names = columns;
  }

  start(): string {
    return this.header && this.names !== undefined ? csvLine(this.names, this.delimiter) : '';
  }

  encode(value: T): string {
    const columns = this.columns;
    let prefix = '';
    let source: Readonly<Record<string, unknown>>;
    if (typeof columns === 'function') {
      source = columns(value);
      if (this.names === undefined) {
        this.names = Object.keys(source);
        if (this.header) prefix = csvLine(this.names, this.delimiter);
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
    this.cells.length = names.length;
    for (let i = 0; i < names.length; i++) this.cells[i] = source[names[i] as string];
    return prefix + csvLine(this.cells, this.delimiter);
  }
}
