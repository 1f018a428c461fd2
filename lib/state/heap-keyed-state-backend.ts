/**
 * The heap keyed-state backend (Flink's HeapKeyedStateBackend): state lives in JS Maps, one table
 * per (state, key group), so a key group's state is one unit that can later be snapshotted or
 * moved to another subtask on rescale. The operator sets the current key before each record
 * ({@link setCurrentKey}); every state call then reads or writes that key's entry.
 *
 * Keys are normalised with `keyToMapKey` (arrays become canonical strings) and assigned to key
 * groups with Flink's `KeyGroupRangeAssignment`.
 */
import { ConfigurationError } from '../errors.js';
import { assignToKeyGroup } from './key-groups.js';
import { keyToMapKey, mapKeyToKey } from './key-hash.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './keyed-state.js';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor } from './descriptors.js';
import type { KeyGroupRange } from './key-groups.js';
import type { AnyKeyedState, KeyGroupSnapshotPart, KeyedSnapshotOptions, KeyedStateBackend, RestoredKeyGroup, TimerStateParticipant } from './keyed-state-backend.js';
import { decodeState, encodeState } from './state-codec.js';
import { SnapshotFormatError } from '../errors.js';

/** Decoded form of one key group's part: per state name its kind and entries, per timer service its data. */
interface KeyGroupPartData {
  v: 1;
  kg: number;
  states: [name: string, kind: string, entries: [MapKey, unknown][]][];
  timers: [name: string, data: unknown][];
}

type MapKey = string | number | bigint | boolean;

/** Per key group, a table from normalised key to the stored value. */
class StateTable<V> {
  readonly groups: (Map<MapKey, V> | undefined)[];
  constructor(maxParallelism: number) {
    this.groups = new Array(maxParallelism);
  }
  get(kg: number, key: MapKey): V | undefined {
    return this.groups[kg]?.get(key);
  }
  set(kg: number, key: MapKey, v: V): void {
    let g = this.groups[kg];
    if (g === undefined) this.groups[kg] = g = new Map();
    g.set(key, v);
  }
  delete(kg: number, key: MapKey): void {
    this.groups[kg]?.delete(key);
  }
  /** Number of keys with state. */
  size(): number {
    let n = 0;
    for (const g of this.groups) if (g !== undefined) n += g.size;
    return n;
  }
}

export class HeapKeyedStateBackend implements KeyedStateBackend {
  /** The key as the user returned it. */
  currentKey: unknown = undefined;
  /** Normalised key used in tables. */
  currentMapKey: MapKey = 0;
  currentKeyGroup = 0;
  private readonly states = new Map<string, { descriptor: StateDescriptor<unknown>; table: StateTable<unknown>; state: unknown }>();
  private readonly timers = new Map<string, TimerStateParticipant>();
  /** Restored entries of states not registered yet, by name. */
  private readonly pendingRestore = new Map<string, [number, MapKey, unknown][]>();
  private readonly pendingTimers = new Map<string, [number, unknown][]>();

  /**
   * @param maxParallelism number of key groups (Flink's max parallelism).
   * @param keyGroupRange the key groups this subtask owns (for checks and snapshots).
   */
  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
  ) {}

  /**
   * Scopes state calls to `key` (hashes it to its key group).
   * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) for keys that are not primitives or arrays of them.
   */
  setCurrentKey(key: unknown): void {
    this.currentKey = key;
    this.currentMapKey = keyToMapKey(key);
    this.currentKeyGroup = assignToKeyGroup(key, this.maxParallelism);
  }

  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.getOrCreate(d as StateDescriptor<unknown>, (table) => new HeapAggregatingState<IN, ACC, OUT>(this, table as StateTable<ACC>, d));
  }

  registerTimers(name: string, participant: TimerStateParticipant): void {
    this.timers.set(name, participant);
    const pending = this.pendingTimers.get(name);
    if (pending !== undefined) {
      this.pendingTimers.delete(name);
      for (const [kg, data] of pending) participant.restoreKeyGroup(kg, data);
    }
  }

  markChanged(_kg: number): void {}

  snapshot(_checkpointId: number, _options: KeyedSnapshotOptions): KeyGroupSnapshotPart[] {
    const parts: KeyGroupSnapshotPart[] = [];
    for (const kg of this.keyGroupRange) {
      const data: KeyGroupPartData = { v: 1, kg, states: [], timers: [] };
      for (const [name, s] of this.states) {
        const g = s.table.groups[kg];
        if (g !== undefined && g.size > 0) data.states.push([name, s.descriptor.kind, [...g]]);
      }
      for (const [name, t] of this.timers) {
        const td = t.snapshotKeyGroup(kg);
        if (td !== undefined) data.timers.push([name, td]);
      }
      if (data.states.length === 0 && data.timers.length === 0) continue;
      // Encoding now is the copy that keeps the part consistent with the barrier.
      const bytes = encodeState(data);
      parts.push({ keyGroup: kg, kind: 'full', materialize: () => bytes });
    }
    return parts;
  }

  restore(keyGroups: readonly RestoredKeyGroup[]): void {
    for (const { keyGroup, chain } of keyGroups) {
      for (const bytes of chain) {
        const data = decodeState(bytes) as KeyGroupPartData;
        if (data?.v !== 1 || data.kg !== keyGroup) throw new SnapshotFormatError(`key group ${keyGroup}: unexpected part (version ${String(data?.v)}, key group ${String(data?.kg)})`);
        for (const [name, , entries] of data.states) {
          const s = this.states.get(name);
          if (s !== undefined) for (const [k, v] of entries) s.table.set(keyGroup, k, v);
          else {
            const l = this.pendingRestore.get(name) ?? [];
            for (const [k, v] of entries) l.push([keyGroup, k, v]);
            this.pendingRestore.set(name, l);
          }
        }
        for (const [name, td] of data.timers) {
          const t = this.timers.get(name);
          if (t !== undefined) t.restoreKeyGroup(keyGroup, td);
          else {
            const l = this.pendingTimers.get(name) ?? [];
            l.push([keyGroup, td]);
            this.pendingTimers.set(name, l);
          }
        }
      }
    }
  }

  notifyCheckpointComplete(_checkpointId: number): void {}
  notifyCheckpointAborted(_checkpointId: number): void {}
  dispose(): void {}

  /** Number of (state, key) entries, for the state-size metric. */
  entryCount(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.table.size();
    return n;
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.getOrCreate(d, (table) => new HeapValueState<T>(this, table as StateTable<T>, d.defaultValue));
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.getOrCreate(d, (table) => new HeapListState<T>(this, table as StateTable<T[]>));
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.getOrCreate(d, (table) => new HeapMapState<K, V>(this, table as StateTable<Map<MapKey, [K, V]>>));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const f = d.reduceFunction;
    const reduce = typeof f === 'function' ? f : (a: T, b: T) => f.reduce(a, b);
    return this.getOrCreate(d, (table) => new HeapReducingState<T>(this, table as StateTable<T>, reduce as (a: T, b: T) => T));
  }

  /**
   * Calls `fn(key, state)` for every key of this subtask that has a value in the state named by
   * `descriptor`, with that key as the current key (Flink's `KeyedStateBackend.applyToAllKeys`, used
   * by `KeyedBroadcastProcessFunction`'s `ctx.applyToKeyedState`). The keys are listed before the
   * first call, so `fn` may update or clear the state; the current key is restored afterwards.
   * Keys come back as {@link mapKeyToKey} decodes them.
   * @throws ConfigurationError when the name was registered for another kind of state.
   */
  applyToAllKeys<S>(descriptor: StateDescriptor<unknown>, fn: (key: unknown, state: S) => void): void {
    const state = this.getStateByDescriptor(descriptor) as S;
    const table = this.states.get(descriptor.name)!.table;
    const entries: [number, MapKey][] = [];
    table.groups.forEach((g, kg) => {
      if (g !== undefined) for (const k of g.keys()) entries.push([kg, k]);
    });
    const saved = { key: this.currentKey, mapKey: this.currentMapKey, kg: this.currentKeyGroup };
    try {
      for (const [kg, mapKey] of entries) {
        const key = mapKeyToKey(mapKey);
        this.currentKey = key;
        this.currentMapKey = mapKey;
        this.currentKeyGroup = kg;
        fn(key, state);
      }
    } finally {
      this.currentKey = saved.key;
      this.currentMapKey = saved.mapKey;
      this.currentKeyGroup = saved.kg;
    }
  }

  /** The state object for any descriptor kind. */
  getStateByDescriptor(d: StateDescriptor<unknown>): AnyKeyedState {
    if (d instanceof ValueStateDescriptor) return this.getState(d);
    if (d instanceof ListStateDescriptor) return this.getListState(d);
    if (d instanceof MapStateDescriptor) return this.getMapState(d as MapStateDescriptor<unknown, unknown>);
    if (d instanceof ReducingStateDescriptor) return this.getReducingState(d);
    if (d instanceof AggregatingStateDescriptor) return this.getAggregatingState(d as AggregatingStateDescriptor<unknown, unknown, unknown>);
    throw new ConfigurationError(`unsupported state descriptor kind '${d.kind}' for '${d.name}'`);
  }

  private getOrCreate<S>(d: StateDescriptor<unknown>, make: (table: StateTable<unknown>) => S): S {
    const existing = this.states.get(d.name);
    if (existing !== undefined) {
      if (existing.descriptor.kind !== d.kind) {
        throw new ConfigurationError(`state '${d.name}' was registered as ${existing.descriptor.kind} state and is now asked for as ${d.kind} state`);
      }
      return existing.state as S;
    }
    const table = new StateTable<unknown>(this.maxParallelism);
    const restored = this.pendingRestore.get(d.name);
    if (restored !== undefined) {
      this.pendingRestore.delete(d.name);
      for (const [kg, k, v] of restored) table.set(kg, k, v);
    }
    const state = make(table);
    this.states.set(d.name, { descriptor: d, table, state });
    return state;
  }
}

class HeapValueState<T> implements ValueState<T> {
  constructor(
    private readonly b: HeapKeyedStateBackend,
    private readonly t: StateTable<T>,
    private readonly defaultValue: T | null,
  ) {}
  value(): T | null {
    const v = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    return v === undefined ? this.defaultValue : v;
  }
  update(value: T | null | undefined): void {
    if (value === null || value === undefined) this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
    else this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, value);
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

class HeapListState<T> implements ListState<T> {
  constructor(
    private readonly b: HeapKeyedStateBackend,
    private readonly t: StateTable<T[]>,
  ) {}
  get(): T[] {
    // A copy: the caller may keep it while later add() calls change the state.
    const l = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    return l === undefined ? [] : l.slice();
  }
  add(value: T): void {
    const l = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    if (l === undefined) this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, [value]);
    else l.push(value);
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.add(v);
  }
  update(values: Iterable<T>): void {
    const l = [...values];
    if (l.length === 0) this.clear();
    else this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, l);
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

class HeapMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly b: HeapKeyedStateBackend,
    private readonly t: StateTable<Map<MapKey, [K, V]>>,
  ) {}
  private map(create: boolean): Map<MapKey, [K, V]> | undefined {
    let m = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    if (m === undefined && create) {
      m = new Map();
      this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, m);
    }
    return m;
  }
  get(key: K): V | undefined {
    return this.map(false)?.get(keyToMapKey(key))?.[1];
  }
  put(key: K, value: V): void {
    this.map(true)!.set(keyToMapKey(key), [key, value]);
  }
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  remove(key: K): void {
    const m = this.map(false);
    if (m === undefined) return;
    m.delete(keyToMapKey(key));
    if (m.size === 0) this.clear();
  }
  contains(key: K): boolean {
    return this.map(false)?.has(keyToMapKey(key)) ?? false;
  }
  *entries(): IterableIterator<[K, V]> {
    const m = this.map(false);
    if (m !== undefined) for (const e of m.values()) yield [e[0], e[1]];
  }
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  isEmpty(): boolean {
    return (this.map(false)?.size ?? 0) === 0;
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

class HeapReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly b: HeapKeyedStateBackend,
    private readonly t: StateTable<T>,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | null {
    return this.t.get(this.b.currentKeyGroup, this.b.currentMapKey) ?? null;
  }
  add(value: T): void {
    const cur = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, cur === undefined ? value : this.reduce(cur, value));
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly b: HeapKeyedStateBackend,
    private readonly t: StateTable<ACC>,
    private readonly d: AggregatingStateDescriptor<IN, ACC, OUT>,
  ) {}
  get(): OUT | null {
    const acc = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    return acc === undefined ? null : this.d.aggregateFunction.getResult(acc);
  }
  add(value: IN): void {
    const f = this.d.aggregateFunction;
    const acc = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey) ?? f.createAccumulator();
    this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, f.add(value, acc));
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

export { ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor };
