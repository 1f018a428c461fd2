/**
 * Every kind of window snapshotted and restored partway, through the operator test harness
 * (Flink's WindowOperatorTest with `snapshot` / `initializeState`): tumbling, sliding, sessions
 * (merging, event and processing time), count windows, evictors, allowed lateness with late data,
 * a stateful trigger, window joins and co-groups, windowAll. Every expected output is worked out by
 * hand in the comments; the unbroken run, the run restored before each step, the run restored
 * after every step and (for keyed windows) the run rescaled from parallelism 1 to 2 must give it.
 */
import test from 'ava';
import {
  ContinuousEventTimeTrigger,
  CountEvictor,
  CountTrigger,
  EventTimeSessionWindows,
  OutputTag,
  ProcessingTimeSessionWindows,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TimeEvictor,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  ValueStateDescriptor,
  assignKeyToParallelOperator,
  type Collector,
  type DataStream,
  type ProcessWindowContext,
  type TimeWindow,
} from 'weir';
import { canonical, checkRestore, el, mark, rec, recordsOf, runRescaled, time, wm, type AnyHarness, type Placement, type Step } from '../helpers/restore-steps.js';
import { harnessOf } from '../helpers/stream-harness.js';

interface E {
  k: string;
  v: number;
}
const e = (k: string, v: number): E => ({ k, v });
const sum = (a: E, b: E): E => ({ k: a.k, v: a.v + b.v });
const keyed = () => StreamExecutionEnvironment.create().fromCollection<E>([]).keyBy((x) => x.k);
const harness = <T>(stream: DataStream<T>) => (p: Placement) => harnessOf<unknown, T>(stream, p);
const cleanedUp = (t: { is(a: unknown, b: unknown, m?: string): void }) => (h: AnyHarness) => {
  t.is(h.numKeyedStateEntries(), 0, 'every window was cleaned up');
  t.is(h.numEventTimeTimers() + h.numProcessingTimeTimers(), 0, 'no timers left');
};

/** Asserts the rescaled runs (cut at each of `cuts`) give the records of `expected`. */
async function checkRescaled(t: { deepEqual(a: unknown, b: unknown, m?: string): void; true(a: boolean, m?: string): void }, make: (p: Placement) => AnyHarness, steps: Step[], expected: Parameters<typeof recordsOf>[0], cuts: number[]): Promise<void> {
  const keys = steps.flatMap((s) => (s.kind === 'element' ? [(s.value as E).k] : []));
  t.true(new Set(keys.map((k) => assignKeyToParallelOperator(k, 128, 2))).size === 2, 'the keys spread over both subtasks');
  for (const cut of cuts) {
    const { records } = await runRescaled(make, steps, cut, { parallelism: 2, keyOf1: (x: E) => x.k });
    t.deepEqual(canonical(records), canonical(recordsOf(expected)), `rescaled, cut at ${cut}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Tumbling event-time windows with a reduce function

const tumbling = harness(keyed().window(TumblingEventTimeWindows.of(1000)).reduce(sum));
const tumblingSteps = [
  el(e('a', 1), 0), //    a [0,1000)
  el(e('a', 2), 999), //  a [0,1000)
  el(e('a', 4), 1000), // a [1000,2000)
  el(e('b', 8), 500), //  b [0,1000)
  wm(998), //              nothing: maxTimestamp 999 > 998
  wm(999), //              a [0,1000) = 3, b [0,1000) = 8, at 999
  el(e('b', 16), 1500), // b [1000,2000)
  el(e('a', 32), 2500), // a [2000,3000)
  wm(Infinity), //         a [1000,2000) = 4, b [1000,2000) = 16 at 1999; a [2000,3000) = 32 at 2999
];
const tumblingExpected = [mark(998), rec(e('a', 3), 999), rec(e('b', 8), 999), mark(999), rec(e('a', 4), 1999), rec(e('b', 16), 1999), rec(e('a', 32), 2999), mark(Infinity)];

test('tumbling event-time windows (reduce): restored at every step', async (t) => {
  await checkRestore(t, tumbling, tumblingSteps, tumblingExpected, { atEnd: cleanedUp(t) });
});

test('tumbling event-time windows (reduce): rescaled from parallelism 1 to 2', async (t) => {
  await checkRescaled(t, tumbling, tumblingSteps, tumblingExpected, [2, 4, 6, 8]);
});

// ---------------------------------------------------------------------------------------------
// Sliding windows with an AggregateFunction and a ProcessWindowFunction using global state

const countDescriptor = new ValueStateDescriptor<number>('windows-so-far');
const sumAggregate = { createAccumulator: () => 0, add: (x: E, acc: number) => acc + x.v, getResult: (acc: number) => acc, merge: (a: number, b: number) => a + b };
/** `key[start,end)=sum (#n)`: n counts the key's firings so far, in per-key (global) state. */
const numbered = (key: string, ctx: ProcessWindowContext<TimeWindow>, sums: number[], out: Collector<string>): void => {
  const n = ctx.globalState().getState(countDescriptor);
  n.update((n.value() ?? 0) + 1);
  out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${sums[0]} (#${n.value()})`);
};
const sliding = harness(keyed().window(SlidingEventTimeWindows.of(100, 50)).aggregate(sumAggregate, numbered));
// Size 100, slide 50: a timestamp t is in [s, s + 100) for s = t - t % 50 and s - 50.
const slidingSteps = [
  el(e('a', 1), 10), //  a [-50,50), [0,100)
  el(e('a', 2), 60), //  a [0,100), [50,150)
  el(e('b', 4), 70), //  b [0,100), [50,150)
  wm(49), //              a [-50,50) = 1
  el(e('a', 8), 120), // a [50,150), [100,200)
  wm(99), //              a [0,100) = 3, b [0,100) = 4
  wm(149), //             a [50,150) = 10, b [50,150) = 4
  wm(Infinity), //        a [100,200) = 8
];
const slidingExpected = [
  rec('a[-50,50)=1 (#1)', 49),
  mark(49),
  rec('a[0,100)=3 (#2)', 99),
  rec('b[0,100)=4 (#1)', 99),
  mark(99),
  rec('a[50,150)=10 (#3)', 149),
  rec('b[50,150)=4 (#2)', 149),
  mark(149),
  rec('a[100,200)=8 (#4)', 199),
  mark(Infinity),
];

test('sliding event-time windows (aggregate + process with global state): restored at every step', async (t) => {
  await checkRestore(t, sliding, slidingSteps, slidingExpected, {
    // Only the per-key firing counters (global window state, kept as in Flink) are left.
    atEnd: (h) => {
      t.is(h.numKeyedStateEntries(), 2);
      t.is(h.numEventTimeTimers(), 0);
    },
  });
});

test('sliding event-time windows: rescaled from parallelism 1 to 2', async (t) => {
  await checkRescaled(t, sliding, slidingSteps, slidingExpected, [3, 5, 6]);
});

// ---------------------------------------------------------------------------------------------
// Event-time session windows: merging (including a bridging merge) across restores

const describe = (key: string, ctx: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<string>): void => out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${els[0]!.v}`);
const sessions = harness(keyed().window(EventTimeSessionWindows.withGap(100)).reduce(sum, describe));
const sessionSteps = [
  el(e('a', 1), 0), //    a [0,100)
  el(e('b', 32), 10), //  b [10,110)
  el(e('a', 2), 300), //  a [300,400)
  el(e('a', 4), 150), //  a [150,250): three sessions of a
  wm(50),
  el(e('a', 8), 90), //   a [90,190) bridges [0,100) and [150,250) into [0,250) = 1 + 4 + 8
  el(e('a', 16), 400), // a [400,500) touches [300,400): [300,500) = 2 + 16
  wm(249), //              b [10,110) = 32 at 109, then a [0,250) = 13 at 249
  wm(Infinity), //         a [300,500) = 18 at 499
];
const sessionExpected = [mark(50), rec('b[10,110)=32', 109), rec('a[0,250)=13', 249), mark(249), rec('a[300,500)=18', 499), mark(Infinity)];

test('event-time session windows (merging, reduce + process): restored at every step', async (t) => {
  await checkRestore(t, sessions, sessionSteps, sessionExpected, { atEnd: cleanedUp(t) });
});

test('event-time session windows: rescaled from parallelism 1 to 2', async (t) => {
  await checkRescaled(t, sessions, sessionSteps, sessionExpected, [3, 5, 7]);
});

// ---------------------------------------------------------------------------------------------
// Allowed lateness, late side output, per-window state

const late = new OutputTag<E>('late');
/** Sums the (pre-reduced) window and counts its firings in per-window state. */
const firingCounter = (key: string, ctx: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<string>): void => {
  const fired = ctx.windowState().getState(new ValueStateDescriptor<number>('fired'));
  fired.update((fired.value() ?? 0) + 1);
  out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${els[0]!.v} firing #${fired.value()} wm=${ctx.currentWatermark()}`);
};
const lateness = harness(keyed().window(TumblingEventTimeWindows.of(1000)).allowedLateness(500).sideOutputLateData(late).reduce(sum, firingCounter));
const latenessSteps = [
  el(e('a', 1), 100),
  el(e('a', 2), 900),
  wm(999), //                fires [0,1000) = 3; its cleanup timer is at 999 + 500 = 1499
  el(e('a', 10), 300), //    late but within the lateness: fires again at once, 13
  wm(1498),
  el(e('a', 20), 0), //      still within: 33
  wm(1499), //               cleanup of [0,1000): contents, per-window state, timers
  el(e('a', 100), 200), //   [0,1000) is gone and 200 + 500 <= 1499: late side output
  el(e('a', 1000), 1500), // [1000,2000) counts from 1 again
  wm(Infinity),
];
const latenessExpected = [
  rec('a[0,1000)=3 firing #1 wm=999', 999),
  mark(999),
  rec('a[0,1000)=13 firing #2 wm=999', 999),
  mark(1498),
  rec('a[0,1000)=33 firing #3 wm=1498', 999),
  mark(1499),
  rec('a[1000,2000)=1000 firing #1 wm=Infinity', 1999),
  mark(Infinity),
];

test('allowed lateness with a late side output and per-window state: restored at every step', async (t) => {
  await checkRestore(t, lateness, latenessSteps, latenessExpected, { sideOutputs: [late as OutputTag<unknown>], expectedSide: { late: [rec(e('a', 100), 200)] }, atEnd: cleanedUp(t) });
});

// ---------------------------------------------------------------------------------------------
// A stateful trigger: ContinuousEventTimeTrigger keeps its next fire time in trigger state

const continuous = harness(keyed().window(TumblingEventTimeWindows.of(1000)).trigger(ContinuousEventTimeTrigger.of(300)).reduce(sum));
const continuousSteps = [
  el(e('a', 1), 100), // fire time 300 (and the window's end, 999)
  el(e('a', 2), 400),
  wm(350), //             300: 3; next 600
  el(e('a', 4), 500),
  wm(650), //             600: 7; next 900
  wm(999), //             900: 7; 999: 7 (end of window)
];
const continuousExpected = [rec(e('a', 3), 999), mark(350), rec(e('a', 7), 999), mark(650), rec(e('a', 7), 999), rec(e('a', 7), 999), mark(999)];

test('ContinuousEventTimeTrigger (trigger state and several timers per window): restored at every step', async (t) => {
  await checkRestore(t, continuous, continuousSteps, continuousExpected, { atEnd: cleanedUp(t) });
});

// ---------------------------------------------------------------------------------------------
// Processing-time windows and sessions

const processing = harness(keyed().window(TumblingProcessingTimeWindows.of(1000)).reduce(sum));
const processingSteps = [
  el(e('a', 1), 123_456), // clock 0: [0,1000) (event timestamps do not matter)
  time(500),
  el(e('a', 2), -5), //      clock 500: [0,1000)
  el(e('b', 8)), //          b [0,1000)
  time(998),
  time(999), //               a = 3, b = 8 at 999
  time(1001),
  el(e('a', 4), 0), //       [1000,2000)
  wm(Infinity), //            watermarks do not fire processing-time windows
  time(2500), //              a [1000,2000) = 4
];
const processingExpected = [rec(e('a', 3), 999), rec(e('b', 8), 999), mark(Infinity), rec(e('a', 4), 1999)];

test('tumbling processing-time windows: restored at every step', async (t) => {
  await checkRestore(t, processing, processingSteps, processingExpected, { atEnd: cleanedUp(t) });
});

test('tumbling processing-time windows: rescaled from parallelism 1 to 2', async (t) => {
  await checkRescaled(t, processing, processingSteps, processingExpected, [2, 4, 7]);
});

const processingSessions = harness(keyed().window(ProcessingTimeSessionWindows.withGap(100)).reduce(sum));
const processingSessionSteps = [
  el(e('a', 1)), //  clock 0: [0,100)
  time(50),
  el(e('a', 2)), //  clock 50: [50,150) merges into [0,150)
  time(120),
  el(e('b', 5)), //  clock 120: b [120,220)
  time(149), //      a [0,150) = 3
  time(300), //      b [120,220) = 5
];

test('processing-time session windows: restored at every step', async (t) => {
  await checkRestore(t, processingSessions, processingSessionSteps, [rec(e('a', 3), 149), rec(e('b', 5), 219)], { atEnd: cleanedUp(t) });
});

// ---------------------------------------------------------------------------------------------
// Count windows and evictors

const END = Number.MAX_SAFE_INTEGER; // count windows are global windows: results carry maxTimestamp

test('tumbling and sliding count windows: restored at every step', async (t) => {
  const steps = [1, 2, 3, 4, 5, 6, 7].flatMap((v) => [el(e('a', v), v), el(e('b', 10 * v), v)]);
  // Tumbling by 3: a 1+2+3, 4+5+6 (7 waits); b the same times ten.
  const tumblingCount = harness(keyed().countWindow(3).reduce(sum));
  await checkRestore(t, tumblingCount, steps, [rec(e('a', 6), END), rec(e('b', 60), END), rec(e('a', 15), END), rec(e('b', 150), END)]);
  // Sliding 3 by 2 (a CountEvictor keeps the last 3): after 2, 4, 6 elements: [1,2], [2,3,4], [4,5,6].
  const slidingCount = harness(keyed().countWindow(3, 2).reduce(sum));
  await checkRestore(t, slidingCount, steps, [3, 9, 15].flatMap((v) => [rec(e('a', v), END), rec(e('b', 10 * v), END)]));
});

test('evictors: CountEvictor after the function and TimeEvictor before it, restored at every step', async (t) => {
  const after = harness(keyed().countWindow(2).evictor(CountEvictor.of(1, true)).trigger(CountTrigger.of(2)).reduce(sum));
  // After 2: sees [1,2] = 3, keeps [2]; after 4: sees [2,3,4] = 9, keeps [4].
  await checkRestore(t, after, [1, 2, 3, 4].map((v) => el(e('a', v), 0)), [rec(e('a', 3), END), rec(e('a', 9), END)]);

  const values = (_k: string, _c: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<number[]>): void => out.collect(els.map((x) => x.v));
  const before = harness(keyed().window(TumblingEventTimeWindows.of(1000)).evictor(TimeEvictor.of(300)).process(values));
  const steps = [el(e('a', 1), 100), el(e('a', 2), 500), el(e('b', 5), 600), el(e('a', 3), 950), el(e('a', 4), 700), wm(Infinity)];
  // a: max timestamp 950, cutoff 650: 1 and 2 evicted, arrival order kept; b alone.
  await checkRestore(t, before, steps, [rec([3, 4], 999), rec([5], 999), mark(Infinity)], { atEnd: cleanedUp(t) });
});

// ---------------------------------------------------------------------------------------------
// Window join and co-group (a window over the tagged union of both inputs)

interface A {
  key: string;
  a: number;
}
interface B {
  key: string;
  b: number;
}
const left = (key: string, a: number, ts: number): Step => el({ tag: 1, value: { key, a } }, ts);
const right = (key: string, b: number, ts: number): Step => el({ tag: 2, value: { key, b } }, ts);
const joinSteps = [
  left('a', 1, 10),
  right('a', 10, 20),
  left('a', 2, 50),
  right('b', 20, 60), // b has no left element in [0,100)
  wm(99), //             [0,100): a: (1,10), (2,10); b: nothing to join
  left('b', 3, 150),
  right('b', 30, 160),
  wm(Infinity), //       [100,200): b: (3,30)
];

function joinInputs(): [DataStream<A>, DataStream<B>] {
  const env = StreamExecutionEnvironment.create();
  return [env.fromCollection<A>([]), env.fromCollection<B>([])];
}

test('window join: restored at every step', async (t) => {
  const [as, bs] = joinInputs();
  const joined = as
    .join(bs)
    .where((x) => x.key)
    .equalTo((y) => y.key)
    .window(TumblingEventTimeWindows.of(100))
    .apply((x: A, y: B) => `${x.key}: ${x.a}+${y.b}`);
  await checkRestore(t, harness(joined), joinSteps, [rec('a: 1+10', 99), rec('a: 2+10', 99), mark(99), rec('b: 3+30', 199), mark(Infinity)], { atEnd: cleanedUp(t) });
});

test('window co-group: restored at every step', async (t) => {
  const [as, bs] = joinInputs();
  const grouped = as
    .coGroup(bs)
    .where((x) => x.key)
    .equalTo((y) => y.key)
    .window(TumblingEventTimeWindows.of(100))
    .apply((xs: A[], ys: B[], out: Collector<string>) => out.collect(`[${xs.map((x) => x.a).join(',')}] [${ys.map((y) => y.b).join(',')}]`));
  await checkRestore(t, harness(grouped), joinSteps, [rec('[1,2] [10]', 99), rec('[] [20]', 99), mark(99), rec('[3] [30]', 199), mark(Infinity)], { atEnd: cleanedUp(t) });
});

// ---------------------------------------------------------------------------------------------
// windowAll: one constant key

test('windowAll (tumbling event time, process): restored at every step', async (t) => {
  const all = StreamExecutionEnvironment.create()
    .fromCollection<E>([])
    .windowAll(TumblingEventTimeWindows.of(100))
    .process((ctx: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<string>) => out.collect(`[${ctx.window().start},${ctx.window().end}): ${els.map((x) => `${x.k}${x.v}`).join(' ')}`));
  const steps = [el(e('a', 1), 10), el(e('b', 2), 20), wm(50), el(e('a', 3), 120), el(e('c', 4), 90), wm(Infinity)];
  await checkRestore(t, harness(all), steps, [mark(50), rec('[0,100): a1 b2 c4', 99), rec('[100,200): a3', 199), mark(Infinity)], { atEnd: cleanedUp(t) });
});
