import 'reflect-metadata';
import test from 'ava';
import { injectable } from 'tsyringe';
import {
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  OutputTag,
  ProcessFunction,
  RichMapFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedStream,
  type KeyedProcessContext,
  type ListState,
  type MapState,
  type ProcessContext,
  type ValueState,
} from '../../lib/index.js';
import { turns } from '../helpers/async-probe.js';
import { RecordingSink } from '../helpers/recording-sink.js';

// ---- Helpers ----

/** Builds a pipeline on a fresh environment with default parallelism `p` and collects its output. */
function runAt<T>(p: number, build: (env: StreamExecutionEnvironment) => DataStream<T>): Promise<T[]> {
  return build(StreamExecutionEnvironment.create({ parallelism: p })).executeAndCollect();
}

/** Order-insensitive canonical form (records from parallel subtasks interleave). */
const canon = (xs: readonly unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/** Groups values by a key, keeping each group's order. */
function groupBy<T>(xs: readonly T[], key: (x: T) => unknown): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = JSON.stringify(key(x));
    const l = m.get(k) ?? [];
    l.push(x);
    m.set(k, l);
  }
  return m;
}

const range = (from: number, to: number): number[] => {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
};

/** Tags each record with the index of the subtask that mapped it. */
class TagSubtask extends RichMapFunction<number, [number, number]> {
  map(x: number): [number, number] {
    return [this.getRuntimeContext().getIndexOfThisSubtask(), x];
  }
}

// ---- Stateless transformations ----

test('map / filter / flatMap (collector) give the same multiset at parallelism 1 and 4, equal to a plain loop', async (t) => {
  const expected: number[] = [];
  for (let x = 0; x <= 999; x++) {
    const m = x * 3;
    if (m % 2 !== 0) continue;
    expected.push(m);
    if (m % 4 === 0) expected.push(-m);
  }
  const build = (env: StreamExecutionEnvironment) =>
    env
      .fromSequence(0, 999)
      .map((x) => x * 3)
      .filter((x) => x % 2 === 0)
      .flatMap((x: number, out: Collector<number>) => {
        out.collect(x);
        if (x % 4 === 0) out.collect(-x);
      });
  const p1 = await runAt(1, build);
  const p4 = await runAt(4, build);
  t.deepEqual(p1, expected, 'parallelism 1 keeps order');
  t.deepEqual(canon(p4), canon(expected));
});

test('flatMap may return an iterable, sync or async; functions may be objects with the method', async (t) => {
  const words = ['a b', 'c', '', 'd e f'];
  const expected: string[] = [];
  for (const w of words) for (const part of w.split(' ')) if (part) expected.push(part.toUpperCase());
  for (const p of [1, 4]) {
    const sync = await runAt(p, (env) =>
      env
        .fromCollection(words)
        .flatMap((w: string) => w.split(' ').filter(Boolean))
        .map({ map: (s: string) => s.toUpperCase() }),
    );
    t.deepEqual(canon(sync), canon(expected));
    const asyncOut = await runAt(p, (env) =>
      env
        .fromCollection(words)
        .flatMap(async (w: string) => {
          await turns(w.length % 2);
          return w.split(' ').filter(Boolean);
        })
        .filter({ filter: async (s: string) => s.length > 0 })
        .map((s) => s.toUpperCase()),
    );
    t.deepEqual(canon(asyncOut), canon(expected));
  }
});

test('union merges streams (no dedup): multiset equals the concatenation', async (t) => {
  const a = [1, 2, 3, 3];
  const expected = [...a, ...range(10, 20), ...a.map((x) => x * 100)];
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) => {
      const s1 = env.fromCollection(a);
      const s2 = env.fromSequence(10, 20);
      const s3 = env.fromCollection(a).map((x) => x * 100);
      return s1.union(s2, s3);
    });
    t.deepEqual(canon(out), canon(expected), `p=${p}`);
  }
});

test('fromSequence at parallelism 3 covers exactly from..to, also with empty subtask slices', async (t) => {
  for (const [from, to] of [
    [5, 1004],
    [-10, 10],
    [0, 1],
    [7, 7],
  ] as const) {
    const out = await runAt(3, (env) => env.fromSequence(from, to));
    t.deepEqual(
      [...out].sort((x, y) => x - y),
      range(from, to),
      `${from}..${to}`,
    );
  }
});

test('executeAndCollect(limit) returns at most limit records', async (t) => {
  const out = await runAt(1, (env) => env.fromSequence(1, 50));
  t.is(out.length, 50);
  const limited = await StreamExecutionEnvironment.create().fromSequence(1, 50).executeAndCollect(7);
  t.deepEqual(limited, [1, 2, 3, 4, 5, 6, 7]);
});

// ---- Keyed reduce and aggregations ----

interface Rec {
  k: string;
  a: number;
  tag: string;
}

/** Records with repeated keys and ties in `a`. */
const records: Rec[] = Array.from({ length: 120 }, (_, i) => ({ k: `k${i % 7}`, a: (i * 7) % 5, tag: `t${i}` }));

/** Per key, the rolling outputs of `step` folded over the key's records in input order. */
function rolling<T>(xs: readonly T[], key: (x: T) => unknown, step: (acc: T, x: T) => T): Map<string, T[]> {
  const acc = new Map<string, T>();
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = JSON.stringify(key(x));
    const prev = acc.get(k);
    const next = prev === undefined ? x : step(prev, x);
    acc.set(k, next);
    const l = out.get(k) ?? [];
    l.push(next);
    out.set(k, l);
  }
  return out;
}

/** Sorted entries of a per-key map, for deepEqual. */
const entries = <T>(m: Map<string, T[]>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

test('keyBy + reduce emits the rolling reduction per key (per-key sequences equal a plain loop at p=1 and p=4)', async (t) => {
  const expected = rolling(records, (r) => r.k, (acc, r) => ({ k: acc.k, a: acc.a + r.a, tag: `${acc.tag}+${r.tag}` }));
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) =>
      env
        .fromCollection(records)
        .keyBy('k')
        .reduce((x, y) => ({ k: x.k, a: x.a + y.a, tag: `${x.tag}+${y.tag}` })),
    );
    t.is(out.length, records.length);
    t.deepEqual(entries(groupBy(out, (r) => r.k)), entries(expected), `p=${p}`);
  }
});

test('sum / min / max / minBy / maxBy on object fields follow Flink semantics', async (t) => {
  const key = (r: Rec) => r.k;
  const cases: [string, (s: KeyedStream<Rec, string>) => DataStream<Rec>, (acc: Rec, r: Rec) => Rec][] = [
    // sum: the key's first record with `a` replaced by the running sum.
    ['sum', (s) => s.sum('a'), (acc, r) => ({ ...acc, a: acc.a + r.a })],
    // min / max: the first record with `a` replaced by the running min / max (other fields stay the first record's).
    ['min', (s) => s.min('a'), (acc, r) => (r.a < acc.a ? { ...acc, a: r.a } : acc)],
    ['max', (s) => s.max('a'), (acc, r) => (r.a > acc.a ? { ...acc, a: r.a } : acc)],
    // minBy / maxBy: the whole record holding the min / max; ties keep the first.
    ['minBy', (s) => s.minBy('a'), (acc, r) => (r.a < acc.a ? r : acc)],
    ['maxBy', (s) => s.maxBy('a'), (acc, r) => (r.a > acc.a ? r : acc)],
    // first = false: ties take the latest.
    ['minBy(first=false)', (s) => s.minBy('a', false), (acc, r) => (r.a <= acc.a ? r : acc)],
    ['maxBy(first=false)', (s) => s.maxBy('a', false), (acc, r) => (r.a >= acc.a ? r : acc)],
  ];
  for (const [name, apply, step] of cases) {
    const expected = rolling(records, key, step);
    for (const p of [1, 4]) {
      const out = await runAt(p, (env) => apply(env.fromCollection(records).keyBy((r) => r.k)));
      t.deepEqual(entries(groupBy(out, key)), entries(expected), `${name} p=${p}`);
    }
  }
});

test('sum / min / maxBy on array (tuple) records use field indices', async (t) => {
  type Tup = [string, number, string];
  const tuples: Tup[] = Array.from({ length: 60 }, (_, i) => [`g${i % 4}`, ((i * 11) % 9) - 4, `r${i}`]);
  const key = (r: Tup) => r[0];
  const cases: [string, (s: KeyedStream<Tup, string>) => DataStream<Tup>, (acc: Tup, r: Tup) => Tup][] = [
    ['sum(1)', (s) => s.sum(1), (acc, r) => [acc[0], acc[1] + r[1], acc[2]]],
    ['min(1)', (s) => s.min(1), (acc, r) => (r[1] < acc[1] ? [acc[0], r[1], acc[2]] : acc)],
    ['maxBy(1)', (s) => s.maxBy(1), (acc, r) => (r[1] > acc[1] ? r : acc)],
  ];
  for (const [name, apply, step] of cases) {
    const expected = rolling(tuples, key, step);
    for (const p of [1, 4]) {
      const out = await runAt(p, (env) => apply(env.fromCollection(tuples).keyBy((r) => r[0])));
      t.deepEqual(entries(groupBy(out, key)), entries(expected), `${name} p=${p}`);
    }
  }
});

test('sum() of a stream of plain numbers is the running sum per key', async (t) => {
  const xs = range(1, 50);
  const expected = rolling(xs, (x) => x % 3, (acc, x) => acc + x);
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) =>
      env
        .fromCollection(xs)
        .keyBy((x) => x % 3)
        .sum(),
    );
    // Key of a running sum is not recoverable from the value; compare the multisets.
    t.deepEqual(canon(out), canon([...expected.values()].flat()), `p=${p}`);
  }
});

// ---- Partitioning ----

test('rebalance: each upstream subtask round-robins over the 4 downstream subtasks, starting at its own index', async (t) => {
  const out = await runAt(4, (env) =>
    env
      .fromSequence(0, 999)
      .setParallelism(2)
      .rebalance()
      .map(TagSubtask),
  );
  // fromSequence(0, 999) at parallelism 2: subtask 0 emits 0..499, subtask 1 emits 500..999, in order.
  const expected: [number, number][] = [];
  for (let x = 0; x <= 999; x++) {
    const upstream = x < 500 ? 0 : 1;
    const offset = x - upstream * 500;
    expected.push([(upstream + offset) % 4, x]);
  }
  t.deepEqual(canon(out), canon(expected));
  const perSubtask = groupBy(out, (r) => r[0]);
  for (const [, rs] of perSubtask) t.is(rs.length, 250);
});

test('rescale: upstream 0 feeds subtasks 0,1 and upstream 1 feeds 2,3, round-robin', async (t) => {
  const out = await runAt(4, (env) =>
    env
      .fromSequence(0, 999)
      .setParallelism(2)
      .rescale()
      .map(TagSubtask),
  );
  const slices = [
    [0, 1],
    [2, 3],
  ];
  const expected: [number, number][] = [];
  for (let x = 0; x <= 999; x++) {
    const upstream = x < 500 ? 0 : 1;
    const offset = x - upstream * 500;
    expected.push([slices[upstream]![(upstream + offset) % 2]!, x]);
  }
  t.deepEqual(canon(out), canon(expected));
});

test('shuffle delivers every record exactly once, to every subtask', async (t) => {
  const out = await runAt(4, (env) =>
    env
      .fromSequence(0, 1999)
      .setParallelism(2)
      .shuffle()
      .map(TagSubtask),
  );
  t.deepEqual(
    out.map((r) => r[1]).sort((a, b) => a - b),
    range(0, 1999),
  );
  const used = new Set(out.map((r) => r[0]));
  t.deepEqual([...used].sort(), [0, 1, 2, 3]);
});

test('broadcast to parallelism 3 gives every record to every subtask (three times the records)', async (t) => {
  const out = await runAt(2, (env) =>
    env
      .fromSequence(0, 99)
      .setParallelism(2)
      .broadcast()
      .map(TagSubtask)
      .setParallelism(3),
  );
  const expected: [number, number][] = [];
  for (let s = 0; s < 3; s++) for (let x = 0; x <= 99; x++) expected.push([s, x]);
  t.is(out.length, 300);
  t.deepEqual(canon(out), canon(expected));
});

test('global sends every record to subtask 0', async (t) => {
  const out = await runAt(3, (env) =>
    env
      .fromSequence(0, 299)
      .global()
      .map(TagSubtask),
  );
  t.deepEqual(canon(out), canon(range(0, 299).map((x) => [0, x])));
});

test('keyBy routes every key to the same subtask', async (t) => {
  const out = await runAt(4, (env) =>
    env
      .fromSequence(0, 999)
      .keyBy((x) => x % 10)
      .map(TagSubtask),
  );
  t.is(out.length, 1000);
  for (const [k, rs] of groupBy(out, (r) => r[1] % 10)) t.is(new Set(rs.map((r) => r[0])).size, 1, `key ${k}`);
});

// ---- Side outputs ----

test('side outputs from a ProcessFunction: ctx.output(tag, v) + getSideOutput(tag), also across a network edge', async (t) => {
  const odd = new OutputTag<string>('odd');
  const unused = new OutputTag<number>('unused');
  class Splitter extends ProcessFunction<number, number> {
    processElement(v: number, ctx: ProcessContext, out: Collector<number>): void {
      if (v % 2 === 1) ctx.output(odd, `odd:${v}`);
      else out.collect(v * 10);
      ctx.output(unused, v); // nobody consumes it: dropped
    }
  }
  const expectedMain: number[] = [];
  const expectedSide: string[] = [];
  for (let v = 0; v <= 199; v++) {
    if (v % 2 === 1) expectedSide.push(`ODD:${v}`);
    else expectedMain.push(v * 10);
  }
  for (const p of [1, 4]) {
    const env = StreamExecutionEnvironment.create({ parallelism: p });
    const sideSink = new RecordingSink<string>();
    const main = env.fromSequence(0, 199).process(new Splitter());
    main
      .getSideOutput(odd)
      .map((s) => s.toUpperCase())
      .setParallelism(2)
      .sinkTo(sideSink, 'Side');
    const mainOut = await main.executeAndCollect();
    t.deepEqual(canon(mainOut), canon(expectedMain), `main p=${p}`);
    t.deepEqual(canon(sideSink.records), canon(expectedSide), `side p=${p}`);
  }
});

// ---- Keyed state ----

interface Visit {
  user: string;
  page: string;
  n: number;
}

const visits: Visit[] = Array.from({ length: 200 }, (_, i) => ({ user: `u${(i * 7) % 9}`, page: `p${i % 4}`, n: i }));

test('ValueState in a RichMapFunction counts per key (equal to a plain loop)', async (t) => {
  class CountPerUser extends RichMapFunction<Visit, [string, number]> {
    private count!: ValueState<number>;
    override open(): void {
      this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
    }
    map(v: Visit): [string, number] {
      const c = (this.count.value() ?? 0) + 1;
      this.count.update(c);
      return [v.user, c];
    }
  }
  const expected: [string, number][] = [];
  const counts = new Map<string, number>();
  for (const v of visits) {
    const c = (counts.get(v.user) ?? 0) + 1;
    counts.set(v.user, c);
    expected.push([v.user, c]);
  }
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) => env.fromCollection(visits).keyBy('user').map(CountPerUser));
    t.deepEqual(entries(groupBy(out, (r) => r[0])), entries(groupBy(expected, (r) => r[0])), `p=${p}`);
  }
});

test('ListState in a KeyedProcessFunction keeps each key’s values in order', async (t) => {
  class History extends KeyedProcessFunction<string, Visit, [string, number[]]> {
    private seen!: ListState<number>;
    override open(): void {
      this.seen = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('seen'));
    }
    processElement(v: Visit, ctx: KeyedProcessContext<string>, out: Collector<[string, number[]]>): void {
      this.seen.add(v.n);
      out.collect([ctx.getCurrentKey(), this.seen.get()]);
    }
  }
  const lists = new Map<string, number[]>();
  const expected: [string, number[]][] = [];
  for (const v of visits) {
    const l = [...(lists.get(v.user) ?? []), v.n];
    lists.set(v.user, l);
    expected.push([v.user, l]);
  }
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) => env.fromCollection(visits).keyBy('user').process(History));
    t.deepEqual(entries(groupBy(out, (r) => r[0])), entries(groupBy(expected, (r) => r[0])), `p=${p}`);
  }
});

test('a list emitted from ListState.get() is a snapshot: later add() calls do not change it', async (t) => {
  // In-process records are passed by reference, so get() must not hand out the backing array.
  class Emit extends KeyedProcessFunction<string, string, number[]> {
    private seen!: ListState<number>;
    override open(): void {
      this.seen = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('seen'));
    }
    processElement(_v: string, _ctx: KeyedProcessContext<string>, out: Collector<number[]>): void {
      this.seen.add(this.seen.get().length + 1);
      out.collect(this.seen.get());
    }
  }
  const out = await runAt(1, (env) => env.fromCollection(['k', 'k', 'k']).keyBy((x) => x).process(Emit));
  t.deepEqual(out, [[1], [1, 2], [1, 2, 3]]);
});

test('MapState in a KeyedProcessFunction counts (key, page) pairs', async (t) => {
  class PageCounts extends KeyedProcessFunction<string, Visit, [string, string, number]> {
    private pages!: MapState<string, number>;
    override open(): void {
      this.pages = this.getRuntimeContext().getMapState(new MapStateDescriptor<string, number>('pages'));
    }
    processElement(v: Visit, ctx: KeyedProcessContext<string>, out: Collector<[string, string, number]>): void {
      const c = (this.pages.get(v.page) ?? 0) + 1;
      this.pages.put(v.page, c);
      out.collect([ctx.getCurrentKey(), v.page, c]);
    }
  }
  const expected: [string, string, number][] = [];
  const counts = new Map<string, number>();
  for (const v of visits) {
    const id = `${v.user}/${v.page}`;
    const c = (counts.get(id) ?? 0) + 1;
    counts.set(id, c);
    expected.push([v.user, v.page, c]);
  }
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) => env.fromCollection(visits).keyBy((v) => v.user).process(new PageCounts()));
    t.deepEqual(canon(out), canon(expected), `p=${p}`);
  }
});

test('composite array keys: records with equal [a, b] share state; 1 and "1" are different key parts', async (t) => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ a: i % 3 === 0 ? 1 : i % 3 === 1 ? '1' : 2, b: `x${i % 4}`, v: 1 }));
  const counts = new Map<string, number>();
  for (const r of rows) {
    const id = JSON.stringify([r.a, r.b]);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const p of [1, 4]) {
    const out = await runAt(p, (env) =>
      env
        .fromCollection(rows)
        .keyBy((r) => [r.a, r.b])
        .reduce((x, y) => ({ a: x.a, b: x.b, v: x.v + y.v })),
    );
    const finals = new Map<string, number>();
    for (const r of out) {
      const id = JSON.stringify([r.a, r.b]);
      finals.set(id, Math.max(finals.get(id) ?? 0, r.v));
    }
    t.deepEqual([...finals.entries()].sort(), [...counts.entries()].sort(), `p=${p}`);
    t.is(finals.size, 12);
  }
});

// ---- Async user functions ----

test('an async map with varying delays keeps order: at p=1 output order equals input order', async (t) => {
  const input = range(0, 299);
  const out = await runAt(1, (env) =>
    env.fromCollection(input).map(async (x) => {
      await turns(x % 4);
      return x * 2;
    }),
  );
  t.deepEqual(out, input.map((x) => x * 2));
});

test('an async map keeps per-subtask order at p=4', async (t) => {
  class AsyncTag extends RichMapFunction<number, [number, number]> {
    async map(x: number): Promise<[number, number]> {
      await turns((x * 7) % 3);
      return [this.getRuntimeContext().getIndexOfThisSubtask(), x];
    }
  }
  const out = await runAt(4, (env) => env.fromSequence(0, 399).map(AsyncTag));
  const perSubtask = groupBy(out, (r) => r[0]);
  t.is(perSubtask.size, 4);
  // fromSequence(0, 399) at parallelism 4: subtask i reads i*100 .. i*100+99 in order.
  for (let i = 0; i < 4; i++) {
    t.deepEqual(
      perSubtask.get(String(i))!.map((r) => r[1]),
      range(i * 100, i * 100 + 99),
      `subtask ${i}`,
    );
  }
});

test('an async keyed reduce keeps the rolling per-key sequence', async (t) => {
  const xs = range(0, 99);
  const expected = rolling(xs, (x) => x % 5, (acc, x) => acc + x);
  const out = await runAt(1, (env) =>
    env
      .fromCollection(xs)
      .keyBy((x) => x % 5)
      .reduce(async (a, b) => {
        await turns(b % 3);
        return a + b;
      }),
  );
  // At p=1 the collected order is the processing order: rebuild per-key sequences by replaying keys.
  const perKey = new Map<string, number[]>();
  xs.forEach((x, i) => {
    const k = JSON.stringify(x % 5);
    const l = perKey.get(k) ?? [];
    l.push(out[i]!);
    perKey.set(k, l);
  });
  t.deepEqual(entries(perKey), entries(expected));
});

// ---- Dependency injection ----

let scaleInstances = 0;

@injectable()
class Multiplier {
  factor = 3;
}

@injectable()
class ScaleBy {
  constructor(private readonly multiplier: Multiplier) {
    scaleInstances++;
  }
  map(x: number): number {
    return x * this.multiplier.factor;
  }
}

test.serial('a class operator gets its constructor dependencies injected (tsyringe), one instance per subtask', async (t) => {
  scaleInstances = 0;
  const out = await runAt(3, (env) => env.fromSequence(1, 30).map(ScaleBy));
  t.deepEqual(
    [...out].sort((a, b) => a - b),
    range(1, 30).map((x) => x * 3),
  );
  t.is(scaleInstances, 3);
});

test.serial('services registered in the job container are injected', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const custom = new Multiplier();
  custom.factor = 11;
  env.getContainer().registerInstance(Multiplier, custom);
  const out = await env.fromSequence(1, 20).map(ScaleBy).executeAndCollect();
  t.deepEqual(
    [...out].sort((a, b) => a - b),
    range(1, 20).map((x) => x * 11),
  );
});

// ---- Job result ----

test('JobExecutionResult.operators: records in / out per operator equal the expected counts', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const sink = new RecordingSink<number>();
  const input = range(0, 99);
  env
    .fromCollection(input, 'Nums')
    .filter((x) => x % 2 === 0)
    .flatMap((x: number, out: Collector<number>) => {
      out.collect(x);
      out.collect(x + 1);
    })
    .sinkTo(sink, 'Out');
  const result = await env.execute('counts');
  const evens = input.filter((x) => x % 2 === 0).length;
  t.is(result.jobName, 'counts');
  t.deepEqual(
    result.operators.map(({ name, parallelism, recordsIn, recordsOut }) => ({ name, parallelism, recordsIn, recordsOut })),
    [
      { name: 'Source: Nums', parallelism: 1, recordsIn: 0, recordsOut: input.length },
      { name: 'Filter', parallelism: 1, recordsIn: input.length, recordsOut: evens },
      { name: 'Flat Map', parallelism: 1, recordsIn: evens, recordsOut: 2 * evens },
      { name: 'Sink: Out', parallelism: 1, recordsIn: 2 * evens, recordsOut: 0 },
    ],
  );
  t.is(sink.records.length, 2 * evens);
});

test('JobExecutionResult.operators sums over subtasks and network edges', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 4 });
  const sink = new RecordingSink<number>();
  env
    .fromSequence(0, 999)
    .filter((x) => x % 10 !== 0)
    .keyBy((x) => x % 7)
    .reduce((a, b) => a + b)
    .sinkTo(sink, 'Out');
  const result = await env.execute();
  const kept = range(0, 999).filter((x) => x % 10 !== 0).length;
  t.deepEqual(
    result.operators.map(({ name, parallelism, recordsIn, recordsOut }) => ({ name, parallelism, recordsIn, recordsOut })),
    [
      { name: 'Source: Sequence Source', parallelism: 4, recordsIn: 0, recordsOut: 1000 },
      { name: 'Filter', parallelism: 4, recordsIn: 1000, recordsOut: kept },
      { name: 'Keyed Reduce', parallelism: 4, recordsIn: kept, recordsOut: kept },
      { name: 'Sink: Out', parallelism: 4, recordsIn: kept, recordsOut: 0 },
    ],
  );
  t.true(result.netRuntimeMs >= 0);
  t.is(sink.writers.length, 4);
  t.true(sink.writers.every((w) => w.closeCalls === 1 && w.flushes.join() === 'true'));
});

test('an environment can run a second job after the first', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const first = await env.fromSequence(1, 10).executeAndCollect();
  const second = await env.fromSequence(11, 20).map((x) => -x).executeAndCollect();
  t.deepEqual(
    [...first].sort((a, b) => a - b),
    range(1, 10),
  );
  t.deepEqual(
    [...second].sort((a, b) => a - b),
    range(11, 20).map((x) => -x).sort((a, b) => a - b),
  );
});
