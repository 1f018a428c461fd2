/**
 * One keyed state's table on the heap backend: per key group, a `Map` from normalised key to the
 * stored value (Flink's `StateTable` with one `StateMap` per key group), plus what checkpoints need:
 *
 * - **Copy-on-write for asynchronous snapshots** (Flink's `CopyOnWriteStateMap`). A snapshot's
 *   synchronous phase *pins* a key group with an {@link UndoLog}: O(1), nothing is copied. Until the
 *   part is materialized, the first write to a key records its value at the barrier (the before
 *   image) in the log, and the first read of an object value records it and replaces the live value
 *   by a deep copy, so whatever the operator does with what it reads, the pinned objects stay as at
 *   the barrier. Materializing reads the live map through the log.
 * - **Change tracking for incremental checkpoints**: once started, each key group keeps the set of
 *   keys written or deleted since the last snapshot.
 *
 * With no pin and no tracking (the common case between checkpoints), reads and writes go straight
 * to the `Map`.
 */
import type { StateKind } from '../descriptors.js';
import type { StateTtlConfig } from '../state-ttl-config.js';
import { copyStateValue } from './copy-value.js';

/** A normalised key (`keyToMapKey`). */
export type MapKey = string | number | bigint | boolean;

/** Marks "no value at the barrier" in an undo log. */
export const ABSENT: unique symbol = Symbol('absent');

/** The before images of one pinned (table, key group) for one pending snapshot part. */
export class UndoLog {
  /** Key → its value at the barrier ({@link ABSENT} when it had none); only keys touched since. */
  readonly before = new Map<MapKey, unknown>();
}

/** The entries of one state per key group, with copy-on-write pins and change tracking (see the module comment). */
export class StateTable<V = unknown> {
  /** Per key group, the live entries (undefined until the first write). */
  readonly groups: (Map<MapKey, V> | undefined)[];
  /** Per key group, the undo logs of pending snapshot parts. */
  private readonly pins: (UndoLog[] | undefined)[];
  private pinCount = 0;
  /** Per key group, keys changed since the last snapshot, when tracking (incremental checkpoints). */
  private changed: (Set<MapKey> | undefined)[] | undefined = undefined;
  /** No pins and no tracking: writes go straight to the map. */
  private plain = true;

  /**
   * @param name the state's name.
   * @param kind the kind of the user's descriptor (recorded in snapshots).
   * @param ttl the descriptor's TTL config; undefined for a restored state not asked for yet.
   * @param maxParallelism number of key groups.
   * @param hasTtl whether values are stored as TtlValues (the state has a TTL).
   */
  constructor(
    readonly name: string,
    readonly kind: StateKind,
    public ttl: StateTtlConfig | undefined,
    private readonly maxParallelism: number,
    readonly hasTtl: boolean,
  ) {
    this.groups = new Array(maxParallelism);
    this.pins = new Array(maxParallelism);
  }

  /** The value of `key` in key group `kg` (for reading; a pinned object value is copied first). */
  get(kg: number, key: MapKey): V | undefined {
    const g = this.groups[kg];
    if (g === undefined) return undefined;
    const v = g.get(key);
    if (this.pinCount === 0 || typeof v !== 'object' || v === null) return v;
    return this.copyOnRead(kg, g, key, v);
  }

  /** Like {@link get}, for a value the caller mutates in place: also counts as a change. */
  getForUpdate(kg: number, key: MapKey): V | undefined {
    const v = this.get(kg, key);
    if (v !== undefined && this.changed !== undefined) this.track(kg, key);
    return v;
  }

  /** Stores `v` for `key` in key group `kg`. */
  set(kg: number, key: MapKey, v: V): void {
    const g = this.groups[kg];
    if (g !== undefined && this.plain) g.set(key, v);
    else this.setSlow(kg, g, key, v);
  }

  /** Removes `key` from key group `kg` (nothing when absent). */
  delete(kg: number, key: MapKey): void {
    const g = this.groups[kg];
    if (g === undefined) return;
    if (this.plain) {
      g.delete(key);
      return;
    }
    if (!g.has(key)) return;
    this.recordBefore(kg, g, key);
    g.delete(key);
    if (this.changed !== undefined) this.track(kg, key);
  }

  /** Number of entries in key group `kg`. */
  sizeOf(kg: number): number {
    return this.groups[kg]?.size ?? 0;
  }

  /** Number of entries. */
  size(): number {
    let n = 0;
    for (const g of this.groups) if (g !== undefined) n += g.size;
    return n;
  }

  /** Pins key group `kg` for a snapshot part (synchronous phase): O(1). */
  pin(kg: number): UndoLog {
    const log = new UndoLog();
    (this.pins[kg] ??= []).push(log);
    this.pinCount++;
    this.plain = false;
    return log;
  }

  /** Releases a pin (the part was materialized or dropped). Idempotent. */
  unpin(kg: number, log: UndoLog): void {
    const logs = this.pins[kg];
    const i = logs === undefined ? -1 : logs.indexOf(log);
    if (i < 0) return;
    logs!.splice(i, 1);
    if (logs!.length === 0) this.pins[kg] = undefined;
    this.pinCount--;
    this.plain = this.pinCount === 0 && this.changed === undefined;
  }

  /** The value of `key` in key group `kg` as at the barrier of `log`'s snapshot (undefined when none). */
  valueAtBarrier(kg: number, log: UndoLog, key: MapKey): V | undefined {
    if (log.before.has(key)) {
      const o = log.before.get(key);
      return o === ABSENT ? undefined : (o as V);
    }
    return this.groups[kg]?.get(key);
  }

  /** Starts tracking changed keys per key group (the first incremental checkpoint). */
  startTracking(): void {
    this.changed ??= new Array(this.maxParallelism);
    this.plain = false;
  }

  /** The changed keys per key group since the last call (or tracking start), and starts afresh. */
  takeChanges(): (Set<MapKey> | undefined)[] {
    const c = this.changed ?? [];
    if (this.changed !== undefined) this.changed = new Array(this.maxParallelism);
    return c;
  }

  /**
   * Replaces key group `kg`'s entries (restore): `entries` becomes the group's map (owned by the
   * table from now on); `undefined` empties the group. Pinned or tracked groups are updated entry
   * by entry so undo logs and change sets stay right.
   */
  replaceGroup(kg: number, entries: Map<MapKey, V> | undefined): void {
    const g = this.groups[kg];
    if (this.plain || (this.pins[kg] === undefined && this.changed === undefined)) {
      this.groups[kg] = entries;
      return;
    }
    if (g !== undefined) for (const k of [...g.keys()]) if (entries === undefined || !entries.has(k)) this.delete(kg, k);
    if (entries !== undefined) for (const [k, v] of entries) this.set(kg, k, v);
  }

  private setSlow(kg: number, g: Map<MapKey, V> | undefined, key: MapKey, v: V): void {
    if (g === undefined) this.groups[kg] = g = new Map();
    if (this.pinCount !== 0) this.recordBefore(kg, g, key);
    g.set(key, v);
    if (this.changed !== undefined) this.track(kg, key);
  }

  private recordBefore(kg: number, g: Map<MapKey, V>, key: MapKey): void {
    const logs = this.pins[kg];
    if (logs === undefined) return;
    for (const log of logs) {
      if (log.before.has(key)) continue;
      const old = g.get(key);
      log.before.set(key, old === undefined ? ABSENT : old);
    }
  }

  private copyOnRead(kg: number, g: Map<MapKey, V>, key: MapKey, v: V): V {
    const logs = this.pins[kg];
    if (logs === undefined) return v;
    let shared = false;
    for (const log of logs) {
      if (log.before.has(key)) continue;
      // The live object is this snapshot's value at the barrier: keep it there, hand out a copy.
      log.before.set(key, v);
      shared = true;
    }
    if (!shared) return v;
    const c = copyStateValue(v);
    g.set(key, c);
    return c;
  }

  private track(kg: number, key: MapKey): void {
    const c = this.changed!;
    let s = c[kg];
    if (s === undefined) c[kg] = s = new Set();
    s.add(key);
  }
}
