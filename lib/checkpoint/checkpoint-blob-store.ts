/**
 * Where checkpoint bytes live, behind one interface (Flink's FileSystem abstraction under
 * FsCheckpointStorageAccess): the checkpoint code names blobs by storage location (see
 * storage-location.ts) and never touches `node:fs` or NATS itself. Two implementations:
 * {@link FileBlobStore} (a local or shared directory) and {@link JetStreamObjectStorage} (a NATS
 * JetStream object store bucket), chosen by the location's scheme.
 *
 * Completion rule for both: a blob written with `atomic` is seen whole or not at all (file: temp
 * file and rename; object store: an object becomes visible only once all its chunks are stored), so
 * a checkpoint whose `_metadata` exists is complete.
 */
import { FileBlobStore } from './file-blob-store.js';
import { JetStreamObjectStorage } from './jetstream-object-storage.js';
import { parseStorageLocation } from './storage-location.js';

/** What {@link CheckpointBlobStore.stat} knows about a location. */
export interface BlobStat {
  /** `'directory'` only for stores with directories (files). */
  readonly kind: 'blob' | 'directory';
  /** Bytes (0 for a directory). */
  readonly size: number;
  /** Last modification, epoch ms. */
  readonly mtimeMs: number;
}

/** A directory holding a `_metadata` blob, found by {@link CheckpointBlobStore.findMetadata}. */
export interface MetadataDirectory {
  readonly directory: string;
  /** Modification time of its `_metadata`, epoch ms. */
  readonly mtimeMs: number;
}

/** Blob storage of checkpoints and savepoints, addressed by absolute locations. */
export interface CheckpointBlobStore {
  /**
   * Checks, before a job starts, that `location` can be written (object stores: connects and opens
   * or creates the bucket; files: nothing — directories are created by the first write).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) naming the location when it cannot be reached.
   */
  prepare(location: string): Promise<void>;
  /**
   * Writes `bytes` to `location`, replacing what was there; parent directories are created.
   * @param options.atomic readers see the old blob or the whole new one, never a part (always so
   *   for object stores).
   * @throws CheckpointError (`WEIR_ERR_CHECKPOINT`, `IO_EXCEPTION`) naming the location, or the
   *   file system's error.
   */
  write(location: string, bytes: Uint8Array, options?: { atomic?: boolean }): Promise<void>;
  /**
   * Reads the whole blob.
   * @param what how messages name it (`state file`, `checkpoint metadata`).
   * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) naming the location when it is missing
   *   or cannot be read.
   */
  read(location: string, what: string): Promise<Uint8Array>;
  /** The blob or directory at `location`, or undefined when there is none. */
  stat(location: string): Promise<BlobStat | undefined>;
  /**
   * The `_metadata` blob `location` names: `location` itself when it is a blob, else
   * `<location>/_metadata` (files: when `location` is a directory; a missing file stays `location`).
   */
  metadataOf(location: string): Promise<string>;
  /**
   * The directories whose last segment matches `pattern` and that hold `_metadata`: `root` itself,
   * its children and grandchildren (a checkpoint root, a job directory, a `chk-<id>` directory).
   */
  findMetadata(root: string, pattern: RegExp): Promise<MetadataDirectory[]>;
  /** Deletes one blob; a missing one is no error. */
  delete(location: string): Promise<void>;
  /**
   * Deletes a checkpoint directory whose `_metadata` the caller deleted first (so it never looks
   * complete half-deleted): everything under it but the blobs in `keep` (files; the directories
   * left empty go too), or the listed `contents` (object stores, which have no directories).
   * `keep`: blobs a retained checkpoint still references (a finished subtask's parts are reused
   * by later checkpoints).
   */
  deleteDirectory(directory: string, contents: readonly string[], keep: ReadonlySet<string>): Promise<void>;
  /**
   * Removes `directory` and then its parents while they are empty, never `root` or above it
   * (files: the directory a kept part held up; object stores: nothing to do).
   */
  pruneEmptyDirectories(directory: string, root: string): Promise<void>;
}

const files = new FileBlobStore();
const jetstream = new JetStreamObjectStorage();

/**
 * The store of `location`: {@link FileBlobStore} for paths and `file://`, {@link JetStreamObjectStorage}
 * for `jetstream://`.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for another scheme.
 */
export function blobStoreFor(location: string): CheckpointBlobStore {
  return parseStorageLocation(location).kind === 'file' ? files : jetstream;
}
