/**
 * Messages between a job's actors on the job manager and the task executors on task slots
 * (Flink's TaskExecutorGateway: submitTask, cancelTask, updateTaskExecutionState). All plain data:
 * they cross worker threads and NATS as cbor-x.
 */
import type { ActorRef } from '../actor/actor-ref.js';
import type { JobSpec } from '../api/executor.js';
import type { SubtaskRestoreState } from '../checkpoint/state-assignment.js';
import type { EncodedError } from '../errors.js';
import type { OperatorFigures } from '../runtime/messages.js';

/** The actor id of the task executor on every task slot. */
export const TASK_EXECUTOR_ID = 'tasks';

/** The ref of the task executor of the slot at `address`. */
export function taskExecutorRef(address: string): ActorRef {
  return { address, id: TASK_EXECUTOR_ID };
}

/** How a slot builds a job's graph: the module, and the parallelism of the job's current generation. */
export interface JobGeneration {
  jobId: string;
  spec: JobSpec;
  /** Incremented by every live rescale; a slot caches one graph per (job, generation). */
  generation: number;
  defaultParallelism: number;
  parallelismOverrides: Record<string, number>;
}

/** Region actor → task executor: start one subtask (Flink's submitTask). */
export interface DeploySubtask {
  t: 'deploy';
  job: JobGeneration;
  /** Child name on the slot: `<jobId>/r<region>/v<vertex>.<index>-<attempt>`. */
  name: string;
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
  region: ActorRef;
  jobActor: ActorRef;
  coordinator: ActorRef;
  /** Refs of every subtask of the region's vertices, by vertex id (a region sends only inside itself). */
  refs: Record<number, ActorRef[]>;
  restore: SubtaskRestoreState | undefined;
}

/** Region actor → task executor: stop these subtasks (their region restarts, rescales or ended). */
export interface CancelSubtasks {
  t: 'cancel-subtasks';
  names: string[];
}

/** Task executor → region actor: a subtask failed (Flink's updateTaskExecutionState FAILED). */
export interface SubtaskFailed {
  t: 'subtask-failed';
  subtask: ActorRef;
  error: EncodedError;
}

/** Job actor → task executor (ask): live figures of a job's subtasks on this slot. */
export interface TaskStatsRequest {
  t: 'task-stats';
  jobId: string;
}

/** Live figures of one subtask (what `weir topology` shows). */
export interface SubtaskStats {
  name: string;
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
  /** Messages waiting in the mailbox (system + data lanes). */
  mailboxDepth: number;
  /** Records into the chain's head and out of its tail. */
  recordsIn: number;
  recordsOut: number;
  /** Records into the head / out of the tail per second over the last second (sampled by the slot's task executor; 0 before the second sample). */
  recordsInPerSecond: number;
  recordsOutPerSecond: number;
  /** Records in/out of every chained operator, by graph node id. */
  operators: OperatorFigures[];
  /** True while the subtask waits for a downstream mailbox or remote credit. */
  backPressured: boolean;
  /** Current input watermark, ms since the epoch (undefined before the first). */
  watermark: number | undefined;
  /** Last checkpoint this subtask acknowledged. */
  lastCheckpointId: number | undefined;
  /** Full size of its keyed state in that checkpoint, bytes (every key-group part, inline or stored). */
  stateBytes: number;
}

/** Reply to {@link TaskStatsRequest}. */
export interface TaskStatsReply {
  t: 'task-stats-reply';
  address: string;
  subtasks: SubtaskStats[];
}
