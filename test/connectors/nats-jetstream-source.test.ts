/**
 * JetStreamSource against the real NATS server with JetStream at 127.0.0.1:4222: bounded reads
 * through keyed jobs, reader-level snapshot/restore chains (positions in checkpoints: no loss, no
 * duplicate), a savepoint restore resuming at the stored sequence, start positions, malformed
 * messages (dead letters or a failure naming stream, sequence and subject), and JetStream
 * timestamps as record timestamps. Each test uses its own stream (random suffix), deleted after.
 * Expectations are computed independently with plain loops over what the test published.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection, type PubAck } from 'nats';
import {
  JetStreamSource,
  JobExecutionError,
  OutputTag,
  RestartStrategies,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  type JetStreamSplit,
  type JobControl,
  type NatsDeadLetter,
  type ReaderOutput,
  type SourceReader,
  type SourceReaderContext,
} from '../../lib/index.js';
import { Deferred } from '../helpers/async-probe.js';

const SERVER = '127.0.0.1:4222';
const suffix = Math.random().toString(36).slice(2, 10).toUpperCase();
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const streams: string[] = [];
const dirs: string[] = [];

test.before(async () => {
  nc = await connect({ servers: SERVER, noAsyncTraces: true });
  js = nc.jetstream();
  jsm = await nc.jetstreamManager();
});

test.after.always(async () => {
  for (const s of streams) await jsm?.streams.delete(s).catch(() => undefined);
  await nc?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Rec {
  id: number;
  key: number;
  value: number;
}

const enc = new TextEncoder();

/** Creates a stream `<name>_<suffix>` capturing `<stream>.>`; returns its name (also the subject prefix). */
async function createStream(name: string): Promise<string> {
  const stream = `${name}_${suffix}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  streams.push(stream);
  return stream;
}

/** Publishes payloads with up to 1000 acks outstanding; resolves with the acks in order. */
async function publishAll(items: readonly { subject: string; data: Uint8Array }[]): Promise<PubAck[]> {
  const acks: PubAck[] = [];
  for (let i = 0; i < items.length; i += 1000) {
    acks.push(...(await Promise.all(items.slice(i, i + 1000).map((m) => js.publish(m.subject, m.data)))));
  }
  return acks;
}

function records(n: number, keys: number, from = 0): Rec[] {
  return Array.from({ length: n }, (_, i) => ({ id: from + i, key: (from + i) % keys, value: ((from + i) * 7919) % 1000 }));
}

/** Per key, the sum of `value` (plain loop). */
function sums(recs: readonly Rec[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of recs) m.set(r.key, (m.get(r.key) ?? 0) + r.value);
  return m;
}

/** The last running sum per key: the largest (values are ≥ 0, so the running sum never falls). */
function finalSums(out: readonly Rec[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of out) m.set(r.key, Math.max(m.get(r.key) ?? -1, r.value));
  return m;
}

function sortedEntries(m: Map<number, number>): [number, number][] {
  return [...m].sort((a, b) => a[0] - b[0]);
}

test('bounded source of N records through keyBy().reduce(): the sums equal the independently computed ones', async (t) => {
  const stream = await createStream('SUMS');
  const N = 50_000;
  const input = records(N, 13);
  await publishAll(input.map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const started = performance.now();
  const out = await env
    .fromSource(new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest' }), 'jetstream')
    .keyBy((r) => r.key)
    .reduce((a, b) => ({ id: b.id, key: a.key, value: a.value + b.value }))
    .executeAndCollect();
  const ms = performance.now() - started;
  t.log(`JetStreamSource → keyBy → reduce → collect: ${N} records in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)} records/s`);
  t.is(out.length, N, 'one running sum per record');
  t.deepEqual(sortedEntries(finalSums(out)), sortedEntries(sums(input)));
});

test('filter subjects are splits dealt to subtasks: every record once, each subject in order', async (t) => {
  const stream = await createStream('FILTERS');
  const N = 6_000;
  const input = records(N, 3);
  await publishAll(input.map((r) => ({ subject: `${stream}.k${r.key}`, data: enc.encode(JSON.stringify(r)) })));
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  const source = new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest', filterSubjects: [`${stream}.k0`, `${stream}.k1`, `${stream}.k2`], fetchBatch: 100 });
  const out = await env.fromSource(source, 'jetstream').map((r) => r).executeAndCollect();
  t.is(out.length, N);
  t.deepEqual(out.map((r) => r.id).sort((a, b) => a - b), input.map((r) => r.id));
  for (let k = 0; k < 3; k++) {
    const ids = out.filter((r) => r.key === k).map((r) => r.id);
    t.true(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)), `subject k${k} in stream order`);
  }
});

// --- reader-level snapshot / restore ---------------------------------------------------------------

class Emitted<T> implements ReaderOutput<T> {
  readonly values: T[] = [];
  readonly timestamps: (number | undefined)[] = [];
  readonly dead: NatsDeadLetter[] = [];
  collect(value: T, timestamp?: number): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
  }
  collectSide<X>(_tag: OutputTag<X>, value: X): void {
    this.dead.push(value as unknown as NatsDeadLetter);
  }
}

function context(restoredSplits?: unknown[], subtaskIndex = 0, parallelism = 1): SourceReaderContext {
  return { subtaskIndex, parallelism, operatorName: 'src', ...(restoredSplits !== undefined ? { restoredSplits } : {}) };
}

/** Polls until `count` more records were emitted (or the end); true at END_OF_INPUT. */
async function pollUntil<T>(reader: SourceReader<T>, out: Emitted<T>, count: number): Promise<boolean> {
  const target = out.values.length + count;
  while (out.values.length < target) {
    const status = reader.pollNext(out);
    if (status === 'END_OF_INPUT') return true;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  return false;
}

/** A small deterministic PRNG: integers in [1, n]. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return 1 + (s % n);
  };
}

test('reader: snapshot at random points, restore from the splits (cbor-like copy), repeat: exactly the messages, once, in order', async (t) => {
  const stream = await createStream('REPLAY');
  const N = 5_000;
  const input = records(N, 5);
  await publishAll(input.map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  const source = new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest', fetchBatch: 256 });
  const rand = random(42);
  const out = new Emitted<Rec>();
  let splits: unknown[] | undefined;
  let rounds = 0;
  for (; rounds < 200; rounds++) {
    const reader = source.createReader(context(splits));
    try {
      await reader.start();
      await pollUntil(reader, out, rand(800));
      splits = structuredClone(reader.snapshotState());
    } finally {
      await reader.close();
    }
    if (splits.length === 0) break;
    const split = splits[0] as JetStreamSplit;
    t.is(split.next, (out.values.at(-1)?.id ?? -1) + 2, 'the split position is one past the last emitted sequence');
  }
  t.deepEqual(splits, [], 'the chain of restores reached the end');
  t.true(rounds > 3, `several restores (${rounds})`);
  t.is(out.values.length, N);
  t.deepEqual(out.values, input, 'every message once, in stream order');
});

test('start positions: a sequence, a time, and new-only; the JetStream timestamp is the record timestamp', async (t) => {
  const stream = await createStream('START');
  const first = await publishAll(records(100, 1).map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  const cut = Date.now();
  await new Promise((r) => setTimeout(r, 20)); // the time start needs messages stored strictly after `cut`
  await publishAll(records(50, 1, 100).map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  const read = async (options: Partial<ConstructorParameters<typeof JetStreamSource<Rec>>[0]>, afterStart?: () => Promise<void>): Promise<Emitted<Rec>> => {
    const reader = new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest', ...options }).createReader(context());
    const out = new Emitted<Rec>();
    try {
      await reader.start();
      await afterStart?.();
      await pollUntil(reader, out, Infinity);
    } finally {
      await reader.close();
    }
    return out;
  };
  const fromSeq = await read({ startFrom: { sequence: 41 } });
  t.deepEqual(fromSeq.values.map((r) => r.id), Array.from({ length: 110 }, (_, i) => 40 + i));
  const byTime = await read({ startFrom: { timeMs: cut + 1 } });
  t.deepEqual(byTime.values.map((r) => r.id), Array.from({ length: 50 }, (_, i) => 100 + i));
  const stopAtSeq = await read({ startFrom: 'first', stopAt: { sequence: 10 } });
  t.deepEqual(stopAtSeq.values.map((r) => r.id), Array.from({ length: 10 }, (_, i) => i));
  // 'new' with an explicit end past the current last sequence: reads only what is published after start.
  const onlyNew = await read({ startFrom: 'new', stopAt: { sequence: 155 } }, async () => {
    await publishAll(records(5, 1, 150).map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  });
  t.deepEqual(onlyNew.values.map((r) => r.id), [150, 151, 152, 153, 154]);
  // Timestamps: the server's stored time of each message, epoch ms.
  const all = await read({});
  for (const [i, ack] of first.entries()) {
    const stored = await jsm.streams.getMessage(stream, { seq: ack.seq });
    t.is(all.timestamps[i], Math.floor(stored.time.getTime()), `message ${ack.seq}`);
    if (i >= 2) break;
  }
  t.true(all.timestamps.every((ts) => typeof ts === 'number' && Math.abs(ts - cut) < 60_000));
});

test('the JetStream timestamp reaches a watermark strategy: event-time windows count per second of storage time', async (t) => {
  const stream = await createStream('EVENTTIME');
  const acks = await publishAll(records(300, 1).map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  // Independently: the storage time of each message, from the server.
  const perSecond = new Map<number, number>();
  for (const ack of acks) {
    const m = await jsm.streams.getMessage(stream, { seq: ack.seq });
    const second = Math.floor(m.time.getTime() / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const seen: number[] = [];
  const out = await env
    .fromSource(
      new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest' }),
      WatermarkStrategy.forMonotonousTimestamps<Rec>().withTimestampAssigner((_r, ts) => {
        seen.push(ts);
        return Math.floor(ts / 1000);
      }),
      'jetstream',
    )
    .map((r) => r.id)
    .executeAndCollect();
  t.is(out.length, 300);
  const counted = new Map<number, number>();
  for (const ts of seen) counted.set(Math.floor(ts / 1000), (counted.get(Math.floor(ts / 1000)) ?? 0) + 1);
  t.deepEqual(sortedEntries(counted), sortedEntries(perSecond), 'the assigner got each message’s JetStream timestamp (ms)');
});

// --- savepoint ----------------------------------------------------------------------------------------

test('a restore from a savepoint resumes at the stored sequence: the two runs read every record once', async (t) => {
  const stream = await createStream('SAVEPOINT');
  const N = 20_000;
  const KEYS = 11;
  const input = records(N, KEYS);
  await publishAll(input.map((r) => ({ subject: `${stream}.r`, data: enc.encode(JSON.stringify(r)) })));
  const dir = mkdtempSync(join(tmpdir(), 'weir-nats-savepoint-'));
  dirs.push(dir);
  const build = (env: StreamExecutionEnvironment, sink: (r: Rec) => void | Promise<void>): void => {
    env
      .fromSource(new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest', fetchBatch: 200 }), 'jetstream')
      .uid('jetstream')
      .keyBy((r) => r.key)
      .reduce((a, b) => ({ id: b.id, key: a.key, value: a.value + b.value }))
      .uid('sum')
      .sinkTo({ createWriter: () => ({ write: sink, flush() {}, close() {} }) });
  };
  // Run 1, slowed down by its sink, stopped with a savepoint once 5,000 records came through.
  const before: Rec[] = [];
  const control = new Deferred<JobControl>();
  const saved = new Deferred<string>();
  let asked = false;
  const env1 = StreamExecutionEnvironment.create({ parallelism: 1, batchSize: 64, mailboxCapacity: 2 });
  build(env1, (r) => {
    before.push(r);
    if (before.length === 5_000 && !asked) {
      asked = true;
      void control.promise.then((c) => c.stopWithSavepoint(dir)).then((s) => saved.resolve(s.path), saved.reject);
    }
    return before.length % 50 === 0 ? new Promise((r) => setTimeout(r, 1)) : undefined;
  });
  await env1.execute({ onStarted: (c) => control.resolve(c) });
  const savepoint = await saved.promise;
  t.true(before.length >= 5_000 && before.length < N, `run 1 stopped part-way (${before.length})`);
  // Run 2 from the savepoint.
  const after: Rec[] = [];
  const env2 = StreamExecutionEnvironment.create({ parallelism: 2 });
  build(env2, (r) => void after.push(r));
  const result = await env2.execute({ fromSavepoint: savepoint });
  t.is(result.checkpoints.restoredFrom, savepoint);
  t.is(before.length + after.length, N, 'together the runs read each record once');
  const ids = [...before, ...after].map((r) => r.id).sort((a, b) => a - b);
  t.deepEqual(ids, input.map((r) => r.id));
  const lastBefore = Math.max(...before.map((r) => r.id));
  t.is(Math.min(...after.map((r) => r.id)), lastBefore + 1, 'run 2 starts at the sequence after the last record of run 1');
  t.deepEqual(sortedEntries(finalSums(after)), sortedEntries(sums(input)), 'the keyed state and the position were restored together');
});

// --- malformed messages -------------------------------------------------------------------------------

test('garbage messages: with a dead-letter tag they go to the side output (stream, seq, subject), the rest is read', async (t) => {
  const stream = await createStream('GARBAGE');
  const items: { subject: string; data: Uint8Array }[] = [];
  const garbageSeqs: number[] = [];
  for (let i = 0; i < 500; i++) {
    if (i % 97 === 13) {
      items.push({ subject: `${stream}.bad`, data: enc.encode(`not json ${i}`) });
      garbageSeqs.push(i + 1);
    } else items.push({ subject: `${stream}.good`, data: enc.encode(JSON.stringify({ id: i, key: 0, value: i })) });
  }
  await publishAll(items);
  const dead = new OutputTag<NatsDeadLetter>('bad-messages');
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const main = env.fromSource(new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest', deadLetter: dead }), 'jetstream');
  const letters: NatsDeadLetter[] = [];
  main.getSideOutput(dead).sinkTo({ createWriter: () => ({ write: (d: NatsDeadLetter) => void letters.push(d), flush() {}, close() {} }) });
  const good = await main.map((r) => r.id).executeAndCollect();
  t.deepEqual(good, items.map((_, i) => i).filter((i) => !garbageSeqs.includes(i + 1)));
  t.deepEqual(letters.map((d) => d.seq), garbageSeqs);
  t.true(letters.every((d) => d.stream === stream && d.subject === `${stream}.bad` && d.raw.startsWith('not json') && d.reason.length > 0));
});

test('garbage messages without a dead-letter tag fail the job with WEIR_ERR_RECORD_PARSE naming stream, sequence and subject', async (t) => {
  const stream = await createStream('GARBAGEFAIL');
  await publishAll([
    { subject: `${stream}.ok`, data: enc.encode('{"id":1}') },
    { subject: `${stream}.ok`, data: enc.encode('{"id":2}') },
    { subject: `${stream}.oops`, data: enc.encode('{broken') },
    { subject: `${stream}.ok`, data: enc.encode('{"id":4}') },
  ]);
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.setRestartStrategy(RestartStrategies.noRestart());
  const err = await t.throwsAsync(env.fromSource(new JetStreamSource<Rec>({ servers: SERVER, stream, stopAt: 'latest' }), 'jetstream').executeAndCollect(), { instanceOf: JobExecutionError });
  let cause: unknown = err;
  while (cause instanceof Error && (cause as { code?: string }).code !== 'WEIR_ERR_RECORD_PARSE') cause = cause.cause;
  t.truthy(cause, `a WEIR_ERR_RECORD_PARSE in the cause chain: ${err?.message}`);
  const message = (cause as Error).message;
  t.true(message.includes(`'${stream}'`) && message.includes('sequence 3') && message.includes(`'${stream}.oops'`), message);
});

test('configuration errors: a missing stream, bad options, a restored split of another kind', async (t) => {
  t.throws(() => new JetStreamSource({ stream: '' }), { message: /stream must be/ });
  t.throws(() => new JetStreamSource({ stream: 'S', startFrom: { sequence: 0 } }), { message: /startFrom/ });
  t.throws(() => new JetStreamSource({ stream: 'S', filterSubjects: [] }), { message: /filterSubjects/ });
  t.throws(() => new JetStreamSource({ stream: 'S' }).createReader(context([{ kind: 'file', file: 'x' }])), { message: /split #0/ });
  const reader = new JetStreamSource({ servers: SERVER, stream: `MISSING_${suffix}`, stopAt: 'latest' }).createReader(context());
  const err = await t.throwsAsync(reader.start());
  t.is((err as { code?: string }).code, 'WEIR_ERR_CONFIG');
  t.regex(err!.message, /does not exist/);
  await reader.close();
});
