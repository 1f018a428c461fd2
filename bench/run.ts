/**
 * `npm run bench [-- options]`: runs each throughput benchmark once on a smaller input to warm up,
 * then R times, checks every Weir result against the plain loop's, runs the latency benchmark
 * at each requested rate and parallelism, and the checkpoint benchmarks (checkpoint overhead and
 * recovery time) per state backend; prints a table of medians on stdout (progress goes to
 * stderr) and writes a JSON copy to `bench/results/`. Exits with 1 when a check fails (writing
 * nothing), 2 on bad arguments.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarks, DEFAULT_RUNS, DEFAULT_SETTINGS, type AnyBenchmark, type Benchmark, type BenchSettings, type CheckpointBenchmark, type LatencyBenchmark } from './benchmarks.js';
import { DEFAULT_OVERHEAD_RECORDS, runCheckpointOverhead, runRecoveryTime, type CheckpointBenchSettings } from './checkpoint-benchmarks.js';
import { BACKEND_KINDS, type BackendKind } from './keyed-state-job.js';
import { runLatencyFloor, runLatencyWeir, settleRecords, totalRecords, type LatencyRun } from './latency.js';
import { collectGarbage, median, measure } from './measure.js';
import {
  formatMs,
  formatRate,
  formatTable,
  machineInfo,
  runFigures,
  writeResults,
  type BenchmarkReport,
  type LatencyFigures,
  type LatencyReport,
  type LatencyRow,
  type ThroughputReport,
} from './report.js';

/** Default source records of the warm-up run (see {@link BenchSettings.warmupRecords}). */
export const DEFAULT_WARMUP_RECORDS = 3_000_000;

/** Settings of one `npm run bench`. */
export interface BenchOptions {
  /** What the benchmarks read (record counts, runs, window and latency knobs). */
  settings: BenchSettings;
  /** Benchmarks to run, by name (default all). */
  only: readonly AnyBenchmark[];
  /** Write the JSON copy (default true). */
  save: boolean;
  help: boolean;
}

const USAGE = `usage: npm run bench -- [options]
       npm run bench -- nexmark [options]        the Nexmark suite (--help for its options)
       npm run bench -- nexmark-micro [options]  its micro-benchmarks (--help for their options)
       npm run bench -- cluster [options]        across task managers over NATS (--help for its options)
       npm run bench -- slots [options]          an embedded job on 1 and 2 worker-thread slots (--help)
  --only NAME              run only this benchmark (repeatable): ${benchmarks.map((b) => b.name).join(', ')}
  --runs R                 measured runs per benchmark (latency: per rate and parallelism; checkpoint benchmarks: per backend), median reported (default ${DEFAULT_RUNS}; checkpoint benchmarks 1)
  --no-save                do not write bench/results/<date>-<host>.json (use when profiling)
 throughput benchmarks (chained, keyed-sum, window-agg):
  --records N              source records per measured run (default 10,000,000; window-agg 5,000,000; 1e7 and 10_000_000 work)
  --warmup W               source records of the warm-up run (default min(N, 3,000,000))
  --records-per-ms D       window-agg: records per ms of event time (default ${DEFAULT_SETTINGS.recordsPerMs}: 10 records per key and 1 s window)
  --watermark-interval MS  window-agg: autoWatermarkInterval, ms of wall time (default ${DEFAULT_SETTINGS.watermarkIntervalMs}; Weir's default is 200)
 latency benchmark:
  --rate R[,R...]          input rates, records/s (default ${DEFAULT_SETTINGS.rates.join(',')}); comma-separated or repeated; 2e5 and 200_000 work
  --duration S             measured seconds per run (default ${DEFAULT_SETTINGS.durationS})
  --settle S               seconds at the start of each run left out of the percentiles (default ${DEFAULT_SETTINGS.settleS}; their max is shown apart)
  --latency-warmup S       seconds of the warm-up run per parallelism, at the highest rate (default ${DEFAULT_SETTINGS.latencyWarmupS})
  --parallelism P[,P...]   parallelisms of the latency job (default ${DEFAULT_SETTINGS.latencyParallelisms.join(',')})
 checkpoint benchmarks (checkpoint-overhead, recovery-time):
  --records N              checkpoint-overhead: source records per run (default ${DEFAULT_OVERHEAD_RECORDS.heap.toLocaleString('en-US')} on heap, ${DEFAULT_OVERHEAD_RECORDS.leveldb.toLocaleString('en-US')} on LevelDB);
                           recovery-time reads an unbounded input and is cancelled after the recovery (scale it with --keys)
  --warmup W               checkpoint-overhead: records of the warm-up runs, over W / 2 keys (default min(N, 2,000,000) on heap, min(N, 200,000) on LevelDB)
  --keys K                 distinct keys in the state (default ${DEFAULT_SETTINGS.keys.toLocaleString('en-US')})
  --checkpoint-interval MS checkpoint interval, ms (default ${DEFAULT_SETTINGS.checkpointIntervalMs})
  --backend B[,B...]       state backends: ${BACKEND_KINDS.join(', ')} (default all)
  --keyed-parallelism P    parallelism of the keyed operator and sink (default ${DEFAULT_SETTINGS.keyedParallelism}; the embedded runtime runs all subtasks on one thread)`;

/** A command-line argument was invalid. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses the command line with `node:util` parseArgs.
 * @throws UsageError on unknown options, non-positive counts or unknown benchmark names.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        records: { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        only: { type: 'string', multiple: true },
        'records-per-ms': { type: 'string' },
        'watermark-interval': { type: 'string' },
        rate: { type: 'string', multiple: true },
        duration: { type: 'string' },
        settle: { type: 'string' },
        'latency-warmup': { type: 'string' },
        parallelism: { type: 'string', multiple: true },
        keys: { type: 'string' },
        'checkpoint-interval': { type: 'string' },
        backend: { type: 'string', multiple: true },
        'keyed-parallelism': { type: 'string' },
        'no-save': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const d = DEFAULT_SETTINGS;
  const settings: BenchSettings = {
    records: values.records === undefined ? undefined : count(values.records, 'records'),
    warmupRecords: values.warmup === undefined ? undefined : count(values.warmup, 'warmup'),
    runs: values.runs === undefined ? d.runs : count(values.runs, 'runs'),
    recordsPerMs: values['records-per-ms'] === undefined ? d.recordsPerMs : count(values['records-per-ms'], 'records-per-ms'),
    watermarkIntervalMs: values['watermark-interval'] === undefined ? d.watermarkIntervalMs : positive(values['watermark-interval'], 'watermark-interval'),
    rates: values.rate === undefined ? d.rates : list(values.rate, 'rate').map((x) => positive(x, 'rate')),
    durationS: values.duration === undefined ? d.durationS : positive(values.duration, 'duration'),
    settleS: values.settle === undefined ? d.settleS : nonNegative(values.settle, 'settle'),
    latencyWarmupS: values['latency-warmup'] === undefined ? d.latencyWarmupS : positive(values['latency-warmup'], 'latency-warmup'),
    latencyParallelisms: values.parallelism === undefined ? d.latencyParallelisms : list(values.parallelism, 'parallelism').map((x) => count(x, 'parallelism')),
    keys: values.keys === undefined ? d.keys : count(values.keys, 'keys'),
    checkpointIntervalMs: values['checkpoint-interval'] === undefined ? d.checkpointIntervalMs : count(values['checkpoint-interval'], 'checkpoint-interval'),
    backends: values.backend === undefined ? d.backends : [...new Set(list(values.backend, 'backend').map(backendKind))],
    keyedParallelism: values['keyed-parallelism'] === undefined ? d.keyedParallelism : count(values['keyed-parallelism'], 'keyed-parallelism'),
  };
  if (settings.checkpointIntervalMs < 10) throw new UsageError(`--checkpoint-interval must be at least 10 ms (Weir's minimum), got ${settings.checkpointIntervalMs}`);
  const only = (values.only ?? []).map((name) => {
    const b = benchmarks.find((x) => x.name === name);
    if (b === undefined) throw new UsageError(`unknown benchmark '${name}'; known: ${benchmarks.map((x) => x.name).join(', ')}`);
    return b;
  });
  return { settings, only: only.length > 0 ? only : benchmarks, save: values['no-save'] !== true, help: values.help === true };
}

/** A state backend name. */
function backendKind(text: string): BackendKind {
  const b = BACKEND_KINDS.find((k) => k === text);
  if (b === undefined) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(', ')}, got '${text}'`);
  return b;
}

/** A positive integer; `_` and `,` may group digits. */
function count(text: string, what: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${what} must be a positive integer, got '${text}'`);
  return n;
}

/** A positive finite number; `_` may group digits (`,` separates list items where lists are allowed). */
function positive(text: string, what: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${what} must be a positive number, got '${text}'`);
  return n;
}

/** A finite number ≥ 0. */
function nonNegative(text: string, what: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${what} must be a number ≥ 0, got '${text}'`);
  return n;
}

/** The items of a repeatable, comma-separated option. */
function list(texts: readonly string[], what: string): string[] {
  const items = texts.flatMap((t) => t.split(',')).map((t) => t.trim());
  if (items.some((t) => t === '')) throw new UsageError(`--${what} has an empty item: '${texts.join(',')}'`);
  return items;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Medians of numeric fields over `rows` (all rows have the same keys). */
function medianExtras(rows: readonly Record<string, number>[]): Record<string, number> | undefined {
  if (rows.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const k of Object.keys(rows[0]!)) out[k] = median(rows.map((r) => r[k]!));
  return out;
}

/**
 * Warms `b` up once, then measures `settings.runs` Weir runs and as many plain-loop runs,
 * interleaved, checking each Weir result against the plain loop's.
 * @throws BenchmarkCheckError when a result differs.
 */
export async function runBenchmark<R>(b: Benchmark<R>, settings: BenchSettings): Promise<ThroughputReport> {
  const records = settings.records ?? b.defaultRecords;
  const warmupRecords = settings.warmupRecords ?? Math.min(records, DEFAULT_WARMUP_RECORDS);
  const runs = settings.runs ?? DEFAULT_RUNS;
  log(`${b.name}: warm-up, ${warmupRecords.toLocaleString('en-US')} records`);
  b.verify(warmupRecords, await b.weir(warmupRecords, settings), b.plain(warmupRecords, settings), settings);
  const weirRuns: ThroughputReport['weir']['runs'] = [];
  const plainRuns = [];
  const extras: Record<string, number>[] = [];
  for (let i = 1; i <= runs; i++) {
    const w = await measure(() => b.weir(records, settings));
    const p = await measure(() => b.plain(records, settings));
    b.verify(records, w.result, p.result, settings);
    const wf = runFigures(records, w.wallMs, w.cpuMs);
    const pf = runFigures(records, p.wallMs, p.cpuMs);
    const x = b.runExtras?.(records, w.result);
    if (x !== undefined) extras.push(x);
    weirRuns.push(x === undefined ? wf : { ...wf, extras: x });
    plainRuns.push(pf);
    const shown = x === undefined ? '' : ` (${Object.entries(x).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')})`;
    log(
      `${b.name}: run ${i}/${runs}: Weir ${formatRate(wf.recordsPerSec)} records/s in ${wf.wallMs.toFixed(0)} ms (cores used ${wf.coresUsed.toFixed(2)})${shown}, ` +
        `plain loop ${formatRate(pf.recordsPerSec)} records/s in ${pf.wallMs.toFixed(0)} ms; results match`,
    );
  }
  const weirMedian = median(weirRuns.map((r) => r.recordsPerSec));
  const plainMedian = median(plainRuns.map((r) => r.recordsPerSec));
  const medians = medianExtras(extras);
  const report: ThroughputReport = {
    kind: 'throughput',
    name: b.name,
    title: b.title,
    parallelism: b.parallelism,
    records,
    warmupRecords,
    measuredAt: new Date().toISOString(),
    weir: { runs: weirRuns, medianRecordsPerSec: weirMedian, medianCoresUsed: median(weirRuns.map((r) => r.coresUsed)), ...(medians === undefined ? {} : { extras: medians }) },
    plain: { runs: plainRuns, medianRecordsPerSec: plainMedian },
    ratio: weirMedian / plainMedian,
    target: b.targetRecordsPerSec === undefined ? null : { recordsPerSec: b.targetRecordsPerSec, met: weirMedian >= b.targetRecordsPerSec },
  };
  const note = medians === undefined ? undefined : b.formatExtras?.(medians);
  if (note !== undefined) report.note = note;
  return report;
}

/** A latency run with the 1-minute load average when it started (above the core count: tails are other processes' too). */
type LoggedLatencyRun = LatencyRun & { loadAverage1m: number };

/** Collects garbage, then runs `run`, noting the load average at its start. */
async function latencyRun(run: () => Promise<LatencyRun>): Promise<LoggedLatencyRun> {
  collectGarbage();
  const loadAverage1m = os.loadavg()[0] ?? 0;
  return { ...(await run()), loadAverage1m };
}

function latencyLine(label: string, r: LoggedLatencyRun): string {
  return (
    `${label}: p50 ${formatMs(r.p50Ms)} p99 ${formatMs(r.p99Ms)} p99.9 ${formatMs(r.p999Ms)} max ${formatMs(r.maxMs)} ms (start-up max ${formatMs(r.startupMaxMs)} ms), ` +
    `achieved ${Math.round(r.achievedRate).toLocaleString('en-US')}/s of ${r.rate.toLocaleString('en-US')}/s, cores used ${r.coresUsed.toFixed(2)}, load average ${r.loadAverage1m.toFixed(2)}`
  );
}

function medianLatency(runs: readonly LatencyRun[]): LatencyFigures {
  const m = (f: (r: LatencyRun) => number): number => median(runs.map(f));
  return {
    rate: runs[0]!.rate,
    records: runs[0]!.records,
    achievedRate: m((r) => r.achievedRate),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    p999Ms: m((r) => r.p999Ms),
    maxMs: m((r) => r.maxMs),
    startupMaxMs: m((r) => r.startupMaxMs),
    coresUsed: m((r) => r.coresUsed),
  };
}

/**
 * Warms the latency job up once per parallelism (and the floor once) at the highest rate, then for
 * each rate runs `settings.runs` rounds of: floor, then the Weir job at each parallelism.
 * @throws LatencyCheckError when a run lost, repeated or miscounted records.
 */
export async function runLatency(b: LatencyBenchmark, settings: BenchSettings): Promise<LatencyReport> {
  const { rates, durationS, settleS, latencyWarmupS, latencyParallelisms } = settings;
  const runs = settings.runs ?? DEFAULT_RUNS;
  const top = Math.max(...rates);
  log(`${b.name}: warm-up, ${latencyWarmupS} s at ${top.toLocaleString('en-US')} records/s (floor, p=${latencyParallelisms.join(', p=')})`);
  await runLatencyFloor(top, latencyWarmupS, 0);
  for (const p of latencyParallelisms) await runLatencyWeir(top, latencyWarmupS, 0, p);
  const rows: LatencyRow[] = [];
  for (const rate of rates) {
    log(
      `${b.name}: ${rate.toLocaleString('en-US')} records/s for ${settleS} s (settling, not measured) + ${durationS} s = ` +
        `${(settleRecords(rate, settleS) + totalRecords(rate, durationS)).toLocaleString('en-US')} records per run`,
    );
    const floor: LoggedLatencyRun[] = [];
    const weir = new Map<number, LoggedLatencyRun[]>(latencyParallelisms.map((p) => [p, []]));
    for (let i = 1; i <= runs; i++) {
      const f = await latencyRun(() => runLatencyFloor(rate, durationS, settleS));
      floor.push(f);
      log(`${b.name}: run ${i}/${runs}: ${latencyLine('floor', f)}`);
      for (const p of latencyParallelisms) {
        const w = await latencyRun(() => runLatencyWeir(rate, durationS, settleS, p));
        weir.get(p)!.push(w);
        log(`${b.name}: run ${i}/${runs}: ${latencyLine(`Weir p=${p}`, w)}`);
      }
    }
    for (const p of latencyParallelisms) rows.push({ parallelism: p, rate, runs: weir.get(p)!, median: medianLatency(weir.get(p)!) });
    rows.push({ parallelism: null, rate, runs: floor, median: medianLatency(floor) });
  }
  return { kind: 'latency', name: b.name, title: b.title, durationS, settleS, warmupS: latencyWarmupS, measuredAt: new Date().toISOString(), rows };
}

/** Runs a checkpoint benchmark with its share of the settings. */
export async function runCheckpointBenchmark(b: CheckpointBenchmark, settings: BenchSettings): Promise<BenchmarkReport> {
  const s: CheckpointBenchSettings = {
    keys: settings.keys,
    checkpointIntervalMs: settings.checkpointIntervalMs,
    backends: settings.backends,
    keyedParallelism: settings.keyedParallelism,
    records: settings.records,
    warmupRecords: settings.warmupRecords,
    runs: settings.runs ?? b.defaultRuns,
  };
  return b.kind === 'checkpoint-overhead' ? runCheckpointOverhead(b.name, b.title, s) : runRecoveryTime(b.name, b.title, s);
}

/** Runs one benchmark of any kind. */
function runAny(b: AnyBenchmark, settings: BenchSettings): Promise<BenchmarkReport> {
  switch (b.kind) {
    case 'throughput':
      return runBenchmark(b, settings);
    case 'latency':
      return runLatency(b, settings);
    default:
      return runCheckpointBenchmark(b, settings);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    log(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if ((globalThis as { gc?: unknown }).gc === undefined) log('note: run with node --expose-gc (npm run bench does) to collect garbage between runs');
  const machine = machineInfo();
  log(`${machine.cores} cores, load average ${machine.loadAverage1m.toFixed(2)}; ${options.settings.runs ?? 'default'} measured run(s) per benchmark`);
  const reports: BenchmarkReport[] = [];
  for (const b of options.only) reports.push(await runAny(b, options.settings));
  console.log(formatTable(machine, reports));
  const failed = reports.flatMap((r) => (r.kind === 'checkpoint-overhead' || r.kind === 'recovery-time' ? r.failures.map((f) => `${r.name} ${f.backend}`) : []));
  if (failed.length > 0) {
    log(`checks failed (${failed.join(', ')}): results not saved`);
    return 1;
  }
  if (options.save) {
    // dist/bench/run.js → <repo>/bench/results, whatever the working directory.
    const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    const file = await writeResults(dir, machine, reports);
    console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  }
  return 0;
}

/**
 * Sub-commands: `nexmark` (the Nexmark suite), `nexmark-micro` (its micro-benchmarks), `cluster`
 * (over NATS) and `slots` (worker-thread slots), loaded
 * only when asked for; anything else is the benchmarks above.
 */
async function dispatch(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'nexmark') return (await import('./nexmark/run-nexmark.js')).runNexmarkCommand(argv.slice(1));
  if (argv[0] === 'nexmark-micro') return (await import('./nexmark/micro.js')).runMicroCommand(argv.slice(1));
  if (argv[0] === 'cluster') return (await import('./cluster/cluster-bench.js')).runClusterCommand(argv.slice(1));
  if (argv[0] === 'slots') return (await import('./slots/slot-scaling-bench.js')).runSlotsCommand(argv.slice(1));
  return main(argv);
}

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('benchmark failed:', err);
    process.exitCode = 1;
  },
);
