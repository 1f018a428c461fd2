/** The {@link RuntimeContext} handed to rich functions, backed by the operator context. */
import type { RuntimeContext, TaskInfo } from '../api/runtime-context.js';
import { ConfigurationError } from '../errors.js';
import type { KeyedStateBackend } from '../state/keyed-state-backend.js';
import type { OperatorContext } from './stream-operator.js';

export function createRuntimeContext(ctx: OperatorContext): RuntimeContext {
  const info: TaskInfo = {
    taskName: ctx.operatorName,
    indexOfThisSubtask: ctx.subtaskIndex,
    numberOfParallelSubtasks: ctx.parallelism,
    maxNumberOfParallelSubtasks: ctx.maxParallelism,
    attemptNumber: ctx.attemptNumber,
  };
  const backend = (): KeyedStateBackend => {
    if (ctx.keyedBackend === undefined) {
      throw new ConfigurationError(`operator '${ctx.operatorName}': keyed state is only available on a keyed stream (use keyBy() first)`);
    }
    return ctx.keyedBackend;
  };
  return {
    getTaskInfo: () => info,
    getIndexOfThisSubtask: () => ctx.subtaskIndex,
    getNumberOfParallelSubtasks: () => ctx.parallelism,
    getMaxNumberOfParallelSubtasks: () => ctx.maxParallelism,
    getJobName: () => ctx.jobName,
    getState: (d) => backend().getState(d),
    getListState: (d) => backend().getListState(d),
    getMapState: (d) => backend().getMapState(d),
    getReducingState: (d) => backend().getReducingState(d),
    getAggregatingState: (d) => backend().getAggregatingState(d),
  };
}
