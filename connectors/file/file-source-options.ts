import type { OutputTag } from '../../lib/api/output-tag.js';
import type { DeadLetter } from './dead-letter.js';
import type { FilePosition } from './file-position.js';
import type { CsvRow } from './row.js';

/** Options every file source takes. */
export interface FileSourceOptions {
  /**
   * Where malformed records go. Without it (default) the first malformed record fails the reader
   * with a `RecordParseError` (code `WEIR_ERR_RECORD_PARSE`) naming file, line and field; with it,
   * each malformed record is emitted to this side output as a {@link DeadLetter} and reading goes on.
   */
  readonly deadLetter?: OutputTag<DeadLetter> | undefined;
  /**
   * Positions to resume from, one per file, as returned by `FileSourceReader.currentPosition()`;
   * files not listed start from the beginning, and entries for files this subtask does not read
   * are ignored. Files are matched by resolved path. Ignored when the reader is restored from a
   * checkpoint (its splits carry the positions then; see `FileSourceSplit`).
   */
  readonly startOffsets?: readonly FilePosition[] | undefined;
  /**
   * At most this many records (good or malformed; the CSV header excluded) are read from each file,
   * counted from where this reader starts in it; for taking slices of large files. Default: no limit.
   */
  readonly limit?: number | undefined;
}

/** Options of `FileSource.csv`. */
export interface CsvSourceOptions<T> extends FileSourceOptions {
  /**
   * Maps one row to a record, or `undefined` to skip the row. Read cells with the typed getters of
   * {@link CsvRow}, which throw `RecordParseError` for bad cells. Any other error thrown is wrapped
   * in a `RecordParseError` carrying file and line, except `ConfigurationError`s (an unknown column),
   * which fail the job as they are.
   */
  readonly mapper: (row: CsvRow) => T | undefined;
  /** Field delimiter, one character: `','` (default) or `'\t'` for TSV. */
  readonly delimiter?: string | undefined;
  /**
   * A cell text meaning "no value" besides the empty cell, e.g. `'NA'`; see `CsvRow.optionalFloat`.
   * Default: none.
   */
  readonly nullLiteral?: string | undefined;
}

/** Where an NDJSON record came from, passed to the mapper. */
export interface NdjsonRecordContext {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** Byte offset of the line's start in the decompressed file. */
  readonly offset: number;
}

/** Options of `FileSource.ndjson`. */
export interface NdjsonSourceOptions<T> extends FileSourceOptions {
  /**
   * Maps each parsed JSON value to a record, or `undefined` to skip it. Default: the value itself
   * (cast to `T`, unchecked). Errors thrown are handled as for `CsvSourceOptions.mapper`.
   */
  readonly mapper?: ((value: unknown, context: NdjsonRecordContext) => T | undefined) | undefined;
}
