/**
 * The window operator driven directly through the harness: exactly when windows fire, lateness,
 * cleanup of all state and timers, merging, evictors and triggers. Expectations are worked out by
 * hand in the comments.
 */
import test from 'ava';
import {
  ContinuousEventTimeTrigger,
  CountEvictor,
  CountTrigger,
  EventTimeSessionWindows,
  OutputTag,
  ProcessingTimeSessionWindows,
  PurgingTrigger,
  StreamExecutionEnvironment,
  TimeEvictor,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  ValueStateDescriptor,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
} from '../../lib/index.js';
import { WindowHarness } from './window-harness.js';

interface E {
  k: string;
  v: number;
}

const sum = (a: E, b: E): E => ({ k: a.k, v: a.v + b.v });
const source = () => StreamExecutionEnvironment.create().fromCollection<E>([]).keyBy((e) => e.k);

test('a tumbling event-time window fires when the watermark reaches maxTimestamp = end - 1, not before', async (t) => {
  const h = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 0); // [0, 1000)
  await h.element({ k: 'a', v: 2 }, 999); // end - 1 is still inside [0, 1000)
  await h.element({ k: 'a', v: 4 }, 1000); // end is exclusive: [1000, 2000)
  await h.element({ k: 'b', v: 8 }, 500); // [0, 1000) of key b
  await h.watermark(998);
  t.deepEqual(h.output, [], 'watermark 998 < maxTimestamp 999: nothing fires');
  await h.watermark(999);
  // a: 1 + 2 = 3, b: 8, both timestamped maxTimestamp 999; timers fire in registration order (a first).
  t.deepEqual(h.output, [
    { value: { k: 'a', v: 3 }, timestamp: 999 },
    { value: { k: 'b', v: 8 }, timestamp: 999 },
  ]);
  t.deepEqual(h.watermarks, [998, 999], 'watermarks are forwarded after the firings');
  // Left: a's [1000, 2000) = contents entry + timer entry (one key each), one (key, time) timer.
  t.is(h.stateEntries(), 2);
  t.deepEqual(h.timerCount(), { event: 1, processing: 0 });
  h.take();
  await h.watermark(Number.POSITIVE_INFINITY);
  t.deepEqual(h.output, [{ value: { k: 'a', v: 4 }, timestamp: 1999 }]);
  t.is(h.stateEntries(), 0, 'every window was cleaned up');
  t.deepEqual(h.timerCount(), { event: 0, processing: 0 });
});

/** Sums the (pre-reduced) window and counts the window's firings in per-window state. */
function firingCounter(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: E[], out: Collector<string>): void {
  const fired = ctx.windowState().getState(new ValueStateDescriptor<number>('fired'));
  const n = (fired.value() ?? 0) + 1;
  fired.update(n);
  const total = elements.reduce((s, e) => s + e.v, 0);
  out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${total} firing #${n} wm=${ctx.currentWatermark()}`);
}

test('allowed lateness: late firings with the updated result, then cleanup, then the late side output', async (t) => {
  const late = new OutputTag<E>('late');
  const h = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).allowedLateness(500).sideOutputLateData(late).reduce(sum, firingCounter)).open();
  await h.element({ k: 'a', v: 1 }, 100);
  await h.element({ k: 'a', v: 2 }, 900);
  await h.watermark(999); // fires [0,1000): 1 + 2 = 3; cleanup timer stays at 999 + 500 = 1499
  t.deepEqual(h.take(), ['a[0,1000)=3 firing #1 wm=999']);
  await h.element({ k: 'a', v: 10 }, 300); // late but 1499 > 999: EventTimeTrigger FIREs at once: 3 + 10 = 13
  t.deepEqual(h.output, [{ value: 'a[0,1000)=13 firing #2 wm=999', timestamp: 999 }]);
  h.take();
  await h.watermark(1498);
  await h.element({ k: 'a', v: 20 }, 0); // cleanup 1499 > 1498: still accepted, 13 + 20 = 33
  t.deepEqual(h.take(), ['a[0,1000)=33 firing #3 wm=1498']);
  await h.watermark(1499); // cleanup timer: trigger CONTINUEs (1499 ≠ 999), all state of the window goes
  t.deepEqual(h.take(), []);
  t.is(h.stateEntries(), 0, 'contents, per-window state and timers are gone');
  t.deepEqual(h.timerCount(), { event: 0, processing: 0 });
  await h.element({ k: 'a', v: 100 }, 200); // [0,1000) is late now (1499 <= 1499), and 200 + 500 <= 1499
  t.deepEqual(h.side.get('late'), [{ value: { k: 'a', v: 100 }, timestamp: 200 }]);
  t.is(h.operator.lateRecordsDropped, 0);
  await h.element({ k: 'a', v: 1000 }, 1500); // a new window [1000,2000) starts counting from 1 again
  await h.watermark(Number.POSITIVE_INFINITY);
  t.deepEqual(h.take(), ['a[1000,2000)=1000 firing #1 wm=Infinity']);
  t.is(h.stateEntries(), 0);
});

test('without a late side output, too-late elements are dropped and counted', async (t) => {
  const h = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 10);
  await h.watermark(1200); // fires [0,1000) = 1 and cleans it (allowed lateness 0: cleanup = 999)
  await h.element({ k: 'a', v: 2 }, 999); // 999 <= 1200: late for its only window → dropped
  await h.element({ k: 'a', v: 4 }, 1201); // [1000,2000): on time
  t.is(h.operator.lateRecordsDropped, 1);
  await h.watermark(Number.POSITIVE_INFINITY);
  t.deepEqual(h.take(), [
    { k: 'a', v: 1 },
    { k: 'a', v: 4 },
  ]);
  t.deepEqual(h.side.size, 0);
});

test('session windows merge, including a merge that bridges two sessions and one of touching windows', async (t) => {
  const describe = (key: string, ctx: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<string>): void => {
    t.is(els.length, 1, 'reduce + process: the function sees exactly the reduced value');
    out.collect(`${key}[${ctx.window().start},${ctx.window().end})=${els[0]!.v}`);
  };
  const h = await new WindowHarness(source().window(EventTimeSessionWindows.withGap(100)).reduce(sum, describe)).open();
  await h.element({ k: 'a', v: 1 }, 0); //   [0,100)
  await h.element({ k: 'a', v: 2 }, 300); // [300,400)
  await h.element({ k: 'a', v: 4 }, 150); // [150,250): 100 < 150 and 250 < 300, three sessions
  await h.watermark(50);
  t.deepEqual(h.take(), []);
  // Three live sessions: one (key, time) timer each at 99, 249, 399.
  t.deepEqual(h.timerCount(), { event: 3, processing: 0 });
  await h.element({ k: 'a', v: 8 }, 90); // [90,190) overlaps [0,100) and [150,250): bridged into [0,250) = 1 + 4 + 8
  // Timers of [0,100) and [150,250) were deleted; [0,250) registered 249: times 249 and 399 are left.
  t.deepEqual(h.timerCount(), { event: 2, processing: 0 });
  await h.element({ k: 'a', v: 16 }, 400); // [400,500) touches [300,400) (400 <= 400): merged [300,500) = 2 + 16
  await h.watermark(249);
  t.deepEqual(h.output, [{ value: 'a[0,250)=13', timestamp: 249 }]);
  h.take();
  await h.watermark(Number.POSITIVE_INFINITY);
  t.deepEqual(h.output, [{ value: 'a[300,500)=18', timestamp: 499 }]);
  t.is(h.stateEntries(), 0, 'contents, merging-window set and timers are gone');
});

test('a CountTrigger on sessions adds the counts of merged windows (mergePartitionedState)', async (t) => {
  const h = await new WindowHarness(source().window(EventTimeSessionWindows.withGap(200)).trigger(CountTrigger.of(3)).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 0); //   [0,200), count 1
  await h.element({ k: 'a', v: 2 }, 300); // [300,500), count 1
  t.deepEqual(h.take(), []);
  await h.element({ k: 'a', v: 4 }, 150); // [150,350) bridges: [0,500), count 1 + 1 (merged) + 1 = 3 → FIRE 1 + 2 + 4
  t.deepEqual(h.take(), [{ k: 'a', v: 7 }]);
  await h.watermark(Number.POSITIVE_INFINITY); // cleanup at 499: CountTrigger CONTINUEs, nothing more
  t.deepEqual(h.take(), []);
  t.is(h.stateEntries(), 0);
});

test('per-window state is not available with merging windows (as Flink)', async (t) => {
  const h = await new WindowHarness(
    source()
      .window(EventTimeSessionWindows.withGap(10))
      .process((_k: string, ctx: ProcessWindowContext<TimeWindow>, _els: E[], out: Collector<number>) => {
        ctx.windowState();
        out.collect(1);
      }),
  ).open();
  await h.element({ k: 'a', v: 1 }, 0);
  const err = await t.throwsAsync(h.watermark(100));
  t.is((err as { code?: string }).code, 'WEIR_ERR_USER_FUNCTION');
  t.regex(String((err as Error).cause), /Per-window state is not allowed when using merging windows/);
});

test('processing-time windows fire when the clock reaches maxTimestamp', async (t) => {
  const h = await new WindowHarness(source().window(TumblingProcessingTimeWindows.of(1000)).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 123_456); // event timestamps are ignored: clock 0 → [0,1000)
  await h.setProcessingTime(500);
  await h.element({ k: 'a', v: 2 }, -5); // clock 500 → [0,1000)
  await h.setProcessingTime(998);
  t.deepEqual(h.take(), []);
  await h.setProcessingTime(999); // timer at maxTimestamp 999: 1 + 2 = 3, then cleanup (same time)
  t.deepEqual(h.output, [{ value: { k: 'a', v: 3 }, timestamp: 999 }]);
  t.is(h.stateEntries(), 0);
  h.take();
  await h.setProcessingTime(1001);
  await h.element({ k: 'a', v: 4 }, 0); // clock 1001 → [1000,2000)
  await h.watermark(Number.POSITIVE_INFINITY); // watermarks do not fire processing-time windows
  t.deepEqual(h.take(), []);
  await h.setProcessingTime(2500);
  t.deepEqual(h.take(), [{ k: 'a', v: 4 }]);
});

test('ContinuousEventTimeTrigger fires every interval and at the end of the window', async (t) => {
  const h = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).trigger(ContinuousEventTimeTrigger.of(300)).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 100); // first fire time: 100 - 100 % 300 + 300 = 300; timer at 999 too
  await h.element({ k: 'a', v: 2 }, 400);
  await h.watermark(350); // 300: FIRE 1 + 2 = 3; next min(600, 999) = 600
  await h.element({ k: 'a', v: 4 }, 500);
  await h.watermark(650); // 600: FIRE 3 + 4 = 7; next 900
  await h.watermark(999); // 900: FIRE 7, next min(1200, 999) = 999 (already there); 999: FIRE 7 (end of window)
  t.deepEqual(h.take(), [3, 7, 7, 7].map((v) => ({ k: 'a', v })));
  t.is(h.stateEntries(), 0, 'fire-time state and timers are cleared at cleanup');
});

test('PurgingTrigger over ContinuousEventTimeTrigger emits the delta of each interval', async (t) => {
  const h = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).trigger(PurgingTrigger.of(ContinuousEventTimeTrigger.of(300))).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 100);
  await h.element({ k: 'a', v: 2 }, 400);
  await h.watermark(350); // FIRE_AND_PURGE 3
  await h.element({ k: 'a', v: 4 }, 500);
  await h.watermark(Number.POSITIVE_INFINITY); // 600: 4 and purge; 900 and 999: empty, nothing emitted
  t.deepEqual(h.take(), [3, 4].map((v) => ({ k: 'a', v })));
  t.is(h.stateEntries(), 0);
});

test('count windows: tumbling purges every size elements, sliding evicts to the last size every slide', async (t) => {
  const tumbling = await new WindowHarness(source().countWindow(3).reduce(sum)).open();
  for (let v = 1; v <= 7; v++) await tumbling.element({ k: 'a', v }, v);
  await tumbling.watermark(Number.POSITIVE_INFINITY);
  // 1+2+3 = 6, 4+5+6 = 15; 7 waits for two more and is never emitted (global windows never end)
  t.deepEqual(tumbling.take(), [6, 15].map((v) => ({ k: 'a', v })));
  t.true(tumbling.output.every((e) => e.timestamp === Number.MAX_SAFE_INTEGER));

  const sliding = await new WindowHarness(source().countWindow(3, 2).reduce(sum)).open();
  for (let v = 1; v <= 6; v++) await sliding.element({ k: 'a', v }, v);
  // fires after 2, 4, 6 elements over the last ≤ 3: [1,2] = 3, [2,3,4] = 9, [4,5,6] = 15
  t.deepEqual(sliding.take(), [3, 9, 15].map((v) => ({ k: 'a', v })));
});

test('CountEvictor after the function, TimeEvictor before it', async (t) => {
  const after = await new WindowHarness(source().countWindow(2).evictor(CountEvictor.of(1, true)).trigger(CountTrigger.of(2)).reduce(sum)).open();
  for (let v = 1; v <= 4; v++) await after.element({ k: 'a', v }, 0);
  // after 2: sees [1,2] = 3, keeps [2]; after 4: sees [2,3,4] = 9, keeps [4]
  t.deepEqual(after.take(), [3, 9].map((v) => ({ k: 'a', v })));

  const values = (_k: string, _c: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<number[]>): void => out.collect(els.map((e) => e.v));
  const before = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).evictor(TimeEvictor.of(300)).process(values)).open();
  await before.element({ k: 'a', v: 1 }, 100);
  await before.element({ k: 'a', v: 2 }, 500);
  await before.element({ k: 'a', v: 3 }, 950);
  await before.element({ k: 'a', v: 4 }, 700);
  await before.watermark(Number.POSITIVE_INFINITY);
  // max timestamp 950, cutoff 950 - 300 = 650: 100 and 500 are evicted, arrival order kept
  t.deepEqual(before.take(), [[3, 4]]);
  t.is(before.stateEntries(), 0);
});

test('an async ProcessWindowFunction is awaited: firings do not interleave and keys stay right', async (t) => {
  const log: string[] = [];
  const slow = async (key: string, ctx: ProcessWindowContext<TimeWindow>, els: E[], out: Collector<string>): Promise<void> => {
    log.push(`start ${key}`);
    await new Promise((r) => setImmediate(r));
    const n = ctx.windowState().getState(new ValueStateDescriptor<number>('n'));
    n.update((n.value() ?? 0) + 1);
    out.collect(`${key}=${els.map((e) => e.v).join('+')} #${n.value()}`);
    log.push(`end ${key}`);
  };
  const h = await new WindowHarness(source().window(TumblingEventTimeWindows.of(1000)).allowedLateness(100).process(slow)).open();
  await h.element({ k: 'a', v: 1 }, 0);
  await h.element({ k: 'b', v: 2 }, 0);
  await h.element({ k: 'a', v: 3 }, 500);
  await h.watermark(999);
  t.deepEqual(log, ['start a', 'end a', 'start b', 'end b']);
  await h.element({ k: 'b', v: 4 }, 10); // late firing of b's window, per-window state of b: #2
  t.deepEqual(h.take(), ['a=1+3 #1', 'b=2 #1', 'b=2+4 #2']);
  await h.watermark(Number.POSITIVE_INFINITY);
  t.is(h.stateEntries(), 0);
});

test('apply (WindowFunction) sees the key, the window and every element', async (t) => {
  const h = await new WindowHarness(
    source()
      .window(TumblingEventTimeWindows.of(100))
      .apply((key: string, w: TimeWindow, els: E[], out: Collector<string>) => out.collect(`${key} ${w.toKey()} ${els.map((e) => e.v).join(',')}`)),
  ).open();
  await h.element({ k: 'a', v: 1 }, 5);
  await h.element({ k: 'a', v: 2 }, 99);
  await h.element({ k: 'a', v: 3 }, 100);
  await h.watermark(Number.POSITIVE_INFINITY);
  t.deepEqual(h.output, [
    { value: 'a 0:100 1,2', timestamp: 99 },
    { value: 'a 100:200 3', timestamp: 199 },
  ]);
});

test('processing-time sessions merge and fire at the merged end', async (t) => {
  const h = await new WindowHarness(source().window(ProcessingTimeSessionWindows.withGap(100)).reduce(sum)).open();
  await h.element({ k: 'a', v: 1 }, 0); // clock 0: [0,100), timer 99
  await h.setProcessingTime(50);
  await h.element({ k: 'a', v: 2 }, 0); // clock 50: [50,150) merges → [0,150); 99 deleted, 149 registered
  t.deepEqual(h.timerCount(), { event: 0, processing: 1 });
  await h.setProcessingTime(120);
  t.deepEqual(h.take(), []);
  await h.setProcessingTime(149);
  t.deepEqual(h.output, [{ value: { k: 'a', v: 3 }, timestamp: 149 }]);
  t.is(h.stateEntries(), 0);
});
