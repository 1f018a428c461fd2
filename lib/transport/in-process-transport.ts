/**
 * An in-process transport: several {@link ActorSystem}s in one process, each with its own
 * address, exchange envelopes through an {@link InProcessNetwork}. By default bodies pass by
 * reference (zero copy); with `encode: true` every envelope goes through cbor-x both ways, which
 * proves that messages are plain data before a worker-thread or NATS transport carries them.
 * Delivery is synchronous into the target system's mailboxes; mailboxes give back-pressure.
 * There are no frames, credits or retransmissions: {@link Transport.forgetPeer} and
 * {@link Transport.stats} are not implemented.
 */
import type { InboundSink, Transport, TransportEnvelope } from './transport.js';
import { EnvelopeCodec } from './envelope-codec.js';

/** Options of an {@link InProcessNetwork}. */
export interface InProcessNetworkOptions {
  /** Round-trip every envelope through cbor-x (default false). */
  encode?: boolean;
}

export class InProcessNetwork {
  private readonly endpoints = new Map<string, InProcessTransport>();
  /** Envelopes for addresses that are not connected. */
  undeliverable = 0;
  readonly codec: EnvelopeCodec | undefined;

  constructor(options: InProcessNetworkOptions = {}) {
    this.codec = options.encode === true ? new EnvelopeCodec() : undefined;
  }

  /** Creates the transport of the system at `address`. */
  connect(address: string): InProcessTransport {
    const t = new InProcessTransport(address, this);
    this.endpoints.set(address, t);
    return t;
  }

  /** @internal */
  route(envelope: TransportEnvelope): boolean {
    const target = this.endpoints.get(envelope.to.address);
    if (target === undefined) {
      this.undeliverable++;
      return true;
    }
    const env = this.codec !== undefined ? this.codec.decode(this.codec.encode(envelope)) : envelope;
    target.deliver(env);
    return true;
  }

  /** @internal */
  disconnect(address: string): void {
    this.endpoints.delete(address);
  }
}

export class InProcessTransport implements Transport {
  private sink: InboundSink | undefined;
  private closedPromise: Promise<Error | undefined>;
  private resolveClosed!: (e: Error | undefined) => void;
  private isClosed = false;

  constructor(
    readonly localAddress: string,
    private readonly network: InProcessNetwork,
  ) {
    this.closedPromise = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  send(envelope: TransportEnvelope): boolean {
    if (this.isClosed) return true;
    return this.network.route(envelope);
  }

  onReceive(sink: InboundSink): void {
    this.sink = sink;
  }

  onWritable(_address: string, callback: () => void): void {
    // In-process delivery lands in the target mailbox, whose own bound back-pressures senders.
    callback();
  }

  /** @internal */
  deliver(envelope: TransportEnvelope): void {
    // The target mailbox's own bound back-pressures local senders; the result is not needed here.
    this.sink?.deliver(envelope);
  }

  close(error?: Error): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.network.disconnect(this.localAddress);
      this.resolveClosed(error);
    }
    return Promise.resolve();
  }

  closed(): Promise<Error | undefined> {
    return this.closedPromise;
  }
}
