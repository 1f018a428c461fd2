/**
 * The actor system: a registry of actors by id, a dispatcher that runs them in bounded turns on
 * this thread, supervision, dead letters, `ask`, and the inspection stream. Refs whose `address`
 * is not this system's are handed to the {@link Transport} for their address, so a sender's code
 * does not change whether the target is local, in a worker thread or on another host.
 *
 * Scheduling: a cell with mail is put on a run queue; the dispatcher runs each cell for at most
 * `throughput` messages (its turn), re-queues it if it has more, and yields to the event loop
 * (setImmediate) after `turnBudgetMs` of continuous work, so timers and I/O are never starved.
 *
 * @see protoactor's dispatcher throughput; Flink's MailboxProcessor; Akka's supervision.
 */
import { Actor, type ActorContext, type Props } from './actor.js';
import { ActorCell } from './actor-cell.js';
import { formatRef, type ActorRef } from './actor-ref.js';
import { Deque } from './deque.js';
import { InspectionStream } from './inspection.js';
import { stoppingStrategy, type SupervisorStrategy } from './supervision.js';
import { isSystemMessage, SYSTEM_MESSAGE, type SystemMessage } from './system-messages.js';
import { AskTimeoutError, ConfigurationError } from '../errors.js';
import { systemClock, type Clock } from '../time/clock.js';
import { RateLimitedLog } from '../transport/rate-limited-log.js';
import type { InboundSink, Transport, TransportEnvelope } from '../transport/transport.js';

/** Options of an {@link ActorSystem}. */
/** At most this many envelopes are held for actors not deployed yet (see `holdMailFor`); more are dead letters. */
export const MAX_HELD_ENVELOPES = 65_536;

export interface ActorSystemOptions {
  /** This system's address (default `local`). */
  address?: string;
  /** Clock for ask timeouts and delayed restarts (default the wall clock). */
  clock?: Clock;
  /** Continuous work before yielding to the event loop, ms (default 5). */
  turnBudgetMs?: number;
  /** How the guardian treats failing top-level actors (default: stop them). */
  guardianStrategy?: SupervisorStrategy;
  /** How long a stop waits for an in-flight async receive before postStop, ms of wall time (default 10 000). */
  stopTimeoutMs?: number;
}

/**
 * Resolves when `p` settles or after `ms` of wall time. The timer is not unref'd on purpose: a
 * pending stop must complete (and run postStop) rather than let the process exit under it.
 */
function settledOrTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}

/** Something that can receive envelopes by id: an actor cell or a temporary ask receiver. */
interface TempReceiver {
  resolve(message: unknown): void;
}

const GUARDIAN_ID = 'user';

class GuardianActor extends Actor {
  constructor(private readonly strategy: SupervisorStrategy) {
    super();
  }
  receive(): void {}
  override supervisorStrategy(): SupervisorStrategy {
    return this.strategy;
  }
}

export class ActorSystem {
  readonly address: string;
  readonly clock: Clock;
  /** Typed lifecycle, supervision and dead-letter events. */
  readonly events = new InspectionStream();
  /** Count of messages that could not be delivered. */
  deadLetterCount = 0;
  private readonly cells = new Map<string, ActorCell>();
  private readonly temps = new Map<string, TempReceiver>();
  private readonly transports = new Map<string, Transport>();
  private defaultTransport: Transport | undefined;
  private readonly runQueue = new Deque<ActorCell>(64);
  private loopScheduled = false;
  private readonly turnBudgetMs: number;
  private readonly stopTimeoutMs: number;
  private readonly guardian: ActorCell;
  private tempSeq = 0;
  private terminated = false;
  /** Id prefixes of actors that may be spawned after remote mail for them arrives, with the hold time (ms). */
  private readonly holdPrefixes: { prefix: string; ttlMs: number }[] = [];
  /** Remote mail held for actors not spawned yet, by actor id, in arrival order. */
  private readonly held = new Map<string, { envs: TransportEnvelope[]; timer: ReturnType<typeof setTimeout> }>();
  /** Envelopes in `held`, all actors together. */
  private heldCount = 0;
  /** Ids of recently stopped actors under a hold prefix: their mail is dead at once (bounded). */
  private readonly stoppedIds = new Set<string>();
  /** Dead letters from transports: one stderr line per second per reason at most. */
  private readonly inboundLog = new RateLimitedLog();
  private readonly inboundSink: InboundSink = {
    deliver: (env) => this.deliverInbound(env),
    onWritable: (to, cb) => this.onWritable(to, cb),
  };

  constructor(options: ActorSystemOptions = {}) {
    this.address = options.address ?? 'local';
    this.clock = options.clock ?? systemClock;
    this.turnBudgetMs = options.turnBudgetMs ?? 5;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    const strategy = options.guardianStrategy ?? stoppingStrategy;
    this.guardian = new ActorCell({ address: this.address, id: GUARDIAN_ID }, { create: () => new GuardianActor(strategy) }, undefined);
    this.guardian.actor = new GuardianActor(strategy);
    this.guardian.context = this.makeContext(this.guardian);
    this.guardian.status = 'running';
    this.cells.set(GUARDIAN_ID, this.guardian);
  }

  /** Creates a top-level actor with id `name` (unique in this system). @throws ConfigurationError when taken. */
  spawn(props: Props, name: string): ActorRef {
    return this.spawnCell(props, name, this.guardian);
  }

  /** Sends on the data lane. Returns false when the target's mailbox is full (wait for {@link onWritable}). */
  tell(to: ActorRef, message: unknown, sender?: ActorRef): boolean {
    if (to.address !== this.address) return this.sendRemote(to, message, sender, 'data');
    const cell = this.cells.get(to.id);
    if (cell === undefined || cell.status === 'stopped') {
      this.undeliverable(to, message, sender, 'data', cell !== undefined);
      return true;
    }
    const ok = cell.mailbox.offerData({ message, sender });
    this.schedule(cell);
    return ok;
  }

  /** Sends on the system lane, processed before any data. */
  tellSystem(to: ActorRef, message: unknown, sender?: ActorRef): void {
    if (to.address !== this.address) {
      this.sendRemote(to, message, sender, 'system');
      return;
    }
    const cell = this.cells.get(to.id);
    if (cell === undefined || cell.status === 'stopped') {
      this.undeliverable(to, message, sender, 'system', cell !== undefined);
      return;
    }
    cell.mailbox.offerSystem({ message, sender });
    this.schedule(cell);
  }

  /**
   * Calls `callback` once the local target's data lane has drained to its low-water mark (at once
   * if it already has, or if the target is gone). Remote targets signal through their transport's
   * flow control (credits); for them the callback runs when the transport can send again.
   */
  onWritable(to: ActorRef, callback: () => void): void {
    if (to.address !== this.address) {
      const t = this.transportFor(to.address);
      if (t === undefined) callback();
      else t.onWritable(to.address, callback);
      return;
    }
    const cell = this.cells.get(to.id);
    if (cell === undefined || cell.status === 'stopped') callback();
    else cell.mailbox.onWritable(callback);
  }

  /**
   * Sends `message` with a temporary sender and resolves with the first reply.
   * @param timeoutMs reply deadline, ms (default 5 000).
   * @throws AskTimeoutError (`WEIR_ERR_ASK_TIMEOUT`) when no reply comes in time.
   */
  ask<R = unknown>(to: ActorRef, message: unknown, timeoutMs = 5_000): Promise<R> {
    const id = `temp/${++this.tempSeq}`;
    const self: ActorRef = { address: this.address, id };
    return new Promise<R>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.temps.delete(id);
        reject(new AskTimeoutError(formatRef(to), timeoutMs));
      }, timeoutMs);
      this.temps.set(id, {
        resolve: (m) => {
          timer.cancel();
          this.temps.delete(id);
          resolve(m as R);
        },
      });
      this.tellSystem(to, message, self);
    });
  }

  /** Stops an actor and its children; resolves when all have stopped (postStop ran). */
  stop(ref: ActorRef): Promise<void> {
    const cell = this.cells.get(ref.id);
    if (cell === undefined || ref.address !== this.address) return Promise.resolve();
    return this.stopCell(cell);
  }

  /** True when an actor with this ref is alive in this system. */
  isAlive(ref: ActorRef): boolean {
    const c = this.cells.get(ref.id);
    return ref.address === this.address && c !== undefined && c.status !== 'stopped';
  }

  /** Resolves when the actor has stopped (at once if unknown). */
  whenStopped(ref: ActorRef): Promise<void> {
    const c = this.cells.get(ref.id);
    return c === undefined ? Promise.resolve() : c.stopped;
  }

  /** Mailbox depths of a local actor (system, data), or undefined when unknown. */
  mailboxDepth(ref: ActorRef): { system: number; data: number } | undefined {
    const c = this.cells.get(ref.id);
    return c === undefined ? undefined : { system: c.mailbox.systemDepth, data: c.mailbox.dataDepth };
  }

  /** Ids of the live actors (for topology and tests). */
  actorIds(): string[] {
    return [...this.cells.keys()].filter((id) => id !== GUARDIAN_ID);
  }

  /**
   * Suspends or resumes dispatching of an actor's data lane (system mail still flows). A subtask
   * uses this on itself while its outputs are back-pressured.
   */
  setDataSuspended(ref: ActorRef, suspended: boolean): void {
    const c = this.cells.get(ref.id);
    if (c === undefined) return;
    c.mailbox.dataSuspended = suspended;
    if (!suspended) this.schedule(c);
  }

  /**
   * Routes envelopes for `remoteAddress` (or, with `'*'`, every non-local address) through
   * `transport`, and delivers the envelopes it receives to local actors. The transport gets an
   * {@link InboundSink} whose `deliver` reports a full data lane (false) and whose `onWritable`
   * waits for it to drain, so credit-based transports back-pressure remote senders.
   */
  attachTransport(transport: Transport, remoteAddress: string | '*'): void {
    if (remoteAddress === '*') this.defaultTransport = transport;
    else this.transports.set(remoteAddress, transport);
    transport.onReceive(this.inboundSink);
  }

  /**
   * Remote mail for an actor under `idPrefix` that does not exist yet is held (in order) for up to
   * `ttlMs` and delivered when the actor is spawned: a task slot's subtasks are deployed by their
   * job actor while their upstream subtasks on other slots may already be sending (Flink's
   * partition requests wait for the producer). Mail for an actor that existed and stopped is dead
   * at once; mail still held after `ttlMs` is a dead letter.
   */
  holdMailFor(idPrefix: string, ttlMs: number): void {
    this.holdPrefixes.push({ prefix: idPrefix, ttlMs });
  }

  /** Holds `env` when its actor may still appear; false when it is a dead letter. */
  private hold(env: TransportEnvelope): boolean {
    const id = env.to.id;
    const rule = this.holdPrefixes.find((p) => id.startsWith(p.prefix));
    if (rule === undefined || this.stoppedIds.has(id) || this.terminated) return false;
    // Senders' credit windows bound what real upstreams send ahead; forged frames have no such
    // bound, so the held mail has one of its own.
    if (this.heldCount >= MAX_HELD_ENVELOPES) {
      this.inboundDeadLetter(env, `no such actor, and ${MAX_HELD_ENVELOPES} envelopes are already held for actors not deployed yet`, 'held-full');
      return true;
    }
    this.heldCount++;
    const h = this.held.get(id);
    if (h !== undefined) {
      h.envs.push(env);
      return true;
    }
    const timer = setTimeout(() => {
      const expired = this.held.get(id);
      this.held.delete(id);
      this.heldCount -= expired?.envs.length ?? 0;
      for (const e of expired?.envs ?? []) this.inboundDeadLetter(e, `no such actor (mail held ${rule.ttlMs} ms for it to be deployed)`, 'held-expired');
    }, rule.ttlMs);
    timer.unref();
    this.held.set(id, { envs: [env], timer });
    return true;
  }

  /** Stops every actor, then closes transports. Idempotent. */
  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
    this.heldCount = 0;
    const tops = [...this.guardian.children.values()];
    await Promise.all(tops.map((c) => this.stopCell(c)));
    const all = new Set([...this.transports.values(), ...(this.defaultTransport ? [this.defaultTransport] : [])]);
    await Promise.all([...all].map((t) => t.close()));
  }

  // ---- internals -------------------------------------------------------------------------

  private spawnCell(props: Props, name: string, parent: ActorCell): ActorRef {
    if (!name || name.includes('@')) throw new ConfigurationError(`invalid actor name '${name}'`);
    const id = parent === this.guardian ? name : `${parent.ref.id}/${name}`;
    if (this.cells.has(id)) throw new ConfigurationError(`an actor with id '${id}' already exists`);
    const ref: ActorRef = { address: this.address, id };
    const cell = new ActorCell(ref, props, parent);
    this.cells.set(id, cell);
    parent.children.set(id, cell);
    cell.context = this.makeContext(cell);
    cell.actor = props.create();
    cell.actor.context = cell.context;
    if (this.events.active) this.events.emit({ type: 'actor-started', ref, parent: parent.ref });
    const held = this.held.get(id);
    if (held !== undefined) {
      this.held.delete(id);
      this.heldCount -= held.envs.length;
      clearTimeout(held.timer);
      for (const e of held.envs) {
        if (e.lane === 'system') cell.mailbox.offerSystem({ message: e.body, sender: e.from });
        else cell.mailbox.offerData({ message: e.body, sender: e.from });
      }
    }
    this.runLifecycle(cell, () => cell.actor.preStart());
    return ref;
  }

  /** Runs a lifecycle hook; on success the cell runs, on failure the parent decides. */
  private runLifecycle(cell: ActorCell, hook: () => void | Promise<void>): void {
    let r: void | Promise<void>;
    try {
      r = hook();
    } catch (err) {
      this.fail(cell, err);
      return;
    }
    const started = () => {
      if (cell.status === 'starting' || cell.status === 'restarting') cell.status = 'running';
    };
    if (r instanceof Promise) this.awaitInFlight(cell, r, started, true);
    else {
      started();
      this.schedule(cell);
    }
  }

  /**
   * Marks the cell busy until `r` settles; then runs `onDone` and reschedules it, or reports the
   * failure. `lifecycle` failures always count; a late receive failure of an instance that is
   * already being replaced does not.
   */
  private awaitInFlight(cell: ActorCell, r: Promise<void>, onDone: (() => void) | undefined, lifecycle: boolean): void {
    cell.busy = true;
    cell.inFlight = r;
    r.then(
      () => {
        cell.busy = false;
        onDone?.();
        this.schedule(cell);
      },
      (err: unknown) => {
        cell.busy = false;
        if (lifecycle || cell.status !== 'restarting') this.fail(cell, err);
      },
    );
  }

  private makeContext(cell: ActorCell): ActorContext {
    const system = this;
    return {
      self: cell.ref,
      parent: cell.parent?.ref ?? cell.ref,
      get sender() {
        return cell.currentSender;
      },
      system,
      spawn: (props, name) => system.spawnCell(props, name, cell),
      stop: (ref) => system.stop(ref),
      tell: (to, message) => system.tell(to, message, cell.ref),
      tellSystem: (to, message) => system.tellSystem(to, message, cell.ref),
      reply: (message) => {
        if (cell.currentSender !== undefined) system.tellSystem(cell.currentSender, message, cell.ref);
      },
      children: () => [...cell.children.values()].filter((c) => c.status !== 'stopped').map((c) => c.ref),
    };
  }

  private schedule(cell: ActorCell): void {
    if (cell.scheduled || !cell.runnable) return;
    cell.scheduled = true;
    this.runQueue.push(cell);
    if (!this.loopScheduled) {
      this.loopScheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.loopScheduled = false;
    const deadline = performance.now() + this.turnBudgetMs;
    for (let cell = this.runQueue.shift(); cell !== undefined; cell = this.runQueue.shift()) {
      cell.scheduled = false;
      this.runTurn(cell);
      if (cell.runnable && !cell.scheduled) {
        cell.scheduled = true;
        this.runQueue.push(cell);
      }
      if (performance.now() > deadline) break;
    }
    if (this.runQueue.length > 0 && !this.loopScheduled) {
      this.loopScheduled = true;
      setImmediate(this.drain);
    }
  };

  private runTurn(cell: ActorCell): void {
    for (let n = 0; n < cell.throughput; n++) {
      if (cell.status !== 'running' || cell.busy) return;
      const env = cell.next();
      if (env === undefined) return;
      const msg = env.message;
      if (isSystemMessage(msg)) {
        this.handleSystemMessage(cell, msg);
        continue;
      }
      cell.currentSender = env.sender;
      let r: void | Promise<void>;
      try {
        r = cell.actor.receive(msg);
      } catch (err) {
        this.fail(cell, err);
        return;
      }
      if (r instanceof Promise) {
        this.awaitInFlight(cell, r, undefined, false);
        return;
      }
    }
  }

  private handleSystemMessage(cell: ActorCell, msg: SystemMessage): void {
    if (msg.type === 'stop') {
      void this.stopCell(cell);
      return;
    }
    const child = this.cells.get(msg.child.id);
    if (child === undefined || child.status === 'stopped' || child.status === 'stopping') return;
    this.supervise(cell, child, msg.error);
  }

  /** Marks a cell failed and asks its parent what to do. */
  private fail(cell: ActorCell, error: unknown): void {
    if (cell.status === 'stopping' || cell.status === 'stopped') return;
    cell.status = 'suspended';
    if (this.events.active) this.events.emit({ type: 'actor-failed', ref: cell.ref, error });
    const parent = cell.parent ?? this.guardian;
    const failed: SystemMessage = { [SYSTEM_MESSAGE]: true, type: 'child-failed', child: cell.ref, error };
    if (parent === cell) {
      void this.stopCell(cell);
      return;
    }
    parent.mailbox.offerSystem({ message: failed, sender: cell.ref });
    // The guardian never fails, so it is always able to run its system lane.
    this.schedule(parent);
  }

  private supervise(parent: ActorCell, child: ActorCell, error: unknown): void {
    const strategy = parent.actor.supervisorStrategy();
    const now = this.clock.now();
    child.failureTimes = child.failureTimes.filter((t) => now - t < strategy.withinMs);
    const decision = strategy.decide({ error, child: child.ref, failuresInWindow: child.failureTimes.length, restarts: child.restarts, now });
    child.failureTimes.push(now);
    if (this.events.active) {
      this.events.emit({
        type: 'supervision-decision',
        supervisor: parent.ref,
        child: child.ref,
        directive: decision.directive,
        scope: decision.scope,
        delayMs: decision.delayMs ?? 0,
        error,
      });
    }
    const targets = decision.scope === 'all' && decision.directive !== 'resume' && decision.directive !== 'escalate'
      ? [...parent.children.values()].filter((c) => c.status !== 'stopped' && c.status !== 'stopping')
      : [child];
    switch (decision.directive) {
      case 'resume':
        child.status = 'running';
        this.schedule(child);
        return;
      case 'restart': {
        for (const t of targets) t.status = 'restarting';
        const go = () => {
          for (const t of targets) void this.restartCell(t, error);
        };
        if (decision.delayMs !== undefined && decision.delayMs > 0) this.clock.setTimeout(go, decision.delayMs);
        else go();
        return;
      }
      case 'stop':
        for (const t of targets) void this.stopCell(t);
        return;
      case 'escalate':
        if (parent === this.guardian) void this.stopCell(child);
        else this.fail(parent, error);
        return;
    }
  }

  private async restartCell(cell: ActorCell, reason: unknown): Promise<void> {
    if (cell.status === 'stopped' || cell.status === 'stopping') return;
    cell.status = 'restarting';
    await Promise.all([...cell.children.values()].map((c) => this.stopCell(c)));
    // A sibling restarted by all-for-one may be mid-receive: let it settle first (bounded).
    if (cell.busy && cell.inFlight !== undefined) await settledOrTimeout(cell.inFlight, this.stopTimeoutMs);
    try {
      await cell.actor.preRestart(reason);
    } catch {
      // The old instance is being discarded; its cleanup failure must not block the restart.
    }
    cell.restarts++;
    cell.actor = cell.props.create();
    cell.actor.context = cell.context;
    if (this.events.active) this.events.emit({ type: 'actor-restarted', ref: cell.ref, restarts: cell.restarts });
    this.runLifecycle(cell, () => cell.actor.postRestart(reason));
  }

  private stopCell(cell: ActorCell): Promise<void> {
    if (cell.stopping !== undefined) return cell.stopping;
    cell.stopping = (async () => {
      cell.status = 'stopping';
      // Let an in-flight async receive settle first, so postStop never overlaps it; bounded, since
      // a user function may await something that never comes (or the actor may be stopping itself).
      if (cell.busy && cell.inFlight !== undefined) await settledOrTimeout(cell.inFlight, this.stopTimeoutMs);
      await Promise.all([...cell.children.values()].map((c) => this.stopCell(c)));
      try {
        await cell.actor.postStop();
      } catch (err) {
        process.stderr.write(`weir: postStop of ${formatRef(cell.ref)} threw: ${String(err)}\n`);
      }
      cell.status = 'stopped';
      for (const env of cell.mailbox.drain()) {
        if (!isSystemMessage(env.message)) this.deadLetter(cell.ref, env.message, env.sender, 'actor stopped');
      }
      this.cells.delete(cell.ref.id);
      cell.parent?.children.delete(cell.ref.id);
      if (this.holdPrefixes.length > 0 && this.holdPrefixes.some((p) => cell.ref.id.startsWith(p.prefix))) {
        this.stoppedIds.add(cell.ref.id);
        if (this.stoppedIds.size > 10_000) this.stoppedIds.delete(this.stoppedIds.values().next().value!);
      }
      if (this.events.active) this.events.emit({ type: 'actor-stopped', ref: cell.ref });
      cell.resolveStopped();
    })();
    return cell.stopping;
  }

  /**
   * Mail for an actor that is not running: an ask's reply, mail held for an actor not spawned yet
   * (see {@link holdMailFor}; never for one that `stopped`), or a dead letter.
   */
  private undeliverable(to: ActorRef, message: unknown, sender: ActorRef | undefined, lane: 'data' | 'system', stopped: boolean): void {
    const temp = this.temps.get(to.id);
    if (temp !== undefined) {
      temp.resolve(message);
      return;
    }
    if (!stopped && this.holdPrefixes.length > 0) {
      const env: TransportEnvelope = { to, lane, body: message };
      if (sender !== undefined) env.from = sender;
      if (this.hold(env)) return;
    }
    this.deadLetter(to, message, sender, 'no such actor');
  }

  private deadLetter(to: ActorRef, message: unknown, sender: ActorRef | undefined, reason: string): void {
    this.deadLetterCount++;
    if (this.events.active) {
      const e: { type: 'dead-letter'; to: ActorRef; from?: ActorRef; message: unknown; reason: string } = { type: 'dead-letter', to, message, reason };
      if (sender !== undefined) e.from = sender;
      this.events.emit(e);
    }
  }

  private transportFor(address: string): Transport | undefined {
    return this.transports.get(address) ?? this.defaultTransport;
  }

  private sendRemote(to: ActorRef, message: unknown, sender: ActorRef | undefined, lane: 'data' | 'system'): boolean {
    const t = this.transportFor(to.address);
    if (t === undefined) {
      this.deadLetter(to, message, sender, `no transport to address '${to.address}'`);
      return true;
    }
    const env: TransportEnvelope = { to, lane, body: message };
    if (sender !== undefined) env.from = sender;
    return t.send(env);
  }

  /**
   * Delivers an envelope that arrived through a transport. Returns `tell()`'s result for the data
   * lane (false: the target's data lane is over capacity) and true otherwise. Envelopes for another
   * address or an unknown actor are dead letters: counted, and logged at most once per second per
   * reason on stderr.
   */
  private deliverInbound(env: TransportEnvelope): boolean {
    if (env.to.address !== this.address) {
      this.inboundDeadLetter(env, `envelope for '${env.to.address}' arrived at '${this.address}'`, 'wrong-address');
      return true;
    }
    const cell = this.cells.get(env.to.id);
    if ((cell === undefined || cell.status === 'stopped') && !this.temps.has(env.to.id)) {
      if (cell === undefined && this.hold(env)) return true;
      this.inboundDeadLetter(env, 'no such actor', 'no-actor');
      return true;
    }
    if (env.lane === 'system') {
      this.tellSystem(env.to, env.body, env.from);
      return true;
    }
    return this.tell(env.to, env.body, env.from);
  }

  private inboundDeadLetter(env: TransportEnvelope, reason: string, key: string): void {
    this.deadLetter(env.to, env.body, env.from, reason);
    this.inboundLog.log(key, () => {
      const from = env.from !== undefined ? formatRef(env.from) : 'an anonymous sender';
      return `dead letter at '${this.address}': ${reason}: actor '${env.to.id}' at address '${env.to.address}', sent by ${from}`;
    });
  }
}
