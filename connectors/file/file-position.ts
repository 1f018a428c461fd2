/**
 * Where a file reader stands in one file: the byte `offset` (in the decompressed stream, so for a
 * `.gz` file it counts uncompressed bytes) of the next record not yet emitted, and that record's
 * 1-based physical `line` (the CSV header is line 1).
 *
 * A reader exposes its positions with `FileSourceReader.currentPosition()` and accepts them back
 * through the source options' `startOffsets` to resume; checkpoints snapshot the same position as
 * the reader's split state (`FileSourceSplit`).
 *
 * @see org.apache.flink.connector.file.src.util.CheckpointedPosition (offset + records to skip)
 */
export interface FilePosition {
  /** The file's path as the source lists it (the given path, or a directory joined with the file name). */
  readonly file: string;
  /** Byte offset of the next unread record in the decompressed file (bytes, ≥ 0). */
  readonly offset: number;
  /** 1-based physical line number at which that record starts. */
  readonly line: number;
}
