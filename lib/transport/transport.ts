/**
 * The transport interface: how envelopes reach actor systems at other addresses (a worker thread,
 * another process or host). Actors never see it; the {@link ActorSystem} routes every ref whose
 * address is not its own through the transport attached for that address.
 *
 * Inbound envelopes arrive through one handler rather than an async iterable: an iterator step is
 * a promise per frame, which the hot path avoids. Envelope bodies are plain data (numbers,
 * strings, arrays, plain objects, Uint8Array, bigint, Map/Set) so cbor-x can encode them.
 *
 * @see nats.js Transport; protoactor remoting.
 */
import type { ActorRef } from '../actor/actor-ref.js';

/** One message on the wire. */
export interface TransportEnvelope {
  to: ActorRef;
  from?: ActorRef;
  lane: 'system' | 'data';
  body: unknown;
}

export interface Transport {
  /** The address of the system this transport delivers to. */
  readonly localAddress: string;
  /**
   * Sends an envelope toward `envelope.to.address`. Returns false when the peer cannot take more
   * data now (flow control); the caller then waits for {@link onWritable}. Never throws for an
   * unreachable peer: the envelope is counted as a dead letter on the transport.
   */
  send(envelope: TransportEnvelope): boolean;
  /** Registers the one handler for inbound envelopes. */
  onReceive(handler: (envelope: TransportEnvelope) => void): void;
  /** Calls `callback` once sends to `address` may continue. */
  onWritable(address: string, callback: () => void): void;
  /** Closes the transport; `error` says why, when it failed. Idempotent. */
  close(error?: Error): Promise<void>;
  /** Resolves when the transport has closed (with the error it failed with, if any). */
  closed(): Promise<Error | undefined>;
}
