/**
 * One Nexmark query as a Weir job, measured two ways:
 *
 * - {@link throughputRun}: `NexmarkSource({ maxEvents, seed })` (unpaced: as fast as the job takes
 *   it) with `nexmarkWatermarks()` → the query → {@link NexmarkResultSink} (null sink with a
 *   checksum), at parallelism p, `EXACTLY_ONCE` checkpoints every `checkpointMs` to file storage in
 *   a temporary directory (removed afterwards), no restarts. Wall time and process CPU time of
 *   `execute()`.
 * - {@link latencyRun}: the same job with the source paced at a fixed rate (`ratePerSecond`, and
 *   `firstEventRate` = the same rate so event time advances with wall time), the latency of every
 *   result recorded by a {@link LatencyProbe} (see latency-probe.ts).
 *
 * A run that does not finish within `timeoutS` is cancelled and reported as timed out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { HashMapStateBackend, LevelDBStateBackend, RestartStrategies, StreamExecutionEnvironment, type CheckpointRecord, type JobExecutionResult, type StateBackend } from 'weir';
import { NEXMARK_OUT_OF_ORDERNESS_MS, NexmarkSource, nexmarkWatermarks } from '../../connectors/nexmark/index.js';
import { collectGarbage, median } from '../measure.js';
import { formatChecksum, type ChecksumFigures } from './checksum.js';
import { LatencyProbe, PrecisionClock, ScheduleProbeSource } from './latency-probe.js';
import type { QueryLatencyFigures, QueryRunFigures, RunCheckpoints } from './nexmark-report.js';
import type { RegisteredQuery } from './query-registry.js';
import { NexmarkResultSink } from './result-sink.js';

/** The state backends a Nexmark run can use: heap or LevelDB, full or incremental checkpoints. */
export const NEXMARK_BACKENDS = ['heap', 'heap-incremental', 'leveldb', 'leveldb-incremental'] as const;
export type NexmarkBackend = (typeof NEXMARK_BACKENDS)[number];

/** Creates the state backend `kind`; LevelDB working directories go under `workDir`. */
export function createNexmarkBackend(kind: NexmarkBackend, workDir: string): StateBackend {
  const incremental = kind.endsWith('-incremental');
  if (kind.startsWith('heap')) return new HashMapStateBackend({ incremental });
  return new LevelDBStateBackend({ path: join(workDir, 'leveldb'), incremental });
}

/** What every run of a query needs besides the query. */
export interface QueryRunSettings {
  checkpointMs: number;
  backend: NexmarkBackend;
  seed: number;
  /** Events per second of event time in throughput runs (the generator's `firstEventRate`). */
  eventRate: number;
  /** Cancel a run after this long, s. */
  timeoutS: number;
}

/** A run that was cancelled after {@link QueryRunSettings.timeoutS}. */
export class QueryTimeoutError extends Error {
  override readonly name = 'QueryTimeoutError';
}

/** The checkpoint figures of a run. */
function checkpointFigures(result: JobExecutionResult): RunCheckpoints {
  const done = result.checkpoints.history.filter((h: CheckpointRecord) => h.kind === 'checkpoint' && h.status === 'completed');
  const pick = (f: (r: CheckpointRecord) => number): number[] => (done.length === 0 ? [Number.NaN] : done.map(f));
  return {
    completed: result.checkpoints.completed,
    failed: result.checkpoints.failed,
    durationP50Ms: median(pick((r) => r.durationMs)),
    durationMaxMs: Math.max(...pick((r) => r.durationMs)),
    sizeMaxBytes: Math.max(...pick((r) => r.sizeBytes)),
    syncMaxMs: Math.max(...pick((r) => r.maxSyncMs)),
    asyncMaxMs: Math.max(...pick((r) => r.maxAsyncMs)),
  };
}

/**
 * Event-loop delay during a run (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution), ms: how
 * long a timer or I/O completion waited for the thread beyond its due time.
 */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Builds and runs the job; `source` and `sink` decide throughput or latency. */
async function runJob(
  q: RegisteredQuery,
  parallelism: number,
  s: QueryRunSettings,
  source: NexmarkSource | ScheduleProbeSource,
  sink: NexmarkResultSink,
): Promise<{ result: JobExecutionResult; wallMs: number; cpuMs: number; loopDelay: LoopDelay }> {
  const workDir = await mkdtemp(join(tmpdir(), `weir-nexmark-${q.name}-`));
  let timer: NodeJS.Timeout | undefined;
  try {
    const env = StreamExecutionEnvironment.create({ parallelism, jobName: `nexmark-${q.name}-p${parallelism}` });
    env.setStateBackend(createNexmarkBackend(s.backend, workDir));
    env.enableCheckpointing(s.checkpointMs, 'EXACTLY_ONCE');
    env.getCheckpointConfig().setCheckpointStorage(join(workDir, 'checkpoints'));
    env.setRestartStrategy(RestartStrategies.noRestart());
    q.query.build(env.fromSource(source, nexmarkWatermarks(), 'Nexmark Source')).sinkTo(sink, 'Null Sink');
    collectGarbage();
    let timedOut = false;
    // How late the event loop comes round (timers, I/O, checkpoint and watermark ticks wait that long).
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await env.execute({
      onStarted: (control) => {
        timer = setTimeout(() => {
          timedOut = true;
          void control.cancel();
        }, s.timeoutS * 1000);
      },
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    delay.disable();
    const loopDelay: LoopDelay = { p50Ms: delay.percentile(50) / 1e6, p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 };
    if (timedOut) throw new QueryTimeoutError(`${q.name} p=${parallelism}: cancelled after ${s.timeoutS} s (${sink.checksum.count} results so far)`);
    return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, loopDelay };
  } finally {
    clearTimeout(timer);
    await rm(workDir, { recursive: true, force: true });
  }
}

/** One throughput run over events `0 … events − 1`. */
export async function throughputRun(q: RegisteredQuery, parallelism: number, events: number, s: QueryRunSettings): Promise<QueryRunFigures & { checksumFigures: ChecksumFigures }> {
  const sink = new NexmarkResultSink();
  const source = new NexmarkSource({ maxEvents: events, seed: s.seed, firstEventRate: s.eventRate });
  const { result, wallMs, cpuMs, loopDelay } = await runJob(q, parallelism, s, source, sink);
  const c = sink.checksum.figures();
  return {
    wallMs,
    cpuMs,
    eventsPerSec: (events * 1000) / wallMs,
    coresUsed: cpuMs / wallMs,
    eventsPerSecPerCore: (events * 1000) / cpuMs,
    results: c.count,
    checksum: formatChecksum(c),
    checksumFigures: c,
    checkpoints: checkpointFigures(result),
    loopDelay,
  };
}

/** Settings of one latency run. */
export interface LatencyRunSettings {
  /** Events/s, all subtasks (rounded to an integer: it is also the event-time rate). */
  rate: number;
  rateSource: string;
  settleS: number;
  durationS: number;
}

/** One latency run at a fixed rate (see the module docstring and latency-probe.ts). */
export async function latencyRun(q: RegisteredQuery, parallelism: number, l: LatencyRunSettings, s: QueryRunSettings): Promise<QueryLatencyFigures> {
  const rate = Math.max(1, Math.round(l.rate));
  const events = Math.max(parallelism, Math.round(rate * (l.settleS + l.durationS)));
  const clock = new PrecisionClock();
  const source = new NexmarkSource({ maxEvents: events, seed: s.seed, ratePerSecond: rate, firstEventRate: rate, clock });
  const probe = new LatencyProbe({ config: source.config, parallelism, basis: q.latencyBasis, outOfOrdernessMs: NEXMARK_OUT_OF_ORDERNESS_MS, measureFromMs: l.settleS * 1000, clock });
  const sink = new NexmarkResultSink(probe);
  const { result, wallMs, cpuMs } = await runJob(q, parallelism, s, new ScheduleProbeSource(source, probe), sink);
  if (probe.unknownStart > 0) throw new Error(`${q.name} p=${parallelism}: ${probe.unknownStart} results of a subtask whose source start was not seen`);
  const h = probe.histogram.summary();
  return {
    rate,
    rateSource: l.rateSource,
    events,
    settleS: l.settleS,
    durationS: l.durationS,
    achievedEventsPerSec: probe.achievedRate(),
    basis: q.latencyBasis,
    measured: h.count,
    settling: probe.settling,
    flushed: probe.flushed,
    untimed: probe.untimed,
    p50Ms: h.p50Ms,
    p90Ms: h.p90Ms,
    p99Ms: h.p99Ms,
    p999Ms: h.p999Ms,
    maxMs: h.maxMs,
    meanMs: h.meanMs,
    coresUsed: cpuMs / wallMs,
    checkpointsCompleted: result.checkpoints.completed,
  };
}
