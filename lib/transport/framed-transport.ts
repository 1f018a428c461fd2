/**
 * The protocol core shared by the worker-thread and NATS transports: per peer address an
 * {@link OutboundChannel} (batching into frames, credit window, retransmission) and an
 * {@link InboundChannel} (in-order exactly-once delivery per session, credit returns). Subclasses
 * only move bytes: {@link postFrame} / {@link postControl} out, {@link receiveFrame} /
 * {@link receiveControl} in. Bytes that do not decode are counted (`framesDropped`) and logged at
 * most once per second per peer, never thrown into the link's callbacks.
 *
 * Frames leave at the end of the current macrotask (`lingerMs` 0, one setImmediate per
 * transport), after `lingerMs`, or as soon as one reaches `maxFrameEnvelopes` or has no room for
 * another envelope of the size of its last one within `maxFrameBytes` (so a frame of one large
 * record batch leaves at once). Envelopes are encoded at `send()` time straight into the frame
 * being built (see frame-codec.ts). Acks and credits leave at the end of the macrotask in which
 * they changed.
 *
 * @see Flink's network stack (buffer timeout = linger, credit-based flow control).
 */
import { ConfigurationError, WeirError } from '../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { decodeControl, decodeFrame, encodeControl } from './frame-codec.js';
import { InboundChannel, type InboundHost } from './inbound-channel.js';
import { OutboundChannel, type ChannelLimits, type OutboundHost } from './outbound-channel.js';
import { RateLimitedLog } from './rate-limited-log.js';
import type { InboundSink, Transport, TransportEnvelope, TransportStats } from './transport.js';

/** Options of the framed transports (all optional). */
export interface FramedTransportOptions {
  /**
   * Encoded bytes of envelopes per frame, at most (default 262 144 = 256 KiB); a single envelope
   * larger than this travels in a frame of its own. A frame is sent once another envelope of the
   * size of its last one would not fit.
   */
  maxFrameBytes?: number;
  /** A frame is sent once it holds this many envelopes (default 4 096). */
  maxFrameEnvelopes?: number;
  /** How long envelopes wait for more to join their frame, ms (default 0: end of the current macrotask). */
  lingerMs?: number;
  /** Data-lane bytes in flight this transport grants each sender, and assumes of each peer until told (default 4 194 304 = 4 MiB). */
  creditBytes?: number;
  /** First retransmit timeout without ack progress, ms (default 500; doubles up to {@link maxRetransmitMs}). Unused on reliable links. */
  retransmitMs?: number;
  /** Retransmit timeout cap, ms (default 8 000). */
  maxRetransmitMs?: number;
  /** Timers (retransmission, linger); default the wall clock (unref'd timers). */
  clock?: Clock;
  /** Where rate-limited warnings go (default stderr). */
  log?: RateLimitedLog;
}

/** Addresses become NATS subject tokens and log words: letters, digits, `_` and `-`. */
const ADDRESS = /^[A-Za-z0-9_-]{1,128}$/;

/** True when `address` is a valid transport address. */
export function isValidAddress(address: string): boolean {
  return ADDRESS.test(address);
}

/** @throws ConfigurationError `WEIR_ERR_CONFIG` naming the bad address. */
export function validateAddress(address: string, what = 'address'): void {
  if (!isValidAddress(address)) throw new ConfigurationError(`invalid ${what} '${address}': use 1-128 letters, digits, '_' or '-' (it becomes a NATS subject token)`);
}

function positive(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!(Number.isFinite(x) && x > 0)) throw new ConfigurationError(`${name} must be a positive number, got ${String(v)}`);
  return x;
}

/** All-zero {@link TransportStats}. */
export function emptyStats(): TransportStats {
  return { framesSent: 0, bytesSent: 0, envelopesSent: 0, framesReceived: 0, bytesReceived: 0, envelopesReceived: 0, retransmits: 0, framesDropped: 0, duplicatesDropped: 0, outOfOrderDropped: 0, creditWaits: 0, controlSent: 0, controlReceived: 0 };
}

/** Base class of the framed transports; see the module docstring for the protocol. */
export abstract class FramedTransport implements Transport, OutboundHost, InboundHost {
  readonly clock: Clock;
  readonly counters: TransportStats = emptyStats();
  sink: InboundSink | undefined;
  protected readonly log: RateLimitedLog;
  protected readonly limits: ChannelLimits;
  protected isClosed = false;
  private readonly lingerMs: number;
  private readonly outbound = new Map<string, OutboundChannel>();
  private readonly inbound = new Map<string, InboundChannel>();
  private flushScheduled = false;
  private lingerTimer: TimerHandle | undefined;
  private controlQueue: InboundChannel[] = [];
  private readonly closedPromise: Promise<Error | undefined>;
  private resolveClosed!: (e: Error | undefined) => void;

  /**
   * @param reliable true when the link never loses or reorders (MessagePort): no retransmission.
   * @throws ConfigurationError `WEIR_ERR_CONFIG` for an invalid address or a non-positive limit.
   */
  constructor(
    readonly localAddress: string,
    options: FramedTransportOptions,
    reliable: boolean,
    maxMessageBytes: number,
  ) {
    validateAddress(localAddress, 'local address');
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? new RateLimitedLog();
    this.lingerMs = options.lingerMs ?? 0;
    if (!(this.lingerMs >= 0)) throw new ConfigurationError(`lingerMs must be ≥ 0, got ${options.lingerMs}`);
    const maxFrameBytes = Math.min(positive('maxFrameBytes', options.maxFrameBytes, 256 * 1024), maxMessageBytes - 1024);
    this.limits = {
      maxFrameBytes,
      maxFrameEnvelopes: positive('maxFrameEnvelopes', options.maxFrameEnvelopes, 4096),
      maxMessageBytes,
      creditBytes: positive('creditBytes', options.creditBytes, 4 * 1024 * 1024),
      retransmitMs: reliable ? undefined : positive('retransmitMs', options.retransmitMs, 500),
      maxRetransmitMs: positive('maxRetransmitMs', options.maxRetransmitMs, 8_000),
    };
    this.closedPromise = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  /** Hands a frame to peer `peer` (may transfer the buffer). May throw: the error is logged. */
  protected abstract writeFrame(peer: string, bytes: Uint8Array): void;
  /** Hands an ack/credit message to peer `peer`. May throw: the error is logged. */
  protected abstract postControl(peer: string, bytes: Uint8Array): void;
  /** Releases the link (unsubscribe, close ports). */
  protected abstract closeLink(): Promise<void>;

  send(envelope: TransportEnvelope): boolean {
    if (this.isClosed) return true;
    return this.channelTo(envelope.to.address).enqueue(envelope);
  }

  onReceive(sink: InboundSink): void {
    this.sink = sink;
  }

  onWritable(address: string, callback: () => void): void {
    const ch = this.outbound.get(address);
    if (ch === undefined || this.isClosed) callback();
    else ch.onWritable(callback);
  }

  forgetPeer(address: string): void {
    this.outbound.get(address)?.forget();
    this.inbound.delete(address);
  }

  /** A copy of the counters since creation. */
  stats(): TransportStats {
    return { ...this.counters };
  }

  /** Data bytes in flight to `address` now, and the most ever (for tests and metrics). */
  inFlight(address: string): { bytes: number; maxBytes: number } {
    const ch = this.outbound.get(address);
    return { bytes: ch?.inFlightBytes ?? 0, maxBytes: ch?.maxInFlightBytes ?? 0 };
  }

  /** True while some peer has unacknowledged or uncredited frames. */
  get hasUnacked(): boolean {
    for (const ch of this.outbound.values()) if (ch.busy) return true;
    return false;
  }

  async close(error?: Error): Promise<void> {
    if (this.isClosed) return;
    this.flushAll();
    this.isClosed = true;
    this.lingerTimer?.cancel();
    for (const ch of this.outbound.values()) ch.close();
    try {
      await this.closeLink();
    } finally {
      this.resolveClosed(error);
    }
  }

  closed(): Promise<Error | undefined> {
    return this.closedPromise;
  }

  // ---- for the channels ------------------------------------------------------------------

  postFrame(peer: string, bytes: Uint8Array): void {
    try {
      this.writeFrame(peer, bytes);
    } catch (err) {
      // Unacked frames are retransmitted later on an unreliable link; on a reliable one the peer is gone.
      this.log.log(`frame:${peer}`, () => `could not send a frame of ${bytes.byteLength} bytes to '${peer}' from '${this.localAddress}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.lingerMs === 0) setImmediate(this.flushAll);
    else this.lingerTimer = this.clock.setTimeout(this.flushAll, this.lingerMs);
  }

  scheduleControl(channel: InboundChannel): void {
    if (channel.controlScheduled) return;
    channel.controlScheduled = true;
    this.controlQueue.push(channel);
    if (this.controlQueue.length === 1) setImmediate(this.flushControl);
  }

  sinkFailed(err: unknown, env: { to: { id: string; address: string } }): void {
    this.log.log(`sink:${this.localAddress}`, () => `delivering an envelope for ${env.to.id}@${env.to.address} at '${this.localAddress}' threw: ${String(err)}`);
  }

  // ---- for the subclasses ----------------------------------------------------------------

  /** Decodes and handles an inbound frame; never throws. `origin` names the subject/port for logs. */
  protected receiveFrame(bytes: Uint8Array, origin: string): void {
    if (this.isClosed) return;
    this.counters.bytesReceived += bytes.byteLength;
    try {
      const frame = decodeFrame(bytes);
      if (!isValidAddress(frame.from)) throw new WeirError('WEIR_ERR_DECODE', `frame from an invalid address '${frame.from.slice(0, 40)}' (${bytes.byteLength} bytes)`);
      let ch = this.inbound.get(frame.from);
      if (ch === undefined) {
        ch = new InboundChannel(frame.from, this);
        this.inbound.set(frame.from, ch);
      }
      ch.onFrame(frame);
    } catch (err) {
      this.dropped(err, bytes, origin);
    }
  }

  /** Decodes and handles an inbound ack/credit; never throws. */
  protected receiveControl(bytes: Uint8Array, origin: string): void {
    if (this.isClosed) return;
    try {
      const msg = decodeControl(bytes);
      this.counters.controlReceived++;
      this.outbound.get(msg.from)?.onControl(msg);
    } catch (err) {
      this.dropped(err, bytes, origin);
    }
  }

  /** Sends every peer's unacknowledged frames again now (after a reconnect). */
  protected retransmitAll(): void {
    for (const ch of this.outbound.values()) ch.retransmit();
  }

  // ---- internals -------------------------------------------------------------------------

  /** Counts and logs (rate-limited) an inbound message that is not a valid frame or control message. */
  protected dropped(err: unknown, bytes: Uint8Array, origin: string): void {
    this.counters.framesDropped++;
    this.log.log(`drop:${origin}`, () => `dropped a message of ${bytes.byteLength} bytes on ${origin} at '${this.localAddress}': ${err instanceof Error ? err.message : String(err)}`);
  }

  private channelTo(address: string): OutboundChannel {
    let ch = this.outbound.get(address);
    if (ch === undefined) {
      validateAddress(address, 'peer address');
      ch = new OutboundChannel(address, this, this.limits);
      this.outbound.set(address, ch);
    }
    return ch;
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    this.lingerTimer = undefined;
    if (this.isClosed) return;
    for (const ch of this.outbound.values()) ch.flush();
  };

  private readonly flushControl = (): void => {
    const q = this.controlQueue;
    this.controlQueue = [];
    for (const ch of q) {
      ch.controlScheduled = false;
      if (this.isClosed) continue;
      const bytes = encodeControl({ from: this.localAddress, epoch: ch.currentEpoch, ack: ch.ack, credit: ch.credit, window: this.limits.creditBytes });
      this.counters.controlSent++;
      try {
        this.postControl(ch.peer, bytes);
      } catch (err) {
        this.log.log(`control:${ch.peer}`, () => `could not send ack/credit to '${ch.peer}' from '${this.localAddress}': ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
}
