/**
 * What a benchmark run reports: the machine, one table row per throughput benchmark and per
 * (rate, parallelism) of the latency benchmark on stdout, and a JSON
 * copy in `bench/results/<YYYY-MM-DD>-<hostname>.json` (one file per machine and day; a later run
 * that day overwrites the benchmarks it ran and keeps the others).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatBytes, type CheckpointOverheadReport, type RecoveryReport } from './checkpoint-benchmarks.js';
import type { NexmarkGeneratorReport, NexmarkMicroReport, NexmarkQueryReport } from './nexmark/nexmark-report.js';

/** The machine the figures were measured on. */
export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  /** `os.availableParallelism()`: cores this process may use. */
  cores: number;
  cpuModel: string;
  node: string;
  v8: string;
  totalMemoryMiB: number;
  /** 1-minute load average when the run started: above ~0 other processes competed for the cores. */
  loadAverage1m: number;
}

/** One measured run. */
export interface RunFigures {
  /** Wall time, ms. */
  wallMs: number;
  /** Process CPU time (user + system), ms. */
  cpuMs: number;
  /** Source records per second of wall time. */
  recordsPerSec: number;
  /** `cpuMs / wallMs`: cores the process kept busy. */
  coresUsed: number;
}

/** The figures of one throughput benchmark. */
export interface ThroughputReport {
  kind: 'throughput';
  name: string;
  title: string;
  parallelism: number;
  /** Source records per measured run. */
  records: number;
  /** Source records of the warm-up run. */
  warmupRecords: number;
  /** ISO 8601 time the benchmark finished. */
  measuredAt: string;
  weir: {
    runs: (RunFigures & { extras?: Record<string, number> })[];
    medianRecordsPerSec: number;
    medianCoresUsed: number;
    /** Median of each extra figure over the runs (benchmark-specific, e.g. window results). */
    extras?: Record<string, number>;
  };
  plain: { runs: RunFigures[]; medianRecordsPerSec: number };
  /** Weir median / plain-loop median. */
  ratio: number;
  /** The issue's target, or null where it gives none. */
  target: { recordsPerSec: number; met: boolean } | null;
  /** A remark for the table row (from the extras). */
  note?: string;
}

/** Latency figures: one run's, or the medians over runs. */
export interface LatencyFigures {
  /** Target input rate, records/s. */
  rate: number;
  /** Records per run, settling time included. */
  records: number;
  /** Records / (last arrival − first reader start), records/s. */
  achievedRate: number;
  /** Percentiles over the records scheduled after the settling time, ms. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Largest latency during the settling time, ms. */
  startupMaxMs: number;
  /** Process CPU time / wall time. */
  coresUsed: number;
}

/** The latency of one (rate, parallelism), or of the floor (no Weir) at one rate. */
export interface LatencyRow {
  /** Parallelism of every operator, or null for the floor. */
  parallelism: number | null;
  rate: number;
  /** Every run; `loadAverage1m` is the 1-minute load average when it started. */
  runs: (LatencyFigures & { spanMs: number; measuredRecords: number; loadAverage1m?: number })[];
  /** Median of each figure over the runs. */
  median: LatencyFigures;
}

/** The figures of the latency benchmark. */
export interface LatencyReport {
  kind: 'latency';
  name: string;
  title: string;
  /** Measured seconds per run. */
  durationS: number;
  /** Seconds at the start of each run left out of the percentiles. */
  settleS: number;
  /** Seconds of the warm-up run per parallelism. */
  warmupS: number;
  measuredAt: string;
  rows: LatencyRow[];
}

/** One benchmark's entry in the results (the Nexmark entries are written by `npm run bench -- nexmark` / `nexmark-micro`). */
export type BenchmarkReport = ThroughputReport | LatencyReport | CheckpointOverheadReport | RecoveryReport | NexmarkQueryReport | NexmarkGeneratorReport | NexmarkMicroReport;

/** The JSON file's content. */
export interface ResultsFile {
  date: string;
  hostname: string;
  machine: MachineInfo;
  benchmarks: BenchmarkReport[];
}

/** Describes this machine and runtime. */
export function machineInfo(): MachineInfo {
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    arch: os.arch(),
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    loadAverage1m: os.loadavg()[0] ?? 0,
  };
}

/** The machine as one line, for the head of the table. */
export function formatMachine(m: MachineInfo): string {
  return `machine: ${m.hostname}, ${m.cores} cores (os.availableParallelism), ${m.cpuModel}, ${m.totalMemoryMiB} MiB, Node ${m.node} (V8 ${m.v8}), ${m.platform}/${m.arch}, load average ${m.loadAverage1m.toFixed(2)} at start`;
}

/** Figures of one run from its wall and CPU time. */
export function runFigures(records: number, wallMs: number, cpuMs: number): RunFigures {
  return { wallMs, cpuMs, recordsPerSec: (records * 1000) / wallMs, coresUsed: cpuMs / wallMs };
}

/** A rate in millions per second: `12.3 M`. */
export function formatRate(perSec: number): string {
  const m = perSec / 1e6;
  return `${m.toFixed(m < 1 ? 2 : 1)} M`;
}

/** One table row, e.g. `chained map→filter (p=1)   10,000,000 records   12.3 M records/s   plain loop 45.1 M/s   ratio 0.27 …`. */
export function formatRow(r: ThroughputReport, titleWidth: number): string {
  const cells = [
    r.title.padEnd(titleWidth),
    `${r.records.toLocaleString('en-US')} records`.padStart(18),
    `${formatRate(r.weir.medianRecordsPerSec)} records/s`.padStart(17),
    `plain loop ${formatRate(r.plain.medianRecordsPerSec).padStart(7)}/s`,
    `ratio ${r.ratio.toFixed(2)}`,
    `cores used ${r.weir.medianCoresUsed.toFixed(2)}`,
  ];
  if (r.target !== null) cells.push(`target ≥ ${r.target.recordsPerSec / 1e6} M/s: ${r.target.met ? 'met' : 'NOT MET'}`);
  if (r.note !== undefined) cells.push(r.note);
  return cells.join('   ');
}

/** Milliseconds with µs resolution: `0.012`, `1.234`, `123.4`. */
export function formatMs(ms: number): string {
  return ms < 100 ? ms.toFixed(3) : ms.toFixed(1);
}

/** One latency row, e.g. `  200,000/s   p=1     p50 0.003   p99 0.120   p99.9 2.846   max 4.110 ms   achieved 199,995/s   cores used 0.99`. */
export function formatLatencyRow(row: LatencyRow): string {
  const m = row.median;
  return [
    `  ${Math.round(row.rate).toLocaleString('en-US')}/s`.padEnd(14),
    (row.parallelism === null ? 'floor' : `p=${row.parallelism}`).padEnd(5),
    `p50 ${formatMs(m.p50Ms).padStart(7)}`,
    `p99 ${formatMs(m.p99Ms).padStart(7)}`,
    `p99.9 ${formatMs(m.p999Ms).padStart(7)}`,
    `max ${formatMs(m.maxMs).padStart(7)} ms`,
    `start-up max ${formatMs(m.startupMaxMs).padStart(7)} ms`,
    `achieved ${Math.round(m.achievedRate).toLocaleString('en-US').padStart(9)}/s`,
    `cores used ${m.coresUsed.toFixed(2)}`,
  ].join('   ');
}

/** The whole table: a header line with the machine, one row per throughput benchmark, then the latency rows. */
export function formatTable(machine: MachineInfo, reports: readonly BenchmarkReport[]): string {
  const throughput = reports.filter((r): r is ThroughputReport => r.kind === 'throughput');
  const latency = reports.filter((r): r is LatencyReport => r.kind === 'latency');
  const width = Math.max(0, ...throughput.map((r) => r.title.length));
  const lines = [formatMachine(machine)];
  if (throughput.length > 0) {
    lines.push(...throughput.map((r) => formatRow(r, width)));
    lines.push('(median of the measured runs; records/s = source records / wall time; cores used = process CPU time / wall time of the Weir runs)');
  }
  for (const r of reports) {
    if (r.kind === 'checkpoint-overhead') lines.push(...formatCheckpointOverhead(r));
    if (r.kind === 'recovery-time') lines.push(...formatRecovery(r));
  }
  for (const l of latency) {
    lines.push(
      `${l.title}, ${l.durationS} s measured per run after ${l.settleS} s settling (start-up max = max latency while settling); ` +
        'latency = sink arrival − scheduled arrival, ms; floor = same source and sink joined by plain calls, no Weir',
    );
    lines.push(...l.rows.map(formatLatencyRow));
    lines.push('(median over the measured runs of each figure; achieved = records / (last arrival − source start); cores used = process CPU time / wall time, ~1 whenever the source waits in setImmediate turns)');
  }
  return lines.join('\n');
}

/** Cells padded to the widths of `widths` (left-aligned first cell, right-aligned others), joined by two spaces. */
function columns(cells: readonly string[], widths: readonly number[]): string {
  return '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/** A header row and data rows in aligned columns. */
function grid(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [columns(header, widths), ...rows.map((r) => columns(r, widths))];
}

/** The `checkpoint-overhead` lines: a title, one row per backend, a legend. */
export function formatCheckpointOverhead(r: CheckpointOverheadReport): string[] {
  const lines = [
    `${r.title}: ${r.keys.toLocaleString('en-US')} keys, keyed parallelism ${r.keyedParallelism}, EXACTLY_ONCE checkpoints every ${r.checkpointIntervalMs} ms to file storage (temp dir)`,
  ];
  const ms = (x: number): string => (x < 10 ? x.toFixed(1) : x.toFixed(0));
  lines.push(
    ...grid(
      ['backend', 'records', 'no ckpt /s', 'ckpt /s', 'ratio', 'ckpts', 'duration p50/max ms', 'size p50/max', 'sync p50/max ms', 'async p50/max ms', 'align max ms', 'retained', 'keys in last ckpt', 'cores none/ckpt'],
      r.rows.map((row) => {
        const c = row.checkpointed.median;
        return [
          row.backend,
          row.records.toLocaleString('en-US'),
          formatRate(row.none.medianRecordsPerSec),
          formatRate(row.checkpointed.medianRecordsPerSec),
          row.roundRatios.length > 1 ? `${row.ratio.toFixed(2)} (${Math.min(...row.roundRatios).toFixed(2)}–${Math.max(...row.roundRatios).toFixed(2)})` : row.ratio.toFixed(2),
          `${c.completed}${c.failed > 0 ? ` (${c.failed} failed)` : ''}`,
          `${ms(c.durationP50Ms)} / ${ms(c.durationMaxMs)}`,
          `${formatBytes(c.sizeP50Bytes)} / ${formatBytes(c.sizeMaxBytes)}`,
          `${c.syncP50Ms.toFixed(1)} / ${c.syncMaxMs.toFixed(1)}`,
          `${ms(c.asyncP50Ms)} / ${ms(c.asyncMaxMs)}`,
          c.alignmentMaxMs.toFixed(1),
          formatBytes(c.retainedBytes),
          c.lastCheckpointKeys.toLocaleString('en-US'),
          `${row.none.medianCoresUsed.toFixed(2)} / ${row.checkpointed.medianCoresUsed.toFixed(2)}`,
        ];
      }),
    ),
  );
  for (const f of r.failures) lines.push(`  ${f.backend}: CHECK FAILED: ${f.message}`);
  lines.push(
    '  (records/s = source records / wall time, median over runs; ratio = with / without checkpoints in the same round, median (min–max) over rounds; per checkpoint: duration = trigger to completion, size = bytes written, ' +
      'sync = longest synchronous phase of a subtask (its processing stopped), async = longest asynchronous phase; p50 / max over the checkpoints of a run, median over runs; ' +
      'leveldb-incremental shares the leveldb run without checkpoints)',
  );
  return lines;
}

/** The `recovery-time` lines: a title, one row per backend, a legend. */
export function formatRecovery(r: RecoveryReport): string[] {
  const lines = [
    `${r.title}: ${r.keys.toLocaleString('en-US')} keys, keyed parallelism ${r.keyedParallelism}, checkpoints every ${r.checkpointIntervalMs} ms, restart delay 0; ms after the failure was thrown`,
  ];
  lines.push(
    ...grid(
      ['backend', 'first output', 'restart decided', 'old attempt stopped', 'new attempt spawned', 'state restored', 'restored keys', 'restored size', 'parts', 'read back: parts ms', 'decode ms', 'replayed records'],
      r.rows.map((row) => {
        const m = row.median;
        return [
          row.backend,
          m.firstOutputMs.toFixed(1),
          m.restartDecidedMs.toFixed(1),
          m.oldAttemptStoppedMs.toFixed(1),
          m.newAttemptStartedMs.toFixed(1),
          m.stateRestoredMs.toFixed(1),
          m.restoredKeys.toLocaleString('en-US'),
          formatBytes(m.restoredBytes),
          String(m.restoredParts),
          m.readPartsMs.toFixed(0),
          m.decodeMs.toFixed(0),
          Math.round(m.replayedRecords).toLocaleString('en-US'),
        ];
      }),
    ),
  );
  for (const f of r.failures) lines.push(`  ${f.backend}: CHECK FAILED: ${f.message}`);
  lines.push(
    '  (median over runs; milestones cumulative from the throw: restart decided = job actor supervision decision, old attempt stopped = old subtasks closed, ' +
      'new attempt spawned = first new subtask actor, state restored = keyed function opened after its backend restored, first output = first record of a restarted sink; ' +
      `read back = the restored checkpoint read again outside the job, the runtime's read path (page cache warm); the job is cancelled ${r.recordsAfterRestart.toLocaleString('en-US')} records after the restart)`,
  );
  return lines;
}

/** Local date as `YYYY-MM-DD`. */
export function localDate(d = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Writes `reports` to `<dir>/<YYYY-MM-DD>-<hostname>.json` (creating `dir`), keeping the other
 * benchmarks of an earlier run that day. Written to a `.tmp` file first, then renamed.
 * @returns the file's path.
 */
export async function writeResults(dir: string, machine: MachineInfo, reports: readonly BenchmarkReport[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const date = localDate();
  const file = path.join(dir, `${date}-${machine.hostname.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  const ran = new Set(reports.map((r) => r.name));
  const kept = (await readEarlier(file)).filter((r) => !ran.has(r.name));
  const content: ResultsFile = { date, hostname: machine.hostname, machine, benchmarks: [...kept, ...reports] };
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`);
  await rename(tmp, file);
  return file;
}

async function readEarlier(file: string): Promise<BenchmarkReport[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as Partial<ResultsFile>;
    return Array.isArray(parsed.benchmarks) ? parsed.benchmarks : [];
  } catch {
    return []; // a corrupt file is replaced, not merged
  }
}
