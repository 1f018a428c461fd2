/**
 * The keyed-state backend contract (Flink's `KeyedStateBackend` / `CheckpointableKeyedStateBackend`),
 * implemented by the heap backend ({@link HeapKeyedStateBackend}, default) and the LevelDB backend.
 *
 * One backend instance holds the keyed state **and the keyed timers** of one keyed operator in one
 * subtask, split by key group: the key groups of {@link keyGroupRange}, each one unit that is
 * snapshotted, restored and (on rescale) moved on its own. State calls are synchronous and scoped to
 * the current key ({@link setCurrentKey}); the operator's mailbox thread is the only caller.
 *
 * Snapshots follow Flink's asynchronous snapshotting: {@link snapshot} is the **synchronous phase**,
 * run at the checkpoint barrier between two records; it returns, per key group to write, a part whose
 * {@link KeyGroupSnapshotPart.materialize} is the **asynchronous phase** and must produce the bytes of
 * the state as it was at the barrier, whatever the operator does meanwhile.
 *
 * @see org.apache.flink.runtime.state.CheckpointableKeyedStateBackend
 * @see org.apache.flink.runtime.state.KeyGroupsStateHandle
 */
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor } from './descriptors.js';
import type { KeyGroupRange } from './key-groups.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './keyed-state.js';

/** Any state object a descriptor yields. */
export type AnyKeyedState = ValueState<unknown> | ListState<unknown> | MapState<unknown, unknown> | ReducingState<unknown> | AggregatingState<unknown, unknown>;

/**
 * One key group's contribution to a checkpoint, taken in the synchronous phase.
 * - `kind: 'full'`: the whole state (and timers) of the key group.
 * - `kind: 'delta'`: what changed since the key group's state in checkpoint `baseCheckpointId`
 *   (incremental checkpoints); restore applies it on top of that checkpoint's chain.
 */
export interface KeyGroupSnapshotPart {
  readonly keyGroup: number;
  readonly kind: 'full' | 'delta';
  /** For a delta: the completed checkpoint whose state of this key group it extends. */
  readonly baseCheckpointId?: number;
  /** Asynchronous phase: the part's bytes (cbor-x). May run while the operator keeps processing. */
  materialize(): Uint8Array | Promise<Uint8Array>;
}

/** What restore gets for one key group: a full part followed by the deltas on top of it, oldest first. */
export interface RestoredKeyGroup {
  readonly keyGroup: number;
  readonly chain: readonly Uint8Array[];
}

/** Options of {@link KeyedStateBackend.snapshot}. */
export interface KeyedSnapshotOptions {
  /**
   * Write only key groups changed since the last completed checkpoint, as deltas (Flink's
   * incremental checkpoints). Savepoints always pass `false` (self-contained, canonical).
   */
  incremental: boolean;
}

/** Storage a keyed timer service keeps inside the backend, so timers are part of each key group's unit. */
export interface TimerStateParticipant {
  /** Timers of key group `kg` as plain data (copied: later changes must not show). */
  snapshotKeyGroup(kg: number): unknown;
  /** Adds the timers saved by {@link snapshotKeyGroup}. */
  restoreKeyGroup(kg: number, data: unknown): void;
}

export interface KeyedStateBackend {
  /** Number of key groups (Flink's max parallelism). */
  readonly maxParallelism: number;
  /** Key groups this backend owns. */
  readonly keyGroupRange: KeyGroupRange;
  /** The key as the user function returned it. */
  readonly currentKey: unknown;
  /** The current key normalised for map lookups (`keyToMapKey`: arrays become canonical strings). */
  readonly currentMapKey: string | number | bigint | boolean;
  /** The current key's key group. */
  readonly currentKeyGroup: number;

  /**
   * Scopes state calls to `key`.
   * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) for keys that are not primitives or arrays of them.
   */
  setCurrentKey(key: unknown): void;

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(d: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Dispatches on the descriptor's kind. */
  getStateByDescriptor(d: StateDescriptor<unknown>): AnyKeyedState;

  /** Calls `fn(key, state)` for every key with a value in `descriptor`'s state (Flink's applyToAllKeys). */
  applyToAllKeys<S>(descriptor: StateDescriptor<unknown>, fn: (key: unknown, state: S) => void): void;

  /**
   * Registers a timer service's storage under `name`; restored timers of that name are handed to
   * it now or on a later {@link restore}.
   */
  registerTimers(name: string, participant: TimerStateParticipant): void;

  /**
   * Marks key group `kg` as changed for incremental snapshots when something outside the state
   * tables changed (a timer was registered or deleted).
   */
  markChanged(kg: number): void;

  /** Number of (state, key) entries, for the state-size metric. */
  entryCount(): number;

  /**
   * Synchronous phase of checkpoint `checkpointId`: the key groups to write. A full snapshot has a
   * part for every key group with state or timers; an incremental one only for changed ones.
   */
  snapshot(checkpointId: number, options: KeyedSnapshotOptions): KeyGroupSnapshotPart[];

  /**
   * Loads key groups (each a full part plus deltas). May run after states or timer services were
   * created (they see the restored data) and before the first record.
   * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when a part cannot be decoded.
   */
  restore(keyGroups: readonly RestoredKeyGroup[]): void | Promise<void>;

  /** Checkpoint `checkpointId` completed: incremental bases move to it. */
  notifyCheckpointComplete(checkpointId: number): void;
  /** Checkpoint `checkpointId` was aborted: its changes stay pending for the next one. */
  notifyCheckpointAborted(checkpointId: number): void;

  /**
   * Back-pressure from the backend (LevelDB: the write buffer outran the background writes): a
   * Promise to await before the next input, or undefined to go on. Optional; checked once per
   * input batch.
   */
  writeStall?(): Promise<void> | undefined;

  /** Releases memory, files and handles; the backend is unusable afterwards. */
  dispose(): void | Promise<void>;
}
