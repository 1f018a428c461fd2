/**
 * Count windows (tumbling and sliding), windowAll / countWindowAll, end to end at parallelism 1
 * and 4, plus the WindowedStream API's checks.
 */
import test from 'ava';
import {
  ConfigurationError,
  CountTrigger,
  EventTimeSessionWindows,
  RichReduceFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
  type Trigger,
} from '../../lib/index.js';
import type { OneInputTransformation } from '../../lib/api/transformation.js';
import { ev, runKeyed, sumEv, type Ev } from './window-helpers.js';

const noWatermarks = () => WatermarkStrategy.noWatermarks<Ev>();
const bounded = (ms: number) => WatermarkStrategy.forBoundedOutOfOrderness<Ev>(ms).withTimestampAssigner((e) => e.ts);

for (const p of [1, 4]) {
  test(`countWindow(size) emits every size elements per key; incomplete windows are not emitted (p=${p})`, async (t) => {
    // a: 1..7 → 1+2+3 = 6, 4+5+6 = 15, [7] never completes;  b: 10+20+30 = 60
    const events = [1, 2, 3, 4, 5, 6, 7].map((v) => ev('a', 0, v)).concat([10, 20, 30].map((v) => ev('b', 0, v)));
    const out = await runKeyed(events, p, noWatermarks(), (k) => k.countWindow(3).reduce(sumEv).map((e) => `${e.key}=${e.v}`));
    t.deepEqual(out, ['a=15', 'a=6', 'b=60']);
  });

  test(`countWindow(size, slide) evaluates the last size elements every slide elements (p=${p})`, async (t) => {
    // CountTrigger(2) fires after 2, 4, 6; CountEvictor(3) keeps the last 3: [1,2]=3, [2,3,4]=9, [4,5,6]=15
    const events = [1, 2, 3, 4, 5, 6].map((v) => ev('a', 0, v));
    const out = await runKeyed(events, p, noWatermarks(), (k) => k.countWindow(3, 2).reduce(sumEv).map((e) => e.v));
    t.deepEqual(
      out.sort((x, y) => x - y),
      [3, 9, 15],
    );
  });

  test(`windowAll: top-1 of each tumbling window over all keys, in one subtask (p=${p})`, async (t) => {
    const events = [ev('a', 0, 5), ev('b', 100, 9), ev('c', 999, 7), ev('a', 1000, 1), ev('c', 1500, 3), ev('b', 2500, 4)];
    const out = await runKeyed(events, p, bounded(0), (k) =>
      k
        .windowAll(TumblingEventTimeWindows.of(1000))
        .reduce(
          (a, b) => (b.v > a.v ? b : a),
          (ctx: ProcessWindowContext<TimeWindow>, top: Ev[], o: Collector<string>) => o.collect(`[${ctx.window().start})=${top[0]!.key}:${top[0]!.v}`),
        ),
    );
    // [0,1000): max(5, 9, 7) = b:9;  [1000,2000): max(1, 3) = c:3;  [2000,3000): b:4
    t.deepEqual(out, ['[0)=b:9', '[1000)=c:3', '[2000)=b:4']);
  });

  test(`countWindowAll(size) counts over the whole stream (p=${p})`, async (t) => {
    const events = [1, 2, 3, 4, 5].map((v) => ev(v % 2 === 0 ? 'even' : 'odd', 0, v));
    // in source order: [1,2] = 3, [3,4] = 7, [5] incomplete
    const out = await runKeyed(events, p, noWatermarks(), (k) => k.countWindowAll(2).process((_c, els: Ev[], o: Collector<number>) => o.collect(els.reduce((s, e) => s + e.v, 0))));
    t.deepEqual(
      out.sort((x, y) => x - y),
      [3, 7],
    );
  });
}

test('windowAll runs with parallelism 1 whatever the environment parallelism', (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 4 });
  const out = env.fromCollection([ev('a', 0, 1)]).windowAll(TumblingEventTimeWindows.of(10)).reduce(sumEv);
  t.is(out.transformation.parallelism, 1);
  t.regex(out.transformation.name, /^AllWindow\(TumblingEventTimeWindows\(10\), EventTimeTrigger, /);
});

test('operator names follow Flink: Window(assigner, trigger, [evictor, ]function)', (t) => {
  const keyed = StreamExecutionEnvironment.create().fromCollection([ev('a', 0, 1)]).keyBy((e) => e.key);
  t.is(keyed.countWindow(3, 2).reduce(sumEv).transformation.name, 'Window(GlobalWindows(), CountTrigger, CountEvictor, sumEv)');
  t.is(keyed.window(EventTimeSessionWindows.withGap(5)).process(() => {}).transformation.name, 'Window(EventTimeSessionWindows(5), EventTimeTrigger, process)');
  t.true(typeof (keyed.window(TumblingEventTimeWindows.of(5)).reduce(sumEv).transformation as OneInputTransformation).factory === 'function');
});

test('the API rejects what Flink rejects', (t) => {
  const keyed = StreamExecutionEnvironment.create().fromCollection([ev('a', 0, 1)]).keyBy((e) => e.key);
  // A trigger without canMerge() cannot be used with sessions.
  const plain: Trigger<Ev, TimeWindow> = { onElement: () => 'FIRE', onEventTime: () => 'CONTINUE', onProcessingTime: () => 'CONTINUE', clear: () => {} };
  const err = t.throws(() => keyed.window(EventTimeSessionWindows.withGap(5)).trigger(plain), { instanceOf: ConfigurationError });
  t.is(err?.message, 'A merging window assigner cannot be used with a trigger that does not support merging.');
  t.notThrows(() => keyed.window(EventTimeSessionWindows.withGap(5)).trigger(CountTrigger.of(2)));
  t.notThrows(() => keyed.window(TumblingEventTimeWindows.of(5)).trigger(plain));
  for (const bad of [-1, 1.5, Number.NaN]) t.throws(() => keyed.window(TumblingEventTimeWindows.of(5)).allowedLateness(bad), { code: 'WEIR_ERR_CONFIG' });
  class RichSum extends RichReduceFunction<Ev> {
    reduce(a: Ev, b: Ev): Ev {
      return sumEv(a, b);
    }
  }
  t.throws(() => keyed.window(TumblingEventTimeWindows.of(5)).reduce(RichSum), { instanceOf: ConfigurationError, message: /can not be a RichFunction/ });
  t.throws(() => keyed.window(TumblingEventTimeWindows.of(5)).reduce(new RichSum()), { instanceOf: ConfigurationError });
  t.throws(() => CountTrigger.of(0), { instanceOf: ConfigurationError });
  t.throws(() => keyed.countWindow(0), { instanceOf: ConfigurationError });
});
