/**
 * What a running user function can see about its subtask, and its keyed state (Flink's
 * `RuntimeContext`). Keyed state is scoped to the current record's key.
 */
import type { ListState, MapState, ValueState, ReducingState } from '../state/keyed-state.js';
import type { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, ReducingStateDescriptor } from '../state/descriptors.js';

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
   * Keyed state; only on a keyed stream (after `keyBy`).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed stream.
   */
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
}
