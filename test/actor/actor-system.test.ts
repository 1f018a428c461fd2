import test from 'ava';
import { Actor, ActorSystem, AskTimeoutError, ConfigurationError, ManualClock, oneForOne, type ActorRef, type InspectionEvent } from '../../lib/index.js';
import { Deferred, Probe, turns } from '../helpers/async-probe.js';

// ---- Test actors ----

/** Pushes every message it receives to a probe. */
class Recorder extends Actor {
  constructor(private readonly log: Probe<unknown>) {
    super();
  }
  receive(message: unknown): void {
    this.log.push(message);
  }
}

/** Records each message, then waits on the gate registered for it (if any) before taking the next. */
class Gated extends Actor {
  constructor(
    private readonly log: Probe<unknown>,
    private readonly gates: Map<unknown, Deferred>,
    private readonly onStop?: () => void,
  ) {
    super();
  }
  receive(message: unknown): void | Promise<void> {
    this.log.push(message);
    return this.gates.get(message)?.promise;
  }
  override postStop(): void {
    this.onStop?.();
  }
}

/** Sends `total` numbered messages `[id, seq]` to `target`, `chunk` per message it handles. */
class Sender extends Actor {
  private sent = 0;
  constructor(
    private readonly id: number,
    private readonly target: ActorRef,
    private readonly total: number,
    private readonly chunk: number,
  ) {
    super();
  }
  receive(): void {
    const stop = Math.min(this.total, this.sent + this.chunk);
    for (; this.sent < stop; this.sent++) this.context.tell(this.target, [this.id, this.sent]);
    if (this.sent < this.total) this.context.tell(this.context.self, 'more');
  }
}

class Doubler extends Actor<number> {
  receive(x: number): void {
    this.context.reply(x * 2);
  }
}

function gatesFor(...messages: unknown[]): Map<unknown, Deferred> {
  return new Map(messages.map((m) => [m, new Deferred()]));
}

// ---- Ordering ----

test('per-sender ordering: each of N senders’ M numbered messages arrive in order', async (t) => {
  const system = new ActorSystem();
  try {
    const N = 8;
    const M = 500;
    const log = new Probe<unknown>();
    const target = system.spawn({ create: () => new Recorder(log) }, 'target');
    const senders = Array.from({ length: N }, (_, i) => system.spawn({ create: () => new Sender(i, target, M, 7) }, `sender-${i}`));
    for (const s of senders) system.tell(s, 'go');
    const all = (await log.count(N * M)) as [number, number][];
    t.is(all.length, N * M);
    const bySender = new Map<number, number[]>();
    for (const [id, seq] of all) {
      const l = bySender.get(id) ?? [];
      l.push(seq);
      bySender.set(id, l);
    }
    const expected = Array.from({ length: M }, (_, i) => i);
    for (let i = 0; i < N; i++) t.deepEqual(bySender.get(i), expected, `sender ${i}`);
    // The senders really interleaved (otherwise per-sender order would be trivial).
    let switches = 0;
    for (let i = 1; i < all.length; i++) if (all[i]![0] !== all[i - 1]![0]) switches++;
    t.true(switches > N, `only ${switches} sender switches`);
  } finally {
    await system.terminate();
  }
});

test('system mail sent while the actor is busy is received before the data queued earlier', async (t) => {
  const system = new ActorSystem();
  try {
    const log = new Probe<unknown>();
    const gates = gatesFor('block');
    const ref = system.spawn({ create: () => new Gated(log, gates) }, 'gated');
    system.tell(ref, 'block');
    t.is(await log.next(), 'block'); // the actor is now awaiting the gate
    system.tell(ref, 'd1');
    system.tell(ref, 'd2');
    system.tell(ref, 'd3');
    system.tellSystem(ref, 'sys1');
    system.tellSystem(ref, 'sys2');
    t.deepEqual(system.mailboxDepth(ref), { system: 2, data: 3 });
    gates.get('block')!.resolve();
    t.deepEqual(await log.count(6), ['block', 'sys1', 'sys2', 'd1', 'd2', 'd3']);
  } finally {
    await system.terminate();
  }
});

test('async receive: the next message waits until the previous promise settled (order kept, no overlap)', async (t) => {
  const system = new ActorSystem();
  try {
    const N = 200;
    const state = { active: 0, maxActive: 0, log: [] as number[] };
    const done = new Deferred();
    class Slow extends Actor<number> {
      async receive(i: number): Promise<void> {
        state.active++;
        state.maxActive = Math.max(state.maxActive, state.active);
        await turns(i % 4); // varying latency: 0 to 3 event-loop turns
        state.log.push(i);
        state.active--;
        if (state.log.length === N) done.resolve();
      }
    }
    const ref = system.spawn({ create: () => new Slow() }, 'slow');
    for (let i = 0; i < N; i++) system.tell(ref, i);
    await done.promise;
    t.deepEqual(state.log, Array.from({ length: N }, (_, i) => i));
    t.is(state.maxActive, 1);
  } finally {
    await system.terminate();
  }
});

// ---- Bounded mailbox ----

test('bounded mailbox: tell returns false at capacity; onWritable fires only after the actor drained to the low-water mark', async (t) => {
  const system = new ActorSystem();
  try {
    const capacity = 4;
    const lowWaterMark = 2;
    const log = new Probe<unknown>();
    const gates = gatesFor(0, 1, 2, 3, 4);
    const ref = system.spawn({ create: () => new Gated(log, gates), mailbox: { capacity, lowWaterMark } }, 'slow');
    t.true(system.tell(ref, 0));
    t.is(await log.next(), 0); // busy with 0, data lane empty
    const accepted = [1, 2, 3, 4].map((i) => system.tell(ref, i));
    // After message i the lane holds i messages; writable while i < capacity.
    t.deepEqual(accepted, [1, 2, 3, 4].map((i) => i < capacity));
    t.deepEqual(system.mailboxDepth(ref), { system: 0, data: 4 });

    const writable = new Deferred<number>();
    system.onWritable(ref, () => writable.resolve(system.mailboxDepth(ref)!.data));

    gates.get(0)!.resolve();
    t.is(await log.next(), 1); // took 1: lane at 3, above the low-water mark
    t.is(system.mailboxDepth(ref)!.data, 3);
    t.false(writable.settled);

    gates.get(1)!.resolve();
    t.is(await log.next(), 2); // took 2: lane at 2 = low-water mark
    t.true(writable.settled);
    t.is(await writable.promise, lowWaterMark);

    for (const g of gates.values()) g.resolve();
    await log.count(5);
    t.deepEqual(log.seen, [0, 1, 2, 3, 4]);
    // Below the mark the callback runs at once.
    let immediate = false;
    system.onWritable(ref, () => {
      immediate = true;
    });
    t.true(immediate);
  } finally {
    await system.terminate();
  }
});

test('onWritable for an unknown actor runs at once', async (t) => {
  const system = new ActorSystem();
  try {
    let called = false;
    system.onWritable({ address: system.address, id: 'nobody' }, () => {
      called = true;
    });
    t.true(called);
  } finally {
    await system.terminate();
  }
});

// ---- Scheduling ----

test('batched delivery yields to the event loop: a setImmediate runs before an actor finishes 10k messages', async (t) => {
  const system = new ActorSystem({ turnBudgetMs: 1 });
  try {
    const N = 10_000;
    const state = { processed: 0, checksum: 0 };
    const done = new Deferred();
    class Busy extends Actor<number> {
      receive(i: number): void {
        // A little real work per message, so 10k messages take well over one turn budget.
        let x = 0;
        for (let k = 0; k < 2_000; k++) x = (x + (k ^ i)) | 0;
        state.checksum = (state.checksum + x) | 0;
        if (++state.processed === N) done.resolve();
      }
    }
    const ref = system.spawn({ create: () => new Busy(), mailbox: { capacity: N } }, 'busy');
    for (let i = 0; i < N; i++) system.tell(ref, i);
    let processedWhenImmediateRan = -1;
    setImmediate(() => {
      processedWhenImmediateRan = state.processed;
    });
    await done.promise;
    t.is(state.processed, N);
    t.true(processedWhenImmediateRan >= 0, 'the setImmediate callback ran');
    t.true(processedWhenImmediateRan < N, `setImmediate ran only after all ${N} messages`);
  } finally {
    await system.terminate();
  }
});

test('bounded turns: two busy actors alternate in runs of `throughput` messages', async (t) => {
  const system = new ActorSystem();
  try {
    const throughput = 32;
    const N = 100;
    const log: string[] = [];
    const done = new Deferred();
    class Tagger extends Actor<number> {
      constructor(private readonly tag: string) {
        super();
      }
      receive(): void {
        log.push(this.tag);
        if (log.length === 2 * N) done.resolve();
      }
    }
    const a = system.spawn({ create: () => new Tagger('A'), throughput, mailbox: { capacity: N } }, 'a');
    const b = system.spawn({ create: () => new Tagger('B'), throughput, mailbox: { capacity: N } }, 'b');
    for (let i = 0; i < N; i++) system.tell(a, i);
    for (let i = 0; i < N; i++) system.tell(b, i);
    await done.promise;
    const expected: string[] = [];
    let leftA = N;
    let leftB = N;
    while (leftA > 0 || leftB > 0) {
      const ta = Math.min(throughput, leftA);
      for (let i = 0; i < ta; i++) expected.push('A');
      leftA -= ta;
      const tb = Math.min(throughput, leftB);
      for (let i = 0; i < tb; i++) expected.push('B');
      leftB -= tb;
    }
    t.deepEqual(log, expected);
  } finally {
    await system.terminate();
  }
});

// ---- ask ----

test('ask resolves with the reply; concurrent asks get their own replies', async (t) => {
  const system = new ActorSystem();
  try {
    const ref = system.spawn({ create: () => new Doubler() }, 'doubler');
    t.is(await system.ask<number>(ref, 21), 42);
    const inputs = Array.from({ length: 20 }, (_, i) => i * 3);
    const replies = await Promise.all(inputs.map((x) => system.ask<number>(ref, x)));
    t.deepEqual(replies, inputs.map((x) => x * 2));
  } finally {
    await system.terminate();
  }
});

test('ask times out on the injected clock with AskTimeoutError (WEIR_ERR_ASK_TIMEOUT); a late reply is a dead letter', async (t) => {
  const clock = new ManualClock(1_000);
  const system = new ActorSystem({ clock });
  try {
    const log = new Probe<unknown>();
    const gate = new Deferred();
    class LateReplier extends Actor {
      async receive(m: unknown): Promise<void> {
        log.push(m);
        await gate.promise;
        this.context.reply('late');
      }
    }
    const ref = system.spawn({ create: () => new LateReplier() }, 'late');
    const events: InspectionEvent[] = [];
    const deadLetters = new Probe<InspectionEvent>();
    system.events.subscribe((e) => {
      events.push(e);
      if (e.type === 'dead-letter') deadLetters.push(e);
    });
    const reply = system.ask(ref, 'hello', 500);
    let settled = false;
    reply.then(
      () => (settled = true),
      () => (settled = true),
    );
    const assertion = t.throwsAsync(reply, { instanceOf: AskTimeoutError, code: 'WEIR_ERR_ASK_TIMEOUT' });
    t.is(await log.next(), 'hello');
    clock.advance(499);
    await turns(1);
    t.false(settled, 'not timed out 1 ms before the deadline');
    t.is(clock.pendingCount(), 1);
    clock.advance(1);
    const err = await assertion;
    t.regex(err?.message ?? '', /late@local.*500 ms/);
    t.is(clock.pendingCount(), 0);

    const before = system.deadLetterCount;
    gate.resolve();
    const dl = await deadLetters.next();
    t.is(system.deadLetterCount, before + 1);
    t.like(dl, { type: 'dead-letter', message: 'late', reason: 'no such actor', from: ref });
  } finally {
    await system.terminate();
  }
});

// ---- Dead letters ----

test('a tell to an unknown id is a dead letter (count and inspection event), never an exception', async (t) => {
  const system = new ActorSystem();
  try {
    const events: InspectionEvent[] = [];
    system.events.subscribe((e) => events.push(e));
    const nobody: ActorRef = { address: system.address, id: 'nobody' };
    const from: ActorRef = { address: system.address, id: 'someone' };
    t.true(system.tell(nobody, { n: 1 }));
    system.tellSystem(nobody, 'sys', from);
    system.tell(nobody, 'with-sender', from);
    t.is(system.deadLetterCount, 3);
    const dls = events.filter((e) => e.type === 'dead-letter');
    t.deepEqual(dls, [
      { type: 'dead-letter', to: nobody, message: { n: 1 }, reason: 'no such actor' },
      { type: 'dead-letter', to: nobody, from, message: 'sys', reason: 'no such actor' },
      { type: 'dead-letter', to: nobody, from, message: 'with-sender', reason: 'no such actor' },
    ]);
  } finally {
    await system.terminate();
  }
});

test('a tell to a remote address without a transport is a dead letter', async (t) => {
  const system = new ActorSystem();
  try {
    const events: InspectionEvent[] = [];
    system.events.subscribe((e) => events.push(e));
    system.tell({ address: 'elsewhere', id: 'x' }, 1);
    t.is(system.deadLetterCount, 1);
    t.like(events[0], { type: 'dead-letter', message: 1, reason: "no transport to address 'elsewhere'" });
  } finally {
    await system.terminate();
  }
});

test('messages queued to an actor that is stopped become dead letters; later tells too', async (t) => {
  const system = new ActorSystem();
  const gates = gatesFor('block');
  try {
    const log = new Probe<unknown>();
    const ref = system.spawn({ create: () => new Gated(log, gates) }, 'victim');
    const events: InspectionEvent[] = [];
    system.events.subscribe((e) => events.push(e));
    system.tell(ref, 'block');
    t.is(await log.next(), 'block');
    for (const m of ['q1', 'q2', 'q3']) system.tell(ref, m);
    await system.stop(ref);
    t.false(system.isAlive(ref));
    t.is(system.deadLetterCount, 3);
    t.deepEqual(
      events.filter((e) => e.type === 'dead-letter').map((e) => e.type === 'dead-letter' && [e.message, e.reason]),
      [
        ['q1', 'actor stopped'],
        ['q2', 'actor stopped'],
        ['q3', 'actor stopped'],
      ],
    );
    system.tell(ref, 'after');
    t.is(system.deadLetterCount, 4);
    t.like(events.at(-1), { type: 'dead-letter', message: 'after', reason: 'no such actor' });
    t.deepEqual(log.seen, ['block']);
  } finally {
    for (const g of gates.values()) g.resolve();
    await system.terminate();
  }
});

test('stop waits for an in-flight async receive before postStop (no two methods of an actor run concurrently)', async (t) => {
  const system = new ActorSystem();
  const gates = gatesFor('block');
  try {
    const log = new Probe<unknown>();
    let postStopWhileBusy: boolean | undefined;
    let busy = false;
    class Busy extends Actor {
      async receive(m: unknown): Promise<void> {
        busy = true;
        log.push(m);
        await gates.get(m)?.promise;
        busy = false;
      }
      override postStop(): void {
        postStopWhileBusy = busy;
      }
    }
    const ref = system.spawn({ create: () => new Busy() }, 'busy');
    system.tell(ref, 'block');
    await log.next();
    const stopped = system.stop(ref);
    await turns(2);
    t.is(postStopWhileBusy, undefined, 'postStop has not run while the receive is pending');
    gates.get('block')!.resolve();
    await stopped;
    t.false(postStopWhileBusy);
  } finally {
    for (const g of gates.values()) g.resolve();
    await system.terminate();
  }
});

test('stop of an actor whose receive never settles still completes, bounded by stopTimeoutMs', async (t) => {
  const system = new ActorSystem({ stopTimeoutMs: 1 });
  try {
    const log = new Probe<unknown>();
    let postStops = 0;
    class Stuck extends Actor {
      receive(m: unknown): Promise<void> {
        log.push(m);
        return new Promise<void>(() => {});
      }
      override postStop(): void {
        postStops++;
      }
    }
    const ref = system.spawn({ create: () => new Stuck() }, 'stuck');
    system.tell(ref, 'forever');
    system.tell(ref, 'queued');
    await log.next();
    await system.stop(ref);
    t.is(postStops, 1);
    t.false(system.isAlive(ref));
    t.is(system.deadLetterCount, 1, "the queued message");
  } finally {
    await system.terminate();
  }
});

// ---- Lifecycle and inspection ----

test('inspection events: started, failed, supervision decision, restarted, stopped (in that order)', async (t) => {
  const system = new ActorSystem({ guardianStrategy: oneForOne() });
  try {
    const events: InspectionEvent[] = [];
    const restarted = new Probe<InspectionEvent>();
    system.events.subscribe((e) => {
      events.push(e);
      if (e.type === 'actor-restarted') restarted.push(e);
    });
    const boom = new Error('boom');
    class Phoenix extends Actor {
      receive(m: unknown): void {
        if (m === 'boom') throw boom;
      }
    }
    const ref = system.spawn({ create: () => new Phoenix() }, 'phoenix');
    system.tell(ref, 'boom');
    await restarted.next();
    await system.stop(ref);
    const guardian: ActorRef = { address: 'local', id: 'user' };
    const mine = events.filter((e) => ('ref' in e && e.ref.id === ref.id) || ('child' in e && e.child.id === ref.id));
    t.deepEqual(mine, [
      { type: 'actor-started', ref, parent: guardian },
      { type: 'actor-failed', ref, error: boom },
      { type: 'supervision-decision', supervisor: guardian, child: ref, directive: 'restart', scope: 'one', delayMs: 0, error: boom },
      { type: 'actor-restarted', ref, restarts: 1 },
      { type: 'actor-stopped', ref },
    ]);
  } finally {
    await system.terminate();
  }
});

test('by default the guardian stops a failing top-level actor', async (t) => {
  const system = new ActorSystem();
  try {
    const types: string[] = [];
    const stopped = new Deferred();
    system.events.subscribe((e) => {
      types.push(e.type === 'supervision-decision' ? `decision:${e.directive}` : e.type);
      if (e.type === 'actor-stopped') stopped.resolve();
    });
    class Fragile extends Actor {
      receive(): void {
        throw new Error('no');
      }
    }
    const ref = system.spawn({ create: () => new Fragile() }, 'fragile');
    system.tell(ref, 1);
    system.tell(ref, 2);
    await stopped.promise;
    t.false(system.isAlive(ref));
    t.deepEqual(types.filter((x) => x !== 'dead-letter'), ['actor-started', 'actor-failed', 'decision:stop', 'actor-stopped']);
    t.is(system.deadLetterCount, 1, 'the message queued behind the failure went to dead letters');
  } finally {
    await system.terminate();
  }
});

test('a failing async preStart is a failure the guardian handles', async (t) => {
  const system = new ActorSystem();
  try {
    const failed = new Deferred<unknown>();
    system.events.subscribe((e) => {
      if (e.type === 'actor-failed') failed.resolve(e.error);
    });
    const cause = new Error('cannot start');
    class BadStart extends Actor {
      override async preStart(): Promise<void> {
        await Promise.resolve();
        throw cause;
      }
      receive(): void {}
    }
    const ref = system.spawn({ create: () => new BadStart() }, 'bad-start');
    t.is(await failed.promise, cause);
    await system.whenStopped(ref);
    t.false(system.isAlive(ref));
  } finally {
    await system.terminate();
  }
});

test('unsubscribing stops inspection events; `active` reflects listeners', async (t) => {
  const system = new ActorSystem();
  try {
    t.false(system.events.active);
    const seen: InspectionEvent[] = [];
    const off = system.events.subscribe((e) => seen.push(e));
    t.true(system.events.active);
    system.spawn({ create: () => new Doubler() }, 'one');
    off();
    t.false(system.events.active);
    system.spawn({ create: () => new Doubler() }, 'two');
    t.deepEqual(
      seen.map((e) => e.type),
      ['actor-started'],
    );
  } finally {
    await system.terminate();
  }
});

test('spawn rejects a duplicate or invalid name with ConfigurationError; actorIds lists live actors', async (t) => {
  const system = new ActorSystem();
  try {
    const ref = system.spawn({ create: () => new Doubler() }, 'x');
    t.throws(() => system.spawn({ create: () => new Doubler() }, 'x'), { instanceOf: ConfigurationError });
    t.throws(() => system.spawn({ create: () => new Doubler() }, 'a@b'), { instanceOf: ConfigurationError });
    t.throws(() => system.spawn({ create: () => new Doubler() }, ''), { instanceOf: ConfigurationError });
    t.deepEqual(system.actorIds(), ['x']);
    await system.stop(ref);
    t.deepEqual(system.actorIds(), []);
  } finally {
    await system.terminate();
  }
});

test('terminate stops every actor (postStop runs) and is idempotent', async (t) => {
  const system = new ActorSystem();
  const stops: string[] = [];
  const log = new Probe<unknown>();
  system.spawn({ create: () => new Gated(log, new Map(), () => stops.push('a')) }, 'a');
  system.spawn({ create: () => new Gated(log, new Map(), () => stops.push('b')) }, 'b');
  await system.terminate();
  await system.terminate();
  t.deepEqual(stops.sort(), ['a', 'b']);
  t.deepEqual(system.actorIds(), []);
});
