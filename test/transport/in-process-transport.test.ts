import test from 'ava';
import { Actor, ActorSystem, WeirError, type ActorRef } from '../../lib/index.js';
import { EnvelopeCodec } from '../../lib/transport/envelope-codec.js';
import { InProcessNetwork } from '../../lib/transport/in-process-transport.js';
import type { InboundSink, TransportEnvelope } from '../../lib/transport/transport.js';
import { Probe } from '../helpers/async-probe.js';

/** Replies with what it received, plus who sent it. */
class Echo extends Actor {
  receive(m: unknown): void {
    this.context.reply({ echo: m, from: this.context.sender });
  }
}

/** On `['ask', target, body]` tells `target` the body; pushes every other message (the replies) to a probe. */
class Client extends Actor {
  constructor(private readonly replies: Probe<unknown>) {
    super();
  }
  receive(m: unknown): void {
    if (Array.isArray(m) && m[0] === 'ask') {
      this.context.tell(m[1] as ActorRef, m[2]);
      return;
    }
    this.replies.push({ reply: m, sender: this.context.sender });
  }
}

interface Pair {
  network: InProcessNetwork;
  a: ActorSystem;
  b: ActorSystem;
  echo: ActorRef;
}

function twoSystems(): Pair {
  const network = new InProcessNetwork({ encode: true });
  const a = new ActorSystem({ address: 'a' });
  const b = new ActorSystem({ address: 'b' });
  a.attachTransport(network.connect('a'), '*');
  b.attachTransport(network.connect('b'), '*');
  const echo = b.spawn({ create: () => new Echo() }, 'echo');
  return { network, a, b, echo };
}

async function shutdown(p: Pair): Promise<void> {
  await Promise.all([p.a.terminate(), p.b.terminate()]);
}

test('an actor in system a tells a ref {address: b, id} and gets the reply', async (t) => {
  const p = twoSystems();
  try {
    const replies = new Probe<unknown>();
    const client = p.a.spawn({ create: () => new Client(replies) }, 'client');
    t.deepEqual(p.echo, { address: 'b', id: 'echo' });
    p.a.tell(client, ['ask', { address: 'b', id: 'echo' }, 'ping']);
    t.deepEqual(await replies.next(), {
      reply: { echo: 'ping', from: { address: 'a', id: 'client' } },
      sender: { address: 'b', id: 'echo' },
    });
    t.is(p.a.deadLetterCount + p.b.deadLetterCount, 0);
  } finally {
    await shutdown(p);
  }
});

test('ask across systems: the temporary sender at a receives the reply from b', async (t) => {
  const p = twoSystems();
  try {
    const r = await p.a.ask<{ echo: unknown; from: ActorRef }>({ address: 'b', id: 'echo' }, { n: 1 });
    t.deepEqual(r.echo, { n: 1 });
    t.is(r.from.address, 'a');
    t.regex(r.from.id, /^temp\//);
  } finally {
    await shutdown(p);
  }
});

test('per-sender order is kept across the transport', async (t) => {
  const p = twoSystems();
  try {
    const got = new Probe<unknown>();
    class Sink extends Actor {
      receive(m: unknown): void {
        got.push(m);
      }
    }
    p.b.spawn({ create: () => new Sink() }, 'sink');
    const N = 1_000;
    for (let i = 0; i < N; i++) p.a.tell({ address: 'b', id: 'sink' }, i);
    t.deepEqual(await got.count(N), Array.from({ length: N }, (_, i) => i));
  } finally {
    await shutdown(p);
  }
});

test('plain data round-trips through cbor: nested arrays and objects, bigint, Uint8Array, Map, Set, Date, special numbers', async (t) => {
  const p = twoSystems();
  try {
    const bodies: unknown[] = [
      [1, [2, [3, [4, []]]], 'x', null, true],
      { a: { b: [1, { c: 'd' }] }, e: [] },
      12345678901234567890n,
      -7n,
      new Uint8Array([0, 1, 2, 254, 255]),
      new Map<unknown, unknown>([
        ['k', 1],
        [2, ['v']],
      ]),
      new Set([1, 'two']),
      new Date(86_400_000),
      1.5,
      Number.MAX_SAFE_INTEGER,
      Infinity,
      'ünïcødé ✓',
    ];
    for (const body of bodies) {
      const r = await p.a.ask<{ echo: unknown }>(p.echo, body);
      t.deepEqual(r.echo, body);
    }
    const nan = await p.a.ask<{ echo: unknown }>(p.echo, NaN);
    t.true(Number.isNaN(nan.echo));
  } finally {
    await shutdown(p);
  }
});

test('what cbor does to non-plain bodies: class instances lose their prototype, -0 becomes 0', async (t) => {
  // Documented behaviour (not a guarantee to rely on): messages must be plain data.
  const p = twoSystems();
  try {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const r = await p.a.ask<{ echo: unknown }>(p.echo, new Point(3, 4));
    t.deepEqual(r.echo, { x: 3, y: 4 });
    t.false(r.echo instanceof Point);
    t.is(Object.getPrototypeOf(r.echo), Object.prototype);
    const z = await p.a.ask<{ echo: number }>(p.echo, -0);
    t.true(Object.is(z.echo, 0));
  } finally {
    await shutdown(p);
  }
});

test('a body cbor cannot encode (a function, a symbol) makes tell throw WeirError WEIR_ERR_ENCODE synchronously', async (t) => {
  const p = twoSystems();
  try {
    const fn = t.throws(() => p.a.tell(p.echo, { f: () => 1 }), { instanceOf: WeirError, message: /Unknown type: function/ });
    t.is(fn?.code, 'WEIR_ERR_ENCODE');
    t.regex(fn?.message ?? '', /echo@b/);
    const sym = t.throws(() => p.a.tell(p.echo, Symbol('s')), { instanceOf: WeirError, message: /Unknown type: symbol/ });
    t.is(sym?.code, 'WEIR_ERR_ENCODE');
    t.is(p.network.undeliverable, 0);
    // The systems keep working afterwards.
    const r = await p.a.ask<{ echo: unknown }>(p.echo, 'still up');
    t.is(r.echo, 'still up');
  } finally {
    await shutdown(p);
  }
});

test('envelopes to an address nobody connected are counted as undeliverable by the network', async (t) => {
  const p = twoSystems();
  try {
    t.true(p.a.tell({ address: 'c', id: 'x' }, 'lost'));
    t.is(p.network.undeliverable, 1);
  } finally {
    await shutdown(p);
  }
});

test('a transport per address takes precedence over the default transport', async (t) => {
  const shared = new InProcessNetwork({ encode: true });
  const a = new ActorSystem({ address: 'a' });
  const b = new ActorSystem({ address: 'b' });
  const nowhere = new InProcessNetwork();
  try {
    a.attachTransport(nowhere.connect('a'), '*'); // default: a network where b does not exist
    a.attachTransport(shared.connect('a'), 'b'); // specific route to b
    b.attachTransport(shared.connect('b'), '*');
    b.spawn({ create: () => new Echo() }, 'echo');
    const r = await a.ask<{ echo: unknown }>({ address: 'b', id: 'echo' }, 'via b route');
    t.is(r.echo, 'via b route');
    a.tell({ address: 'z', id: 'x' }, 1);
    t.is(nowhere.undeliverable, 1);
    t.is(shared.undeliverable, 0);
  } finally {
    await Promise.all([a.terminate(), b.terminate()]);
  }
});

test('terminate closes the transport; closed() resolves', async (t) => {
  const network = new InProcessNetwork({ encode: true });
  const system = new ActorSystem({ address: 'a' });
  const transport = network.connect('a');
  system.attachTransport(transport, '*');
  await system.terminate();
  t.is(await transport.closed(), undefined);
  // A closed transport swallows sends.
  t.true(transport.send({ to: { address: 'b', id: 'x' }, lane: 'data', body: 1 }));
});

test('an inbound envelope for an unknown actor or another address is a dead letter, logged at most once per second', async (t) => {
  const network = new InProcessNetwork();
  const b = new ActorSystem({ address: 'b' });
  const tb = network.connect('b');
  b.attachTransport(tb, '*');
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    for (let i = 0; i < 3; i++) tb.deliver({ to: { address: 'b', id: 'ghost' }, from: { address: 'a', id: 'src' }, lane: 'data', body: i });
    tb.deliver({ to: { address: 'c', id: 'x' }, lane: 'system', body: 'misrouted' });
  } finally {
    process.stderr.write = write;
  }
  t.is(b.deadLetterCount, 4);
  t.is(lines.length, 2, lines.join(''));
  t.regex(lines[0] ?? '', /no such actor: actor 'ghost' at address 'b', sent by src@a/);
  t.regex(lines[1] ?? '', /envelope for 'c' arrived at 'b': actor 'x' at address 'c'/);
  await b.terminate();
});

test('the inbound sink reports a full data lane (false) and onWritable fires once it drained', async (t) => {
  const b = new ActorSystem({ address: 'b' });
  const network = new InProcessNetwork();
  let sink: InboundSink | undefined;
  const tb = network.connect('b');
  tb.onReceive = (s: InboundSink): void => {
    sink = s;
  };
  b.attachTransport(tb, '*');
  const got = new Probe<unknown>();
  class Sink extends Actor {
    receive(m: unknown): void {
      got.push(m);
    }
  }
  const ref = b.spawn({ create: () => new Sink(), mailbox: { capacity: 2 } }, 'sink');
  const results = [0, 1, 2].map((i) => sink!.deliver({ to: ref, lane: 'data', body: i }));
  t.deepEqual(results, [true, false, false]);
  t.true(sink!.deliver({ to: ref, lane: 'system', body: 'sys' }));
  const writable = new Promise<void>((resolve) => sink!.onWritable(ref, resolve));
  await writable;
  await got.count(4);
  await b.terminate();
});

// ---- EnvelopeCodec ----

test('EnvelopeCodec round-trips an envelope, and repeated record shapes', (t) => {
  const codec = new EnvelopeCodec();
  const batch = { t: 'rb', ch: 3, v: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], ts: [1, 2] };
  const env: TransportEnvelope = { to: { address: 'b', id: 'job/v1.0' }, from: { address: 'a', id: 'job/v0.0' }, lane: 'data', body: batch };
  for (let i = 0; i < 3; i++) t.deepEqual(codec.decode(codec.encode(env)), env);
});

test('EnvelopeCodec.decode of garbage bytes throws WeirError WEIR_ERR_DECODE', (t) => {
  const codec = new EnvelopeCodec();
  const garbage = [
    new Uint8Array([]),
    new Uint8Array([0xff, 0xff, 0xff]),
    new Uint8Array([0x1c]),
    new Uint8Array([0xa1]), // a map header with no entries
    new Uint8Array([0x9f, 0x01, 0x02]), // an unterminated indefinite array
  ];
  for (const bytes of garbage) {
    const err = t.throws(() => codec.decode(bytes), { instanceOf: WeirError });
    t.is(err?.code, 'WEIR_ERR_DECODE');
    t.regex(err?.message ?? '', new RegExp(`\\(${bytes.byteLength} bytes\\)`));
  }
});

test('EnvelopeCodec.decode of valid cbor that is not an envelope throws WEIR_ERR_DECODE', (t) => {
  const codec = new EnvelopeCodec();
  const other = new EnvelopeCodec();
  const notEnvelopes: unknown[] = [42, 'text', null, { to: 'b', lane: 'data' }, { to: { address: 'b', id: 1 }, lane: 'data' }, { to: { address: 'b', id: 'x' }, lane: 'other' }];
  for (const v of notEnvelopes) {
    const bytes = other.encode(v as TransportEnvelope);
    const err = t.throws(() => codec.decode(bytes), { instanceOf: WeirError });
    t.is(err?.code, 'WEIR_ERR_DECODE', JSON.stringify(v));
  }
  // A truncated real envelope.
  const full = codec.encode({ to: { address: 'b', id: 'x' }, lane: 'system', body: [1, 2, 3, 'four'] });
  const err = t.throws(() => codec.decode(full.subarray(0, full.byteLength - 3)), { instanceOf: WeirError });
  t.is(err?.code, 'WEIR_ERR_DECODE');
});
