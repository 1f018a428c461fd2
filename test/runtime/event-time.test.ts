import test from 'ava';
import {
  CollectionSource,
  KeyedProcessFunction,
  ManualClock,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
} from '../../lib/index.js';

interface Ride {
  id: number;
  start: number;
  end?: number;
}

const HOUR = 3_600_000;

/** Alerts when a ride has no end event two hours after its start (Flink training's LongRidesSolution, simplified). */
class LongRides extends KeyedProcessFunction<number, Ride, number> {
  private started!: ReturnType<LongRides['state']>;
  private state() {
    return this.getRuntimeContext().getState(new ValueStateDescriptor<number>('start'));
  }
  override open(): void {
    this.started = this.state();
  }
  processElement(ride: Ride, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    if (ride.end === undefined) {
      this.started.update(ride.start);
      ctx.timerService().registerEventTimeTimer(ride.start + 2 * HOUR);
    } else {
      // The timer may not have fired yet (watermarks lag): decide on the duration as well.
      const start = this.started.value();
      if (start !== null) {
        ctx.timerService().deleteEventTimeTimer(start + 2 * HOUR);
        if (ride.end - start > 2 * HOUR) out.collect(ride.id);
      }
      this.started.clear();
    }
  }
  override onTimer(_ts: number, ctx: OnTimerContext<number>, out: Collector<number>): void {
    out.collect(ctx.getCurrentKey());
    this.started.clear();
  }
}

function rides(): Ride[] {
  // Start events at t = i minutes; rides with id % 5 === 0 never end (alert), id % 7 === 0 end after 3h
  // (alert), others end after 30 min. Events are emitted in time order.
  const events: (Ride & { ts: number })[] = [];
  for (let id = 1; id <= 200; id++) {
    const start = id * 60_000;
    events.push({ id, start, ts: start });
    if (id % 5 !== 0) {
      const end = start + (id % 7 === 0 ? 3 * HOUR : 30 * 60_000);
      events.push({ id, start, end, ts: end });
    }
  }
  return events.sort((a, b) => a.ts - b.ts || a.id - b.id);
}

for (const [parallelism, clockName] of [[1, 'manual'], [4, 'manual'], [2, 'system']] as const) {
  test(`event-time timers fire at the watermark, deduplicated and deletable (p=${parallelism}, ${clockName} clock)`, async (t) => {
    const env = StreamExecutionEnvironment.create(clockName === 'manual' ? { parallelism, clock: new ManualClock(0) } : { parallelism, autoWatermarkInterval: 1 });
    // The strategy is applied in the (single) source subtask, so each ride's events reach the
    // keyed operator in order over one channel.
    const strategy = WatermarkStrategy.forMonotonousTimestamps<Ride>().withTimestampAssigner((r) => r.end ?? r.start);
    const out = await env
      .fromSource(new CollectionSource(rides()), strategy, 'rides')
      .keyBy((r) => r.id)
      .process(new LongRides())
      .executeAndCollect();
    const expected: number[] = [];
    for (let id = 1; id <= 200; id++) if (id % 5 === 0 || id % 7 === 0) expected.push(id);
    t.deepEqual(out.sort((a, b) => a - b), expected);
  });
}

test('processing-time timers fire when the injected clock reaches them, on the subtask thread', async (t) => {
  const clock = new ManualClock(1_000);
  const env = StreamExecutionEnvironment.create({ parallelism: 1, clock });
  const fired: string[] = [];
  class Fn extends KeyedProcessFunction<string, string, string> {
    processElement(v: string, ctx: KeyedProcessContext<string>): void {
      ctx.timerService().registerProcessingTimeTimer(1_500);
      ctx.timerService().registerProcessingTimeTimer(1_500); // deduplicated per key and time
      if (v === 'b') ctx.timerService().registerProcessingTimeTimer(1_200);
    }
    override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
      fired.push(`${ctx.getCurrentKey()}@${ts}:${ctx.timeDomain()}`);
      out.collect(`${ctx.getCurrentKey()}@${ts}`);
    }
  }
  // A source that waits (NOTHING_AVAILABLE) until the clock moved, so timers fire before the end.
  let advanced = false;
  const source = {
    boundedness: 'BOUNDED' as const,
    createReader: () => {
      let step = 0;
      return {
        start() {},
        pollNext(o: { collect(v: string): void }) {
          if (step === 0) {
            o.collect('a');
            o.collect('b');
            step = 1;
            return 'NOTHING_AVAILABLE' as const;
          }
          return advanced && fired.length === 3 ? ('END_OF_INPUT' as const) : ('NOTHING_AVAILABLE' as const);
        },
        isAvailable: () =>
          new Promise<void>((resolve) => {
            setImmediate(() => {
              if (!advanced) {
                advanced = true;
                clock.advance(600);
              }
              resolve();
            });
          }),
        close() {},
      };
    },
  };
  const out = await env.fromSource(source, 'waiting source').keyBy((v) => v).process(new Fn()).executeAndCollect();
  t.deepEqual(fired, ['b@1200:PROCESSING_TIME', 'a@1500:PROCESSING_TIME', 'b@1500:PROCESSING_TIME']);
  t.deepEqual(out, ['b@1200', 'a@1500', 'b@1500']);
});

test('a source emits each record before its watermark generator sees it (Flink’s order), so a punctuated watermark follows its record', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, clock: new ManualClock(0) });
  // A punctuated generator: the watermark is the event's own timestamp.
  const punctuated = WatermarkStrategy.forGenerator<number>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(ts),
    onPeriodicEmit: () => undefined,
  })).withTimestampAssigner((e) => e);
  class SeenWatermark extends KeyedProcessFunction<number, number, number> {
    processElement(_v: number, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
      out.collect(ctx.timerService().currentWatermark());
    }
  }
  const out = await env
    .fromSource(new CollectionSource([10, 20, 30]), punctuated, 'punctuated')
    .keyBy(() => 0)
    .process(new SeenWatermark())
    .executeAndCollect();
  // Record 10 arrives before watermark 10, record 20 after watermark 10, record 30 after 20.
  t.deepEqual(out, [Number.NEGATIVE_INFINITY, 10, 20]);
});

test('ingestion time: a timestamp assigner reading the environment clock stamps records when the source emits them', async (t) => {
  // Flink 1.12+ replaces TimeCharacteristic.IngestionTime by a strategy whose assigner returns
  // the current processing time at the source.
  const clock = new ManualClock(5_000);
  const env = StreamExecutionEnvironment.create({ parallelism: 2, clock });
  const ingestion = WatermarkStrategy.forMonotonousTimestamps<string>().withTimestampAssigner(() => env.getClock().now());
  class Stamp extends KeyedProcessFunction<string, string, [string, number | null]> {
    processElement(v: string, ctx: KeyedProcessContext<string>, out: Collector<[string, number | null]>): void {
      out.collect([v, ctx.timestamp()]);
    }
  }
  const out = await env
    .fromSource(new CollectionSource(['a', 'b', 'c']), ingestion, 'ingestion')
    .keyBy((v) => v)
    .process(new Stamp())
    .executeAndCollect();
  t.deepEqual(out.sort(), [['a', 5_000], ['b', 5_000], ['c', 5_000]]);
});
