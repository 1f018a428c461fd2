/**
 * The heap keyed-state backend (Flink's `HeapKeyedStateBackend`): state lives in JS Maps, one
 * table per (state, key group), so a key group's state is one unit that is snapshotted, restored
 * and moved to another subtask on rescale. The operator sets the current key before each record
 * ({@link HeapKeyedStateBackend.setCurrentKey}); every state call then reads or writes that key's
 * entry. Keys are normalised with `keyToMapKey` (arrays become canonical strings) and assigned to
 * key groups with Flink's `KeyGroupRangeAssignment`.
 *
 * Checkpoints (see {@link KeyedStateBackend} for the contract):
 * - **Asynchronous snapshots with copy-on-write** (Flink's `CopyOnWriteStateMap`): the synchronous
 *   phase only pins each key group (O(states) per key group, nothing copied or encoded); until a
 *   part is materialized, the first write of a key keeps its value at the barrier aside, and the
 *   first read of an object value hands out a deep copy. Materializing encodes the pinned view.
 *   Every part must be materialized, or its checkpoint aborted, or the backend disposed: until
 *   then its key group stays in copy-on-write mode.
 * - **Incremental checkpoints** (`snapshot(id, { incremental: true })`): only key groups changed
 *   since the last completed checkpoint get a part: a delta (puts and deletes per state, based on
 *   that checkpoint), or a full part when the key group has no completed base, its chain already
 *   has {@link MAX_DELTA_CHAIN} deltas, or the delta would have at least as many entries as a full
 *   part. Change tracking starts with the first incremental snapshot (which is all full parts);
 *   after a restore, the next incremental snapshot writes full parts again.
 * - **Timers are state**: timer services register their storage ({@link registerTimers}); each
 *   part holds its key group's timers (in a delta, only when they changed, see {@link markChanged}).
 * - **State TTL**: descriptors with a TTL config get Flink's TTL decorators (`lib/state/ttl`) over
 *   this backend's plain state, with the injected clock; `cleanupFullSnapshot` leaves expired
 *   entries out of full parts; `cleanupIncrementally` (or the background default, 5 entries per
 *   access) sweeps the table incrementally.
 *
 * @see org.apache.flink.runtime.state.heap.HeapKeyedStateBackend
 * @see org.apache.flink.runtime.state.heap.CopyOnWriteStateMap
 */
import { AbstractKeyedStateBackend } from './abstract-keyed-state-backend.js';
import { ConfigurationError, RestoreError, SnapshotFormatError } from '../errors.js';
import { systemClock, type Clock } from '../time/clock.js';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor, type StateKind } from './descriptors.js';
import { HeapAggregatingState, HeapListState, HeapMapState, HeapReducingState, HeapValueState, type HeapKeyContext } from './heap/heap-states.js';
import { HeapSnapshotPart, type PinnedState } from './heap/heap-snapshot-part.js';
import { IncrementalTracker, MAX_DELTA_CHAIN } from './heap/incremental-tracker.js';
import { decodeKeyGroupPart } from './key-group-part-format.js';
import { StateTable, type MapKey } from './heap/state-table.js';
import { TtlIncrementalCleanup } from './heap/ttl-cleanup.js';
import { assignToKeyGroup, type KeyGroupRange } from './key-groups.js';
import { keyToMapKey, mapKeyToKey } from './key-hash.js';
import type { AnyKeyedState, KeyGroupSnapshotPart, KeyedSnapshotOptions, KeyedStateBackend, RestoredKeyGroup, TimerStateParticipant } from './keyed-state-backend.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './keyed-state.js';
import { createTtlState, type RawTtlStateDescriptor } from './ttl/ttl-states.js';

export { MAX_DELTA_CHAIN };

/** A state asked for by the operator: its descriptor and the object handed out. */
interface RegisteredState {
  readonly descriptor: StateDescriptor<unknown>;
  readonly state: AnyKeyedState;
}

/** A key group's state after applying its chain. */
interface RestoredGroup {
  readonly kg: number;
  readonly states: Map<string, { kind: StateKind; ttl: boolean; entries: Map<MapKey, unknown> }>;
  readonly timers: Map<string, unknown>;
}

/**
 * Keyed state and timers of one keyed operator subtask on the heap (see the module comment).
 * @example
 * const backend = new HeapKeyedStateBackend(128, KeyGroupRange.of(0, 63), clock);
 * const count = backend.getState(new ValueStateDescriptor<number>('count'));
 * backend.setCurrentKey('user-1');
 * count.update((count.value() ?? 0) + 1);
 * const parts = backend.snapshot(7, { incremental: true }); // at the barrier
 * const bytes = parts.map((p) => p.materialize()); // later, asynchronously
 */
export class HeapKeyedStateBackend extends AbstractKeyedStateBackend implements KeyedStateBackend, HeapKeyContext {
  /** The key as the user returned it. */
  currentKey: unknown = undefined;
  /** Normalised key used in tables. */
  currentMapKey: MapKey = 0;
  /** The current key's key group. */
  currentKeyGroup = 0;
  /** Every state's table, by name: registered ones and restored ones not asked for yet (which snapshots keep). */
  private readonly tables = new Map<string, StateTable>();
  private readonly registered = new Map<string, RegisteredState>();
  private readonly timers = new Map<string, TimerStateParticipant>();
  /** Restored timer data of timer services not registered yet: name → key group → data (snapshots keep it). */
  private readonly pendingTimers = new Map<string, Map<number, unknown>>();
  private readonly tracker: IncrementalTracker;
  /** Parts not materialized yet, with whether they belong to an incremental snapshot. */
  private readonly openParts = new Map<HeapSnapshotPart, boolean>();
  /** Run on every key change (TTL cleanup with `runCleanupForEveryRecord`). */
  private keyListeners: (() => void)[] | undefined = undefined;
  private disposed = false;

  /**
   * @param maxParallelism number of key groups (Flink's max parallelism).
   * @param keyGroupRange the key groups this subtask owns (snapshots cover them; restore ignores others).
   * @param clock processing time for state TTL (default the system clock; pass the job's clock).
   */
  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
    private readonly clock: Clock = systemClock,
  ) {
    super();
    this.tracker = new IncrementalTracker(maxParallelism, keyGroupRange);
  }

  /**
   * Scopes state calls to `key` (hashes it to its key group).
   * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) for keys that are not primitives or arrays of them.
   */
  setCurrentKey(key: unknown): void {
    this.currentKey = key;
    this.currentMapKey = keyToMapKey(key);
    this.currentKeyGroup = assignToKeyGroup(key, this.maxParallelism);
    if (this.keyListeners !== undefined) for (const l of this.keyListeners) l();
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
    const table = this.tables.get(descriptor.name)!;
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

  /**
   * Registers a timer service's storage under `name`; timers restored under that name are handed
   * to it now (if restored earlier) or on a later {@link restore}.
   */
  registerTimers(name: string, participant: TimerStateParticipant): void {
    this.timers.set(name, participant);
    const pending = this.pendingTimers.get(name);
    if (pending !== undefined) {
      this.pendingTimers.delete(name);
      for (const [kg, data] of pending) participant.restoreKeyGroup(kg, data);
    }
  }

  /** Key group `kg`'s timers changed: its next incremental part includes them. */
  markChanged(kg: number): void {
    if (this.tracker.tracking) this.tracker.markTimers(kg);
  }

  /** Number of (state, key) entries, for the state-size metric (expired TTL entries not cleaned up yet count). */
  entryCount(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size();
    return n;
  }

  /**
   * Synchronous phase of checkpoint `checkpointId` (see the module comment): pins and returns the
   * parts to write, whose `materialize()` returns the bytes synchronously (a `Uint8Array`).
   * O(states × key groups) plus the timers' copies; no state entry is copied or encoded.
   * - `incremental: false` (savepoints, full checkpoints): a full part for every key group with
   *   state or timers; the incremental bookkeeping is left alone.
   * - `incremental: true`: parts only for key groups changed since the last completed incremental
   *   checkpoint (all key groups with state on the first one), deltas where possible.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) after {@link dispose}.
   */
  snapshot(checkpointId: number, options: KeyedSnapshotOptions): KeyGroupSnapshotPart[] {
    this.checkUsable();
    const now = this.clock.now();
    const tables = [...this.tables.values()];
    const incremental = options.incremental;
    const tr = this.tracker;
    if (incremental) {
      if (!tr.tracking) {
        tr.start();
        for (const t of tables) t.startTracking();
      }
      tr.closeEpoch(checkpointId, tables);
    }
    const written = new Map<number, number>();
    const base = tr.lastCompleted;
    const parts: HeapSnapshotPart[] = [];
    const onDone = (p: HeapSnapshotPart): void => {
      this.openParts.delete(p);
    };
    for (let kg = this.keyGroupRange.startKeyGroup; kg <= this.keyGroupRange.endKeyGroup; kg++) {
      let kind: 'full' | 'delta' = 'full';
      let mustWrite = false;
      let pinned: PinnedState[] | undefined;
      const len = tr.chainLength(kg);
      if (incremental) {
        const changed = tr.changed(kg);
        if (len < 0 || base === undefined) mustWrite = changed;
        else if (!changed) continue;
        else {
          mustWrite = true;
          if (len < MAX_DELTA_CHAIN) {
            let deltaCount = 0;
            let fullCount = 0;
            const changedTables: [StateTable, ReadonlySet<MapKey>][] = [];
            for (const t of tables) {
              fullCount += t.sizeOf(kg);
              const keys = tr.changedKeys(t.name, kg);
              if (keys === undefined) continue;
              deltaCount += keys.size;
              changedTables.push([t, keys]);
            }
            // A delta only when smaller than the full part (a timers-only change is a delta too).
            if (deltaCount < fullCount || (deltaCount === 0 && fullCount === 0)) {
              kind = 'delta';
              pinned = changedTables.map(([t, keys]) => ({ table: t, log: t.pin(kg), changedKeys: keys }));
            }
          }
        }
      }
      if (kind === 'delta') {
        let timers: [string, unknown][] | null = null;
        // The whole timer data of the key group (null: none), replacing the base's.
        if (tr.timersChanged(kg)) timers = this.timerData(kg, true);
        const part = new HeapSnapshotPart(kg, 'delta', checkpointId, base, pinned!, timers, now, onDone);
        parts.push(part);
        this.openParts.set(part, true);
        written.set(kg, len + 1);
        continue;
      }
      const timers = this.timerData(kg, false);
      const full: PinnedState[] = [];
      for (const t of tables) if (t.sizeOf(kg) > 0) full.push({ table: t, log: t.pin(kg), changedKeys: undefined });
      if (full.length === 0 && timers.length === 0 && !mustWrite) continue;
      const part = new HeapSnapshotPart(kg, 'full', checkpointId, undefined, full, timers, now, onDone);
      parts.push(part);
      this.openParts.set(part, incremental);
      if (incremental) written.set(kg, 0);
    }
    if (incremental) tr.recordSnapshot(checkpointId, written);
    return parts;
  }

  /**
   * Loads key groups, each a chain `[full, delta, …]` oldest first. All chains are decoded and
   * checked before anything is installed. Registered states and timer services get their data now,
   * others when they register. Key groups outside {@link keyGroupRange} are ignored. Restored key
   * groups get no incremental base: the next incremental snapshot writes them in full.
   * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when a part cannot be decoded or a
   *   chain is malformed (not starting with a full part, a delta on an older base than its predecessor).
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a registered state has another kind or TTL setting than the restored one.
   */
  restore(keyGroups: readonly RestoredKeyGroup[]): void {
    this.checkUsable();
    const restored: RestoredGroup[] = [];
    for (const { keyGroup, chain } of keyGroups) {
      if (!this.keyGroupRange.contains(keyGroup) || chain.length === 0) continue;
      restored.push(applyChain(keyGroup, chain));
    }
    const seen = new Map<string, { kind: StateKind; ttl: boolean }>();
    for (const g of restored) {
      for (const [name, s] of g.states) {
        const t = this.tables.get(name);
        if (t !== undefined) checkCompatible(name, s, t.kind, t.hasTtl);
        const other = seen.get(name);
        if (other === undefined) seen.set(name, s);
        else if (other.kind !== s.kind || other.ttl !== s.ttl) throw new SnapshotFormatError(`state '${name}' has different kinds or TTL settings in different key groups`);
      }
    }
    for (const g of restored) {
      const { kg } = g;
      for (const [name, s] of g.states) {
        if (this.tables.has(name)) continue;
        // Not asked for yet: keep it in a table of its own, snapshotted like the others.
        const t = new StateTable(name, s.kind, undefined, this.maxParallelism, s.ttl);
        if (this.tracker.tracking) t.startTracking();
        this.tables.set(name, t);
      }
      for (const [name, t] of this.tables) t.replaceGroup(kg, g.states.get(name)?.entries);
      for (const m of this.pendingTimers.values()) m.delete(kg);
      for (const [name, data] of g.timers) {
        if (data === null || data === undefined) continue;
        const t = this.timers.get(name);
        if (t !== undefined) t.restoreKeyGroup(kg, data);
        else {
          let m = this.pendingTimers.get(name);
          if (m === undefined) this.pendingTimers.set(name, (m = new Map()));
          m.set(kg, data);
        }
      }
      this.tracker.resetKeyGroup(kg);
    }
  }

  /**
   * Checkpoint `checkpointId` completed: when it was an incremental snapshot of this backend, it
   * becomes the base of the next deltas, and parts of earlier incremental snapshots not
   * materialized yet are released (subsumed). Other ids (savepoints, unknown) change nothing.
   */
  notifyCheckpointComplete(checkpointId: number): void {
    if (!this.tracker.complete(checkpointId)) return;
    for (const [part, incremental] of [...this.openParts]) if (incremental && part.checkpoint < checkpointId) part.release('subsumed');
  }

  /** Checkpoint `checkpointId` was aborted: its parts are released; its changes stay pending for the next delta. */
  notifyCheckpointAborted(checkpointId: number): void {
    this.tracker.abort(checkpointId);
    for (const part of [...this.openParts.keys()]) if (part.checkpoint === checkpointId) part.release('aborted');
  }

  /** Releases every pin and all state; the backend is unusable afterwards (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    for (const part of [...this.openParts.keys()]) part.release('disposed');
    this.disposed = true;
    this.tables.clear();
    this.registered.clear();
    this.timers.clear();
    this.pendingTimers.clear();
    this.pendingTimers.clear();
    this.keyListeners = undefined;
  }

  private checkUsable(): void {
    if (this.disposed) throw new ConfigurationError('keyed state backend was disposed');
  }

  /**
   * Timer data of key group `kg` per timer service (registered ones, and restored data of ones not
   * registered yet). `withEmpty`: also list services without timers there, as `null`.
   */
  private timerData(kg: number, withEmpty: boolean): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [name, t] of this.timers) {
      const data = t.snapshotKeyGroup(kg);
      if (data !== undefined && data !== null) out.push([name, data]);
      else if (withEmpty) out.push([name, null]);
    }
    for (const [name, m] of this.pendingTimers) {
      const data = m.get(kg);
      if (data !== undefined) out.push([name, data]);
      else if (withEmpty) out.push([name, null]);
    }
    return out;
  }

  protected getOrCreate(d: StateDescriptor<unknown>): AnyKeyedState {
    const existing = this.registered.get(d.name);
    const ttl = d.ttlConfig;
    if (existing !== undefined) {
      if (existing.descriptor.kind !== d.kind) {
        throw new ConfigurationError(`state '${d.name}' was registered as ${existing.descriptor.kind} state and is now asked for as ${d.kind} state`);
      }
      if ((existing.descriptor.ttlConfig === undefined) !== (ttl === undefined)) {
        throw new ConfigurationError(`state '${d.name}' was registered ${ttl === undefined ? 'with' : 'without'} a TTL and is now asked for ${ttl === undefined ? 'without' : 'with'} one`);
      }
      return existing.state;
    }
    this.checkUsable();
    if (!KIND_OF.has(d.kind)) throw new ConfigurationError(`unsupported state descriptor kind '${d.kind}' for '${d.name}'`);
    let table = this.tables.get(d.name);
    if (table !== undefined) {
      // Restored before it was asked for.
      checkCompatible(d.name, { kind: table.kind, ttl: table.hasTtl }, d.kind, ttl !== undefined);
      table.ttl = ttl;
    } else {
      table = new StateTable(d.name, d.kind, ttl, this.maxParallelism, ttl !== undefined);
      if (this.tracker.tracking) table.startTracking();
      this.tables.set(d.name, table);
    }
    let state: AnyKeyedState;
    if (ttl === undefined) state = this.plainState(d, table);
    else {
      const inc = ttl.incrementalCleanup;
      const cleanup = inc === undefined ? undefined : new TtlIncrementalCleanup(table, this.keyGroupRange, ttl.ttl, inc.cleanupSize, this.clock);
      const run = cleanup === undefined ? undefined : (): void => cleanup.run();
      const t = table;
      state = createTtlState((raw: RawTtlStateDescriptor) => this.plainState(raw as StateDescriptor<unknown>, t), d, this.clock, run);
      if (run !== undefined && inc!.runCleanupForEveryRecord) (this.keyListeners ??= []).push(run);
    }
    this.registered.set(d.name, { descriptor: d, state });
    return state;
  }

  /** The plain (non-TTL) heap state for `d` over `table`. */
  private plainState(d: StateDescriptor<unknown>, table: StateTable): AnyKeyedState {
    if (d instanceof ValueStateDescriptor) return new HeapValueState(this, table, d.defaultValue);
    if (d instanceof ListStateDescriptor) return new HeapListState(this, table as StateTable<unknown[]>);
    if (d instanceof MapStateDescriptor) return new HeapMapState(this, table as StateTable<Map<MapKey, [unknown, unknown]>>);
    if (d instanceof ReducingStateDescriptor) {
      const f = d.reduceFunction;
      const reduce = typeof f === 'function' ? f : (a: unknown, b: unknown) => f.reduce(a, b);
      return new HeapReducingState(this, table, reduce as (a: unknown, b: unknown) => unknown);
    }
    if (d instanceof AggregatingStateDescriptor) return new HeapAggregatingState(this, table, (d as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction);
    throw new ConfigurationError(`unsupported state descriptor kind '${d.kind}' for '${d.name}'`);
  }
}

const KIND_OF: ReadonlySet<string> = new Set(['value', 'list', 'map', 'reducing', 'aggregating']);

/** @throws RestoreError when restored state `name` does not match the registered kind or TTL setting. */
function checkCompatible(name: string, restored: { kind: StateKind; ttl: boolean }, kind: StateKind, ttl: boolean): void {
  if (restored.kind !== kind) throw new RestoreError(`state '${name}' was snapshotted as ${restored.kind} state and is registered as ${kind} state`);
  if (restored.ttl !== ttl) {
    throw new RestoreError(`state '${name}' was snapshotted ${restored.ttl ? 'with' : 'without'} a TTL and is registered ${ttl ? 'with' : 'without'} one (enabling or disabling TTL on restored state is not supported, as in Flink)`);
  }
}

/**
 * Decodes one key group's chain and applies it in order.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for an undecodable part or a malformed chain.
 */
function applyChain(kg: number, chain: readonly Uint8Array[]): RestoredGroup {
  const states: RestoredGroup['states'] = new Map();
  let timers = new Map<string, unknown>();
  let prevCp = -Infinity;
  chain.forEach((bytes, i) => {
    const part = decodeKeyGroupPart(bytes, kg);
    if (i === 0 && part.kind !== 'full') throw new SnapshotFormatError(`key group ${kg}: restore chain starts with a delta (of checkpoint ${part.cp}), not a full part`);
    if (part.kind === 'delta' && part.base! < prevCp) {
      throw new SnapshotFormatError(`key group ${kg}: delta of checkpoint ${part.cp} is based on checkpoint ${String(part.base)}, older than the previous part's checkpoint ${prevCp} (chain out of order)`);
    }
    prevCp = part.cp;
    if (part.kind === 'full') states.clear();
    for (const [name, kind, ttl, puts, deletes, fixes] of part.states) {
      let s = states.get(name);
      if (s === undefined) {
        // Decoded maps are fresh: the first section's puts become the entries.
        states.set(name, (s = { kind, ttl, entries: puts as Map<MapKey, unknown> }));
      } else {
        if (s.kind !== kind || s.ttl !== ttl) throw new SnapshotFormatError(`key group ${kg}: state '${name}' changes kind or TTL setting within one chain`);
        for (const [k, v] of puts) s.entries.set(k, v);
      }
      for (const k of deletes) s.entries.delete(k);
      for (const [k, v] of fixes) s.entries.set(k, v);
    }
    if (part.timers !== null) timers = new Map(part.timers);
  });
  for (const [name, s] of states) if (s.entries.size === 0) states.delete(name);
  return { kg, states, timers };
}

export { ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor };
