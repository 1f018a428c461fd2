import test from 'ava';
import { ConfigurationError, WeirError } from '../../lib/errors.js';
import { ManualClock } from '../../lib/time/clock.js';
import { NO_TIMESTAMP } from '../../lib/time/timestamps.js';
import {
  DynamicEventTimeSessionWindows,
  DynamicProcessingTimeSessionWindows,
  EventTimeSessionWindows,
  GlobalWindows,
  MissingTimestampError,
  ProcessingTimeSessionWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  isMergingWindowAssigner,
  windowAssignerContextFromClock,
  type WindowAssigner,
  type WindowAssignerContext,
} from '../../lib/window/assigners.js';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger } from '../../lib/window/triggers.js';
import { GlobalWindow, TimeWindow } from '../../lib/window/time-window.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const DAY = 86_400_000;

/** Event-time assigners must not read processing time: this context fails the test if they do. */
const noProcessingTime: WindowAssignerContext = {
  currentProcessingTime: () => {
    throw new Error('event-time assigner read processing time');
  },
};

const pairs = (ws: TimeWindow[]): [number, number][] => ws.map((w) => [w.start, w.end]);
const assign = (a: WindowAssigner<unknown, TimeWindow>, ts: number, ctx = noProcessingTime): [number, number][] =>
  pairs(a.assignWindows('element', ts, ctx));

function throwsConfig(t: import('ava').ExecutionContext, fn: () => unknown, message: RegExp): void {
  const err = t.throws(fn, { instanceOf: ConfigurationError, message });
  t.is(err?.code, 'WEIR_ERR_CONFIG');
}

function throwsNoTimestamp(t: import('ava').ExecutionContext, fn: () => unknown): void {
  const err = t.throws(fn, { instanceOf: MissingTimestampError });
  t.true(err instanceof WeirError);
  t.is(err?.code, 'WEIR_ERR_NO_TIMESTAMP');
  t.regex(err?.message ?? '', /assignTimestampsAndWatermarks/);
}

// ---- TumblingEventTimeWindows ----

test('tumbling event time: end exclusive, ts = end - 1 in the window, ts = end in the next', (t) => {
  const a = TumblingEventTimeWindows.of(1000);
  t.deepEqual(assign(a, 0), [[0, 1000]]);
  t.deepEqual(assign(a, 999), [[0, 1000]]); //    999 % 1000 = 999 → start 0; maxTimestamp = 999
  t.deepEqual(assign(a, 1000), [[1000, 2000]]); // 1000 % 1000 = 0 → start 1000
  t.is(a.assignWindows('x', 999, noProcessingTime)[0]?.maxTimestamp(), 999);
});

test('tumbling event time: negative timestamps', (t) => {
  const a = TumblingEventTimeWindows.of(1000);
  t.deepEqual(assign(a, -1), [[-1000, 0]]); //        -1 % 1000 = -1 → -1 - 999 = -1000
  t.deepEqual(assign(a, -1000), [[-1000, 0]]); //     -1000 % 1000 = -0 → -1000
  t.deepEqual(assign(a, -1001), [[-2000, -1000]]); // -1001 % 1000 = -1 → -1001 - 999 = -2000
});

test('tumbling event time: offsets (1 h windows at :15, days at local midnight in UTC+8)', (t) => {
  const quarterPast = TumblingEventTimeWindows.of(HOUR, 15 * MIN);
  // ts = 1:00 = 3_600_000: (3_600_000 - 900_000) % 3_600_000 = 2_700_000 → start 900_000 (0:15), end 4_500_000 (1:15)
  t.deepEqual(assign(quarterPast, HOUR), [[900_000, 4_500_000]]);
  // ts = 0: (0 - 900_000) % 3_600_000 = -900_000 < 0 → 0 - 2_700_000 = -2_700_000 → [-0:45, 0:15)
  t.deepEqual(assign(quarterPast, 0), [[-2_700_000, 900_000]]);

  const quarterTo = TumblingEventTimeWindows.of(HOUR, -15 * MIN);
  // ts = 0: (0 + 900_000) % 3_600_000 = 900_000 → start -900_000 → [-0:15, 0:45)
  t.deepEqual(assign(quarterTo, 0), [[-900_000, 2_700_000]]);

  const shanghaiDays = TumblingEventTimeWindows.of(DAY, -8 * HOUR);
  // ts = 0: (0 + 28_800_000) % 86_400_000 = 28_800_000 → start -28_800_000 (16:00 UTC the day before)
  t.deepEqual(assign(shanghaiDays, 0), [[-28_800_000, 57_600_000]]);
  // ts = 57_600_000 (16:00 UTC = local midnight): (57_600_000 + 28_800_000) % 86_400_000 = 0 → new day
  t.deepEqual(assign(shanghaiDays, 57_600_000), [[57_600_000, 144_000_000]]);
});

test('tumbling event time: properties and no-timestamp error', (t) => {
  const a = TumblingEventTimeWindows.of(1000, 10);
  t.true(a.isEventTime());
  t.false(a.isMerging);
  t.false(isMergingWindowAssigner(a));
  t.true(a.getDefaultTrigger() instanceof EventTimeTrigger);
  t.is(a.size, 1000);
  t.is(a.offset, 10);
  t.is(a.toString(), 'TumblingEventTimeWindows(1000)');
  throwsNoTimestamp(t, () => a.assignWindows('x', NO_TIMESTAMP, noProcessingTime));
});

test('tumbling validation: size > 0 and |offset| < size, whole milliseconds', (t) => {
  for (const make of [TumblingEventTimeWindows.of, TumblingProcessingTimeWindows.of]) {
    throwsConfig(t, () => make(0), /size > 0/);
    throwsConfig(t, () => make(-1000), /size > 0/);
    throwsConfig(t, () => make(1000, 1000), /abs\(offset\) < size/);
    throwsConfig(t, () => make(1000, -1000), /abs\(offset\) < size/);
    throwsConfig(t, () => make(1000.5), /whole number/);
    throwsConfig(t, () => make(Number.NaN), /whole number/);
    throwsConfig(t, () => make(1000, Number.POSITIVE_INFINITY), /whole number/);
    t.notThrows(() => make(1000, 999));
    t.notThrows(() => make(1000, -999));
  }
});

// ---- SlidingEventTimeWindows ----

test('sliding event time: size/slide windows, latest start first', (t) => {
  const a = SlidingEventTimeWindows.of(3000, 1000);
  // ts=2500: lastStart = 2500 - 500 = 2000; starts > 2500 - 3000 = -500: 2000, 1000, 0
  t.deepEqual(assign(a, 2500), [[2000, 5000], [1000, 4000], [0, 3000]]);
  // ts=2000 (a window start): lastStart 2000; starts > -1000: 2000, 1000, 0; [-1000, 2000) excluded (end exclusive)
  t.deepEqual(assign(a, 2000), [[2000, 5000], [1000, 4000], [0, 3000]]);
  // ts=2999 (= maxTimestamp of [0,3000)): lastStart 2000; starts > -1: 2000, 1000, 0
  t.deepEqual(assign(a, 2999), [[2000, 5000], [1000, 4000], [0, 3000]]);
  // ts=3000: lastStart 3000; starts > 0: 3000, 2000, 1000 → [0,3000) no longer included
  t.deepEqual(assign(a, 3000), [[3000, 6000], [2000, 5000], [1000, 4000]]);
});

test('sliding event time: negative timestamps', (t) => {
  const a = SlidingEventTimeWindows.of(3000, 1000);
  // ts=-1: lastStart: -1 % 1000 = -1 → -1 - 999 = -1000; starts > -3001: -1000, -2000, -3000
  t.deepEqual(assign(a, -1), [[-1000, 2000], [-2000, 1000], [-3000, 0]]);
  // ts=-3000: -3000 % 1000 = -0 → lastStart -3000; starts > -6000: -3000, -4000, -5000
  t.deepEqual(assign(a, -3000), [[-3000, 0], [-4000, -1000], [-5000, -2000]]);
});

test('sliding event time: positive and negative offsets', (t) => {
  const plus = SlidingEventTimeWindows.of(3000, 1000, 250);
  // ts=2500: (2500 - 250) % 1000 = 250 → lastStart 2250; starts > -500: 2250, 1250, 250
  t.deepEqual(assign(plus, 2500), [[2250, 5250], [1250, 4250], [250, 3250]]);
  const minus = SlidingEventTimeWindows.of(3000, 1000, -250);
  // ts=0: (0 + 250) % 1000 = 250 → lastStart -250; starts > -3000: -250, -1250, -2250
  t.deepEqual(assign(minus, 0), [[-250, 2750], [-1250, 1750], [-2250, 750]]);
});

test('sliding event time: each timestamp lands in exactly size/slide windows, each containing it', (t) => {
  const size = 10_000;
  const slide = 2_500; // 10_000 / 2_500 = 4
  const a = SlidingEventTimeWindows.of(size, slide, 100);
  const bad: string[] = [];
  for (let ts = -12_345; ts <= 12_345; ts += 7) {
    const ws = a.assignWindows('x', ts, noProcessingTime);
    const ok =
      ws.length === 4 &&
      ws.every((w, i) => w.start <= ts && ts < w.end && w.end - w.start === size && (i === 0 || ws[i - 1]!.start - w.start === slide));
    if (!ok) bad.push(`ts=${ts}: ${ws.map((w) => w.toKey()).join(' ')}`);
  }
  t.deepEqual(bad, []);
});

test('sliding event time: size not a multiple of slide gives floor or ceil windows; slide > size leaves gaps', (t) => {
  const uneven = SlidingEventTimeWindows.of(2500, 1000);
  // ts=2500: lastStart 2000; starts > 0: 2000, 1000 (0 is not > 0) → 2 = floor(2.5)
  t.deepEqual(assign(uneven, 2500), [[2000, 4500], [1000, 3500]]);
  // ts=2000: lastStart 2000; starts > -500: 2000, 1000, 0 → 3 = ceil(2.5)
  t.deepEqual(assign(uneven, 2000), [[2000, 4500], [1000, 3500], [0, 2500]]);

  const hopping = SlidingEventTimeWindows.of(500, 1000);
  // ts=300: lastStart 0 > 300 - 500 = -200 → [0, 500)
  t.deepEqual(assign(hopping, 300), [[0, 500]]);
  // ts=700: lastStart 0 > 700 - 500 = 200? no → no window
  t.deepEqual(assign(hopping, 700), []);
});

test('sliding event time: properties and no-timestamp error', (t) => {
  const a = SlidingEventTimeWindows.of(3000, 1000);
  t.true(a.isEventTime());
  t.false(a.isMerging);
  t.true(a.getDefaultTrigger() instanceof EventTimeTrigger);
  t.is(a.toString(), 'SlidingEventTimeWindows(3000, 1000)');
  throwsNoTimestamp(t, () => a.assignWindows('x', NO_TIMESTAMP, noProcessingTime));
});

test('sliding validation: size > 0, slide > 0, |offset| < slide', (t) => {
  for (const make of [SlidingEventTimeWindows.of, SlidingProcessingTimeWindows.of]) {
    const msg = /abs\(offset\) < slide and size > 0/;
    throwsConfig(t, () => make(0, 1000), msg);
    throwsConfig(t, () => make(-3000, 1000), msg);
    throwsConfig(t, () => make(3000, 0), msg);
    throwsConfig(t, () => make(3000, -1000), msg);
    throwsConfig(t, () => make(3000, 1000, 1000), msg);
    throwsConfig(t, () => make(3000, 1000, -1000), msg);
    throwsConfig(t, () => make(3000, 0.5), /whole number/);
    t.notThrows(() => make(3000, 1000, 999));
    t.notThrows(() => make(3000, 1000, -999));
    t.notThrows(() => make(500, 1000)); // slide > size is allowed, as in Flink
  }
});

// ---- EventTimeSessionWindows ----

/** Assigns each timestamp, then merges all windows so far, returning the surviving sessions. */
function sessionize(ts: number[], gap: number): [number, number][] {
  const a = EventTimeSessionWindows.withGap(gap);
  let live: TimeWindow[] = [];
  for (const x of ts) {
    live.push(...a.assignWindows('x', x, noProcessingTime));
    const merges: { result: TimeWindow; merged: readonly TimeWindow[] }[] = [];
    a.mergeWindows(live, (result, merged) => merges.push({ result, merged }));
    for (const m of merges) {
      live = live.filter((w) => !m.merged.some((g) => g.equals(w)));
      live.push(m.result);
    }
  }
  return pairs(live).sort((p, q) => p[0] - q[0]);
}

test('event-time sessions: [ts, ts + gap), merging', (t) => {
  const a = EventTimeSessionWindows.withGap(10);
  t.deepEqual(assign(a, 5), [[5, 15]]);
  t.deepEqual(assign(a, -5), [[-5, 5]]);
  t.true(a.isMerging);
  t.true(isMergingWindowAssigner(a));
  t.true(a.isEventTime());
  t.true(a.getDefaultTrigger() instanceof EventTimeTrigger);
  t.is(a.gap, 10);
  t.is(a.toString(), 'EventTimeSessionWindows(10)');
  throwsNoTimestamp(t, () => a.assignWindows('x', NO_TIMESTAMP, noProcessingTime));
});

test('event-time sessions: mergeWindows bridges two sessions', (t) => {
  const a = EventTimeSessionWindows.withGap(10);
  const calls: [number, number][][] = [];
  // sorted [0,10) [8,22) [20,30): cover grows [0,22) then [0,30)
  a.mergeWindows([new TimeWindow(0, 10), new TimeWindow(20, 30), new TimeWindow(8, 22)], (result, merged) =>
    calls.push([[result.start, result.end], ...pairs([...merged])]),
  );
  t.deepEqual(calls, [[[0, 30], [0, 10], [8, 22], [20, 30]]]);
});

test('event-time sessions: elements exactly gap apart merge (touching windows), gap + 1 apart do not', (t) => {
  // gap 10: 0 → [0,10), 10 → [10,20): 10 >= 10 touches → [0,20)
  t.deepEqual(sessionize([0, 10], 10), [[0, 20]]);
  // 0 → [0,10), 11 → [11,21): 10 >= 11 false → two sessions
  t.deepEqual(sessionize([0, 11], 10), [[0, 10], [11, 21]]);
  // 0 → [0,10), 20 → [20,30) (apart), then 10 → [10,20) touches both → [0,30)
  t.deepEqual(sessionize([0, 20, 10], 10), [[0, 30]]);
  // out of order: 25 → [25,35), 3 → [3,13), 14 → [14,24) joins neither ([3,13) ends 13 < 14; 24 < 25) → three
  t.deepEqual(sessionize([25, 3, 14], 10), [[3, 13], [14, 24], [25, 35]]);
  // then 13 → [13,23): touches [3,13) (13 >= 13) and overlaps [14,24) → [3,24); 24 >= 25? no → [25,35) stays
  t.deepEqual(sessionize([25, 3, 14, 13], 10), [[3, 24], [25, 35]]);
});

test('event-time sessions with a dynamic gap', (t) => {
  const a = EventTimeSessionWindows.withDynamicGap((e: { gap: number }) => e.gap);
  t.true(a instanceof DynamicEventTimeSessionWindows);
  t.true(a.isMerging);
  t.true(a.isEventTime());
  t.true(a.getDefaultTrigger() instanceof EventTimeTrigger);
  // ts=100, gap 5 → [100, 105); ts=-100, gap 50 → [-100, -50)
  t.deepEqual(pairs(a.assignWindows({ gap: 5 }, 100, noProcessingTime)), [[100, 105]]);
  t.deepEqual(pairs(a.assignWindows({ gap: 50 }, -100, noProcessingTime)), [[-100, -50]]);
  throwsConfig(t, () => a.assignWindows({ gap: 0 }, 100, noProcessingTime), /0 < gap/);
  throwsConfig(t, () => a.assignWindows({ gap: -5 }, 100, noProcessingTime), /0 < gap/);
  throwsConfig(t, () => a.assignWindows({ gap: 1.5 }, 100, noProcessingTime), /0 < gap/);
  throwsNoTimestamp(t, () => a.assignWindows({ gap: 5 }, NO_TIMESTAMP, noProcessingTime));
});

test('session validation: gap > 0, whole milliseconds', (t) => {
  for (const make of [EventTimeSessionWindows.withGap, ProcessingTimeSessionWindows.withGap]) {
    throwsConfig(t, () => make(0), /0 < gap/);
    throwsConfig(t, () => make(-10), /0 < gap/);
    throwsConfig(t, () => make(2.5), /whole number/);
    t.notThrows(() => make(1));
  }
});

// ---- Processing-time assigners: the injected clock, never the element timestamp ----

test('tumbling processing time uses ctx.currentProcessingTime()', (t) => {
  const clock = new ManualClock(1500);
  const ctx = windowAssignerContextFromClock(clock);
  const a = TumblingProcessingTimeWindows.of(1000);
  // now 1500 → [1000, 2000), whatever the element timestamp
  t.deepEqual(assign(a, 123_456, ctx), [[1000, 2000]]);
  t.deepEqual(assign(a, NO_TIMESTAMP, ctx), [[1000, 2000]]);
  clock.advance(499); // now 1999 = maxTimestamp of [1000, 2000)
  t.deepEqual(assign(a, 0, ctx), [[1000, 2000]]);
  clock.advance(1); // now 2000 → next window
  t.deepEqual(assign(a, 0, ctx), [[2000, 3000]]);
  // offset 250, now -1: (-1 - 250) % 1000 = -251 → -1 - 749 = -750 → [-750, 250)
  t.deepEqual(assign(TumblingProcessingTimeWindows.of(1000, 250), 0, { currentProcessingTime: () => -1 }), [[-750, 250]]);
  t.false(a.isEventTime());
  t.false(a.isMerging);
  t.true(a.getDefaultTrigger() instanceof ProcessingTimeTrigger);
});

test('sliding processing time uses ctx.currentProcessingTime()', (t) => {
  const a = SlidingProcessingTimeWindows.of(3000, 1000);
  // now 2500: lastStart 2000; starts > -500: 2000, 1000, 0
  t.deepEqual(assign(a, NO_TIMESTAMP, { currentProcessingTime: () => 2500 }), [[2000, 5000], [1000, 4000], [0, 3000]]);
  // now -1: lastStart -1000; starts > -3001: -1000, -2000, -3000
  t.deepEqual(assign(a, 99_999, { currentProcessingTime: () => -1 }), [[-1000, 2000], [-2000, 1000], [-3000, 0]]);
  t.false(a.isEventTime());
  t.true(a.getDefaultTrigger() instanceof ProcessingTimeTrigger);
  t.is(a.toString(), 'SlidingProcessingTimeWindows(3000, 1000)');
});

test('processing-time sessions use ctx.currentProcessingTime() and merge', (t) => {
  const clock = new ManualClock(1000);
  const ctx = windowAssignerContextFromClock(clock);
  const a = ProcessingTimeSessionWindows.withGap(5000);
  // now 1000 → [1000, 6000); the element timestamp (NO_TIMESTAMP here) is ignored
  const first = a.assignWindows('x', NO_TIMESTAMP, ctx);
  t.deepEqual(pairs(first), [[1000, 6000]]);
  clock.advance(5000); // now 6000 → [6000, 11000), touches [1000, 6000)
  const second = a.assignWindows('x', 0, ctx);
  const calls: [number, number][] = [];
  a.mergeWindows([...first, ...second], (result) => calls.push([result.start, result.end]));
  t.deepEqual(calls, [[1000, 11_000]]);
  t.true(a.isMerging);
  t.false(a.isEventTime());
  t.true(a.getDefaultTrigger() instanceof ProcessingTimeTrigger);

  const dyn = ProcessingTimeSessionWindows.withDynamicGap((e: number) => e);
  t.true(dyn instanceof DynamicProcessingTimeSessionWindows);
  // now 6000, gap 300 → [6000, 6300)
  t.deepEqual(pairs(dyn.assignWindows(300, NO_TIMESTAMP, ctx)), [[6000, 6300]]);
  throwsConfig(t, () => dyn.assignWindows(0, 0, ctx), /0 < gap/);
  t.true(isMergingWindowAssigner(dyn));
  t.true(dyn.getDefaultTrigger() instanceof ProcessingTimeTrigger);
});

// ---- GlobalWindows ----

test('global windows: every element in the one GlobalWindow, trigger never', (t) => {
  const a = GlobalWindows.create();
  const ws = a.assignWindows('x', NO_TIMESTAMP, noProcessingTime);
  t.is(ws.length, 1);
  t.is(ws[0], GlobalWindow.get());
  t.is(a.assignWindows('y', -5, noProcessingTime)[0], GlobalWindow.get());
  t.true(a.getDefaultTrigger() instanceof NeverTrigger);
  t.false(a.isEventTime());
  t.false(a.isMerging);
  t.is(a.toString(), 'GlobalWindows()');
});
