/**
 * Results do not depend on parallelism, nor on the order of events within the allowed
 * out-of-orderness; and processing-time windows driven by a ManualClock that the source advances.
 */
import test from 'ava';
import {
  CollectionSource,
  EventTimeSessionWindows,
  ManualClock,
  ProcessingTimeTrigger,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
  type Trigger,
  type TriggerContext,
  type TriggerResult,
} from '../../lib/index.js';
import { describeWindow, prng, punctuatedOutOfOrderness, runKeyed, sumEv, type Ev } from './window-helpers.js';

const BOUND = 1000;

/**
 * 1000 events, 37 ms apart, starting at -5000 ms, with a 400 ms pause after every 50 (so per-key
 * sessions of gap 200 break there: per key, events are 5 × 37 = 185 ms apart). Keys k0..k4 in turn.
 */
function events(): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < 1000; i++) out.push({ key: `k${i % 5}`, ts: -5000 + i * 37 + 400 * Math.floor(i / 50), v: i % 13 });
  return out;
}

/**
 * Shuffles within blocks of 10 consecutive events, never across a pause: a block spans at most
 * 9 × 37 = 333 ms < BOUND, so with watermarks `max - BOUND - 1` no event becomes late and no
 * window (nor session) fires before all of its events arrived.
 */
function shuffledWithinBound(sorted: Ev[]): Ev[] {
  const random = prng(42);
  const out: Ev[] = [];
  for (let b = 0; b < sorted.length; b += 10) {
    const block = sorted.slice(b, b + 10);
    for (let i = block.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [block[i], block[j]] = [block[j]!, block[i]!];
    }
    out.push(...block);
  }
  return out;
}

/** Tumbling 1000 ms sums per key, computed directly. */
function expectedTumbling(input: Ev[]): string[] {
  const sums = new Map<string, number>();
  for (const e of input) {
    const start = Math.floor(e.ts / 1000) * 1000;
    const id = `${e.key}[${start},${start + 1000})`;
    sums.set(id, (sums.get(id) ?? 0) + e.v);
  }
  return [...sums].map(([id, s]) => `${id}=${s}`).sort();
}

test('tumbling, sliding and session results are equal at p=1 and p=4, sorted or shuffled within the bound', async (t) => {
  const sorted = events();
  const shuffled = shuffledWithinBound(sorted);
  t.notDeepEqual(shuffled, sorted);
  const jobs = {
    tumbling: (k: Parameters<Parameters<typeof runKeyed>[3]>[0]) => k.window(TumblingEventTimeWindows.of(1000)).reduce(sumEv, describeWindow),
    sliding: (k: Parameters<Parameters<typeof runKeyed>[3]>[0]) => k.window(SlidingEventTimeWindows.of(1000, 250)).reduce(sumEv, describeWindow),
    sessions: (k: Parameters<Parameters<typeof runKeyed>[3]>[0]) => k.window(EventTimeSessionWindows.withGap(200)).reduce(sumEv, describeWindow),
  };
  for (const [name, job] of Object.entries(jobs)) {
    const runs = await Promise.all([
      runKeyed(sorted, 1, punctuatedOutOfOrderness(BOUND), job),
      runKeyed(sorted, 4, punctuatedOutOfOrderness(BOUND), job),
      runKeyed(shuffled, 1, punctuatedOutOfOrderness(BOUND), job),
      runKeyed(shuffled, 4, punctuatedOutOfOrderness(BOUND), job),
    ]);
    for (const r of runs.slice(1)) t.deepEqual(r, runs[0], name);
    if (name === 'tumbling') t.deepEqual(runs[0], expectedTumbling(sorted));
    // 1000 events in 20 pauses-separated runs of 50, 10 per key each: one session per key and run.
    if (name === 'sessions') t.is(runs[0]!.length, 20 * 5);
    // every element in 1000 / 250 = 4 windows: the window sums add up to 4 × the total
    if (name === 'sliding') {
      const total = sorted.reduce((s, e) => s + e.v, 0);
      t.is(runs[0]!.reduce((s, line) => s + Number(line.split('=')[1]), 0), 4 * total);
    }
  }
});

/** Counts the elements the window operators saw (all subtasks), then delegates to ProcessingTimeTrigger. */
class ObservedTrigger implements Trigger<Ev, TimeWindow> {
  seen = 0;
  private readonly inner = ProcessingTimeTrigger.create();
  onElement(e: Ev, ts: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
    this.seen++;
    return this.inner.onElement(e, ts, w, ctx);
  }
  onEventTime(time: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
    return this.inner.onEventTime(time, w, ctx);
  }
  onProcessingTime(time: number, w: TimeWindow, ctx: TriggerContext): TriggerResult {
    return this.inner.onProcessingTime(time, w, ctx);
  }
  clear(w: TimeWindow, ctx: TriggerContext): void {
    this.inner.clear(w, ctx);
  }
}

/** Waits (on the event loop, no timers) until `cond` holds. */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (cond() ? resolve() : void setImmediate(check));
    check();
  });
}

for (const p of [1, 4]) {
  test(`processing-time windows fire when the source advances the ManualClock (p=${p})`, async (t) => {
    const clock = new ManualClock(0);
    const trigger = new ObservedTrigger();
    let fired = 0;
    // Phases: emit at clock 0, wait until the window operators saw them, move the clock to 1000
    // (fires [0,1000)), wait for both firings, emit at clock 1000, move to 2000, wait, end.
    const batches: Ev[][] = [
      [{ key: 'a', ts: 0, v: 1 }, { key: 'b', ts: 0, v: 10 }, { key: 'a', ts: 0, v: 2 }],
      [{ key: 'a', ts: 0, v: 100 }],
    ];
    const source = {
      boundedness: 'BOUNDED' as const,
      maxParallelism: 1, // one reader, as CollectionSource
      createReader: () => {
        let phase = 0;
        return {
          start() {},
          pollNext(o: { collect(v: Ev): void }) {
            const batch = batches[phase];
            if (batch === undefined) return 'END_OF_INPUT' as const;
            for (const e of batch) o.collect(e);
            phase++;
            return 'NOTHING_AVAILABLE' as const;
          },
          async isAvailable() {
            const seen = phase === 1 ? 3 : 4;
            await until(() => trigger.seen === seen);
            clock.setTime(phase * 1000);
            await until(() => fired === (phase === 1 ? 2 : 3));
          },
          close() {},
        };
      },
    };
    const env = StreamExecutionEnvironment.create({ parallelism: p, clock });
    const out = await env
      .fromSource(source, 'phased')
      .keyBy((e) => e.key)
      .window(TumblingProcessingTimeWindows.of(1000))
      .trigger(trigger)
      .reduce(sumEv, (key: string, ctx: ProcessWindowContext<TimeWindow>, els: Ev[], o: Collector<string>) => {
        fired++;
        describeWindow(key, ctx, els, o);
      })
      .executeAndCollect();
    // [0,1000): a = 1 + 2, b = 10 (fired at clock 1000 ≥ 999);  [1000,2000): a = 100 (clock 2000)
    t.deepEqual(out.sort(), ['a[0,1000)=3', 'a[1000,2000)=100', 'b[0,1000)=10']);
  });
}

test('a bounded collection ends with the maximal watermark, which fires the last event-time windows', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2, clock: new ManualClock(0) });
  const out = await env
    .fromSource(new CollectionSource([{ key: 'a', ts: 5, v: 1 }]), punctuatedOutOfOrderness(BOUND), 'one')
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(10))
    .reduce(sumEv)
    .executeAndCollect();
  t.deepEqual(out, [{ key: 'a', ts: 5, v: 1 }]);
});
