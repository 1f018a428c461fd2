import { ConfigurationError } from '../../lib/errors.js';
import type { SinkCommitterContext, SinkWriterContext, TwoPhaseCommittingSink } from '../sink.js';
import { FileCommitter } from './file-committer.js';
import type { FileSinkCommittable } from './file-sink-committable.js';
import { FileSinkWriter } from './file-sink-writer.js';
import { PartFileLayout } from './part-file-layout.js';
import { CsvEncoder, NdjsonEncoder, type CsvColumns, type RecordEncoder } from './record-encoder.js';

/** Options every file sink takes. */
export interface FileSinkOptions {
  /**
   * Directory mode only: gzip the part files (`part-<i>-<n>.<ext>.gz`). Default `false`. In
   * single-file mode the path's `.gz` suffix decides, and this option must not contradict it.
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
 * An exactly-once sink writing records to files: NDJSON ({@link FileSink.ndjson}) or CSV
 * ({@link FileSink.csv}), gzip-compressed for a `.gz` path. A two-phase-commit sink, as Flink's
 * FileSink: records go to hidden in-progress files; at each checkpoint the in-progress file is
 * closed and becomes pending; once the checkpoint completes the committer publishes it under its
 * final name. Readers of the output only ever see committed data under final names (hidden files
 * start with `.`, which `FileSource` and most tools skip).
 *
 * Modes:
 * - directory (any path not ending as below): subtask `i` writes part files, one per checkpoint
 *   that saw records, committed as `<path>/part-<i>-<n>.<ext>` (`n` = 0, 1, …; `ext` `ndjson`,
 *   `csv` or `tsv`, plus `.gz`) by an atomic rename. Every part file has its own CSV header.
 * - single file (`path` ends in `.ndjson`, `.jsonl`, `.json`, `.csv` or `.tsv`, optionally followed
 *   by `.gz`; `maxParallelism` 1): the parts are appended to the one file on commit (a committable
 *   carries the file's length before it, so a repeated commit truncates and appends again: it is
 *   idempotent). The CSV header is written once. gzip parts append as gzip members, which gunzip
 *   reads as one stream. A reader looking during a commit may see a prefix of the data being
 *   committed (never data of an uncommitted checkpoint).
 *
 * Without checkpointing, the one part of each subtask is committed at end of input, so files
 * appear when the job ends, as before: `part-<i>-0.<ext>` per subtask, or the single file. Parent
 * directories are created; on a fresh start part counters start at 0, so existing files of the
 * same names are replaced on commit (other files in the directory are left alone). A restore
 * rolls the output back to the restored checkpoint: parts committed after it (numbered from the
 * restored writer state's next part on) are removed, and a single file is cut to the length it had
 * at that checkpoint, because the restored job writes those records again — so output stays
 * exactly once also when recovery falls back to an older checkpoint or a job is restarted from an
 * older savepoint (Flink keeps such files and duplicates). Each final file is
 * reported once with `context.reportOutput(path)` when prepared.
 *
 * @example
 * const tips = FileSink.csv<{ hour: number; tips: number }>('out/tips.csv', { columns: ['hour', 'tips'] });
 * const parts = FileSink.ndjson('out/trips/'); // part-0-0.ndjson, part-1-0.ndjson, …
 * @see org.apache.flink.connector.file.sink.FileSink (forRowFormat, OnCheckpointRollingPolicy)
 */
export class FileSink<T> implements TwoPhaseCommittingSink<T, FileSinkCommittable> {
  /** 1 in single-file mode; `undefined` (any) in directory mode. */
  readonly maxParallelism?: number;
  private readonly singleFile: boolean;
  private readonly gzip: boolean;
  private readonly layout: PartFileLayout;

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
    this.layout = new PartFileLayout(path, this.singleFile, `${extension}${this.gzip ? '.gz' : ''}`);
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
   * Creates the writer of one subtask (restored from `context.restoredState` when given).
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when the directory cannot be created; ConfigurationError
   *   (`WEIR_ERR_CONFIG`) for a single-file path with parallelism > 1.
   */
  createWriter(context: SinkWriterContext): Promise<FileSinkWriter<T>> {
    const wrong = this.checkParallelism(context.parallelism);
    if (wrong !== undefined) return Promise.reject(wrong);
    return FileSinkWriter.create(this.layout, this.gzip, this.newEncoder(), context);
  }

  /**
   * Creates the committer of one subtask: commits pending parts (idempotently) and cleans up what
   * failed attempts left; see `FileCommitter`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a single-file path with parallelism > 1.
   */
  createCommitter(context: SinkCommitterContext): FileCommitter {
    const wrong = this.checkParallelism(context.parallelism);
    if (wrong !== undefined) throw wrong;
    return new FileCommitter(this.layout, context);
  }

  private checkParallelism(parallelism: number): ConfigurationError | undefined {
    if (!this.singleFile || parallelism <= 1) return undefined;
    return new ConfigurationError(`FileSink: ${this.path} is a single file, so the sink's parallelism must be 1 (got ${parallelism})`);
  }
}

function checkPath(path: string, wrongKind: RegExp, api: string): void {
  if (typeof path !== 'string' || path === '') throw new ConfigurationError(`${api}: path must be a non-empty string`);
  if (wrongKind.test(path)) throw new ConfigurationError(`${api}: path ${path} names a file of another format`);
}
