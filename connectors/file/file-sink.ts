import { join } from 'node:path';
import { ConfigurationError } from '../../lib/errors.js';
import type { Sink, SinkWriterContext } from '../sink.js';
import { FileSinkWriter } from './file-sink-writer.js';
import { CsvEncoder, NdjsonEncoder, type CsvColumns, type RecordEncoder } from './record-encoder.js';

/** Options every file sink takes. */
export interface FileSinkOptions {
  /**
   * Directory mode only: gzip the part files (`part-<i>.<ext>.gz`). Default `false`. In single-file
   * mode the path's `.gz` suffix decides, and this option must not contradict it.
   */
  readonly gzip?: boolean | undefined;
}

/** Options of `FileSink.ndjson`. */
export type NdjsonSinkOptions = FileSinkOptions;

/** Options of `FileSink.csv`. */
export interface CsvSinkOptions<T> extends FileSinkOptions {
  /**
   * The columns: property names of the record (the header lists them), or a function mapping a
   * record to `{column: value}` whose first result's keys fix the columns and their order (a later
   * record with a key not among them fails with `ConfigurationError`; a missing key is an empty cell).
   * Cells: strings as is, numbers/bigints/booleans with `String`, `Date` as ISO 8601, `null`/`undefined`
   * empty, objects as JSON; quoted when they contain the delimiter, a quote or a line break.
   */
  readonly columns: CsvColumns<T>;
  /** Write a header line first. Default `true`. */
  readonly header?: boolean | undefined;
  /** Field delimiter, one character. Default `'\t'` for a `.tsv` path, else `','`. */
  readonly delimiter?: string | undefined;
}

const SINGLE_FILE = /\.(ndjson|jsonl|json|csv|tsv)(\.gz)?$/i;

/**
 * A sink writing records to files: NDJSON ({@link FileSink.ndjson}) or CSV ({@link FileSink.csv}),
 * gzip-compressed for a `.gz` path.
 *
 * When `path` ends in `.ndjson`, `.jsonl`, `.json`, `.csv` or `.tsv` (optionally followed by
 * `.gz`) it is one file and the sink's `maxParallelism` is 1. Otherwise it is a directory and
 * subtask `i` writes `<path>/part-<i>.<ext>` (`ndjson`, `csv` or `tsv`). Parent directories are
 * created; existing files are overwritten. Each written file is reported once with
 * `context.reportOutput(path)`. Output is at-least-once: no transactions or part-file rolling.
 *
 * @example
 * const tips = FileSink.csv<{ hour: number; tips: number }>('out/tips.csv', { columns: ['hour', 'tips'] });
 * const parts = FileSink.ndjson('out/trips/'); // part-0.ndjson, part-1.ndjson, …
 * @see org.apache.flink.connector.file.sink.FileSink (forRowFormat)
 */
export class FileSink<T> implements Sink<T> {
  /** 1 in single-file mode; `undefined` (any) in directory mode. */
  readonly maxParallelism?: number;
  private readonly singleFile: boolean;
  private readonly gzip: boolean;

  private constructor(
    /** The output file or directory, as given. */
    readonly path: string,
    private readonly extension: string,
    private readonly newEncoder: () => RecordEncoder<T>,
    options: FileSinkOptions,
  ) {
    const match = SINGLE_FILE.exec(path);
    this.singleFile = match !== null;
    if (match !== null) {
      this.maxParallelism = 1;
      this.gzip = match[2] !== undefined;
      if (options.gzip !== undefined && options.gzip !== this.gzip) {
        throw new ConfigurationError(`FileSink: gzip: ${String(options.gzip)} contradicts the path ${path}`);
      }
    } else {
      this.gzip = options.gzip ?? false;
    }
  }

  /**
   * One JSON value per line. Bigints are written as decimal strings, since JSON has no bigint;
   * `undefined` records as `null`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `path` is empty or names a CSV/TSV file.
   */
  static ndjson<T>(path: string, options: NdjsonSinkOptions = {}): FileSink<T> {
    checkPath(path, /\.(csv|tsv)(\.gz)?$/i, 'FileSink.ndjson');
    return new FileSink<T>(path, 'ndjson', () => new NdjsonEncoder<T>(), options);
  }

  /**
   * CSV (or TSV) with an optional header line; see {@link CsvSinkOptions}.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `path` is empty or names a JSON file, or
   *   the delimiter is not one character other than a quote or line break.
   */
  static csv<T>(path: string, options: CsvSinkOptions<T>): FileSink<T> {
    checkPath(path, /\.(ndjson|jsonl|json)(\.gz)?$/i, 'FileSink.csv');
    const delimiter = options.delimiter ?? (/\.tsv(\.gz)?$/i.test(path) ? '\t' : ',');
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new ConfigurationError(`FileSink.csv: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
    }
    if (typeof options.columns !== 'function' && (!Array.isArray(options.columns) || options.columns.length === 0)) {
      throw new ConfigurationError('FileSink.csv: columns must be a non-empty list of names or a function record => {column: value}');
    }
    const header = options.header ?? true;
    return new FileSink<T>(path, delimiter === '\t' ? 'tsv' : 'csv', () => new CsvEncoder<T>(options.columns, header, delimiter), options);
  }

  /**
   * Opens the file of one subtask.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when it cannot be created; ConfigurationError
   *   (`WEIR_ERR_CONFIG`) for a single-file path with parallelism > 1.
   */
  createWriter(context: SinkWriterContext): Promise<FileSinkWriter<T>> {
    if (this.singleFile && context.parallelism > 1) {
      return Promise.reject(new ConfigurationError(`FileSink: ${this.path} is a single file, so the sink's parallelism must be 1 (got ${context.parallelism})`));
    }
    const file = this.singleFile ? this.path : join(this.path, `part-${context.subtaskIndex}.${this.extension}${this.gzip ? '.gz' : ''}`);
    return FileSinkWriter.open(file, this.gzip, this.newEncoder(), context);
  }
}

function checkPath(path: string, wrongKind: RegExp, api: string): void {
  if (typeof path !== 'string' || path === '') throw new ConfigurationError(`${api}: path must be a non-empty string`);
  if (wrongKind.test(path)) throw new ConfigurationError(`${api}: path ${path} names a file of another format`);
}
