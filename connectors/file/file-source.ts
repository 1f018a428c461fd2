import { ConfigurationError } from '../../lib/errors.js';
import type { Boundedness, Source, SourceReaderContext } from '../source.js';
import { CsvFormat } from './csv-format.js';
import type { FileFormat } from './file-format.js';
import type { CsvSourceOptions, FileSourceOptions, NdjsonSourceOptions } from './file-source-options.js';
import { FileSourceReader } from './file-source-reader.js';
import { NdjsonFormat } from './ndjson-format.js';

/**
 * A bounded source reading records from files: CSV/TSV with a header ({@link FileSource.csv}) or
 * newline-delimited JSON ({@link FileSource.ndjson}), plain or gzip (`.gz`, by extension).
 *
 * `path` is a file, a list of files, or a directory (its regular files, not recursive, hidden
 * `.`/`_` names skipped). The files are sorted by path and file `i` is read by subtask
 * `i % parallelism`; gzip is not splittable, so each file has exactly one reader. Each subtask's
 * {@link FileSourceReader} reads its files one after another and can resume from byte offsets.
 *
 * Checkpoints: each reader snapshots its unfinished files as {@link FileSourceSplit}s (file, byte
 * offset and line of the next record not yet emitted, records left under `limit`); a restored
 * reader reads exactly the splits it is given (`SourceReaderContext.restoredSplits`), also when they
 * come from other subtasks after a change of parallelism, and resumes at the exact record after the
 * last one emitted before the checkpoint (gzip files are decompressed again from their start and the
 * bytes before the offset skipped; a CSV file's header is read again from its first line).
 *
 * Malformed records fail the job with a `RecordParseError` (code `WEIR_ERR_RECORD_PARSE`) naming
 * file, line and field, or go to the `deadLetter` side output when one is given. A missing path is
 * a `ConfigurationError` (code `WEIR_ERR_CONFIG`) thrown from the reader's `start()`.
 *
 * @example
 * const badRows = new OutputTag<DeadLetter>('bad-trips');
 * const trips = FileSource.csv('data/trips.csv.gz', {
 *   mapper: (row) => ({
 *     pickup: row.timestamp('lpep_pickup_datetime', { timeZone: 'America/New_York' }),
 *     tip: row.float('tip_amount'),
 *   }),
 *   deadLetter: badRows,
 * });
 * @see org.apache.flink.connector.file.src.FileSource (forRecordStreamFormat), CsvReaderFormat
 */
export class FileSource<T> implements Source<T> {
  readonly boundedness: Boundedness = 'BOUNDED';
  /** The input paths as given. */
  readonly paths: readonly string[];

  private constructor(
    path: string | readonly string[],
    private readonly newFormat: () => FileFormat<T>,
    private readonly options: FileSourceOptions,
  ) {
    this.paths = typeof path === 'string' ? [path] : [...path];
    validate(this.paths, options);
  }

  /**
   * CSV (or TSV with `delimiter: '\t'`) with a header row; each row is mapped by `options.mapper`
   * through a typed `CsvRow`. Every row must have as many fields as the header.
   *
   * @param path a file, a list of files, or a directory; `.gz` files are gunzipped.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty path list, a delimiter that is not
   *   one character, or an invalid `limit` / `startOffsets`.
   */
  static csv<T>(path: string | readonly string[], options: CsvSourceOptions<T>): FileSource<T> {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new ConfigurationError(`FileSource.csv: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
    }
    if (typeof options.mapper !== 'function') throw new ConfigurationError('FileSource.csv: options.mapper must be a function (row) => record');
    return new FileSource<T>(path, () => new CsvFormat<T>(options), options);
  }

  /**
   * Newline-delimited JSON, one value per line (blank lines skipped), mapped by `options.mapper`
   * (default: the parsed value).
   *
   * @param path a file, a list of files, or a directory; `.gz` files are gunzipped.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty path list or an invalid `limit` / `startOffsets`.
   */
  static ndjson<T = unknown>(path: string | readonly string[], options: NdjsonSourceOptions<T> = {}): FileSource<T> {
    return new FileSource<T>(path, () => new NdjsonFormat<T>(options), options);
  }

  /** Creates the reader of one subtask (it lists the files in `start()`). */
  createReader(context: SourceReaderContext): FileSourceReader<T> {
    return new FileSourceReader<T>(this.paths, this.newFormat(), context, this.options);
  }

  /** The input path(s), comma-separated. */
  describe(): string {
    return this.paths.join(', ');
  }
}

function validate(paths: readonly string[], options: FileSourceOptions): void {
  if (paths.length === 0 || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw new ConfigurationError('FileSource: path must be a non-empty path or a non-empty list of them');
  }
  const { limit, startOffsets } = options;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new ConfigurationError(`FileSource: limit must be an integer ≥ 0, got ${String(limit)}`);
  }
  for (const p of startOffsets ?? []) {
    if (typeof p.file !== 'string' || !Number.isSafeInteger(p.offset) || p.offset < 0 || !Number.isSafeInteger(p.line) || p.line < 1) {
      throw new ConfigurationError(`FileSource: invalid start offset ${JSON.stringify(p)} (expected {file, offset ≥ 0, line ≥ 1})`);
    }
  }
}
