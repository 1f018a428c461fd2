import test from 'ava';
import { connect, type NatsConnection } from 'nats';
import { Actor, ActorSystem, type ActorRef } from '../../lib/index.js';
import { encodeControl, encodeFrame } from '../../lib/transport/frame-codec.js';
import { NatsTransport, type NatsTransportOptions } from '../../lib/transport/nats-transport.js';
import { Deferred, Probe } from '../helpers/async-probe.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { Collector, CollectorState, makeBatch, Producer, producerStats, type ProducerStats } from '../helpers/record-stream.js';

test.after.always(async () => {
  await stopAllNatsServers();
});

interface Pair {
  a: ActorSystem;
  b: ActorSystem;
  ta: NatsTransport;
  tb: NatsTransport;
  conns: NatsConnection[];
}

/** Two systems, each with its own connection (as two processes would have). */
async function pair(servers: string[], options: NatsTransportOptions = {}): Promise<Pair> {
  const conns = await Promise.all([0, 1].map(() => connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true })));
  const a = new ActorSystem({ address: 'a' });
  const b = new ActorSystem({ address: 'b' });
  const ta = new NatsTransport('a', conns[0]!, options);
  const tb = new NatsTransport('b', conns[1]!, options);
  a.attachTransport(ta, '*');
  b.attachTransport(tb, '*');
  // Both subscriptions are registered with the server before any frame is published.
  await Promise.all(conns.map((c) => c.flush()));
  return { a, b, ta, tb, conns };
}

async function shutdown(p: Pair): Promise<void> {
  await Promise.all([p.a.terminate(), p.b.terminate()]);
  await Promise.all(p.conns.map((c) => c.close()));
}

function startProducers(p: Pair, target: ActorRef, names: string[], total: number, batchSize: number): ProducerStats[] {
  return names.map((name) => {
    const stats = producerStats();
    const ref = p.a.spawn({ create: () => new Producer(target, name, total, batchSize, stats) }, name);
    p.a.tell(ref, 'go');
    return stats;
  });
}

test.serial('(a) two systems over NATS exchange 1M records in batches: all arrive, in order per sender', async (t) => {
  const server = await NatsServer.start();
  const p = await pair([server.url], { subjectPrefix: 'weir-a' });
  try {
    const state = new CollectorState(1_000_000);
    const sink = p.b.spawn({ create: () => new Collector(state) }, 'sink');
    const producers = startProducers(p, sink, ['p1', 'p2'], 500_000, 1_000);
    await state.done.promise;
    await Promise.all(producers.map((s) => s.done.promise));
    t.is(state.count, 1_000_000);
    t.deepEqual([...state.lastId.entries()].sort(), [['p1', 500_000], ['p2', 500_000]]);
    const sa = p.ta.stats();
    const sb = p.tb.stats();
    t.is(sa.envelopesSent, 1_000);
    t.is(sb.envelopesReceived, 1_000);
    t.true(sa.framesSent < 1_000, 'envelopes are batched into frames');
    t.is(sb.framesDropped + sb.duplicatesDropped + sb.outOfOrderDropped, 0);
    t.is(p.b.deadLetterCount, 0);
    t.log(`frames ${sa.framesSent}, bytes ${sa.bytesSent}, credit waits ${sa.creditWaits}, retransmits ${sa.retransmits}`);
  } finally {
    await shutdown(p);
    await server.dispose();
  }
});

test.serial('(b) a slow receiver back-pressures the sender through credits: nothing lost, in-flight bytes bounded by the window', async (t) => {
  const server = await NatsServer.start();
  const creditBytes = 128 * 1024;
  const p = await pair([server.url], { subjectPrefix: 'weir-b', creditBytes });
  try {
    const total = 20_000;
    const state = new CollectorState(total);
    const sink = p.b.spawn({ create: () => new Collector(state, 2), mailbox: { capacity: 4 } }, 'slow');
    const [stats] = startProducers(p, sink, ['p1'], total, 100);
    await state.done.promise;
    t.is(state.count, total);
    t.true(stats!.paused > 0, 'the sender saw false');
    t.true(stats!.resumed > 0, 'and resumed on onWritable');
    const batchBytes = 100 * 140; // ~125 B per record on the wire, with headroom
    const { maxBytes } = p.ta.inFlight('b');
    t.true(maxBytes > creditBytes / 2, `the window was used (${maxBytes})`);
    t.true(maxBytes <= creditBytes + batchBytes, `in-flight ${maxBytes} ≤ window ${creditBytes} + one batch`);
    t.true(p.ta.stats().creditWaits > 0);
    t.true(p.ta.stats().bytesSent > 10 * creditBytes, 'far more than the window was sent');
  } finally {
    await shutdown(p);
    await server.dispose();
  }
});

test.serial('(c) the NATS server is killed (SIGKILL) and restarted mid-stream: every record arrives exactly once, in order', async (t) => {
  const server = await NatsServer.start();
  const p = await pair([server.url], { subjectPrefix: 'weir-c', creditBytes: 512 * 1024, retransmitMs: 200, maxRetransmitMs: 1_000 });
  try {
    const total = 400_000;
    const state = new CollectorState(total);
    const sink = p.b.spawn({ create: () => new Collector(state) }, 'sink');
    startProducers(p, sink, ['p1', 'p2'], total / 2, 500);
    await state.reached(60_000);
    await server.kill();
    const atKill = state.count;
    t.true(atKill < total, 'the stream was still running when the server died');
    await server.restart();
    await state.done.promise;
    t.is(state.count, total);
    t.deepEqual([...state.lastId.values()], [total / 2, total / 2]);
    t.log(`at kill ${atKill}; retransmits ${p.ta.stats().retransmits}, duplicates dropped ${p.tb.stats().duplicatesDropped}, out of order ${p.tb.stats().outOfOrderDropped}`);
  } finally {
    await shutdown(p);
    await server.dispose();
  }
});

test.serial('(e) garbage on the frame and credit subjects is counted and dropped while a real stream stays correct', async (t) => {
  const server = await NatsServer.start();
  const prefix = 'weir-e';
  const p = await pair([server.url], { subjectPrefix: prefix, creditBytes: 256 * 1024 });
  const raw = await connect({ servers: [server.url] });
  try {
    const total = 200_000;
    const state = new CollectorState(total);
    const sink = p.b.spawn({ create: () => new Collector(state) }, 'sink');
    const markers = new Probe<string>();
    class Marker extends Actor {
      receive(m: unknown): void {
        markers.push(String(m));
      }
    }
    p.a.spawn({ create: () => new Marker() }, 'marker');
    p.b.spawn({ create: () => new Marker() }, 'marker');
    startProducers(p, sink, ['p1'], total, 200);
    await state.reached(20_000);

    const rnd = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(Math.random() * 256));
    const valid = encodeFrame({ from: 'mallory', epoch: 'm1', seq: 1, first: 1, envs: [{ to: { address: 'b', id: 'sink' }, lane: 'data', body: makeBatch('p1', 1, 10) }] });
    const frameGarbage: Uint8Array[] = [
      rnd(1),
      rnd(64),
      rnd(5_000),
      new Uint8Array(0),
      valid.subarray(0, valid.byteLength - 7),
      valid.subarray(0, 20),
      encodeControl({ from: 'mallory', epoch: 'x', ack: 1, credit: 1, window: 1 }), // valid cbor, not a frame
      encodeFrame({ from: 'a.b.*', epoch: 'x', seq: 1, first: 1, envs: [] }), // a frame from an address that is no NATS token
      Uint8Array.from([0xa1, 0x61, 0x78, 0x01]), // {x: 1}
    ];
    const creditGarbage: Uint8Array[] = [rnd(3), rnd(300), valid, encodeControl({ from: 'b', epoch: 'x', ack: 1, credit: 1, window: 1 }).subarray(0, 10)];
    for (const g of frameGarbage) raw.publish(`${prefix}.frame.b`, g);
    for (const g of creditGarbage) raw.publish(`${prefix}.credit.a`, g);
    // Valid frames the receiving system turns into dead letters: an unknown actor, another address.
    raw.publish(`${prefix}.frame.b`, encodeFrame({ from: 'mallory', epoch: 'm2', seq: 1, first: 1, envs: [{ to: { address: 'b', id: 'nobody' }, from: { address: 'mallory', id: 'x' }, lane: 'data', body: 1 }] }));
    raw.publish(`${prefix}.frame.b`, encodeFrame({ from: 'mallory', epoch: 'm2', seq: 2, first: 1, envs: [{ to: { address: 'elsewhere', id: 'sink' }, lane: 'system', body: 2 }] }));
    // A control message for a session a never had: ignored.
    raw.publish(`${prefix}.credit.a`, encodeControl({ from: 'b', epoch: 'not-a-session', ack: 5, credit: 5, window: 1 }));
    // Markers: NATS keeps one publisher's order per subscriber, so once they arrive, the garbage was handled.
    raw.publish(`${prefix}.frame.b`, encodeFrame({ from: 'mallory', epoch: 'm3', seq: 1, first: 1, envs: [{ to: { address: 'b', id: 'marker' }, lane: 'system', body: 'b-done' }] }));
    raw.publish(`${prefix}.frame.a`, encodeFrame({ from: 'mallory', epoch: 'm3', seq: 1, first: 1, envs: [{ to: { address: 'a', id: 'marker' }, lane: 'system', body: 'a-done' }] }));
    await raw.flush();
    // a and b have their own connections: the two markers may arrive in either order.
    t.deepEqual([await markers.next(), await markers.next()].sort(), ['a-done', 'b-done']);
    t.true(state.count < total, 'the garbage arrived while the stream ran');
    t.is(p.tb.stats().framesDropped, frameGarbage.length);
    t.is(p.ta.stats().framesDropped, creditGarbage.length);
    t.is(p.b.deadLetterCount, 2);

    await state.done.promise;
    t.is(state.count, total);
    t.is(state.lastId.get('p1'), total);
  } finally {
    await raw.close();
    await shutdown(p);
    await server.dispose();
  }
});

test.serial('an invalid address or subject prefix is a ConfigurationError', async (t) => {
  const server = await NatsServer.start();
  const nc = await connect({ servers: [server.url] });
  try {
    for (const bad of ['a.b', '*', '>', '', 'a b']) {
      const err = t.throws(() => new NatsTransport(bad, nc), { message: /invalid local address/ });
      t.is((err as { code?: string } | undefined)?.code, 'WEIR_ERR_CONFIG');
    }
    t.throws(() => new NatsTransport('ok', nc, { subjectPrefix: 'weir.>' }), { message: /invalid NATS subject prefix/ });
    t.throws(() => new NatsTransport('ok', nc, { creditBytes: 0 }), { message: /creditBytes/ });
    const tr = new NatsTransport('ok', nc, { subjectPrefix: 'x.y' });
    t.is(tr.frameSubject, 'x.y.frame.ok');
    t.is(tr.creditSubject, 'x.y.credit.ok');
    t.throws(() => tr.send({ to: { address: 'not.ok', id: 'x' }, lane: 'data', body: 1 }), { message: /invalid peer address/ });
    await tr.close();
    t.false(nc.isClosed(), 'a given connection stays open');
  } finally {
    await nc.close();
    await server.dispose();
  }
});

test.serial('forgetPeer releases senders waiting for credit from a dead peer, and close() of an owned connection closes it', async (t) => {
  const server = await NatsServer.start();
  const ta = await NatsTransport.connect('a', { servers: [server.url] }, { subjectPrefix: 'weir-f', creditBytes: 1024 });
  try {
    // Nobody listens at 'ghost': no credit ever comes back.
    t.false(ta.send({ to: { address: 'ghost', id: 'x' }, lane: 'data', body: 'y'.repeat(2_000) }));
    t.true(ta.send({ to: { address: 'ghost', id: 'x' }, lane: 'system', body: 'sys' }), 'the system lane is never held back');
    const released = new Deferred();
    ta.onWritable('ghost', () => released.resolve());
    t.false(released.settled);
    ta.forgetPeer('ghost');
    await released.promise;
    t.is(ta.inFlight('ghost').bytes, 0);
    t.false(ta.hasUnacked);
  } finally {
    await ta.close();
    await ta.nc.closed();
    t.true(ta.nc.isClosed());
    await server.dispose();
  }
});
