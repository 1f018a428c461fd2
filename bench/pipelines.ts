/**
 * The Weir jobs the benchmarks run, at parallelism 1, over {@link GeneratorSource}:
 * - chained: source → map(value × 2) → filter(value % 3 ≠ 0, keeps ~2/3) → counting sink, all
 *   in one operator chain (one subtask actor, one function call per record per operator);
 * - keyed sum: source → keyBy(key) → reduce(running sum of value) → sink keeping the last value
 *   per key; keyBy is a network edge, so records cross from the source subtask actor to the
 *   reduce subtask actor in batches, in one thread.
 */
import { StreamExecutionEnvironment } from 'weir';
import { CountingSink, LastValuePerKeySink } from './counting-sinks.js';
import { GeneratorSource, type BenchRecord } from './generator-source.js';

/** What the chained pipeline's sink saw. */
export interface ChainedResult {
  /** Records that reached the sink. */
  count: number;
  /** Sum of their values (a checksum). */
  valueSum: number;
}

/** What the keyed-sum pipeline's sink saw. */
export interface KeyedSumResult {
  /** Records that reached the sink (one running sum per input record). */
  count: number;
  /** Final running sum per key. */
  sums: Map<number, number>;
}

/** The chained pipeline's map: doubles the value into a new record. */
export function doubleValue(r: BenchRecord): BenchRecord {
  return { key: r.key, value: r.value * 2 };
}

/** The chained pipeline's filter: keeps records whose value is not a multiple of 3 (~2/3 of them). */
export function notMultipleOfThree(r: BenchRecord): boolean {
  return r.value % 3 !== 0;
}

/** The keyed pipeline's reduce: the running sum of `value`, as a new record. */
export function addValues(a: BenchRecord, b: BenchRecord): BenchRecord {
  return { key: a.key, value: a.value + b.value };
}

/** Runs source → map → filter → counting sink over `records` records at parallelism 1. */
export async function runChainedWeir(records: number): Promise<ChainedResult> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, jobName: 'bench-chained' });
  const sink = new CountingSink();
  env
    .fromSource(new GeneratorSource(records), 'Generator')
    .map(doubleValue)
    .filter(notMultipleOfThree)
    .sinkTo(sink, 'Counting Sink');
  await env.execute();
  return { count: sink.count, valueSum: sink.valueSum };
}

/** Runs source → keyBy(key) → reduce(sum) → last-value sink over `records` records at parallelism 1. */
export async function runKeyedSumWeir(records: number): Promise<KeyedSumResult> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, jobName: 'bench-keyed-sum' });
  const sink = new LastValuePerKeySink();
  env
    .fromSource(new GeneratorSource(records), 'Generator')
    .keyBy((r) => r.key)
    .reduce(addValues)
    .sinkTo(sink, 'Last Value Sink');
  await env.execute();
  return { count: sink.count, sums: sink.last };
}
