/**
 * Broadcast state (Flink's `BroadcastState` / `ReadOnlyBroadcastState`): a map per
 * {@link MapStateDescriptor} given to `stream.broadcast(...descriptors)`, held by each parallel
 * subtask of the operator that processes the broadcast stream, in memory. Every subtask receives
 * every broadcast element and is expected to update its copy the same way, so the copies agree;
 * the non-broadcast side may only read it. It is operator state: the operator keeps it in its
 * {@link OperatorStateStore} (`getBroadcastState`), which snapshots it at every checkpoint; on
 * restore every subtask gets a copy (Flink's broadcast redistribution), whatever the parallelism.
 *
 * Map keys follow the rules of keyed-state map keys (strings, numbers, bigints, booleans or arrays
 * of those); values are stored by reference, so treat them as immutable.
 *
 * @see org.apache.flink.api.common.state.BroadcastState
 * @see org.apache.flink.api.common.state.ReadOnlyBroadcastState
 */
import { ConfigurationError } from '../errors.js';
import type { MapStateDescriptor } from './descriptors.js';
import { keyToMapKey } from './key-hash.js';
import type { OperatorStateStore } from './operator-state-store.js';

type MapKey = string | number | bigint | boolean;

/**
 * The read-only view of broadcast state the non-broadcast side gets (Flink's `ReadOnlyBroadcastState`).
 * @see org.apache.flink.api.common.state.ReadOnlyBroadcastState
 */
export interface ReadOnlyBroadcastState<K, V> {
  /** The value of `key`, or undefined (Flink returns null). */
  get(key: K): V | undefined;
  contains(key: K): boolean;
  /** A snapshot of the entries (Flink's `immutableEntries()`): later changes do not show in it. */
  immutableEntries(): [K, V][];
  /** Number of entries. */
  size(): number;
}

/**
 * Writable broadcast state, given to `processBroadcastElement` (Flink's `BroadcastState`).
 * @see org.apache.flink.api.common.state.BroadcastState
 */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void;
  remove(key: K): void;
  /** Live entries in insertion order (Flink's `entries()` / `iterator()`). */
  entries(): IterableIterator<[K, V]>;
  /** Removes every entry. */
  clear(): void;
}

/** One descriptor's broadcast state in one subtask. */
export class HeapBroadcastState<K, V> implements BroadcastState<K, V> {
  private readonly map = new Map<MapKey, [K, V]>();
  /** The read-only view of this state. */
  readonly readOnly: ReadOnlyBroadcastState<K, V>;

  constructor(readonly descriptor: MapStateDescriptor<K, V>) {
    this.readOnly = {
      get: (key) => this.get(key),
      contains: (key) => this.contains(key),
      immutableEntries: () => this.immutableEntries(),
      size: () => this.size(),
    };
  }

  get(key: K): V | undefined {
    return this.map.get(keyToMapKey(key))?.[1];
  }
  contains(key: K): boolean {
    return this.map.has(keyToMapKey(key));
  }
  immutableEntries(): [K, V][] {
    return [...this.map.values()].map(([k, v]) => [k, v]);
  }
  size(): number {
    return this.map.size;
  }
  put(key: K, value: V): void {
    this.map.set(keyToMapKey(key), [key, value]);
  }
  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  remove(key: K): void {
    this.map.delete(keyToMapKey(key));
  }
  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.map.values()) yield [k, v];
  }
  clear(): void {
    this.map.clear();
  }
}

/** A read-only view of `state` (Flink's `ReadOnlyBroadcastState`): reads go through, writes do not exist. */
export function readOnlyBroadcastState<K, V>(state: BroadcastState<K, V>): ReadOnlyBroadcastState<K, V> {
  if (state instanceof HeapBroadcastState) return state.readOnly;
  return {
    get: (key) => state.get(key),
    contains: (key) => state.contains(key),
    immutableEntries: () => state.immutableEntries(),
    size: () => state.size(),
  };
}

/**
 * The broadcast states a broadcast-process operator may use: one per descriptor given to
 * `broadcast(...)`, held in the operator's {@link OperatorStateStore} under the descriptor's name
 * (as Flink keeps them in the operator state backend), so checkpoints include them.
 */
export class BroadcastStateStore {
  private readonly states = new Map<string, { state: BroadcastState<unknown, unknown>; readOnly: ReadOnlyBroadcastState<unknown, unknown> }>();

  /**
   * @param descriptors the descriptors given to `broadcast(...)`; names must be distinct.
   * @param store where the states live: the operator's state store (`ctx.operatorStateStore`).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when two descriptors share a name.
   */
  constructor(descriptors: readonly MapStateDescriptor<unknown, unknown>[], store: OperatorStateStore) {
    for (const d of descriptors) {
      if (this.states.has(d.name)) throw new ConfigurationError(`broadcast state '${d.name}' was given twice to broadcast(...)`);
      const state = store.getBroadcastState(d);
      this.states.set(d.name, { state, readOnly: readOnlyBroadcastState(state) });
    }
  }

  /**
   * The writable state of `descriptor` (matched by name).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when it was not given to `broadcast(...)` (Flink's
   *   "The requested state does not exist…").
   */
  get<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    const s = this.states.get(descriptor.name);
    if (s === undefined) {
      throw new ConfigurationError(
        `The requested broadcast state '${descriptor.name}' does not exist. Check for typos in your state descriptor, or specify the state descriptor in the datastream.broadcast(...) call if you forgot to register it.`,
      );
    }
    return s.state as unknown as BroadcastState<K, V>;
  }

  /** The read-only view of `descriptor`'s state. @throws ConfigurationError as {@link get}. */
  getReadOnly<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    this.get(descriptor);
    return this.states.get(descriptor.name)!.readOnly as unknown as ReadOnlyBroadcastState<K, V>;
  }
}
