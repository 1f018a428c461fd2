/**
 * The benchmark definitions. Throughput benchmarks pair a Weir pipeline with the plain loop doing
 * the same work, an optional throughput target from the issue, and a check that the Weir result
 * equals the plain loop's (which is itself checked against a closed form, so both cannot be wrong
 * the same way). The latency benchmark (`latency.ts`) is driven by `run.ts` from its own settings.
 */
import { DEFAULT_KEY_COUNT, DEFAULT_RECORDS_PER_MS } from './generator-source.js';
import { DEFAULT_DURATION_S, DEFAULT_LATENCY_PARALLELISMS, DEFAULT_RATE, DEFAULT_SETTLE_S } from './latency.js';
import { DEFAULT_WATERMARK_INTERVAL_MS, runChainedWeir, runKeyedSumWeir, runWindowAggWeir, WINDOW_SIZE_MS, type ChainedResult, type KeyedSumResult, type WindowAggResult } from './pipelines.js';
import { runChainedPlain, runKeyedSumPlain, runWindowAggPlain } from './plain-loops.js';
import { BACKEND_KINDS, DEFAULT_STATE_KEYS, type BackendKind } from './keyed-state-job.js';

/** Settings of one `npm run bench` that individual benchmarks read (see `run.ts` for the flags). */
export interface BenchSettings {
  /** `--records`: source records per measured run for every throughput benchmark; undefined = each one's default. */
  records: number | undefined;
  /**
   * `--warmup`: source records of the warm-up run; undefined = min(records, 3,000,000). Not
   * smaller: the keyed sums pass 2^31 once N > ~2.1M, and V8 changes the record's `value` field
   * from small integer to double then; a warm-up that never gets there leaves that (slow,
   * object-migrating) change to the first measured run.
   */
  warmupRecords: number | undefined;
  /**
   * `--runs`: measured runs per benchmark (per rate and parallelism for latency; per backend for the
   * checkpoint benchmarks); undefined = each benchmark's default ({@link DEFAULT_RUNS}, or
   * {@link CheckpointBenchmark.defaultRuns}).
   */
  runs: number | undefined;
  /** `--records-per-ms`: event-time density of the window benchmark. */
  recordsPerMs: number;
  /** `--watermark-interval`: the window benchmark's autoWatermarkInterval, ms. */
  watermarkIntervalMs: number;
  /** `--rate`: input rates of the latency benchmark, records/s. */
  rates: readonly number[];
  /** `--duration`: measured seconds per latency run (after the settling time). */
  durationS: number;
  /** `--settle`: seconds at the start of each latency run left out of the percentiles. */
  settleS: number;
  /** `--latency-warmup`: seconds of the latency warm-up run (per parallelism, at the highest rate). */
  latencyWarmupS: number;
  /** `--parallelism`: parallelisms of the latency job. */
  latencyParallelisms: readonly number[];
  /** `--keys`: distinct keys of the checkpoint benchmarks' state. */
  keys: number;
  /** `--checkpoint-interval`: checkpoint interval of the checkpoint benchmarks, ms. */
  checkpointIntervalMs: number;
  /** `--backend`: state backends the checkpoint benchmarks measure. */
  backends: readonly BackendKind[];
  /** `--keyed-parallelism`: parallelism of the checkpoint benchmarks' keyed operator and sink. */
  keyedParallelism: number;
}

/** Measured runs of the throughput and latency benchmarks when `--runs` is not given. */
export const DEFAULT_RUNS = 3;

/** The settings when no flag is given. */
export const DEFAULT_SETTINGS: BenchSettings = {
  records: undefined,
  warmupRecords: undefined,
  runs: undefined,
  recordsPerMs: DEFAULT_RECORDS_PER_MS,
  watermarkIntervalMs: DEFAULT_WATERMARK_INTERVAL_MS,
  rates: [DEFAULT_RATE],
  durationS: DEFAULT_DURATION_S,
  settleS: DEFAULT_SETTLE_S,
  latencyWarmupS: 1,
  latencyParallelisms: DEFAULT_LATENCY_PARALLELISMS,
  keys: DEFAULT_STATE_KEYS,
  checkpointIntervalMs: 1000,
  backends: BACKEND_KINDS,
  keyedParallelism: 1,
};

/** One throughput benchmark: a Weir job, its plain-loop equivalent and how to compare their results. */
export interface Benchmark<R> {
  readonly kind: 'throughput';
  /** Short id, as given to `--only`. */
  readonly name: string;
  /** Label in the table. */
  readonly title: string;
  /** Parallelism of every Weir operator. */
  readonly parallelism: number;
  /** Source records per measured run unless `--records` is given. */
  readonly defaultRecords: number;
  /** Target throughput on one core, source records/s, when the issue gives one. */
  readonly targetRecordsPerSec?: number;
  /** Runs the Weir job over `records` source records. */
  weir(records: number, settings: BenchSettings): Promise<R>;
  /** Does the same work in a hand-written loop. */
  plain(records: number, settings: BenchSettings): R;
  /**
   * Checks a Weir result against the plain loop's for `records` source records.
   * @throws BenchmarkCheckError on any difference.
   */
  verify(records: number, weir: R, plain: R, settings: BenchSettings): void;
  /** Further figures of a Weir run, kept in the JSON with the run and shown in its progress line. */
  runExtras?(records: number, weir: R): Record<string, number>;
  /** The table's remark from the medians of {@link runExtras}. */
  formatExtras?(extras: Record<string, number>): string;
}

/** The latency benchmark: its figures come from `latency.ts`, its settings from {@link BenchSettings}. */
export interface LatencyBenchmark {
  readonly kind: 'latency';
  readonly name: string;
  readonly title: string;
}

/** A checkpoint benchmark (checkpoint-benchmarks.ts), driven by `run.ts` from its settings. */
export interface CheckpointBenchmark {
  readonly kind: 'checkpoint-overhead' | 'recovery-time';
  readonly name: string;
  readonly title: string;
  /**
   * Runs per backend when `--runs` is not given: 1, since one LevelDB round takes tens of seconds
   * here and each checkpointed run already yields a distribution of checkpoints.
   */
  readonly defaultRuns: number;
}

/** Any benchmark `--only` can select. */
export type AnyBenchmark = Benchmark<unknown> | LatencyBenchmark | CheckpointBenchmark;

/** A Weir run produced a different result from the plain loop (or the plain loop from its closed form). */
export class BenchmarkCheckError extends Error {
  override readonly name = 'BenchmarkCheckError';
}

/** source → map → filter → counting sink, all chained. */
export const chainedBenchmark: Benchmark<ChainedResult> = {
  kind: 'throughput',
  name: 'chained',
  title: 'chained map→filter (p=1)',
  parallelism: 1,
  defaultRecords: 10_000_000,
  targetRecordsPerSec: 10_000_000,
  weir: (records) => runChainedWeir(records),
  plain: (records) => runChainedPlain(records),
  verify(records, weir, plain) {
    // i·2 is a multiple of 3 exactly when i is: ceil(records / 3) of 0..records-1 are dropped.
    const expectedCount = records - Math.ceil(records / 3);
    if (plain.count !== expectedCount) throw new BenchmarkCheckError(`chained: plain loop counted ${plain.count}, closed form says ${expectedCount}`);
    if (weir.count !== plain.count) throw new BenchmarkCheckError(`chained: Weir sink counted ${weir.count} records, plain loop ${plain.count}`);
    if (weir.valueSum !== plain.valueSum) throw new BenchmarkCheckError(`chained: Weir value checksum ${weir.valueSum}, plain loop ${plain.valueSum}`);
  },
};

/** source → keyBy → reduce(sum) → last value per key. */
export const keyedSumBenchmark: Benchmark<KeyedSumResult> = {
  kind: 'throughput',
  name: 'keyed-sum',
  title: 'keyed running sum (p=1)',
  parallelism: 1,
  defaultRecords: 10_000_000,
  targetRecordsPerSec: 3_000_000,
  weir: (records) => runKeyedSumWeir(records),
  plain: (records) => runKeyedSumPlain(records),
  verify(records, weir, plain) {
    let total = 0;
    for (const s of plain.sums.values()) total += s;
    const expectedTotal = (records * (records - 1)) / 2;
    const expectedKeys = Math.min(records, DEFAULT_KEY_COUNT);
    if (total !== expectedTotal || plain.sums.size !== expectedKeys) {
      throw new BenchmarkCheckError(`keyed-sum: plain loop has ${plain.sums.size} keys summing to ${total}, closed form says ${expectedKeys} keys summing to ${expectedTotal}`);
    }
    if (weir.count !== plain.count) throw new BenchmarkCheckError(`keyed-sum: Weir sink received ${weir.count} running sums, expected ${plain.count}`);
    if (weir.sums.size !== plain.sums.size) throw new BenchmarkCheckError(`keyed-sum: Weir produced ${weir.sums.size} keys, plain loop ${plain.sums.size}`);
    const wrong: string[] = [];
    for (const [key, expected] of plain.sums) {
      const actual = weir.sums.get(key);
      if (actual !== expected) wrong.push(`key ${key}: Weir ${String(actual)}, plain ${expected}`);
    }
    if (wrong.length > 0) throw new BenchmarkCheckError(`keyed-sum: ${wrong.length} keys differ, e.g. ${wrong.slice(0, 5).join('; ')}`);
  },
};

/**
 * The (key, window) pairs of `records` records at `recordsPerMs` per ms with `keyCount` keys and
 * tumbling windows of `windowMs` ms: a window holds `windowMs × recordsPerMs` consecutive records,
 * so min(keyCount, that) distinct keys; the last window may be partial.
 */
export function expectedWindowCount(records: number, recordsPerMs: number, keyCount: number, windowMs: number): number {
  const perWindow = windowMs * recordsPerMs;
  return Math.floor(records / perWindow) * Math.min(keyCount, perWindow) + Math.min(keyCount, records % perWindow);
}

/** timed source (watermarks) → keyBy → tumbling event-time window → aggregate(sum) → sink of (key, window start, sum). */
export const windowAggBenchmark: Benchmark<WindowAggResult> = {
  kind: 'throughput',
  name: 'window-agg',
  title: 'event-time window sum (p=1)',
  parallelism: 1,
  defaultRecords: 5_000_000,
  weir: (records, settings) => runWindowAggWeir(records, settings),
  plain: (records, settings) => runWindowAggPlain(records, settings.recordsPerMs),
  verify(records, weir, plain, settings) {
    let total = 0;
    for (const s of plain.sums.values()) total += s;
    const expectedTotal = (records * (records - 1)) / 2;
    const expectedWindows = expectedWindowCount(records, settings.recordsPerMs, DEFAULT_KEY_COUNT, WINDOW_SIZE_MS);
    if (total !== expectedTotal || plain.count !== expectedWindows) {
      throw new BenchmarkCheckError(`window-agg: plain loop has ${plain.count} windows summing to ${total}, closed form says ${expectedWindows} windows summing to ${expectedTotal}`);
    }
    if (weir.invalid !== 0) throw new BenchmarkCheckError(`window-agg: Weir emitted ${weir.invalid} invalid or repeated window results, e.g. ${JSON.stringify(weir.invalidSamples)}`);
    if (weir.count !== plain.count) throw new BenchmarkCheckError(`window-agg: Weir emitted ${weir.count} window results, plain loop has ${plain.count} (key, window) pairs`);
    const wrong: string[] = [];
    for (const [slot, expected] of plain.sums) {
      const actual = weir.sums.get(slot);
      if (actual !== expected) wrong.push(`slot ${slot} (key ${slot % DEFAULT_KEY_COUNT}, window ${Math.floor(slot / DEFAULT_KEY_COUNT) * WINDOW_SIZE_MS}): Weir ${String(actual)}, plain ${expected}`);
    }
    if (wrong.length > 0) throw new BenchmarkCheckError(`window-agg: ${wrong.length} windows differ, e.g. ${wrong.slice(0, 5).join('; ')}`);
  },
  runExtras: (_records, weir) => ({ windowResults: weir.count, firedBeforeEndOfInput: weir.firedBeforeEnd ?? Number.NaN }),
  formatExtras: (x) => `${(((x.firedBeforeEndOfInput ?? Number.NaN) / (x.windowResults ?? Number.NaN)) * 100).toFixed(1)}% of ${(x.windowResults ?? 0).toLocaleString('en-US')} windows fired before end of input`,
};

/** rate-limited source → map → keyBy → process (ValueState counter) → latency sink. */
export const latencyBenchmark: LatencyBenchmark = {
  kind: 'latency',
  name: 'latency',
  title: 'latency: rate-limited source → map → keyBy → process(ValueState) → sink',
};

/** source → keyBy → process(ValueState count) → sink over 1M keys, without and with 1 s exactly-once checkpoints, per state backend. */
export const checkpointOverheadBenchmark: CheckpointBenchmark = {
  kind: 'checkpoint-overhead',
  name: 'checkpoint-overhead',
  title: 'checkpoint overhead: sequence source → keyBy → process(ValueState count) → sink',
  defaultRuns: 1,
};

/** The same job with one failure after a checkpoint holding every key: time from the failure to the first output after the restart. */
export const recoveryTimeBenchmark: CheckpointBenchmark = {
  kind: 'recovery-time',
  name: 'recovery-time',
  title: 'recovery time: one failure in the keyed function after a checkpoint of every key',
  defaultRuns: 1,
};

/** Every benchmark, in the order they run. */
export const benchmarks: readonly AnyBenchmark[] = [chainedBenchmark, keyedSumBenchmark, windowAggBenchmark, latencyBenchmark, checkpointOverheadBenchmark, recoveryTimeBenchmark];
