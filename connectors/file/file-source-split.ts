/**
 * The split of a `FileSource` reader: one input file from a position on, as plain data (Flink's
 * FileSourceSplit with its CheckpointedPosition). A reader's `snapshotState` returns its unfinished
 * splits; a restored reader reads exactly the splits it is given (`SourceReaderContext.restoredSplits`).
 *
 * A split is self-describing: `file` says which file (the path as the source listed it), `offset` and
 * `line` where the next unread record starts (offsets count decompressed bytes, so for `.gz` files
 * resuming decompresses from the start and skips), and `limit` how many records are left when the
 * source has a `limit`. A CSV split mid-file needs nothing more: the reader reads the file's header
 * row again from the file's start.
 *
 * @see org.apache.flink.connector.file.src.FileSourceSplit
 * @see org.apache.flink.connector.file.src.util.CheckpointedPosition
 */
import { RestoreError } from '../../lib/errors.js';

export interface FileSourceSplit {
  readonly kind: 'file';
  /** The file's path as the source lists it (the given path, or a directory joined with the file name). */
  readonly file: string;
  /** Byte offset of the next unread record in the decompressed file (bytes, ≥ 0; 0 = not started). */
  readonly offset: number;
  /** 1-based physical line at which that record starts (the CSV header is line 1). */
  readonly line: number;
  /**
   * Records (good or malformed, the CSV header excluded) still to read from this position, when the
   * source was given a `limit`; absent: to the end of the file.
   */
  readonly limit?: number;
}

/**
 * Checks that `split` (restored from a checkpoint) is a {@link FileSourceSplit}.
 * @param index the split's index in the restored list, for the message.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) naming the split when it is not one.
 */
export function toFileSourceSplit(split: unknown, index: number): FileSourceSplit {
  const s = split as Partial<FileSourceSplit> | null;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    s.kind === 'file' &&
    typeof s.file === 'string' &&
    s.file !== '' &&
    Number.isSafeInteger(s.offset) &&
    (s.offset as number) >= 0 &&
    Number.isSafeInteger(s.line) &&
    (s.line as number) >= 1 &&
    (s.limit === undefined || (Number.isSafeInteger(s.limit) && s.limit >= 0));
  if (!ok) {
    let text: string;
    try {
      text = JSON.stringify(split) ?? String(split);
    } catch {
      text = String(split);
    }
    throw new RestoreError(`FileSource: restored split #${index} is not a file split {kind: 'file', file, offset ≥ 0, line ≥ 1, limit?}: ${text}`);
  }
  const { file, offset, line, limit } = s as FileSourceSplit;
  return limit === undefined ? { kind: 'file', file, offset, line } : { kind: 'file', file, offset, line, limit };
}
