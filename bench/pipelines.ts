/**
 * The Weir jobs the benchmarks run, at parallelism 1, over {@link GeneratorSource}:
 * - chained: source → map(value × 2) → filter(value % 3 ≠ 0, keeps ~2/3) → counting sink, all
 *   in one operator chain (one subtask actor, one function call per record per operator);
 * - keyed sum: source → keyBy(key) → reduce(running sum of value) → sink keeping the last value
 *   per key; keyBy is a network edge, so records cross from the source subtask actor to the
 *   reduce subtask actor in batches, in one thread;
 * - window aggregation: timed source with a bounded-out-of-orderness watermark strategy →
 *   keyBy(key) → 1 s tumbling event-time windows → aggregate(sum) with a window function adding
 *   (key, window start) → sink keeping every window's sum.
 */
import { StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, type AggregateFunction, type Collector, type ProcessWindowContext, type TimeWindow } from 'weir';
import { CountingSink, LastValuePerKeySink, WindowResultSink, type WindowResult } from './counting-sinks.js';
import { DEFAULT_KEY_COUNT, GeneratorSource, TimedGeneratorSource, type BenchRecord, type TimedRecord } from './generator-source.js';

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

/** Tumbling window size of the window benchmark, ms of event time. */
export const WINDOW_SIZE_MS = 1000;

/** Out-of-orderness bound of the window benchmark's watermark strategy, ms. */
export const WINDOW_OUT_OF_ORDERNESS_MS = 100;

/** Default `autoWatermarkInterval` of the window benchmark, ms of wall time (Weir's default is 200). */
export const DEFAULT_WATERMARK_INTERVAL_MS = 50;

/** Settings of the window benchmark. */
export interface WindowAggSettings {
  /** Records per ms of event time (the source's density): each (key, 1 s window) holds `recordsPerMs` records with 1000 keys. */
  recordsPerMs: number;
  /** Periodic watermark interval, ms of wall time (`autoWatermarkInterval`). */
  watermarkIntervalMs: number;
}

/** What the window pipeline's sink saw. */
export interface WindowAggResult {
  /** Window results that reached the sink. */
  count: number;
  /** Sum per (key, window), by {@link windowSlot}. */
  sums: Map<number, number>;
  /** Results that were not a valid (key, window) or repeated one (must be 0). */
  invalid: number;
  invalidSamples: WindowResult[];
  /**
   * Window results the sink had received when the source emitted its last record, i.e. fired by
   * periodic watermarks rather than by the final (maximal) watermark. `undefined` for the plain loop.
   */
  firedBeforeEnd: number | undefined;
}

/** The window benchmark's aggregate: the sum of `value`, in a number accumulator. */
export const sumOfValues: AggregateFunction<TimedRecord, number, number> = {
  createAccumulator: () => 0,
  add: (r, acc) => acc + r.value,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

/** The window function after {@link sumOfValues}: adds the key and the window's start to the sum. */
export function withKeyAndWindow(key: number, ctx: ProcessWindowContext<TimeWindow>, sums: number[], out: Collector<WindowResult>): void {
  out.collect({ key, windowStart: ctx.window().start, sum: sums[0]! });
}

/**
 * Runs timed source (bounded out-of-orderness {@link WINDOW_OUT_OF_ORDERNESS_MS} ms) → keyBy(key) →
 * tumbling event-time windows of {@link WINDOW_SIZE_MS} ms → aggregate(sum, add key and window) →
 * window-result sink over `records` records at parallelism 1.
 */
export async function runWindowAggWeir(records: number, settings: WindowAggSettings): Promise<WindowAggResult> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, jobName: 'bench-window-agg', autoWatermarkInterval: settings.watermarkIntervalMs });
  const sink = new WindowResultSink(WINDOW_SIZE_MS, DEFAULT_KEY_COUNT);
  let firedBeforeEnd: number | undefined;
  const source = new TimedGeneratorSource(records, settings.recordsPerMs, DEFAULT_KEY_COUNT, () => {
    firedBeforeEnd = sink.count;
  });
  const strategy = WatermarkStrategy.forBoundedOutOfOrderness<TimedRecord>(WINDOW_OUT_OF_ORDERNESS_MS).withTimestampAssigner((r) => r.ts);
  env
    .fromSource(source, strategy, 'Timed Generator')
    .keyBy((r) => r.key)
    .window(TumblingEventTimeWindows.of(WINDOW_SIZE_MS))
    .aggregate(sumOfValues, withKeyAndWindow)
    .sinkTo(sink, 'Window Result Sink');
  await env.execute();
  return { count: sink.count, sums: sink.sums, invalid: sink.invalid, invalidSamples: sink.invalidSamples, firedBeforeEnd };
}
