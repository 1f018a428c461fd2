import 'reflect-metadata';
import test from 'ava';
import {
  CollectionSource,
  ConfigurationError,
  CountTrigger,
  ManualClock,
  ProcessFunction,
  RichFlatJoinFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type Collector,
  type ProcessContext,
  type DataStream,
} from '../../lib/index.js';
import { canon } from '../helpers/two-inputs.js';

const create = (parallelism: number) => StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });

interface A {
  key: string;
  a: number;
  ts: number;
}
interface B {
  key: string;
  b: number;
  ts: number;
}

const SIZE = 100;
// Both inputs in timestamp order (monotonous watermarks), keys k0..k4; B skips key k4 and some windows.
const as: A[] = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 5}`, a: i, ts: i * 17 }));
const bs: B[] = Array.from({ length: 45 }, (_, i) => ({ key: `k${(i * 2) % 4}`, b: i, ts: i * 23 + 5 })).filter((x) => Math.floor(x.ts / SIZE) !== 3);

function inputs(env: StreamExecutionEnvironment): [DataStream<A>, DataStream<B>] {
  const a = env.fromSource(new CollectionSource(as), WatermarkStrategy.forMonotonousTimestamps<A>().withTimestampAssigner((x) => x.ts), 'A');
  const b = env.fromSource(new CollectionSource(bs), WatermarkStrategy.forMonotonousTimestamps<B>().withTimestampAssigner((x) => x.ts), 'B');
  return [a, b];
}

const windowOf = (ts: number): number => Math.floor(ts / SIZE) * SIZE;

/** Appends each record's timestamp (for joins: the window's maxTimestamp). */
class WithTimestamp extends ProcessFunction<string, string> {
  processElement(s: string, ctx: ProcessContext, out: Collector<string>): void {
    out.collect(`${s} @${ctx.timestamp()}`);
  }
}

for (const p of [1, 4]) {
  test(`window join: one result per pair with equal keys in the same tumbling window (p=${p})`, async (t) => {
    const env = create(p);
    const [a, b] = inputs(env);
    const out = await a
      .join(b)
      .where((x) => x.key)
      .equalTo((y) => y.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .apply((x, y) => `${x.key} a${x.a} b${y.b}`)
      .process(new WithTimestamp())
      .executeAndCollect();
    const expected: string[] = [];
    for (const x of as) {
      for (const y of bs) {
        if (x.key === y.key && windowOf(x.ts) === windowOf(y.ts)) expected.push(`${x.key} a${x.a} b${y.b} @${windowOf(x.ts) + SIZE - 1}`);
      }
    }
    t.true(expected.length > 20);
    t.deepEqual(canon(out), canon(expected));
  });

  test(`window join with a FlatJoinFunction (lambda with out, and a rich class) and field-name keys (p=${p})`, async (t) => {
    const env = create(p);
    const [a, b] = inputs(env);
    const flat = await a
      .join(b)
      .where('key')
      .equalTo('key')
      .window(TumblingEventTimeWindows.of(SIZE))
      .apply((x: A, y: B, out: Collector<string>) => {
        if (x.a < y.b) out.collect(`${x.a}<${y.b}`);
      })
      .executeAndCollect();
    const expected: string[] = [];
    for (const x of as) for (const y of bs) if (x.key === y.key && windowOf(x.ts) === windowOf(y.ts) && x.a < y.b) expected.push(`${x.a}<${y.b}`);
    t.deepEqual(canon(flat), canon(expected));

    class Both extends RichFlatJoinFunction<A, B, string> {
      join(x: A, y: B, out: Collector<string>): void {
        out.collect(`${this.getRuntimeContext().getNumberOfParallelSubtasks()}:${x.a}-${y.b}`);
      }
    }
    const env2 = create(p);
    const [a2, b2] = inputs(env2);
    const rich = await a2.join(b2).where('key').equalTo('key').window(TumblingEventTimeWindows.of(SIZE)).apply(Both).executeAndCollect();
    const expected2: string[] = [];
    for (const x of as) for (const y of bs) if (x.key === y.key && windowOf(x.ts) === windowOf(y.ts)) expected2.push(`${p}:${x.a}-${y.b}`);
    t.deepEqual(canon(rich), canon(expected2));
  });

  test(`coGroup: every key and window with elements on either side, both lists in order (p=${p})`, async (t) => {
    const env = create(p);
    const [a, b] = inputs(env);
    const out = await a
      .coGroup(b)
      .where((x) => x.key)
      .equalTo((y) => y.key)
      .window(TumblingEventTimeWindows.of(SIZE))
      .apply((xs: A[], ys: B[], o: Collector<string>) => {
        const key = (xs[0] ?? ys[0])!.key;
        const start = windowOf((xs[0] ?? ys[0])!.ts);
        o.collect(`${key}@${start} [${xs.map((x) => x.a).join(',')}] [${ys.map((y) => y.b).join(',')}]`);
      })
      .executeAndCollect();
    // By hand: group both inputs by (key, window start), keeping each input's order.
    const groups = new Map<string, { xs: number[]; ys: number[] }>();
    const group = (key: string, ts: number) => {
      const id = `${key}@${windowOf(ts)}`;
      let g = groups.get(id);
      if (g === undefined) groups.set(id, (g = { xs: [], ys: [] }));
      return g;
    };
    for (const x of as) group(x.key, x.ts).xs.push(x.a);
    for (const y of bs) group(y.key, y.ts).ys.push(y.b);
    const expected = [...groups].map(([id, g]) => `${id} [${g.xs.join(',')}] [${g.ys.join(',')}]`);
    t.true([...groups.values()].some((g) => g.ys.length === 0) && [...groups.values()].some((g) => g.xs.length > 0 && g.ys.length > 0));
    t.deepEqual(canon(out), canon(expected));
  });

  test(`window join on sliding windows joins a pair once per shared window (p=${p})`, async (t) => {
    const env = create(p);
    const [a, b] = inputs(env);
    const out = await a
      .join(b)
      .where((x) => x.key)
      .equalTo((y) => y.key)
      .window(SlidingEventTimeWindows.of(SIZE, SIZE / 2))
      .apply((x, y) => `${x.a}-${y.b}`)
      .executeAndCollect();
    const expected: string[] = [];
    // Flink's sliding assigner: starts lastStart, lastStart - slide, … while start > ts - size.
    const starts = (ts: number): number[] => {
      const last = Math.floor(ts / (SIZE / 2)) * (SIZE / 2);
      return [last, last - SIZE / 2];
    };
    for (const x of as) {
      for (const y of bs) {
        if (x.key !== y.key) continue;
        for (const s of starts(x.ts)) if (starts(y.ts).includes(s)) expected.push(`${x.a}-${y.b}`);
      }
    }
    t.deepEqual(canon(out), canon(expected));
  });
}

test('a custom trigger replaces the default one: CountTrigger.of(4) fires only windows with 4 tagged elements', async (t) => {
  const env = create(2);
  const ts = WatermarkStrategy.forMonotonousTimestamps<{ k: string; v: number }>().withTimestampAssigner((e) => e.v);
  // Key x: 2 + 2 elements in window [0, 1000) → one firing with all four; key y: 1 + 2 → never fires.
  const left = env.fromSource(new CollectionSource([{ k: 'x', v: 1 }, { k: 'y', v: 2 }, { k: 'x', v: 3 }]), ts, 'left');
  const right = env.fromSource(new CollectionSource([{ k: 'x', v: 10 }, { k: 'y', v: 11 }, { k: 'y', v: 12 }, { k: 'x', v: 20 }]), ts, 'right');
  const out = await left
    .join(right)
    .where((e) => e.k)
    .equalTo((e) => e.k)
    .window(TumblingEventTimeWindows.of(1000))
    .trigger(CountTrigger.of(4))
    .apply((l, r) => `${l.k}:${l.v}-${r.v}`)
    .executeAndCollect();
  t.deepEqual(out.sort(), ['x:1-10', 'x:1-20', 'x:3-10', 'x:3-20']);
});

test('the taggers of a window join keep their inputs’ parallelism and chain to them', (t) => {
  const env = create(4);
  const [a, b] = inputs(env);
  a.join(b)
    .where((x) => x.key)
    .equalTo((y) => y.key)
    .window(TumblingEventTimeWindows.of(SIZE))
    .apply((x, y) => x.a + y.b)
    .print();
  const g = env.getJobGraph();
  t.deepEqual(
    g.vertices.map((v) => [v.name, v.parallelism]),
    [
      ['Source: A -> Map', 1],
      ['Source: B -> Map', 1],
      ['Window(TumblingEventTimeWindows(100), EventTimeTrigger, CoGroupWindowFunction) -> Sink: Print to Std. Out', 4],
    ],
  );
});

test('allowedLateness of a window join must be an integer ≥ 0', (t) => {
  const env = create(1);
  const [a, b] = inputs(env);
  const w = a
    .join(b)
    .where((x) => x.key)
    .equalTo((y) => y.key)
    .window(TumblingEventTimeWindows.of(SIZE));
  t.throws(() => w.allowedLateness(-1), { instanceOf: ConfigurationError });
});
