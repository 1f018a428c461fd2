/**
 * The runtime side of one actor: its mailbox, current instance, children, failure statistics and
 * lifecycle status. Internal to the actor system; user code sees {@link Actor} and {@link ActorContext}.
 *
 * Status machine: starting → running ⇄ busy (awaiting an async receive) → running;
 * running → suspended (failed, waiting for the parent's decision) → running | restarting | stopping;
 * any → stopping → stopped.
 */
import type { Actor, ActorContext, Props } from './actor.js';
import type { ActorRef } from './actor-ref.js';
import { Mailbox, type Envelope } from './mailbox.js';

export type CellStatus = 'starting' | 'running' | 'suspended' | 'restarting' | 'stopping' | 'stopped';

export class ActorCell {
  readonly mailbox: Mailbox;
  readonly throughput: number;
  readonly children = new Map<string, ActorCell>();
  actor!: Actor;
  context!: ActorContext;
  status: CellStatus = 'starting';
  /** Queued in the dispatcher's run queue. */
  scheduled = false;
  /** An async receive or lifecycle call is in flight. */
  busy = false;
  /** The in-flight async call, so a stop can wait for it (no two methods run concurrently). */
  inFlight: Promise<unknown> | undefined = undefined;
  currentSender: ActorRef | undefined = undefined;
  restarts = 0;
  /** Failure times (ms) within the parent's strategy window. */
  failureTimes: number[] = [];
  /** Resolves once stopped. */
  readonly stopped: Promise<void>;
  resolveStopped!: () => void;
  stopping: Promise<void> | undefined;

  constructor(
    readonly ref: ActorRef,
    readonly props: Props,
    readonly parent: ActorCell | undefined,
  ) {
    this.mailbox = new Mailbox(props.mailbox);
    this.throughput = Math.max(1, props.throughput ?? 32);
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** True when the dispatcher should run a turn of this cell. */
  get runnable(): boolean {
    return this.status === 'running' && !this.busy && this.mailbox.hasWork;
  }

  /** Next envelope, system lane first. */
  next(): Envelope | undefined {
    return this.mailbox.next();
  }
}
