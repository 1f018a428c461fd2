/**
 * Non-keyed (operator) state, as Flink's `OperatorStateStore`: named lists held by each parallel
 * subtask of an operator, snapshotted with it and redistributed on restore
 * ({@link redistributeOperatorState}):
 * - list state (`getListState`): at the same parallelism each subtask gets its own list back;
 *   otherwise the lists of all old subtasks are concatenated (in subtask order) and dealt
 *   round-robin over the new subtasks (an even split, as Flink's; used for source offsets);
 * - union list state (`getUnionListState`): every new subtask gets the concatenation of all lists;
 * - broadcast state (`getBroadcastState`): every new subtask gets one old subtask's copy (they are
 *   equal by contract).
 *
 * @see org.apache.flink.api.common.state.OperatorStateStore
 * @see org.apache.flink.runtime.state.RoundRobinOperatorStateRepartitioner
 */
import { ConfigurationError } from '../errors.js';
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

/**
 * Redistributes the operator state of an operator's old subtasks over `newParallelism` new ones
 * (Flink's `RoundRobinOperatorStateRepartitioner`):
 * - even-split list state: at the same parallelism each subtask keeps its own list; otherwise the
 *   old lists are concatenated in subtask order and element `i` goes to new subtask
 *   `i % newParallelism` (shares differ by at most one element; Flink cuts the same sizes as
 *   contiguous runs, Weir deals them round-robin, as `lib/checkpoint/state-assignment.ts` does);
 * - union list state: every new subtask gets the concatenation of all old lists;
 * - broadcast state: new subtask `i` gets old subtask `i % oldParallelism`'s copy (or any old
 *   subtask's, when that one had none).
 * Every new subtask sees every name, with an empty list when its share is empty. The input is not
 * changed; the output shares the elements.
 *
 * @param old one snapshot per old subtask, by subtask index; `undefined` for a subtask without state.
 * @param newParallelism ≥ 1.
 * @returns one snapshot per new subtask, by subtask index.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for `newParallelism` < 1 or not an integer, or no old subtask.
 * @see org.apache.flink.runtime.checkpoint.RoundRobinOperatorStateRepartitioner
 */
export function redistributeOperatorState(old: readonly (OperatorStateSnapshot | undefined)[], newParallelism: number): OperatorStateSnapshot[] {
  if (!Number.isInteger(newParallelism) || newParallelism < 1) throw new ConfigurationError(`new parallelism must be an integer >= 1, got ${newParallelism}`);
  if (old.length === 0) throw new ConfigurationError('cannot redistribute the operator state of zero subtasks');
  const out: OperatorStateSnapshot[] = Array.from({ length: newParallelism }, () => ({ list: {}, union: {}, broadcast: {} }));
  const names = (pick: (s: OperatorStateSnapshot) => Record<string, unknown>): string[] => [...new Set(old.flatMap((s) => (s === undefined ? [] : Object.keys(pick(s)))))];

  for (const name of names((s) => s.list)) {
    if (newParallelism === old.length) {
      old.forEach((s, i) => (out[i]!.list[name] = (s?.list[name] ?? []).slice()));
      continue;
    }
    for (const o of out) o.list[name] = [];
    old.flatMap((s) => s?.list[name] ?? []).forEach((v, i) => out[i % newParallelism]!.list[name]!.push(v));
  }
  for (const name of names((s) => s.union)) {
    const all = old.flatMap((s) => s?.union[name] ?? []);
    for (const o of out) o.union[name] = all.slice();
  }
  for (const name of names((s) => s.broadcast)) {
    const any = old.find((s) => s !== undefined && Object.hasOwn(s.broadcast, name))!.broadcast[name]!;
    out.forEach((o, i) => {
      const own = old[i % old.length]?.broadcast[name] ?? any;
      o.broadcast[name] = own.map(([k, v]) => [k, v]);
    });
  }
  return out;
}
