/**
 * Checkpoint storage locations, as Flink's checkpoint storage URIs (`state.checkpoints.dir`:
 * `file:///data/chk`, `s3://bucket/path`): a string naming where checkpoints and savepoints go, and
 * the scheme-aware path arithmetic the storage code needs, so that `node:path` is never applied to a
 * URI (`join('jetstream://b', 'x')` would collapse the `//`).
 *
 * Two kinds:
 * - a directory path (absolute, or relative to the current directory; `file://` URIs are turned into
 *   paths): local or shared file storage, `node:path` semantics exactly as before URIs existed;
 * - `jetstream://<bucket>[/<key prefix>]`: the NATS JetStream object store bucket `<bucket>`
 *   (created on first write), objects named `<key prefix>/<jobId>/chk-<id>/_metadata` etc. — the
 *   file layout with `/` separators. Bucket names are JetStream's (`[A-Za-z0-9_-]+`); keys are
 *   printable ASCII without spaces or backslashes, `.` and `..` segments are normalized away.
 *
 * Every function here is pure.
 * @see org.apache.flink.core.fs.Path (URI-based paths of Flink's file systems)
 */
import { fileURLToPath } from 'node:url';
import { basename, dirname, isAbsolute, posix, relative, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';

/** The scheme of JetStream object store locations. */
export const JETSTREAM_SCHEME = 'jetstream';

/** A parsed location: a file-system path (not resolved), or a JetStream bucket and object key prefix. */
export type StorageLocation =
  | { readonly kind: 'file'; readonly path: string }
  /** `key`: object name or prefix inside the bucket, normalized, no leading or trailing `/` (`''` = the bucket's root). */
  | { readonly kind: 'jetstream'; readonly bucket: string; readonly key: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const BUCKET = /^[A-Za-z0-9_-]+$/;
const KEY_CHARS = /^[\x21-\x5b\x5d-\x7e]*$/; // printable ASCII except space and backslash

/** True when `location` carries a URI scheme (`scheme://…`), false for a plain path. */
export function isStorageUri(location: string): boolean {
  return SCHEME.test(location);
}

/**
 * Parses a location (see the module docstring).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty location, a scheme other than
 *   `file://` and `jetstream://`, an invalid bucket name, a key with characters outside printable
 *   ASCII, or a key that climbs above the bucket (`jetstream://b/../x`).
 */
export function parseStorageLocation(location: string): StorageLocation {
  if (typeof location !== 'string' || location.length === 0) throw new ConfigurationError('a checkpoint storage location must be a non-empty path or URI');
  const m = SCHEME.exec(location);
  if (m === null) return { kind: 'file', path: location };
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'file') return { kind: 'file', path: fileURLToPath(location) };
  if (scheme !== JETSTREAM_SCHEME) throw new ConfigurationError(`unsupported checkpoint storage '${location}': use a directory path, a file:// URI or jetstream://<bucket>[/<path>]`);
  const rest = location.slice(m[0].length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!BUCKET.test(bucket)) throw new ConfigurationError(`invalid JetStream object store bucket '${bucket}' in '${location}': a bucket name is letters, digits, '_' and '-'`);
  return { kind: 'jetstream', bucket, key: normalizeKey(slash < 0 ? '' : rest.slice(slash + 1), location) };
}

/** The string form of a parsed location (a jetstream location is normalized: `jetstream://b/x/y`). */
export function formatStorageLocation(location: StorageLocation): string {
  if (location.kind === 'file') return location.path;
  return `${JETSTREAM_SCHEME}://${location.bucket}${location.key === '' ? '' : `/${location.key}`}`;
}

/**
 * `segments` appended to `base`: `path.resolve` for paths (relative ones against the current
 * directory), `/`-joined and normalized for URIs (`..` steps up one key segment).
 * @throws ConfigurationError as {@link parseStorageLocation}.
 * @example resolveLocation('jetstream://chk/prod', 'job-1', 'chk-3') // 'jetstream://chk/prod/job-1/chk-3'
 */
export function resolveLocation(base: string, ...segments: string[]): string {
  const loc = parseStorageLocation(base);
  if (loc.kind === 'file') return resolve(loc.path, ...segments);
  return formatStorageLocation({ ...loc, key: normalizeKey([loc.key, ...segments].filter((s) => s !== '').join('/'), base) });
}

/**
 * A location made absolute, for handing to another process or thread: paths resolved against the
 * current directory, URIs returned as given (they are checked where used, so a bad one is reported
 * by the job or the cluster like any other bad location). Never throws.
 */
export function absoluteLocation(location: string): string {
  return isStorageUri(location) ? location : resolve(location);
}

/** True for an absolute path or a URI: a location that means the same from any directory. */
export function isAbsoluteLocation(location: string): boolean {
  return isStorageUri(location) || isAbsolute(location);
}

/**
 * How `target` is reached from the directory `from`: `path.relative` for two paths, the key path
 * (`../shared/x`) for two locations in the same bucket, otherwise `target` itself (absolute) — a
 * checkpoint may reference parts in another storage, e.g. an incremental chain restored from files.
 */
export function relativeLocation(from: string, target: string): string {
  const a = parseStorageLocation(from);
  const b = parseStorageLocation(target);
  if (a.kind === 'file' && b.kind === 'file') return relative(a.path, b.path);
  if (a.kind === 'jetstream' && b.kind === 'jetstream' && a.bucket === b.bucket) return posix.relative(`/${a.key}`, `/${b.key}`);
  return target;
}

/** `reference` (absolute, or relative to the directory `base`) as an absolute location. */
export function resolveReference(base: string, reference: string): string {
  return isAbsoluteLocation(reference) ? reference : resolveLocation(base, reference);
}

/** The directory holding `location` (`path.dirname`; for a URI the key minus its last segment). */
export function parentLocation(location: string): string {
  const loc = parseStorageLocation(location);
  if (loc.kind === 'file') return dirname(loc.path);
  return formatStorageLocation({ ...loc, key: posix.dirname(`/${loc.key}`).slice(1) });
}

/** The last segment of `location` (`path.basename`; for a URI the last key segment, `''` at a bucket's root). */
export function baseNameOf(location: string): string {
  const loc = parseStorageLocation(location);
  return loc.kind === 'file' ? basename(loc.path) : posix.basename(`/${loc.key}`);
}

/**
 * True when `location` is `root` or below it (the discard rule: only what a job's own directory
 * holds is deleted). Paths: `path.relative` does not start with `..`; URIs: same bucket and a key
 * under the root's key.
 */
export function isWithinLocation(root: string, location: string): boolean {
  const a = parseStorageLocation(root);
  const b = parseStorageLocation(location);
  if (a.kind === 'file' && b.kind === 'file') return !relative(a.path, b.path).startsWith('..');
  if (a.kind === 'jetstream' && b.kind === 'jetstream') return a.bucket === b.bucket && (a.key === '' || b.key === a.key || b.key.startsWith(`${a.key}/`));
  return false;
}

function normalizeKey(key: string, location: string): string {
  if (!KEY_CHARS.test(key)) throw new ConfigurationError(`invalid object key in '${location}': use printable ASCII without spaces or backslashes`);
  const n = posix.normalize(`/${key}`);
  // posix.normalize keeps a leading '..' only for relative paths; with the leading '/' it clamps, so check the raw climb.
  let depth = 0;
  for (const seg of key.split('/')) {
    if (seg === '..') depth--;
    else if (seg !== '' && seg !== '.') depth++;
    if (depth < 0) throw new ConfigurationError(`'${location}' climbs above its bucket`);
  }
  return n.replace(/^\/+|\/+$/g, '');
}

