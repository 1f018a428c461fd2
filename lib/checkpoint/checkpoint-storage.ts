/**
 * Checkpoint storage (Flink's CheckpointStorage: JobManagerCheckpointStorage in memory,
 * FileSystemCheckpointStorage under a storage location). A location is a directory path or a URI
 * (storage-location.ts): a path keeps files in a local or shared directory, `jetstream://<bucket>[/<prefix>]`
 * keeps the same layout as objects of a NATS JetStream object store bucket (checkpoint-blob-store.ts
 * picks the store by scheme). Layout:
 *
 *     <root>/<jobId>/chk-<id>/_metadata          completed checkpoint (written last, atomically)
 *     <root>/<jobId>/chk-<id>/<uid>/<kg>.part    full key-group parts of that checkpoint
 *     <root>/<jobId>/shared/<uid>/<kg>-<id>.part parts of incremental checkpoints (shared by later ones)
 *     <savepointDir>/savepoint-<jobId>-<id>/…    savepoints: self-contained, relocatable
 *
 * Every part and metadata file is framed (snapshot-format.ts: version + SHA-256). Parts of full
 * checkpoints smaller than the inline threshold (20 KiB, Flink's `state.storage.fs.memory-threshold`)
 * are kept inside the metadata instead of in files; incremental parts are always files. Paths in
 * `_metadata` are relative to its directory (object keys relative to its key), so a savepoint can be
 * moved; a part in another storage (e.g. a chain restored from files, continued in an object store)
 * keeps its absolute location.
 */
import { SnapshotFormatError } from '../errors.js';
import { decodeState, encodeState } from '../state/state-codec.js';
import { blobStoreFor } from './checkpoint-blob-store.js';
import { frame, FrameKind, unframe } from './snapshot-format.js';
import { isWithinLocation, parentLocation, relativeLocation, resolveLocation, resolveReference } from './storage-location.js';
import type { CheckpointMetadata, KeyGroupStateHandle, OperatorCheckpointState, StreamStateHandle } from './state-handles.js';

/** Flink's default `state.storage.fs.memory-threshold`: 20 KiB. */
export const DEFAULT_INLINE_THRESHOLD_BYTES = 20 * 1024;

/** Where one checkpoint's files go; plain data, sent to every subtask with the trigger. */
export interface SnapshotTarget {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** Directory (absolute path or URI) of this checkpoint (holds `_metadata`); undefined = in memory (everything inline). */
  readonly directory: string | undefined;
  /** Directory for incremental parts shared across checkpoints (checkpoints in storage only). */
  readonly sharedDirectory: string | undefined;
  /** Parts below this many bytes are inlined. */
  readonly inlineThresholdBytes: number;
}

/**
 * The target of checkpoint `id` of job run `jobId` under `root` (a path, relative ones against the
 * current directory, or a storage URI; undefined root = memory).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an unsupported URI.
 */
export function checkpointTarget(root: string | undefined, jobId: string, id: number): SnapshotTarget {
  if (root === undefined) return { checkpointId: id, kind: 'checkpoint', directory: undefined, sharedDirectory: undefined, inlineThresholdBytes: Infinity };
  const jobDir = resolveLocation(root, jobId);
  return { checkpointId: id, kind: 'checkpoint', directory: resolveLocation(jobDir, `chk-${id}`), sharedDirectory: resolveLocation(jobDir, 'shared'), inlineThresholdBytes: DEFAULT_INLINE_THRESHOLD_BYTES };
}

/**
 * The target of a savepoint under `savepointDir` (a path or a storage URI).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an unsupported URI.
 */
export function savepointTarget(savepointDir: string, jobId: string, id: number): SnapshotTarget {
  const dir = resolveLocation(savepointDir, `savepoint-${jobId}-${id}`);
  return { checkpointId: id, kind: 'savepoint', directory: dir, sharedDirectory: undefined, inlineThresholdBytes: DEFAULT_INLINE_THRESHOLD_BYTES };
}

/**
 * Checks before a job starts that its checkpoint storage `location` can be written: a
 * `jetstream://` bucket is reached (and created when missing); a directory needs nothing.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) naming the location for an unsupported URI, an
 *   unreachable NATS server or a server without JetStream.
 */
export async function prepareCheckpointStorage(location: string): Promise<void> {
  const abs = resolveLocation(location);
  await blobStoreFor(abs).prepare(abs);
}

/**
 * Writes one key-group part (framed) and returns its handle (`{inline}` below the target's inline
 * threshold, else `{file, size}` with the part's absolute location).
 * @param shared put it in the shared directory (incremental parts that later checkpoints reuse).
 * @throws CheckpointError (`WEIR_ERR_CHECKPOINT`, `IO_EXCEPTION`) naming the object when an object
 *   store write fails; the file system's error for files; ConfigurationError when the storage is unreachable.
 */
export async function writeKeyGroupPart(target: SnapshotTarget, uid: string, keyGroup: number, payload: Uint8Array, shared: boolean): Promise<StreamStateHandle> {
  const framed = frame(FrameKind.keyGroup, payload);
  // Shared (incremental) parts are files even when small: inlined, every later checkpoint's
  // metadata would repeat them for as long as they stay in a chain.
  if (target.directory === undefined || (!shared && framed.length < target.inlineThresholdBytes)) return { inline: framed };
  const dir = shared && target.sharedDirectory !== undefined ? resolveLocation(target.sharedDirectory, safeName(uid)) : resolveLocation(target.directory, safeName(uid));
  const file = resolveLocation(dir, shared ? `${keyGroup}-${target.checkpointId}.part` : `${keyGroup}.part`);
  await blobStoreFor(file).write(file, framed);
  return { file, size: framed.length };
}

/**
 * Reads a part and checks its frame.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for a missing, truncated or corrupt part.
 */
export async function readStateHandle(handle: StreamStateHandle): Promise<Uint8Array> {
  if ('inline' in handle) return unframe(handle.inline, FrameKind.keyGroup, 'inline key-group part');
  return unframe(await blobStoreFor(handle.file).read(handle.file, 'state file'), FrameKind.keyGroup, handle.file);
}

/** Reads and checks a key group's chain. @throws SnapshotFormatError as {@link readStateHandle}. */
export async function readKeyGroupChain(handle: KeyGroupStateHandle): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const h of handle.chain) out.push(await readStateHandle(h));
  return out;
}

/**
 * Writes `_metadata` (atomically: temp file then rename, or one object store object, so a checkpoint
 * directory without `_metadata` is an incomplete checkpoint). File handles are stored relative to
 * the directory (absolute when in another storage).
 * @returns the metadata's location and size in bytes (undefined location in memory).
 */
export async function writeMetadata(target: SnapshotTarget, metadata: CheckpointMetadata): Promise<{ path: string | undefined; size: number }> {
  if (target.directory === undefined) return { path: undefined, size: 0 };
  const dir = target.directory;
  const rel = mapHandles(metadata, (h) => ('file' in h ? { file: relativeLocation(dir, h.file), size: h.size } : h));
  const framed = frame(FrameKind.metadata, encodeState(rel));
  const path = resolveLocation(dir, '_metadata');
  await blobStoreFor(path).write(path, framed, { atomic: true });
  return { path, size: framed.length };
}

/**
 * Reads a checkpoint's or savepoint's metadata from its `_metadata` file (object) or its directory
 * (a path, relative ones against the current directory, or a storage URI); file handles come back
 * absolute.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when missing, corrupt or not metadata
 *   (or, for `jetstream://`, when the bucket does not exist).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an unsupported URI or unreachable storage.
 */
export async function readMetadata(pathOrDir: string): Promise<{ metadata: CheckpointMetadata; directory: string }> {
  const location = resolveLocation(pathOrDir);
  const store = blobStoreFor(location);
  const path = await store.metadataOf(location);
  const bytes = await store.read(path, 'checkpoint metadata');
  const decoded = decodeState(unframe(bytes, FrameKind.metadata, path), path) as CheckpointMetadata;
  if (decoded?.version !== 1 || typeof decoded.operators !== 'object') throw new SnapshotFormatError(`unsupported metadata version ${String(decoded?.version)}`, path);
  const dir = parentLocation(path);
  return { metadata: mapHandles(decoded, (h) => ('file' in h ? { file: resolveReference(dir, h.file), size: h.size } : h)), directory: dir };
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
 * The completed checkpoints under a checkpoint root, a job directory or a `chk-<id>` directory (a
 * path or a storage URI), newest first: within a job directory by checkpoint id, job directories by
 * the completion time of their newest checkpoint. Directories without `_metadata` are skipped.
 * @throws the file system's error when a directory cannot be listed (a missing one holds nothing).
 * @throws SnapshotFormatError for a `jetstream://` bucket that does not exist; ConfigurationError
 *   for an unsupported URI or unreachable storage.
 */
export async function findCheckpointDirectories(path: string): Promise<string[]> {
  const root = resolveLocation(path);
  const found = (await blobStoreFor(root).findMetadata(root, /^chk-\d+$/)).map((f) => ({ dir: f.directory, id: checkpointIdOf(f.directory), mtime: f.mtimeMs }));
  // Within one job directory the checkpoint id orders (ids only grow, also across job manager
  // failovers, whose hosts' clocks may disagree); job directories (runs) by their newest checkpoint's time.
  const runs = new Map<string, typeof found>();
  for (const f of found) {
    const parent = parentLocation(f.dir);
    const run = runs.get(parent) ?? [];
    run.push(f);
    runs.set(parent, run);
  }
  const ordered = [...runs.values()].map((run) => run.sort((x, y) => y.id - x.id));
  ordered.sort((a, b) => Math.max(...b.map((f) => f.mtime)) - Math.max(...a.map((f) => f.mtime)));
  return ordered.flat().map((f) => f.dir);
}

/** The `<id>` of a `…/chk-<id>` location, or -1. */
export function checkpointIdOf(directory: string): number {
  return Number(/chk-(\d+)$/.exec(directory)?.[1] ?? -1);
}

/**
 * Deletes a discarded checkpoint: its `_metadata` first (so it never looks complete again), the
 * shared files only it referenced, then its directory (files: everything under it; object stores:
 * the objects it references inside it).
 * @param stillReferenced files referenced by the retained checkpoints (never deleted).
 * @param ownedRoot only files under this directory are deleted (restored checkpoints of an earlier
 *   run are never deleted, as Flink's NO_CLAIM restore mode).
 */
export async function discardCheckpoint(directory: string | undefined, metadata: CheckpointMetadata, stillReferenced: ReadonlySet<string>, ownedRoot: string | undefined): Promise<void> {
  if (directory === undefined || ownedRoot === undefined) return;
  const owned = (p: string): boolean => isWithinLocation(ownedRoot, p);
  const store = blobStoreFor(directory);
  const ownsDirectory = owned(directory);
  const inside: string[] = [];
  const outside: string[] = [];
  for (const file of new Set(referencedFiles(metadata))) {
    if (stillReferenced.has(file) || !owned(file)) continue;
    (ownsDirectory && isWithinLocation(directory, file) ? inside : outside).push(file);
  }
  if (ownsDirectory) await store.delete(resolveLocation(directory, '_metadata'));
  for (let i = 0; i < outside.length; i += DISCARD_CONCURRENCY) await Promise.all(outside.slice(i, i + DISCARD_CONCURRENCY).map((f) => blobStoreFor(f).delete(f)));
  // An older checkpoint's directory kept alive by parts this one reused goes once they are gone.
  for (const dir of new Set(outside.map(parentLocation))) await blobStoreFor(dir).pruneEmptyDirectories(dir, ownedRoot);
  if (ownsDirectory) await store.deleteDirectory(directory, inside, stillReferenced);
}

/** Deletions in flight at once while discarding a checkpoint (object stores answer each in a round trip). */
const DISCARD_CONCURRENCY = 32;

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
