/**
 * A record a file source could not read, sent to the source's dead-letter side output instead of
 * failing the job (see the `deadLetter` option of `FileSource.csv` / `FileSource.ndjson`).
 *
 * Read it with `stream.getSideOutput(deadLetterTag)`.
 *
 * @see Flink has no built-in dead-letter output for FileSource; this mirrors the common
 *   side-output pattern (`OutputTag`) used for bad records.
 */
export interface DeadLetter {
  /** Path of the file the record came from. */
  readonly file: string;
  /** 1-based physical line where the record starts (the CSV header is line 1). */
  readonly line: number;
  /** Byte offset of the record's start in the decompressed file. */
  readonly offset: number;
  /** The column that could not be read, or `undefined` when the whole record is malformed. */
  readonly field: string | undefined;
  /** Why, e.g. `expected an integer, got 'abc'`. */
  readonly reason: string;
  /** The record's text without its line break (for a CSV syntax error, as far as the parser read). */
  readonly raw: string;
}
