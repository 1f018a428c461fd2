/**
 * Runs a job graph in this process (Flink's MiniCluster): one actor system, one job actor, one
 * subtask actor per parallel subtask of every chain. No server is needed. With `taskSlots` the
 * subtasks run on worker-thread task slots (worker-slots.ts) and the job actor on this thread.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionRequest, JobControl } from '../api/executor.js';
import { ActorSystem } from '../actor/actor-system.js';
import { JobActor, type ClusterPlacement, type JobOutcome, type RescaleJob, type RescaleReply, type SlotsLost, type StopJob } from '../../actors/job-actor.js';
import { WorkerSlots } from './worker-slots.js';
import { taskExecutorRef, type TaskStatsReply, type TaskStatsRequest } from '../cluster/deployment-messages.js';
import type { SavepointResult, TriggerSavepoint } from '../../actors/checkpoint-coordinator-actor.js';
import { loadRestorePoint } from '../checkpoint/checkpoint-loader.js';
import { checkRestorable } from '../checkpoint/state-assignment.js';
import type { CompletedCheckpoint } from '../checkpoint/state-handles.js';
import { CheckpointError, decodeError, JobExecutionError } from '../errors.js';
import { CheckpointStats, registerCheckpointStats, unregisterCheckpointStats, type CheckpointRecord } from '../telemetry/checkpoint-metrics.js';
import type { JobGraph } from '../graph/job-graph.js';
import { metricsRegistry } from '../telemetry/metrics.js';

/** Records in/out of one operator, summed over its subtasks (Flink's numRecordsIn/Out). */
export interface OperatorResult {
  uid: string;
  name: string;
  parallelism: number;
  recordsIn: number;
  recordsOut: number;
}

/** What `execute()` resolves to (Flink's JobExecutionResult). */
export interface JobExecutionResult {
  jobName: string;
  /** Wall time from deployment to the last subtask finishing, ms. */
  netRuntimeMs: number;
  /** Per operator, in topological order. */
  operators: OperatorResult[];
  /** Where sinks wrote (paths, `stdout`). */
  outputs: string[];
  /** Checkpoints and restarts of the run. */
  checkpoints: {
    completed: number;
    failed: number;
    /** Failover-region restarts. */
    restarts: number;
    /** The snapshot the job started from, if any. */
    restoredFrom: string | undefined;
    /** Recent checkpoints and savepoints, oldest first. */
    history: CheckpointRecord[];
  };
  /** Runtime warnings (an unreadable checkpoint skipped, restarts given up). */
  warnings: string[];
}

/** A progress sample, delivered every `progressIntervalMs` while a job runs. */
export interface JobProgress {
  elapsedMs: number;
  /** Records emitted by all sources so far. */
  recordsRead: number;
  /** Source records per second over the last interval. */
  recordsPerSecond: number;
  operators: OperatorResult[];
}

/** What the embedded executor needs besides the graph (see lib/api/executor.ts). */
export type EmbeddedExecutionOptions = ExecutionRequest;

let jobSeq = 0;

/**
 * Deploys and runs `graph` to completion.
 * @returns the result and the records of the collect sink (if any).
 * @throws JobExecutionError (`WEIR_ERR_JOB_FAILED`) with the root cause as `cause`.
 */
export async function executeEmbedded(graph: JobGraph, options: EmbeddedExecutionOptions): Promise<{ result: JobExecutionResult; collected: unknown[] }> {
  const jobId = `job-${++jobSeq}-${randomUUID().slice(0, 8)}`;
  const warnings: string[] = [];
  const onWarning = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  let restoreFrom: CompletedCheckpoint | undefined;
  if (options.restore !== undefined) {
    restoreFrom = await loadRestorePoint(options.restore.path, onWarning);
    checkRestorable(restoreFrom.metadata, graph, options.restore.allowNonRestoredState);
  }
  // Worker-thread slots start first: the job actor deploys onto them as soon as it starts. A slot
  // that dies is failed over like a lost task manager's.
  let onSlotDied = (_address: string, _reason: string): void => {};
  const slots = options.taskSlots === undefined ? undefined : await WorkerSlots.start(options.taskSlots.count, (address, reason) => onSlotDied(address, reason));
  const system = new ActorSystem({ clock: options.clock, ...(slots !== undefined && { address: slots.hostAddress }) });
  const jobRef = { address: system.address, id: jobId };
  onSlotDied = (address, reason) => system.tellSystem(jobRef, { t: 'slots-lost', addresses: [address], reason } satisfies SlotsLost);
  if (slots !== undefined) system.attachTransport(slots.transport, '*');
  const placement: ClusterPlacement | undefined = slots === undefined ? undefined : { slots: () => slots.alive(), spec: options.taskSlots!.job };
  const stats = new CheckpointStats(jobId);
  registerCheckpointStats(stats);
  if (options.inspect !== undefined) system.events.subscribe(options.inspect);
  const started = performance.now();
  let outcome: JobOutcome | undefined;
  const done = new Promise<JobOutcome>((resolve) => {
    system.spawn(
      {
        create: () =>
          new JobActor({
            jobId,
            graph,
            clock: options.clock,
            container: options.container,
            batchSize: options.batchSize,
            mailboxCapacity: options.mailboxCapacity,
            autoWatermarkIntervalMs: options.autoWatermarkIntervalMs,
            checkpoint: options.checkpoint,
            stateBackend: options.stateBackend,
            restartStrategy: options.restartStrategy,
            restoreFrom,
            stats,
            // The job actor reports its own warnings in the outcome; pass them on live.
            onWarning: (m) => options.onWarning?.(m),
            onTerminated: resolve,
            recompile: options.recompile,
            defaultParallelism: options.defaultParallelism,
            placement,
          }),
      },
      jobId,
    );
  });
  if (options.onStarted !== undefined) options.onStarted(createJobControl(system, jobRef, jobId));
  // Subtasks on worker-thread slots count in their threads' metrics: progress asks their task executors.
  const slotFigures = slots !== undefined && options.onProgress !== undefined ? pollSlotFigures(system, slots, jobId, options.progressIntervalMs ?? 1000) : undefined;
  const progress = startProgress(graph, jobId, started, options, slotFigures?.latest);
  // A running job keeps the process alive even while every source waits (the runtime's own timers
  // are unref'd so that a finished job never holds the process).
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    outcome = await done;
  } finally {
    clearInterval(keepAlive);
    progress?.stop();
    slotFigures?.stop();
    await system.terminate();
    await slots?.close();
  }
  // Old checkpoints being deleted are gone before execute() returns (no half-deleted directories).
  await outcome.settled;
  const netRuntimeMs = performance.now() - started;
  const operators = summarize(graph, liveFigures(jobId, outcome.figures));
  metricsRegistry.unregisterJob(jobId);
  unregisterCheckpointStats(stats);
  warnings.push(...outcome.warnings);
  if (outcome.error !== undefined) throw new JobExecutionError(graph.jobName, outcome.error);
  const checkpoints = { completed: stats.completed, failed: stats.failed, restarts: outcome.restarts, restoredFrom: restoreFrom?.directory, history: stats.history.slice() };
  return { result: { jobName: graph.jobName, netRuntimeMs, operators, outputs: outcome.outputs, checkpoints, warnings }, collected: outcome.collected };
}

/** Savepoints go through the job actor to the coordinator; an hour bounds a savepoint of huge state. */
const SAVEPOINT_TIMEOUT_MS = 60 * 60_000;

function createJobControl(system: ActorSystem, jobRef: { address: string; id: string }, jobId: string): JobControl {
  const notRunning = (): CheckpointError => new CheckpointError('JOB_FAILOVER', `job ${jobId} is not running`);
  const triggerSavepoint = async (directory: string, stop: boolean): Promise<{ path: string; checkpointId: number }> => {
    if (!system.isAlive(jobRef)) throw notRunning();
    const msg: TriggerSavepoint = stop ? { t: 'trigger-savepoint', directory, stop } : { t: 'trigger-savepoint', directory };
    // A job that stops before answering answers nothing: do not wait for the ask's timeout.
    const stopped = system.whenStopped(jobRef).then((): never => {
      throw notRunning();
    });
    const r = await Promise.race([system.ask<SavepointResult>(jobRef, msg, SAVEPOINT_TIMEOUT_MS), stopped]);
    if (!r.ok) throw decodeError(r.error);
    return { path: r.path, checkpointId: r.checkpointId };
  };
  return {
    jobId,
    triggerSavepoint: (directory) => triggerSavepoint(directory, false),
    async stopWithSavepoint(directory) {
      const r = await triggerSavepoint(directory, true);
      system.tellSystem(jobRef, { t: 'stop-job', afterSavepoint: true } satisfies StopJob);
      await system.whenStopped(jobRef);
      return r;
    },
    async cancel() {
      system.tellSystem(jobRef, { t: 'stop-job' } satisfies StopJob);
      await system.whenStopped(jobRef);
    },
    async rescale(parallelism, operatorUid) {
      if (!system.isAlive(jobRef)) throw notRunning();
      const r = await system.ask<RescaleReply>(jobRef, { t: 'rescale', parallelism, operatorUid } satisfies RescaleJob, SAVEPOINT_TIMEOUT_MS);
      if (!r.ok) throw decodeError(r.error);
      return { parallelism: r.parallelism, checkpointId: r.checkpointId, pauseMs: r.pauseMs };
    },
  };
}

function liveFigures(jobId: string, finished: Map<number, { recordsIn: number; recordsOut: number }>): Map<number, { recordsIn: number; recordsOut: number }> {
  if (finished.size > 0) return finished;
  const out = new Map<number, { recordsIn: number; recordsOut: number }>();
  for (const m of metricsRegistry.ofJob(jobId)) {
    const cur = out.get(m.nodeId) ?? { recordsIn: 0, recordsOut: 0 };
    cur.recordsIn += m.recordsIn;
    cur.recordsOut += m.recordsOut;
    out.set(m.nodeId, cur);
  }
  return out;
}

function summarize(graph: JobGraph, figures: Map<number, { recordsIn: number; recordsOut: number }>): OperatorResult[] {
  return graph.nodes.map((n) => ({
    uid: n.uid,
    name: n.name,
    parallelism: n.parallelism,
    recordsIn: figures.get(n.id)?.recordsIn ?? 0,
    recordsOut: figures.get(n.id)?.recordsOut ?? 0,
  }));
}

/**
 * Every `intervalMs`, asks the task executor of each live slot for the job's subtask figures and
 * keeps their per-operator sums (what the next progress sample reports).
 */
function pollSlotFigures(system: ActorSystem, slots: WorkerSlots, jobId: string, intervalMs: number): { latest: () => Map<number, { recordsIn: number; recordsOut: number }>; stop(): void } {
  let latest = new Map<number, { recordsIn: number; recordsOut: number }>();
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    // A generous timeout (polls do not overlap): a reply that came after it would be a dead letter.
    const replies = await Promise.all(slots.alive().map((slot) => system.ask<TaskStatsReply>(taskExecutorRef(slot), { t: 'task-stats', jobId } satisfies TaskStatsRequest, Math.max(10 * intervalMs, 10_000)).catch(() => undefined)));
    polling = false;
    const sums = new Map<number, { recordsIn: number; recordsOut: number }>();
    for (const r of replies) {
      for (const s of r?.subtasks ?? []) {
        for (const f of s.operators) {
          const cur = sums.get(f.nodeId) ?? { recordsIn: 0, recordsOut: 0 };
          cur.recordsIn += f.recordsIn;
          cur.recordsOut += f.recordsOut;
          sums.set(f.nodeId, cur);
        }
      }
    }
    latest = sums;
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return { latest: () => latest, stop: () => clearInterval(timer) };
}

function startProgress(graph: JobGraph, jobId: string, started: number, options: EmbeddedExecutionOptions, remoteFigures?: () => Map<number, { recordsIn: number; recordsOut: number }>): { stop(): void } | undefined {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return undefined;
  const interval = options.progressIntervalMs ?? 1000;
  const sources = new Set(graph.nodes.filter((n) => n.source !== undefined).map((n) => n.id));
  let lastRead = 0;
  let lastAt = started;
  const timer = setInterval(() => {
    const now = performance.now();
    const figures = remoteFigures?.() ?? liveFigures(jobId, new Map());
    let read = 0;
    for (const [id, f] of figures) if (sources.has(id)) read += f.recordsOut;
    const rate = ((read - lastRead) * 1000) / Math.max(1, now - lastAt);
    lastRead = read;
    lastAt = now;
    onProgress({ elapsedMs: now - started, recordsRead: read, recordsPerSecond: rate, operators: summarize(graph, figures) });
  }, interval);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
