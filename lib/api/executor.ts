/**
 * How `execute()` reaches a runtime without the API importing it (Flink's PipelineExecutor): the
 * package entry point installs the embedded executor; a cluster client can install another.
 */
import type { DependencyContainer } from 'tsyringe';
import type { JobGraph } from '../graph/job-graph.js';
import type { Clock } from '../time/clock.js';
import type { InspectionListener } from '../actor/inspection.js';
import type { JobExecutionResult, JobProgress } from '../runtime/embedded-executor.js';
import type { CheckpointSettings } from '../checkpoint/checkpoint-config.js';
import type { RestartStrategyConfiguration } from '../failover/restart-strategies.js';
import type { StateBackend } from '../state/state-backend.js';

/** A running job's handle (Flink's JobClient). */
export interface JobControl {
  /** The job run's id (`job-<n>-<random>`). */
  readonly jobId: string;
  /**
   * Takes a savepoint into `directory` while the job runs (Flink's `triggerSavepoint`); a request
   * made while the job's subtasks are being (re)deployed starts once they are.
   * @returns the savepoint's directory and checkpoint id.
   * @throws CheckpointError (`WEIR_ERR_CHECKPOINT`) when it could not complete.
   */
  triggerSavepoint(directory: string): Promise<{ path: string; checkpointId: number }>;
  /**
   * Stops the job with a savepoint (Flink's `stopWithSavepoint`, without `--drain`): sources emit
   * nothing after the savepoint's barrier, so no record is processed after the savepoint; once it
   * completed the job stops and `execute()` resolves normally. When the savepoint fails, the sources
   * resume and the job goes on (the promise rejects with the failure).
   */
  stopWithSavepoint(directory: string): Promise<{ path: string; checkpointId: number }>;
  /** Cancels the job (Flink's `cancel`): `execute()` resolves with what was done so far. */
  cancel(): Promise<void>;
  /**
   * Changes the parallelism while the job runs, without a restart (see {@link RescaleResult}):
   * `parallelism` becomes the default of every operator that did not set its own; `operatorUid`
   * limits the change to that operator.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a parallelism the graph does not allow.
   * @throws CheckpointError (`WEIR_ERR_CHECKPOINT`) when the aligned snapshot failed (the job goes on unchanged).
   */
  rescale(parallelism: number, operatorUid?: string): Promise<RescaleResult>;
}

/** What a live rescale did. */
export interface RescaleResult {
  /** Parallelism per operator uid after the rescale. */
  parallelism: Record<string, number>;
  /** The aligned savepoint the new subtasks restored from. */
  checkpointId: number;
  /** Time from the barrier's injection to the new subtasks running, ms (sources paused meanwhile). */
  pauseMs: number;
}

/** Job-wide runtime settings handed to an executor with the graph. */
export interface ExecutionRequest {
  /** Processing-time clock. */
  clock: Clock;
  /** The job's DI container for operator classes. */
  container: DependencyContainer;
  /** Records per network batch. */
  batchSize: number;
  /** Data-lane capacity of each subtask mailbox, in batches. */
  mailboxCapacity: number;
  /** Periodic watermark interval, ms (0 disables periodic emission). */
  autoWatermarkIntervalMs: number;
  /** Called every `progressIntervalMs` while the job runs. */
  onProgress?: ((p: JobProgress) => void) | undefined;
  /** ms between progress samples (default 1000). */
  progressIntervalMs?: number | undefined;
  /** Receives the job's actor inspection events (actor started/stopped/failed, supervision, dead letters). */
  inspect?: InspectionListener | undefined;
  /** Checkpoint settings (interval 0 = no periodic checkpoints). */
  checkpoint: CheckpointSettings;
  stateBackend: StateBackend;
  restartStrategy: RestartStrategyConfiguration;
  /** A savepoint or checkpoint to start from. */
  restore?: { path: string; allowNonRestoredState: boolean } | undefined;
  onStarted?: ((control: JobControl) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /**
   * Compiles the same pipeline with another default parallelism and per-operator-uid overrides
   * (live rescaling). @throws ConfigurationError when the parallelism is invalid for the graph.
   */
  recompile?: ((defaultParallelism: number, parallelismOverrides: Readonly<Record<string, number>>) => JobGraph) | undefined;
  /** The environment's default parallelism the graph was compiled with. */
  defaultParallelism?: number | undefined;
  /** Per-operator-uid parallelism the graph was compiled with on top of the default (a rescaled job). */
  parallelismOverrides?: Readonly<Record<string, number>> | undefined;
  /** Run the subtasks on worker-thread task slots (see {@link TaskSlotsOptions}); default: all on this thread. */
  taskSlots?: TaskSlotsOptions | undefined;
}

/**
 * Worker-thread task slots for an embedded job (`weir run job.ts --slots N`, Flink's MiniCluster
 * with `taskmanager.numberOfTaskSlots`): subtask i of every operator runs on slot i mod `count`
 * (Flink's slot sharing), each slot a worker thread, so a job uses more than one core. Each slot
 * rebuilds the job from its module (`job`), as a task manager does: the job must be a job file.
 * The job actor and checkpoint coordinator stay on the calling thread.
 */
export interface TaskSlotsOptions {
  /** Worker threads (≥ 1). */
  count: number;
  /** The job module every slot loads. */
  job: JobSpec;
}

/**
 * How any process rebuilds a job's graph: the job module's path (the same on every host, or in a
 * shared package directory — Flink ships the user jar, Weir loads the same module) and what the
 * runner passed to it. Plain data: it travels in deployment messages.
 */
export interface JobSpec {
  /** Absolute path of the job module. */
  file: string;
  /** The job's own arguments (`ctx.args`). */
  args: string[];
  jobName: string;
  /** Default parallelism given on the command line, if any. */
  parallelism?: number | undefined;
  maxParallelism?: number | undefined;
  /** Command-line checkpoint interval (ms) and directory, which win over the job file's. */
  checkpointInterval?: number | undefined;
  checkpointDir?: string | undefined;
  /**
   * Parallelism per operator uid set by live rescales (with `parallelism` as the new default):
   * the high-availability job store keeps them, so a job recovered by a new leader comes back
   * at its rescaled parallelism.
   */
  parallelismOverrides?: Readonly<Record<string, number>> | undefined;
}

export type PipelineExecutor = (graph: JobGraph, request: ExecutionRequest) => Promise<{ result: JobExecutionResult; collected: unknown[] }>;

let current: PipelineExecutor | undefined;

/** Installs the executor used by every environment of this process. */
export function setPipelineExecutor(executor: PipelineExecutor): void {
  current = executor;
}

/** @throws Error when no executor was installed (import from 'weir', not from internal paths). */
export function getPipelineExecutor(): PipelineExecutor {
  if (current === undefined) throw new Error("no pipeline executor installed: import the API from 'weir'");
  return current;
}
