/**
 * Checkpoint storage (Flink's CheckpointStorage: JobManagerCheckpointStorage in memory,
 * FileSystemCheckpointStorage in a directory). Layout of file storage:
 *
 *     <root>/<jobId>/chk-<id>/_metadata          completed checkpoint (written last, atomically)
 *     <root>/<jobId>/chk-<id>/<uid>/<kg>.part    full key-group parts of that checkpoint
 *     <root>/<jobId>/shared/<uid>/<kg>-<id>.part parts of incremental checkpoints (shared by later ones)
 *     <savepointDir>/savepoint-<jobId>-<id>/…    savepoints: self-contained, relocatable
 *
 * Every part and metadata file is framed (snapshot-format.ts: version + SHA-256). Parts of full
 * checkpoints smaller than the inline threshold (20 KiB, Flink's `state.storage.fs.memory-threshold`)
 * are kept inside the metadata instead of in files; incremental parts are always files. Paths in `_metadata` are relative to its directory, so a savepoint
 * can be moved.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { SnapshotFormatError } from '../errors.js';
import { decodeState, encodeState } from '../state/state-codec.js';
import { frame, FrameKind, unframe } from './snapshot-format.js';
import type { CheckpointMetadata, KeyGroupStateHandle, OperatorCheckpointState, StreamStateHandle } from './state-handles.js';

/** Flink's default `state.storage.fs.memory-threshold`: 20 KiB. */
export const DEFAULT_INLINE_THRESHOLD_BYTES = 20 * 1024;

/** Where one checkpoint's files go; plain data, sent to every subtask with the trigger. */
export interface SnapshotTarget {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** Directory of this checkpoint (holds `_metadata`); undefined = in memory (everything inline). */
  readonly directory: string | undefined;
  /** Directory for incremental parts shared across checkpoints (file storage only). */
  readonly sharedDirectory: string | undefined;
  /** Parts below this many bytes are inlined. */
  readonly inlineThresholdBytes: number;
}

/** The target of checkpoint `id` of job run `jobId` under `root` (undefined root = memory). */
export function checkpointTarget(root: string | undefined, jobId: string, id: number): SnapshotTarget {
  if (root === undefined) return { checkpointId: id, kind: 'checkpoint', directory: undefined, sharedDirectory: undefined, inlineThresholdBytes: Infinity };
  const jobDir = resolve(root, jobId);
  return { checkpointId: id, kind: 'checkpoint', directory: join(jobDir, `chk-${id}`), sharedDirectory: join(jobDir, 'shared'), inlineThresholdBytes: DEFAULT_INLINE_THRESHOLD_BYTES };
}

/** The target of a savepoint under `savepointDir`. */
export function savepointTarget(savepointDir: string, jobId: string, id: number): SnapshotTarget {
  const dir = resolve(savepointDir, `savepoint-${jobId}-${id}`);
  return { checkpointId: id, kind: 'savepoint', directory: dir, sharedDirectory: undefined, inlineThresholdBytes: DEFAULT_INLINE_THRESHOLD_BYTES };
}

/**
 * Writes one key-group part (framed) and returns its handle.
 * @param shared put it in the shared directory (incremental parts that later checkpoints reuse).
 */
export async function writeKeyGroupPart(target: SnapshotTarget, uid: string, keyGroup: number, payload: Uint8Array, shared: boolean): Promise<StreamStateHandle> {
  const framed = frame(FrameKind.keyGroup, payload);
  // Shared (incremental) parts are files even when small: inlined, every later checkpoint's
  // metadata would repeat them for as long as they stay in a chain.
  if (target.directory === undefined || (!shared && framed.length < target.inlineThresholdBytes)) return { inline: framed };
  const dir = shared && target.sharedDirectory !== undefined ? join(target.sharedDirectory, safeName(uid)) : join(target.directory, safeName(uid));
  const file = join(dir, shared ? `${keyGroup}-${target.checkpointId}.part` : `${keyGroup}.part`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, framed);
  return { file, size: framed.length };
}

/**
 * Reads a part and checks its frame.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for a missing, truncated or corrupt part.
 */
export async function readStateHandle(handle: StreamStateHandle): Promise<Uint8Array> {
  if ('inline' in handle) return unframe(handle.inline, FrameKind.keyGroup, 'inline key-group part');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(handle.file);
  } catch (err) {
    throw new SnapshotFormatError(`cannot read state file: ${(err as Error).message}`, handle.file, { cause: err });
  }
  return unframe(bytes, FrameKind.keyGroup, handle.file);
}

/** Reads and checks a key group's chain. @throws SnapshotFormatError as {@link readStateHandle}. */
export async function readKeyGroupChain(handle: KeyGroupStateHandle): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const h of handle.chain) out.push(await readStateHandle(h));
  return out;
}

/**
 * Writes `_metadata` (atomically: temp file then rename, so a checkpoint directory without
 * `_metadata` is an incomplete checkpoint). File handles are stored relative to the directory.
 * @returns the metadata file's path and size in bytes (undefined path in memory).
 */
export async function writeMetadata(target: SnapshotTarget, metadata: CheckpointMetadata): Promise<{ path: string | undefined; size: number }> {
  if (target.directory === undefined) return { path: undefined, size: 0 };
  const dir = target.directory;
  const rel = mapHandles(metadata, (h) => ('file' in h ? { file: relative(dir, h.file), size: h.size } : h));
  const framed = frame(FrameKind.metadata, encodeState(rel));
  await mkdir(dir, { recursive: true });
  const path = join(dir, '_metadata');
  await writeFile(`${path}.tmp`, framed);
  await rename(`${path}.tmp`, path);
  return { path, size: framed.length };
}

/**
 * Reads a checkpoint's or savepoint's metadata from its `_metadata` file or its directory; file
 * handles come back absolute.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when missing, corrupt or not metadata.
 */
export async function readMetadata(pathOrDir: string): Promise<{ metadata: CheckpointMetadata; directory: string }> {
  let path = resolve(pathOrDir);
  if ((await stat(path).catch(() => undefined))?.isDirectory() === true) path = join(path, '_metadata');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SnapshotFormatError(`cannot read checkpoint metadata: ${(err as Error).message}`, path, { cause: err });
  }
  const decoded = decodeState(unframe(bytes, FrameKind.metadata, path), path) as CheckpointMetadata;
  if (decoded?.version !== 1 || typeof decoded.operators !== 'object') throw new SnapshotFormatError(`unsupported metadata version ${String(decoded?.version)}`, path);
  const dir = dirname(path);
  return { metadata: mapHandles(decoded, (h) => ('file' in h ? { file: isAbsolute(h.file) ? h.file : join(dir, h.file), size: h.size } : h)), directory: dir };
}

/**
 * Reads every part a checkpoint references and checks its frame, so a corrupt or truncated file is
 * found before a restore starts.
 * @throws SnapshotFormatError naming the first bad file.
 */
export async function verifyCheckpoint(metadata: CheckpointMetadata): Promise<void> {
  for (const op of Object.values(metadata.operators)) {
    for (const s of op.subtasks) for (const kg of s?.keyed ?? []) for (const h of kg.chain) await readStateHandle(h);
  }
}

/**
 * The completed checkpoints under a checkpoint root, a job directory or a `chk-<id>` directory,
 * newest first (by checkpoint id, then completion time). Directories without `_metadata` are skipped.
 */
export async function findCheckpointDirectories(path: string): Promise<string[]> {
  const root = resolve(path);
  const found: { dir: string; id: number; mtime: number }[] = [];
  const consider = async (dir: string): Promise<void> => {
    const m = /chk-(\d+)$/.exec(dir);
    if (m === null) return;
    const st = await stat(join(dir, '_metadata')).catch(() => undefined);
    if (st !== undefined) found.push({ dir, id: Number(m[1]), mtime: st.mtimeMs });
  };
  const list = async (dir: string): Promise<string[]> => (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  await consider(root);
  for (const a of await list(root)) {
    await consider(a);
    for (const b of await list(a)) await consider(b);
  }
  return found.sort((x, y) => y.mtime - x.mtime || y.id - x.id).map((f) => f.dir);
}

/**
 * Deletes a discarded checkpoint's directory and the shared files only it referenced.
 * @param stillReferenced files referenced by the retained checkpoints (never deleted).
 * @param ownedRoot only files under this directory are deleted (restored checkpoints of an earlier
 *   run are never deleted, as Flink's NO_CLAIM restore mode).
 */
export async function discardCheckpoint(directory: string | undefined, metadata: CheckpointMetadata, stillReferenced: ReadonlySet<string>, ownedRoot: string | undefined): Promise<void> {
  if (directory === undefined || ownedRoot === undefined) return;
  const owned = (p: string): boolean => !relative(ownedRoot, p).startsWith('..');
  for (const op of Object.values(metadata.operators)) {
    for (const s of op.subtasks) {
      for (const kg of s?.keyed ?? []) {
        for (const h of kg.chain) if ('file' in h && !stillReferenced.has(h.file) && owned(h.file)) await rm(h.file, { force: true });
      }
    }
  }
  if (owned(directory)) await rm(directory, { recursive: true, force: true });
}

/** Every file a checkpoint references. */
export function referencedFiles(metadata: CheckpointMetadata): string[] {
  const out: string[] = [];
  for (const op of Object.values(metadata.operators)) for (const s of op.subtasks) for (const kg of s?.keyed ?? []) for (const h of kg.chain) if ('file' in h) out.push(h.file);
  return out;
}

function mapHandles(m: CheckpointMetadata, f: (h: StreamStateHandle) => StreamStateHandle): CheckpointMetadata {
  const operators: Record<string, OperatorCheckpointState> = {};
  for (const [uid, op] of Object.entries(m.operators)) {
    operators[uid] = {
      ...op,
      subtasks: op.subtasks.map((s) => (s === null || s === undefined ? null : { ...s, ...(s.keyed !== undefined ? { keyed: s.keyed.map((kg) => ({ keyGroup: kg.keyGroup, chain: kg.chain.map(f) })) } : {}) })),
    };
  }
  return { ...m, operators };
}

function safeName(uid: string): string {
  return uid.replace(/[^A-Za-z0-9._-]/g, '_');
}
