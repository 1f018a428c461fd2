/**
 * JetStreamSink against the real NATS server with JetStream at 127.0.0.1:4222: exactly-once across
 * an injected failure (a job reading one stream and writing another, checked message by message
 * with a consumer), the two-phase commit driven step by step through the SinkOperator (a re-commit
 * after a crash is deduplicated by message id), fresh runs not colliding, the duplicate-window
 * check, and at-least-once mode. Expectations are computed with plain loops.
 */
import test from 'ava';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { JetStreamSink, JetStreamSource, RestartStrategies, StreamExecutionEnvironment } from '../../lib/index.js';
import { SinkSubtask } from './sink-harness.js';

const SERVER = '127.0.0.1:4222';
const suffix = Math.random().toString(36).slice(2, 10).toUpperCase();
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const streams: string[] = [];

test.before(async () => {
  nc = await connect({ servers: SERVER, noAsyncTraces: true });
  js = nc.jetstream();
  jsm = await nc.jetstreamManager();
});

test.after.always(async () => {
  for (const s of streams) await jsm?.streams.delete(s).catch(() => undefined);
  await nc?.close();
});

interface Rec {
  id: number;
  key: number;
  value: number;
}

interface Out {
  id: number;
  key: number;
  sum: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function createStream(name: string, duplicateWindowMs = 120_000): Promise<string> {
  const stream = `${name}_${suffix}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], duplicate_window: duplicateWindowMs * 1_000_000 });
  streams.push(stream);
  return stream;
}

async function publishRecords(stream: string, recs: readonly Rec[]): Promise<void> {
  for (let i = 0; i < recs.length; i += 1000) {
    await Promise.all(recs.slice(i, i + 1000).map((r) => js.publish(`${stream}.in`, enc.encode(JSON.stringify(r)))));
  }
}

function records(n: number, keys: number): Rec[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, key: i % keys, value: (i * 7919) % 1000 }));
}

/** Every message of `stream`, in order, read with nats.js's ordered consumer (independent of the connector). */
async function readStream<T>(stream: string): Promise<{ subject: string; value: T; msgId: string | undefined }[]> {
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  const out: { subject: string; value: T; msgId: string | undefined }[] = [];
  if (total === 0) return out;
  const consumer = await js.consumers.get(stream);
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(1000, total - out.length), expires: 2000 });
    for await (const m of batch) out.push({ subject: m.subject, value: JSON.parse(dec.decode(m.data)) as T, msgId: m.headers?.get('Nats-Msg-Id') });
  }
  await consumer.delete().catch(() => undefined);
  return out;
}

/** Per input record, the running sum of its key after it (one upstream subtask reads in order). */
function runningSums(recs: readonly Rec[]): Map<number, Out> {
  const sum = new Map<number, number>();
  const out = new Map<number, Out>();
  for (const r of recs) {
    const s = (sum.get(r.key) ?? 0) + r.value;
    sum.set(r.key, s);
    out.set(r.id, { id: r.id, key: r.key, sum: s });
  }
  return out;
}

/** The job: source stream → (failing once at `failAt`) → keyed running sum → sink. */
function buildJob(env: StreamExecutionEnvironment, source: string, sink: JetStreamSink<Out>, failAt: number | undefined): void {
  let failed = false;
  env
    .fromSource(new JetStreamSource<Rec>({ servers: SERVER, stream: source, stopAt: 'latest', fetchBatch: 500 }), 'jetstream-in')
    .uid('in')
    .map((r) => {
      if (r.id === failAt && !failed) {
        failed = true;
        throw new Error(`injected failure at record ${r.id}`);
      }
      return r;
    })
    .map((r): Out => ({ id: r.id, key: r.key, sum: r.value }))
    .keyBy((o) => o.key)
    // A keyed running sum that carries the id of the latest record.
    .reduce((a, b) => ({ id: b.id, key: a.key, sum: a.sum + b.sum }))
    .uid('sum')
    .sinkTo(sink, 'jetstream-out')
    .uid('out');
}

test.serial('exactly-once across a failure: the output stream holds every expected message exactly once', async (t) => {
  const input = await createStream('EO_IN');
  const output = await createStream('EO_OUT');
  const N = 20_000;
  const recs = records(N, 17);
  await publishRecords(input, recs);
  const sink = new JetStreamSink<Out>({ servers: SERVER, subject: (o) => `${output}.k${o.key % 3}`, stream: output });
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(20);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  const started = performance.now();
  buildJob(env, input, sink, 13_000);
  const result = await env.execute();
  const ms = performance.now() - started;
  t.log(`source → keyed sum → EO JetStreamSink, 1 failure: ${N} records in ${ms.toFixed(0)} ms (${Math.round((N / ms) * 1000)} records/s); ${result.checkpoints.completed} checkpoints; sink stats ${JSON.stringify(sink.stats)}`);
  t.is(result.checkpoints.restarts, 1, 'the injected failure restarted the job once');
  const stored = await readStream<Out>(output);
  t.is(stored.length, N, 'count');
  const expected = runningSums(recs);
  const seen = new Set<number>();
  let wrong = 0;
  for (const m of stored) {
    if (seen.has(m.value.id)) wrong++;
    seen.add(m.value.id);
    const e = expected.get(m.value.id);
    if (e === undefined || e.sum !== m.value.sum || e.key !== m.value.key || m.subject !== `${output}.k${e.key % 3}`) wrong++;
  }
  t.is(seen.size, N, 'every record once');
  t.is(wrong, 0, 'no duplicate, every sum, key and subject as computed');
  t.true(stored.every((m) => m.msgId !== undefined && /^Sink: jetstream-out\.[0-9a-f]{8}-[01]-\d+-\d+$/.test(m.msgId)), `message ids ${stored[0]?.msgId}`);
});

test.serial('two-phase commit step by step: nothing before the checkpoint completes; a re-commit after a crash is deduplicated', async (t) => {
  const out = await createStream('TPC');
  const sink = new JetStreamSink<number>({ servers: SERVER, subject: `${out}.n` });
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
  const stored = async (): Promise<number[]> => (await readStream<number>(out)).map((m) => m.value);

  const a = await SinkSubtask.start(sink);
  await a.write(...range(0, 100));
  await a.snapshot(1);
  t.deepEqual(await stored(), [], 'nothing visible before checkpoint 1 completes');
  await a.complete(1);
  t.deepEqual(await stored(), range(0, 100));
  await a.write(...range(100, 150));
  const cp2 = await a.snapshot(2);
  await a.complete(2); // committed, then the process dies before anyone learns it finished
  t.deepEqual(await stored(), range(0, 150));
  await a.write(...range(150, 170)); // never prepared: lost with the crash, replayed by the source
  await a.close();

  const before = sink.stats.duplicates;
  const b = await SinkSubtask.start(sink, { restore: { snapshot: cp2, checkpointId: 2 } });
  t.is(sink.stats.duplicates - before, 50, "checkpoint 2's 50 messages were re-committed and dropped as duplicates");
  t.deepEqual(await stored(), range(0, 150), 'the re-commit stored nothing twice');
  await b.write(...range(150, 200));
  await b.endInput();
  await b.snapshot(3);
  await b.complete(3);
  await b.close();
  t.deepEqual(await stored(), range(0, 200), 'every record exactly once');

  // A fresh run of the same job (same sink name, new run id) is not mistaken for duplicates.
  const c = await SinkSubtask.start(sink);
  await c.write(1000, 1001);
  await c.snapshot(1);
  await c.complete(1);
  await c.close();
  t.deepEqual((await stored()).slice(200), [1000, 1001]);
});

test.serial('a stream whose duplicate window is too short for exactly-once is a configuration error', async (t) => {
  const out = await createStream('SHORTWIN', 1_000);
  const sink = new JetStreamSink<number>({ servers: SERVER, subject: `${out}.n` });
  const err = await t.throwsAsync(sink.createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' }));
  t.is((err as { code?: string }).code, 'WEIR_ERR_CONFIG');
  t.regex(err!.message, /duplicate window of 1000 ms/);
  const none = new JetStreamSink<number>({ servers: SERVER, subject: `NOWHERE_${suffix}.n` });
  const err2 = await t.throwsAsync(none.createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' }));
  t.is((err2 as { code?: string }).code, 'WEIR_ERR_CONFIG');
  // Without the check, publishing to a subject no stream captures fails with WEIR_ERR_NATS.
  const unchecked = new JetStreamSink<number>({ servers: SERVER, subject: `NOWHERE_${suffix}.n`, minDuplicateWindowMs: 0 });
  const committer = await unchecked.createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' });
  const err3 = await t.throwsAsync(committer.commit([{ kind: 'jetstream', idPrefix: 'x', subjects: [`NOWHERE_${suffix}.n`], subjectOf: null, data: enc.encode('1'), ends: [1] }]));
  await committer.close();
  t.is((err3 as { code?: string }).code, 'WEIR_ERR_NATS');
  t.regex(err3!.message, /no JetStream stream captures/);
});

test.serial('AT_LEAST_ONCE: every record at least once across a failure, exactly the records without one', async (t) => {
  const input = await createStream('ALO_IN');
  const N = 10_000;
  const recs = records(N, 7);
  await publishRecords(input, recs);
  const expected = runningSums(recs);
  for (const failAt of [undefined, 6_000]) {
    const output = await createStream(`ALO_OUT_${failAt ?? 0}`);
    const sink = new JetStreamSink<Out>({ servers: SERVER, subject: `${output}.x`, deliveryGuarantee: 'AT_LEAST_ONCE' });
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(20);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
    const started = performance.now();
    buildJob(env, input, sink, failAt);
    const result = await env.execute();
    const ms = performance.now() - started;
    t.log(`AT_LEAST_ONCE${failAt !== undefined ? ' with a failure' : ''}: ${N} records in ${ms.toFixed(0)} ms (${Math.round((N / ms) * 1000)} records/s)`);
    const stored = await readStream<Out>(output);
    const ids = new Set(stored.map((m) => m.value.id));
    t.is(ids.size, N, 'every record at least once');
    t.true(stored.every((m) => expected.get(m.value.id)?.sum === m.value.sum), 'each stored message is a correct running sum');
    if (failAt === undefined) {
      t.is(stored.length, N, 'without a failure: each once');
      t.is(result.checkpoints.restarts, 0);
    } else {
      t.is(result.checkpoints.restarts, 1);
      t.true(stored.length >= N, `${stored.length} messages (replayed records since the last checkpoint may be duplicated)`);
    }
  }
});
