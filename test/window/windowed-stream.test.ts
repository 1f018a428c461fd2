/**
 * Event-time windows end to end: source with a WatermarkStrategy → keyBy → window → function →
 * executeAndCollect, at parallelism 1 and 4. Expectations worked out by hand in the comments.
 */
import test from 'ava';
import {
  ContinuousEventTimeTrigger,
  EventTimeSessionWindows,
  OutputTag,
  SlidingEventTimeWindows,
  TimeEvictor,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
  type AggregateFunction,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
} from '../../lib/index.js';
import { RecordingSink } from '../helpers/recording-sink.js';
import { describeWindow, ev, mark, markerWatermarks, runKeyed, sumEv, withTimestamps, type Ev } from './window-helpers.js';

const bounded = (ms: number) => WatermarkStrategy.forBoundedOutOfOrderness<Ev>(ms).withTimestampAssigner((e) => e.ts);

for (const p of [1, 4]) {
  test(`tumbling windows with an offset sum per key, negative timestamps included (p=${p})`, async (t) => {
    // Size 1000, offset 250: starts ≡ 250 (mod 1000). start = ts - ((ts - 250) % 1000 + 1000) % 1000
    const events = [
      ev('a', -1751, 1), // (-2001 % 1000 = -1) → -1751 - 999 = -2750: [-2750,-1750), its last ms
      ev('a', -1750, 2), // (-2000 % 1000 = -0) → -1750: [-1750,-750)
      ev('a', -751, 4), //  (-1001 % 1000 = -1) → -751 - 999 = -1750: [-1750,-750)
      ev('a', -750, 8), //  (-1000 % 1000 = -0) → -750: [-750,250)
      ev('a', 249, 16), //  (-1 % 1000 = -1) → 249 - 999 = -750: [-750,250)
      ev('a', 250, 32), //  0 → 250: [250,1250)
      ev('b', -1, 64), //   (-251 % 1000 = -251) → -1 - 749 = -750: [-750,250)
      ev('b', 0, 128), //   (-250 % 1000 = -250) → 0 - 750 = -750: [-750,250)
    ];
    const out = await runKeyed(events, p, bounded(0), (k) => withTimestamps(k.window(TumblingEventTimeWindows.of(1000, 250)).reduce(sumEv, describeWindow)));
    // Each result is timestamped with its window's maxTimestamp = end - 1.
    t.deepEqual(out, ['a[-1750,-750)=6@-751', 'a[-2750,-1750)=1@-1751', 'a[-750,250)=24@249', 'a[250,1250)=32@1249', 'b[-750,250)=192@249'].sort());
  });

  test(`sliding windows put each element in size / slide windows (p=${p})`, async (t) => {
    // Size 1000, slide 500: ts is in the windows starting at floor(ts / 500) * 500 and 500 earlier.
    //   0, 499 → [-500,500) [0,1000);  500, 999 → [0,1000) [500,1500);  1000 → [500,1500) [1000,2000);
    //   1700 → [1000,2000) [1500,2500).   6 elements × 2 windows = 12 = 2 + 4 + 3 + 2 + 1
    const events = [0, 499, 500, 999, 1000, 1700].map((ts) => ev('a', ts, 1));
    const out = await runKeyed(events, p, bounded(0), (k) => k.window(SlidingEventTimeWindows.of(1000, 500)).reduce(sumEv, describeWindow));
    t.deepEqual(out, ['a[-500,500)=2', 'a[0,1000)=4', 'a[500,1500)=3', 'a[1000,2000)=2', 'a[1500,2500)=1'].sort());
  });

  test(`session windows merge, also when an element bridges two sessions (p=${p})`, async (t) => {
    const events = [
      ev('a', 0, 1), //    [0,100)
      ev('a', 300, 2), //  [300,400)
      ev('a', 150, 4), //  [150,250), apart from both
      ev('a', 90, 8), //   [90,190) bridges [0,100) and [150,250) → [0,250) = 1 + 4 + 8
      ev('a', 400, 16), // [400,500) touches [300,400) → [300,500) = 2 + 16
      ev('b', 1000, 32), // [1000,1100)
      ev('b', 1099, 64), // [1099,1199) overlaps → [1000,1199) = 96
      ev('b', 1200, 128), // [1200,1300): 1199 < 1200, a new session
    ];
    const out = await runKeyed(events, p, bounded(1000), (k) => withTimestamps(k.window(EventTimeSessionWindows.withGap(100)).reduce(sumEv, describeWindow)));
    t.deepEqual(out, ['a[0,250)=13@249', 'a[300,500)=18@499', 'b[1000,1199)=96@1198', 'b[1200,1300)=128@1299'].sort());
  });

  test(`a window fires only once the watermark reaches end - 1; later elements are late (p=${p})`, async (t) => {
    const late = new OutputTag<Ev>('late');
    const fired = (key: string, ctx: ProcessWindowContext<TimeWindow>, els: Ev[], out: Collector<string>): void => {
      out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${els.map((e) => e.v).join('+')} at wm ${ctx.currentWatermark()}`);
    };
    const events = [
      ev('a', 0, 1),
      mark(998), //    < maxTimestamp 999: [0,1000) stays open
      ev('a', 999, 2), // end - 1 belongs to [0,1000) and is not late (999 > 998)
      mark(999), //    fires [0,1000) = 1 + 2
      ev('a', 999, 4), // [0,1000) is late now (999 <= 999): side output
      ev('a', 1000, 8), // end is exclusive: [1000,2000)
    ];
    const lateOut = new RecordingSink<Ev>();
    const out = await runKeyed(events, p, markerWatermarks(), (k) => {
      const windowed = k.window(TumblingEventTimeWindows.of(1000)).sideOutputLateData(late).process(fired);
      // The late side output goes to a second sink of the same job.
      windowed.getSideOutput(late).sinkTo(lateOut);
      return windowed;
    });
    t.deepEqual(out, ['a[0,1000)=1+2 at wm 999', 'a[1000,2000)=8 at wm Infinity']);
    t.deepEqual(lateOut.records, [ev('a', 999, 4)]);
  });

  test(`allowed lateness: late firings update the result, state is dropped at cleanup (p=${p})`, async (t) => {
    const late = new OutputTag<Ev>('late');
    // Per-window and per-key firing counters: after cleanup the window's counter is gone.
    const counted = (key: string, ctx: ProcessWindowContext<TimeWindow>, els: Ev[], out: Collector<string>): void => {
      const inWindow = ctx.windowState().getState(new ValueStateDescriptor<number>('n'));
      const perKey = ctx.globalState().getState(new ValueStateDescriptor<number>('n'));
      inWindow.update((inWindow.value() ?? 0) + 1);
      perKey.update((perKey.value() ?? 0) + 1);
      out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${els[0]!.v} window#${inWindow.value()} key#${perKey.value()}`);
    };
    const events = [
      ev('a', 100, 1),
      ev('a', 900, 2),
      mark(999), //        fires 1 + 2 = 3; cleanup at 999 + 500 = 1499
      ev('a', 300, 10), // within lateness: fires again with 13
      mark(1498),
      ev('a', 0, 20), //   still within (1499 > 1498): 33
      mark(1499), //       cleanup: contents, trigger and window state of [0,1000) are dropped
      ev('a', 200, 100), // too late: 200 + 500 <= 1499, side output
      ev('a', 1500, 1000), // [1000,2000): window#1 again, key#4
    ];
    const lateOut = new RecordingSink<Ev>();
    const out = await runKeyed(events, p, markerWatermarks(), (k) => {
      const w = k.window(TumblingEventTimeWindows.of(1000)).allowedLateness(500).sideOutputLateData(late).reduce(sumEv, counted);
      w.getSideOutput(late).sinkTo(lateOut);
      return withTimestamps(w);
    });
    t.deepEqual(out, ['a[0,1000)=3 window#1 key#1@999', 'a[0,1000)=13 window#2 key#2@999', 'a[0,1000)=33 window#3 key#3@999', 'a[1000,2000)=1000 window#1 key#4@1999'].sort());
    t.deepEqual(lateOut.records, [ev('a', 200, 100)]);
  });

  test(`aggregate + ProcessWindowFunction: the function gets exactly the one aggregated value (p=${p})`, async (t) => {
    const average: AggregateFunction<Ev, { sum: number; n: number }, number> = {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (e, acc) => ({ sum: acc.sum + e.v, n: acc.n + 1 }),
      getResult: (acc) => acc.sum / acc.n,
      merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
    };
    const events = [ev('a', 0, 1), ev('a', 10, 2), ev('a', 20, 6), ev('b', 5, 10), ev('a', 1000, 7)];
    const out = await runKeyed(events, p, bounded(0), (k) =>
      k.window(TumblingEventTimeWindows.of(1000)).aggregate(average, (key: string, ctx: ProcessWindowContext<TimeWindow>, avgs: number[], o: Collector<string>) => {
        o.collect(`${key}[${ctx.window().start})=${avgs.join(',')} (${avgs.length} value)`);
      }),
    );
    // a [0,1000): (1 + 2 + 6) / 3 = 3;  b: 10;  a [1000,2000): 7
    t.deepEqual(out, ['a[0)=3 (1 value)', 'a[1000)=7 (1 value)', 'b[0)=10 (1 value)']);
  });

  test(`aggregate merges accumulators of merged sessions (p=${p})`, async (t) => {
    const count: AggregateFunction<Ev, number, number> = { createAccumulator: () => 0, add: (_e, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };
    // gap 10: [0,10), [20,30); 9 → [9,19) overlaps [0,10) → [0,19), which ends before 20;
    // 15 → [15,25) overlaps [0,19) and [20,30): one session [0,30) of 4 elements (1 + 1 + 2 merged).
    const events = [ev('a', 0, 0), ev('a', 20, 0), ev('a', 9, 0), ev('a', 15, 0)];
    const out = await runKeyed(events, p, bounded(100), (k) => k.window(EventTimeSessionWindows.withGap(10)).aggregate(count));
    t.deepEqual(out, [4]);
  });

  test(`ContinuousEventTimeTrigger fires early every interval, then at the end (p=${p})`, async (t) => {
    const events = [
      ev('a', 100, 1), // next fire at 100 - 100 % 300 + 300 = 300
      ev('a', 400, 2),
      mark(350), //       300: 1 + 2 = 3, next 600
      ev('a', 500, 4),
      mark(650), //       600: 7, next 900
      ev('a', 800, 8),
      // final watermark: 900 → 15 (next min(1200, 999) = 999), 999 → 15 (end of window)
    ];
    const out = await runKeyed(events, p, markerWatermarks(), (k) => k.window(TumblingEventTimeWindows.of(1000)).trigger(ContinuousEventTimeTrigger.of(300)).reduce(sumEv, describeWindow));
    t.deepEqual(out, ['a[0,1000)=3', 'a[0,1000)=7', 'a[0,1000)=15', 'a[0,1000)=15'].sort());
  });

  test(`TimeEvictor keeps the last span of each window (p=${p})`, async (t) => {
    // [0,1000) holds ts 100, 500, 700, 950: max 950, cutoff 650 → 700 + 950 survive (4 + 8)
    const events = [ev('a', 100, 1), ev('a', 500, 2), ev('a', 700, 4), ev('a', 950, 8), ev('b', 10, 16)];
    const out = await runKeyed(events, p, bounded(0), (k) => k.window(TumblingEventTimeWindows.of(1000)).evictor(TimeEvictor.of(300)).process(describeWindow));
    t.deepEqual(out, ['a[0,1000)=12', 'b[0,1000)=16']);
  });
}
