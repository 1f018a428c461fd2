/**
 * `npm run bench -- nexmark [options]`: the Nexmark suite on Weir (see bench/README.md, "Nexmark").
 *
 * Per query (q0 … q12 as bench/nexmark/queries implements them) and parallelism (default 1 and 2):
 * warm-up, then `--runs` throughput runs of the query over a bounded Nexmark stream with
 * exactly-once checkpoints (query-runs.ts); events/s, cores (process CPU / wall) and events/s per
 * core next to Flink's published per-core figure; for q0, q1, q2 and q7 the plain-JS loop over the
 * same events (plain-queries.ts) with the same checksum, which must match; with `--latency`, a
 * paced run at 50% of the measured maximum (or `--rate`) and its latency percentiles. Results go
 * to stdout (markdown), `bench/results/nexmark-<date>-<host>.md` and the day's JSON file.
 *
 * Exit status: 0; 1 when a check failed (a checksum differs from the plain loop's, a run failed or
 * timed out: those queries' entries are not saved, the others are); 2 on bad arguments.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, measure } from '../measure.js';
import { localDate, machineInfo, writeResults, type BenchmarkReport, type MachineInfo } from '../report.js';
import { formatChecksum, sameChecksum, type ChecksumFigures } from './checksum.js';
import { runMicro, parseMicroOptions, type MicroOptions } from './micro.js';
import { formatCount, nexmarkMarkdown, nexmarkTable, type NexmarkGeneratorReport, type NexmarkMicroReport, type NexmarkQueryReport, type NexmarkRow, type NexmarkRunSettings, type PlainFigures, type QueryRunFigures } from './nexmark-report.js';
import { generatorOnly, PLAIN_QUERIES, throughputConfig } from './plain-queries.js';
import { registeredQueries, type RegisteredQuery } from './query-registry.js';
import { latencyRun, NEXMARK_BACKENDS, QueryTimeoutError, throughputRun, type NexmarkBackend, type QueryRunSettings } from './query-runs.js';

/** A command-line argument was invalid. */
export class NexmarkUsageError extends Error {
  override readonly name = 'NexmarkUsageError';
}

/** Options of `npm run bench -- nexmark`. */
export interface NexmarkOptions {
  queries: RegisteredQuery[];
  settings: NexmarkRunSettings;
  backend: NexmarkBackend;
  timeoutS: number;
  plain: boolean;
  /** Run the micro-benchmarks too (`--micro`), with their defaults. */
  micro: MicroOptions | undefined;
  save: boolean;
  help: boolean;
}

const DEFAULTS = {
  parallelisms: [1, 2],
  checkpointMs: 10_000,
  // nexmark's Flink configuration checkpoints incrementally (state.backend.incremental: true).
  backend: 'heap-incremental' as NexmarkBackend,
  targetSeconds: 15,
  runs: 1,
  seed: 0,
  eventRate: 10_000_000,
  latencyShare: 0.5,
  latencySettleS: 2,
  latencyDurationS: 10,
  latencyWatermarkDurationS: 30,
  timeoutS: 600,
};

export const NEXMARK_USAGE = `usage: npm run bench -- nexmark [options]
  --queries Q[,Q...]        queries to run (default all: ${registeredQueries()
    .map((q) => q.name)
    .join(', ')})
  --events N                events per measured run (default: sized so the query runs ~--seconds at the first parallelism)
  --seconds S               target duration of a measured run when --events is not given (default ${DEFAULTS.targetSeconds})
  --parallelism P[,P...]    parallelisms (default ${DEFAULTS.parallelisms.join(',')})
  --checkpoint-ms MS        exactly-once checkpoint interval, ms (default ${DEFAULTS.checkpointMs})
  --backend B               state backend: ${NEXMARK_BACKENDS.join(', ')} (default ${DEFAULTS.backend})
  --runs R                  measured runs per query and parallelism, median reported (default ${DEFAULTS.runs})
  --seed N                  generator seed (default ${DEFAULTS.seed})
  --event-rate R            throughput runs: events per second of event time, nexmark's first-event.rate (default ${DEFAULTS.eventRate.toLocaleString('en-US')}, as nexmark's workloads)
  --latency                 also measure latency at a fixed rate (default ${DEFAULTS.latencyShare * 100}% of the measured max of that query and parallelism)
  --rate R                  the latency runs' rate, events/s, for every query (implies --latency)
  --latency-settle S        seconds of each latency run left out of the percentiles (default ${DEFAULTS.latencySettleS})
  --latency-duration S      measured seconds of a latency run (default ${DEFAULTS.latencyDurationS}; ${DEFAULTS.latencyWatermarkDurationS} for queries whose results come from windows or timers)
  --latency-window-duration S  measured seconds for those (default ${DEFAULTS.latencyWatermarkDurationS})
  --no-plain                skip the plain-JS loops
  --micro                   also run the micro-benchmarks (npm run bench -- nexmark-micro)
  --timeout S               cancel a run after S seconds and fail it (default ${DEFAULTS.timeoutS})
  --no-save                 do not write bench/results/ files`;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function positiveInt(text: string, what: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new NexmarkUsageError(`--${what} must be a positive integer, got '${text}'`);
  return n;
}

function positive(text: string, what: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new NexmarkUsageError(`--${what} must be a positive number, got '${text}'`);
  return n;
}

function items(texts: readonly string[]): string[] {
  return texts.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
}

/**
 * Parses `nexmark` options.
 * @throws NexmarkUsageError on unknown options, bad numbers or unknown queries.
 */
export function parseNexmarkOptions(argv: readonly string[]): NexmarkOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        queries: { type: 'string', multiple: true },
        events: { type: 'string' },
        seconds: { type: 'string' },
        parallelism: { type: 'string', multiple: true },
        'checkpoint-ms': { type: 'string' },
        backend: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        'event-rate': { type: 'string' },
        latency: { type: 'boolean', default: false },
        rate: { type: 'string' },
        'latency-settle': { type: 'string' },
        'latency-duration': { type: 'string' },
        'latency-window-duration': { type: 'string' },
        'no-plain': { type: 'boolean', default: false },
        micro: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        'no-save': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new NexmarkUsageError((err as Error).message, { cause: err });
  }
  const all = registeredQueries();
  const wanted = values.queries === undefined ? all.map((q) => q.name) : items(values.queries);
  const queries = wanted.map((name) => {
    const q = all.find((x) => x.name === name);
    if (q === undefined) throw new NexmarkUsageError(`unknown query '${name}'; known: ${all.map((x) => x.name).join(', ')}`);
    return q;
  });
  const backend = values.backend ?? DEFAULTS.backend;
  const b = NEXMARK_BACKENDS.find((k) => k === backend);
  if (b === undefined) throw new NexmarkUsageError(`--backend must be one of ${NEXMARK_BACKENDS.join(', ')}, got '${backend}'`);
  const checkpointMs = values['checkpoint-ms'] === undefined ? DEFAULTS.checkpointMs : positiveInt(values['checkpoint-ms'], 'checkpoint-ms');
  if (checkpointMs < 10) throw new NexmarkUsageError(`--checkpoint-ms must be at least 10 (Weir's minimum), got ${checkpointMs}`);
  const rate = values.rate === undefined ? undefined : positive(values.rate, 'rate');
  const settings: NexmarkRunSettings = {
    events: values.events === undefined ? undefined : positiveInt(values.events, 'events'),
    targetSeconds: values.seconds === undefined ? DEFAULTS.targetSeconds : positive(values.seconds, 'seconds'),
    parallelisms: values.parallelism === undefined ? DEFAULTS.parallelisms : [...new Set(items(values.parallelism).map((p) => positiveInt(p, 'parallelism')))],
    checkpointMs,
    backend: b,
    seed: values.seed === undefined ? DEFAULTS.seed : Number(values.seed),
    eventRate: values['event-rate'] === undefined ? DEFAULTS.eventRate : positiveInt(values['event-rate'], 'event-rate'),
    runs: values.runs === undefined ? DEFAULTS.runs : positiveInt(values.runs, 'runs'),
    latency: values.latency === true || rate !== undefined,
    rate,
    latencyShare: DEFAULTS.latencyShare,
    latencySettleS: values['latency-settle'] === undefined ? DEFAULTS.latencySettleS : positive(values['latency-settle'], 'latency-settle'),
    latencyDurationS: values['latency-duration'] === undefined ? DEFAULTS.latencyDurationS : positive(values['latency-duration'], 'latency-duration'),
    latencyWatermarkDurationS: values['latency-window-duration'] === undefined ? DEFAULTS.latencyWatermarkDurationS : positive(values['latency-window-duration'], 'latency-window-duration'),
  };
  if (!Number.isSafeInteger(settings.seed)) throw new NexmarkUsageError(`--seed must be an integer, got '${values.seed}'`);
  return {
    queries,
    settings,
    backend: b,
    timeoutS: values.timeout === undefined ? DEFAULTS.timeoutS : positive(values.timeout, 'timeout'),
    plain: values['no-plain'] !== true,
    micro: values.micro === true ? parseMicroOptions([]) : undefined,
    save: values['no-save'] !== true,
    help: values.help === true,
  };
}

/** Rounds up to 2 significant digits (events per run). */
function roundEvents(x: number): number {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(1, x))) - 1);
  return Math.ceil(x / p) * p;
}

/**
 * Warms `q` up at `parallelism` on growing inputs (200,000 events, ×4 each time) until a run takes
 * ≥ 1.5 s, and returns the events that take ~`targetSeconds` at the last warm-up's rate.
 */
async function sizeEvents(q: RegisteredQuery, parallelism: number, targetSeconds: number, s: QueryRunSettings): Promise<number> {
  let events = 200_000;
  for (;;) {
    const r = await throughputRun(q, parallelism, events, s);
    log(`${q.name} p=${parallelism}: warm-up ${events.toLocaleString('en-US')} events: ${formatCount(r.eventsPerSec)} events/s in ${(r.wallMs / 1000).toFixed(2)} s`);
    if (r.wallMs >= 1500 || events >= 1e9) return roundEvents(r.eventsPerSec * targetSeconds);
    events *= 4;
  }
}

function runLine(q: string, p: number, i: number, n: number, r: QueryRunFigures): string {
  const c = r.checkpoints;
  return (
    `${q} p=${p}: run ${i}/${n}: ${formatCount(r.eventsPerSec)} events/s in ${(r.wallMs / 1000).toFixed(1)} s, cores ${r.coresUsed.toFixed(2)}, ` +
    `${formatCount(r.eventsPerSecPerCore)} events/s per core; ${r.checksum}; ${c.completed} checkpoints (${c.failed} failed), duration p50 ${c.durationP50Ms.toFixed(0)} / max ${c.durationMaxMs.toFixed(0)} ms, sync max ${c.syncMaxMs.toFixed(1)} ms, size max ${(c.sizeMaxBytes / 1e6).toFixed(1)} MB; ` +
    `event-loop delay p50 ${r.loopDelay.p50Ms.toFixed(1)} / p99 ${r.loopDelay.p99Ms.toFixed(1)} / max ${r.loopDelay.maxMs.toFixed(0)} ms`
  );
}

/** The plain loop of `q` over `events` events: a warm-up, then `runs` runs; null when it has none. */
function plainRuns(q: RegisteredQuery, events: number, seed: number, eventRate: number, runs: number): (PlainFigures & { checksumFigures: ChecksumFigures }) | null {
  const loop = PLAIN_QUERIES[q.name];
  if (loop === undefined) return null;
  const config = throughputConfig(events, seed, eventRate);
  loop(config, Math.min(events, 1_000_000));
  const rs: PlainFigures['runs'] = [];
  let checksum: ChecksumFigures | undefined;
  for (let i = 0; i < runs; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const c = loop(config, events);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (checksum !== undefined && !sameChecksum(c, checksum)) throw new Error(`plain ${q.name}: runs disagree (${formatChecksum(c)} vs ${formatChecksum(checksum)})`);
    checksum = c;
    rs.push({ wallMs, cpuMs, eventsPerSec: (events * 1000) / wallMs, eventsPerSecPerCore: (events * 1000) / cpuMs });
    log(`${q.name} plain loop: run ${i + 1}/${runs}: ${formatCount((events * 1000) / wallMs)} events/s (${formatCount((events * 1000) / cpuMs)} per core); ${formatChecksum(c)}`);
  }
  return {
    runs: rs,
    medianEventsPerSec: median(rs.map((r) => r.eventsPerSec)),
    medianEventsPerSecPerCore: median(rs.map((r) => r.eventsPerSecPerCore)),
    checksum: formatChecksum(checksum!),
    checksumFigures: checksum!,
  };
}

/** Why a query's results may legitimately differ between runs or parallelisms ('' when they may not). */
function orderNote(q: RegisteredQuery): string {
  if (q.query.processingTime) return ': processing-time windows, so the rows depend on timing';
  if (q.name === 'q4') return ': q4 emits a running average per winner, so its rows depend on arrival order';
  return '';
}

/** Runs one query at every parallelism (see the module docstring). */
async function runQuery(q: RegisteredQuery, o: NexmarkOptions): Promise<NexmarkQueryReport> {
  const s = o.settings;
  const rs: QueryRunSettings = { checkpointMs: s.checkpointMs, backend: o.backend, seed: s.seed, eventRate: s.eventRate, timeoutS: o.timeoutS };
  const failures: string[] = [];
  const rows: NexmarkRow[] = [];
  const checksums = new Map<number, ChecksumFigures[]>();
  let events = s.events;
  try {
    for (const p of s.parallelisms) {
      if (events === undefined) events = await sizeEvents(q, p, s.targetSeconds, rs);
      else {
        const w = Math.min(events, Math.max(100_000, Math.round(events / 10)));
        const r = await throughputRun(q, p, w, rs);
        log(`${q.name} p=${p}: warm-up ${w.toLocaleString('en-US')} events: ${formatCount(r.eventsPerSec)} events/s`);
      }
      const runs: QueryRunFigures[] = [];
      const sums: ChecksumFigures[] = [];
      for (let i = 1; i <= s.runs; i++) {
        const { checksumFigures, ...r } = await throughputRun(q, p, events, rs);
        runs.push(r);
        sums.push(checksumFigures);
        log(runLine(q.name, p, i, s.runs, r));
      }
      checksums.set(p, sums);
      const perCore = median(runs.map((r) => r.eventsPerSecPerCore));
      rows.push({
        query: q.name,
        title: q.query.title,
        parallelism: p,
        events,
        runs,
        median: { eventsPerSec: median(runs.map((r) => r.eventsPerSec)), coresUsed: median(runs.map((r) => r.coresUsed)), eventsPerSecPerCore: perCore, results: median(runs.map((r) => r.results)) },
        flinkPerCore: q.flinkPerCore ?? null,
        ratioToFlink: q.flinkPerCore === undefined ? null : perCore / q.flinkPerCore,
        plain: null,
        ratioToPlain: null,
        latency: null,
        checks: [],
      });
    }
  } catch (err) {
    const what = err instanceof QueryTimeoutError ? 'timed out' : 'failed';
    log(`${q.name}: ${what}: ${(err as Error).stack ?? String(err)}`);
    failures.push(`${what}: ${(err as Error).message}`);
    return { kind: 'nexmark-query', name: `nexmark-${q.name}`, title: `Nexmark ${q.name} ${q.query.title}`, sql: q.query.sql, measuredAt: new Date().toISOString(), settings: s, rows, failures };
  }
  // Checks: runs agree, parallelisms agree, the plain loop agrees.
  const first = checksums.get(s.parallelisms[0]!)![0]!;
  for (const row of rows) {
    const sums = checksums.get(row.parallelism)!;
    if (sums.some((c) => !sameChecksum(c, sums[0]!))) row.checks.push(`runs differ${orderNote(q)}`);
    if (row.parallelism !== s.parallelisms[0]) {
      if (sameChecksum(sums[0]!, first)) row.checks.push(`= p=${s.parallelisms[0]} results`);
      else row.checks.push(`≠ p=${s.parallelisms[0]} results (${formatChecksum(sums[0]!)} vs ${formatChecksum(first)})${orderNote(q)}`);
    }
  }
  if (o.plain && events !== undefined) {
    const plain = plainRuns(q, events, s.seed, s.eventRate, s.runs);
    if (plain !== null) {
      const { checksumFigures, ...figures } = plain;
      for (const row of rows) {
        row.plain = figures;
        row.ratioToPlain = row.median.eventsPerSecPerCore / figures.medianEventsPerSecPerCore;
        const ok = checksums.get(row.parallelism)!.every((c) => sameChecksum(c, checksumFigures));
        if (ok) row.checks.push('= plain loop');
        else {
          const msg = `p=${row.parallelism}: Weir ${formatChecksum(checksums.get(row.parallelism)![0]!)}, plain loop ${formatChecksum(checksumFigures)}`;
          row.checks.push(`≠ plain loop`);
          failures.push(`results differ from the plain loop: ${msg}`);
          log(`${q.name}: CHECK FAILED: results differ from the plain loop: ${msg}`);
        }
      }
    }
  }
  if (s.latency && q.latencyBasis === 'none') {
    for (const row of rows) row.checks.push('latency not measured: results are timed in processing time');
  } else if (s.latency) {
    for (const row of rows) {
      const rate = s.rate ?? row.median.eventsPerSec * s.latencyShare;
      const l = {
        rate,
        rateSource: s.rate === undefined ? `${s.latencyShare * 100}% of max` : '--rate',
        settleS: s.latencySettleS,
        durationS: q.latencyBasis === 'watermark' ? s.latencyWatermarkDurationS : s.latencyDurationS,
      };
      log(`${q.name} p=${row.parallelism}: latency at ${formatCount(rate)} events/s (${l.rateSource}) for ${l.settleS} + ${l.durationS} s (basis: ${q.latencyBasis})`);
      try {
        const lat = await latencyRun(q, row.parallelism, l, rs);
        row.latency = lat;
        log(
          `${q.name} p=${row.parallelism}: latency p50 ${lat.p50Ms.toFixed(2)} p99 ${lat.p99Ms.toFixed(2)} p99.9 ${lat.p999Ms.toFixed(2)} max ${lat.maxMs.toFixed(2)} ms over ${lat.measured} results ` +
            `(${lat.settling} settling, ${lat.flushed} from the final watermark, ${lat.untimed} untimed); achieved ${formatCount(lat.achievedEventsPerSec)} events/s, cores ${lat.coresUsed.toFixed(2)}`,
        );
      } catch (err) {
        const what = err instanceof QueryTimeoutError ? 'timed out' : 'failed';
        log(`${q.name} p=${row.parallelism}: latency run ${what}: ${(err as Error).stack ?? String(err)}`);
        failures.push(`latency p=${row.parallelism} ${what}: ${(err as Error).message}`);
      }
    }
  }
  return { kind: 'nexmark-query', name: `nexmark-${q.name}`, title: `Nexmark ${q.name} ${q.query.title}`, sql: q.query.sql, measuredAt: new Date().toISOString(), settings: s, rows, failures };
}

/** The generator alone over `events` events (after a warm-up). */
async function generatorReport(events: number, seed: number, eventRate: number): Promise<NexmarkGeneratorReport> {
  const config = throughputConfig(events, seed, eventRate);
  generatorOnly(config, Math.min(events, 500_000));
  const m = await measure(() => generatorOnly(config, events));
  if (m.result.count !== events) throw new Error(`generator: counted ${m.result.count} events, expected ${events}`);
  const r: NexmarkGeneratorReport = {
    kind: 'nexmark-generator',
    name: 'nexmark-generator',
    title: 'Nexmark generator alone: generate(params, n) (generateEvent without its argument check) in a plain loop',
    measuredAt: new Date().toISOString(),
    events,
    eventsPerSec: (events * 1000) / m.wallMs,
    eventsPerSecPerCore: (events * 1000) / m.cpuMs,
  };
  log(`generator alone: ${formatCount(r.eventsPerSec)} events/s (${formatCount(r.eventsPerSecPerCore)} per core) over ${events.toLocaleString('en-US')} events`);
  return r;
}

/** Writes the markdown copy; returns its path. */
async function writeMarkdown(machine: MachineInfo, text: string, prefix: string): Promise<string> {
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  const file = path.join(dir, `${prefix}-${localDate()}-${machine.hostname.replace(/[^A-Za-z0-9._-]/g, '_')}.md`);
  await writeFile(file, text);
  return file;
}

/** `npm run bench -- nexmark …`: returns the exit status. */
export async function runNexmarkCommand(argv: readonly string[]): Promise<number> {
  let o: NexmarkOptions;
  try {
    o = parseNexmarkOptions(argv);
  } catch (err) {
    if (!(err instanceof NexmarkUsageError)) throw err;
    log(`${err.message}\n${NEXMARK_USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(NEXMARK_USAGE);
    return 0;
  }
  if ((globalThis as { gc?: unknown }).gc === undefined) log('note: run with node --expose-gc (npm run bench does) to collect garbage between runs');
  const machine = machineInfo();
  log(`${machine.cores} cores, load average ${machine.loadAverage1m.toFixed(2)}; queries ${o.queries.map((q) => q.name).join(', ')}; parallelism ${o.settings.parallelisms.join(', ')}`);
  const generator = await generatorReport(2_000_000, o.settings.seed, o.settings.eventRate);
  const reports: NexmarkQueryReport[] = [];
  for (const q of o.queries) {
    const r = await runQuery(q, o);
    reports.push(r);
    log(nexmarkTable([r]).slice(2).join('\n'));
  }
  let micro: NexmarkMicroReport | undefined;
  if (o.micro !== undefined) micro = await runMicro(o.micro);
  const md = nexmarkMarkdown(machine, localDate(), o.settings, generator, reports, micro);
  console.log(md);
  const failed = reports.filter((r) => r.failures.length > 0);
  if (o.save) {
    const kept: BenchmarkReport[] = [generator, ...reports.filter((r) => r.failures.length === 0), ...(micro === undefined ? [] : [micro])];
    const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
    const json = await writeResults(dir, machine, kept);
    const mdFile = await writeMarkdown(machine, md, 'nexmark');
    console.log(`results: ${path.relative(process.cwd(), json) || json}, ${path.relative(process.cwd(), mdFile) || mdFile}`);
  }
  if (failed.length > 0) {
    log(`checks failed (${failed.map((r) => r.name).join(', ')}): their entries were not saved`);
    return 1;
  }
  return 0;
}
