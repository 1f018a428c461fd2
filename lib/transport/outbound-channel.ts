/**
 * The sending half of a framed channel (local address → one peer address): encodes envelopes
 * straight into the frame being built (a {@link FrameBuilder}), numbers frames, counts data bytes
 * in flight against the credit window the peer grants, keeps unacknowledged frames' envelope
 * bytes and retransmits them (go-back-N) when no ack progress is seen in time. One instance per
 * peer, owned by a {@link FramedTransport}.
 *
 * Session: `epoch` is random per channel instance and per {@link forget}; the peer starts a new
 * receiving session when it sees a new epoch, at the frame's `first` (oldest unacked) seq.
 *
 * @see Flink's credit-based flow control (CreditBasedPartitionRequestClientHandler); TCP go-back-N.
 */
import { randomBytes } from 'node:crypto';
import { WeirError } from '../errors.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { assembleFrame, FrameBuilder, type ControlMessage } from './frame-codec.js';
import type { TransportEnvelope, TransportStats } from './transport.js';

/** Resolved limits shared by the channels of one transport (see {@link FramedTransportOptions}). */
export interface ChannelLimits {
  maxFrameBytes: number;
  maxFrameEnvelopes: number;
  /** Largest message the link carries, bytes (NATS `max_payload`). */
  maxMessageBytes: number;
  creditBytes: number;
  /** Initial retransmit timeout, ms, or undefined on a reliable link (no retransmission). */
  retransmitMs: number | undefined;
  maxRetransmitMs: number;
}

/** What a channel needs from its transport. */
export interface OutboundHost {
  readonly localAddress: string;
  readonly clock: Clock;
  readonly counters: TransportStats;
  /** Hands a frame to the link; may transfer the buffer. Errors are the host's to log. */
  postFrame(peer: string, bytes: Uint8Array): void;
  /** Asks for {@link OutboundChannel.flush} at the end of the current batch window (linger). */
  scheduleFlush(): void;
}

interface SentFrame {
  seq: number;
  /**
   * The frame's envelope encodings (one region), kept for retransmission until acked (unreliable
   * links only). A retransmission re-assembles the frame with the current `first`, so a receiver
   * that restarted starts at a frame the sender still holds.
   */
  envs: Uint8Array | undefined;
  /** Envelopes in `envs`. */
  count: number;
  dataBytes: number;
}

/** Envelope encodings larger than this headroom below the link's limit cannot be framed (a frame header is < 256 B: addresses ≤ 128 chars, 16-char epochs). */
const FRAME_OVERHEAD_BYTES = 256;

/** Sender state toward one peer (see the module docstring). */
export class OutboundChannel {
  private epoch = newEpoch();
  private nextSeq = 1;
  private acked = 0;
  private credited = 0;
  private window: number;
  /** Frames sent and not yet credited, in seq order. */
  private frames: SentFrame[] = [];
  /** The frame being built: envelopes are encoded into it at `enqueue` time. */
  private readonly building = new FrameBuilder();
  private partsDataBytes = 0;
  /** Data bytes of frames not yet credited plus the data bytes of the frame being built. */
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private timer: TimerHandle | undefined;
  private backoffMs: number;
  /** Highest `inFlight` seen (tests check it stays bounded by the window). */
  maxInFlightBytes = 0;

  constructor(
    readonly peer: string,
    private readonly host: OutboundHost,
    private readonly limits: ChannelLimits,
  ) {
    this.window = limits.creditBytes;
    this.backoffMs = limits.retransmitMs ?? 0;
  }

  /** Data bytes in flight (sent or queued, not yet credited by the peer). */
  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** True while frames are unacknowledged or uncredited, or envelopes wait to be framed. */
  get busy(): boolean {
    return this.frames.length > 0 || this.building.count > 0;
  }

  /**
   * Encodes and queues an envelope. Returns false when data sends should pause (over the window).
   * @throws WeirError `WEIR_ERR_ENCODE` (not plain data) or `WEIR_ERR_MESSAGE_TOO_LARGE` (an
   * envelope larger than the link's message limit).
   */
  enqueue(env: TransportEnvelope): boolean {
    const b = this.building;
    const { maxFrameBytes, maxFrameEnvelopes } = this.limits;
    const before = b.count;
    const len = b.append(env);
    if (len + FRAME_OVERHEAD_BYTES > this.limits.maxMessageBytes) {
      b.dropLast(len);
      throw new WeirError('WEIR_ERR_MESSAGE_TOO_LARGE', `a message for ${env.to.id}@${env.to.address} encodes to ${len} bytes; the link carries at most ${this.limits.maxMessageBytes} bytes per message (split the batch)`);
    }
    if (before > 0 && (b.size > maxFrameBytes || before >= maxFrameEnvelopes)) {
      // It does not fit in the frame being built, which leaves without it (rare: see below).
      const moved = b.takeLast(len);
      this.flush();
      b.appendEncoded(moved);
    }
    this.host.counters.envelopesSent++;
    const data = env.lane === 'data';
    if (data) {
      this.partsDataBytes += len;
      this.inFlight += len;
      if (this.inFlight > this.maxInFlightBytes) this.maxInFlightBytes = this.inFlight;
    }
    // Full, or the next envelope like this one would not fit: send now rather than move that one
    // out of this frame later. Otherwise wait for more envelopes until the end of the macrotask.
    if (b.size + len > maxFrameBytes || b.count >= maxFrameEnvelopes) this.flush();
    else this.host.scheduleFlush();
    if (data && this.inFlight > this.window) {
      this.host.counters.creditWaits++;
      return false;
    }
    return true;
  }

  /** Sends the frame being built, if any. */
  flush(): void {
    const count = this.building.count;
    if (count === 0) return;
    const seq = this.nextSeq++;
    const { frame: bytes, envs } = this.building.finish({ from: this.host.localAddress, epoch: this.epoch, seq, first: this.acked + 1 });
    this.frames.push({ seq, envs: this.limits.retransmitMs !== undefined ? envs : undefined, count, dataBytes: this.partsDataBytes });
    this.partsDataBytes = 0;
    this.host.counters.framesSent++;
    this.host.counters.bytesSent += bytes.byteLength;
    this.host.postFrame(this.peer, bytes);
    if (this.timer === undefined) this.armTimer();
  }

  /** Applies an ack/credit from the peer; ignores other sessions' and impossible values. */
  onControl(msg: ControlMessage): void {
    if (msg.epoch !== this.epoch || msg.ack >= this.nextSeq) return;
    this.window = msg.window;
    let progress = false;
    if (msg.ack > this.acked) {
      this.acked = msg.ack;
      progress = true;
      for (const f of this.frames) {
        if (f.seq > msg.ack) break;
        f.envs = undefined;
      }
    }
    if (msg.credit > this.credited) {
      this.credited = msg.credit;
      progress = true;
      let n = 0;
      while (n < this.frames.length && this.frames[n]!.seq <= msg.credit) this.inFlight -= this.frames[n++]!.dataBytes;
      this.frames.splice(0, n);
    }
    if (progress) {
      this.backoffMs = this.limits.retransmitMs ?? 0;
      this.cancelTimer();
      if (this.frames.length > 0) this.armTimer();
    }
    if (this.waiters.length > 0 && this.inFlight <= this.window / 2) this.releaseWaiters();
  }

  /** Calls `callback` at once when under the window, else once in-flight bytes drained to half of it. */
  onWritable(callback: () => void): void {
    if (this.inFlight <= this.window) callback();
    else this.waiters.push(callback);
  }

  /**
   * Go-back-N: sends every unacknowledged frame again, or — when all are acked but credit is still
   * outstanding — a probe (an empty frame repeating the last acked seq) that makes the peer repeat
   * its ack/credit, in case a control message was lost.
   */
  retransmit(): void {
    if (this.limits.retransmitMs === undefined || this.frames.length === 0) return;
    let sent = 0;
    const first = this.acked + 1;
    for (const f of this.frames) {
      if (f.envs === undefined) continue;
      this.host.counters.retransmits++;
      sent++;
      this.host.postFrame(this.peer, assembleFrame({ from: this.host.localAddress, epoch: this.epoch, seq: f.seq, first }, [f.envs], f.count));
    }
    if (sent === 0) this.host.postFrame(this.peer, assembleFrame({ from: this.host.localAddress, epoch: this.epoch, seq: this.acked, first: this.acked + 1 }, []));
  }

  /**
   * Forgets the peer (known dead): drops queued and unacked frames, resets credit, starts a new
   * session (epoch) and releases waiting senders.
   */
  forget(): void {
    this.cancelTimer();
    this.epoch = newEpoch();
    this.nextSeq = 1;
    this.acked = 0;
    this.credited = 0;
    this.frames = [];
    this.building.clear();
    this.partsDataBytes = 0;
    this.inFlight = 0;
    this.window = this.limits.creditBytes;
    this.backoffMs = this.limits.retransmitMs ?? 0;
    this.releaseWaiters();
  }

  /** Stops timers (the transport is closing). */
  close(): void {
    this.cancelTimer();
  }

  private armTimer(): void {
    if (this.limits.retransmitMs === undefined) return;
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.frames.length === 0) return;
      this.retransmit();
      this.backoffMs = Math.min(this.backoffMs * 2, this.limits.maxRetransmitMs);
      this.armTimer();
    }, this.backoffMs);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private releaseWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}

function newEpoch(): string {
  return randomBytes(8).toString('hex');
}
