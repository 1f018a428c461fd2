/**
 * The receiving half of a framed channel (one sender address → local address): delivers frames
 * in seq order exactly once per session, drops duplicates and frames past a gap (the sender's
 * go-back-N retransmission fills it), and returns credit for a frame only once it was delivered
 * AND every data-lane target that reported a full mailbox has drained — so a slow actor
 * back-pressures remote senders and nothing is dropped.
 *
 * Session: a frame with an epoch this channel has not seen starts a new session at the frame's
 * `first` seq (a restarted sender, or a sender that forgot this receiver).
 *
 * @see Flink's credit-based flow control (RemoteInputChannel announces credit as buffers free up).
 */
import type { ActorRef } from '../actor/actor-ref.js';
import type { Frame } from './frame-codec.js';
import type { InboundSink, TransportStats } from './transport.js';

/** What a channel needs from its transport. */
export interface InboundHost {
  readonly counters: TransportStats;
  /** The sink, or undefined before `onReceive`. */
  readonly sink: InboundSink | undefined;
  /** Asks for this channel's ack/credit to be sent soon (coalesced per macrotask). */
  scheduleControl(channel: InboundChannel): void;
  /** Reports a sink that threw (a bug in the receiving system; the frame still counts delivered). */
  sinkFailed(err: unknown, env: { to: ActorRef }): void;
}

interface PendingCredit {
  seq: number;
  /** Targets still over capacity, plus one while the frame is being delivered. */
  waiting: number;
}

/** Receiver state for one sending peer (see the module docstring). */
export class InboundChannel {
  private epoch: string | undefined;
  private expected = 1;
  private delivered = 0;
  private credited = 0;
  private pending: PendingCredit[] = [];
  /** Bumped on each new session, so late writable callbacks of an old session are ignored. */
  private session = 0;
  /** Set while a control message is scheduled. */
  controlScheduled = false;

  constructor(
    readonly peer: string,
    private readonly host: InboundHost,
  ) {}

  /** The sender's session being acknowledged. */
  get currentEpoch(): string {
    return this.epoch ?? '';
  }

  /** Highest seq delivered in order. */
  get ack(): number {
    return this.delivered;
  }

  /** Highest seq whose credit is returned (≤ {@link ack}). */
  get credit(): number {
    return this.credited;
  }

  /** Handles a decoded frame from this peer. */
  onFrame(frame: Frame): void {
    const sink = this.host.sink;
    if (sink === undefined) return; // not attached yet: unacked, so the sender retransmits it
    if (frame.epoch !== this.epoch) {
      this.epoch = frame.epoch;
      this.session++;
      this.expected = frame.first;
      this.delivered = frame.first - 1;
      this.credited = frame.first - 1;
      this.pending = [];
    }
    if (frame.seq < this.expected) {
      // A retransmission (our ack was lost or late) or a probe: repeat the ack/credit.
      if (frame.envs.length > 0) this.host.counters.duplicatesDropped++;
      this.host.scheduleControl(this);
      return;
    }
    if (frame.seq > this.expected) {
      this.host.counters.outOfOrderDropped++;
      this.host.scheduleControl(this);
      return;
    }
    this.expected++;
    this.delivered = frame.seq;
    this.host.counters.framesReceived++;
    const entry: PendingCredit = { seq: frame.seq, waiting: 1 };
    this.pending.push(entry);
    const session = this.session;
    const release = (): void => this.release(entry, session);
    let blocked: Set<string> | undefined;
    for (const env of frame.envs) {
      this.host.counters.envelopesReceived++;
      let ok: boolean;
      try {
        ok = sink.deliver(env);
      } catch (err) {
        this.host.sinkFailed(err, env);
        ok = true;
      }
      if (ok || env.lane !== 'data') continue;
      blocked ??= new Set();
      const key = `${env.to.id}@${env.to.address}`;
      if (blocked.has(key)) continue;
      blocked.add(key);
      entry.waiting++;
      sink.onWritable(env.to, release);
    }
    this.release(entry, session);
    this.host.scheduleControl(this);
  }

  private release(entry: PendingCredit, session: number): void {
    if (session !== this.session) return;
    entry.waiting--;
    if (entry.waiting > 0) return;
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.waiting === 0) this.credited = this.pending[n++]!.seq;
    if (n > 0) {
      this.pending.splice(0, n);
      this.host.scheduleControl(this);
    }
  }
}
