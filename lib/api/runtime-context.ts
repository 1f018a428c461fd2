/**
 * What a running user function can see about its subtask, and its keyed state (Flink's
 * `RuntimeContext`). Keyed state is scoped to the current record's key.
 */
import type { AggregatingState, ListState, MapState, ValueState, ReducingState } from '../state/keyed-state.js';
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, ReducingStateDescriptor } from '../state/descriptors.js';

/** Flink's `TaskInfo`. */
export interface TaskInfo {
  readonly taskName: string;
  readonly indexOfThisSubtask: number;
  readonly numberOfParallelSubtasks: number;
  readonly maxNumberOfParallelSubtasks: number;
  readonly attemptNumber: number;
}

export interface RuntimeContext {
  getTaskInfo(): TaskInfo;
  /** 0-based subtask index. */
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  /** The job's name. */
  getJobName(): string;
  /**
   * Keyed state; only on a keyed stream (after `keyBy`). The same descriptor name always gives the
   * same state; a descriptor with `enableTimeToLive(...)` gives state with a time-to-live.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed stream, or when the name was
   *   registered for another kind of state or TTL setting.
   */
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  /** Keyed list state (see {@link getState} for the rules). */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** Keyed map state (see {@link getState} for the rules). */
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  /** Keyed reducing state: `add` folds with the descriptor's reduce function (see {@link getState} for the rules). */
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  /**
   * Keyed aggregating state (Flink's `getAggregatingState`): `add(value)` folds into the key's
   * accumulator with the descriptor's `AggregateFunction` (`createAccumulator` on the first add),
   * `get()` returns `getResult(accumulator)`, or `null` when the key has none. See {@link getState}
   * for the rules.
   * @example
   * const avg = getRuntimeContext().getAggregatingState(new AggregatingStateDescriptor('avg', {
   *   createAccumulator: () => ({ sum: 0, n: 0 }),
   *   add: (v: number, a) => ({ sum: a.sum + v, n: a.n + 1 }),
   *   getResult: (a) => a.sum / a.n,
   *   merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
   * }));
   */
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}
