/**
 * Two-input operators snapshotted and restored partway (Flink's harness pattern): keyed
 * co-process with state and timers, keyed and non-keyed broadcast process (broadcast state is
 * operator state: every subtask gets a copy on restore), interval join with late data. Every
 * expected output is worked out by hand in the comments; the unbroken run, the run restored at
 * every step and the run rescaled from parallelism 1 to 2 must all give it.
 */
import test from 'ava';
import {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  MapStateDescriptor,
  OutputTag,
  ValueStateDescriptor,
  assignKeyToParallelOperator,
  type BroadcastContext,
  type BroadcastReadOnlyContext,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessJoinContext,
  type ValueState,
} from 'weir';
import { TwoInputOperatorTestHarness, type OperatorSubtaskSnapshot } from 'weir/testing';
import { canonical, checkRestore, el, el2, mark, rec, recordsOf, runRescaled, wm, type AnyHarness, type Placement } from '../helpers/restore-steps.js';

const spreads = (keys: unknown[]): boolean => new Set(keys.map((k) => assignKeyToParallelOperator(k, 128, 2))).size === 2;
const cleanedUp = (t: { is(a: unknown, b: unknown, m?: string): void }) => (h: AnyHarness) => {
  t.is(h.numKeyedStateEntries(), 0, 'no keyed state left');
  t.is(h.numEventTimeTimers(), 0, 'no event-time timers left');
};

// ---------------------------------------------------------------------------------------------
// Keyed co-process: rides and fares (Flink training), with state and timers

interface Ride {
  id: number;
}
interface Fare {
  id: number;
}
type Pending = { kind: 'ride' | 'fare'; ts: number };

/** Pairs the ride and the fare of a ride id; whichever waits more than 100 ms of event time is reported unmatched. */
class EnrichRides extends KeyedCoProcessFunction<number, Ride, Fare, string> {
  private pending!: ValueState<Pending>;

  override open(): void {
    this.pending = this.getRuntimeContext().getState(new ValueStateDescriptor<Pending>('pending'));
  }

  processElement1(_ride: Ride, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    this.arrive('ride', ctx, out);
  }

  processElement2(_fare: Fare, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    this.arrive('fare', ctx, out);
  }

  override onTimer(ts: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
    const p = this.pending.value()!;
    out.collect(`${ctx.getCurrentKey()}: unmatched ${p.kind} ${p.ts} (timer ${ts})`);
    this.pending.clear();
  }

  private arrive(kind: 'ride' | 'fare', ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const ts = ctx.timestamp()!;
    const p = this.pending.value();
    if (p === null) {
      this.pending.update({ kind, ts });
      ctx.timerService().registerEventTimeTimer(ts + 100);
      return;
    }
    const [ride, fare] = kind === 'ride' ? [ts, p.ts] : [p.ts, ts];
    out.collect(`${ctx.getCurrentKey()}: ride ${ride} + fare ${fare}`);
    ctx.timerService().deleteEventTimeTimer(p.ts + 100);
    this.pending.clear();
  }
}

const rides = (p: Placement) => TwoInputOperatorTestHarness.forKeyedCoProcess(new EnrichRides(), (r: Ride) => r.id, (f: Fare) => f.id, p);
const rideSteps = [
  el({ id: 1 }, 10), //  ride 1 waits, timer 1@110
  el2({ id: 2 }, 15), // fare 2 waits, timer 2@115
  el2({ id: 1 }, 20), // ride 1 + fare 1 (timestamp 20); timer 1@110 deleted
  wm(50),
  el({ id: 3 }, 60), //  ride 3 waits, timer 3@160
  el({ id: 2 }, 70), //  ride 2 + fare 2; timer 2@115 deleted
  el2({ id: 4 }, 80), // fare 4 waits, timer 4@180
  wm(170), //            timer 3@160: ride 3 unmatched
  el({ id: 4 }, 175), // ride 4 + fare 4; timer 4@180 deleted
  el({ id: 5 }, 200), // ride 5 waits, timer 5@300
  wm(Infinity), //       timer 5@300: ride 5 unmatched
];
const rideExpected = [
  rec('1: ride 10 + fare 20', 20),
  mark(50),
  rec('2: ride 70 + fare 15', 70),
  rec('3: unmatched ride 60 (timer 160)', 160),
  mark(170),
  rec('4: ride 175 + fare 80', 175),
  rec('5: unmatched ride 200 (timer 300)', 300),
  mark(Infinity),
];

test('keyed co-process with state and timers: restored at every step gives the unbroken output', async (t) => {
  await checkRestore(t, rides, rideSteps, rideExpected, { atEnd: cleanedUp(t) });
});

test('keyed co-process rescaled from parallelism 1 to 2', async (t) => {
  t.true(spreads([1, 2, 3, 4, 5]));
  for (const cut of [2, 5, 8]) {
    const { records } = await runRescaled(rides, rideSteps, cut, { parallelism: 2, keyOf1: (r: Ride) => r.id, keyOf2: (f: Fare) => f.id });
    t.deepEqual(canonical(records), canonical(recordsOf(rideExpected)), `cut at ${cut}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Keyed broadcast process: broadcast thresholds, keyed sums, timers, applyToKeyedState

interface Reading {
  k: string;
  v: number;
}
type Control = { set: string; to: number } | { reset: true };
const thresholds = new MapStateDescriptor<string, number>('thresholds');
const sumDescriptor = new ValueStateDescriptor<number>('sum');

/**
 * Sums each key's readings per 100 ms bucket of event time; when the watermark passes the bucket,
 * reports whether the sum reached the key's threshold (broadcast; `default` when the key has none).
 * A `reset` control clears every key's sum.
 */
class Thresholds extends KeyedBroadcastProcessFunction<string, Reading, Control, string> {
  private sum!: ValueState<number>;

  override open(): void {
    this.sum = this.getRuntimeContext().getState(sumDescriptor);
  }

  processElement(r: Reading, ctx: KeyedBroadcastReadOnlyContext<string>): void {
    this.sum.update((this.sum.value() ?? 0) + r.v);
    const ts = ctx.timestamp()!;
    ctx.timerService().registerEventTimeTimer(ts - (ts % 100) + 100);
  }

  processBroadcastElement(c: Control, ctx: KeyedBroadcastContext<string>): void {
    if ('reset' in c) ctx.applyToKeyedState(sumDescriptor, (_key, state) => state.clear());
    else ctx.getBroadcastState(thresholds).put(c.set, c.to);
  }

  override onTimer(_ts: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
    const sum = this.sum.value();
    if (sum === null) return;
    const rules = ctx.getBroadcastState(thresholds);
    const limit = rules.get(ctx.getCurrentKey()) ?? rules.get('default') ?? Infinity;
    out.collect(`${ctx.getCurrentKey()}: ${sum} ${sum >= limit ? '>=' : 'below'} ${limit}`);
    this.sum.clear();
  }
}

const keyedBroadcast = (p: Placement) => TwoInputOperatorTestHarness.forKeyedBroadcastProcess(new Thresholds(), (r: Reading) => r.k, [thresholds as never], p);
const thresholdSteps = [
  el2({ set: 'default', to: 10 }),
  el({ k: 'a', v: 3 }, 10), //  a = 3, timer a@100
  el({ k: 'b', v: 12 }, 20), // b = 12, timer b@100
  el2({ set: 'a', to: 3 }),
  wm(100), //                   a: 3 >= 3 (its own threshold), b: 12 >= 10 (default)
  el({ k: 'a', v: 1 }, 150), // a = 1, timer a@200
  el({ k: 'c', v: 50 }, 160), // c = 50, timer c@200
  el2({ reset: true }), //      a and c cleared
  el({ k: 'c', v: 4 }, 170), // c = 4
  wm(200), //                   a: nothing (cleared), c: 4 below 10
  el2({ set: 'default', to: 1 }),
  el({ k: 'b', v: 1 }, 250), // b = 1, timer b@300
  wm(Infinity), //              b: 1 >= 1
];
const thresholdExpected = [rec('a: 3 >= 3', 100), rec('b: 12 >= 10', 100), mark(100), rec('c: 4 below 10', 200), mark(200), rec('b: 1 >= 1', 300), mark(Infinity)];

test('keyed broadcast process: broadcast state, keyed state and timers restored at every step give the unbroken output', async (t) => {
  await checkRestore(t, keyedBroadcast, thresholdSteps, thresholdExpected, { atEnd: cleanedUp(t) });
});

test('keyed broadcast process rescaled from parallelism 1 to 2: both subtasks get the broadcast state', async (t) => {
  t.true(spreads(['a', 'b', 'c']));
  for (const cut of [1, 4, 8, 11]) {
    const { records } = await runRescaled(keyedBroadcast, thresholdSteps, cut, { parallelism: 2, keyOf1: (r: Reading) => r.k });
    t.deepEqual(canonical(records), canonical(recordsOf(thresholdExpected)), `cut at ${cut}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Non-keyed broadcast process: every subtask keeps its copy, and a restore copies it again

const replacements = new MapStateDescriptor<string, string>('replacements');

/** Replaces words by the broadcast replacement rules. */
class Replace extends BroadcastProcessFunction<string, [string, string], string> {
  processElement(word: string, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
    out.collect(ctx.getBroadcastState(replacements).get(word) ?? word);
  }
  processBroadcastElement([from, to]: [string, string], ctx: BroadcastContext): void {
    ctx.getBroadcastState(replacements).put(from, to);
  }
}

const replace = (p: Placement) => TwoInputOperatorTestHarness.forBroadcastProcess(new Replace(), [replacements as never], p);

test('broadcast process: the broadcast state is restored at every step', async (t) => {
  const steps = [el('cat'), el2(['cat', 'dog']), el('cat'), el2(['dog', 'wolf']), el('dog'), el2(['cat', 'lion']), el('cat')];
  await checkRestore(t, replace, steps, [rec('cat'), rec('dog'), rec('wolf'), rec('lion')]);
});

test('broadcast process rescaled 2 → 3: every new subtask gets a copy of the broadcast state', async (t) => {
  const snaps: OperatorSubtaskSnapshot[] = [];
  for (const subtaskIndex of [0, 1]) {
    const h = replace({ initialProcessingTime: 0, parallelism: 2, subtaskIndex });
    await h.open();
    await h.processElement2(['a', 'A']);
    await h.processElement2(['b', 'B']);
    snaps.push(await h.snapshot());
    await h.close();
  }
  t.deepEqual(snaps[0]!.operatorState.broadcast, { replacements: [['a', 'A'], ['b', 'B']] });
  for (const subtaskIndex of [0, 1, 2]) {
    const h = replace({ initialProcessingTime: 0, parallelism: 3, subtaskIndex });
    await h.initializeState(TwoInputOperatorTestHarness.repartitionOperatorState(snaps, 3, subtaskIndex));
    await h.open();
    await h.processElement1('a');
    await h.processElement1('b');
    await h.processElement1('c');
    t.deepEqual(h.extractOutputValues(), ['A', 'B', 'c'], `subtask ${subtaskIndex}`);
    await h.close();
  }
});

test('broadcast process: unknown descriptors keep their error message', async (t) => {
  const h = TwoInputOperatorTestHarness.forBroadcastProcess(
    {
      processElement: (_w: string, ctx: BroadcastReadOnlyContext) => void ctx.getBroadcastState(new MapStateDescriptor<string, string>('typo')),
      processBroadcastElement: () => {},
    },
    [replacements as never],
  );
  await h.open();
  const err = await t.throwsAsync(h.processElement1('x'), { code: 'WEIR_ERR_USER_FUNCTION' });
  t.regex(String((err?.cause as Error).message), /^The requested broadcast state 'typo' does not exist/);
  await h.close();
});

// ---------------------------------------------------------------------------------------------
// Interval join, with late data

interface Item {
  k: string;
  id: string;
}
const lateLeft = new OutputTag<Item>('late-left');
const lateRight = new OutputTag<Item>('late-right');
const join = (p: Placement) =>
  TwoInputOperatorTestHarness.forIntervalJoin(
    (l: Item, r: Item, _ctx: ProcessJoinContext, out: Collector<string>) => out.collect(`${l.id}-${r.id}`),
    (i: Item) => i.k,
    (i: Item) => i.k,
    { lowerBound: -10, upperBound: 20, leftLateDataTag: lateLeft as OutputTag<unknown>, rightLateDataTag: lateRight as OutputTag<unknown> },
    p,
  );
// A left element at l joins right elements at r with l - 10 <= r <= l + 20. Cleanup timers: left at
// l + 20, right at r + 10.
const joinSteps = [
  el({ k: 'a', id: 'L1' }, 100), //  cleanup 120
  el2({ k: 'a', id: 'R1' }, 95), //  lefts in [75, 105]: L1 → L1-R1 @100; cleanup 105
  el2({ k: 'b', id: 'R2' }, 110), // cleanup 120
  wm(104),
  el({ k: 'b', id: 'L2' }, 105), //  rights in [95, 125]: R2 → L2-R2 @110; cleanup 125
  el({ k: 'a', id: 'L3' }, 103), //  103 < watermark 104: late
  wm(106), //                        a@105: R1 removed
  el({ k: 'a', id: 'L4' }, 110), //  rights in [100, 130]: none
  el2({ k: 'a', id: 'R3' }, 115), // lefts in [95, 125]: L1, L4 → L1-R3, L4-R3 @115
  el2({ k: 'b', id: 'R4' }, 50), //  50 < 106: late
  wm(Infinity),
];
const joinExpected = [rec('L1-R1', 100), mark(104), rec('L2-R2', 110), mark(106), rec('L1-R3', 115), rec('L4-R3', 115), mark(Infinity)];
const joinSide = { 'late-left': [rec({ k: 'a', id: 'L3' }, 103)], 'late-right': [rec({ k: 'b', id: 'R4' }, 50)] };

test('interval join: buffers, cleanup timers and late data restored at every step give the unbroken output', async (t) => {
  await checkRestore(t, join, joinSteps, joinExpected, { sideOutputs: [lateLeft, lateRight] as OutputTag<unknown>[], expectedSide: joinSide, atEnd: cleanedUp(t) });
});

test('interval join rescaled from parallelism 1 to 2', async (t) => {
  t.true(spreads(['a', 'b']));
  for (const cut of [1, 4, 7, 9]) {
    const { records, side } = await runRescaled(join, joinSteps, cut, { parallelism: 2, keyOf1: (i: Item) => i.k, keyOf2: (i: Item) => i.k }, { sideOutputs: [lateLeft, lateRight] as OutputTag<unknown>[] });
    t.deepEqual(canonical(records), canonical(recordsOf(joinExpected)), `cut at ${cut}`);
    t.deepEqual(side, joinSide, `cut at ${cut}: late data`);
  }
});
