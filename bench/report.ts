/**
 * What a benchmark run reports: the machine, one table row per benchmark on stdout, and a JSON
 * copy in `bench/results/<YYYY-MM-DD>-<hostname>.json` (one file per machine and day; a later run
 * that day overwrites the benchmarks it ran and keeps the others).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

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

/** The figures of one benchmark. */
export interface BenchmarkReport {
  name: string;
  title: string;
  parallelism: number;
  /** Source records per measured run. */
  records: number;
  /** Source records of the warm-up run. */
  warmupRecords: number;
  /** ISO 8601 time the benchmark finished. */
  measuredAt: string;
  weir: { runs: RunFigures[]; medianRecordsPerSec: number; medianCoresUsed: number };
  plain: { runs: RunFigures[]; medianRecordsPerSec: number };
  /** Weir median / plain-loop median. */
  ratio: number;
  target: { recordsPerSec: number; met: boolean };
}

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
export function formatRow(r: BenchmarkReport, titleWidth: number): string {
  return [
    r.title.padEnd(titleWidth),
    `${r.records.toLocaleString('en-US')} records`.padStart(18),
    `${formatRate(r.weir.medianRecordsPerSec)} records/s`.padStart(17),
    `plain loop ${formatRate(r.plain.medianRecordsPerSec).padStart(7)}/s`,
    `ratio ${r.ratio.toFixed(2)}`,
    `cores used ${r.weir.medianCoresUsed.toFixed(2)}`,
    `target ≥ ${r.target.recordsPerSec / 1e6} M/s: ${r.target.met ? 'met' : 'NOT MET'}`,
  ].join('   ');
}

/** The whole table: a header line with the machine, then one row per benchmark. */
export function formatTable(machine: MachineInfo, reports: readonly BenchmarkReport[]): string {
  const width = Math.max(0, ...reports.map((r) => r.title.length));
  const lines = [formatMachine(machine), ...reports.map((r) => formatRow(r, width))];
  lines.push('(median of the measured runs; records/s = source records / wall time; cores used = process CPU time / wall time of the Weir runs)');
  return lines.join('\n');
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
