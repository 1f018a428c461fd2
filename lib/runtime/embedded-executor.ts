/**
 * Runs a job graph in this process (Flink's MiniCluster): one actor system, one job actor, one
 * subtask actor per parallel subtask of every chain. No server is needed.
 */
import type { ExecutionRequest } from '../api/executor.js';
import { ActorSystem } from '../actor/actor-system.js';
import { JobActor, type JobOutcome } from '../../actors/job-actor.js';
import { JobExecutionError } from '../errors.js';
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
  const jobId = `job-${++jobSeq}`;
  const system = new ActorSystem({ clock: options.clock });
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
            onTerminated: resolve,
          }),
      },
      jobId,
    );
  });
  const progress = startProgress(graph, jobId, started, options);
  try {
    outcome = await done;
  } finally {
    progress?.stop();
    await system.terminate();
  }
  const netRuntimeMs = performance.now() - started;
  const operators = summarize(graph, liveFigures(jobId, outcome.figures));
  metricsRegistry.unregisterJob(jobId);
  if (outcome.error !== undefined) throw new JobExecutionError(graph.jobName, outcome.error);
  return { result: { jobName: graph.jobName, netRuntimeMs, operators, outputs: outcome.outputs }, collected: outcome.collected };
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

function startProgress(graph: JobGraph, jobId: string, started: number, options: EmbeddedExecutionOptions): { stop(): void } | undefined {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return undefined;
  const interval = options.progressIntervalMs ?? 1000;
  const sources = new Set(graph.nodes.filter((n) => n.source !== undefined).map((n) => n.id));
  let lastRead = 0;
  let lastAt = started;
  const timer = setInterval(() => {
    const now = performance.now();
    const figures = liveFigures(jobId, new Map());
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
