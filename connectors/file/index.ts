/**
 * File connectors: {@link FileSource} (CSV/TSV/NDJSON, plain or gzip, replayable from checkpointed
 * splits) and {@link FileSink} (NDJSON/CSV, plain or gzip, one file or part files per subtask,
 * exactly-once by two-phase commit).
 *
 * @see org.apache.flink.connector.file.src.FileSource, org.apache.flink.connector.file.sink.FileSink
 */
export { FileSource } from './file-source.js';
export type { CsvSourceOptions, FileSourceOptions, NdjsonRecordContext, NdjsonSourceOptions } from './file-source-options.js';
export { FileSourceReader } from './file-source-reader.js';
export type { FilePosition } from './file-position.js';
export type { FileSourceSplit } from './file-source-split.js';
export type { DeadLetter } from './dead-letter.js';
export { CsvRow, type CsvRowContext } from './row.js';
export { parseTimestamp, wallClockToEpochMs, zoneOffsetMs, type TimestampOptions, type TimestampResult } from './parse-timestamp.js';
export { FileSink, type CsvSinkOptions, type FileSinkOptions, type NdjsonSinkOptions } from './file-sink.js';
export { FileSinkWriter, type FileSinkWriterState } from './file-sink-writer.js';
export { FileCommitter } from './file-committer.js';
export type { FileSinkCommittable } from './file-sink-committable.js';
export type { CsvColumns } from './record-encoder.js';
export { FileIoError } from './file-io-error.js';
