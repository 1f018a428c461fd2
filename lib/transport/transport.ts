/**
 * The transport interface: how envelopes reach actor systems at other addresses (a worker thread,
 * another process or host). Actors never see it; the {@link ActorSystem} routes every ref whose
 * address is not its own through the transport attached for that address.
 *
 * Inbound envelopes arrive through one {@link InboundSink} rather than an async iterable: an
 * iterator step is a promise per frame, which the hot path avoids. The sink also lets the receiver
 * back-pressure remote senders: `deliver` says when a target's data lane is over capacity and
 * `onWritable` says when it drained, which credit-based transports turn into credit returns.
 * Envelope bodies are plain data (numbers, strings, arrays, plain objects, Uint8Array, bigint,
 * Map/Set, Date) so cbor-x can encode them.
 *
 * @see nats.js Transport; protoactor remoting; Flink's credit-based network flow control.
 */
import type { ActorRef } from '../actor/actor-ref.js';

/** One message on the wire. */
export interface TransportEnvelope {
  to: ActorRef;
  from?: ActorRef;
  lane: 'system' | 'data';
  body: unknown;
}

/**
 * Where a transport delivers inbound envelopes (the {@link ActorSystem} passes one in
 * `attachTransport`).
 */
export interface InboundSink {
  /**
   * Delivers one envelope to its local target. Returns false when the target's data lane is over
   * capacity (the envelope was still accepted); a credit-based transport then withholds the credit
   * of the frame until {@link onWritable} fires for that target. System-lane envelopes return true.
   */
  deliver(envelope: TransportEnvelope): boolean;
  /** Calls `callback` once (at once if already so) when `to`'s data lane has drained enough to take more. */
  onWritable(to: ActorRef, callback: () => void): void;
}

/** Counters of a transport since it was created (plain numbers; bytes are encoded bytes). */
export interface TransportStats {
  /** Frames (batches of envelopes) handed to the link, retransmissions excluded. */
  framesSent: number;
  /** Encoded bytes of those frames. */
  bytesSent: number;
  /** Envelopes accepted by `send()`. */
  envelopesSent: number;
  /** Frames decoded and accepted in order. */
  framesReceived: number;
  /** Encoded bytes of every inbound frame message, accepted or not. */
  bytesReceived: number;
  /** Envelopes delivered to the inbound sink. */
  envelopesReceived: number;
  /** Frames sent again because no ack came in time or the connection was re-established. */
  retransmits: number;
  /** Inbound frame or control messages dropped because they did not decode to a valid frame/control message. */
  framesDropped: number;
  /** Inbound frames dropped as already delivered (seq at or below the delivered one). */
  duplicatesDropped: number;
  /** Inbound frames dropped because an earlier one is missing (the sender retransmits from the gap). */
  outOfOrderDropped: number;
  /** Times `send()` returned false (the sender ran out of credit). */
  creditWaits: number;
  /** Control (ack/credit) messages sent and received. */
  controlSent: number;
  controlReceived: number;
}

export interface Transport {
  /** The address of the system this transport delivers to. */
  readonly localAddress: string;
  /**
   * Sends an envelope toward `envelope.to.address`. Always accepts (queues) the envelope. Returns
   * false when the caller should pause data sends to that address (out of credit) until
   * {@link onWritable} fires; system-lane envelopes are never held back by credit. Never throws
   * for an unreachable peer.
   * @throws WeirError `WEIR_ERR_ENCODE` when the body is not plain data (encoding transports).
   */
  send(envelope: TransportEnvelope): boolean;
  /** Registers the one sink for inbound envelopes. */
  onReceive(sink: InboundSink): void;
  /** Calls `callback` once sends to `address` may continue (at once if they may now). */
  onWritable(address: string, callback: () => void): void;
  /**
   * Forgets a peer that is known dead: drops its queued and unacknowledged frames, its retransmit
   * timers and its credit state, and releases senders waiting for it. Later sends start a new session.
   */
  forgetPeer?(address: string): void;
  /** Counters since creation. */
  stats?(): TransportStats;
  /** Closes the transport; `error` says why, when it failed. Idempotent. */
  close(error?: Error): Promise<void>;
  /** Resolves when the transport has closed (with the error it failed with, if any). */
  closed(): Promise<Error | undefined>;
}
