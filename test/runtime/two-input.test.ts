import 'reflect-metadata';
import test from 'ava';
import {
  CollectionSource,
  KeyedCoProcessFunction,
  ManualClock,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
} from '../../lib/index.js';
import type { Output, TwoInputStreamOperator } from '../../lib/operators/stream-operator.js';
import { inputChannelLayout } from '../../lib/runtime/operator-chain.js';
import { CombinedWatermarkStatus } from '../../lib/time/combined-watermark.js';
import { GatedSource, punctuated } from '../helpers/two-inputs.js';

const create = (parallelism: number) => StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });

// ---- CombinedWatermarkStatus (Flink's IndexedCombinedWatermarkStatus) ----

test('the combined watermark is the minimum of both inputs, and never decreases', (t) => {
  const c = new CombinedWatermarkStatus(2);
  t.false(c.updateWatermark(0, 10), 'input 2 is still at -Infinity');
  t.is(c.combinedWatermark, -Infinity);
  t.true(c.updateWatermark(1, 5));
  t.is(c.combinedWatermark, 5);
  t.false(c.updateWatermark(1, 3), 'a lower watermark changes nothing');
  t.is(c.inputWatermark(1), 5);
  t.true(c.updateWatermark(1, 20));
  t.is(c.combinedWatermark, 10);
  t.true(c.updateWatermark(0, Infinity), 'an ended input no longer holds the other back');
  t.is(c.combinedWatermark, 20);
});

test('an idle input does not hold the combined watermark back; all idle is idle', (t) => {
  const c = new CombinedWatermarkStatus(2);
  c.updateWatermark(0, 100);
  t.is(c.combinedWatermark, -Infinity);
  t.true(c.updateStatus(1, true), 'input 2 idle: the minimum is input 1 alone');
  t.is(c.combinedWatermark, 100);
  t.false(c.isIdle);
  t.false(c.updateStatus(0, true));
  t.true(c.isIdle);
  t.false(c.updateStatus(1, false), 'input 2 active again at -Infinity: the combined watermark stays');
  t.is(c.combinedWatermark, 100);
  t.false(c.isIdle);
  t.false(c.updateWatermark(1, 50));
  t.true(c.updateWatermark(0, 200) === false && c.updateWatermark(1, 150));
  t.is(c.combinedWatermark, 150);
  t.throws(() => c.updateWatermark(2, 1));
});

// ---- Channel layout ----

test("a two-input subtask numbers input 1's channels first, then input 2's", (t) => {
  const env = create(2);
  const one = env.fromCollection([1]); // parallelism 1: one channel (rebalance)
  const seq = env.fromSequence(0, 9).setParallelism(3); // 3 channels (rebalance)
  const both = env.fromSequence(0, 9); // parallelism 2: forward, one channel per subtask
  one
    .union(both)
    .connect(seq)
    .map({ map1: (x: number) => x, map2: (x: number) => x })
    .print();
  const v = env.getJobGraph().vertices.find((x) => x.name.startsWith('Co-Map'))!;
  t.deepEqual(
    v.inputs.map((e) => [e.inputIndex, e.partition.kind]),
    [
      [1, 'rebalance'],
      [1, 'forward'],
      [2, 'rebalance'],
    ],
  );
  for (const j of [0, 1]) {
    const layout = inputChannelLayout(v, j);
    t.deepEqual(layout.channelInputs, [0, 0, 1, 1, 1]);
    t.deepEqual(layout.localChannels, [0, 1, 0, 1, 2]);
    t.deepEqual(layout.counts, [2, 3]);
  }
});

// ---- A two-input operator end to end ----

test('a two-input operator sees records of each input, the combined watermark and endInput per input', async (t) => {
  const env = create(1);
  const log: string[] = [];
  let input1Ended = false;
  /** A raw operator recording every call (Flink's TwoInputStreamOperator + BoundedMultiInput). */
  class Recorder implements TwoInputStreamOperator<number, number> {
    constructor(private readonly out: Output<string>) {}
    open(): void {}
    processElement1(v: number, ts: number): void {
      log.push(`1:${v}@${ts}`);
    }
    processElement2(v: number, ts: number): void {
      log.push(`2:${v}@${ts}`);
    }
    processWatermark(wm: number): void | Promise<void> {
      log.push(`wm:${wm}`);
      return this.out.emitWatermark(wm);
    }
    endInput(input: 1 | 2): void {
      log.push(`end${input}`);
      if (input === 1) input1Ended = true;
    }
    close(): void {}
  }
  const a = env.fromSource(new CollectionSource([10, 20, 30]), punctuated<number>((x) => x), 'a');
  // Input 2 starts only once input 1 has ended: input 1's watermarks alone move nothing.
  const b = env.fromSource(new GatedSource([15, 25], () => input1Ended), punctuated<number>((x) => x), 'b');
  await a
    .connect(b)
    .transform<string>('Recorder', (_ctx, out) => new Recorder(out))
    .executeAndCollect();
  t.deepEqual(log, ['1:10@10', '1:20@20', '1:30@30', 'end1', '2:15@15', 'wm:15', '2:25@25', 'wm:25', 'wm:Infinity', 'end2']);
});

for (const p of [1, 4]) {
  test(`an idle input does not hold back timers of a keyed two-input operator (p=${p})`, async (t) => {
    const env = create(p);
    type E = { k: string; ts: number };
    let fired = 0;
    let checks = 0;
    let gatedSeen = 0;
    class Fn extends KeyedCoProcessFunction<string, E, E, string> {
      processElement1(e: E, ctx: KeyedProcessContext<string>): void {
        ctx.timerService().registerEventTimeTimer(e.ts);
      }
      processElement2(e: E): void {
        if (e.ts === 1) gatedSeen++;
      }
      override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        fired++;
        out.collect(`${ctx.getCurrentKey()}@${ts} gated record seen: ${gatedSeen}`);
      }
    }
    const firsts: E[] = ['a', 'b', 'c'].map((k, i) => ({ k, ts: 100 + i }));
    // Input 2 marks itself idle after its first record (its generator calls markIdle) and holds its
    // second record until every timer fired. Were idleness ignored, input 2's watermark (-Infinity)
    // would hold the timers until the gate's fallback opened it, and they would see the record.
    const idleAfterEachRecord = WatermarkStrategy.forGenerator<E>(() => ({
      onEvent(_e, _ts, out) {
        out.markIdle();
      },
      onPeriodicEmit() {},
    })).withTimestampAssigner((e) => e.ts);
    const second = new GatedSource<E>(
      [
        { k: 'z', ts: 0 },
        { k: 'a', ts: 1 },
      ],
      () => fired === firsts.length || ++checks > 20_000,
      1,
    );
    const out = await env
      .fromSource(new CollectionSource(firsts), punctuated<E>((e) => e.ts), 'first')
      .keyBy((e) => e.k)
      .connect(env.fromSource(second, idleAfterEachRecord, 'second').keyBy((e) => e.k))
      .process(new Fn())
      .executeAndCollect();
    t.deepEqual(out.sort(), firsts.map((e) => `${e.k}@${e.ts} gated record seen: 0`).sort());
  });
}
