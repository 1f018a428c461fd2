/**
 * `npm run bench -- slots [options]`: scaling of an embedded job from 1 to 2 worker threads
 * (`weir run --slots N`, runJobFile's `slots`). The CPU-heavy keyed job cpu-sum-job.ts runs
 * (a) on the calling thread at parallelism 1 (no slots), (b) on 1 worker-thread slot at
 * parallelism 1, (c) on 2 slots at parallelism 2 (keyBy exchange between the two threads over
 * MessagePorts). Events/s = records / the job's net runtime; median of `--runs` after a warm-up
 * run per case. Every run's per-key sums are checked against a plain loop (exit 1 on a mismatch).
 *
 * Prints a markdown table and writes `bench/results/slots-<date>-<host>.json`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runJobFile } from '../../lib/cli/run-job-file.js';
import { mix } from '../cluster/cpu-job.js';
import { median } from '../measure.js';
import { machineInfo } from '../report.js';

const USAGE = `usage: npm run bench -- slots [options]
  --records N      records per measured run (default 4,000,000)
  --iterations I   CPU rounds per record (default 1000: ~1.7 µs of work, so the job is CPU-bound)
  --runs R         measured runs per case, median reported (default 3)
  --no-save        do not write bench/results/slots-<date>-<host>.json`;

interface Case {
  name: string;
  slots: number | undefined;
  parallelism: number;
}

const CASES: readonly Case[] = [
  { name: 'calling thread, p=1 (no slots)', slots: undefined, parallelism: 1 },
  { name: '1 worker-thread slot, p=1', slots: 1, parallelism: 1 },
  { name: '2 worker-thread slots, p=2', slots: 2, parallelism: 2 },
];

const KEYS = 1000;
const JOB_FILE = fileURLToPath(new URL('./cpu-sum-job.js', import.meta.url));

/** Per-key 32-bit sums of `mix(i, iterations)` for i in [0, n), key i % KEYS: what the job must output. */
function expectedSums(n: number, iterations: number): Map<number, number> {
  const sums = new Map<number, number>();
  for (let i = 0; i < n; i++) sums.set(i % KEYS, ((sums.get(i % KEYS) ?? 0) + mix(i, iterations)) >>> 0);
  return sums;
}

/** Runs the job once; returns events/s; throws when its sums differ from `expected`. */
async function runOnce(c: Case, records: number, iterations: number, expected: Map<number, number>): Promise<number> {
  const out = mkdtempSync(path.join(tmpdir(), 'weir-bench-slots-'));
  try {
    const result = await runJobFile(JOB_FILE, { parallelism: c.parallelism, args: [out, String(records), String(iterations), String(KEYS)], ...(c.slots !== undefined && { slots: c.slots }) });
    const got = new Map<number, number>();
    for (const f of readdirSync(out)) for (const [k, v] of Object.entries(JSON.parse(readFileSync(path.join(out, f), 'utf8')) as Record<string, number>)) got.set(Number(k), v);
    const wrong = [...expected].filter(([k, v]) => got.get(k) !== v);
    if (got.size !== expected.size || wrong.length > 0) throw new Error(`${c.name}: ${wrong.length} of ${expected.size} key sums differ from the plain loop (got ${got.size} keys)`);
    return (records * 1000) / result.netRuntimeMs;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The `slots` sub-command. @returns the exit code (0, 1 check failed, 2 usage). */
export async function runSlotsCommand(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { records: { type: 'string' }, iterations: { type: 'string' }, runs: { type: 'string' }, 'no-save': { type: 'boolean' }, help: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const num = (s: string | undefined, d: number): number => (s === undefined ? d : Number(s.replace(/_/g, '')));
  const records = num(values.records, 4_000_000);
  const iterations = num(values.iterations, 1000);
  const runs = num(values.runs, 3);
  if (![records, iterations, runs].every((n) => Number.isSafeInteger(n) && n > 0)) {
    process.stderr.write(`--records, --iterations and --runs take positive integers\n${USAGE}\n`);
    return 2;
  }
  const machine = machineInfo();
  const warm = Math.min(records, 200_000);
  const expected = expectedSums(records, iterations);
  const expectedWarm = expectedSums(warm, iterations);
  const rows: { case: string; slots: number | null; parallelism: number; eventsPerSec: number[]; median: number }[] = [];
  try {
    for (const c of CASES) {
      await runOnce(c, warm, iterations, expectedWarm);
      const rates: number[] = [];
      for (let i = 1; i <= runs; i++) {
        rates.push(await runOnce(c, records, iterations, expected));
        process.stderr.write(`slots: ${c.name}, run ${i}/${runs}: ${fmt(rates[rates.length - 1]!)} events/s\n`);
      }
      rows.push({ case: c.name, slots: c.slots ?? null, parallelism: c.parallelism, eventsPerSec: rates, median: median(rates) });
    }
  } catch (err) {
    process.stderr.write(`slots: ${(err as Error).message}\n`);
    return 1;
  }
  const one = rows[1]!.median;
  const two = rows[2]!.median;
  const lines = [
    `Embedded job on worker-thread slots: ${fmt(records)} records, ${iterations} CPU rounds each, ${KEYS} keys; ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAverage1m.toFixed(2)} at start; median of ${runs}`,
    '',
    '| case | events/s | vs 1 slot |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.case} | ${fmt(r.median)} | ×${(r.median / one).toFixed(2)} |`),
    '',
    `Scaling 1 → 2 worker threads: ×${(two / one).toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values['no-save'] !== true) {
    const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `slots-${new Date().toISOString().slice(0, 10)}-${machine.hostname}.json`);
    await writeFile(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), machine, records, iterations, keys: KEYS, runs, cases: rows, speedUp1to2: two / one }, null, 2)}\n`);
    process.stderr.write(`slots: wrote ${file}\n`);
  }
  return 0;
}
