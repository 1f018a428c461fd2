import 'reflect-metadata';
import test from 'ava';
import {
  CollectionSource,
  ConfigurationError,
  CoProcessFunction,
  KeyedCoProcessFunction,
  ManualClock,
  OutputTag,
  RichCoMapFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type CoProcessContext,
  type KeyedProcessContext,
  type OnTimerContext,
} from '../../lib/index.js';
import { RecordingSink } from '../helpers/recording-sink.js';
import { GatedSource, canon, punctuated } from '../helpers/two-inputs.js';

const create = (parallelism: number) => StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });

interface Num {
  n: number;
  ts: number;
}
interface Word {
  w: string;
  ts: number;
}

const numbers: Num[] = Array.from({ length: 120 }, (_, i) => ({ n: i, ts: i * 10 }));
const words: Word[] = Array.from({ length: 80 }, (_, i) => ({ w: `w${i % 13}`, ts: i * 15 }));

// ---- CoMap / CoFlatMap / CoProcess ----

for (const p of [1, 4]) {
  test(`CoMap maps each input with its own method (p=${p})`, async (t) => {
    const env = create(p);
    const a = env.fromSource(new CollectionSource(numbers), WatermarkStrategy.forMonotonousTimestamps<Num>().withTimestampAssigner((e) => e.ts), 'numbers');
    const b = env.fromSource(new CollectionSource(words), WatermarkStrategy.forMonotonousTimestamps<Word>().withTimestampAssigner((e) => e.ts), 'words');
    const out = await a.connect(b).map({ map1: (x: Num) => `n:${x.n * 2}`, map2: (x: Word) => `w:${x.w}` }).executeAndCollect();
    const expected: string[] = [];
    for (const x of numbers) expected.push(`n:${x.n * 2}`);
    for (const x of words) expected.push(`w:${x.w}`);
    t.deepEqual(canon(out), canon(expected));
  });

  test(`CoMap as a rich class sees its subtask; CoFlatMap emits via out and via iterables (p=${p})`, async (t) => {
    const env = create(p);
    class Tag extends RichCoMapFunction<Num, Word, string> {
      map1(x: Num): string {
        return `${this.getRuntimeContext().getNumberOfParallelSubtasks()}:${x.n}`;
      }
      map2(x: Word): string {
        return `${this.getRuntimeContext().getNumberOfParallelSubtasks()}:${x.w}`;
      }
    }
    const a = env.fromCollection(numbers.slice(0, 10));
    const b = env.fromCollection(words.slice(0, 10));
    const mapped = await a.connect(b).map(Tag).executeAndCollect();
    t.deepEqual(canon(mapped), canon([...numbers.slice(0, 10).map((x) => `${p}:${x.n}`), ...words.slice(0, 10).map((x) => `${p}:${x.w}`)]));

    const env2 = create(p);
    const flat = await env2
      .fromCollection(numbers)
      .connect(env2.fromCollection(words))
      .flatMap({
        flatMap1(x: Num, out: Collector<string>) {
          if (x.n % 3 === 0) {
            out.collect(`a${x.n}`);
            out.collect(`b${x.n}`);
          }
        },
        flatMap2: (x: Word) => x.w.split(''),
      })
      .executeAndCollect();
    const expected: string[] = [];
    for (const x of numbers) if (x.n % 3 === 0) expected.push(`a${x.n}`, `b${x.n}`);
    for (const x of words) for (const c of x.w) expected.push(c);
    t.deepEqual(canon(flat), canon(expected));
  });

  test(`CoProcessFunction sees each record's timestamp and emits to side outputs (p=${p})`, async (t) => {
    const env = create(p);
    const odd = new OutputTag<string>('odd');
    class Fn extends CoProcessFunction<Num, Word, string> {
      processElement1(x: Num, ctx: CoProcessContext, out: Collector<string>): void {
        if (x.n % 2 === 1) ctx.output(odd, `odd ${x.n}@${ctx.timestamp()}`);
        else out.collect(`n ${x.n}@${ctx.timestamp()}`);
      }
      processElement2(x: Word, ctx: CoProcessContext, out: Collector<string>): void {
        out.collect(`w ${x.w}@${ctx.timestamp()}`);
      }
    }
    const a = env.fromSource(new CollectionSource(numbers), WatermarkStrategy.forMonotonousTimestamps<Num>().withTimestampAssigner((e) => e.ts), 'numbers');
    const b = env.fromSource(new CollectionSource(words), WatermarkStrategy.forMonotonousTimestamps<Word>().withTimestampAssigner((e) => e.ts), 'words');
    const processed = a.connect(b).process(new Fn());
    const sideSink = new RecordingSink<string>();
    processed.getSideOutput(odd).sinkTo(sideSink);
    const main = await processed.executeAndCollect();
    const expectedMain: string[] = [];
    const expectedSide: string[] = [];
    for (const x of numbers) (x.n % 2 === 1 ? expectedSide : expectedMain).push(x.n % 2 === 1 ? `odd ${x.n}@${x.ts}` : `n ${x.n}@${x.ts}`);
    for (const x of words) expectedMain.push(`w ${x.w}@${x.ts}`);
    t.deepEqual(canon(main), canon(expectedMain));
    t.deepEqual(canon(sideSink.records), canon(expectedSide));
  });
}

test('connect builds a two-input vertex: not chained to its inputs, chains its forward successor', (t) => {
  const env = create(2);
  const a = env.fromSequence(0, 9).map((x) => x);
  const b = env.fromSequence(0, 9);
  a.connect(b)
    .map({ map1: (x: number) => x, map2: (x: number) => -x })
    .filter(() => true)
    .sinkTo(new RecordingSink<number>(), 'Out');
  const g = env.getJobGraph();
  t.deepEqual(
    g.vertices.map((v) => v.name),
    ['Source: Sequence Source -> Map', 'Source: Sequence Source', 'Co-Map -> Filter -> Sink: Out'],
  );
  const coMap = g.vertices[2]!;
  t.deepEqual(
    coMap.inputs.map((e) => [e.from.name, e.inputIndex, e.partition.kind]),
    [
      ['Map', 1, 'forward'],
      ['Source: Sequence Source', 2, 'forward'],
    ],
  );
});

test('a KeyedCoProcessFunction on connected streams that are not keyed is rejected (as Flink)', (t) => {
  const env = create(1);
  class Fn extends KeyedCoProcessFunction<number, number, number, number> {
    processElement1(): void {}
    processElement2(): void {}
  }
  const err = t.throws(() => env.fromElements(1).connect(env.fromElements(2)).process(new Fn()), { instanceOf: ConfigurationError });
  t.regex(err.message, /both input streams are of type KeyedStream/);
});

// ---- Keyed connected streams: rides and fares ----

interface Ride {
  rideId: number;
  start: number;
}
interface Fare {
  rideId: number;
  fare: number;
  ts: number;
}

// Rides 1..300; fares for rides with id % 4 !== 0 (some rides never get a fare), in another order.
const rides: Ride[] = Array.from({ length: 300 }, (_, i) => ({ rideId: i + 1, start: (i + 1) * 1000 }));
const fares: Fare[] = [];
for (let id = 300; id >= 1; id--) if (id % 4 !== 0) fares.push({ rideId: id, fare: id * 0.5, ts: (301 - id) * 1000 });

/** Flink training's RidesAndFares: whichever of ride and fare arrives first waits in keyed state. */
class EnrichRides extends KeyedCoProcessFunction<number, Ride, Fare, string> {
  private ride() {
    return this.getRuntimeContext().getState(new ValueStateDescriptor<Ride>('ride'));
  }
  private fare() {
    return this.getRuntimeContext().getState(new ValueStateDescriptor<Fare>('fare'));
  }
  processElement1(ride: Ride, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const fare = this.fare().value();
    if (fare !== null) {
      this.fare().clear();
      out.collect(`${ctx.getCurrentKey()}:${ride.start}:${fare.fare}`);
    } else this.ride().update(ride);
  }
  processElement2(fare: Fare, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const ride = this.ride().value();
    if (ride !== null) {
      this.ride().clear();
      out.collect(`${ctx.getCurrentKey()}:${ride.start}:${fare.fare}`);
    } else this.fare().update(fare);
  }
}

function ridesAndFaresExpected(): string[] {
  const expected: string[] = [];
  for (const r of rides) {
    for (const f of fares) if (f.rideId === r.rideId) expected.push(`${r.rideId}:${r.start}:${f.fare}`);
  }
  return expected;
}

for (const p of [1, 4]) {
  test(`KeyedCoProcessFunction joins rides and fares in state shared by both inputs (connect two keyed streams, p=${p})`, async (t) => {
    const env = create(p);
    const out = await env
      .fromCollection(rides)
      .keyBy((r) => r.rideId)
      .connect(env.fromCollection(fares).keyBy((f) => f.rideId))
      .process(new EnrichRides())
      .executeAndCollect();
    t.deepEqual(canon(out), canon(ridesAndFaresExpected()));
  });

  test(`ConnectedStreams.keyBy(key1, key2) keys both inputs, with field names too (p=${p})`, async (t) => {
    const env = create(p);
    const connected = env.fromCollection(rides).connect(env.fromCollection(fares)).keyBy('rideId', (f: Fare) => f.rideId);
    t.true(connected.isKeyed());
    const out = await connected.process(new EnrichRides()).executeAndCollect();
    t.deepEqual(canon(out), canon(ridesAndFaresExpected()));
  });
}

// ---- Timers and the two-input watermark ----

interface Start {
  key: string;
  ts: number;
}
interface End {
  key: string;
  ts: number;
}

const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const starts: Start[] = keys.flatMap((key, k) => [0, 1, 2].map((i) => ({ key, ts: 100 * i + k })));
// Every End is earlier than every timer: input 2's watermark passes the timers only at its end, after all Ends.
const ends: End[] = keys.map((key, k) => ({ key, ts: k }));

for (const p of [1, 4]) {
  test(`timers in a KeyedCoProcessFunction fire at the minimum of both inputs' watermarks (p=${p})`, async (t) => {
    const env = create(p);
    let startsProcessed = 0;
    class Timeouts extends KeyedCoProcessFunction<string, Start, End, string> {
      private ended() {
        return this.getRuntimeContext().getState(new ValueStateDescriptor<number>('ended'));
      }
      processElement1(s: Start, ctx: KeyedProcessContext<string>): void {
        startsProcessed++;
        // Input 1's own watermark passes s.ts + 50 long before input 2 sends anything.
        ctx.timerService().registerEventTimeTimer(s.ts + 50);
      }
      processElement2(e: End, ctx: KeyedProcessContext<string>): void {
        this.ended().update(ctx.timestamp()!);
        void e;
      }
      override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        // Fires only once input 2's watermark passed ts too: after every End (see `ends`).
        out.collect(`${ctx.getCurrentKey()}@${ts} ended=${this.ended().value()} wm>=ts:${ctx.timerService().currentWatermark() >= ts}`);
      }
    }
    const a = env.fromSource(new CollectionSource(starts), punctuated<Start>((s) => s.ts), 'starts');
    // Input 2 sends nothing until every Start was processed: until then its watermark is -Infinity.
    const b = env.fromSource(new GatedSource(ends, () => startsProcessed === starts.length), punctuated<End>((e) => e.ts), 'ends');
    const out = await a
      .keyBy((s) => s.key)
      .connect(b.keyBy((e) => e.key))
      .process(new Timeouts())
      .executeAndCollect();
    const expected: string[] = [];
    for (const s of starts) {
      const end = ends.find((e) => e.key === s.key)!;
      expected.push(`${s.key}@${s.ts + 50} ended=${end.ts} wm>=ts:true`);
    }
    t.deepEqual(canon(out), canon(expected));
  });
}

test('a non-keyed CoProcessFunction cannot register timers', async (t) => {
  const env = create(1);
  class Fn extends CoProcessFunction<number, number, number> {
    processElement1(_x: number, ctx: CoProcessContext): void {
      ctx.timerService().registerEventTimeTimer(10);
    }
    processElement2(): void {}
  }
  const err = await t.throwsAsync(env.fromElements(1).connect(env.fromElements(2)).process(new Fn()).executeAndCollect());
  t.regex(String((err as Error & { cause?: Error }).cause?.message ?? err?.message), /only supported on a keyed stream/);
});
