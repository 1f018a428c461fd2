/**
 * The in-memory {@link OperatorStateStore} of one operator subtask (Flink's
 * DefaultOperatorStateBackend): list, union-list and broadcast states by name.
 *
 * - {@link HeapOperatorStateStore.snapshot} is the synchronous phase of a checkpoint: it copies the
 *   lists and broadcast maps (they are small: offsets, committables, rules), but not the elements,
 *   which the caller must encode (`encodeState`) before the operator processes the next record.
 * - {@link HeapOperatorStateStore.restore} takes this subtask's share, already redistributed over
 *   the new parallelism ({@link redistributeOperatorState}); it may run before or after the
 *   operator asked for its states (states asked for earlier see the restored values).
 * - A restored state the operator does not ask for again is kept and written to the next
 *   snapshots unchanged, as Flink registers every restored state.
 *
 * List-state names and broadcast-state names are separate namespaces (as Flink's); a list name
 * is either even-split or union, and keeps that mode across restores.
 *
 * @see org.apache.flink.runtime.state.DefaultOperatorStateBackend
 */
import { ConfigurationError } from '../errors.js';
import { HeapBroadcastState, type BroadcastState } from './broadcast-state.js';
import type { ListStateDescriptor, MapStateDescriptor } from './descriptors.js';
import type { ListState } from './keyed-state.js';
import type { OperatorStateSnapshot, OperatorStateStore } from './operator-state-store.js';

/** One list (or union-list) state: a plain array, copied on read. */
class HeapOperatorListState<T> implements ListState<T> {
  values: T[] = [];
  /** A copy of the list: the caller may keep it while later calls change the state. */
  get(): T[] {
    return this.values.slice();
  }
  add(value: T): void {
    this.values.push(value);
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.values.push(v);
  }
  update(values: Iterable<T>): void {
    this.values = [...values];
  }
  clear(): void {
    this.values = [];
  }
}

type ListMode = 'list' | 'union';

const modeName = (mode: ListMode): string => (mode === 'list' ? 'list' : 'union list');

/** The operator state of one operator in one subtask, in memory; see the module docstring. */
export class HeapOperatorStateStore implements OperatorStateStore {
  private readonly lists = new Map<string, { mode: ListMode; state: HeapOperatorListState<unknown> }>();
  private readonly broadcasts = new Map<string, HeapBroadcastState<unknown, unknown>>();
  private restored: OperatorStateSnapshot | undefined;

  /** True once {@link restore} was called (Flink's `isRestored()`), also with an empty snapshot. */
  get isRestored(): boolean {
    return this.restored !== undefined;
  }

  /**
   * The even-split list state named `d.name`, created empty (or with its restored values) on
   * first use; the same object for every later call.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name is (or was restored as) a union list state.
   */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.list(d.name, 'list') as ListState<T>;
  }

  /**
   * The union list state named `d.name` (on restore every subtask gets the lists of all); see
   * {@link getListState}.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name is (or was restored as) an even-split list state.
   */
  getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.list(d.name, 'union') as ListState<T>;
  }

  /** The broadcast state named `d.name`, created empty (or with its restored entries) on first use. */
  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    let s = this.broadcasts.get(d.name);
    if (s === undefined) {
      s = new HeapBroadcastState(d as MapStateDescriptor<unknown, unknown>);
      for (const [k, v] of this.restored?.broadcast[d.name] ?? []) s.put(k, v);
      this.broadcasts.set(d.name, s);
    }
    return s as unknown as BroadcastState<K, V>;
  }

  /** Names of the list and union list states asked for or restored (Flink's `getRegisteredStateNames()`). */
  getRegisteredStateNames(): string[] {
    const names = new Set(this.lists.keys());
    if (this.restored !== undefined) for (const n of [...Object.keys(this.restored.list), ...Object.keys(this.restored.union)]) names.add(n);
    return [...names];
  }

  /** Names of the broadcast states asked for or restored (Flink's `getRegisteredBroadcastStateNames()`). */
  getRegisteredBroadcastStateNames(): string[] {
    const names = new Set(this.broadcasts.keys());
    if (this.restored !== undefined) for (const n of Object.keys(this.restored.broadcast)) names.add(n);
    return [...names];
  }

  /**
   * Synchronous phase of a checkpoint: every state as plain data, empty ones included (so a
   * restore knows the name). Lists and entry pairs are copies; the elements are shared with the
   * live state, so encode the result before the operator runs again.
   */
  snapshot(): OperatorStateSnapshot {
    const out: OperatorStateSnapshot = { list: {}, union: {}, broadcast: {} };
    for (const [name, { mode, state }] of this.lists) (mode === 'list' ? out.list : out.union)[name] = state.values.slice();
    for (const [name, s] of this.broadcasts) out.broadcast[name] = s.immutableEntries();
    // Restored states not asked for again are kept, so they survive the next checkpoints.
    const r = this.restored;
    if (r !== undefined) {
      for (const [name, v] of Object.entries(r.list)) if (!this.lists.has(name)) out.list[name] = v.slice();
      for (const [name, v] of Object.entries(r.union)) if (!this.lists.has(name)) out.union[name] = v.slice();
      for (const [name, v] of Object.entries(r.broadcast)) if (!this.broadcasts.has(name)) out.broadcast[name] = v.map(([k, x]) => [k, x]);
    }
    return out;
  }

  /** Whether no state was asked for or restored (a snapshot would be empty). */
  isEmpty(): boolean {
    return this.getRegisteredStateNames().length === 0 && this.getRegisteredBroadcastStateNames().length === 0;
  }

  /**
   * Loads this subtask's share of a snapshot (already redistributed): states asked for earlier get
   * the restored values (or become empty), later ones start with them.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when a list state asked for earlier was
   *   snapshotted in the other mode (even-split vs union), or a name is in both modes.
   */
  restore(snapshot: OperatorStateSnapshot): void {
    for (const name of Object.keys(snapshot.list)) {
      if (Object.hasOwn(snapshot.union, name)) throw new ConfigurationError(`operator state '${name}' is both a list and a union list state in the snapshot`);
    }
    for (const [name, { mode }] of this.lists) this.checkMode(name, mode, snapshot);
    this.restored = snapshot;
    for (const [name, { mode, state }] of this.lists) state.values = [...((mode === 'list' ? snapshot.list : snapshot.union)[name] ?? [])];
    for (const [name, s] of this.broadcasts) {
      s.clear();
      for (const [k, v] of snapshot.broadcast[name] ?? []) s.put(k, v);
    }
  }

  private list(name: string, mode: ListMode): HeapOperatorListState<unknown> {
    const existing = this.lists.get(name);
    if (existing !== undefined) {
      if (existing.mode !== mode) throw new ConfigurationError(`operator state '${name}' was registered as ${modeName(existing.mode)} state and is now asked for as ${modeName(mode)} state`);
      return existing.state;
    }
    const state = new HeapOperatorListState<unknown>();
    const r = this.restored;
    if (r !== undefined) {
      this.checkMode(name, mode, r);
      const restored = (mode === 'list' ? r.list : r.union)[name];
      if (restored !== undefined) state.values = [...restored];
    }
    this.lists.set(name, { mode, state });
    return state;
  }

  /** Flink's "incompatible redistribution mode": a restored list state keeps its mode. */
  private checkMode(name: string, mode: ListMode, snapshot: OperatorStateSnapshot): void {
    const other = mode === 'list' ? snapshot.union : snapshot.list;
    if (Object.hasOwn(other, name)) {
      throw new ConfigurationError(`operator state '${name}' was restored as ${modeName(mode === 'list' ? 'union' : 'list')} state and is now asked for as ${modeName(mode)} state (the redistribution mode of a state cannot change)`);
    }
  }
}
