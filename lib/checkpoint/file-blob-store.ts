/**
 * Checkpoint blobs as files in a local or shared directory (Flink's FsCheckpointStorageAccess on a
 * local or mounted file system): the storage Weir had before `jetstream://`, with the same calls.
 */
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { ConfigurationError, SnapshotFormatError } from '../errors.js';
import type { BlobStat, CheckpointBlobStore, MetadataDirectory } from './checkpoint-blob-store.js';
import { parseStorageLocation } from './storage-location.js';

/** Files under directories; locations are paths (relative ones against the current directory) or `file://` URIs. */
export class FileBlobStore implements CheckpointBlobStore {
  /** Nothing to check: directories are created by the first write (as before storage URIs). */
  async prepare(): Promise<void> {}

  /** `atomic`: written to `<file>.tmp`, then renamed over `<file>`. */
  async write(location: string, bytes: Uint8Array, options: { atomic?: boolean } = {}): Promise<void> {
    const file = pathOf(location);
    await mkdir(dirname(file), { recursive: true });
    if (options.atomic !== true) return writeFile(file, bytes);
    await writeFile(`${file}.tmp`, bytes);
    await rename(`${file}.tmp`, file);
  }

  async read(location: string, what: string): Promise<Uint8Array> {
    const file = pathOf(location);
    try {
      return await readFile(file);
    } catch (err) {
      throw new SnapshotFormatError(`cannot read ${what}: ${(err as Error).message}`, file, { cause: err });
    }
  }

  async stat(location: string): Promise<BlobStat | undefined> {
    const st = await stat(pathOf(location)).catch(() => undefined);
    return st === undefined ? undefined : { kind: st.isDirectory() ? 'directory' : 'blob', size: st.isDirectory() ? 0 : st.size, mtimeMs: st.mtimeMs };
  }

  async metadataOf(location: string): Promise<string> {
    const path = pathOf(location);
    return (await stat(path).catch(() => undefined))?.isDirectory() === true ? join(path, '_metadata') : path;
  }

  async findMetadata(root: string, pattern: RegExp): Promise<MetadataDirectory[]> {
    const top = pathOf(root);
    const found: MetadataDirectory[] = [];
    const consider = async (dir: string): Promise<void> => {
      if (!pattern.test(basename(dir))) return;
      const st = await stat(join(dir, '_metadata')).catch(() => undefined);
      if (st !== undefined) found.push({ directory: dir, mtimeMs: st.mtimeMs });
    };
    // A directory that is not there holds no checkpoint; any other error (permissions, I/O) is
    // thrown: "no checkpoint" would make a recovery start from scratch.
    const list = async (dir: string): Promise<string[]> =>
      (
        await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
          throw err;
        })
      )
        .filter((e) => e.isDirectory())
        .map((e) => join(dir, e.name));
    await consider(top);
    for (const a of await list(top)) {
      await consider(a);
      for (const b of await list(a)) await consider(b);
    }
    return found;
  }

  async delete(location: string): Promise<void> {
    await rm(pathOf(location), { force: true });
  }

  async deleteDirectory(directory: string, _contents: readonly string[], keep: ReadonlySet<string>): Promise<void> {
    const dir = pathOf(directory);
    const kept = new Set([...keep].filter((k) => parseStorageLocation(k).kind === 'file').map(pathOf));
    if (![...kept].some((k) => isUnder(dir, k))) return rm(dir, { recursive: true, force: true });
    // Some parts are still referenced: delete the rest, then the directories left empty.
    const sweep = async (d: string): Promise<boolean> => {
      let empty = true;
      for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
        const p = join(d, e.name);
        if (e.isDirectory() ? !(await sweep(p)) : kept.has(p)) empty = false;
        else if (!e.isDirectory()) await rm(p, { force: true });
      }
      if (empty) await rm(d, { recursive: true, force: true });
      return empty;
    };
    await sweep(dir);
  }

  async pruneEmptyDirectories(directory: string, root: string): Promise<void> {
    const top = pathOf(root);
    for (let d = pathOf(directory); d !== top && isUnder(top, d); d = dirname(d)) {
      // rmdir fails on a non-empty directory: that is where pruning stops.
      if (!(await rmdir(d).then(() => true, () => false))) return;
    }
  }
}

/** True when `path` lies strictly under directory `dir`. */
function isUnder(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function pathOf(location: string): string {
  const loc = parseStorageLocation(location);
  if (loc.kind !== 'file') throw new ConfigurationError(`not a file location: ${location}`);
  return resolve(loc.path);
}
