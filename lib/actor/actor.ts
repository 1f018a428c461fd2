/**
 * Base class of every actor. An actor processes one message at a time from its {@link Mailbox};
 * no two of its methods ever run concurrently (the mailbox guarantees it). `receive` may return a
 * Promise: the actor takes no further message until it settles, which keeps order; a synchronous
 * `receive` pays nothing for that.
 *
 * Lifecycle (Akka's): preStart → receive… → postStop; on a `restart` directive the old instance's
 * preRestart(reason) runs, a new instance is created from the props and its postRestart(reason)
 * runs (by default it calls preStart). A throwing method is a failure reported to the parent's
 * {@link SupervisorStrategy}.
 */
import type { ActorRef } from './actor-ref.js';
import type { ActorSystem } from './actor-system.js';
import type { MailboxOptions } from './mailbox.js';
import { oneForOne, type SupervisorStrategy } from './supervision.js';

/** What an actor can do, bound to it while it runs. */
export interface ActorContext {
  /** This actor's ref. */
  readonly self: ActorRef;
  /** The parent's ref (the guardian's for top-level actors). */
  readonly parent: ActorRef;
  /** The sender of the message being processed, when it gave one. */
  readonly sender: ActorRef | undefined;
  readonly system: ActorSystem;
  /** Creates a child actor with id `<self.id>/<name>`. @throws ConfigurationError when the name is taken. */
  spawn(props: Props, name: string): ActorRef;
  /** Stops a child (or this actor); resolves when it and its children have stopped. */
  stop(ref: ActorRef): Promise<void>;
  /** Data-lane send, with this actor as sender; returns false when the target's mailbox is full. */
  tell(to: ActorRef, message: unknown): boolean;
  /** System-lane send (processed before data), with this actor as sender. */
  tellSystem(to: ActorRef, message: unknown): void;
  /** Replies to the current sender (system lane, so replies overtake data); no-op without sender. */
  reply(message: unknown): void;
  /** Refs of this actor's live children. */
  children(): ActorRef[];
}

/** How to create an actor: a factory (called again on restart) and mailbox settings. */
export interface Props {
  create: () => Actor;
  mailbox?: MailboxOptions;
  /** Messages processed per turn before other actors get the thread (default 32). */
  throughput?: number;
}

export abstract class Actor<M = unknown> {
  /** Set by the system before preStart. */
  context!: ActorContext;

  /** Handles one message. */
  abstract receive(message: M): void | Promise<void>;

  /** Runs before the first message. */
  preStart(): void | Promise<void> {}

  /** Runs after the actor (and its children) stopped. Must not throw. */
  postStop(): void | Promise<void> {}

  /** Runs on the failed instance before it is replaced. */
  preRestart(_reason: unknown): void | Promise<void> {
    return this.postStop();
  }

  /** Runs on the new instance after a restart. */
  postRestart(_reason: unknown): void | Promise<void> {
    return this.preStart();
  }

  /** How this actor supervises its children (default: one-for-one restart, Akka's default). */
  supervisorStrategy(): SupervisorStrategy {
    return defaultStrategy;
  }
}

const defaultStrategy = oneForOne();
