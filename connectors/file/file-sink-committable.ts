/**
 * What a `FileSink` writer hands over at `prepareCommit`: one pending (closed, fsynced, hidden) part
 * file and where it goes. Plain data, checkpointed in the sink operator's list state, and
 * self-describing, so any subtask can commit it after a change of parallelism.
 *
 * - `rename` (directory mode): commit renames `pending` to `target`. If `pending` is gone and
 *   `target` exists, it was committed already.
 * - `append` (single-file mode): commit truncates `target` to `targetLengthBefore` bytes (dropping
 *   what an interrupted earlier attempt of this same commit appended), appends `pending`'s bytes,
 *   fsyncs and deletes `pending`. If `pending` is gone, it was committed already (it is deleted only
 *   after the append is durable).
 *
 * @see org.apache.flink.connector.file.sink.FileSinkCommittable
 */
import { describeRecord, RestoreError } from '../../lib/errors.js';

export type FileSinkCommittable =
  | {
      readonly mode: 'rename';
      /** The hidden pending part file. */
      readonly pending: string;
      /** Its final name. */
      readonly target: string;
    }
  | {
      readonly mode: 'append';
      /** The hidden pending part file. */
      readonly pending: string;
      /** The one output file the part is appended to. */
      readonly target: string;
      /** The target's length (bytes) with every earlier part committed and this one not. */
      readonly targetLengthBefore: number;
    };

/**
 * Checks that `value` (restored from a checkpoint) is a {@link FileSinkCommittable}.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) naming it when it is not.
 */
export function toFileSinkCommittable(value: unknown): FileSinkCommittable {
  const c = value as Partial<{ mode: string; pending: string; target: string; targetLengthBefore: number }> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    typeof c.pending === 'string' &&
    typeof c.target === 'string' &&
    (c.mode === 'rename' || (c.mode === 'append' && Number.isSafeInteger(c.targetLengthBefore) && (c.targetLengthBefore as number) >= 0));
  if (!ok) throw new RestoreError(`FileSink: a restored committable is not a file committable {mode: 'rename' | 'append', pending, target, targetLengthBefore?}: ${describeRecord(value)}`);
  return value as FileSinkCommittable;
}
