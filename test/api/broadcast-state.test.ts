import 'reflect-metadata';
import test from 'ava';
import {
  BroadcastProcessFunction,
  CollectionSource,
  ConfigurationError,
  JobExecutionError,
  KeyedBroadcastProcessFunction,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  StreamExecutionEnvironment,
  type BroadcastContext,
  type BroadcastReadOnlyContext,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
} from '../../lib/index.js';
import { keyToMapKey, mapKeyToKey } from '../../lib/state/key-hash.js';
import { GatedSource, canon, punctuated } from '../helpers/two-inputs.js';

const create = (parallelism: number) => StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });

interface Rule {
  category: string;
  threshold: number;
}
interface Event {
  id: number;
  user: string;
  category: string;
  amount: number;
  ts: number;
}

const thresholds = new MapStateDescriptor<string, number>('thresholds');
const pendingDescriptor = new ListStateDescriptor<Event>('pending');

// One rule per category c0..c4; category c5 never gets a rule.
const rules: Rule[] = [0, 1, 2, 3, 4].map((c) => ({ category: `c${c}`, threshold: 10 * c + 5 }));
const events: Event[] = Array.from({ length: 400 }, (_, i) => ({
  id: i,
  user: `u${(i * 7) % 23}`,
  category: `c${i % 6}`,
  amount: (i * 13) % 60,
  ts: i + 1,
}));

/** Events matched by the rules: computed with plain loops. */
function expectedMatches(format: (e: Event) => string): string[] {
  const out: string[] = [];
  for (const e of events) {
    const rule = rules.find((r) => r.category === e.category);
    if (rule !== undefined && e.amount >= rule.threshold) out.push(format(e));
  }
  return out;
}

/**
 * Applies each category's rule once, whichever arrives first: an event without its rule waits in
 * keyed state; a new rule is applied to the waiting events of every key with `applyToKeyedState`.
 * The result does not depend on the order of the two inputs.
 */
class ApplyRules extends KeyedBroadcastProcessFunction<string, Event, Rule, string> {
  processElement(e: Event, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<string>): void {
    const threshold = ctx.getBroadcastState(thresholds).get(e.category);
    if (threshold === undefined) this.getRuntimeContext().getListState(pendingDescriptor).add(e);
    else if (e.amount >= threshold) out.collect(`${ctx.getCurrentKey()}/${e.id}`);
  }
  processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<string>, out: Collector<string>): void {
    ctx.getBroadcastState(thresholds).put(rule.category, rule.threshold);
    ctx.applyToKeyedState(pendingDescriptor, (user, pending) => {
      const keep: Event[] = [];
      for (const e of pending.get()) {
        if (e.category !== rule.category) keep.push(e);
        else if (e.amount >= rule.threshold) out.collect(`${user}/${e.id}`);
      }
      pending.update(keep);
    });
  }
}

for (const p of [1, 4]) {
  for (const order of ['any', 'rules first', 'rules last'] as const) {
    test(`rules applied to a keyed stream, whichever input comes first (${order}, p=${p})`, async (t) => {
      const env = create(p);
      let rulesSeen = 0;
      let eventsSeen = 0;
      class Counting extends ApplyRules {
        override processElement(e: Event, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<string>): void {
          eventsSeen++;
          super.processElement(e, ctx, out);
        }
        override processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<string>, out: Collector<string>): void {
          rulesSeen++;
          super.processBroadcastElement(rule, ctx, out);
        }
      }
      // Every subtask gets every rule, so "all rules seen" is rules × parallelism calls.
      const eventSource = order === 'rules first' ? new GatedSource(events, () => rulesSeen === rules.length * p) : new CollectionSource(events);
      const ruleSource = order === 'rules last' ? new GatedSource(rules, () => eventsSeen === events.length) : new CollectionSource(rules);
      const out = await env
        .fromSource(eventSource, 'events')
        .keyBy((e) => e.user)
        .connect(env.fromSource(ruleSource, 'rules').broadcast(thresholds))
        .process(new Counting())
        .executeAndCollect();
      t.deepEqual(canon(out), canon(expectedMatches((e) => `${e.user}/${e.id}`)));
      t.is(rulesSeen, rules.length * p, 'the broadcast partitioner sends every rule to every subtask');
    });
  }

  test(`elements gated by event time read every earlier rule in onTimer (p=${p})`, async (t) => {
    const env = create(p);
    class OnTimerRules extends KeyedBroadcastProcessFunction<string, Event, Rule, string> {
      processElement(e: Event, ctx: KeyedBroadcastReadOnlyContext<string>): void {
        this.getRuntimeContext().getListState(pendingDescriptor).add(e);
        ctx.timerService().registerEventTimeTimer(e.ts);
      }
      processBroadcastElement(rule: Rule, ctx: BroadcastContext): void {
        ctx.getBroadcastState(thresholds).put(rule.category, rule.threshold);
      }
      override onTimer(ts: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
        // The rules (all at t=0) hold the watermark at 0 until their input ends: every rule is here.
        const state = ctx.getBroadcastState(thresholds);
        const pending = this.getRuntimeContext().getListState(pendingDescriptor);
        const keep: Event[] = [];
        for (const e of pending.get()) {
          if (e.ts > ts) keep.push(e);
          else if (e.amount >= (state.get(e.category) ?? Infinity)) out.collect(`${ctx.getCurrentKey()}/${e.id}@${ctx.timestamp()}`);
        }
        pending.update(keep);
      }
    }
    const out = await env
      .fromSource(new CollectionSource(events), punctuated<Event>((e) => e.ts), 'events')
      .keyBy((e) => e.user)
      .connect(env.fromSource(new CollectionSource(rules), punctuated<Rule>(() => 0), 'rules').broadcast(thresholds))
      .process(new OnTimerRules())
      .executeAndCollect();
    t.deepEqual(canon(out), canon(expectedMatches((e) => `${e.user}/${e.id}@${e.ts}`)));
  });

  test(`a non-keyed stream connected to a broadcast stream: every subtask keeps its own copy (p=${p})`, async (t) => {
    const env = create(p);
    const allowed = new MapStateDescriptor<string, boolean>('allowed');
    const words = Array.from({ length: 200 }, (_, i) => `w${(i * 11) % 37}`);
    const allowList = Array.from({ length: 10 }, (_, i) => `w${i * 3}`);
    let broadcastCalls = 0;
    class Filter extends BroadcastProcessFunction<string, string, string> {
      processElement(w: string, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
        if (ctx.getBroadcastState(allowed).contains(w)) out.collect(w);
      }
      processBroadcastElement(w: string, ctx: BroadcastContext, out: Collector<string>): void {
        broadcastCalls++;
        ctx.getBroadcastState(allowed).put(w, true);
        if (ctx.getBroadcastState(allowed).size() === allowList.length) out.collect(`subtask ${this.getRuntimeContext().getIndexOfThisSubtask()} has all`);
      }
    }
    const out = await env
      .fromSource(new GatedSource(words, () => broadcastCalls === allowList.length * p), 'words')
      .rebalance()
      .connect(env.fromCollection(allowList).broadcast(allowed))
      .process(new Filter())
      .executeAndCollect();
    const expected: string[] = words.filter((w) => allowList.includes(w));
    for (let i = 0; i < p; i++) expected.push(`subtask ${i} has all`);
    t.deepEqual(canon(out), canon(expected));
  });
}

test('the broadcast side is input 2 with the broadcast partitioner', (t) => {
  const env = create(3);
  env
    .fromSequence(0, 9)
    .keyBy((x) => x % 2)
    .connect(env.fromElements<Rule>({ category: 'c', threshold: 1 }).broadcast(thresholds))
    .process({ processElement() {}, processBroadcastElement() {} })
    .print();
  const v = env.getJobGraph().vertices.find((x) => x.name.startsWith('Co-Process-Broadcast-Keyed'))!;
  t.deepEqual(
    v.inputs.map((e) => [e.inputIndex, e.partition.kind]),
    [
      [1, 'hash'],
      [2, 'broadcast'],
    ],
  );
});

test('function kinds must match the connected stream (as Flink)', (t) => {
  const env = create(1);
  class NonKeyed extends BroadcastProcessFunction<number, Rule, number> {
    processElement(): void {}
    processBroadcastElement(): void {}
  }
  class Keyed extends KeyedBroadcastProcessFunction<number, number, Rule, number> {
    processElement(): void {}
    processBroadcastElement(): void {}
  }
  const rulesStream = env.fromElements<Rule>().broadcast(thresholds);
  t.throws(() => env.fromElements(1).keyBy((x) => x).connect(rulesStream).process(new NonKeyed()), { instanceOf: ConfigurationError, message: /non-keyed stream/ });
  t.throws(() => env.fromElements(1).connect(rulesStream).process(Keyed), { instanceOf: ConfigurationError, message: /only be used on a keyed stream/ });
});

test('reading a broadcast state that was not given to broadcast(...) fails the job', async (t) => {
  const env = create(1);
  const other = new MapStateDescriptor<string, number>('other');
  const err = await t.throwsAsync(
    env
      .fromElements(1)
      .connect(env.fromElements<Rule>({ category: 'c', threshold: 1 }).broadcast(thresholds))
      .process({
        processElement(_x: number, ctx: BroadcastReadOnlyContext) {
          ctx.getBroadcastState(other);
        },
        processBroadcastElement() {},
      })
      .executeAndCollect(),
    { instanceOf: JobExecutionError },
  );
  t.regex(String((err?.cause as Error | undefined)?.message), /The requested broadcast state 'other' does not exist/);
});

test('applyToKeyedState hands back keys as they were: strings, numbers, bigints, booleans, tuples', (t) => {
  const keys: unknown[] = ['a', '', '\u0000x', 42, -0.5, 1e21, NaN, 7n, true, false, ['a', 1, [2n, 'b:c', null]], [], [[]]];
  for (const k of keys) t.deepEqual(mapKeyToKey(keyToMapKey(k)), k, JSON.stringify(k, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
});
