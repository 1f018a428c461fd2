import test from 'ava';
import {
  Actor,
  ActorSystem,
  ManualClock,
  allForOne,
  exponentialBackoff,
  oneForOne,
  type ActorRef,
  type InspectionEvent,
  type Props,
  type SupervisorStrategy,
} from '../../lib/index.js';
import { Deferred, Probe, turns } from '../helpers/async-probe.js';

// ---- Test actors ----

/** What the counters report: creation, lifecycle hooks and `get` answers, tagged with the instance. */
type Report =
  | { kind: 'created'; name: string; instance: number }
  | { kind: 'preRestart'; name: string; instance: number; reason: unknown }
  | { kind: 'postRestart'; name: string; instance: number; reason: unknown }
  | { kind: 'postStop'; name: string; instance: number }
  | { kind: 'count'; name: string; instance: number; value: number };

let instanceSeq = 0;

/** Counts `inc`; throws on `boom`; reports its count on `get`. */
class Counter extends Actor<string> {
  private count = 0;
  private readonly instance = ++instanceSeq;

  constructor(
    private readonly name: string,
    private readonly reports: Probe<Report>,
  ) {
    super();
    reports.push({ kind: 'created', name, instance: this.instance });
  }

  receive(m: string): void {
    if (m === 'inc') this.count++;
    else if (m === 'boom') throw new Error(`boom in ${this.name}`);
    else if (m === 'get') this.reports.push({ kind: 'count', name: this.name, instance: this.instance, value: this.count });
  }

  override preRestart(reason: unknown): void {
    this.reports.push({ kind: 'preRestart', name: this.name, instance: this.instance, reason });
  }

  override postRestart(reason: unknown): void {
    this.reports.push({ kind: 'postRestart', name: this.name, instance: this.instance, reason });
  }

  override postStop(): void {
    this.reports.push({ kind: 'postStop', name: this.name, instance: this.instance });
  }
}

/** Spawns its children in preStart and supervises them with `strategy`. */
class Parent extends Actor {
  constructor(
    private readonly strategy: SupervisorStrategy,
    private readonly children: [string, Props][],
  ) {
    super();
  }
  override preStart(): void {
    for (const [name, props] of this.children) this.context.spawn(props, name);
  }
  receive(): void {}
  override supervisorStrategy(): SupervisorStrategy {
    return this.strategy;
  }
}

interface Fixture {
  system: ActorSystem;
  clock: ManualClock;
  reports: Probe<Report>;
  events: Probe<InspectionEvent>;
  parent: ActorRef;
  child(name: string): ActorRef;
  /** The next `count` report of `name`. */
  count(name: string): Promise<number>;
}

/** A system with parent `p` supervising counters `names` with `strategy`. */
function setup(strategy: SupervisorStrategy, names: string[] = ['c']): Fixture {
  const clock = new ManualClock(0);
  const system = new ActorSystem({ clock });
  const reports = new Probe<Report>();
  const events = new Probe<InspectionEvent>();
  system.events.subscribe((e) => events.push(e));
  const parent = system.spawn({ create: () => new Parent(strategy, names.map((n) => [n, { create: () => new Counter(n, reports) }])) }, 'p');
  const counts = new Map<string, number>();
  return {
    system,
    clock,
    reports,
    events,
    parent,
    child: (name) => ({ address: system.address, id: `p/${name}` }),
    count: async (name) => {
      const seenBefore = counts.get(name) ?? 0;
      const all = await reports.until((s) => s.filter((r) => r.kind === 'count' && r.name === name).length > seenBefore);
      counts.set(name, seenBefore + 1);
      const r = all.filter((x) => x.kind === 'count' && x.name === name)[seenBefore]!;
      return r.kind === 'count' ? r.value : -1;
    },
  };
}

const ofKind = <K extends Report['kind']>(reports: readonly Report[], kind: K, name?: string) =>
  reports.filter((r): r is Extract<Report, { kind: K }> => r.kind === kind && (name === undefined || r.name === name));

const decisions = (events: readonly InspectionEvent[]) =>
  events.filter((e): e is Extract<InspectionEvent, { type: 'supervision-decision' }> => e.type === 'supervision-decision');

const restartsOf = (events: readonly InspectionEvent[], id: string) => events.filter((e) => e.type === 'actor-restarted' && e.ref.id === id).length;

// ---- Directives ----

test('resume keeps the actor and its state; the failing message is dropped and later mail processed', async (t) => {
  const f = setup(oneForOne({ decider: () => 'resume' }));
  try {
    const c = f.child('c');
    for (const m of ['inc', 'inc', 'boom', 'inc', 'get']) f.system.tell(c, m);
    t.is(await f.count('c'), 3);
    t.is(ofKind(f.reports.seen, 'created').length, 1, 'no new instance');
    t.deepEqual(
      decisions(f.events.seen).map((d) => [d.supervisor.id, d.child.id, d.directive, d.scope]),
      [['p', 'p/c', 'resume', 'one']],
    );
    t.is(restartsOf(f.events.seen, 'p/c'), 0);
  } finally {
    await f.system.terminate();
  }
});

test('restart creates a fresh instance (state reset), calls preRestart on the old and postRestart on the new, keeps queued mail', async (t) => {
  const f = setup(oneForOne());
  try {
    const c = f.child('c');
    for (const m of ['inc', 'inc', 'boom', 'inc', 'get']) f.system.tell(c, m);
    // The old count (2) is gone; only the 'inc' queued behind the failure counts.
    t.is(await f.count('c'), 1);
    const created = ofKind(f.reports.seen, 'created', 'c');
    t.is(created.length, 2);
    const [oldI, newI] = created.map((r) => r.instance) as [number, number];
    const pre = ofKind(f.reports.seen, 'preRestart', 'c');
    const post = ofKind(f.reports.seen, 'postRestart', 'c');
    t.deepEqual(pre.map((r) => r.instance), [oldI]);
    t.deepEqual(post.map((r) => r.instance), [newI]);
    t.regex(String((pre[0]!.reason as Error).message), /boom in c/);
    t.is(post[0]!.reason, pre[0]!.reason);
    const countReport = ofKind(f.reports.seen, 'count', 'c')[0]!;
    t.is(countReport.instance, newI, 'the new instance processed the queued mail');
    t.is(restartsOf(f.events.seen, 'p/c'), 1);
  } finally {
    await f.system.terminate();
  }
});

test('stop stops the child: mail queued behind the failure and later tells become dead letters', async (t) => {
  const f = setup(oneForOne({ decider: () => 'stop' }));
  try {
    const c = f.child('c');
    for (const m of ['inc', 'boom', 'inc', 'get']) f.system.tell(c, m);
    await f.events.until((s) => s.some((e) => e.type === 'actor-stopped' && e.ref.id === 'p/c'));
    t.false(f.system.isAlive(c));
    t.is(f.system.deadLetterCount, 2, "the queued 'inc' and 'get'");
    f.system.tell(c, 'inc');
    t.is(f.system.deadLetterCount, 3);
    t.is(ofKind(f.reports.seen, 'postStop', 'c').length, 1);
    t.deepEqual(ofKind(f.reports.seen, 'count'), []);
    t.true(f.system.isAlive(f.parent), 'the parent lives on');
  } finally {
    await f.system.terminate();
  }
});

test('escalate fails the parent; the grandparent decides (restart: the parent and a fresh child are recreated)', async (t) => {
  const system = new ActorSystem();
  try {
    const reports = new Probe<Report>();
    const events = new Probe<InspectionEvent>();
    system.events.subscribe((e) => events.push(e));
    const escalating = oneForOne({ decider: () => 'escalate' });
    const parentProps: Props = { create: () => new Parent(escalating, [['c', { create: () => new Counter('c', reports) }]]) };
    system.spawn({ create: () => new Parent(oneForOne(), [['p', parentProps]]) }, 'gp');
    const child: ActorRef = { address: system.address, id: 'gp/p/c' };
    system.tell(child, 'inc');
    system.tell(child, 'boom');
    await events.until((s) => restartsOf(s, 'gp/p') === 1);
    const ds = decisions(events.seen).map((d) => [d.supervisor.id, d.child.id, d.directive]);
    t.deepEqual(ds, [
      ['gp/p', 'gp/p/c', 'escalate'],
      ['gp', 'gp/p', 'restart'],
    ]);
    const failed = events.seen.filter((e) => e.type === 'actor-failed').map((e) => e.type === 'actor-failed' && e.ref.id);
    t.deepEqual(failed, ['gp/p/c', 'gp/p']);
    // The escalated error is the child's.
    const [first, second] = decisions(events.seen);
    t.is(second!.error, first!.error);
    // The restarted parent spawned a fresh child with fresh state.
    await reports.until((s) => ofKind(s, 'created', 'c').length === 2);
    system.tell(child, 'get');
    const all = await reports.until((s) => ofKind(s, 'count', 'c').length === 1);
    t.is(ofKind(all, 'count', 'c')[0]!.value, 0);
    t.is(ofKind(all, 'postStop', 'c').length, 1, 'the old child was stopped by the parent restart');
  } finally {
    await system.terminate();
  }
});

test('escalate to a grandparent that stops: parent and child stop', async (t) => {
  const system = new ActorSystem();
  try {
    const reports = new Probe<Report>();
    const events = new Probe<InspectionEvent>();
    system.events.subscribe((e) => events.push(e));
    const parentProps: Props = { create: () => new Parent(oneForOne({ decider: () => 'escalate' }), [['c', { create: () => new Counter('c', reports) }]]) };
    const gp = system.spawn({ create: () => new Parent(oneForOne({ decider: () => 'stop' }), [['p', parentProps]]) }, 'gp');
    system.tell({ address: system.address, id: 'gp/p/c' }, 'boom');
    await events.until((s) => s.some((e) => e.type === 'actor-stopped' && e.ref.id === 'gp/p'));
    const stopped = events.seen.filter((e) => e.type === 'actor-stopped').map((e) => e.type === 'actor-stopped' && e.ref.id);
    t.deepEqual(stopped, ['gp/p/c', 'gp/p'], 'children stop before their parent');
    t.true(system.isAlive(gp));
    t.false(system.isAlive({ address: system.address, id: 'gp/p' }));
  } finally {
    await system.terminate();
  }
});

// ---- One-for-one vs all-for-one ----

async function siblingCountAfterFailure(strategy: SupervisorStrategy): Promise<{ siblingCount: number; restartedA: number; restartedB: number }> {
  const f = setup(strategy, ['a', 'b']);
  try {
    const a = f.child('a');
    const b = f.child('b');
    f.system.tell(b, 'inc');
    f.system.tell(b, 'inc');
    f.system.tell(b, 'get');
    await f.count('b'); // b has processed its increments (2)
    f.system.tell(a, 'boom');
    await f.events.until((s) => restartsOf(s, 'p/a') === 1);
    f.system.tell(b, 'get');
    const siblingCount = await f.count('b');
    return { siblingCount, restartedA: restartsOf(f.events.seen, 'p/a'), restartedB: restartsOf(f.events.seen, 'p/b') };
  } finally {
    await f.system.terminate();
  }
}

test('oneForOne restarts only the failed child: its sibling keeps its state', async (t) => {
  t.deepEqual(await siblingCountAfterFailure(oneForOne()), { siblingCount: 2, restartedA: 1, restartedB: 0 });
});

test('allForOne restarts every child: the sibling is restarted too (state reset)', async (t) => {
  t.deepEqual(await siblingCountAfterFailure(allForOne()), { siblingCount: 0, restartedA: 1, restartedB: 1 });
});

test('allForOne stop stops every child; resume stays local', async (t) => {
  const stop = setup(allForOne({ decider: () => 'stop' }), ['a', 'b']);
  try {
    stop.system.tell(stop.child('a'), 'boom');
    await stop.events.until((s) => s.filter((e) => e.type === 'actor-stopped').length === 2);
    t.false(stop.system.isAlive(stop.child('a')));
    t.false(stop.system.isAlive(stop.child('b')));
  } finally {
    await stop.system.terminate();
  }
  const resume = setup(allForOne({ decider: () => 'resume' }), ['a', 'b']);
  try {
    resume.system.tell(resume.child('b'), 'inc');
    resume.system.tell(resume.child('a'), 'boom');
    resume.system.tell(resume.child('a'), 'inc');
    resume.system.tell(resume.child('a'), 'get');
    t.is(await resume.count('a'), 1);
    resume.system.tell(resume.child('b'), 'get');
    t.is(await resume.count('b'), 1);
    t.deepEqual(decisions(resume.events.seen).map((d) => [d.directive, d.scope]), [['resume', 'all']]);
  } finally {
    await resume.system.terminate();
  }
});

test('allForOne: a sibling busy in an async receive is restarted only after that receive settled (preRestart never overlaps it)', async (t) => {
  // Same contract as stop (no two methods of an actor run concurrently), but restartCell calls
  // preRestart on the old instance while its async receive is still pending (see the report).
  const state = { busy: false, preRestartWhileBusy: undefined as boolean | undefined };
  const entered = new Probe<string>();
  const gate = new Deferred();
  class Blocking extends Actor<string> {
    async receive(m: string): Promise<void> {
      state.busy = true;
      entered.push(m);
      await gate.promise;
      state.busy = false;
    }
    override preRestart(): void {
      state.preRestartWhileBusy = state.busy;
    }
  }
  const reports = new Probe<Report>();
  const system = new ActorSystem();
  try {
    const events = new Probe<InspectionEvent>();
    system.events.subscribe((e) => events.push(e));
    system.spawn(
      {
        create: () =>
          new Parent(allForOne(), [
            ['a', { create: () => new Counter('a', reports) }],
            ['b', { create: () => new Blocking() }],
          ]),
      },
      'p',
    );
    system.tell({ address: system.address, id: 'p/b' }, 'block');
    await entered.next();
    system.tell({ address: system.address, id: 'p/a' }, 'boom');
    await events.until((s) => restartsOf(s, 'p/a') === 1);
    await turns(2);
    t.is(state.preRestartWhileBusy, undefined, 'b is not restarted while its receive is pending');
    gate.resolve();
    await events.until((s) => restartsOf(s, 'p/b') === 1);
    t.false(state.preRestartWhileBusy);
  } finally {
    gate.resolve();
    await system.terminate();
  }
});

// ---- Retry limits ----

test('maxRetries within the window: the failure after maxRetries restarts stops the child', async (t) => {
  const f = setup(oneForOne({ maxRetries: 2, withinMs: 1_000 }));
  try {
    const c = f.child('c');
    // All three failures happen at the same (manual) time: restart, restart, stop.
    for (const m of ['boom', 'boom', 'boom', 'inc']) f.system.tell(c, m);
    await f.events.until((s) => s.some((e) => e.type === 'actor-stopped' && e.ref.id === 'p/c'));
    t.deepEqual(decisions(f.events.seen).map((d) => d.directive), ['restart', 'restart', 'stop']);
    t.is(restartsOf(f.events.seen, 'p/c'), 2);
    t.is(f.system.deadLetterCount, 1);
  } finally {
    await f.system.terminate();
  }
});

test('failures older than the window do not count toward maxRetries', async (t) => {
  const run = async (withinMs: number): Promise<string[]> => {
    const f = setup(oneForOne({ maxRetries: 2, withinMs }));
    try {
      const c = f.child('c');
      const at = [0, 500, 1_600]; // with a 1 000 ms window the third failure sees none in its window
      for (let i = 0; i < at.length; i++) {
        f.clock.setTime(at[i]!);
        f.system.tell(c, 'boom');
        await f.events.until((s) => decisions(s).length === i + 1);
        if (i < at.length - 1) await f.events.until((s) => restartsOf(s, 'p/c') === i + 1);
      }
      return decisions(f.events.seen).map((d) => d.directive);
    } finally {
      await f.system.terminate();
    }
  };
  t.deepEqual(await run(1_000), ['restart', 'restart', 'restart']);
  t.deepEqual(await run(Infinity), ['restart', 'restart', 'stop']);
});

// ---- Exponential backoff ----

test('exponentialBackoff: each restart happens only once the manual clock reaches min(max, min·2^n)·(1 + random·factor)', async (t) => {
  const minBackoffMs = 100;
  const maxBackoffMs = 500;
  const randomFactor = 0.5;
  const f = setup(exponentialBackoff({ minBackoffMs, maxBackoffMs, randomFactor, random: () => 0 }));
  try {
    const c = f.child('c');
    const failures = 5;
    const delays: number[] = [];
    for (let n = 0; n < failures; n++) {
      f.system.tell(c, 'inc');
      f.system.tell(c, 'boom');
      f.system.tell(c, 'get');
      await f.events.until((s) => decisions(s).length === n + 1);
      const expectedDelay = Math.min(maxBackoffMs, minBackoffMs * 2 ** n) * (1 + 0 * randomFactor);
      const d = decisions(f.events.seen)[n]!;
      delays.push(d.delayMs);
      t.is(d.directive, 'restart');
      t.is(d.delayMs, expectedDelay);
      // One tick before the delay: the restart timer has not fired, the child is not restarted.
      f.clock.advance(expectedDelay - 1);
      t.is(f.clock.pendingCount(), 1, `restart ${n + 1} still scheduled`);
      t.is(restartsOf(f.events.seen, 'p/c'), n);
      f.clock.advance(1);
      t.is(f.clock.pendingCount(), 0);
      await f.events.until((s) => restartsOf(s, 'p/c') === n + 1);
      // The fresh instance processes the mail queued behind the failure.
      t.is(await f.count('c'), 0);
    }
    t.deepEqual(delays, [100, 200, 400, 500, 500]);
  } finally {
    await f.system.terminate();
  }
});

test('exponentialBackoff applies jitter from the injected random source', async (t) => {
  const f = setup(exponentialBackoff({ minBackoffMs: 200, randomFactor: 0.25, random: () => 0.5 }));
  try {
    f.system.tell(f.child('c'), 'boom');
    await f.events.until((s) => decisions(s).length === 1);
    t.is(decisions(f.events.seen)[0]!.delayMs, 200 * (1 + 0.5 * 0.25));
    f.clock.advance(224);
    t.is(f.clock.pendingCount(), 1);
    f.clock.advance(1);
    await f.events.until((s) => restartsOf(s, 'p/c') === 1);
    t.is(restartsOf(f.events.seen, 'p/c'), 1);
  } finally {
    await f.system.terminate();
  }
});
