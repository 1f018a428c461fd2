/**
 * The committer of a `FileSink` (Flink's FileCommitter): publishes pending part files and, on
 * (re)start, deletes what earlier attempts left behind.
 *
 * `commit` is idempotent (see {@link FileSinkCommittable} for each mode), so committables restored
 * from a checkpoint can be committed again whether or not, or how far, their commit ran before.
 *
 * `abort` deletes, for every old subtask `j` with `j % parallelism === subtaskIndex` (so after a
 * change of parallelism each old subtask's leftovers have exactly one owner), its in-progress files
 * (never referenced by a committable) and its pending files prepared for a checkpoint after the
 * restored one (that checkpoint never completed, so no restored committable refers to them). Pending
 * files of the restored checkpoint or earlier are left alone: another subtask may be committing
 * them. On a fresh start every in-progress and pending file of those subtasks goes.
 *
 * @see org.apache.flink.connector.file.sink.committer.FileCommitter
 */
import { constants, type Stats } from 'node:fs';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Committer, CommitterAbortContext, SinkCommitterContext } from '../sink.js';
import { FileIoError } from './file-io-error.js';
import { toFileSinkCommittable, type FileSinkCommittable } from './file-sink-committable.js';
import type { PartFileLayout } from './part-file-layout.js';

/** Bytes copied per read when appending a part to the target. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/** The committer of one `FileSink` subtask (created by `FileSink.createCommitter`); see the module docstring. */
export class FileCommitter implements Committer<FileSinkCommittable> {
  /**
   * @param layout where the sink's files live and how they are named.
   * @param context this subtask's index and the sink's parallelism (for `abort`'s share of leftovers).
   */
  constructor(
    private readonly layout: PartFileLayout,
    private readonly context: SinkCommitterContext,
  ) {}

  /**
   * Commits `committables` one after another, in the order given.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when a file operation fails, or when neither the pending
   *   file nor (rename) its target exists, or (append) the target is shorter than the committed
   *   length: committed output was removed behind the sink's back.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) for a committable that is not a file committable.
   */
  async commit(committables: readonly FileSinkCommittable[]): Promise<void> {
    const dirs = new Set<string>();
    for (const value of committables) {
      const c = toFileSinkCommittable(value);
      if (c.mode === 'rename') await commitRename(c.pending, c.target);
      else await commitAppend(c.pending, c.target, c.targetLengthBefore);
      dirs.add(dirname(c.target));
    }
    for (const dir of dirs) await syncDirectory(dir);
  }

  /**
   * Deletes the leftovers of the old subtasks this subtask owns (see the module docstring).
   * A missing directory has none. Never deletes final files.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when the directory cannot be listed or a file deleted.
   */
  async abort(context: CommitterAbortContext): Promise<void> {
    const { subtaskIndex, parallelism } = this.context;
    const restored = context.restoredCheckpointId;
    const dir = this.layout.dir;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return;
      throw new FileIoError(dir, 'list', err);
    }
    for (const name of names) {
      const parsed = this.layout.parseHidden(name);
      if (parsed === undefined || parsed.subtask % parallelism !== subtaskIndex) continue;
      if (parsed.kind === 'pending' && restored !== undefined && (parsed.checkpointId as number) <= restored) continue;
      const file = join(dir, name);
      await unlink(file).catch((err: unknown) => {
        if (!isCode(err, 'ENOENT')) throw new FileIoError(file, 'delete', err);
      });
    }
  }

  /** Nothing to release: every file is closed after each commit. */
  close(): void {}
}

/** Directory mode: pending → target by rename; done already when only the target exists. */
async function commitRename(pending: string, target: string): Promise<void> {
  try {
    await rename(pending, target);
  } catch (err) {
    if (!isCode(err, 'ENOENT')) throw new FileIoError(pending, `commit (rename to ${target})`, err);
    if ((await statOrUndefined(target)) === undefined) {
      throw new FileIoError(target, 'commit', new Error(`neither the pending part ${pending} nor the committed file exists`));
    }
  }
}

/** Single-file mode: truncate target to `before`, append pending, fsync, delete pending. */
async function commitAppend(pending: string, target: string, before: number): Promise<void> {
  let source: FileHandle;
  try {
    source = await open(pending, 'r');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return; // deleted only after a durable append: committed already
    throw new FileIoError(pending, 'open', err);
  }
  try {
    const existing = await statOrUndefined(target);
    if ((existing?.size ?? 0) < before) {
      throw new FileIoError(target, 'commit', new Error(`the file has ${existing?.size ?? 0} bytes, fewer than the ${before} bytes committed before`));
    }
    let out: FileHandle;
    try {
      out = await open(target, existing === undefined ? constants.O_WRONLY | constants.O_CREAT : constants.O_WRONLY);
    } catch (err) {
      throw new FileIoError(target, 'open', err);
    }
    try {
      await out.truncate(before);
      const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
      let position = before;
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        let written = 0;
        while (written < bytesRead) {
          const r = await out.write(buffer, written, bytesRead - written, position);
          written += r.bytesWritten;
          position += r.bytesWritten;
        }
      }
      await out.sync();
    } catch (err) {
      throw err instanceof FileIoError ? err : new FileIoError(target, `commit (append ${pending} to)`, err);
    } finally {
      await out.close();
    }
  } finally {
    await source.close();
  }
  await unlink(pending).catch((err: unknown) => {
    if (!isCode(err, 'ENOENT')) throw new FileIoError(pending, 'delete', err);
  });
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw new FileIoError(file, 'stat', err);
  }
}

/** Makes renames and deletions in `dir` durable; best effort (not every platform can fsync a directory). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR / EPERM / EINVAL on platforms without directory fsync: the renames are still done.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function isCode(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | null)?.code === code;
}
