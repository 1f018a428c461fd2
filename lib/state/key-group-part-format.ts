/**
 * The bytes of one key group's snapshot part on the heap backend (cbor-x via `state-codec`), and
 * their validation on restore. One part is a record:
 *
 * ```
 * { v: 2, kg, kind: 'full' | 'delta', cp: checkpointId, base: baseCheckpointId | null,
 *   states: [name, stateKind, ttl: boolean, puts: Map<mapKey, stored>, deletes: mapKey[], fixes: Map<mapKey, stored>][],
 *   timers: [timerServiceName, data][] | null }
 * ```
 *
 * A state section is applied to the key group's entries (empty for a full part, the chain so far
 * for a delta) in order: set every `puts` entry, remove every `deletes` key, set every `fixes` entry.
 * - A full part has a section for every state with entries in the key group: `puts` are the entries
 *   when the part was materialized and `deletes` / `fixes` turn them back into the entries at the
 *   barrier (keys added since removed, keys changed since put back; also expired TTL entries left
 *   out), so materializing never copies the table. `timers` lists every timer service with timers.
 * - A delta has, per state changed since its base, the entries written (`puts`) and removed
 *   (`deletes`) since, as at the barrier (`fixes` empty); `timers` is `null` when no timer changed,
 *   else the whole timer data of the key group (small), replacing the base's.
 * - `stored` is the value as the heap table stores it (for TTL states, the `TtlValue` layout).
 */
import { SnapshotFormatError } from '../errors.js';
import type { StateKind } from './descriptors.js';
import { decodeState } from './state-codec.js';
import type { MapKey } from './heap/state-table.js';

/** Version of the part format. */
export const PART_FORMAT_VERSION = 2;

/** One state's section of a part. */
export type PartStateSection = [name: string, kind: StateKind, ttl: boolean, puts: ReadonlyMap<MapKey, unknown>, deletes: MapKey[], fixes: ReadonlyMap<MapKey, unknown>];

/** The decoded form of a part. */
export interface KeyGroupPartData {
  v: typeof PART_FORMAT_VERSION;
  kg: number;
  kind: 'full' | 'delta';
  cp: number;
  base: number | null;
  states: PartStateSection[];
  timers: [name: string, data: unknown][] | null;
}

const KINDS: ReadonlySet<string> = new Set(['value', 'list', 'map', 'reducing', 'aggregating']);

/**
 * Decodes and checks the part bytes of key group `kg`.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when the bytes are not a cbor encoding
 *   of a version-2 part of key group `kg` with well-formed sections (corrupt, truncated, of another
 *   key group or another format).
 */
export function decodeKeyGroupPart(bytes: Uint8Array, kg: number): KeyGroupPartData {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotFormatError(`key group ${kg}: part is not bytes`);
  const d = decodeState(bytes) as Partial<KeyGroupPartData> | null;
  const bad = (what: string): SnapshotFormatError => new SnapshotFormatError(`key group ${kg}: malformed state part (${what})`);
  if (typeof d !== 'object' || d === null) throw bad('not a record');
  if (d.v !== PART_FORMAT_VERSION) throw bad(`format version ${String(d.v)}, expected ${PART_FORMAT_VERSION}`);
  if (d.kg !== kg) throw bad(`it belongs to key group ${String(d.kg)}`);
  if (d.kind !== 'full' && d.kind !== 'delta') throw bad(`kind ${String(d.kind)}`);
  if (typeof d.cp !== 'number') throw bad('checkpoint id');
  if (d.base !== null && typeof d.base !== 'number') throw bad('base checkpoint id');
  if (d.kind === 'delta' && d.base === null) throw bad('delta without base');
  if (!Array.isArray(d.states)) throw bad('states');
  const names = new Set<string>();
  for (const s of d.states as unknown[]) {
    if (!Array.isArray(s) || s.length !== 6) throw bad('state section');
    const [name, kind, ttl, puts, deletes, fixes] = s as unknown[];
    if (typeof name !== 'string' || names.has(name)) throw bad(`state name ${String(name)}`);
    names.add(name);
    if (typeof kind !== 'string' || !KINDS.has(kind)) throw bad(`state kind ${String(kind)}`);
    if (typeof ttl !== 'boolean') throw bad('ttl flag');
    if (!(puts instanceof Map)) throw bad(`entries of '${name}'`);
    if (!Array.isArray(deletes)) throw bad(`deletes of '${name}'`);
    if (!(fixes instanceof Map)) throw bad(`fixes of '${name}'`);
  }
  if (d.timers !== null) {
    if (!Array.isArray(d.timers)) throw bad('timers');
    for (const t of d.timers as unknown[]) if (!Array.isArray(t) || t.length !== 2 || typeof t[0] !== 'string') throw bad('timer section');
  }
  if (d.kind === 'full' && d.timers === null) throw bad('full part without timers section');
  return d as KeyGroupPartData;
}
