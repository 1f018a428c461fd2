/**
 * Shared pieces of the end-to-end window tests: the event type, jobs on a ManualClock with a
 * single-subtask collection source, and a punctuated watermark strategy. With a ManualClock periodic
 * watermarks never fire, so tests that need watermarks mid-stream put marker events (key
 * {@link WM}) in the input: the generator emits the marker's `ts` as watermark and a non-parallel
 * filter chained to the source drops the markers. Every window subtask then reads one channel fed by
 * one source subtask, so what it sees, in which order, and where the watermarks fall is the same at
 * every parallelism.
 */
import {
  CollectionSource,
  ManualClock,
  ProcessFunction,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  type Collector,
  type DataStream,
  type KeyedStream,
  type ProcessContext,
  type ProcessWindowContext,
  type TimeWindow,
} from '../../lib/index.js';

/** An event: key, event time (epoch ms), value. */
export interface Ev {
  key: string;
  ts: number;
  v: number;
}

/** Key of watermark markers. */
export const WM = '#wm';

/** A marker that makes the source emit watermark `wm` (before the events that follow it). */
export const mark = (wm: number): Ev => ({ key: WM, ts: wm, v: 0 });

export const ev = (key: string, ts: number, v: number): Ev => ({ key, ts, v });

/** Punctuated watermarks: exactly the markers' timestamps, nothing else (no periodic emission). */
export function markerWatermarks(): WatermarkStrategy<Ev> {
  return WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent(e, _ts, out) {
      if (e.key === WM) out.emitWatermark(e.ts);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);
}

/**
 * Bounded out-of-orderness, but punctuated: after every event, watermark `maxTimestamp - bound - 1`
 * (the formula of Flink's BoundedOutOfOrdernessWatermarks), so windows fire mid-stream deterministically.
 */
export function punctuatedOutOfOrderness(bound: number): WatermarkStrategy<Ev> {
  return WatermarkStrategy.forGenerator<Ev>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_e, ts, out) {
        max = Math.max(max, ts);
        out.emitWatermark(max - bound - 1);
      },
      onPeriodicEmit() {},
    };
  }).withTimestampAssigner((e) => e.ts);
}

/**
 * Runs `build` over `events` keyed by `key` at `parallelism` on a ManualClock(0) and returns the
 * output sorted (subtasks interleave). The source is one subtask; markers are filtered out in it.
 */
export async function runKeyed<R>(
  events: Ev[],
  parallelism: number,
  strategy: WatermarkStrategy<Ev>,
  build: (keyed: KeyedStream<Ev, string>) => DataStream<R>,
): Promise<R[]> {
  const env = StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });
  const input = env
    .fromSource(new CollectionSource(events), strategy, 'events')
    .filter((e) => e.key !== WM)
    .setParallelism(1);
  const out = await build(input.keyBy((e) => e.key)).executeAndCollect();
  return out.sort();
}

/** A ProcessWindowFunction printing `key[start,end)=sum` of its (pre-reduced or full) elements. */
export function describeWindow(key: string, ctx: ProcessWindowContext<TimeWindow>, els: Ev[], out: Collector<string>): void {
  out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${els.reduce((s, e) => s + e.v, 0)}`);
}

/** Sums values, keeping the first event's key and timestamp. */
export const sumEv = (a: Ev, b: Ev): Ev => ({ key: a.key, ts: a.ts, v: a.v + b.v });

/** Appends `@timestamp` (the record's timestamp downstream of the window) to each string. */
export function withTimestamps(stream: DataStream<string>): DataStream<string> {
  return stream.process(
    new (class extends ProcessFunction<string, string> {
      processElement(v: string, ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`${v}@${ctx.timestamp()}`);
      }
    })(),
  );
}

/** Deterministic PRNG (mulberry32) for shuffles. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
