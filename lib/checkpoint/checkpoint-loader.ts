/**
 * Finds the snapshot a job starts from (`weir run --from-savepoint` / `--from-checkpoint`, Flink's
 * `-s <path>`): a savepoint or `chk-<id>` directory, its `_metadata` file, or a checkpoint root
 * (then the newest completed checkpoint under it). Every file the snapshot references is read and
 * checksummed first; an unreadable checkpoint is skipped for the next older one, with a warning.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RestoreError } from '../errors.js';
import { findCheckpointDirectories, readMetadata, verifyCheckpoint } from './checkpoint-storage.js';
import type { CompletedCheckpoint } from './state-handles.js';

/**
 * @param path see the module docstring.
 * @param onWarning told about each snapshot skipped as unreadable.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) when no readable snapshot is found (the cause names the
 *   last failure).
 */
export async function loadRestorePoint(path: string, onWarning: (message: string) => void = () => {}): Promise<CompletedCheckpoint> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => undefined);
  if (st === undefined) throw new RestoreError(`no savepoint or checkpoint at ${abs}`);
  const direct = st.isFile() ? abs : (await stat(join(abs, '_metadata')).catch(() => undefined)) !== undefined ? join(abs, '_metadata') : undefined;
  let candidates: string[];
  if (direct !== undefined) {
    const dir = dirname(direct);
    // A chk-<id> directory: its older siblings are fallbacks.
    candidates = /^chk-\d+$/.test(basename(dir)) ? [dir, ...(await findCheckpointDirectories(dirname(dir))).filter((d) => d !== dir && chkId(d) < chkId(dir))] : [dir];
  } else candidates = await findCheckpointDirectories(abs);
  if (candidates.length === 0) throw new RestoreError(`no completed checkpoint (a chk-<id> directory with _metadata) under ${abs}`);
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
}

function chkId(dir: string): number {
  return Number(/chk-(\d+)$/.exec(dir)?.[1] ?? -1);
}
