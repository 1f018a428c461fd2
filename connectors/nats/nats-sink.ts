import type { NatsConnection } from 'nats';
import { ConfigurationError } from '../../lib/errors.js';
import type { Sink, SinkWriter, SinkWriterContext } from '../sink.js';
import { checkConnectionOptions, closeQuietly, openNatsConnection, type NatsConnectionOptions } from './nats-connection-options.js';
import { NatsConnectorError } from './nats-error.js';
import { jsonSerializer, type NatsSerializer, type NatsSubject } from './nats-serde.js';

/** Options of {@link NatsSink}. */
export interface NatsSinkOptions<T> extends NatsConnectionOptions {
  /** The subject of every message, or a function of the record. */
  readonly subject: NatsSubject<T>;
  /** Record → payload; default UTF-8 JSON. */
  readonly serializer?: NatsSerializer<T> | undefined;
}

/**
 * A sink publishing each record as a core NATS message: **at-most-once**. Core NATS delivers to
 * the subscribers connected at that moment and keeps nothing: messages nobody listens to are
 * gone, and a subscriber that is down or slow misses them. At each checkpoint barrier the writer
 * flushes its connection (a round trip: the server has every message published before the barrier),
 * which makes the hand-over to the server at-least-once, not the delivery. After a restore the
 * records since the last checkpoint are published again. For storage, replay or exactly-once use
 * {@link JetStreamSink}.
 *
 * Each subtask opens one connection in `createWriter` and closes it in `close()`; nats.js buffers
 * publishes while it reconnects. `write` never returns a Promise (nats.js buffers and batches
 * outgoing messages).
 *
 * @example
 * alerts.sinkTo(new NatsSink<Alert>({ subject: (a) => `alerts.${a.severity}` }), 'alerts');
 */
export class NatsSink<T> implements Sink<T> {
  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty subject or one with wildcards. */
  constructor(private readonly options: NatsSinkOptions<T>) {
    const s = options.subject;
    if (!(typeof s === 'function' || (typeof s === 'string' && s !== '' && !/[\s*>]/.test(s)))) {
      throw new ConfigurationError(`NatsSink: subject must be a subject without wildcards or a function of the record, got ${JSON.stringify(s)}`);
    }
    checkConnectionOptions(options, 'NatsSink');
  }

  /** Connects. @throws NatsConnectorError (`WEIR_ERR_NATS`) when NATS cannot be reached. */
  async createWriter(context: SinkWriterContext): Promise<SinkWriter<T>> {
    const nc = await openNatsConnection(this.options, `weir ${context.operatorName} #${context.subtaskIndex}`);
    const s = this.options.subject;
    context.reportOutput(`nats:${typeof s === 'string' ? s : '<subject function>'}`);
    return new NatsSinkWriter<T>(nc, this.options.subject, this.options.serializer ?? jsonSerializer);
  }
}

class NatsSinkWriter<T> implements SinkWriter<T> {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: NatsSubject<T>,
    private readonly serializer: NatsSerializer<T>,
  ) {}

  /** Publishes `value`. @throws NatsConnectorError (`WEIR_ERR_NATS`) when the connection is closed or the payload too large. */
  write(value: T): void {
    const s = this.subject;
    const subject = typeof s === 'string' ? s : s(value);
    try {
      this.nc.publish(subject, this.serializer(value));
    } catch (err) {
      throw new NatsConnectorError(`NatsSink: cannot publish to '${subject}': ${(err as Error).message}`, { cause: err });
    }
  }

  /** Round trip to the server: it has everything published so far. @throws NatsConnectorError (`WEIR_ERR_NATS`). */
  async flush(): Promise<void> {
    try {
      await this.nc.flush();
    } catch (err) {
      throw new NatsConnectorError(`NatsSink: flush failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Closes the connection (nats.js sends what it buffered first when connected). Never throws. */
  async close(): Promise<void> {
    await closeQuietly(this.nc);
  }
}
