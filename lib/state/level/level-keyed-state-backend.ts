/**
 * The LevelDB keyed-state backend (the role of Flink's `RocksDBKeyedStateBackend`): the keyed state
 * of one keyed operator subtask in its own LevelDB database, behind an in-memory write buffer, read
 * synchronously with `getSync`; timers stay on the heap (Flink's RocksDB backend with the HEAP
 * timer service) and are written into each key group's part.
 *
 * Layout: key-codec.ts (rows `[state id][key group][key]`), value-codec.ts (row values),
 * row-store.ts (write buffer, read cache, reads), row-ops.ts (counted writes, map index rows),
 * level-states.ts (the state objects), change-tracker.ts (incremental checkpoints),
 * snapshot-view.ts (asynchronous phase; parts in the format shared with the heap backend,
 * lib/state/heap/key-group-part-format.ts), sync-key-scanner.ts (`applyToAllKeys`).
 *
 * State TTL: descriptors with a TTL config get the decorators of lib/state/ttl over this backend's
 * plain state (rows hold the `TtlValue` layouts); expired entries are cleaned up on access and,
 * with `cleanupFullSnapshot`, left out of full parts (no background cleanup, as documented in
 * state-ttl-config.ts).
 *
 * @see org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackend
 */
import { AbstractKeyedStateBackend } from '../abstract-keyed-state-backend.js';
import { rmSync } from 'node:fs';
import { ConfigurationError, RestoreError, SnapshotFormatError } from '../../errors.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor, type StateKind } from '../descriptors.js';
import { decodeKeyGroupPart, type KeyGroupPartData } from '../key-group-part-format.js';
import { assignToKeyGroup, type KeyGroupRange } from '../key-groups.js';
import { keyToMapKey, mapKeyToKey } from '../key-hash.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../keyed-state.js';
import type { AnyKeyedState, KeyGroupSnapshotPart, KeyedSnapshotOptions, KeyedStateBackend, RestoredKeyGroup, TimerStateParticipant } from '../keyed-state-backend.js';
import { createTtlState, type RawTtlStateDescriptor } from '../ttl/ttl-states.js';
import { ChangeTracker, type PlannedPart } from './change-tracker.js';
import { decodeKey, encodeKey, MAX_STATE_ID, rowKeyGroup, rowPrefix, rowStateId, skipKey, type MapKey } from './key-codec.js';
import { LevelAggregatingState, LevelListState, LevelMapState, LevelReducingState, LevelValueState, type StateScope } from './level-states.js';
import { RowOps } from './row-ops.js';
import { RowStore, type RowStoreOptions } from './row-store.js';
import { SnapshotView, type ViewState } from './snapshot-view.js';
import { SyncKeyScanner } from './sync-key-scanner.js';
import { encodeList, encodeValue } from './value-codec.js';
import { encodeState } from '../state-codec.js';

/** Settings of one {@link LevelKeyedStateBackend}; {@link LevelDBStateBackend} fills them from its options. */
export interface LevelKeyedStateBackendSettings extends RowStoreOptions {
  /** Track changes for incremental checkpoints. */
  readonly incremental: boolean;
  /** Most changed row keys tracked (memory bound of incremental checkpoints). */
  readonly maxTrackedRows: number;
  /** Deltas after a full part before a key group is written full again. */
  readonly maxDeltasPerChain: number;
  /** Processing time, for state TTL (default the system clock). */
  readonly clock?: Clock;
}

/** One registered (or restored, not yet registered) state. */
interface StateEntry {
  readonly id: number;
  readonly name: string;
  /** The descriptor's kind (rows of reducing and aggregating state are laid out as value state). */
  readonly kind: StateKind;
  /** Whether values are stored in the TTL layouts (`TtlValue`s, lib/state/ttl). */
  readonly ttl: boolean;
  /** Row prefix per key group, built on first use. */
  readonly prefixes: (string | undefined)[];
  /** The user's descriptor, once asked for. */
  descriptor?: StateDescriptor<unknown>;
  state?: AnyKeyedState;
}

/**
 * The keyed state (and keyed timers) of one keyed operator subtask in LevelDB; see the module
 * comment. Created by {@link LevelDBStateBackend.createKeyedStateBackend}.
 *
 * @example
 * const backend = new LevelDBStateBackend({ incremental: true }).createKeyedStateBackend(params);
 * const count = backend.getState(new ValueStateDescriptor<number>('count', 0));
 * backend.setCurrentKey('user-1');
 * count.update(count.value()! + 1);
 * const parts = backend.snapshot(1, { incremental: true }); // at the barrier
 * const bytes = await Promise.all(parts.map((p) => p.materialize())); // meanwhile, records go on
 * backend.notifyCheckpointComplete(1);
 * await backend.dispose();
 */
export class LevelKeyedStateBackend extends AbstractKeyedStateBackend implements KeyedStateBackend, StateScope {
  /** The key as the user returned it. */
  currentKey: unknown = undefined;
  /** Normalised key. */
  currentMapKey: MapKey = 0;
  currentKeyGroup = 0;
  /** Encoded current key (key-codec.ts), computed on first use per key. */
  private currentEncoded: string | undefined;

  private readonly store: RowStore;
  private readonly ops: RowOps;
  private readonly tracker: ChangeTracker | undefined;
  private readonly states = new Map<string, StateEntry>();
  private readonly statesById: StateEntry[] = [];
  private readonly timers = new Map<string, TimerStateParticipant>();
  /** Restored timers of services not registered yet: name → key group → data (kept in snapshots). */
  private readonly pendingTimers = new Map<string, Map<number, unknown>>();
  private readonly clock: Clock;
  /** Open snapshot views → whether their snapshot was incremental. */
  private readonly views = new Map<SnapshotView, boolean>();
  private scanner: SyncKeyScanner | undefined;
  /** Ids from 1; rows of a state start with its id. */
  private nextStateId = 1;
  private disposed: Promise<void> | undefined;

  /**
   * Opens (asynchronously) a new database at `settings.location`; state calls work at once (until
   * the database is open, everything stays in the write buffer).
   * @param maxParallelism number of key groups (Flink's max parallelism), at most 32768.
   * @param keyGroupRange the key groups this subtask owns.
   * @param settings see {@link LevelKeyedStateBackendSettings}.
   */
  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
    private readonly settings: LevelKeyedStateBackendSettings,
  ) {
    super();
    this.clock = settings.clock ?? systemClock;
    this.store = new RowStore(settings);
    this.tracker = settings.incremental ? new ChangeTracker(settings.maxTrackedRows, settings.maxDeltasPerChain) : undefined;
    this.ops = new RowOps(this.store, this.tracker, maxParallelism);
  }

  /** Directory of the working database (removed by {@link dispose}). */
  get location(): string {
    return this.settings.location;
  }

  /**
   * Scopes state calls to `key` (hashes it to its key group).
   * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) for keys that are not primitives or arrays of them.
   */
  setCurrentKey(key: unknown): void {
    this.currentMapKey = keyToMapKey(key);
    this.currentKeyGroup = assignToKeyGroup(key, this.maxParallelism);
    this.currentKey = key;
    this.currentEncoded = undefined;
  }

  /** Row key of the current key in state `stateId` (hot path). */
  rowKey(stateId: number): string {
    const e = this.statesById[stateId]!;
    const kg = this.currentKeyGroup;
    const prefix = e.prefixes[kg] ?? (e.prefixes[kg] = rowPrefix(stateId, kg));
    return prefix + (this.currentEncoded ?? (this.currentEncoded = encodeKey(this.currentMapKey)));
  }

  /**
   * Calls `fn(key, state)` for every key of this subtask with a value in `descriptor`'s state, with
   * that key as the current key (Flink's `KeyedStateBackend.applyToAllKeys`). The keys are listed
   * first (so `fn` may change or clear state); the current key is restored afterwards. Keys come
   * back as `mapKeyToKey` decodes them. Listing the keys blocks the thread while a helper worker
   * thread scans LevelDB (Node has no synchronous LevelDB iteration); the buffered rows are merged in.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name was registered as another kind.
   * @throws LevelStateError (`WEIR_ERR_LEVEL_STATE`) when the scan fails.
   */
  applyToAllKeys<S>(descriptor: StateDescriptor<unknown>, fn: (key: unknown, state: S) => void): void {
    const state = this.getStateByDescriptor(descriptor) as S;
    const entry = this.states.get(descriptor.name)!;
    const keys = this.listKeys(entry);
    const saved = { key: this.currentKey, mapKey: this.currentMapKey, kg: this.currentKeyGroup, enc: this.currentEncoded };
    try {
      for (const [kg, enc] of keys) {
        const mapKey = decodeKey(enc, 0);
        const key = mapKeyToKey(mapKey);
        this.currentKey = key;
        this.currentMapKey = mapKey;
        this.currentKeyGroup = kg;
        this.currentEncoded = enc;
        fn(key, state);
      }
    } finally {
      this.currentKey = saved.key;
      this.currentMapKey = saved.mapKey;
      this.currentKeyGroup = saved.kg;
      this.currentEncoded = saved.enc;
    }
  }

  /** (key group, encoded key) of every key with a value in `entry`'s state, in key-group order. */
  private listKeys(entry: StateEntry): [number, string][] {
    this.store.check();
    const range = this.keyGroupRange;
    if (range.numberOfKeyGroups === 0) return [];
    const found = new Map<string, boolean>();
    if (this.store.isDbReady) {
      this.scanner ??= new SyncKeyScanner(this.settings.location);
      const from = rowPrefix(entry.id, range.startKeyGroup);
      const to = range.endKeyGroup + 1 >= 0x10000 ? rowPrefix(entry.id + 1, 0) : rowPrefix(entry.id, range.endKeyGroup + 1);
      for (const k of this.scanner.scan(from, to, entry.kind === 'map')) found.set(k, true);
    }
    this.store.forEachBuffered((k, present) => {
      if (k.length <= 4 || rowStateId(k) !== entry.id || !range.contains(rowKeyGroup(k))) return;
      if (entry.kind === 'map' && !isIndexRow(k)) return;
      found.set(k, present);
    });
    const out: [number, string][] = [];
    for (const [k, present] of found) if (present) out.push([rowKeyGroup(k), k.slice(4)]);
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Registers a timer service's storage; timers restored under `name` are handed over now. */
  registerTimers(name: string, participant: TimerStateParticipant): void {
    this.timers.set(name, participant);
    const pending = this.pendingTimers.get(name);
    if (pending !== undefined) {
      this.pendingTimers.delete(name);
      for (const [kg, data] of pending) participant.restoreKeyGroup(kg, data);
    }
  }

  /** Timer data of key group `kg` per timer service (registered ones, and restored ones not registered yet). */
  private timerData(kg: number): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [name, t] of this.timers) {
      const data = t.snapshotKeyGroup(kg);
      if (data !== undefined && data !== null) out.push([name, data]);
    }
    for (const [name, m] of this.pendingTimers) {
      const data = m.get(kg);
      if (data !== undefined) out.push([name, data]);
    }
    return out;
  }

  /** Marks key group `kg` changed for the next incremental checkpoint (a timer was added or removed). */
  markChanged(kg: number): void {
    this.tracker?.keyGroupChanged(kg);
  }

  /** Number of (state, key) entries (exact), for the state-size metric. */
  entryCount(): number {
    return this.ops.total();
  }

  /**
   * Back-pressure hint for the caller's mailbox: a promise to await before processing more records
   * when the write buffer outran LevelDB (more than `maxBufferedBytes` buffered), else undefined.
   */
  writeStall(): Promise<void> | undefined {
    return this.store.writeStall();
  }

  /** Bytes in the write buffer (for metrics and tests). */
  get bufferedBytes(): number {
    return this.store.bufferedBytes;
  }

  /** Writes the whole write buffer to LevelDB (tests, benchmarks; never needed for correctness). */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /**
   * Synchronous phase of checkpoint `checkpointId`: freezes the write buffer and takes a LevelDB
   * snapshot (O(1) in the state size), captures the timers of the key groups to write, and returns
   * their parts; each part's `materialize()` reads that view asynchronously (a `Promise`), in the
   * part format shared with the heap backend (see snapshot-view.ts).
   * - Full (`incremental: false`): a `'full'` part per key group with state or timers.
   * - Incremental without a completed base (first checkpoint, or first after a restore): a `'full'`
   *   part for every key group of the range, empty ones included (in an incremental checkpoint a
   *   missing key group means "unchanged", so an emptied key group must be written).
   * - Incremental: per key group changed since the base (the last completed incremental
   *   checkpoint), a `'delta'` part, or a `'full'` one when the key group has no chain in the base,
   *   its chain has `maxDeltasPerChain` deltas, or it changed too much to be tracked.
   * Every part should be materialized, or its checkpoint aborted: until then the view pins a
   * LevelDB snapshot and the frozen write-buffer layers.
   * @throws LevelStateError (`WEIR_ERR_LEVEL_STATE`) when LevelDB failed earlier or after dispose.
   */
  snapshot(checkpointId: number, options: KeyedSnapshotOptions): KeyGroupSnapshotPart[] {
    this.store.check();
    const timers = new Map<number, [string, unknown][]>();
    const timersOf = (kg: number): [string, unknown][] => {
      let t = timers.get(kg);
      if (t === undefined) timers.set(kg, (t = this.timerData(kg)));
      return t;
    };
    let plan: PlannedPart[];
    const incremental = this.tracker !== undefined && options.incremental;
    if (incremental && this.tracker!.baseCheckpointId !== undefined) {
      plan = this.tracker!.snapshot(checkpointId, { kind: 'incremental' });
    } else {
      const kgs: number[] = [];
      for (const kg of this.keyGroupRange) if (incremental || this.ops.counts[kg]! > 0 || timersOf(kg).length > 0) kgs.push(kg);
      plan = kgs.map((kg) => ({ keyGroup: kg, kind: 'full' as const }));
      this.tracker?.snapshot(checkpointId, incremental ? { kind: 'full-base', keyGroups: kgs } : { kind: 'savepoint' });
    }
    const capture = this.store.capture();
    const viewStates: ViewState[] = [];
    for (const e of this.statesById) {
      if (e === undefined) continue;
      const ttl = e.descriptor?.ttlConfig;
      viewStates.push({ id: e.id, name: e.name, kind: e.kind, ttl: e.ttl, cleanupTtl: ttl?.cleanupFullSnapshot === true ? ttl.ttl : undefined });
    }
    const view = new SnapshotView(this.store.db, capture, viewStates, checkpointId, this.clock.now(), plan.length, (v) => this.views.delete(v));
    if (plan.length > 0) this.views.set(view, incremental);
    return plan.map((p) => {
      const t = timersOf(p.keyGroup);
      let result: Promise<Uint8Array> | undefined;
      const materialize = (): Promise<Uint8Array> =>
        (result ??= (async () => {
          try {
            const data = p.kind === 'full' ? await view.fullPart(p.keyGroup, t) : await view.deltaPart(p.keyGroup, p.baseCheckpointId!, p.changed ?? [], t);
            return encodeState(data);
          } finally {
            view.release();
          }
        })());
      return p.kind === 'full' ? { keyGroup: p.keyGroup, kind: 'full', materialize } : { keyGroup: p.keyGroup, kind: 'delta', baseCheckpointId: p.baseCheckpointId!, materialize };
    });
  }

  /**
   * Loads key groups, each a chain `[full, delta…]` oldest first (parts of this backend or of the
   * heap backend: the format is shared), applied in order through the write buffer, which is
   * written to LevelDB as it fills, so memory stays bounded by the largest part. Key groups outside
   * {@link keyGroupRange} are ignored. States not asked for yet get their rows now and see them
   * when asked for; timers go to their service now or when it registers (and are kept in snapshots
   * meanwhile). The next incremental checkpoint after a restore is a full one. Meant for an empty
   * backend, before the first record.
   *
   * Each key group's chain is checked before it is applied; a bad part in a later key group fails
   * the restore after earlier ones were loaded (the backend is then discarded).
   * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when a part is not a keyed-state part
   *   (undecodable, another format version or key group, malformed), a chain starts with a delta or
   *   is out of order, or a state changes kind or TTL setting between parts.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a state was asked for with another kind or TTL
   *   setting than the snapshot's.
   */
  async restore(keyGroups: readonly RestoredKeyGroup[]): Promise<void> {
    await this.store.whenOpen();
    for (const { keyGroup: kg, chain } of keyGroups) {
      if (!this.keyGroupRange.contains(kg) || chain.length === 0) continue;
      const parts = checkedChain(kg, chain);
      let from = 0;
      parts.forEach((p, i) => {
        if (p.kind === 'full') from = i; // a full part replaces what came before it
      });
      let timers: [string, unknown][] = [];
      let n = 0;
      for (const part of parts.slice(from)) {
        for (const [name, kind, ttl, puts, deletes, fixes] of part.states) {
          const e = this.restoredState(name, kind, ttl);
          for (const [k, v] of puts) {
            this.restoreEntry(e, kg, k, v);
            if ((++n & 1023) === 0 && this.store.bufferedBytes > this.settings.writeBufferBytes) await this.store.flushed();
          }
          for (const k of deletes) this.restoreEntry(e, kg, k, undefined);
          for (const [k, v] of fixes) this.restoreEntry(e, kg, k, v);
        }
        if (part.timers !== null) timers = part.timers;
        if (this.store.bufferedBytes > this.settings.writeBufferBytes) await this.store.flushed();
      }
      for (const m of this.pendingTimers.values()) m.delete(kg);
      for (const [name, data] of timers) {
        if (data === null || data === undefined) continue;
        const t = this.timers.get(name);
        if (t !== undefined) t.restoreKeyGroup(kg, data);
        else {
          let m = this.pendingTimers.get(name);
          if (m === undefined) this.pendingTimers.set(name, (m = new Map()));
          m.set(kg, data);
        }
      }
    }
    this.tracker?.reset();
  }

  /** Checkpoint `checkpointId` completed: an incremental one becomes the base of the next deltas; views of older incremental snapshots not being written are released. */
  notifyCheckpointComplete(checkpointId: number): void {
    this.tracker?.complete(checkpointId);
    for (const [view, incremental] of [...this.views]) if (incremental && view.checkpointId < checkpointId && !view.inUse) view.abandon();
  }

  /** Checkpoint `checkpointId` was aborted: its view is released; its changes stay pending for the next delta. */
  notifyCheckpointAborted(checkpointId: number): void {
    this.tracker?.abort(checkpointId);
    for (const view of [...this.views.keys()]) if (view.checkpointId === checkpointId) view.abandon();
  }

  /**
   * Releases snapshot views, stops the scan worker, closes the database (waiting for background
   * writes) and removes its directory; idempotent. The backend is unusable afterwards.
   */
  dispose(): Promise<void> {
    return (this.disposed ??= (async () => {
      for (const view of [...this.views.keys()]) view.abandon();
      await this.scanner?.close();
      try {
        await this.store.close();
      } finally {
        rmSync(this.settings.location, { recursive: true, force: true });
      }
    })());
  }

  /** Row key of `key` (normalised) in state `e`, key group `kg`. */
  private restoredRowKey(e: StateEntry, kg: number, key: MapKey): string {
    return (e.prefixes[kg] ??= rowPrefix(e.id, kg)) + encodeKey(key);
  }

  /** Sets one restored entry to `stored` (the heap layout), or deletes it with `undefined`. */
  private restoreEntry(e: StateEntry, kg: number, key: MapKey, stored: unknown): void {
    const rk = this.restoredRowKey(e, kg, key);
    if (e.kind === 'map') {
      this.ops.mapClear(kg, rk);
      if (stored === undefined) return;
      if (!(stored instanceof Map)) throw new SnapshotFormatError(`key group ${kg}: map state '${e.name}' holds a value that is not a Map`);
      for (const [mk, entry] of stored as Map<MapKey, unknown>) {
        if (!Array.isArray(entry) || entry.length !== 2) throw new SnapshotFormatError(`key group ${kg}: map state '${e.name}' holds a malformed entry`);
        this.ops.mapPut(kg, rk, encodeKey(mk), encodeValue(entry));
      }
    } else if (stored === undefined) {
      this.ops.setCounted(kg, rk, null);
    } else if (e.kind === 'list') {
      if (!Array.isArray(stored)) throw new SnapshotFormatError(`key group ${kg}: list state '${e.name}' holds a value that is not an array`);
      this.ops.setCounted(kg, rk, stored.length === 0 ? null : encodeList(stored));
    } else {
      this.ops.setCounted(kg, rk, encodeValue(stored));
    }
  }

  /** The state a part names, registered now (without descriptor) when unknown. */
  private restoredState(name: string, kind: StateKind, ttl: boolean): StateEntry {
    const e = this.states.get(name);
    if (e === undefined) return this.register(name, kind, ttl);
    if (e.kind !== kind || e.ttl !== ttl) {
      const what = `state '${name}' is ${e.kind} state ${e.ttl ? 'with' : 'without'} TTL here and ${kind} state ${ttl ? 'with' : 'without'} TTL in the snapshot`;
      if (e.descriptor !== undefined) throw new RestoreError(`${what} (changing the kind or enabling or disabling TTL of restored state is not supported, as in Flink)`);
      throw new SnapshotFormatError(`${what}: the snapshot is inconsistent`);
    }
    return e;
  }

  private register(name: string, kind: StateKind, ttl: boolean): StateEntry {
    const id = this.nextStateId++;
    if (id >= MAX_STATE_ID) throw new ConfigurationError(`too many keyed states in one operator (at most ${MAX_STATE_ID - 1})`);
    const e: StateEntry = { id, name, kind, ttl, prefixes: new Array(this.maxParallelism) };
    this.statesById[id] = e;
    this.states.set(name, e);
    return e;
  }

  /**
   * The state object of `d`: created on first use (wrapped with the TTL decorators of
   * lib/state/ttl when `d` has a TTL config), the same object afterwards.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name is in use for another kind or TTL setting.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when restored state of that name has another kind or TTL setting.
   */
  protected getOrCreate(d: StateDescriptor<unknown>): AnyKeyedState {
    const ttl = d.ttlConfig;
    let e = this.states.get(d.name);
    if (e !== undefined) {
      if (e.kind !== d.kind || e.ttl !== (ttl !== undefined)) {
        const what = `state '${d.name}' was ${e.descriptor === undefined ? 'restored' : 'registered'} as ${e.kind} state ${e.ttl ? 'with' : 'without'} TTL and is now asked for as ${d.kind} state ${ttl !== undefined ? 'with' : 'without'} TTL`;
        if (e.descriptor === undefined) throw new RestoreError(`${what} (changing the kind or enabling or disabling TTL of restored state is not supported, as in Flink)`);
        throw new ConfigurationError(what);
      }
      if (e.state !== undefined) return e.state;
    } else {
      if (!KINDS.has(d.kind)) throw new ConfigurationError(`unsupported state descriptor kind '${d.kind}' for '${d.name}'`);
      e = this.register(d.name, d.kind, ttl !== undefined);
    }
    const id = e.id;
    const state = ttl === undefined ? this.plainState(d, id) : createTtlState((raw: RawTtlStateDescriptor) => this.plainState(raw as StateDescriptor<unknown>, id), d, this.clock);
    e.descriptor = d;
    e.state = state;
    return state;
  }

  /** The plain (non-TTL) state of `d` over the rows of state `id`. */
  private plainState(d: StateDescriptor<unknown>, id: number): AnyKeyedState {
    if (d instanceof ValueStateDescriptor) return new LevelValueState(this, this.ops, id, d.defaultValue);
    if (d instanceof ListStateDescriptor) return new LevelListState(this, this.ops, id);
    if (d instanceof MapStateDescriptor) return new LevelMapState(this, this.ops, id);
    if (d instanceof ReducingStateDescriptor) {
      const f = d.reduceFunction;
      const reduce = (typeof f === 'function' ? f : (a: unknown, b: unknown) => f.reduce(a, b)) as (a: unknown, b: unknown) => unknown;
      return new LevelReducingState(this, this.ops, id, reduce);
    }
    if (d instanceof AggregatingStateDescriptor) return new LevelAggregatingState(this, this.ops, id, d as AggregatingStateDescriptor<unknown, unknown, unknown>);
    throw new ConfigurationError(`unsupported state descriptor kind '${d.kind}' for '${d.name}'`);
  }
}

const KINDS: ReadonlySet<string> = new Set<StateKind>(['value', 'list', 'map', 'reducing', 'aggregating']);

/**
 * Decodes the parts of one key group's chain and checks the chain: a full part first, deltas in
 * checkpoint order (as the heap backend checks).
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) otherwise.
 */
function checkedChain(kg: number, chain: readonly Uint8Array[]): KeyGroupPartData[] {
  let prevCp = -Infinity;
  return chain.map((bytes, i) => {
    const part = decodeKeyGroupPart(bytes, kg);
    if (i === 0 && part.kind !== 'full') throw new SnapshotFormatError(`key group ${kg}: restore chain starts with a delta (of checkpoint ${part.cp}), not a full part`);
    if (part.kind === 'delta' && part.base! < prevCp) {
      throw new SnapshotFormatError(`key group ${kg}: delta of checkpoint ${part.cp} is based on checkpoint ${String(part.base)}, older than the previous part's checkpoint ${prevCp} (chain out of order)`);
    }
    prevCp = part.cp;
    return part;
  });
}

/** Whether a map-state row key is the index row (the key alone, no map key after it). */
function isIndexRow(k: string): boolean {
  return skipKey(k, 4) === k.length;
}
