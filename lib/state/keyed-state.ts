/**
 * Keyed state interfaces, as Flink's: every call reads or writes the state of the current key
 * (the key of the record being processed). Calls are synchronous: the heap backend holds state
 * in memory and the LevelDB backend (a later issue) serves it from a per-key-group cache with
 * `getSync`, so user code never awaits state.
 *
 * With a time-to-live (`descriptor.enableTimeToLive(StateTtlConfig…)`) the same interfaces apply
 * Flink's TTL rules: expired values read as absent (or are returned once with
 * `ReturnExpiredIfNotCleanedUp`), list elements and map entries expire one by one.
 *
 * @see org.apache.flink.api.common.state.ValueState, ListState, MapState, ReducingState
 */

export interface State {
  /** Removes the current key's value. */
  clear(): void;
}

export interface ValueState<T> extends State {
  /** The current key's value, or the descriptor's default (`null`) when none. */
  value(): T | null;
  /** Sets the current key's value; `null`/`undefined` clears it, as in Flink. */
  update(value: T | null | undefined): void;
}

export interface ListState<T> extends State {
  /** The current key's values in insertion order (an empty array when none; Flink returns an empty iterable). */
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces the list. */
  update(values: Iterable<T>): void;
}

export interface MapState<K, V> extends State {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
}

export interface ReducingState<T> extends State {
  get(): T | null;
  /** Folds `value` into the state with the descriptor's reduce function. */
  add(value: T): void;
}

/**
 * A value per key folded with an aggregate function: `add` takes inputs, `get` returns
 * `getResult(accumulator)` or `null` when the key has none (Flink's `AggregatingState`).
 */
export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | null;
  add(value: IN): void;
}
