/**
 * Keyed state scoped to a key **and a namespace** (a window), built on the keyed backend's map
 * state: every user descriptor `d` becomes one backend `MapState<namespace, value>` named
 * `<prefix><d.name>`, so all of a key's windows live in that key's entry, and a key group's state
 * (the unit of snapshots and rescaling) stays one unit. The namespace is `window.toKey()`.
 *
 * The operator sets {@link NamespacedStateStore.namespace} before it (or a trigger, or a window
 * function) touches state, as Flink's `InternalKvState.setCurrentNamespace`; every state object
 * reads the namespace at call time.
 *
 * @see Flink `InternalKvState`, `InternalMergingState.mergeNamespaces`, `HeapKeyedStateBackend`
 *   (which keys its state tables by (key, namespace)).
 */
import { ConfigurationError } from '../errors.js';
import { MapStateDescriptor, type AggregatingStateDescriptor, type ListStateDescriptor, type ReducingStateDescriptor, type StateDescriptor, type ValueStateDescriptor } from '../state/descriptors.js';
import type { ListState, MapState, ReducingState, ValueState } from '../state/keyed-state.js';
import { keyToMapKey } from '../state/key-hash.js';
import type { AggregateFunction, KeyedStateStore } from './window-functions.js';

/** Where namespaced state is stored: the keyed backend (anything that hands out map state). */
export interface MapStateProvider {
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
}

type Kind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';
type MapKey = string | number | bigint | boolean;

interface Entry {
  readonly kind: Kind;
  readonly table: MapState<string, unknown>;
  readonly state: unknown;
  /** Combines a merged-away namespace's value into the target's; undefined = cannot merge. */
  readonly merge: ((target: unknown, source: unknown) => unknown) | undefined;
}

/**
 * State per (key, namespace). Implements Flink's `KeyedStateStore` (for `windowState()`) and the
 * trigger context's `getPartitionedState`, plus namespace merging and clearing for the operator.
 */
export class NamespacedStateStore implements KeyedStateStore {
  /** The current namespace (a `window.toKey()`); set by the operator before any state call. */
  namespace = '';
  private readonly entries = new Map<string, Entry>();

  /**
   * @param backend the keyed backend; its current key scopes every call.
   * @param prefix prepended to descriptor names for the backend map states, e.g. `'_trigger/'`,
   *   so different stores never share a table.
   */
  constructor(
    private readonly backend: MapStateProvider,
    private readonly prefix: string,
  ) {}

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name was used for another kind. */
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.entry(d.name, 'value', undefined, (t) => new NsValueState<T>(this, t as MapState<string, T>, d.defaultValue)).state as ValueState<T>;
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name was used for another kind. */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const merge = (a: unknown, b: unknown): unknown => [...(a as T[]), ...(b as T[])];
    return this.entry(d.name, 'list', merge, (t) => new NsListState<T>(this, t as MapState<string, T[]>)).state as ListState<T>;
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name was used for another kind. */
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.entry(d.name, 'map', undefined, (t) => new NsMapState<K, V>(this, t as MapState<string, Map<MapKey, [K, V]>>)).state as MapState<K, V>;
  }

  /**
   * Reducing state folded with the descriptor's reduce function, which must be synchronous.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name was used for another kind.
   */
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const reduce = syncReducer<T>(d.reduceFunction, d.name);
    return this.entry(d.name, 'reducing', reduce as (a: unknown, b: unknown) => unknown, (t) => new NsReducingState<T>(this, t as MapState<string, T>, reduce)).state as ReducingState<T>;
  }

  /** Dispatches on the descriptor's kind (the trigger context's `getPartitionedState`). */
  getPartitionedState(d: StateDescriptor<unknown>): unknown {
    switch (d.kind) {
      case 'value':
        return this.getState(d as ValueStateDescriptor<unknown>);
      case 'list':
        return this.getListState(d as ListStateDescriptor<unknown>);
      case 'map':
        return this.getMapState(d as MapStateDescriptor<unknown, unknown>);
      case 'reducing':
        return this.getReducingState(d as ReducingStateDescriptor<unknown>);
      case 'aggregating':
        return this.getAggregatingState(d as AggregatingStateDescriptor<unknown, unknown, unknown>);
    }
  }

  /**
   * Aggregating state (Flink `AggregatingState`): `add` folds into the accumulator, `get` returns
   * `getResult(acc)` or `null` when the namespace holds nothing. For the window operator's contents.
   */
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    const name = d.name;
    const fn = d.aggregateFunction;
    const merge = (a: unknown, b: unknown): unknown => fn.merge(a as ACC, b as ACC);
    return this.entry(name, 'aggregating', merge, (t) => new NsAggregatingState<IN, ACC, OUT>(this, t as MapState<string, ACC>, fn)).state as AggregatingState<IN, OUT>;
  }

  /**
   * Folds the state named `name` of every `sources` namespace into `target` (in order: target
   * first, then each source) and removes it from the sources. Reducing state is reduced,
   * aggregating state merged with `AggregateFunction.merge`, list state concatenated.
   * Does nothing for a state never created.
   *
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for value and map state, which cannot merge.
   * @see Flink `InternalMergingState.mergeNamespaces`.
   */
  mergeNamespaces(name: string, target: string, sources: readonly string[]): void {
    const e = this.entries.get(name);
    if (e === undefined) return;
    if (e.merge === undefined) throw new ConfigurationError(`state '${name}' is ${e.kind} state, which cannot be merged (only reducing, aggregating and list state can)`);
    let acc = e.table.get(target);
    for (const s of sources) {
      if (s === target) continue;
      const v = e.table.get(s);
      if (v === undefined) continue;
      e.table.remove(s);
      acc = acc === undefined ? v : e.merge(acc, v);
    }
    if (acc !== undefined) e.table.put(target, acc);
  }

  /** Clears every state of this store for namespace `ns` (of the current key). */
  clearNamespace(ns: string): void {
    for (const e of this.entries.values()) e.table.remove(ns);
  }

  private entry(name: string, kind: Kind, merge: Entry['merge'], make: (table: MapState<string, unknown>) => unknown): Entry {
    const existing = this.entries.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) throw new ConfigurationError(`state '${name}' was registered as ${existing.kind} state and is now asked for as ${kind} state`);
      return existing;
    }
    const table = this.backend.getMapState(new MapStateDescriptor<string, unknown>(this.prefix + name));
    const e: Entry = { kind, table, state: make(table), merge };
    this.entries.set(name, e);
    return e;
  }
}

/** Flink's `AggregatingState`: the window operator's incremental contents for `aggregate`. */
export interface AggregatingState<IN, OUT> {
  add(value: IN): void;
  /** `getResult(accumulator)`, or `null` when nothing was added. */
  get(): OUT | null;
  clear(): void;
}

function syncReducer<T>(f: ReducingStateDescriptor<T>['reduceFunction'], name: string): (a: T, b: T) => T {
  const call = typeof f === 'function' ? f : (a: T, b: T) => f.reduce(a, b);
  return (a, b) => {
    const r = call(a, b);
    if (r instanceof Promise) throw new ConfigurationError(`reducing state '${name}': the reduce function returned a Promise; window and trigger state must be reduced synchronously`);
    return r;
  };
}

class NsValueState<T> implements ValueState<T> {
  constructor(
    private readonly s: NamespacedStateStore,
    private readonly t: MapState<string, T>,
    private readonly defaultValue: T | null,
  ) {}
  value(): T | null {
    const v = this.t.get(this.s.namespace);
    return v === undefined ? this.defaultValue : v;
  }
  update(value: T | null | undefined): void {
    if (value === null || value === undefined) this.t.remove(this.s.namespace);
    else this.t.put(this.s.namespace, value);
  }
  clear(): void {
    this.t.remove(this.s.namespace);
  }
}

class NsListState<T> implements ListState<T> {
  constructor(
    private readonly s: NamespacedStateStore,
    private readonly t: MapState<string, T[]>,
  ) {}
  get(): T[] {
    return this.t.get(this.s.namespace)?.slice() ?? [];
  }
  add(value: T): void {
    const l = this.t.get(this.s.namespace);
    // Put back even when appending in place, so backends that copy on read stay correct.
    if (l === undefined) this.t.put(this.s.namespace, [value]);
    else {
      l.push(value);
      this.t.put(this.s.namespace, l);
    }
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.add(v);
  }
  update(values: Iterable<T>): void {
    const l = [...values];
    if (l.length === 0) this.clear();
    else this.t.put(this.s.namespace, l);
  }
  clear(): void {
    this.t.remove(this.s.namespace);
  }
}

class NsMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly s: NamespacedStateStore,
    private readonly t: MapState<string, Map<MapKey, [K, V]>>,
  ) {}
  get(key: K): V | undefined {
    return this.t.get(this.s.namespace)?.get(keyToMapKey(key))?.[1];
  }
  put(key: K, value: V): void {
    const m = this.t.get(this.s.namespace) ?? new Map<MapKey, [K, V]>();
    m.set(keyToMapKey(key), [key, value]);
    this.t.put(this.s.namespace, m);
  }
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  remove(key: K): void {
    const m = this.t.get(this.s.namespace);
    if (m === undefined) return;
    m.delete(keyToMapKey(key));
    if (m.size === 0) this.clear();
    else this.t.put(this.s.namespace, m);
  }
  contains(key: K): boolean {
    return this.t.get(this.s.namespace)?.has(keyToMapKey(key)) ?? false;
  }
  *entries(): IterableIterator<[K, V]> {
    const m = this.t.get(this.s.namespace);
    if (m !== undefined) for (const e of [...m.values()]) yield [e[0], e[1]];
  }
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  isEmpty(): boolean {
    return (this.t.get(this.s.namespace)?.size ?? 0) === 0;
  }
  clear(): void {
    this.t.remove(this.s.namespace);
  }
}

class NsReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly s: NamespacedStateStore,
    private readonly t: MapState<string, T>,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | null {
    const v = this.t.get(this.s.namespace);
    return v === undefined ? null : v;
  }
  add(value: T): void {
    const cur = this.t.get(this.s.namespace);
    this.t.put(this.s.namespace, cur === undefined ? value : this.reduce(cur, value));
  }
  clear(): void {
    this.t.remove(this.s.namespace);
  }
}

class NsAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly s: NamespacedStateStore,
    private readonly t: MapState<string, ACC>,
    private readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {}
  add(value: IN): void {
    const cur = this.t.get(this.s.namespace);
    this.t.put(this.s.namespace, this.fn.add(value, cur === undefined ? this.fn.createAccumulator() : cur));
  }
  get(): OUT | null {
    const acc = this.t.get(this.s.namespace);
    return acc === undefined ? null : this.fn.getResult(acc);
  }
  clear(): void {
    this.t.remove(this.s.namespace);
  }
}
