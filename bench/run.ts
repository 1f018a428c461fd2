/**
 * `npm run bench [-- --records N --runs R --warmup W --only name --no-save]`: runs each benchmark
 * once on a smaller input to warm up, then R times on N records, checks every Weir result against
 * the plain loop's, prints a table of medians on stdout (progress goes to stderr) and writes a JSON
 * copy to `bench/results/`. Exits with 1 when a check fails, 2 on bad arguments.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarks, type Benchmark } from './benchmarks.js';
import { median, measure } from './measure.js';
import { formatRate, formatTable, machineInfo, runFigures, writeResults, type BenchmarkReport } from './report.js';

/** Default source records of the warm-up run (see {@link BenchOptions.warmupRecords}). */
export const DEFAULT_WARMUP_RECORDS = 3_000_000;

/** Settings of one `npm run bench`. */
export interface BenchOptions {
  /** Source records per measured run (default 10,000,000). */
  records: number;
  /** Measured runs per benchmark; the median is reported (default 3). */
  runs: number;
  /**
   * Source records of the warm-up run (default min(records, 3,000,000)). Not smaller: the keyed
   * sums pass 2^31 once N > ~2.1M, and V8 changes the record's `value` field from small integer to
   * double then; a warm-up that never gets there leaves that (slow, object-migrating) change to the
   * first measured run.
   */
  warmupRecords: number;
  /** Benchmarks to run, by name (default all). */
  only: readonly Benchmark<unknown>[];
  /** Write the JSON copy (default true). */
  save: boolean;
  help: boolean;
}

const USAGE = `usage: npm run bench -- [--records N] [--runs R] [--warmup W] [--only NAME]... [--no-save]
  --records N   source records per measured run (default 10,000,000; 1e7 and 10_000_000 work)
  --runs R      measured runs per benchmark, median reported (default 3)
  --warmup W    source records of the warm-up run (default min(N, 3,000,000))
  --only NAME   run only this benchmark (repeatable): ${benchmarks.map((b) => b.name).join(', ')}
  --no-save     do not write bench/results/<date>-<host>.json (use when profiling)`;

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
        'no-save': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const records = count(values.records, 'records', 10_000_000);
  const runs = count(values.runs, 'runs', 3);
  const warmupRecords = count(values.warmup, 'warmup', Math.min(records, DEFAULT_WARMUP_RECORDS));
  const only = (values.only ?? []).map((name) => {
    const b = benchmarks.find((x) => x.name === name);
    if (b === undefined) throw new UsageError(`unknown benchmark '${name}'; known: ${benchmarks.map((x) => x.name).join(', ')}`);
    return b;
  });
  return { records, runs, warmupRecords, only: only.length > 0 ? only : benchmarks, save: values['no-save'] !== true, help: values.help === true };
}

function count(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${what} must be a positive integer, got '${text}'`);
  return n;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Warms `b` up once, then measures `options.runs` Weir runs and as many plain-loop runs,
 * interleaved, checking each Weir result against the plain loop's.
 * @throws BenchmarkCheckError when a result differs.
 */
export async function runBenchmark<R>(b: Benchmark<R>, options: BenchOptions): Promise<BenchmarkReport> {
  const { records, runs, warmupRecords } = options;
  log(`${b.name}: warm-up, ${warmupRecords.toLocaleString('en-US')} records`);
  b.verify(warmupRecords, await b.weir(warmupRecords), b.plain(warmupRecords));
  const weirRuns = [];
  const plainRuns = [];
  for (let i = 1; i <= runs; i++) {
    const w = await measure(() => b.weir(records));
    const p = await measure(() => b.plain(records));
    b.verify(records, w.result, p.result);
    const wf = runFigures(records, w.wallMs, w.cpuMs);
    const pf = runFigures(records, p.wallMs, p.cpuMs);
    weirRuns.push(wf);
    plainRuns.push(pf);
    log(
      `${b.name}: run ${i}/${runs}: Weir ${formatRate(wf.recordsPerSec)} records/s in ${wf.wallMs.toFixed(0)} ms (cores used ${wf.coresUsed.toFixed(2)}), ` +
        `plain loop ${formatRate(pf.recordsPerSec)} records/s in ${pf.wallMs.toFixed(0)} ms; results match`,
    );
  }
  const weirMedian = median(weirRuns.map((r) => r.recordsPerSec));
  const plainMedian = median(plainRuns.map((r) => r.recordsPerSec));
  return {
    name: b.name,
    title: b.title,
    parallelism: b.parallelism,
    records,
    warmupRecords,
    measuredAt: new Date().toISOString(),
    weir: { runs: weirRuns, medianRecordsPerSec: weirMedian, medianCoresUsed: median(weirRuns.map((r) => r.coresUsed)) },
    plain: { runs: plainRuns, medianRecordsPerSec: plainMedian },
    ratio: weirMedian / plainMedian,
    target: { recordsPerSec: b.targetRecordsPerSec, met: weirMedian >= b.targetRecordsPerSec },
  };
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
  log(`${options.runs} run(s) of ${options.records.toLocaleString('en-US')} records per benchmark`);
  const reports: BenchmarkReport[] = [];
  for (const b of options.only) reports.push(await runBenchmark(b, options));
  console.log(formatTable(machine, reports));
  if (options.save) {
    // dist/bench/run.js → <repo>/bench/results, whatever the working directory.
    const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    const file = await writeResults(dir, machine, reports);
    console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('benchmark failed:', err);
    process.exitCode = 1;
  },
);
