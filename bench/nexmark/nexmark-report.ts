/**
 * What the Nexmark benchmark reports: per query a JSON entry (`kind: "nexmark-query"`, name
 * `nexmark-<query>`, one row per parallelism) in `bench/results/<date>-<host>.json` (merged by
 * name as the other benchmarks, see report.ts), the generator's own rate (`nexmark-generator`),
 * the micro-benchmarks (`nexmark-micro`); and a markdown table (stdout and
 * `bench/results/nexmark-<date>-<host>.md`).
 */
import { formatMachine, type MachineInfo } from '../report.js';
import type { MicroFigure } from './micro-actors.js';

/** The checkpoints of one run (`JobExecutionResult.checkpoints`), ms and bytes. */
export interface RunCheckpoints {
  completed: number;
  failed: number;
  durationP50Ms: number;
  durationMaxMs: number;
  sizeMaxBytes: number;
  syncMaxMs: number;
  asyncMaxMs: number;
}

/** One measured throughput run of a query. */
export interface QueryRunFigures {
  /** `execute()` wall time (graph building and deployment included), ms. */
  wallMs: number;
  /** Process CPU time (user + system, every thread), ms. */
  cpuMs: number;
  eventsPerSec: number;
  /** cpuMs / wallMs. */
  coresUsed: number;
  /** eventsPerSec / coresUsed = events / CPU seconds. */
  eventsPerSecPerCore: number;
  /** Results the null sink received. */
  results: number;
  /** The results' checksum (checksum.ts), `count/sumA/sumB` hex. */
  checksum: string;
  checkpoints: RunCheckpoints;
  /** Event-loop delay (monitorEventLoopDelay): how late timers and I/O were served, ms. */
  loopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
}

/** The plain-JS loop of a query over the same events. */
export interface PlainFigures {
  runs: { wallMs: number; cpuMs: number; eventsPerSec: number; eventsPerSecPerCore: number }[];
  medianEventsPerSec: number;
  medianEventsPerSecPerCore: number;
  checksum: string;
}

/** A latency run of a query at a fixed input rate. */
export interface QueryLatencyFigures {
  /** Input rate, events/s (all subtasks). */
  rate: number;
  /** How the rate was chosen (`50% of max` or `--rate`). */
  rateSource: string;
  /** Events in the run (settling included). */
  events: number;
  settleS: number;
  durationS: number;
  /** Events / (last reader's last emission − first reader's start), events/s: below `rate` when the job held the source back. */
  achievedEventsPerSec: number;
  /** See query-registry.ts `LatencyBasis`. */
  basis: string;
  /** Results measured (after settling, not from the final watermark). */
  measured: number;
  /** Results left out: during settling, from the final watermark, without timestamp. */
  settling: number;
  flushed: number;
  untimed: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  coresUsed: number;
  checkpointsCompleted: number;
}

/** One (query, parallelism) row. */
export interface NexmarkRow {
  query: string;
  title: string;
  parallelism: number;
  /** Events per measured run. */
  events: number;
  runs: QueryRunFigures[];
  /** Medians over the runs. */
  median: { eventsPerSec: number; coresUsed: number; eventsPerSecPerCore: number; results: number };
  /** Flink V1 events/s per core, or null when the issue gives none. */
  flinkPerCore: number | null;
  /** Weir per core / Flink per core. */
  ratioToFlink: number | null;
  /** The plain loop (per query, the same for every parallelism), or null. */
  plain: PlainFigures | null;
  /** Weir per core / plain loop per core. */
  ratioToPlain: number | null;
  latency: QueryLatencyFigures | null;
  /** What was checked and how it came out (checksums against the plain loop, across runs and parallelisms). */
  checks: string[];
}

/** A query's JSON entry. */
export interface NexmarkQueryReport {
  kind: 'nexmark-query';
  name: string;
  title: string;
  sql: string;
  measuredAt: string;
  settings: NexmarkRunSettings;
  rows: NexmarkRow[];
  /** Failed checks (the run exits with 1 and saves nothing). */
  failures: string[];
}

/** The generator alone (plain loop generating events, no query). */
export interface NexmarkGeneratorReport {
  kind: 'nexmark-generator';
  name: 'nexmark-generator';
  title: string;
  measuredAt: string;
  events: number;
  eventsPerSec: number;
  eventsPerSecPerCore: number;
}

/** The micro-benchmarks' JSON entry. */
export interface NexmarkMicroReport {
  kind: 'nexmark-micro';
  name: 'nexmark-micro';
  title: string;
  measuredAt: string;
  figures: MicroFigure[];
}

/** The settings a query run used (recorded with its results). */
export interface NexmarkRunSettings {
  /** `--events`, or undefined when sized automatically to `targetSeconds`. */
  events: number | undefined;
  targetSeconds: number;
  parallelisms: number[];
  checkpointMs: number;
  backend: string;
  seed: number;
  /** Events per second of event time in the throughput runs (`--event-rate`, nexmark's `first-event.rate`). */
  eventRate: number;
  runs: number;
  latency: boolean;
  rate: number | undefined;
  latencyShare: number;
  latencySettleS: number;
  latencyDurationS: number;
  latencyWatermarkDurationS: number;
}

/** `1.23 M`, `456 K`, `789`. */
export function formatCount(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 1e6) return `${(x / 1e6).toFixed(x >= 1e7 ? 1 : 2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e5 ? 0 : 1)} K`;
  return x.toFixed(0);
}

function ratio(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '—' : x.toFixed(2);
}

function ms(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x < 10 ? x.toFixed(2) : x < 1000 ? x.toFixed(1) : x.toFixed(0);
}

/** The latency cell: `p99 12.3 ms (p50 1.2) @ 150 K/s`. */
function latencyCell(l: QueryLatencyFigures | null): string {
  if (l === null) return '—';
  if (l.basis === 'none') return 'n/a (processing time)';
  if (l.measured === 0) return `no results measured @ ${formatCount(l.rate)}/s`;
  const behind = l.achievedEventsPerSec < 0.95 * l.rate ? ` (fell behind: ${formatCount(l.achievedEventsPerSec)}/s)` : '';
  return `${ms(l.p99Ms)} ms (p50 ${ms(l.p50Ms)}, max ${ms(l.maxMs)}, ${formatCount(l.measured)} results) @ ${formatCount(l.rate)}/s${behind}`;
}

/** Markdown table rows: one per (query, parallelism). */
export function nexmarkTable(reports: readonly NexmarkQueryReport[]): string[] {
  const lines = [
    '| query | p | events | events/s | cores | events/s per core | Flink V1 per core | Weir / Flink | plain loop per core | Weir / plain | p99 latency at 50% of max rate | checks |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of reports) {
    for (const row of r.rows) {
      lines.push(
        `| ${row.query} ${row.title} | ${row.parallelism} | ${formatCount(row.events)} | ${formatCount(row.median.eventsPerSec)} | ${row.median.coresUsed.toFixed(2)} | ` +
          `**${formatCount(row.median.eventsPerSecPerCore)}** | ${row.flinkPerCore === null ? '—' : formatCount(row.flinkPerCore)} | ${ratio(row.ratioToFlink)} | ` +
          `${row.plain === null ? '—' : formatCount(row.plain.medianEventsPerSecPerCore)} | ${ratio(row.ratioToPlain)} | ${latencyCell(row.latency)} | ${row.checks.join('; ')} |`,
      );
    }
    for (const f of r.failures) lines.push(`| ${r.name} | | | | | | | | | | | **CHECK FAILED**: ${f} |`);
  }
  return lines;
}

/** Markdown rows of the micro-benchmarks. */
export function microTable(figures: readonly MicroFigure[]): string[] {
  const lines = ['| micro-benchmark | what it measures | value | unit | cores | notes |', '|---|---|---|---|---|---|'];
  for (const f of figures) {
    const value = Number.isNaN(f.value) ? 'skipped' : f.unit === 'ms' ? ms(f.value) : formatCount(f.value);
    lines.push(`| ${f.name} | ${f.what} | ${value} | ${f.unit} | ${f.coresUsed === undefined ? '—' : f.coresUsed.toFixed(2)} | ${f.note ?? ''} |`);
  }
  return lines;
}

/** The whole markdown document of a run. */
export function nexmarkMarkdown(machine: MachineInfo, date: string, settings: NexmarkRunSettings | undefined, generator: NexmarkGeneratorReport | undefined, reports: readonly NexmarkQueryReport[], micro: NexmarkMicroReport | undefined): string {
  const out = [`# Weir Nexmark ${reports.length === 0 ? 'micro-benchmarks' : 'benchmark'}, ${date}`, '', formatMachine(machine), ''];
  if (settings !== undefined && reports.length > 0) {
    out.push(
      `Settings: ${settings.events === undefined ? `events sized to ~${settings.targetSeconds} s per query at p=${settings.parallelisms[0]}` : `${settings.events.toLocaleString('en-US')} events per run`}, ` +
        `parallelism ${settings.parallelisms.join(', ')}, EXACTLY_ONCE checkpoints every ${settings.checkpointMs.toLocaleString('en-US')} ms to file storage (temp dir), ${settings.backend} state backend, ` +
        `seed ${settings.seed}, ${settings.eventRate.toLocaleString('en-US')} events per second of event time (nexmark's first-event.rate), ${settings.runs} measured run(s) per row (median), null sink counting and checksumming every result.`,
      '',
    );
    if (generator !== undefined) {
      out.push(`Generator alone (plain loop over \`generate(params, n)\`, what the source and \`generateEvent\` call, no query): ${formatCount(generator.eventsPerSec)} events/s on one core (${formatCount(generator.eventsPerSecPerCore)} per core).`, '');
    }
    out.push(...nexmarkTable(reports), '');
    out.push(
      'events/s = events / wall time of `execute()` (deployment included); cores = process CPU time (user + system, all threads: main, GC, libuv; the process tree, no child processes) / wall time; ' +
        'events/s per core = events / CPU seconds, as nexmark measures (generator included); Flink V1 = nexmark\'s published Flink 1.13 figure per core (RocksDB, 3 min checkpoints); ' +
        'plain loop = the same events and computation in one hand-written loop (same result checksum, checked); ' +
        'latency = sink arrival − scheduled emission of the event that made the result possible (windows and timers: the event that let the watermark pass them), at a fixed rate of 50% of the p\'s max, ' +
        'percentiles of the results after settling; at most ~1 ms high (event times are whole ms). The embedded runtime runs every subtask on one JavaScript thread, so p=2 adds subtasks, not cores.',
      '',
    );
    for (const r of reports) {
      const notes = r.rows.flatMap((row) => (row.latency !== null && row.latency.measured > 0 && row.latency.measured < 20 ? [`${r.name} p=${row.parallelism}: latency over only ${row.latency.measured} results`] : []));
      if (notes.length > 0) out.push(`- ${notes.join('; ')}`);
    }
  }
  if (micro !== undefined) out.push('## Micro-benchmarks', '', ...microTable(micro.figures), '');
  return `${out.join('\n')}\n`;
}
