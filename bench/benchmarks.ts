/**
 * The benchmark definitions: each pairs a Weir pipeline with the plain loop doing the same work,
 * a throughput target from the issue, and a check that the Weir result equals the plain loop's
 * (which is itself checked against a closed form, so both cannot be wrong the same way).
 */
import { DEFAULT_KEY_COUNT } from './generator-source.js';
import { runChainedWeir, runKeyedSumWeir, type ChainedResult, type KeyedSumResult } from './pipelines.js';
import { runChainedPlain, runKeyedSumPlain } from './plain-loops.js';

/** One benchmark: a Weir job, its plain-loop equivalent and how to compare their results. */
export interface Benchmark<R> {
  /** Short id, as given to `--only`. */
  readonly name: string;
  /** Label in the table. */
  readonly title: string;
  /** Parallelism of every Weir operator. */
  readonly parallelism: number;
  /** Target throughput on one core, source records/s. */
  readonly targetRecordsPerSec: number;
  /** Runs the Weir job over `records` source records. */
  weir(records: number): Promise<R>;
  /** Does the same work in a hand-written loop. */
  plain(records: number): R;
  /**
   * Checks a Weir result against the plain loop's for `records` source records.
   * @throws BenchmarkCheckError on any difference.
   */
  verify(records: number, weir: R, plain: R): void;
}

/** A Weir run produced a different result from the plain loop (or the plain loop from its closed form). */
export class BenchmarkCheckError extends Error {
  override readonly name = 'BenchmarkCheckError';
}

/** source → map → filter → counting sink, all chained. */
export const chainedBenchmark: Benchmark<ChainedResult> = {
  name: 'chained',
  title: 'chained map→filter (p=1)',
  parallelism: 1,
  targetRecordsPerSec: 10_000_000,
  weir: runChainedWeir,
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
  name: 'keyed-sum',
  title: 'keyed running sum (p=1)',
  parallelism: 1,
  targetRecordsPerSec: 3_000_000,
  weir: runKeyedSumWeir,
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

/** Every benchmark, in the order they run. */
export const benchmarks: readonly Benchmark<unknown>[] = [chainedBenchmark, keyedSumBenchmark];
