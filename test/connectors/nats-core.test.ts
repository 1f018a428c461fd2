/**
 * Core NATS NatsSource / NatsSink against the real server at 127.0.0.1:4222 (at-most-once): a
 * round trip through a job with a publisher and a subscriber outside it, a queue group shared by
 * parallel subtasks, the bounded buffer dropping and counting what a slow job cannot take, and
 * malformed payloads.
 */
import test from 'ava';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { NatsSink, NatsSource, OutputTag, StreamExecutionEnvironment, type JobControl, type NatsDeadLetter, type ReaderOutput } from '../../lib/index.js';
import { Deferred } from '../helpers/async-probe.js';

const SERVER = '127.0.0.1:4222';
const suffix = Math.random().toString(36).slice(2, 10);
let nc: NatsConnection;
const enc = new TextEncoder();
const dec = new TextDecoder();

test.before(async () => {
  nc = await connect({ servers: SERVER });
});

test.after.always(async () => {
  await nc?.close();
});

interface Msg {
  n: number;
  warmup?: boolean;
}

/**
 * Runs `job` (reading `in`, writing `out`) and an outside publisher: warm-up messages until one
 * comes out (the job subscribed: core NATS drops what is published before), then `count` numbered
 * messages; resolves with the numbered messages seen on `out`, once `count` arrived, and cancels the job.
 */
async function roundTrip(parallelism: number, queue: string | undefined, count: number): Promise<{ got: number[]; ms: number; dropped: number }> {
  const inSubject = `weir.test.${suffix}.in.${parallelism}`;
  const outSubject = `weir.test.${suffix}.out.${parallelism}`;
  const got: number[] = [];
  const warm = new Deferred();
  const done = new Deferred();
  const sub: Subscription = nc.subscribe(outSubject, {
    callback: (_err, m) => {
      const v = JSON.parse(dec.decode(m.data)) as Msg;
      if (v.warmup === true) warm.resolve();
      else if (got.push(v.n) === count) done.resolve();
    },
  });
  await nc.flush();
  const env = StreamExecutionEnvironment.create({ parallelism });
  // The publisher below is much faster than the job: a buffer for all of them, so none is dropped.
  const source = new NatsSource<Msg>({ servers: SERVER, subject: inSubject, maxBufferedMessages: count, ...(queue !== undefined ? { queue } : {}) });
  env
    .fromSource(source, 'nats-in')
    .map((m) => ({ ...m, n: m.n * 2 }))
    .sinkTo(new NatsSink<Msg>({ servers: SERVER, subject: outSubject }), 'nats-out');
  const control = new Deferred<JobControl>();
  const running = env.execute({ onStarted: (c) => control.resolve(c) });
  await control.promise;
  const warmer = setInterval(() => nc.publish(inSubject, enc.encode(JSON.stringify({ n: -1, warmup: true }))), 20);
  await warm.promise;
  clearInterval(warmer);
  const started = performance.now();
  for (let i = 0; i < count; i++) nc.publish(inSubject, enc.encode(JSON.stringify({ n: i })));
  await nc.flush();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done.promise, new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
  clearTimeout(timer);
  const ms = performance.now() - started;
  await (await control.promise).cancel();
  await running;
  sub.unsubscribe();
  return { got, ms, dropped: source.droppedMessages };
}

test('round trip: an outside publisher → NatsSource → map → NatsSink → an outside subscriber', async (t) => {
  const N = 20_000;
  const { got, ms, dropped } = await roundTrip(1, undefined, N);
  t.is(dropped, 0);
  t.log(`core NATS round trip: ${N} records in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)} records/s`);
  t.deepEqual(got, Array.from({ length: N }, (_, i) => i * 2), 'every message, in order (no loss while nothing restarts)');
});

test('a queue group spreads the messages over parallel subtasks: each message once', async (t) => {
  const N = 5_000;
  const { got, dropped } = await roundTrip(3, `weir-${suffix}`, N);
  t.is(dropped, 0);
  t.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i * 2));
});

class Emitted implements ReaderOutput<Msg> {
  readonly values: Msg[] = [];
  readonly dead: NatsDeadLetter[] = [];
  collect(value: Msg): void {
    this.values.push(value);
  }
  collectSide<X>(_tag: OutputTag<X>, value: X): void {
    this.dead.push(value as unknown as NatsDeadLetter);
  }
}

test('the buffer is bounded: messages beyond maxBufferedMessages are dropped and counted; garbage goes to the dead-letter tag', async (t) => {
  const subject = `weir.test.${suffix}.buffer`;
  const dead = new OutputTag<NatsDeadLetter>('bad');
  const source = new NatsSource<Msg>({ servers: SERVER, subject, maxBufferedMessages: 100, deadLetter: dead });
  const reader = source.createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
  await reader.start();
  // A second subscriber tells when every message reached the server's subscribers.
  const all = new Deferred();
  let seen = 0;
  const probe = nc.subscribe(subject, { callback: () => void (++seen === 250 && all.resolve()) });
  await nc.flush();
  nc.publish(subject, enc.encode('garbage'));
  for (let i = 1; i < 250; i++) nc.publish(subject, enc.encode(JSON.stringify({ n: i })));
  await nc.flush();
  await all.promise;
  // The reader's connection got them too (its subscription was flushed in start()); wait for its buffer to fill.
  while (source.droppedMessages < 150) await new Promise((r) => setTimeout(r, 5));
  const out = new Emitted();
  t.is(reader.pollNext(out), 'NOTHING_AVAILABLE', 'the whole buffer was emitted in one poll');
  t.is(source.droppedMessages, 150);
  t.deepEqual(out.values.map((m) => m.n), Array.from({ length: 99 }, (_, i) => i + 1), 'the first 100 messages were kept');
  t.is(out.dead.length, 1);
  t.is(out.dead[0]?.subject, subject);
  t.is(out.dead[0]?.raw, 'garbage');
  probe.unsubscribe();
  await reader.close();
  // A subtask other than 0 without a queue group does not subscribe: it ends at once.
  const other = source.createReader({ subtaskIndex: 1, parallelism: 2, operatorName: 'src' });
  await other.start();
  t.is(other.pollNext(out), 'END_OF_INPUT');
  await other.close();
  // Without a dead-letter tag, garbage fails the reader naming the subject.
  const strict = new NatsSource<Msg>({ servers: SERVER, subject }).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
  await strict.start();
  nc.publish(subject, enc.encode('{oops'));
  await strict.isAvailable();
  const err = t.throws(() => strict.pollNext(out));
  t.is((err as { code?: string }).code, 'WEIR_ERR_RECORD_PARSE');
  t.true(err!.message.includes(`NATS subject '${subject}'`), err!.message);
  await strict.close();
});
