/**
 * The heap backend's state objects (Flink's `HeapValueState`, `HeapListState`, …): each reads and
 * writes the current key's entry of its {@link StateTable}. The current key comes from the backend
 * ({@link HeapKeyContext}), so one state object serves every key.
 *
 * Values are stored by reference, as in Flink's heap backend: what `update` gets is what `value`
 * returns. In-place changes (list `add`, map `put`, an aggregate function mutating its
 * accumulator) go through `getForUpdate`, so copy-on-write and change tracking see them.
 */
import { keyToMapKey } from '../key-hash.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../keyed-state.js';
import type { AggregateFunction } from '../../window/window-functions.js';
import type { MapKey, StateTable } from './state-table.js';

/** The key context the states read: the backend's current key, normalised, and its key group. */
export interface HeapKeyContext {
  readonly currentMapKey: MapKey;
  readonly currentKeyGroup: number;
}

/** Value state: the table holds the value; `value()` returns the descriptor default when absent. */
export class HeapValueState<T> implements ValueState<T> {
  constructor(
    private readonly b: HeapKeyContext,
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

/** List state: the table holds the array; `get()` returns a copy of it, `add` appends in place. */
export class HeapListState<T> implements ListState<T> {
  constructor(
    private readonly b: HeapKeyContext,
    private readonly t: StateTable<T[]>,
  ) {}
  get(): T[] {
    // A copy: the caller may keep it while later add() calls change the state.
    const l = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    return l === undefined ? [] : l.slice();
  }
  add(value: T): void {
    const l = this.t.getForUpdate(this.b.currentKeyGroup, this.b.currentMapKey);
    if (l === undefined) this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, [value]);
    else l.push(value);
  }
  addAll(values: Iterable<T>): void {
    const add = [...values];
    if (add.length === 0) return;
    const l = this.t.getForUpdate(this.b.currentKeyGroup, this.b.currentMapKey);
    if (l === undefined) this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, add);
    else for (const v of add) l.push(v);
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

/** Map state: per key, a `Map` from normalised user key to `[userKey, value]`. */
export class HeapMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly b: HeapKeyContext,
    private readonly t: StateTable<Map<MapKey, [K, V]>>,
  ) {}
  private read(): Map<MapKey, [K, V]> | undefined {
    return this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
  }
  private write(): Map<MapKey, [K, V]> {
    let m = this.t.getForUpdate(this.b.currentKeyGroup, this.b.currentMapKey);
    if (m === undefined) {
      m = new Map();
      this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, m);
    }
    return m;
  }
  get(key: K): V | undefined {
    return this.read()?.get(keyToMapKey(key))?.[1];
  }
  put(key: K, value: V): void {
    this.write().set(keyToMapKey(key), [key, value]);
  }
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    let m: Map<MapKey, [K, V]> | undefined;
    for (const [k, v] of entries) (m ??= this.write()).set(keyToMapKey(k), [k, v]);
  }
  remove(key: K): void {
    const mk = keyToMapKey(key);
    const cur = this.read();
    if (cur === undefined || !cur.has(mk)) return;
    const m = this.write();
    m.delete(mk);
    if (m.size === 0) this.clear();
  }
  contains(key: K): boolean {
    return this.read()?.has(keyToMapKey(key)) ?? false;
  }
  *entries(): IterableIterator<[K, V]> {
    const m = this.read();
    if (m !== undefined) for (const e of m.values()) yield [e[0], e[1]];
  }
  *keys(): IterableIterator<K> {
    const m = this.read();
    if (m !== undefined) for (const e of m.values()) yield e[0];
  }
  *values(): IterableIterator<V> {
    const m = this.read();
    if (m !== undefined) for (const e of m.values()) yield e[1];
  }
  isEmpty(): boolean {
    return (this.read()?.size ?? 0) === 0;
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

/** Reducing state: the table holds the reduced value (Flink's `HeapReducingState`). */
export class HeapReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly b: HeapKeyContext,
    private readonly t: StateTable<T>,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | null {
    return this.t.get(this.b.currentKeyGroup, this.b.currentMapKey) ?? null;
  }
  add(value: T): void {
    // get() hands out an unshared value, so a reduce function may mutate and return its first argument.
    const cur = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, cur === undefined ? value : this.reduce(cur, value));
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}

/**
 * Aggregating state (Flink's `HeapAggregatingState`): the table holds the accumulator; `add` folds
 * with `createAccumulator`/`add` (the function may mutate and return the accumulator), `get`
 * returns `getResult(acc)`, or `null` when the key has no accumulator.
 */
export class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly b: HeapKeyContext,
    private readonly t: StateTable<ACC>,
    private readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {}
  get(): OUT | null {
    const acc = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    return acc === undefined ? null : this.fn.getResult(acc);
  }
  add(value: IN): void {
    const f = this.fn;
    const acc = this.t.get(this.b.currentKeyGroup, this.b.currentMapKey);
    this.t.set(this.b.currentKeyGroup, this.b.currentMapKey, f.add(value, acc === undefined ? f.createAccumulator() : acc));
  }
  clear(): void {
    this.t.delete(this.b.currentKeyGroup, this.b.currentMapKey);
  }
}
