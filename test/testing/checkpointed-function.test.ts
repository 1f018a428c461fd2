/**
 * User functions take part in checkpoints (Flink's `CheckpointedFunction` and
 * `CheckpointListener`): every operator that runs a user function forwards `initializeState`
 * (before `open`), `snapshotState` (at the barrier), `notifyCheckpointComplete` /
 * `notifyCheckpointAborted` to it when it has them, as classes or as objects.
 */
import test from 'ava';
import {
  EventTimeSessionWindows,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  RichMapFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  UserFunctionError,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedProcessContext,
  type ListState,
  type ValueState,
} from 'weir';
import { OperatorTestHarness, TwoInputOperatorTestHarness, type OperatorSubtaskSnapshot } from 'weir/testing';
import type { CheckpointedFunction, CheckpointListener, FunctionInitializationContext, FunctionSnapshotContext } from 'weir';
import { harnessOf } from '../helpers/stream-harness.js';

/** The checkpoint hooks and open/close of a function object, logging to `log` with `name`. */
function hooks(log: string[], name = 'fn'): CheckpointedFunction & CheckpointListener & { open(): void; close(): void } {
  return {
    initializeState: (ctx: FunctionInitializationContext) => void log.push(`${name} init restored=${ctx.isRestored()} from=${ctx.getRestoredCheckpointId()}`),
    open: () => void log.push(`${name} open`),
    snapshotState: (ctx: FunctionSnapshotContext) => void log.push(`${name} snapshot ${ctx.getCheckpointId()} @${ctx.getCheckpointTimestamp()}`),
    notifyCheckpointComplete: (id: number) => void log.push(`${name} complete ${id}`),
    notifyCheckpointAborted: (id: number) => void log.push(`${name} aborted ${id}`),
    close: () => void log.push(`${name} close`),
  };
}

/** The log of {@link lifecycle} for one function `name`. */
const expectedLog = (name = 'fn'): string[] => [
  `${name} init restored=false from=undefined`,
  `${name} open`,
  `${name} snapshot 1 @100`,
  `${name} complete 1`,
  `${name} snapshot 2 @250`,
  `${name} aborted 2`,
  `${name} close`,
  `${name} init restored=true from=1`,
  `${name} open`,
  `${name} snapshot 2 @250`,
  `${name} close`,
];

type Harness = OperatorTestHarness<never, unknown> | TwoInputOperatorTestHarness<never, never, unknown>;

/**
 * open → snapshot 1 (at processing time 100) → complete 1 → snapshot 2 (at 250) → aborted 2 →
 * close; then a fresh harness restored from checkpoint 1 → open → snapshot (id 2: the ids go on
 * from the restored one) → close. `feed` sends a record or two between the calls.
 */
async function lifecycle(make: () => Harness, feed: (h: Harness) => Promise<void>): Promise<OperatorSubtaskSnapshot> {
  const h = make();
  await h.setProcessingTime(100);
  await h.open();
  await feed(h);
  const s1 = await h.snapshot();
  await h.notifyOfCompletedCheckpoint(1);
  await h.setProcessingTime(250);
  await feed(h);
  await h.snapshot();
  await h.notifyOfAbortedCheckpoint(2);
  await h.close();
  const r = make();
  await r.setProcessingTime(250);
  await r.initializeState(s1);
  await r.open();
  await r.snapshot();
  await r.close();
  return s1;
}

const one = (value: unknown, ts = 1) => async (h: Harness) => {
  if (h instanceof OperatorTestHarness) await h.processElement(value as never, ts);
  else await h.processElement1(value as never, ts);
};

interface E {
  k: string;
  v: number;
}
const e = (k: string, v: number): E => ({ k, v });
const byK = (x: E) => x.k;

test('map, filter, flatMap, process and keyed process forward every hook to an object function', async (t) => {
  const cases: [string, (log: string[]) => Harness][] = [
    ['map', (log) => OperatorTestHarness.forMap({ map: (x: E) => x, ...hooks(log) }) as Harness],
    ['filter', (log) => OperatorTestHarness.forFilter({ filter: () => true, ...hooks(log) }) as Harness],
    ['flatMap', (log) => OperatorTestHarness.forFlatMap({ flatMap: (x: E) => [x], ...hooks(log) }) as Harness],
    ['process', (log) => OperatorTestHarness.forProcess({ processElement() {}, ...hooks(log) } as never) as Harness],
    ['keyed process', (log) => OperatorTestHarness.forKeyedProcess({ processElement() {}, ...hooks(log) } as never, byK) as Harness],
    ['reduce', (log) => OperatorTestHarness.forReduce({ reduce: (a: E, b: E) => e(a.k, a.v + b.v), ...hooks(log) }, byK) as Harness],
  ];
  for (const [name, make] of cases) {
    const log: string[] = [];
    await lifecycle(() => make(log), one(e('a', 1)));
    t.deepEqual(log, expectedLog(), name);
  }
});

test('two-input operators forward every hook: co-map, co-flatMap, co-process, keyed co-process, broadcast, keyed broadcast, interval join', async (t) => {
  const rules = new MapStateDescriptor<string, number>('rules');
  const cases: [string, (log: string[]) => Harness][] = [
    ['co-map', (log) => TwoInputOperatorTestHarness.forCoMap({ map1: (x: E) => x, map2: (x: E) => x, ...hooks(log) }) as Harness],
    ['co-flatMap', (log) => TwoInputOperatorTestHarness.forCoFlatMap({ flatMap1: (x: E) => [x], flatMap2: () => [], ...hooks(log) }) as Harness],
    ['co-process', (log) => TwoInputOperatorTestHarness.forCoProcess({ processElement1() {}, processElement2() {}, ...hooks(log) }) as Harness],
    ['keyed co-process', (log) => TwoInputOperatorTestHarness.forKeyedCoProcess({ processElement1() {}, processElement2() {}, ...hooks(log) }, byK, byK) as Harness],
    ['broadcast', (log) => TwoInputOperatorTestHarness.forBroadcastProcess({ processElement() {}, processBroadcastElement() {}, ...hooks(log) }, [rules as never]) as Harness],
    ['keyed broadcast', (log) => TwoInputOperatorTestHarness.forKeyedBroadcastProcess({ processElement() {}, processBroadcastElement() {}, ...hooks(log) }, byK, [rules as never]) as Harness],
    ['interval join', (log) => TwoInputOperatorTestHarness.forIntervalJoin({ processElement() {}, ...hooks(log) }, byK, byK, { lowerBound: -5, upperBound: 5 }) as Harness],
  ];
  for (const [name, make] of cases) {
    const log: string[] = [];
    await lifecycle(() => make(log), one(e('a', 1)));
    t.deepEqual(log, expectedLog(), name);
  }
});

test('windows forward every hook to the incremental function first, then the window function (closed in reverse)', async (t) => {
  const log: string[] = [];
  const keyed = () => StreamExecutionEnvironment.create().fromCollection<E>([]).keyBy(byK);
  const reduce = { reduce: (a: E, b: E) => e(a.k, a.v + b.v), ...hooks(log, 'reduce') };
  const windowFn = { process: (_k: string, _c: unknown, els: E[], out: Collector<number>) => out.collect(els.length), ...hooks(log, 'window') };
  await lifecycle(() => harnessOf(keyed().window(TumblingEventTimeWindows.of(10)).reduce(reduce, windowFn)) as Harness, one(e('a', 1)));
  const r = expectedLog('reduce');
  const w = expectedLog('window');
  // Pairs in order (reduce, window), except close: window first.
  const expected = r.flatMap((line, i) => (line.endsWith('close') ? [w[i]!, line] : [line, w[i]!]));
  t.deepEqual(log, expected);

  const aggLog: string[] = [];
  const agg = { createAccumulator: () => 0, add: (x: E, acc: number) => acc + x.v, getResult: (acc: number) => acc, merge: (a: number, b: number) => a + b, ...hooks(aggLog) };
  await lifecycle(() => harnessOf(keyed().window(EventTimeSessionWindows.withGap(10)).aggregate(agg)) as Harness, one(e('a', 1)));
  t.deepEqual(aggLog, expectedLog(), 'session window with an AggregateFunction');

  const joinLog: string[] = [];
  const env = StreamExecutionEnvironment.create();
  const joined = env
    .fromCollection<E>([])
    .join(env.fromCollection<E>([]))
    .where(byK)
    .equalTo(byK)
    .window(TumblingEventTimeWindows.of(10))
    .apply({ join: (a: E, b: E) => a.v + b.v, ...hooks(joinLog) });
  await lifecycle(() => harnessOf(joined) as Harness, one({ tag: 1, value: e('a', 1) }));
  t.deepEqual(joinLog, expectedLog(), 'window join function');
});

test('assignTimestampsAndWatermarks forwards the hooks to a watermark generator that has them', async (t) => {
  const log: string[] = [];
  const strategy = WatermarkStrategy.forGenerator<E>(() => ({ onEvent() {}, onPeriodicEmit() {}, ...hooks(log) }));
  const stream = StreamExecutionEnvironment.create().fromCollection<E>([]).assignTimestampsAndWatermarks(strategy);
  await lifecycle(() => harnessOf(stream) as Harness, one(e('a', 1)));
  t.deepEqual(log, expectedLog());
});

test('a rich function class: initializeState runs before open, with the runtime context already set', async (t) => {
  const log: string[] = [];
  class Counting extends RichMapFunction<string, string> implements CheckpointedFunction, CheckpointListener {
    private total!: ListState<number>;
    private n = 0;
    initializeState(ctx: FunctionInitializationContext): void {
      log.push(`init subtask ${this.getRuntimeContext().getIndexOfThisSubtask()} restored=${ctx.isRestored()}`);
      this.total = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('total'));
      this.n = this.total.get()[0] ?? 0;
    }
    override open(): void {
      log.push(`open n=${this.n}`);
    }
    snapshotState(ctx: FunctionSnapshotContext): void {
      this.total.update([this.n]);
      log.push(`snapshot ${ctx.getCheckpointId()}`);
    }
    notifyCheckpointComplete(id: number): void {
      log.push(`complete ${id}`);
    }
    map(v: string): string {
      return `${v}${++this.n}`;
    }
  }
  const h = OperatorTestHarness.forMap(Counting, { parallelism: 3, subtaskIndex: 2 });
  await h.open();
  await h.processElement('a');
  await h.processElement('b');
  const s = await h.snapshot();
  await h.notifyOfCompletedCheckpoint(s.checkpointId);
  await h.close();
  const r = OperatorTestHarness.forMap(Counting, { parallelism: 3, subtaskIndex: 2 });
  await r.initializeState(s);
  await r.open();
  await r.processElement('c');
  t.deepEqual([...h.extractOutputValues(), ...r.extractOutputValues()], ['a1', 'b2', 'c3']);
  t.deepEqual(log, ['init subtask 2 restored=false', 'open n=0', 'snapshot 1', 'complete 1', 'init subtask 2 restored=true', 'open n=2']);
  await r.close();
});

test('getKeyedStateStore(): keyed state from initializeState, scoped to the current key when used', async (t) => {
  class PerKey extends KeyedProcessFunction<string, E, string> implements CheckpointedFunction {
    private sum!: ValueState<number>;
    initializeState(ctx: FunctionInitializationContext): void {
      this.sum = ctx.getKeyedStateStore().getState(new ValueStateDescriptor<number>('sum'));
    }
    snapshotState(): void {}
    processElement(x: E, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
      this.sum.update((this.sum.value() ?? 0) + x.v);
      out.collect(`${ctx.getCurrentKey()}=${this.sum.value()}`);
    }
  }
  const h = OperatorTestHarness.forKeyedProcess(new PerKey(), byK);
  await h.open();
  await h.processElement(e('a', 1));
  await h.processElement(e('b', 10));
  const s = await h.snapshot();
  await h.close();
  const r = OperatorTestHarness.forKeyedProcess(new PerKey(), byK);
  await r.initializeState(s);
  await r.open();
  await r.processElement(e('a', 2));
  await r.processElement(e('b', 20));
  t.deepEqual([...h.extractOutputValues(), ...r.extractOutputValues()], ['a=1', 'b=10', 'a=3', 'b=30']);
  await r.close();
});

test('getKeyedStateStore() on a non-keyed stream, and failing hooks, surface as UserFunctionError naming the hook', async (t) => {
  const nonKeyed = OperatorTestHarness.forMap({
    map: (x: number) => x,
    initializeState: (ctx: FunctionInitializationContext) => void ctx.getKeyedStateStore(),
    snapshotState: () => {},
  });
  const err = await t.throwsAsync(nonKeyed.open(), { instanceOf: UserFunctionError, code: 'WEIR_ERR_USER_FUNCTION' });
  t.deepEqual(err?.record, { method: 'initializeState', restoredCheckpointId: undefined });
  t.like(err?.cause, { code: 'WEIR_ERR_CONFIG' });
  t.regex(String((err?.cause as Error).message), /keyed state is only available on a keyed stream/);
  await nonKeyed.close();

  const boom = new Error('disk full');
  const failing = OperatorTestHarness.forMap({
    map: (x: number) => x,
    initializeState: () => {},
    snapshotState: async () => {
      await Promise.resolve();
      throw boom;
    },
    notifyCheckpointComplete: () => {
      throw boom;
    },
  });
  await failing.open();
  const s = await t.throwsAsync(failing.snapshot(3), { instanceOf: UserFunctionError });
  t.is(s?.message, 'operator \'Map\' (subtask 0) failed on record {"method":"snapshotState","checkpointId":3}: disk full');
  t.is(s?.cause, boom);
  const n = await t.throwsAsync(failing.notifyOfCompletedCheckpoint(3), { instanceOf: UserFunctionError });
  t.deepEqual(n?.record, { method: 'notifyCheckpointComplete', checkpointId: 3 });
  await failing.close();
});

test('async hooks are awaited before the harness goes on', async (t) => {
  const log: string[] = [];
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const h = OperatorTestHarness.forMap({
    map: (x: number) => {
      log.push(`map ${x}`);
      return x;
    },
    initializeState: async () => {
      await tick();
      log.push('init');
    },
    open: async () => {
      await tick();
      log.push('open');
    },
    snapshotState: async () => {
      await tick();
      log.push('snapshot');
    },
    notifyCheckpointComplete: async () => {
      await tick();
      log.push('complete');
    },
  });
  await h.open();
  await h.processElement(1);
  await h.snapshot();
  await h.notifyOfCompletedCheckpoint(1);
  await h.processElement(2);
  t.deepEqual(log, ['init', 'open', 'map 1', 'snapshot', 'complete', 'map 2']);
  await h.close();
});
