/**
 * The keyed state objects of the LevelDB backend: same observable behaviour as the heap backend's
 * (see heap-keyed-state-backend.ts), but every value lives encoded in a row (see value-codec.ts),
 * so each read decodes a fresh copy (as Flink's RocksDB state does: mutate the returned object and
 * `update` it to change the state).
 *
 * @see org.apache.flink.contrib.streaming.state.RocksDBValueState and siblings
 */
import type { AggregatingStateDescriptor } from '../descriptors.js';
import { keyToMapKey } from '../key-hash.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../keyed-state.js';
import { encodeKey } from './key-codec.js';
import type { RowOps } from './row-ops.js';
import { decodeList, decodeValue, encodeList, encodeListElement, encodeValue } from './value-codec.js';

/** Where a state object finds the current key's row. */
export interface StateScope {
  readonly currentKeyGroup: number;
  /** Row key of the current key in the state with id `stateId` (the map state's index row). */
  rowKey(stateId: number): string;
}

/** Flink's `RocksDBValueState`: one row per key; `value()` decodes it, or returns the descriptor's default. */
export class LevelValueState<T> implements ValueState<T> {
  constructor(
    private readonly s: StateScope,
    private readonly ops: RowOps,
    private readonly id: number,
    private readonly defaultValue: T | null,
  ) {}
  value(): T | null {
    const v = this.ops.read(this.s.rowKey(this.id));
    return v === undefined ? this.defaultValue : (decodeValue(v) as T);
  }
  update(value: T | null | undefined): void {
    this.ops.setCounted(this.s.currentKeyGroup, this.s.rowKey(this.id), value === null || value === undefined ? null : encodeValue(value));
  }
  clear(): void {
    this.ops.setCounted(this.s.currentKeyGroup, this.s.rowKey(this.id), null);
  }
}

/** Flink's `RocksDBListState`: one row per key holding the framed elements; `add` appends bytes, `get` decodes a fresh array. */
export class LevelListState<T> implements ListState<T> {
  constructor(
    private readonly s: StateScope,
    private readonly ops: RowOps,
    private readonly id: number,
  ) {}
  get(): T[] {
    const v = this.ops.read(this.s.rowKey(this.id));
    return v === undefined ? [] : (decodeList(v) as T[]);
  }
  add(value: T): void {
    this.append(encodeListElement(value));
  }
  addAll(values: Iterable<T>): void {
    const framed: Uint8Array[] = [];
    for (const v of values) framed.push(encodeListElement(v));
    if (framed.length > 0) this.append(Buffer.concat(framed));
  }
  update(values: Iterable<T>): void {
    const l = [...values];
    this.ops.setCounted(this.s.currentKeyGroup, this.s.rowKey(this.id), l.length === 0 ? null : encodeList(l));
  }
  clear(): void {
    this.ops.setCounted(this.s.currentKeyGroup, this.s.rowKey(this.id), null);
  }
  private append(framed: Uint8Array): void {
    const rk = this.s.rowKey(this.id);
    this.ops.append(this.s.currentKeyGroup, rk, framed, this.ops.read(rk));
  }
}

/** Flink's `RocksDBMapState`: one row per map entry plus an index row per key listing the map keys in insertion order (see row-ops.ts). */
export class LevelMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly s: StateScope,
    private readonly ops: RowOps,
    private readonly id: number,
  ) {}
  get(key: K): V | undefined {
    const v = this.ops.read(this.s.rowKey(this.id) + encodeKey(keyToMapKey(key)));
    return v === undefined ? undefined : (decodeValue(v) as [K, V])[1];
  }
  put(key: K, value: V): void {
    const mk = encodeKey(keyToMapKey(key));
    this.ops.mapPut(this.s.currentKeyGroup, this.s.rowKey(this.id), mk, encodeValue([key, value]));
  }
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  remove(key: K): void {
    this.ops.mapRemove(this.s.currentKeyGroup, this.s.rowKey(this.id), encodeKey(keyToMapKey(key)));
  }
  contains(key: K): boolean {
    return this.ops.read(this.s.rowKey(this.id) + encodeKey(keyToMapKey(key))) !== undefined;
  }
  /** The current key's entries in insertion order (the key is taken when called; entries are read as iterated). */
  entries(): IterableIterator<[K, V]> {
    const base = this.s.rowKey(this.id);
    const keys = this.ops.mapKeys(base);
    const ops = this.ops;
    return (function* () {
      for (const mk of keys) {
        const v = ops.read(base + mk);
        if (v !== undefined) {
          const e = decodeValue(v) as [K, V];
          yield [e[0], e[1]];
        }
      }
    })();
  }
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  isEmpty(): boolean {
    return this.ops.read(this.s.rowKey(this.id)) === undefined;
  }
  clear(): void {
    this.ops.mapClear(this.s.currentKeyGroup, this.s.rowKey(this.id));
  }
}

/** Flink's `RocksDBReducingState`: one row per key; `add` reads, reduces and writes it. */
export class LevelReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly s: StateScope,
    private readonly ops: RowOps,
    private readonly id: number,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | null {
    const v = this.ops.read(this.s.rowKey(this.id));
    return v === undefined ? null : ((decodeValue(v) as T) ?? null);
  }
  add(value: T): void {
    const rk = this.s.rowKey(this.id);
    const cur = this.ops.read(rk);
    const next = cur === undefined ? value : this.reduce(decodeValue(cur) as T, value);
    this.ops.setCounted(this.s.currentKeyGroup, rk, encodeValue(next), cur !== undefined);
  }
  clear(): void {
    this.ops.setCounted(this.s.currentKeyGroup, this.s.rowKey(this.id), null);
  }
}

/** Flink's `RocksDBAggregatingState`: one row per key holding the accumulator; `get` returns `getResult(accumulator)`. */
export class LevelAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly s: StateScope,
    private readonly ops: RowOps,
    private readonly id: number,
    private readonly d: AggregatingStateDescriptor<IN, ACC, OUT>,
  ) {}
  get(): OUT | null {
    const v = this.ops.read(this.s.rowKey(this.id));
    return v === undefined ? null : this.d.aggregateFunction.getResult(decodeValue(v) as ACC);
  }
  add(value: IN): void {
    const f = this.d.aggregateFunction;
    const rk = this.s.rowKey(this.id);
    const cur = this.ops.read(rk);
    const acc = cur === undefined ? f.createAccumulator() : (decodeValue(cur) as ACC);
    this.ops.setCounted(this.s.currentKeyGroup, rk, encodeValue(f.add(value, acc)), cur !== undefined);
  }
  clear(): void {
    this.ops.setCounted(this.s.currentKeyGroup, this.s.rowKey(this.id), null);
  }
}
