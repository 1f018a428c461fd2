/**
 * The one-input harness's checkpoint API (Flink's harness `snapshot` / `initializeState` /
 * `repartitionOperatorState` / `notifyOfCompletedCheckpoint`), and keyed one-input operators
 * snapshotted and restored partway: every expected output is worked out by hand, and the unbroken
 * run, the run restored at every step and the rescaled run must all give it.
 */
import test from 'ava';
import {
  KeyedProcessFunction,
  ListStateDescriptor,
  RichMapFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  assignKeyToParallelOperator,
  computeKeyGroupRangeForOperatorIndex,
  assignToKeyGroup,
  type Collector,
  type KeyedProcessContext,
  type ListState,
  type OnTimerContext,
  type ValueState,
} from 'weir';
import { OperatorTestHarness, type OperatorSubtaskSnapshot } from 'weir/testing';
import type { CheckpointedFunction, FunctionInitializationContext } from 'weir';
import { canonical, checkRestore, el, mark, rec, recordsOf, runRescaled, runUnbroken, time, wm, type Placement } from '../helpers/restore-steps.js';
import { harnessOf } from '../helpers/stream-harness.js';

interface Sale {
  shop: string;
  amount: number;
}
const sale = (shop: string, amount: number): Sale => ({ shop, amount });
const sumSales = (a: Sale, b: Sale): Sale => ({ shop: a.shop, amount: a.amount + b.amount });
const reduceHarness = (p: Placement) => OperatorTestHarness.forReduce(sumSales, (s: Sale) => s.shop, p);

// ---------------------------------------------------------------------------------------------
// The API

test('snapshot(): checkpoint ids count up from 1, the timestamp defaults to processing time, keyed state per key group', async (t) => {
  const h = OperatorTestHarness.forReduce(sumSales, (s: Sale) => s.shop, { initialProcessingTime: 500 });
  await h.open();
  await h.processElement(sale('a', 1));
  await h.processElement(sale('b', 2));
  const s1 = await h.snapshot();
  await h.setProcessingTime(900);
  const s2 = await h.snapshot();
  const s7 = await h.snapshot(7, 1234);
  const s8 = await h.snapshot();
  t.deepEqual([s1.checkpointId, s2.checkpointId, s7.checkpointId, s8.checkpointId], [1, 2, 7, 8]);
  t.deepEqual([s1.timestamp, s2.timestamp, s7.timestamp], [500, 900, 1234]);
  t.like(s1, { subtaskIndex: 0, parallelism: 1, maxParallelism: 128, operatorState: { list: {}, union: {}, broadcast: {} } });
  // One part per key group with state: 'a' and 'b', ascending, each one full part.
  const groups = [assignToKeyGroup('a', 128), assignToKeyGroup('b', 128)].sort((x, y) => x - y);
  t.deepEqual(
    s1.keyedState.map((kg) => kg.keyGroup),
    groups,
  );
  t.true(s1.keyedState.every((kg) => kg.chain.length === 1 && kg.chain[0] instanceof Uint8Array));
  await h.close();
});

test('a snapshot is a copy: what the operator does afterwards does not show in it', async (t) => {
  const h = OperatorTestHarness.forReduce(sumSales, (s: Sale) => s.shop);
  await h.open();
  await h.processElement(sale('a', 1));
  const snapshot = await h.snapshot();
  await h.processElement(sale('a', 10));
  await h.processElement(sale('c', 100));
  await h.close();

  const r = OperatorTestHarness.forReduce(sumSales, (s: Sale) => s.shop);
  await r.initializeState(snapshot);
  await r.open();
  t.is(r.numKeyedStateEntries(), 1, 'only a, as at the snapshot');
  await r.processElement(sale('a', 2));
  t.deepEqual(r.extractOutputValues(), [sale('a', 3)]);
  await r.close();
});

test('open() without initializeState() is a fresh start; initializeState() only before open()', async (t) => {
  const seen: boolean[] = [];
  class Probe extends RichMapFunction<number, number> implements CheckpointedFunction {
    initializeState(ctx: FunctionInitializationContext): void {
      seen.push(ctx.isRestored());
    }
    snapshotState(): void {}
    map(x: number): number {
      return x;
    }
  }
  const h = OperatorTestHarness.forMap(Probe);
  await h.open();
  t.deepEqual(seen, [false]);
  await t.throwsAsync(h.initializeState(), { code: 'WEIR_ERR_CONFIG', message: /initializeState\(\) is not allowed when the harness is open/ });
  const snapshot = await h.snapshot();
  await h.close();

  const r = OperatorTestHarness.forMap(Probe);
  await r.initializeState(snapshot);
  t.is(r.getLifecycle(), 'initialized');
  await t.throwsAsync(r.initializeState(snapshot), { code: 'WEIR_ERR_CONFIG' });
  await t.throwsAsync(r.snapshot(), { code: 'WEIR_ERR_CONFIG', message: /snapshot\(\) is not allowed when the harness is initialized/ });
  await t.throwsAsync(r.notifyOfCompletedCheckpoint(1), { code: 'WEIR_ERR_CONFIG' });
  await r.open();
  t.deepEqual(seen, [false, true]);
  await r.close();
});

test('initializeState() refuses a snapshot of another max parallelism, and keyed state for a non-keyed harness', async (t) => {
  const h = OperatorTestHarness.forReduce(sumSales, (s: Sale) => s.shop, { maxParallelism: 256 });
  await h.open();
  await h.processElement(sale('a', 1));
  const snapshot = await h.snapshot();
  await h.close();

  const other = OperatorTestHarness.forReduce(sumSales, (s: Sale) => s.shop);
  await t.throwsAsync(other.initializeState(snapshot), { code: 'WEIR_ERR_RESTORE', message: /max parallelism 256 and the harness has 128/ });
  const nonKeyed = OperatorTestHarness.forMap((s: Sale) => s, { maxParallelism: 256 });
  await t.throwsAsync(nonKeyed.initializeState(snapshot), { code: 'WEIR_ERR_RESTORE', message: /holds keyed state, but the harness is not keyed/ });
});

test('initializeState() restores only the key groups of the harness subtask', async (t) => {
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'];
  const h = OperatorTestHarness.forReduce((a: string, b: string) => a + b, (s) => s);
  await h.open();
  for (const k of keys) await h.processElement(k);
  const snapshot = await h.snapshot();
  await h.close();
  for (const subtaskIndex of [0, 1]) {
    const range = computeKeyGroupRangeForOperatorIndex(128, 2, subtaskIndex);
    const mine = keys.filter((k) => range.contains(assignToKeyGroup(k, 128)));
    const r = OperatorTestHarness.forReduce((a: string, b: string) => a + b, (s) => s, { parallelism: 2, subtaskIndex });
    await r.initializeState(snapshot); // the parallelism-1 snapshot as it is: other key groups are skipped
    await r.open();
    t.is(r.numKeyedStateEntries(), mine.length);
    for (const k of mine) await r.processElement(k);
    t.deepEqual(r.extractOutputValues(), mine.map((k) => k + k));
    await r.close();
  }
});

test('repartitionOperatorState: keyed state by key-group range, and its argument checks', async (t) => {
  const snaps: OperatorSubtaskSnapshot[] = [];
  for (const subtaskIndex of [1, 0]) {
    const h = OperatorTestHarness.forReduce((a: string, b: string) => a + b, (s) => s, { parallelism: 2, subtaskIndex });
    await h.open();
    for (const k of ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']) if (assignKeyToParallelOperator(k, 128, 2) === subtaskIndex) await h.processElement(k);
    snaps.push(await h.snapshot());
    await h.close();
  }
  const all = snaps.flatMap((s) => s.keyedState.map((kg) => kg.keyGroup)).sort((a, b) => a - b);
  const parts = [0, 1, 2].map((i) => OperatorTestHarness.repartitionOperatorState(snaps, 3, i));
  t.deepEqual(
    parts.flatMap((p) => p.keyedState.map((kg) => kg.keyGroup)),
    all,
    'every key group goes to exactly one new subtask, in range order',
  );
  parts.forEach((p, i) => {
    t.like(p, { subtaskIndex: i, parallelism: 3, maxParallelism: 128, checkpointId: 1 });
    const range = computeKeyGroupRangeForOperatorIndex(128, 3, i);
    t.true(p.keyedState.every((kg) => range.contains(kg.keyGroup)));
  });
  t.throws(() => OperatorTestHarness.repartitionOperatorState([], 2, 0), { code: 'WEIR_ERR_CONFIG', message: /no snapshots/ });
  t.throws(() => OperatorTestHarness.repartitionOperatorState([snaps[0]!], 2, 0), { code: 'WEIR_ERR_CONFIG', message: /got 1 snapshot\(s\) of an operator with parallelism 2/ });
  t.throws(() => OperatorTestHarness.repartitionOperatorState([snaps[0]!, snaps[0]!], 2, 0), { code: 'WEIR_ERR_CONFIG', message: /two snapshots of subtask/ });
  t.throws(() => OperatorTestHarness.repartitionOperatorState(snaps, 2, 2), { code: 'WEIR_ERR_CONFIG' });
  t.throws(() => OperatorTestHarness.repartitionOperatorState([{ ...snaps[0]!, maxParallelism: 64 }, snaps[1]!], 2, 0), { code: 'WEIR_ERR_CONFIG', message: /mix max parallelism/ });
});

test('notifyOfCompletedCheckpoint / notifyOfAbortedCheckpoint reach the user function', async (t) => {
  const log: string[] = [];
  const h = OperatorTestHarness.forMap({
    map: (x: number) => x,
    notifyCheckpointComplete: (id: number) => void log.push(`complete ${id}`),
    notifyCheckpointAborted: (id: number) => void log.push(`aborted ${id}`),
  });
  await h.open();
  await h.snapshot();
  await h.snapshot();
  await h.notifyOfAbortedCheckpoint(1);
  await h.notifyOfCompletedCheckpoint(2);
  await h.endInput();
  await h.notifyOfCompletedCheckpoint(3); // the final checkpoint after end of input
  t.deepEqual(log, ['aborted 1', 'complete 2', 'complete 3']);
  await h.close();
  await t.throwsAsync(h.notifyOfCompletedCheckpoint(4), { code: 'WEIR_ERR_CONFIG' });
});

// ---------------------------------------------------------------------------------------------
// Keyed reduce

const saleSteps = [el(sale('a', 5), 1), el(sale('b', 1), 2), el(sale('a', 3), 3), wm(3), el(sale('c', 7), 4), el(sale('a', -2), 5), el(sale('b', 10), 6), el(sale('c', 1), 7)];
// Running sums per shop, each with its record's timestamp.
const saleExpected = [rec(sale('a', 5), 1), rec(sale('b', 1), 2), rec(sale('a', 8), 3), mark(3), rec(sale('c', 7), 4), rec(sale('a', 6), 5), rec(sale('b', 11), 6), rec(sale('c', 8), 7)];

test('keyed reduce: restored at every step gives the unbroken output', async (t) => {
  await checkRestore(t, reduceHarness, saleSteps, saleExpected);
});

test('keyed reduce rescaled: a parallelism-1 snapshot restored into subtasks 0 and 1 of 2 gives the unbroken records', async (t) => {
  // The shops must spread over both subtasks for the test to mean anything.
  t.deepEqual(new Set(['a', 'b', 'c'].map((k) => assignKeyToParallelOperator(k, 128, 2))).size, 2);
  for (const cut of [0, 3, 5, saleSteps.length]) {
    const { records } = await runRescaled(reduceHarness, saleSteps, cut, { parallelism: 2, keyOf1: (s: Sale) => s.shop });
    t.deepEqual(canonical(records), canonical(recordsOf(saleExpected)), `cut at ${cut}`);
  }
});

// ---------------------------------------------------------------------------------------------
// KeyedProcessFunction: keyed state, event- and processing-time timers

interface Click {
  user: string;
  n: number;
}

/**
 * Sums a user's clicks per 10 ms bucket of event time (bucket end = ts - ts % 10 + 10) and reports
 * the sum when the watermark reaches the bucket end; also reports, 100 ms of processing time after
 * a user's first click of a quiet period, how many clicks came in that period.
 */
class ClickReport extends KeyedProcessFunction<string, Click, string> {
  private sums!: ValueState<Record<string, number>>;
  private burst!: ValueState<number>;

  override open(): void {
    this.sums = this.getRuntimeContext().getState(new ValueStateDescriptor<Record<string, number>>('sums'));
    this.burst = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('burst'));
  }

  processElement(c: Click, ctx: KeyedProcessContext<string>): void {
    const ts = ctx.timestamp()!;
    const end = ts - (ts % 10) + 10;
    const sums = { ...(this.sums.value() ?? {}) };
    sums[end] = (sums[end] ?? 0) + c.n;
    this.sums.update(sums);
    ctx.timerService().registerEventTimeTimer(end);
    const b = this.burst.value();
    if (b === null) ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
    this.burst.update((b ?? 0) + 1);
  }

  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    if (ctx.timeDomain() === 'PROCESSING_TIME') {
      out.collect(`${ctx.getCurrentKey()} burst of ${this.burst.value()} at ${ts}`);
      this.burst.clear();
      return;
    }
    const sums = { ...(this.sums.value() ?? {}) };
    out.collect(`${ctx.getCurrentKey()} bucket ${ts}: ${sums[ts]}`);
    delete sums[ts];
    this.sums.update(Object.keys(sums).length === 0 ? null : sums);
  }
}

const clickHarness = (p: Placement) => OperatorTestHarness.forKeyedProcess(new ClickReport(), (c: Click) => c.user, p);
const clickSteps = [
  el({ user: 'x', n: 1 }, 1), //  x: bucket 10 = 1; burst timer x@100 (processing time 0)
  el({ user: 'y', n: 2 }, 4), //  y: bucket 10 = 2; burst timer y@100
  el({ user: 'x', n: 4 }, 12), // x: bucket 20 = 4; burst 2
  time(50),
  el({ user: 'x', n: 8 }, 9), //  x: bucket 10 = 9; burst 3
  wm(10), //                     x bucket 10 (9), y bucket 10 (2), in registration order
  time(100), //                  x burst 3, y burst 1
  el({ user: 'y', n: 16 }, 15), // y: bucket 20 = 16; burst timer y@200
  time(150),
  el({ user: 'z', n: 32 }, 25), // z: bucket 30; burst timer z@250
  wm(20), //                     x bucket 20 (4), y bucket 20 (16)
  time(300), //                  y burst 1 at 200, z burst 1 at 250
  wm(Infinity), //               z bucket 30 (32)
];
const clickExpected = [
  rec('x bucket 10: 9', 10),
  rec('y bucket 10: 2', 10),
  mark(10),
  rec('x burst of 3 at 100', null),
  rec('y burst of 1 at 100', null),
  rec('x bucket 20: 4', 20),
  rec('y bucket 20: 16', 20),
  mark(20),
  rec('y burst of 1 at 200', null),
  rec('z burst of 1 at 250', null),
  rec('z bucket 30: 32', 30),
  mark(Infinity),
];

test('KeyedProcessFunction with keyed state, event-time and processing-time timers: restored at every step gives the unbroken output', async (t) => {
  await checkRestore(t, clickHarness, clickSteps, clickExpected);
});

test('KeyedProcessFunction rescaled from parallelism 1 to 2: timers and state follow their key groups', async (t) => {
  t.deepEqual(new Set(['x', 'y', 'z'].map((k) => assignKeyToParallelOperator(k, 128, 2))).size, 2);
  for (const cut of [3, 8, 10]) {
    const { records } = await runRescaled(clickHarness, clickSteps, cut, { parallelism: 2, keyOf1: (c: Click) => c.user });
    t.deepEqual(canonical(records), canonical(recordsOf(clickExpected)), `cut at ${cut}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Operator state of a CheckpointedFunction, redistributed on rescale

/**
 * Numbers records per subtask and remembers, in operator state, the last number it gave (even-split
 * list state: one entry per subtask) and every record it saw (union list state).
 */
class Numbering extends RichMapFunction<string, string> implements CheckpointedFunction {
  private counters!: ListState<number>;
  private seenState!: ListState<string>;
  private counter = 0;
  private seen: string[] = [];

  initializeState(ctx: FunctionInitializationContext): void {
    this.counters = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('counter'));
    this.seenState = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<string>('seen'));
    // After rescaling a subtask may get several old counters (or none): continue after the highest.
    this.counter = Math.max(0, ...this.counters.get());
    this.seen = this.seenState.get();
  }

  snapshotState(): void {
    this.counters.update([this.counter]);
    this.seenState.update(this.seen);
  }

  map(v: string): string {
    this.seen.push(v);
    return `${v}#${++this.counter} (seen ${this.seen.length})`;
  }
}

test('CheckpointedFunction operator state: restored at every step gives the unbroken output', async (t) => {
  const steps = ['a', 'b', 'c', 'd'].map((v) => el(v));
  await checkRestore(t, (p) => OperatorTestHarness.forMap(Numbering, p), steps, [rec('a#1 (seen 1)'), rec('b#2 (seen 2)'), rec('c#3 (seen 3)'), rec('d#4 (seen 4)')]);
});

test('CheckpointedFunction operator state rescaled 2 → 3: list state dealt round-robin, union list state to every subtask', async (t) => {
  const snaps: OperatorSubtaskSnapshot[] = [];
  for (const [subtaskIndex, inputs] of [[0, ['a', 'b', 'c']], [1, ['d']]] as const) {
    const h = OperatorTestHarness.forMap(Numbering, { parallelism: 2, subtaskIndex });
    await h.open();
    for (const v of inputs) await h.processElement(v);
    snaps.push(await h.snapshot());
    await h.close();
  }
  t.deepEqual(
    snaps.map((s) => s.operatorState),
    [
      { list: { counter: [3] }, union: { seen: ['a', 'b', 'c'] }, broadcast: {} },
      { list: { counter: [1] }, union: { seen: ['d'] }, broadcast: {} },
    ],
  );
  const out: string[] = [];
  for (const subtaskIndex of [0, 1, 2]) {
    const share = OperatorTestHarness.repartitionOperatorState(snaps, 3, subtaskIndex);
    // Counters [3, 1] dealt round-robin: [3], [1], []; every subtask gets all four seen records.
    t.deepEqual(share.operatorState, { list: { counter: [[3], [1], []][subtaskIndex]! }, union: { seen: ['a', 'b', 'c', 'd'] }, broadcast: {} });
    const h = OperatorTestHarness.forMap(Numbering, { parallelism: 3, subtaskIndex });
    await h.initializeState(share);
    await h.open();
    await h.processElement(`x${subtaskIndex}`);
    out.push(...h.extractOutputValues());
    await h.close();
  }
  t.deepEqual(out, ['x0#4 (seen 5)', 'x1#2 (seen 5)', 'x2#1 (seen 5)']);
});

test('KeyedProcessFunction: processing-time timers registered while firing, async onTimer, restored at every step', async (t) => {
  /** Ticks three times, every 100 ms of processing time, after a key's first record. */
  class Ticker extends KeyedProcessFunction<string, string, string> {
    private ticks!: ValueState<number>;
    override open(): void {
      this.ticks = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('ticks'));
    }
    processElement(_v: string, ctx: KeyedProcessContext<string>): void {
      ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
    }
    override async onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): Promise<void> {
      await Promise.resolve();
      const n = (this.ticks.value() ?? 0) + 1;
      out.collect(`${ctx.getCurrentKey()} tick ${n} at ${ctx.timerService().currentProcessingTime()}`);
      if (n < 3) {
        this.ticks.update(n);
        ctx.timerService().registerProcessingTimeTimer(ts + 100);
      } else this.ticks.clear();
    }
  }
  const steps = [el('k'), time(1150), el('j'), time(1220), time(1320), time(5000)]; // k@1100; j@1250
  const expected = ['k tick 1 at 1100', 'k tick 2 at 1200', 'j tick 1 at 1250', 'k tick 3 at 1300', 'j tick 2 at 1350', 'j tick 3 at 1450'].map((v) => rec(v));
  await checkRestore(t, (p) => OperatorTestHarness.forKeyedProcess(Ticker, (v: string) => v, p), steps, expected, {
    initialProcessingTime: 1000,
    strictOrder: true,
    atEnd: (h) => {
      t.is(h.numProcessingTimeTimers(), 0);
      t.is(h.numKeyedStateEntries(), 0);
    },
  });
});

test('keyed field aggregations (maxBy, sum) keep their running value across restores', async (t) => {
  const keyed = () => StreamExecutionEnvironment.create().fromCollection<Sale>([]).keyBy((s) => s.shop);
  const steps = [el(sale('a', 5), 1), el(sale('b', 1), 2), el(sale('a', 3), 3), el(sale('a', 9), 4), el(sale('b', 0), 5)];
  await checkRestore(t, (p) => harnessOf(keyed().maxBy('amount'), p), steps, [rec(sale('a', 5), 1), rec(sale('b', 1), 2), rec(sale('a', 5), 3), rec(sale('a', 9), 4), rec(sale('b', 1), 5)]);
  await checkRestore(t, (p) => harnessOf(keyed().sum('amount'), p), steps, [rec(sale('a', 5), 1), rec(sale('b', 1), 2), rec(sale('a', 8), 3), rec(sale('a', 17), 4), rec(sale('b', 1), 5)]);
});

test('the example of the harness docstring', async (t) => {
  class CountUntilWatermark extends KeyedProcessFunction<string, string, string> {
    processElement(word: string, ctx: KeyedProcessContext<string>): void {
      const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
      count.update((count.value() ?? 0) + 1);
      ctx.timerService().registerEventTimeTimer(100);
    }
    override onTimer(_ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
      out.collect(`${ctx.getCurrentKey()}=${this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count')).value()}`);
    }
  }
  const first = OperatorTestHarness.forKeyedProcess(new CountUntilWatermark(), (w: string) => w);
  await first.open();
  await first.processElement('a', 10);
  const snapshot = await first.snapshot();
  await first.close();
  const second = OperatorTestHarness.forKeyedProcess(new CountUntilWatermark(), (w: string) => w);
  await second.initializeState(snapshot);
  await second.open();
  await second.processElement('a', 30);
  await second.processWatermark(100);
  t.deepEqual(second.extractOutputValues(), ['a=2']);
  await second.close();
});

test('the unbroken helper run is what the harness emits (sanity check of the test helper)', async (t) => {
  const out = await runUnbroken(reduceHarness, saleSteps);
  t.deepEqual(out.main, saleExpected);
});
