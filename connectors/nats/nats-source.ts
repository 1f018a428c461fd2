import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import type { OutputTag } from '../../lib/api/output-tag.js';
import { ConfigurationError } from '../../lib/errors.js';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../source.js';
import { positiveInt } from './jetstream-source.js';
import { checkConnectionOptions, closeQuietly, openNatsConnection, type NatsConnectionOptions } from './nats-connection-options.js';
import type { NatsDeadLetter } from './nats-dead-letter.js';
import { NatsRecordError } from './nats-error.js';
import { jsonDeserializer, payloadText, type NatsDeserializer } from './nats-serde.js';

/** At most this many records are emitted per `pollNext`. */
const RECORDS_PER_POLL = 1024;

/** Options of {@link NatsSource}. */
export interface NatsSourceOptions<T> extends NatsConnectionOptions {
  /** The subject to subscribe to (wildcards allowed). */
  readonly subject: string;
  /**
   * A queue group: every subtask subscribes in it and NATS gives each message to one of them.
   * Without one, only subtask 0 subscribes (the others end at once), since every subscriber gets
   * every message.
   */
  readonly queue?: string | undefined;
  /** Payload → record; default UTF-8 JSON. `undefined` skips the message. */
  readonly deserializer?: NatsDeserializer<T> | undefined;
  /**
   * Where messages the deserializer rejects go, as {@link NatsDeadLetter}s. Without it (default)
   * such a message fails the reader with a `NatsRecordError` (`WEIR_ERR_RECORD_PARSE`) naming the subject.
   */
  readonly deadLetter?: OutputTag<NatsDeadLetter> | undefined;
  /**
   * Messages buffered per subtask at most; default 10000. Messages arriving while the buffer is
   * full are dropped and counted ({@link NatsSource.droppedMessages}).
   */
  readonly maxBufferedMessages?: number | undefined;
}

/**
 * An unbounded source of core NATS messages on a subject: **at-most-once**. Core NATS keeps
 * nothing: messages published while the job is down, restarting or being restored are lost, and
 * nothing is replayed after a restore (the reader has no position to checkpoint, so it does not
 * implement `snapshotState`). For replay and exactly-once use a JetStream stream on the subject and
 * {@link JetStreamSource}.
 *
 * Each subscribing subtask opens a connection in `start()` and closes it in `close()`; nats.js
 * reconnects by itself and resubscribes, and messages published during the outage are lost.
 *
 * Memory is bounded: the subscription callback appends to a buffer of at most
 * `maxBufferedMessages` (default 10000); when the job is slower than the publishers, messages
 * arriving at a full buffer are dropped and counted in {@link droppedMessages} (core NATS has no
 * flow control; pausing would only move the loss to the server, which disconnects slow consumers).
 *
 * Records have no timestamp; assign one with a `WatermarkStrategy` timestamp assigner.
 *
 * @example
 * env.fromSource(new NatsSource<Click>({ subject: 'clicks.>', queue: 'click-counter' }), 'clicks');
 * @see Flink's (Bahir) RMQSource / a non-replayable source: at-most-once whatever the checkpointing.
 */
export class NatsSource<T> implements Source<T> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED' as const;
  private dropped = 0;
  private readonly maxBuffered: number;

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty subject or queue, or a non-positive buffer size. */
  constructor(private readonly options: NatsSourceOptions<T>) {
    if (typeof options.subject !== 'string' || options.subject === '' || /\s/.test(options.subject)) {
      throw new ConfigurationError(`NatsSource: subject must be a non-empty subject, got ${JSON.stringify(options.subject)}`);
    }
    if (options.queue !== undefined && (typeof options.queue !== 'string' || options.queue === '')) throw new ConfigurationError('NatsSource: queue must be a non-empty string');
    checkConnectionOptions(options, 'NatsSource');
    this.maxBuffered = positiveInt(options.maxBufferedMessages, 10_000, 'maxBufferedMessages');
  }

  /** Messages dropped at a full buffer by this source's readers in this process, since it was created. */
  get droppedMessages(): number {
    return this.dropped;
  }

  /** Creates the reader of one subtask (subtask 0 only subscribes unless there is a queue group). Restored splits are ignored. */
  createReader(context: SourceReaderContext): SourceReader<T> {
    const subscribes = this.options.queue !== undefined || context.subtaskIndex === 0;
    return new NatsSourceReader<T>(this.options, context, subscribes, this.maxBuffered, () => this.dropped++);
  }

  /** `nats:<subject>`. */
  describe(): string {
    return `nats:${this.options.subject}${this.options.queue !== undefined ? ` (queue ${this.options.queue})` : ''}`;
  }
}

/** The reader of one `NatsSource` subtask; see there. */
class NatsSourceReader<T> implements SourceReader<T> {
  private nc: NatsConnection | undefined;
  private sub: Subscription | undefined;
  private buffer: Msg[] = [];
  private head = 0;
  private waiter: { promise: Promise<void>; resolve: () => void } | undefined;
  private closed = false;

  constructor(
    private readonly options: NatsSourceOptions<T>,
    private readonly context: SourceReaderContext,
    private readonly subscribes: boolean,
    private readonly maxBuffered: number,
    private readonly onDrop: () => void,
  ) {}

  /** Connects and subscribes. @throws NatsConnectorError (`WEIR_ERR_NATS`) when NATS cannot be reached. */
  async start(): Promise<void> {
    if (!this.subscribes) return;
    this.nc = await openNatsConnection(this.options, `weir ${this.context.operatorName} #${this.context.subtaskIndex}`);
    if (this.closed) return;
    const callback = (err: NatsError | null, m: Msg): void => {
      if (err !== null) return;
      if (this.buffer.length - this.head >= this.maxBuffered) {
        this.onDrop();
        return;
      }
      this.buffer.push(m);
      this.signal();
    };
    this.sub = this.nc.subscribe(this.options.subject, this.options.queue !== undefined ? { queue: this.options.queue, callback } : { callback });
    // Make sure the server has the subscription before the first poll, so a test or a caller that
    // publishes right after start() is heard.
    await this.nc.flush();
  }

  /**
   * Emits up to 1024 buffered messages; `END_OF_INPUT` at once for a subtask that does not subscribe.
   * @throws NatsRecordError (`WEIR_ERR_RECORD_PARSE`) for a rejected message without a `deadLetter` tag.
   */
  pollNext(output: ReaderOutput<T>): InputStatus {
    if (!this.subscribes) return 'END_OF_INPUT';
    const deserialize = this.options.deserializer ?? jsonDeserializer<T>;
    const tag = this.options.deadLetter;
    let budget = RECORDS_PER_POLL;
    while (budget-- > 0 && this.head < this.buffer.length) {
      const m = this.buffer[this.head++] as Msg;
      let value: T | undefined;
      try {
        value = deserialize(m.data, { subject: m.subject, seq: 0, timestampMs: undefined, headers: m.headers });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (tag === undefined) throw new NatsRecordError({ subject: m.subject, reason, raw: payloadText(m.data) }, { cause: err });
        output.collectSide(tag, { stream: undefined, subject: m.subject, seq: 0, timestampMs: undefined, reason, raw: payloadText(m.data), data: m.data });
        continue;
      }
      if (value !== undefined) output.collect(value);
    }
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
      return 'NOTHING_AVAILABLE';
    }
    return 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    if (this.closed || this.head < this.buffer.length) return Promise.resolve();
    if (this.waiter === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiter = { promise, resolve };
    }
    return this.waiter.promise;
  }

  /** Unsubscribes and closes the connection; buffered messages are lost. Never throws. */
  async close(): Promise<void> {
    this.closed = true;
    this.sub?.unsubscribe();
    this.buffer = [];
    this.head = 0;
    await closeQuietly(this.nc);
    this.signal();
  }

  private signal(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }
}
