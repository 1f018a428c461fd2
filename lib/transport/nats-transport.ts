/**
 * A {@link Transport} over core NATS: the framed protocol of {@link FramedTransport} (batching,
 * credits, sequence numbers, acks, go-back-N retransmission) on two subjects per address, so
 * actor systems in different processes or hosts exchange envelopes through any NATS server or
 * cluster.
 *
 * Subjects (`prefix` default `weir`):
 * - `<prefix>.frame.<A>`: frames for the system at address A (from every sender);
 * - `<prefix>.credit.<A>`: acks and credit for the system at address A as a sender.
 *
 * Core NATS is at-most-once: a server restart or a route change loses messages in flight. The
 * protocol makes delivery exactly-once and in order per sender session: unacked frames are
 * retransmitted after `retransmitMs` without ack progress (backing off) and immediately after the
 * client reconnects; receivers drop duplicates. nats.js has no client-side pending limits that
 * drop messages (it buffers), and the server disconnects slow consumers only past its
 * `max_pending`; the credit window bounds what is in flight per sender, so keep
 * `creditBytes × senders` well below that (64 MiB by default).
 *
 * @example
 * const nc = await connectNats({ servers: ['nats://127.0.0.1:4222'] });
 * const t = new NatsTransport('worker-1', nc);
 * system.attachTransport(t, '*');
 */
import { connect, Events, type ConnectionOptions, type NatsConnection, type Subscription } from 'nats';
import { ConfigurationError } from '../errors.js';
import { FramedTransport, type FramedTransportOptions } from './framed-transport.js';

/** Options of a {@link NatsTransport}. */
export interface NatsTransportOptions extends FramedTransportOptions {
  /** Subject prefix: dot-separated tokens of letters, digits, `_`, `-` (default `weir`). */
  subjectPrefix?: string;
  /** Close the connection on {@link NatsTransport.close} (default false; true with {@link NatsTransport.connect}). */
  ownsConnection?: boolean;
}

const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The NATS transport of one actor system address (see the module docstring for subjects and guarantees). */
export class NatsTransport extends FramedTransport {
  /** The subject frames for this system arrive on. */
  readonly frameSubject: string;
  /** The subject acks/credits for this system arrive on. */
  readonly creditSubject: string;
  private readonly prefix: string;
  private readonly subs: Subscription[];
  private readonly owns: boolean;
  private statusLoop: { stop?: () => void } | undefined;

  /**
   * Connects with nats.js `options` and creates a transport that owns (and closes) the connection.
   * @throws whatever nats.js `connect` throws (see {@link connectNats} for clearer errors).
   */
  static async connect(address: string, options: ConnectionOptions, transportOptions: NatsTransportOptions = {}): Promise<NatsTransport> {
    const nc = await connect(options);
    try {
      return new NatsTransport(address, nc, { ...transportOptions, ownsConnection: transportOptions.ownsConnection ?? true });
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /**
   * Subscribes to this address's subjects on `nc` (an open connection).
   * @throws ConfigurationError `WEIR_ERR_CONFIG` when `address` or `subjectPrefix` is not NATS-token-safe, or a limit is not positive.
   */
  constructor(address: string, readonly nc: NatsConnection, options: NatsTransportOptions = {}) {
    super(address, options, false, nc.info?.max_payload ?? 1024 * 1024);
    this.prefix = options.subjectPrefix ?? 'weir';
    if (!PREFIX.test(this.prefix)) throw new ConfigurationError(`invalid NATS subject prefix '${this.prefix}': dot-separated tokens of letters, digits, '_' or '-'`);
    this.owns = options.ownsConnection ?? false;
    this.frameSubject = `${this.prefix}.frame.${address}`;
    this.creditSubject = `${this.prefix}.credit.${address}`;
    // Callbacks, not iterators: no promise per message, and errors stay here.
    this.subs = [
      nc.subscribe(this.frameSubject, { callback: (err, msg) => (err === null ? this.receiveFrame(msg.data, msg.subject) : this.subError(err)) }),
      nc.subscribe(this.creditSubject, { callback: (err, msg) => (err === null ? this.receiveControl(msg.data, msg.subject) : this.subError(err)) }),
    ];
    void this.watchStatus();
  }

  protected writeFrame(peer: string, bytes: Uint8Array): void {
    this.nc.publish(`${this.prefix}.frame.${peer}`, bytes);
  }

  protected postControl(peer: string, bytes: Uint8Array): void {
    this.nc.publish(`${this.prefix}.credit.${peer}`, bytes);
  }

  protected async closeLink(): Promise<void> {
    this.statusLoop?.stop?.();
    if (this.nc.isClosed()) return;
    try {
      if (this.owns) {
        await this.nc.drain();
      } else {
        for (const s of this.subs) s.unsubscribe();
        await this.nc.flush();
      }
    } catch (err) {
      // Draining a connection that is reconnecting or closing can fail; the link is gone either way.
      this.log.log(`close:${this.localAddress}`, () => `closing the NATS transport of '${this.localAddress}': ${err instanceof Error ? err.message : String(err)}`);
      if (this.owns && !this.nc.isClosed()) await this.nc.close().catch(() => undefined);
    }
  }

  private subError(err: Error): void {
    this.log.log(`sub:${this.localAddress}`, () => `NATS subscription error at '${this.localAddress}': ${err.message}`);
  }

  /** Retransmits unacked frames as soon as the client has reconnected (and resubscribed). */
  private async watchStatus(): Promise<void> {
    const it = this.nc.status();
    this.statusLoop = it as unknown as { stop?: () => void };
    try {
      for await (const s of it) {
        if (this.isClosed) break;
        if (s.type === Events.Reconnect) this.retransmitAll();
      }
    } catch {
      // The status iterator ends with the connection.
    }
  }
}
