import 'reflect-metadata';
import test from 'ava';
import {
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  MapStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastReadOnlyContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessJoinContext,
} from '../../lib/index.js';
import type { IntervalJoinOperator } from '../../lib/operators/interval-join-operator.js';
import { TwoInputOperatorTestHarness } from '../../lib/testing/index.js';

interface E {
  key: string;
  ts: number;
}

const pair = (l: E, r: E, ctx: ProcessJoinContext, out: Collector<string>): void => out.collect(`${l.key}:${l.ts}-${r.ts}@${ctx.getTimestamp()}`);

test('interval join: bounds inclusive, buffers cleaned when the watermark passes them, late elements dropped', async (t) => {
  const h = TwoInputOperatorTestHarness.forIntervalJoin<string, E, E, string>(pair, (e) => e.key, (e) => e.key, { lowerBound: -2, upperBound: 3 });
  await h.open();
  await h.processElement1({ key: 'a', ts: 10 }, 10);
  for (const ts of [7, 8, 12, 13, 14]) await h.processElement2({ key: 'a', ts }, ts);
  // r ∈ [l - 2, l + 3] = [8, 13]: 8 and 13 exactly at the bounds.
  t.deepEqual(h.extractOutputRecords(), [
    { kind: 'record', value: 'a:10-8@10', timestamp: 10 },
    { kind: 'record', value: 'a:10-12@12', timestamp: 12 },
    { kind: 'record', value: 'a:10-13@13', timestamp: 13 },
  ]);
  t.is(h.numKeyedStateEntries(), 2, 'one left and one right buffer for key a');
  // Cleanup: the left bucket at 10 + upper = 13; right buckets at r - lower = r + 2 (9, 10, 14, 15, 16).
  await h.processBothWatermarks(13);
  const op = h.getOperator() as IntervalJoinOperator<E, E, string>;
  h.getOperatorContext().keyedBackend!.setCurrentKey('a');
  t.deepEqual(op.bufferedCounts(), { left: 0, right: 3 });
  await h.processBothWatermarks(16);
  t.is(h.numKeyedStateEntries(), 0);
  t.is(h.numEventTimeTimers(), 0);
  // Late: below the watermark 16.
  await h.processElement1({ key: 'a', ts: 15 }, 15);
  await h.processElement2({ key: 'a', ts: 15 }, 15);
  t.is(op.lateRecordsDropped, 2);
  t.is(h.numKeyedStateEntries(), 0);
  await h.close();
});

test('interval join with exclusive bounds leaves out the pairs exactly at the bounds', async (t) => {
  const h = TwoInputOperatorTestHarness.forIntervalJoin<string, E, E, string>(pair, (e) => e.key, (e) => e.key, {
    lowerBound: -2,
    upperBound: 3,
    lowerBoundInclusive: false,
    upperBoundInclusive: false,
  });
  await h.open();
  for (const ts of [7, 8, 9, 12, 13, 14]) await h.processElement2({ key: 'a', ts }, ts);
  await h.processElement1({ key: 'a', ts: 10 }, 10);
  t.deepEqual(h.extractOutputValues(), ['a:10-9@10', 'a:10-12@12']);
  await h.close();
});

test('keyed co-process: the operator sees the minimum of both inputs’ watermarks; state is shared per key', async (t) => {
  class Fn extends KeyedCoProcessFunction<string, E, E, string> {
    private count() {
      return this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
    }
    processElement1(e: E, ctx: KeyedProcessContext<string>): void {
      this.count().update((this.count().value() ?? 0) + 1);
      ctx.timerService().registerEventTimeTimer(e.ts);
    }
    processElement2(): void {
      this.count().update((this.count().value() ?? 0) + 10);
    }
    override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
      out.collect(`${ctx.getCurrentKey()}@${ts}=${this.count().value()}`);
    }
  }
  const h = TwoInputOperatorTestHarness.forKeyedCoProcess<string, E, E, string>(new Fn(), (e) => e.key, (e) => e.key);
  await h.open();
  await h.processElement1({ key: 'a', ts: 100 }, 100);
  await h.processElement2({ key: 'a', ts: 5 }, 5);
  await h.processWatermark1(150);
  t.deepEqual(h.extractOutput(), [], 'input 2 is still at -Infinity');
  await h.processWatermark2(50);
  t.deepEqual(h.extractOutput(), [{ kind: 'watermark', timestamp: 50 }]);
  await h.processWatermark2(120);
  t.deepEqual(h.extractOutput(), [
    { kind: 'watermark', timestamp: 50 },
    { kind: 'record', value: 'a@100=11', timestamp: 100 },
    { kind: 'watermark', timestamp: 120 },
  ]);
  t.is(h.getCurrentWatermark(), 120);
  await h.endInput(1);
  await t.throwsAsync(h.processElement1({ key: 'a', ts: 1 }, 1), { message: /input 1 has ended/ });
  await h.close();
});

test('keyed broadcast: applyToKeyedState visits every key with the state, as that key', async (t) => {
  const rules = new MapStateDescriptor<string, number>('rules');
  const seen = new ValueStateDescriptor<number>('seen');
  class Fn extends KeyedBroadcastProcessFunction<[string, number], E, number, string> {
    processElement(e: E, ctx: KeyedBroadcastReadOnlyContext<[string, number]>, out: Collector<string>): void {
      this.getRuntimeContext().getState(seen).update(e.ts);
      out.collect(`${ctx.getCurrentKey().join('/')} rules=${ctx.getBroadcastState(rules).size()}`);
    }
    processBroadcastElement(v: number, ctx: KeyedBroadcastContext<[string, number]>, out: Collector<string>): void {
      ctx.getBroadcastState(rules).put(`r${v}`, v);
      ctx.applyToKeyedState(seen, (key, state) => {
        out.collect(`${key.join('/')} seen ${state.value()}`);
        if (v === 2) state.clear();
      });
    }
  }
  const h = TwoInputOperatorTestHarness.forKeyedBroadcastProcess<[string, number], E, number, string>(new Fn(), (e) => [e.key, e.ts % 2], [rules as MapStateDescriptor<unknown, unknown>]);
  await h.open();
  await h.processElement1({ key: 'a', ts: 1 }, 1);
  await h.processElement1({ key: 'b', ts: 2 }, 2);
  await h.processElement2(1, 3);
  await h.processElement2(2, 4);
  await h.processElement2(3, 5);
  t.deepEqual(h.extractOutputValues(), ['a/1 rules=0', 'b/0 rules=0', 'a/1 seen 1', 'b/0 seen 2', 'a/1 seen 1', 'b/0 seen 2']);
  t.is(h.numKeyedStateEntries(), 0);
  await h.close();
});
