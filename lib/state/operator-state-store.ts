/**
 * Non-keyed (operator) state, as Flink's `OperatorStateStore`: named lists held by each parallel
 * subtask of an operator, snapshotted with it and redistributed on restore:
 * - list state (`getListState`): the lists of all old subtasks are concatenated and split evenly
 *   (round-robin) over the new subtasks (Flink's even-split redistribution; used for source offsets);
 * - union list state (`getUnionListState`): every new subtask gets the concatenation of all lists;
 * - broadcast state (`getBroadcastState`): every new subtask gets one old subtask's copy (they are
 *   equal by contract).
 *
 * @see org.apache.flink.api.common.state.OperatorStateStore
 * @see org.apache.flink.runtime.state.RoundRobinOperatorStateRepartitioner
 */
import type { BroadcastState } from './broadcast-state.js';
import type { ListStateDescriptor, MapStateDescriptor } from './descriptors.js';
import type { ListState } from './keyed-state.js';

export interface OperatorStateStore {
  /** Even-split redistributed list state named by `d`. */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T>;
  /** Union redistributed list state named by `d`. */
  getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T>;
  /** Broadcast state named by `d` (shared with the broadcast-process operators). */
  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** One subtask's operator state at a checkpoint: plain data, encoded into the checkpoint metadata. */
export interface OperatorStateSnapshot {
  /** Even-split list states by name. */
  list: Record<string, unknown[]>;
  /** Union list states by name. */
  union: Record<string, unknown[]>;
  /** Broadcast states by name: the entries as `[key, value]` pairs. */
  broadcast: Record<string, [unknown, unknown][]>;
}
