/**
 * `NexmarkSource` as a FLIP-27 source: split over parallel subtasks (interleaved event numbers,
 * union = events 0 … N−1), snapshot at random points and restore (also dealt to another
 * parallelism, after a cbor round trip as the runtime stores splits: no loss, no duplicate, also
 * unbounded), real-time pacing on a manual clock, the DataStream API at p = 1 and p = 3, and the
 * NDJSON writer. Expectations come from `generateEvent`, event by event.
 */
import test from 'ava';
import { decode, encode } from 'cbor-x';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { OutputTag } from '../../lib/api/output-tag.js';
import { StreamExecutionEnvironment, TumblingEventTimeWindows } from '../../lib/index.js';
import { ManualClock } from '../../lib/time/clock.js';
import type { ReaderOutput, SourceReader, SourceReaderContext } from '../../connectors/source.js';
import {
  eventTime,
  generateEvent,
  NexmarkSource,
  nexmarkNdjsonLine,
  nexmarkWatermarks,
  resolveNexmarkConfig,
  writeNexmarkNdjson,
  type NexmarkConfig,
  type NexmarkEvent,
} from '../../connectors/nexmark/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-nexmark-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

/** mulberry32, so every run snapshots at the same points. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** What a reader emitted, with record timestamps. */
class Emitted implements ReaderOutput<NexmarkEvent> {
  readonly values: NexmarkEvent[] = [];
  readonly timestamps: (number | undefined)[] = [];

  collect(value: NexmarkEvent, timestamp?: number): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
  }

  collectSide<X>(_tag: OutputTag<X>, _value: X): void {
    throw new Error('no side outputs expected');
  }
}

const line = nexmarkNdjsonLine;

function expected(config: Partial<NexmarkConfig>, count: number, from = 0): string[] {
  const c = resolveNexmarkConfig(config);
  return Array.from({ length: count }, (_, i) => line(generateEvent(c, from + i)));
}

function context(subtaskIndex: number, parallelism: number, restoredSplits?: unknown[]): SourceReaderContext {
  return restoredSplits === undefined ? { subtaskIndex, parallelism, operatorName: 'nexmark' } : { subtaskIndex, parallelism, operatorName: 'nexmark', restoredSplits };
}

/** Polls up to `polls` times or to the end; true when the input ended. */
async function poll(reader: SourceReader<NexmarkEvent>, out: Emitted, polls = Infinity): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    const status = reader.pollNext(out);
    if (status === 'END_OF_INPUT') return true;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  return false;
}

/** Runs a reader for `polls` polls, snapshots it (cbor round trip, as the runtime keeps splits) and closes it. */
async function runAndSnapshot(source: NexmarkSource, ctx: SourceReaderContext, out: Emitted, polls: number, checkpointId: number): Promise<unknown[]> {
  const reader = source.createReader(ctx);
  try {
    await reader.start();
    await poll(reader, out, polls);
    return decode(encode(reader.snapshotState!(checkpointId))) as unknown[];
  } finally {
    await reader.close();
  }
}

/** Deals `splits` round-robin to `parallelism` subtasks (the runtime's even-split redistribution). */
function deal(splits: readonly unknown[], parallelism: number): unknown[][] {
  const out = Array.from({ length: parallelism }, () => [] as unknown[]);
  splits.forEach((s, i) => out[i % parallelism]!.push(s));
  return out;
}

test('3 subtasks: subtask i emits events i, i+3, …; together exactly events 0 … N−1; record timestamps are event times', async (t) => {
  const N = 10_001;
  const source = new NexmarkSource({ maxEvents: N, eventsPerPoll: 100 });
  t.is(source.boundedness, 'BOUNDED');
  const all = expected({}, N);
  const union: string[] = [];
  for (let i = 0; i < 3; i++) {
    const out = new Emitted();
    await runAndSnapshot(source, context(i, 3), out, Infinity, 1);
    t.deepEqual(out.values.map(line), all.filter((_, n) => n % 3 === i), `subtask ${i}`);
    t.deepEqual(out.timestamps, out.values.map(eventTime));
    union.push(...out.values.map(line));
  }
  t.deepEqual(union.sort(), [...all].sort());
  // More subtasks than events: the extra ones end at once.
  const out = new Emitted();
  const reader = new NexmarkSource({ maxEvents: 2 }).createReader(context(2, 3));
  t.is(reader.pollNext(out), 'END_OF_INPUT');
  t.is(out.values.length, 0);
  // emitTimestamps: false leaves records without a timestamp.
  const bare = new Emitted();
  await runAndSnapshot(new NexmarkSource({ maxEvents: 10, emitTimestamps: false }), context(0, 1), bare, Infinity, 1);
  t.deepEqual(bare.timestamps, Array(10).fill(undefined));
});

test('snapshot at random points, restore, repeat: exactly the remaining events, in order', async (t) => {
  const N = 20_000;
  const source = new NexmarkSource({ maxEvents: N, eventsPerPoll: 256, seed: 9 });
  const rand = random(1);
  const out = new Emitted();
  let splits: unknown[] | undefined;
  let checkpoint = 0;
  for (let round = 0; round < 500; round++) {
    splits = await runAndSnapshot(source, context(0, 1, splits), out, rand(6), ++checkpoint);
    if (splits.length === 0) break;
  }
  t.deepEqual(splits, []);
  t.true(checkpoint > 10, `several restores (${checkpoint})`);
  t.deepEqual(out.values.map(line), expected({ seed: 9 }, N));
});

for (const [from, to] of [[3, 2], [3, 5], [2, 1]] as const) {
  test(`${from} subtasks snapshotted at random points, their splits dealt to ${to}: no loss, no duplicate, each reader in event order`, async (t) => {
    const N = 30_000;
    const source = new NexmarkSource({ maxEvents: N, eventsPerPoll: 500 });
    const rand = random(from * 10 + to);
    const outs: Emitted[] = [];
    const old: unknown[] = [];
    for (let s = 0; s < from; s++) {
      const out = new Emitted();
      outs.push(out);
      old.push(...(await runAndSnapshot(source, context(s, from), out, rand(15), 1)));
    }
    const dealt = deal(old, to);
    for (let s = 0; s < to; s++) {
      const out = new Emitted();
      outs.push(out);
      t.deepEqual(await runAndSnapshot(source, context(s, to, dealt[s]), out, Infinity, 2), [], 'read to the end');
      // Merged splits: ascending event time within a reader.
      const times = out.values.map(eventTime);
      t.true(times.every((x, i) => i === 0 || x >= times[i - 1]!), `reader ${s} in event-time order`);
    }
    const all = outs.flatMap((o) => o.values.map(line));
    t.is(all.length, N, 'no duplicate');
    t.deepEqual(all.sort(), expected({}, N).sort(), 'no loss');
  });
}

test('unbounded: 3 subtasks restored on 2 keep every split going; exactly the events before the final positions', async (t) => {
  const source = new NexmarkSource({ eventsPerPoll: 100 });
  t.is(source.boundedness, 'CONTINUOUS_UNBOUNDED');
  const outs: Emitted[] = [];
  const old: unknown[] = [];
  for (let s = 0; s < 3; s++) {
    const out = new Emitted();
    outs.push(out);
    old.push(...(await runAndSnapshot(source, context(s, 3), out, s + 1, 1)));
  }
  t.is(old.length, 3);
  const dealt = deal(old, 2);
  const final: { next: number; step: number }[] = [];
  for (let s = 0; s < 2; s++) {
    const out = new Emitted();
    outs.push(out);
    const rest = (await runAndSnapshot(source, context(s, 2, dealt[s]), out, 20, 2)) as { next: number; step: number }[];
    t.is(rest.length, dealt[s]!.length, 'unbounded splits never finish');
    // A reader emits its splits merged by event number, so all of them advance together.
    const nexts = rest.map((r) => r.next);
    t.true(Math.max(...nexts) - Math.min(...nexts) <= 3 + 3, `reader ${s} positions ${nexts.join()}`);
    final.push(...rest);
  }
  // Split r (event numbers ≡ r mod 3) emitted exactly r, r + 3, … below its final position.
  const want = final.flatMap(({ next, step }) => Array.from({ length: Math.floor(next / step) }, (_, k) => (next % step) + k * step));
  t.true(want.length > 2000, `progress (${want.length} events)`);
  const c = resolveNexmarkConfig({});
  t.deepEqual(outs.flatMap((o) => o.values.map(line)).sort(), want.map((n) => line(generateEvent(c, n))).sort());
});

test('paced: events are emitted when the clock reaches their due time, across subtasks', async (t) => {
  const clock = new ManualClock(1_000_000);
  // 1,000 events/s over 2 subtasks: event n is due n ms after the start.
  const source = new NexmarkSource({ maxEvents: 100, ratePerSecond: 1000, clock });
  const readers = [source.createReader(context(0, 2)), source.createReader(context(1, 2))];
  const outs = [new Emitted(), new Emitted()];
  t.is(readers[0]!.pollNext(outs[0]!), 'NOTHING_AVAILABLE');
  t.is(readers[1]!.pollNext(outs[1]!), 'NOTHING_AVAILABLE');
  // Each reader starts at its first event: subtask 1 (events 1, 3, …) emits event 1 at once.
  t.deepEqual(outs.map((o) => o.values.length), [1, 1], 'at the start only the first event of each is due');
  let woken = 0;
  void readers[1]!.isAvailable().then(() => woken++);
  clock.advance(1);
  await Promise.resolve();
  t.is(woken, 0, 'not woken before event 3 is due (2 ms after event 1)');
  clock.advance(1);
  await Promise.resolve();
  t.is(woken, 1, 'woken by the clock when event 3 is due');
  clock.advance(8);
  readers.forEach((r, i) => r.pollNext(outs[i]!));
  t.deepEqual(outs.map((o) => o.values.map(line)), [expected({}, 11).filter((_, n) => n % 2 === 0), expected({}, 12).filter((_, n) => n % 2 === 1)], 'after 10 ms: 0, 2 … 10 and 1, 3 … 11');
  clock.advance(200);
  readers.forEach((r, i) => t.is(r.pollNext(outs[i]!), 'END_OF_INPUT'));
  t.deepEqual(outs.flatMap((o) => o.values.map(line)).sort(), expected({}, 100).sort());
  readers.forEach((r) => r.close());
  t.is(clock.pendingCount(), 0, 'no timer left');
});

test('paced with the system clock: isAvailable waits on a timer, not a busy loop', async (t) => {
  const reader = new NexmarkSource({ maxEvents: 30, ratePerSecond: 1000 }).createReader(context(0, 1));
  const out = new Emitted();
  let polls = 0;
  const started = Date.now();
  for (;;) {
    polls++;
    const status = reader.pollNext(out);
    if (status === 'END_OF_INPUT') break;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  t.is(out.values.length, 30);
  t.true(Date.now() - started >= 29, 'event 29 is not emitted before 29 ms');
  t.true(polls <= 100, `few polls (${polls})`);
  reader.close();
});

test('a restored split that is not a Nexmark split is a RestoreError', (t) => {
  const source = new NexmarkSource({ maxEvents: 10 });
  t.throws(() => source.createReader(context(0, 1, [{ kind: 'sequence', from: 0, to: 3 }])), { code: 'WEIR_ERR_RESTORE' });
  t.throws(() => source.createReader(context(0, 1, [{ kind: 'nexmark', next: 0, step: 0, end: 10 }])), { code: 'WEIR_ERR_RESTORE' });
});

test('DataStream API: fromSource(NexmarkSource, nexmarkWatermarks()) gives the same events at p = 1 and p = 3', async (t) => {
  const N = 10_000;
  const run = (p: number): Promise<NexmarkEvent[]> =>
    StreamExecutionEnvironment.create({ parallelism: p })
      .fromSource(new NexmarkSource({ maxEvents: N }), nexmarkWatermarks(), 'nexmark')
      .executeAndCollect();
  const [one, three] = await Promise.all([run(1), run(3)]);
  const all = expected({}, N).sort();
  t.deepEqual(one.map(line).sort(), all);
  t.deepEqual(three.map(line).sort(), all);
});

test('DataStream API: bids per auction in 100 ms event-time windows agree at p = 1 and p = 3', async (t) => {
  const N = 20_000;
  // 10,000 events/s of event time: 2 s of auctions, 20 windows.
  const config = { maxEvents: N, firstEventRate: 10_000 };
  const run = (p: number): Promise<[number, number][]> =>
    StreamExecutionEnvironment.create({ parallelism: p })
      .fromSource(new NexmarkSource(config), nexmarkWatermarks(), 'nexmark')
      .filter((e) => e.type === 2)
      .map((e): [number, number] => [e.bid!.auction, 1])
      .keyBy((x) => x[0])
      .window(TumblingEventTimeWindows.of(100))
      .reduce((a, b): [number, number] => [a[0], a[1] + b[1]])
      .executeAndCollect();
  const [one, three] = await Promise.all([run(1), run(3)]);
  const canon = (xs: [number, number][]): string[] => xs.map((x) => x.join()).sort();
  t.deepEqual(canon(one), canon(three));
  t.is(
    one.reduce((s, x) => s + x[1], 0),
    (N / 50) * 46,
    'every bid counted once',
  );
});

test('writeNexmarkNdjson: the same events, one DDL-shaped JSON object per line, plain and gzip', async (t) => {
  const N = 5_000;
  const config = { maxEvents: N, seed: 5 };
  const want = expected({ seed: 5 }, N);
  const plain = path.join(dir, 'events.ndjson');
  const summary = await writeNexmarkNdjson(plain, config);
  t.deepEqual(summary, { path: plain, events: N, bytes: fs.statSync(plain).size });
  t.deepEqual(fs.readFileSync(plain, 'utf8').split('\n'), [...want, '']);
  const gz = path.join(dir, 'events.ndjson.gz');
  await writeNexmarkNdjson(gz, config);
  t.deepEqual(zlib.gunzipSync(fs.readFileSync(gz)).toString('utf8').split('\n'), [...want, '']);
  const rows = want.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(Object.keys(rows[0]!), ['event_type', 'person', 'auction', 'bid', 'dateTime']);
  const bid = rows[4]! as { event_type: number; bid: Record<string, unknown>; person: null; dateTime: number };
  t.is(bid.event_type, 2);
  t.is(bid.person, null);
  t.deepEqual(Object.keys(bid.bid), ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
  t.is(bid.dateTime, bid.bid['dateTime'] as number);
  t.deepEqual(bid.bid, { ...generateEvent({ seed: 5 }, 4).bid });
  await t.throwsAsync(writeNexmarkNdjson(path.join(dir, 'never.ndjson'), {}), { code: 'WEIR_ERR_CONFIG' });
});
