import 'reflect-metadata';
import test from 'ava';
import {
  CollectionSource,
  ConfigurationError,
  KeyedProcessFunction,
  ManualClock,
  OutputTag,
  ProcessFunction,
  ProcessJoinFunction,
  StreamExecutionEnvironment,
  type Collector,
  type KeyedProcessContext,
  type ProcessContext,
  type ProcessJoinContext,
} from '../../lib/index.js';
import { RecordingSink } from '../helpers/recording-sink.js';
import { GatedSource, canon, punctuated } from '../helpers/two-inputs.js';

const create = (parallelism: number) => StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });

interface E {
  id: string;
  key: string;
  ts: number;
}

/** Emits `left-right` with the three timestamps of the context. */
class Pair extends ProcessJoinFunction<E, E, string> {
  processElement(l: E, r: E, ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`${l.id}-${r.id} L${ctx.getLeftTimestamp()} R${ctx.getRightTimestamp()} T${ctx.getTimestamp()}`);
  }
}

/** Appends the record's own timestamp, to check that results carry max(left, right). */
class WithTimestamp extends ProcessFunction<string, string> {
  processElement(s: string, ctx: ProcessContext, out: Collector<string>): void {
    out.collect(`${s} @${ctx.timestamp()}`);
  }
}

/** Every pair with equal keys and r ∈ [l + lower, l + upper] (bounds moved by 1 when exclusive): plain loops. */
function expectedPairs(lefts: E[], rights: E[], lower: number, upper: number, lowerInclusive: boolean, upperInclusive: boolean): string[] {
  const out: string[] = [];
  for (const l of lefts) {
    for (const r of rights) {
      if (l.key !== r.key) continue;
      const aboveLower = lowerInclusive ? r.ts >= l.ts + lower : r.ts > l.ts + lower;
      const belowUpper = upperInclusive ? r.ts <= l.ts + upper : r.ts < l.ts + upper;
      const t = Math.max(l.ts, r.ts);
      if (aboveLower && belowUpper) out.push(`${l.id}-${r.id} L${l.ts} R${r.ts} T${t} @${t}`);
    }
  }
  return out;
}

const byTs = (a: E, b: E): number => a.ts - b.ts;

// A left element at 100 (key a) and 200 (key b); rights exactly at, inside and outside the bounds of between(-1, 5).
const lefts: E[] = [
  { id: 'La', key: 'a', ts: 100 },
  { id: 'Lb', key: 'b', ts: 200 },
];
const rights: E[] = [98, 99, 100, 103, 105, 106].map((ts) => ({ id: `Ra${ts}`, key: 'a', ts })).concat([198, 199, 205, 206].map((ts) => ({ id: `Rb${ts}`, key: 'b', ts })));

for (const p of [1, 4]) {
  for (const [lowerInclusive, upperInclusive] of [
    [true, true],
    [false, true],
    [true, false],
    [false, false],
  ] as const) {
    test(`interval join between(-1, 5): lower ${lowerInclusive ? 'inclusive' : 'exclusive'}, upper ${upperInclusive ? 'inclusive' : 'exclusive'} (p=${p})`, async (t) => {
      const env = create(p);
      const left = env.fromSource(new CollectionSource(lefts), punctuated<E>((e) => e.ts), 'left').keyBy((e) => e.key);
      const right = env.fromSource(new CollectionSource(rights), punctuated<E>((e) => e.ts), 'right').keyBy((e) => e.key);
      let joined = left.intervalJoin(right).between(-1, 5);
      if (!lowerInclusive) joined = joined.lowerBoundExclusive();
      if (!upperInclusive) joined = joined.upperBoundExclusive();
      const out = await joined.process(new Pair()).process(new WithTimestamp()).executeAndCollect();
      const expected = expectedPairs(lefts, rights, -1, 5, lowerInclusive, upperInclusive);
      // By hand for key a: [99, 105] inclusive; the pair exactly at each bound is in or out.
      const aRights = expected.filter((s) => s.startsWith('La-')).map((s) => s.split(' ')[0]);
      t.deepEqual(aRights.sort(), [...(lowerInclusive ? ['La-Ra99'] : []), 'La-Ra100', 'La-Ra103', ...(upperInclusive ? ['La-Ra105'] : [])].sort());
      t.deepEqual(canon(out), canon(expected));
    });
  }

  test(`interval join over many keys and timestamps equals the nested loop, with cleanup along the way (p=${p})`, async (t) => {
    const env = create(p);
    // Deterministic pseudo-random timestamps; each input sorted, so nothing is late.
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const ls: E[] = Array.from({ length: 300 }, (_, i) => ({ id: `l${i}`, key: `k${rnd(9)}`, ts: rnd(3000) })).sort(byTs);
    const rs: E[] = Array.from({ length: 300 }, (_, i) => ({ id: `r${i}`, key: `k${rnd(9)}`, ts: rnd(3000) })).sort(byTs);
    const out = await env
      .fromSource(new CollectionSource(ls), punctuated<E>((e) => e.ts), 'left')
      .keyBy((e) => e.key)
      .intervalJoin(env.fromSource(new CollectionSource(rs), punctuated<E>((e) => e.ts), 'right').keyBy((e) => e.key))
      .between(-20, 30)
      .process((l: E, r: E, ctx: ProcessJoinContext, o: Collector<string>) => o.collect(`${l.id}-${r.id} L${l.ts} R${r.ts} T${ctx.getTimestamp()}`))
      .process(new WithTimestamp())
      .executeAndCollect();
    const expected = expectedPairs(ls, rs, -20, 30, true, true);
    t.true(expected.length > 50);
    t.deepEqual(canon(out), canon(expected));
  });

  test(`late elements (timestamp below the watermark) are dropped, or sent to the late side output (p=${p})`, async (t) => {
    for (const withTag of [false, true]) {
      const env = create(p);
      let watermarkPassed100 = false;
      // Right: 100, 101, 120, then its end (watermark +Infinity).
      const rs: E[] = [100, 101, 120].map((ts) => ({ id: `R${ts}`, key: 'a', ts }));
      // Left: 100 (watermark 100), then — once the join's watermark is known to be 100 — 99 (late) and 120.
      const ls: E[] = [100, 99, 120].map((ts) => ({ id: `L${ts}`, key: 'a', ts }));
      const lateTag = new OutputTag<E>('late-left');
      let joined = env
        .fromSource(new GatedSource(ls, () => watermarkPassed100, 1), punctuated<E>((e) => e.ts), 'left')
        .keyBy((e) => e.key)
        .intervalJoin(env.fromSource(new CollectionSource(rs), punctuated<E>((e) => e.ts), 'right').keyBy((e) => e.key))
        .between(-5, 5);
      if (withTag) joined = joined.sideOutputLeftLateData(lateTag);
      const pairs = joined.process(new Pair());
      const lateSink = new RecordingSink<E>();
      pairs.getSideOutput(lateTag).sinkTo(lateSink);
      // Downstream of the join, a timer at 100 fires once the join forwarded watermark 100: L99 is late from then on.
      class Gate extends KeyedProcessFunction<number, string, string> {
        processElement(s: string, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
          ctx.timerService().registerEventTimeTimer(100);
          out.collect(s);
        }
        override onTimer(): void {
          watermarkPassed100 = true;
        }
      }
      const out = await pairs
        .keyBy(() => 0)
        .process(new Gate())
        .executeAndCollect();
      // L99 would join R100 and R101 (both within [94, 104]) were it not late.
      t.deepEqual(canon(out), canon(['L100-R100 L100 R100 T100', 'L100-R101 L100 R101 T101', 'L120-R120 L120 R120 T120']));
      t.deepEqual(lateSink.records, withTag ? [ls[1]!] : []);
    }
  });
}

test('between() needs lowerBound <= upperBound (as Flink)', (t) => {
  const env = create(1);
  const a = env.fromElements<E>().keyBy((e) => e.key);
  const b = env.fromElements<E>().keyBy((e) => e.key);
  t.throws(() => a.intervalJoin(b).between(5, 1), { instanceOf: ConfigurationError, message: /lowerBound <= upperBound/ });
});
