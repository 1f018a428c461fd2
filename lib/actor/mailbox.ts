/**
 * A two-lane mailbox (Flink's TaskMailbox, protoactor's default mailbox): the system lane (stop,
 * supervision, checkpoint triggers, timers, resume signals) is always drained before the data lane
 * (record batches). The data lane is bounded: {@link offerData} reports when it reached
 * `capacity`, and the sender is expected to stop sending to this mailbox until the
 * `onWritable` callbacks fire (when the lane has drained to `lowWaterMark`). A message is never
 * refused or dropped, so the hard bound is `capacity` plus one message per well-behaved sender.
 * This is the Node streams `write() === false` / `'drain'` protocol applied to mail.
 */
import { Deque } from './deque.js';
import type { ActorRef } from './actor-ref.js';

/** One queued message. `sender` is undefined for anonymous tells. */
export interface Envelope {
  message: unknown;
  sender: ActorRef | undefined;
}

/** Options of a {@link Mailbox}. */
export interface MailboxOptions {
  /** Data-lane capacity in messages (batches) before senders are told to wait (default 16). */
  capacity?: number;
  /** Data-lane length at which waiting senders are released (default capacity / 2). */
  lowWaterMark?: number;
}

export class Mailbox {
  readonly capacity: number;
  readonly lowWaterMark: number;
  private readonly system = new Deque<Envelope>();
  private readonly data: Deque<Envelope>;
  private waiters: (() => void)[] = [];
  /** When true, the data lane is not dispatched (the owner is back-pressured by its own outputs). */
  dataSuspended = false;

  constructor(options: MailboxOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 16);
    this.lowWaterMark = Math.min(this.capacity - 1, Math.max(0, options.lowWaterMark ?? Math.floor(this.capacity / 2)));
    this.data = new Deque<Envelope>(this.capacity);
  }

  /** Enqueues on the system lane (unbounded: system mail is small and rare). */
  offerSystem(envelope: Envelope): void {
    this.system.push(envelope);
  }

  /**
   * Enqueues on the data lane. Returns `true` while the lane is below capacity, `false` once it
   * is full: the sender should then wait for {@link onWritable}.
   */
  offerData(envelope: Envelope): boolean {
    this.data.push(envelope);
    return this.data.length < this.capacity;
  }

  /** True when the data lane is at or above capacity. */
  get full(): boolean {
    return this.data.length >= this.capacity;
  }

  /** Registers a one-shot callback for when the data lane drains to the low-water mark. */
  onWritable(callback: () => void): void {
    if (this.data.length <= this.lowWaterMark) {
      callback();
      return;
    }
    this.waiters.push(callback);
  }

  /** The next message to process: system lane first; data only while not suspended. */
  next(): Envelope | undefined {
    const sys = this.system.shift();
    if (sys !== undefined) return sys;
    if (this.dataSuspended) return undefined;
    const env = this.data.shift();
    if (env !== undefined && this.waiters.length > 0 && this.data.length <= this.lowWaterMark) this.releaseWaiters();
    return env;
  }

  /** True when {@link next} would return a message. */
  get hasWork(): boolean {
    return this.system.length > 0 || (!this.dataSuspended && this.data.length > 0);
  }

  get systemDepth(): number {
    return this.system.length;
  }

  get dataDepth(): number {
    return this.data.length;
  }

  /** Removes and returns everything queued (for dead letters on stop); releases waiting senders. */
  drain(): Envelope[] {
    const out: Envelope[] = [];
    for (let e = this.system.shift(); e !== undefined; e = this.system.shift()) out.push(e);
    for (let e = this.data.shift(); e !== undefined; e = this.data.shift()) out.push(e);
    this.releaseWaiters();
    return out;
  }

  private releaseWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
