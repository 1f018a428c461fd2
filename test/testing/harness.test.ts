/**
 * The operator test harness used as a user would (`weir` + `weir/testing`): user functions driven
 * with records, watermarks and processing-time advances, every expectation written out by hand.
 */
import test from 'ava';
import {
  KeyedProcessFunction,
  OutputTag,
  ProcessFunction,
  RichMapFunction,
  UserFunctionError,
  ValueStateDescriptor,
  assignKeyToParallelOperator,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessContext,
  type TimerHandle,
  type ValueState,
} from 'weir';
import { OperatorTestHarness, type OperatorContext, type Output, type StreamOperator } from 'weir/testing';
import { container, injectable } from 'tsyringe';

const wm = (timestamp: number) => ({ kind: 'watermark', timestamp }) as const;
const rec = <T>(value: T, timestamp: number | null) => ({ kind: 'record', value, timestamp }) as const;

// ---------------------------------------------------------------------------------------------
// Stateless functions

test('map: one output per record, with the input timestamp (or none)', async (t) => {
  const h = OperatorTestHarness.forMap((x: number) => x * 10);
  await h.open();
  await h.processElement(1, 100);
  await h.processElement(2);
  await h.processElement(3, 300);
  t.deepEqual(h.extractOutput(), [rec(10, 100), rec(20, null), rec(30, 300)]);
  t.deepEqual(h.extractOutputValues(), [10, 20, 30]);
  await h.close();
});

test('map: a rich function class is opened with its runtime context and closed', async (t) => {
  const events: string[] = [];
  class Label extends RichMapFunction<string, string> {
    private prefix = '';
    override open(): void {
      const c = this.getRuntimeContext();
      this.prefix = `${c.getJobName()}#${c.getIndexOfThisSubtask()}/${c.getNumberOfParallelSubtasks()}`;
      events.push('open');
    }
    map(v: string): string {
      return `${this.prefix}:${v}`;
    }
    override close(): void {
      events.push('close');
    }
  }
  const h = OperatorTestHarness.forMap(Label, { parallelism: 4, subtaskIndex: 2, jobName: 'rides' });
  await h.open();
  await h.processElement('a');
  await h.endInput();
  await h.close();
  await h.close(); // a second close does nothing
  t.deepEqual(h.extractOutputValues(), ['rides#2/4:a']);
  t.deepEqual(events, ['open', 'close']);
});

test('map: user function classes are created through the tsyringe container', async (t) => {
  class Rates {
    factor = 1;
  }
  @injectable()
  class Convert {
    constructor(private readonly rates: Rates) {}
    map(x: number): number {
      return x * this.rates.factor;
    }
  }
  const parent = container.createChildContainer();
  parent.register(Rates, { useValue: { factor: 3 } });
  const h = OperatorTestHarness.forMap(Convert, { container: parent });
  await h.open();
  await h.processElement(7);
  t.deepEqual(h.extractOutputValues(), [21]);
  await h.close();
});

test('filter drops records but forwards every watermark', async (t) => {
  const h = OperatorTestHarness.forFilter((x: number) => x % 2 === 0);
  await h.open();
  await h.processElement(1, 1);
  await h.processElement(2, 2);
  await h.processWatermark(2);
  await h.processElement(3, 3);
  await h.processWatermark(3);
  t.deepEqual(h.extractOutput(), [rec(2, 2), wm(2), wm(3)]);
  await h.close();
});

test('flatMap: zero or more outputs per record, via the collector or a returned iterable, sync or async', async (t) => {
  const words = OperatorTestHarness.forFlatMap((line: string, out: Collector<string>) => {
    for (const w of line.split(' ')) if (w !== '') out.collect(w);
  });
  await words.open();
  await words.processElement('to be or', 10);
  await words.processElement('', 20);
  await words.processElement('not', 30);
  t.deepEqual(words.extractOutput(), [rec('to', 10), rec('be', 10), rec('or', 10), rec('not', 30)]);
  await words.close();

  const twice = OperatorTestHarness.forFlatMap(async (n: number) => {
    await Promise.resolve();
    return [n, -n];
  });
  await twice.open();
  await twice.processElement(1, 1);
  await twice.processElement(2, 2);
  t.deepEqual(twice.extractOutput(), [rec(1, 1), rec(-1, 1), rec(2, 2), rec(-2, 2)]);
  await twice.close();
});

test('flatMap with a side output: long words go to the side, watermarks stay on the main output', async (t) => {
  // As in Flink, a FlatMapFunction has no context to reach side outputs: the flat map is written
  // as a ProcessFunction, which does.
  const longWords = new OutputTag<string>('long-words');
  class SplitWords extends ProcessFunction<string, string> {
    processElement(line: string, ctx: ProcessContext, out: Collector<string>): void {
      for (const w of line.split(' ')) {
        if (w === '') continue;
        if (w.length > 5) ctx.output(longWords, w);
        else out.collect(w);
      }
    }
  }
  const h = OperatorTestHarness.forProcess(new SplitWords());
  await h.open();
  await h.processElement('the quick brownish fox', 5);
  await h.processWatermark(5);
  await h.processElement('jumped over', 7);
  t.deepEqual(h.extractOutput(), [rec('the', 5), rec('quick', 5), rec('fox', 5), wm(5), rec('over', 7)]);
  t.deepEqual(h.getSideOutput(longWords), [rec('brownish', 5), rec('jumped', 7)]);
  t.deepEqual(h.getSideOutput(new OutputTag<string>('other')), []);
  await h.close();
});

test('watermarks are forwarded in order with the records around them', async (t) => {
  const h = OperatorTestHarness.forMap((x: number) => `v${x}`);
  await h.open();
  t.is(h.getCurrentWatermark(), Number.NEGATIVE_INFINITY);
  await h.processElement(1, 1);
  await h.processWatermark(1);
  await h.processElement(2, 2);
  await h.processElement(3, 3);
  await h.processWatermark(3);
  await h.processWatermark(Infinity);
  t.deepEqual(h.extractOutput(), [rec('v1', 1), wm(1), rec('v2', 2), rec('v3', 3), wm(3), wm(Infinity)]);
  t.deepEqual(h.extractOutputRecords(), [rec('v1', 1), rec('v2', 2), rec('v3', 3)]);
  t.is(h.getCurrentWatermark(), Infinity);
  h.clearOutput();
  t.deepEqual(h.extractOutput(), []);
  await h.close();
});

// ---------------------------------------------------------------------------------------------
// Keyed state and timers

interface Click {
  user: string;
  action: 'click' | 'cancel';
}

/**
 * Counts a user's clicks and reports the count once event time passes the end of the 10 ms
 * bucket of the click (bucket end = ts - ts % 10 + 10); a 'cancel' drops the pending report of its
 * bucket and the count.
 */
class ClickCounter extends KeyedProcessFunction<string, Click, string> {
  private count!: ValueState<number>;

  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }

  processElement(click: Click, ctx: KeyedProcessContext<string>): void {
    const ts = ctx.timestamp()!;
    const bucketEnd = ts - (ts % 10) + 10;
    if (click.action === 'cancel') {
      ctx.timerService().deleteEventTimeTimer(bucketEnd);
      this.count.clear();
      return;
    }
    this.count.update((this.count.value() ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(bucketEnd);
  }

  override onTimer(_ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}:${this.count.value()}:${ctx.timeDomain()}`);
    this.count.clear();
  }
}

test('KeyedProcessFunction: event-time timers fire at the watermark in timestamp order, deduplicated, deletable', async (t) => {
  const h = OperatorTestHarness.forKeyedProcess(new ClickCounter(), (c: Click) => c.user);
  await h.open();
  await h.processElement({ user: 'c', action: 'click' }, 25); // c=1, timer c@30
  await h.processElement({ user: 'a', action: 'click' }, 1); // a=1, timer a@10
  await h.processElement({ user: 'a', action: 'click' }, 5); // a=2, timer a@10 again: deduplicated
  await h.processElement({ user: 'd', action: 'click' }, 7); // d=1, timer d@10
  await h.processElement({ user: 'd', action: 'cancel' }, 8); // timer d@10 deleted, d cleared
  await h.processElement({ user: 'b', action: 'click' }, 9); // b=1, timer b@10
  t.is(h.numKeyedStateEntries(), 3); // a, b, c
  t.is(h.numEventTimeTimers(), 3); // a@10, b@10, c@30
  t.deepEqual(h.extractOutput(), []);

  await h.processWatermark(9); // nothing due: a timer at 10 needs watermark ≥ 10
  await h.processWatermark(10); // a@10 and b@10, in registration order; d's was deleted
  t.is(h.numKeyedStateEntries(), 1); // c
  await h.processElement({ user: 'b', action: 'click' }, 15); // b=1, timer b@20
  await h.processWatermark(30); // b@20 before c@30, although c's timer was registered first

  t.deepEqual(h.extractOutput(), [
    wm(9),
    rec('a:2:EVENT_TIME', 10),
    rec('b:1:EVENT_TIME', 10),
    wm(10),
    rec('b:1:EVENT_TIME', 20),
    rec('c:1:EVENT_TIME', 30),
    wm(30),
  ]);
  t.is(h.numKeyedStateEntries(), 0);
  t.is(h.numEventTimeTimers(), 0);
  await h.close();
});

/** Emits a user's latest value 100 ms of processing time after their first one, then forgets the user. */
class Debounce extends KeyedProcessFunction<string, { user: string; v: number }, string> {
  private last!: ValueState<number>;

  override open(): void {
    this.last = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last'));
  }

  processElement(e: { user: string; v: number }, ctx: KeyedProcessContext<string>): void {
    if (this.last.value() === null) ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
    this.last.update(e.v);
  }

  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}=${this.last.value()} timer ${ts} now ${ctx.timerService().currentProcessingTime()} ${ctx.timeDomain()}`);
    this.last.clear();
  }
}

test('KeyedProcessFunction: processing-time timers fire on setProcessingTime, in time order, without timestamps', async (t) => {
  const h = OperatorTestHarness.forKeyedProcess(new Debounce(), (e: { user: string; v: number }) => e.user);
  await h.open();
  await h.processElement({ user: 'x', v: 1 }, 5); // t=0: timer x@100
  await h.setProcessingTime(50);
  t.deepEqual(h.extractOutput(), []);
  await h.processElement({ user: 'y', v: 2 }, 6); // t=50: timer y@150
  await h.processElement({ user: 'x', v: 3 }, 7); // x already pending: only the value changes
  t.is(h.numProcessingTimeTimers(), 2);
  await h.setProcessingTime(120); // x@100
  await h.processElement({ user: 'x', v: 4 }, 8); // t=120: timer x@220
  await h.setProcessingTime(500); // y@150, then x@220
  t.deepEqual(h.extractOutput(), [
    rec('x=3 timer 100 now 100 PROCESSING_TIME', null),
    rec('y=2 timer 150 now 150 PROCESSING_TIME', null),
    rec('x=4 timer 220 now 220 PROCESSING_TIME', null),
  ]);
  t.is(h.getProcessingTime(), 500);
  t.is(h.numProcessingTimeTimers(), 0);
  t.is(h.numKeyedStateEntries(), 0);
  await h.close();
});

test('KeyedProcessFunction: timers registered while firing fire in the same advance, each at its own time; async onTimer is awaited', async (t) => {
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
  const h = OperatorTestHarness.forKeyedProcess(Ticker, (v: string) => v, { initialProcessingTime: 1000 });
  await h.open();
  await h.processElement('k'); // timer k@1100
  await h.setProcessingTime(1150);
  await h.processElement('j'); // timer j@1250
  await h.setProcessingTime(5000);
  t.deepEqual(h.extractOutputValues(), ['k tick 1 at 1100', 'k tick 2 at 1200', 'j tick 1 at 1250', 'k tick 3 at 1300', 'j tick 2 at 1350', 'j tick 3 at 1450']);
  t.is(h.numProcessingTimeTimers(), 0);
  await h.close();
});

test('keyed reduce: the rolling reduction of the record\'s key after every record', async (t) => {
  interface Sale {
    shop: string;
    amount: number;
  }
  const h = OperatorTestHarness.forReduce((a: Sale, b: Sale) => ({ shop: a.shop, amount: a.amount + b.amount }), (s) => s.shop);
  await h.open();
  await h.processElement({ shop: 'a', amount: 5 }, 1);
  await h.processElement({ shop: 'b', amount: 1 }, 2);
  await h.processElement({ shop: 'a', amount: 3 }, 3);
  await h.processElement({ shop: 'a', amount: -2 }, 4);
  await h.processWatermark(4);
  await h.processElement({ shop: 'b', amount: 10 }, 5);
  t.deepEqual(h.extractOutput(), [
    rec({ shop: 'a', amount: 5 }, 1),
    rec({ shop: 'b', amount: 1 }, 2),
    rec({ shop: 'a', amount: 8 }, 3),
    rec({ shop: 'a', amount: 6 }, 4),
    wm(4),
    rec({ shop: 'b', amount: 11 }, 5),
  ]);
  t.is(h.numKeyedStateEntries(), 2);
  await h.close();
});

test('a keyed harness for subtask i accepts only keys of its key groups', async (t) => {
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
  const mine = keys.find((k) => assignKeyToParallelOperator(k, 128, 2) === 1)!;
  const other = keys.find((k) => assignKeyToParallelOperator(k, 128, 2) === 0)!;
  const h = OperatorTestHarness.forReduce((a: string, b: string) => a + b, (s) => s, { parallelism: 2, subtaskIndex: 1 });
  await h.open();
  await h.processElement(mine);
  await t.throwsAsync(h.processElement(other), { code: 'WEIR_ERR_CONFIG', message: /does not own \(key groups 64\.\.127 of 128\)/ });
  t.deepEqual(h.extractOutputValues(), [mine]);
  await h.close();
});

// ---------------------------------------------------------------------------------------------
// A custom operator with processing-time callbacks (as a window operator would use the harness)

/** Buffers records and emits them as one array every `interval` ms of processing time, and at end of input. */
class BatchingOperator<T> implements StreamOperator<T> {
  private buffer: T[] = [];
  private handle: TimerHandle | undefined;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<T[]>,
    private readonly interval: number,
  ) {}

  open(): void {
    this.schedule();
  }

  processElement(value: T): void {
    this.buffer.push(value);
  }

  endInput(): void | Promise<void> {
    this.handle?.cancel();
    return this.flush();
  }

  close(): void {
    this.handle?.cancel();
  }

  private schedule(): void {
    this.handle = this.ctx.registerProcessingTimeCallback(this.ctx.clock.now() + this.interval, async () => {
      await Promise.resolve();
      await this.flush();
      this.schedule();
    });
  }

  private flush(): void | Promise<void> {
    if (this.buffer.length === 0) return undefined;
    const batch = this.buffer;
    this.buffer = [];
    return this.out.collect(batch, Number.NEGATIVE_INFINITY);
  }
}

test('forOperator: processing-time callbacks run on setProcessingTime, step by step; watermarks pass through an operator without processWatermark', async (t) => {
  const h = OperatorTestHarness.forOperator<number, number[]>((ctx, out) => new BatchingOperator(ctx, out, 100), { operatorName: 'batch' });
  t.is(h.getOperatorContext().operatorName, 'batch');
  await h.open(); // callback at 100
  await h.processElement(1, 1);
  await h.processElement(2, 2);
  await h.setProcessingTime(100); // [1, 2]; next callback at 200
  await h.processElement(3, 3);
  await h.processWatermark(7); // forwarded at once, before the batch holding 3
  await h.setProcessingTime(350); // 200: [3]; 300: empty; next callback at 400
  await h.processElement(4, 4);
  await h.endInput(); // [4]
  await h.setProcessingTime(1000); // the callback was cancelled: nothing
  t.deepEqual(h.extractOutput(), [rec([1, 2], null), wm(7), rec([3], null), rec([4], null)]);
  await h.close();
});

// ---------------------------------------------------------------------------------------------
// Failures and misuse

test('a throwing user function surfaces as UserFunctionError with operator name and record', async (t) => {
  const boom = new Error('boom');
  const h = OperatorTestHarness.forMap((r: { id: number }) => {
    if (r.id === 3) throw boom;
    return r.id;
  });
  await h.open();
  await h.processElement({ id: 1 });
  const err = await t.throwsAsync(h.processElement({ id: 3 }), { instanceOf: UserFunctionError, code: 'WEIR_ERR_USER_FUNCTION' });
  t.is(err?.message, 'operator \'Map\' (subtask 0) failed on record {"id":3}: boom');
  t.is(err?.operatorName, 'Map');
  t.is(err?.subtaskIndex, 0);
  t.deepEqual(err?.record, { id: 3 });
  t.is(err?.cause, boom);
  t.deepEqual(h.extractOutputValues(), [1]);
  await h.close();
});

test('a rejected async user function, a throwing key selector and a throwing onTimer also surface as UserFunctionError', async (t) => {
  const filter = OperatorTestHarness.forFilter(
    async (x: number) => {
      await Promise.resolve();
      if (x < 0) throw new Error('negative');
      return true;
    },
    { operatorName: 'non-negative', subtaskIndex: 1, parallelism: 2 },
  );
  await filter.open();
  await t.throwsAsync(filter.processElement(-1), { instanceOf: UserFunctionError, code: 'WEIR_ERR_USER_FUNCTION', message: "operator 'non-negative' (subtask 1) failed on record -1: negative" });
  await filter.close();

  const keyed = OperatorTestHarness.forReduce(
    (a: number, b: number) => a + b,
    (x) => {
      if (x === 0) throw new Error('no key for 0');
      return x % 2;
    },
  );
  await keyed.open();
  await t.throwsAsync(keyed.processElement(0), { instanceOf: UserFunctionError, message: "operator 'Keyed Reduce' (subtask 0) failed on record 0: no key for 0" });
  await keyed.close();

  class FailingTimer extends KeyedProcessFunction<string, string, string> {
    processElement(_v: string, ctx: KeyedProcessContext<string>): void {
      ctx.timerService().registerEventTimeTimer(10);
    }
    override onTimer(): void {
      throw new Error('timer failed');
    }
  }
  const timers = OperatorTestHarness.forKeyedProcess(new FailingTimer(), (v: string) => v);
  await timers.open();
  await timers.processElement('k', 1);
  const err = await t.throwsAsync(timers.processWatermark(10), { instanceOf: UserFunctionError, code: 'WEIR_ERR_USER_FUNCTION' });
  t.deepEqual(err?.record, { timer: 10, key: 'k' });
  t.is(err?.operatorName, 'KeyedProcess');
  await timers.close();
});

test('the harness enforces the operator lifecycle and one call at a time', async (t) => {
  const h = OperatorTestHarness.forMap((x: number) => x);
  await t.throwsAsync(h.processElement(1), { code: 'WEIR_ERR_CONFIG', message: /processElement\(\) is not allowed when the harness is created/ });
  await h.open();
  await t.throwsAsync(h.open(), { code: 'WEIR_ERR_CONFIG' });
  t.throws(() => h.numKeyedStateEntries(), { code: 'WEIR_ERR_CONFIG', message: /needs a keyed harness/ });
  await h.setProcessingTime(10);
  await t.throwsAsync(h.setProcessingTime(5), { code: 'WEIR_ERR_CONFIG', message: /cannot go backwards/ });

  const slow = OperatorTestHarness.forMap(async (x: number) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return x;
  });
  await slow.open();
  const first = slow.processElement(1);
  await t.throwsAsync(slow.processElement(2), { code: 'WEIR_ERR_CONFIG', message: /still running; await each harness call/ });
  await first;
  t.deepEqual(slow.extractOutputValues(), [1]);
  await slow.close();

  await h.endInput();
  t.is(h.getLifecycle(), 'input-ended');
  await t.throwsAsync(h.processElement(2), { code: 'WEIR_ERR_CONFIG' });
  await h.close();
  t.is(h.getLifecycle(), 'closed');
  await t.throwsAsync(h.setProcessingTime(20), { code: 'WEIR_ERR_CONFIG' });
});

test('timers on a non-keyed harness are a configuration error', async (t) => {
  class NeedsTimers extends ProcessFunction<number, number> {
    processElement(_v: number, ctx: ProcessContext): void {
      (ctx as KeyedProcessContext<unknown>).timerService().registerEventTimeTimer(1);
    }
  }
  const h = OperatorTestHarness.forProcess(new NeedsTimers());
  await h.open();
  const err = await t.throwsAsync(h.processElement(1), { instanceOf: UserFunctionError });
  t.is((err?.cause as { code?: string } | undefined)?.code, 'WEIR_ERR_CONFIG');
  await h.close();
});
