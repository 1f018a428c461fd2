/**
 * How `execute()` reaches a runtime without the API importing it (Flink's PipelineExecutor): the
 * package entry point installs the embedded executor; a cluster client can install another.
 */
import type { DependencyContainer } from 'tsyringe';
import type { JobGraph } from '../graph/job-graph.js';
import type { Clock } from '../time/clock.js';
import type { InspectionListener } from '../actor/inspection.js';
import type { JobExecutionResult, JobProgress } from '../runtime/embedded-executor.js';

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
