/**
 * `AggregatingState` from a ProcessWindowFunction's per-window and per-key stores (Flink's
 * `ProcessWindowFunction.Context.windowState()` / `globalState()` with an AggregatingStateDescriptor):
 * a running average over the windows of a key, and a per-window count that is cleared with the window.
 */
import test from 'ava';
import { AggregatingStateDescriptor, TumblingEventTimeWindows, type AggregateFunction, type Collector, type ProcessWindowContext, type TimeWindow } from '../../lib/index.js';
import { ev, markerWatermarks, mark, runKeyed, type Ev } from './window-helpers.js';

const average: AggregateFunction<number, { sum: number; n: number }, number> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
  getResult: (acc) => acc.sum / acc.n,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};
const count: AggregateFunction<unknown, number, number> = { createAccumulator: () => 0, add: (_v, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };

for (const p of [1, 3]) {
  test(`globalState and windowState hand out AggregatingState (p=${p})`, async (t) => {
    const events: Ev[] = [ev('a', 1, 10), ev('a', 2, 20), ev('b', 3, 5), mark(1000), ev('a', 1001, 60), ev('b', 1002, 7), mark(2000)];
    const out = await runKeyed(events, p, markerWatermarks(), (k) =>
      k.window(TumblingEventTimeWindows.of(1000)).process((key: string, ctx: ProcessWindowContext<TimeWindow>, els: Ev[], o: Collector<string>) => {
        const avg = ctx.globalState().getAggregatingState(new AggregatingStateDescriptor('avg', average));
        const seen = ctx.windowState().getAggregatingState(new AggregatingStateDescriptor('seen', count));
        for (const e of els) {
          avg.add(e.v);
          seen.add(e);
        }
        o.collect(`${key}@${ctx.window().start}: window=${String(seen.get())} avg=${String(avg.get())}`);
      }),
    );
    // Independent: window 0 → a: 10,20 (avg 15); b: 5. Window 1000 → a: 60 (avg of 10,20,60 = 30); b: 7 (avg 6).
    t.deepEqual(out, ['a@0: window=2 avg=15', 'a@1000: window=1 avg=30', 'b@0: window=1 avg=5', 'b@1000: window=1 avg=6']);
  });
}
