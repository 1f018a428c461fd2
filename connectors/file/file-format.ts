/**
 * The seam between the file reader (files, streams, buffering, positions) and a record format
 * (CSV, NDJSON): a format opens a {@link FileDecoder} per file that turns bytes into
 * {@link DecodedRecord}s, and maps each decoded record to the value the source emits.
 *
 * @see org.apache.flink.connector.file.src.reader.StreamFormat (Flink's per-format reader factory)
 */
import type { FilePosition } from './file-position.js';

/** One record cut out of a file, not yet mapped. Offsets are bytes in the decompressed file. */
export interface DecodedRecord {
  readonly file: string;
  /** 1-based physical line where the record starts. */
  readonly line: number;
  /** Byte offset of the record's start. */
  readonly offset: number;
  /** Byte offset just past the record and its line break: where the next record starts. */
  readonly nextOffset: number;
  /** Line number at `nextOffset`. */
  readonly nextLine: number;
  /** The record's text without its line break. */
  readonly raw: string;
  /** The format's parsed form (CSV: cells by column name; NDJSON: unused, the text is parsed when mapped). */
  readonly value: unknown;
  /** Set when the record could not be decoded (e.g. wrong number of CSV fields). */
  readonly error?: { readonly reason: string; readonly field?: string | undefined } | undefined;
}

/** Receives a decoder's output, synchronously and in file order. */
export interface RecordSink {
  push(record: DecodedRecord): void;
  /** The decoder cannot go on (not a bad record but a broken stream or parser); no more pushes follow. */
  fail(error: Error): void;
}

/** Turns the bytes of one file, fed in order, into records pushed to a {@link RecordSink}. */
export interface FileDecoder {
  /** Decodes `chunk`, pushing every record it completes before returning. */
  write(chunk: Buffer): void;
  /** Input ended: pushes the last record, if any; resolves when done. */
  finish(): Promise<void>;
  /** Drops any state; no more pushes follow. */
  destroy(): void;
}

/** A record format: per-file decoders plus the mapping from decoded records to emitted values. */
export interface FileFormat<T> {
  /**
   * Prepares to read `file` from `from` (or its start when `undefined`) and resolves to a decoder
   * and the position of the first byte the decoder must be fed (CSV skips its header, which it
   * reads first). Rejects with a `WeirError` when the file cannot be prepared.
   */
  open(file: string, from: FilePosition | undefined, sink: RecordSink): Promise<{ decoder: FileDecoder; start: FilePosition }>;
  /**
   * The value to emit for `record`, or `undefined` to skip it. Throws `RecordParseError` for a bad
   * record, `ConfigurationError` for a job mistake; anything else is wrapped by the reader.
   */
  toValue(record: DecodedRecord): T | undefined;
}
