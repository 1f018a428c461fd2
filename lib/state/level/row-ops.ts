/**
 * Row-level operations of the LevelDB keyed-state backend, shared by the state objects (for the
 * current key) and restore (for keys from a snapshot): writes through the write buffer, the
 * per-key-group entry counts, change tracking for incremental checkpoints, and the map-state
 * index row.
 *
 * Map state keeps one row per map entry (as RocksDB's map state) plus one index row per key that
 * lists the encoded map keys in insertion order: LevelDB has no synchronous range scan in Node, and
 * `entries()`, `keys()`, `isEmpty()` are synchronous. Updating an existing entry writes one row;
 * adding or removing a map key also rewrites the index row (O(number of map keys) bytes).
 */
import { latin1Bytes, latin1String, skipKey, splitKeys } from './key-codec.js';
import type { ChangeTracker } from './change-tracker.js';
import type { RowStore } from './row-store.js';

/** Backing buffer of an appendable row value: `used` bytes taken, the rest free for appends. */
interface Growable {
  readonly buf: Buffer;
  used: number;
}

/** Row writes of one keyed backend with entry counting, change tracking and map indexes (see the module comment). */
export class RowOps {
  /**
   * Row values made by {@link append}, with their backing buffer: appending to a row that is in the
   * active write-buffer layer writes past the end of every existing view of that buffer, so
   * versions held by frozen layers or snapshots (shorter prefixes) never change. This makes list
   * `add` and map-key insertion amortized O(appended bytes) between flushes instead of O(row size).
   */
  private readonly growable = new WeakMap<Uint8Array, Growable>();

  /** (state, key) entries per key group: rows of value-like and list state, index rows of map state. */
  readonly counts: Int32Array;

  /**
   * @param store the rows.
   * @param tracker change tracking for incremental checkpoints, or undefined without them.
   * @param maxParallelism number of key groups.
   */
  constructor(
    readonly store: RowStore,
    private readonly tracker: ChangeTracker | undefined,
    maxParallelism: number,
  ) {
    this.counts = new Int32Array(maxParallelism);
  }

  /** Encoded value of a row, or undefined. */
  read(rowKey: string): Uint8Array | undefined {
    return this.store.get(rowKey);
  }

  /**
   * Writes (or, with `null`, deletes) a row without counting.
   * @param changedKey what incremental checkpoints record as changed: the (state, key) row key
   *   (for a map entry row, its index row: deltas hold whole maps per key, as the heap backend's).
   */
  write(kg: number, rowKey: string, value: Uint8Array | null, changedKey = rowKey): void {
    this.store.put(rowKey, value);
    this.tracker?.rowChanged(kg, changedKey);
  }

  /**
   * Writes or deletes a counted row (a (state, key) entry).
   * @param existed whether the row exists, when the caller already read it.
   */
  setCounted(kg: number, rowKey: string, value: Uint8Array | null, existed?: boolean): void {
    const had = existed ?? this.store.get(rowKey) !== undefined;
    if (value === null) {
      if (!had) return; // nothing to delete: no tombstone
      this.write(kg, rowKey, null);
      this.counts[kg]!--;
    } else {
      this.write(kg, rowKey, value);
      if (!had) this.counts[kg]!++;
    }
  }

  /**
   * Appends `bytes` to a counted row (list state; map index rows), creating it when absent.
   * @param current the row's value when the caller already read it (undefined: absent).
   */
  append(kg: number, rowKey: string, bytes: Uint8Array, current: Uint8Array | undefined): void {
    if (current !== undefined && this.store.activeValue(rowKey) === current) {
      const g = this.growable.get(current);
      if (g !== undefined && current.byteOffset + current.byteLength === g.used && g.used + bytes.byteLength <= g.buf.byteLength) {
        g.buf.set(bytes, g.used);
        g.used += bytes.byteLength;
        const next = g.buf.subarray(current.byteOffset, g.used);
        this.growable.set(next, g);
        this.write(kg, rowKey, next);
        return;
      }
    }
    const size = (current?.byteLength ?? 0) + bytes.byteLength;
    // Room to grow only for rows that already grew once (most rows hold one element).
    const buf = Buffer.allocUnsafe(current === undefined ? size : Math.max(64, size * 2));
    if (current !== undefined) buf.set(current, 0);
    buf.set(bytes, current?.byteLength ?? 0);
    const g: Growable = { buf, used: size };
    const next = buf.subarray(0, size);
    this.growable.set(next, g);
    this.setCounted(kg, rowKey, next, current !== undefined);
  }

  /** The encoded map keys of the map at `indexKey`, in insertion order. */
  mapKeys(indexKey: string): string[] {
    const idx = this.store.get(indexKey);
    return idx === undefined ? [] : splitKeys(latin1String(idx));
  }

  /** Puts a map entry (`entry` is the encoded `[userKey, userValue]`). */
  mapPut(kg: number, indexKey: string, mapKey: string, entry: Uint8Array): void {
    const rowKey = indexKey + mapKey;
    const existed = this.store.get(rowKey) !== undefined;
    this.write(kg, rowKey, entry, indexKey);
    if (existed) return;
    this.append(kg, indexKey, latin1Bytes(mapKey), this.store.get(indexKey));
  }

  /** Removes a map entry; the key's map disappears with its last entry. */
  mapRemove(kg: number, indexKey: string, mapKey: string): void {
    const rowKey = indexKey + mapKey;
    if (this.store.get(rowKey) === undefined) return;
    this.write(kg, rowKey, null, indexKey);
    const idx = this.store.get(indexKey);
    if (idx === undefined) return;
    const s = latin1String(idx);
    for (let i = 0; i < s.length; ) {
      const end = skipKey(s, i);
      if (end - i === mapKey.length && s.startsWith(mapKey, i)) {
        const rest = s.slice(0, i) + s.slice(end);
        this.setCounted(kg, indexKey, rest.length === 0 ? null : latin1Bytes(rest), true);
        return;
      }
      i = end;
    }
  }

  /** Removes a key's whole map. */
  mapClear(kg: number, indexKey: string): void {
    const keys = this.mapKeys(indexKey);
    if (keys.length === 0) return;
    for (const mk of keys) this.write(kg, indexKey + mk, null, indexKey);
    this.setCounted(kg, indexKey, null, true);
  }

  /** Number of (state, key) entries. */
  total(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }
}
