/**
 * The in-memory {@link OperatorStateStore} of one operator subtask (Flink's
 * DefaultOperatorStateBackend): list, union-list and broadcast states by name. Snapshots copy the
 * lists in the synchronous phase (they are small: offsets, committables, rules); restore takes the
 * redistributed lists the runtime computed for this subtask.
 *
 * @see org.apache.flink.runtime.state.DefaultOperatorStateBackend
 */
import { ConfigurationError } from '../errors.js';
import { HeapBroadcastState, type BroadcastState } from './broadcast-state.js';
import type { ListStateDescriptor, MapStateDescriptor } from './descriptors.js';
import type { ListState } from './keyed-state.js';
import type { OperatorStateSnapshot, OperatorStateStore } from './operator-state-store.js';

class HeapOperatorListState<T> implements ListState<T> {
  values: T[] = [];
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

export class HeapOperatorStateStore implements OperatorStateStore {
  private readonly lists = new Map<string, { mode: 'list' | 'union'; state: HeapOperatorListState<unknown> }>();
  private readonly broadcasts = new Map<string, HeapBroadcastState<unknown, unknown>>();
  private restored: OperatorStateSnapshot | undefined;

  /** True when {@link restore} was called (Flink's `isRestored()`). */
  get isRestored(): boolean {
    return this.restored !== undefined;
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name is a union list state. */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.list(d.name, 'list') as ListState<T>;
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name is an even-split list state. */
  getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.list(d.name, 'union') as ListState<T>;
  }

  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    let s = this.broadcasts.get(d.name);
    if (s === undefined) {
      s = new HeapBroadcastState(d as MapStateDescriptor<unknown, unknown>);
      for (const [k, v] of this.restored?.broadcast[d.name] ?? []) s.put(k, v);
      this.broadcasts.set(d.name, s);
    }
    return s as unknown as BroadcastState<K, V>;
  }

  /** Synchronous-phase copy of every state (empty states included, so restore sees the names). */
  snapshot(): OperatorStateSnapshot {
    const out: OperatorStateSnapshot = { list: {}, union: {}, broadcast: {} };
    for (const [name, { mode, state }] of this.lists) (mode === 'list' ? out.list : out.union)[name] = state.values.slice();
    for (const [name, s] of this.broadcasts) out.broadcast[name] = s.immutableEntries();
    // State restored but not asked for again is kept, so it survives one more checkpoint.
    if (this.restored !== undefined) {
      for (const [name, v] of Object.entries(this.restored.list)) if (!this.lists.has(name)) out.list[name] = v;
      for (const [name, v] of Object.entries(this.restored.union)) if (!this.lists.has(name)) out.union[name] = v;
      for (const [name, v] of Object.entries(this.restored.broadcast)) if (!this.broadcasts.has(name)) out.broadcast[name] = v;
    }
    return out;
  }

  /** Whether nothing is stored. */
  isEmpty(): boolean {
    const s = this.snapshot();
    return Object.keys(s.list).length === 0 && Object.keys(s.union).length === 0 && Object.keys(s.broadcast).length === 0;
  }

  /** Loads this subtask's share (already redistributed); call before the operator asks for its states. */
  restore(snapshot: OperatorStateSnapshot): void {
    this.restored = snapshot;
    for (const [name, { mode, state }] of this.lists) state.values = [...((mode === 'list' ? snapshot.list : snapshot.union)[name] ?? [])];
    for (const [name, s] of this.broadcasts) {
      s.clear();
      for (const [k, v] of snapshot.broadcast[name] ?? []) s.put(k, v);
    }
  }

  private list(name: string, mode: 'list' | 'union'): HeapOperatorListState<unknown> {
    const existing = this.lists.get(name);
    if (existing !== undefined) {
      if (existing.mode !== mode) throw new ConfigurationError(`operator state '${name}' was registered as ${existing.mode === 'list' ? 'list' : 'union list'} state and is now asked for as ${mode === 'list' ? 'list' : 'union list'} state`);
      return existing.state;
    }
    const state = new HeapOperatorListState<unknown>();
    const restored = this.restored === undefined ? undefined : (mode === 'list' ? this.restored.list : this.restored.union)[name];
    if (restored !== undefined) state.values = [...restored];
    this.lists.set(name, { mode, state });
    return state;
  }
}
