/**
 * Finds the snapshot a job starts from (`weir run --from-savepoint` / `--from-checkpoint`, Flink's
 * `-s <path>`): a savepoint or `chk-<id>` directory, its `_metadata` file, or a checkpoint root
 * (then the newest completed checkpoint under it) — as paths or storage URIs
 * (`jetstream://<bucket>/<jobId>`, `jetstream://<bucket>/savepoint-…`). Every file the snapshot
 * references is read and checksummed first; an unreadable checkpoint is skipped for the next older
 * one, with a warning.
 */
import { RestoreError } from '../errors.js';
import { blobStoreFor } from './checkpoint-blob-store.js';
import { checkpointIdOf, findCheckpointDirectories, readMetadata, verifyCheckpoint } from './checkpoint-storage.js';
import { withCheckpointStorage } from './checkpoint-storage-connection.js';
import type { CompletedCheckpoint } from './state-handles.js';
import { baseNameOf, parentLocation, resolveLocation } from './storage-location.js';

/**
 * @param path see the module docstring.
 * @param onWarning told about each snapshot skipped as unreadable.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) when no readable snapshot is found (the cause names the
 *   last failure), or when the location cannot be looked at (an unsupported URI, unreachable NATS,
 *   a bucket that does not exist: the cause says which).
 */
export async function loadRestorePoint(path: string, onWarning: (message: string) => void = () => {}): Promise<CompletedCheckpoint> {
  // One connection for the whole search when the location is an object store.
  return withCheckpointStorage(async () => {
    let abs: string;
    let candidates: string[];
    try {
      abs = resolveLocation(path);
      candidates = await restoreCandidates(abs);
    } catch (err) {
      if (err instanceof RestoreError) throw err;
      throw new RestoreError(`cannot look for a savepoint or checkpoint at ${path}: ${(err as Error).message}`, { cause: err });
    }
    let last: unknown;
    for (const dir of candidates) {
      try {
        const { metadata, directory } = await readMetadata(dir);
        await verifyCheckpoint(metadata);
        return { metadata, directory, sizeBytes: 0 };
      } catch (err) {
        last = err;
        const next = candidates[candidates.indexOf(dir) + 1];
        onWarning(`${dir} cannot be restored (${(err as Error).message})${next !== undefined ? `; falling back to ${next}` : ''}`);
      }
    }
    throw new RestoreError(`no readable savepoint or checkpoint at ${abs}`, { cause: last });
  });
}

/** The snapshots `abs` names, to try in order. @throws RestoreError when there is none. */
async function restoreCandidates(abs: string): Promise<string[]> {
  const store = blobStoreFor(abs);
  const st = await store.stat(abs);
  const metadata = st?.kind === 'blob' ? abs : (await store.stat(resolveLocation(abs, '_metadata'))) !== undefined ? resolveLocation(abs, '_metadata') : undefined;
  if (metadata !== undefined) {
    const dir = parentLocation(metadata);
    // A chk-<id> directory: its older siblings are fallbacks.
    if (!/^chk-\d+$/.test(baseNameOf(dir))) return [dir];
    return [dir, ...(await findCheckpointDirectories(parentLocation(dir))).filter((d) => d !== dir && checkpointIdOf(d) < checkpointIdOf(dir))];
  }
  const found = await findCheckpointDirectories(abs);
  if (found.length > 0) return found;
  // A path that does not exist, or an object store prefix with nothing under it (object stores have no directories).
  if (st === undefined) throw new RestoreError(`no savepoint or checkpoint at ${abs}`);
  throw new RestoreError(`no completed checkpoint (a chk-<id> directory with _metadata) under ${abs}`);
}
