import type { NatsConnection } from 'nats';
import { ConfigurationError } from '../../lib/errors.js';
import type { PrecommittingSinkWriter, SinkCommitterContext, SinkWriterContext, TwoPhaseCommittingSink } from '../sink.js';
import type { JetStreamCommittable } from './jetstream-committable.js';
import { JetStreamCommitter } from './jetstream-committer.js';
import type { JetStreamPublisherOptions } from './jetstream-publisher.js';
import { JetStreamAtLeastOnceWriter, JetStreamExactlyOnceWriter, type JetStreamWriterConfig } from './jetstream-sink-writer.js';
import { positiveInt } from './jetstream-source.js';
import { checkConnectionOptions, closeQuietly, openNatsConnection, type NatsConnectionOptions } from './nats-connection-options.js';
import { NatsConnectorError } from './nats-error.js';
import { jsonSerializer, type NatsSerializer, type NatsSubject } from './nats-serde.js';

/** Flink's `DeliveryGuarantee` (without `NONE`: use `NatsSink` for fire-and-forget). */
export type DeliveryGuarantee = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/** Options of {@link JetStreamSink}. */
export interface JetStreamSinkOptions<T> extends NatsConnectionOptions {
  /** The subject of every message, or a function of the record. A JetStream stream must capture it. */
  readonly subject: NatsSubject<T>;
  /** Record → payload; default UTF-8 JSON. */
  readonly serializer?: NatsSerializer<T> | undefined;
  /** Default `'EXACTLY_ONCE'`. */
  readonly deliveryGuarantee?: DeliveryGuarantee | undefined;
  /**
   * Prefix of the message ids; default the sink operator's name (`sinkTo(sink, name)`). Give sinks
   * that write into the same stream different ids.
   */
  readonly sinkId?: string | undefined;
  /**
   * Exactly-once: the stream the messages go to, whose duplicate window is checked when the
   * committer starts. Default: the stream capturing `subject` when it is a fixed subject; with a
   * subject function and no `stream`, nothing is checked.
   */
  readonly stream?: string | undefined;
  /**
   * Exactly-once: the smallest acceptable `duplicate_window` of the stream, ms; default 120000 (the
   * JetStream default, 2 min). It must exceed the longest recovery (restart delay + restore + re-commit);
   * 0 skips the check.
   */
  readonly minDuplicateWindowMs?: number | undefined;
  /** Unacknowledged messages at most per writer or committer; default 4096. */
  readonly maxPendingAcks?: number | undefined;
  /** A message without a PubAck for this long is published again with the same id, ms; default 5000. */
  readonly ackTimeoutMs?: number | undefined;
  /** Re-publications of one message before the sink fails; default 5. */
  readonly maxRetries?: number | undefined;
}

/** Counters of the writers and committers of one sink object in this process (for tests and monitoring). */
export interface JetStreamSinkStats {
  /** Messages acknowledged by JetStream. */
  acked: number;
  /** Of those, acknowledged as duplicates (dropped by the duplicate window: a re-commit or a retried publish). */
  duplicates: number;
}

/**
 * A sink publishing records to JetStream: Flink's KafkaSink, where `EXACTLY_ONCE` uses Kafka
 * transactions, here replaced by **message-id deduplication**.
 *
 * `EXACTLY_ONCE` (default), a two-phase-commit sink: the writer serializes the records of a
 * checkpoint interval into memory (nobody sees them); at the barrier `prepareCommit` turns them into
 * a `JetStreamCommittable` holding the payloads and fixing each message's id,
 * `Nats-Msg-Id: <sinkId>.<runId>-<subtask>-<checkpointId>-<n>`; it is kept in the checkpoint, and
 * once the checkpoint completes the `JetStreamCommitter` publishes the messages with those ids
 * (many acks outstanding) and awaits the PubAcks. After a failure, the committables of the restored
 * checkpoint are committed again with the same ids and the stream drops what it already stored, so
 * each message is stored once — provided the stream's `duplicate_window` (default 2 min, checked at
 * start against `minDuplicateWindowMs`) exceeds the maximum recovery time. Records after the last
 * completed checkpoint were never published and are written again by the restored job under new ids.
 * Latency: messages appear when their checkpoint completes; memory: the writer and the checkpoint
 * hold one interval's payloads.
 *
 * `runId` is random hex chosen on a fresh start and kept in the writer's checkpointed state: it
 * stays the same across restores of one run, and a fresh run of the same job (same sink name)
 * within the duplicate window does not collide with the previous run's ids and lose its output.
 * (This is the only difference from the plain `<sinkId>-<subtask>-<checkpointId>-<n>` scheme.)
 *
 * `AT_LEAST_ONCE`: records are published as they come (with per-writer unique ids, so a publish
 * repeated after an ack timeout is not stored twice), and every barrier waits for all acks; after a
 * restore the records since the last checkpoint are published again.
 *
 * Connections: the committer (exactly-once) or the writer (at-least-once) of each subtask opens
 * one connection and closes it in `close()`. A publish whose ack is lost in a reconnect is
 * published again with the same id after `ackTimeoutMs`.
 *
 * @example
 * stream.sinkTo(new JetStreamSink<Total>({ subject: 'totals', stream: 'TOTALS' }), 'totals-to-nats');
 * stream.sinkTo(new JetStreamSink<Order>({ subject: (o) => `orders.${o.region}`, deliveryGuarantee: 'AT_LEAST_ONCE' }));
 * @see org.apache.flink.connector.kafka.sink.KafkaSink (DeliveryGuarantee.EXACTLY_ONCE, transactional ids)
 */
export class JetStreamSink<T> implements TwoPhaseCommittingSink<T, JetStreamCommittable> {
  readonly deliveryGuarantee: DeliveryGuarantee;
  /** Acks and duplicates counted by this sink's writers and committers in this process. */
  readonly stats: JetStreamSinkStats = { acked: 0, duplicates: 0 };
  private readonly publisherOptions: JetStreamPublisherOptions;
  private readonly minDuplicateWindowMs: number;

  /**
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty subject, an unknown delivery
   *   guarantee, or non-positive numeric options.
   */
  constructor(private readonly options: JetStreamSinkOptions<T>) {
    const api = 'JetStreamSink';
    const subject = options.subject;
    if (!(typeof subject === 'function' || (typeof subject === 'string' && subject !== '' && !/[\s*>]/.test(subject)))) {
      throw new ConfigurationError(`${api}: subject must be a subject without wildcards or a function of the record, got ${JSON.stringify(subject)}`);
    }
    const g = options.deliveryGuarantee ?? 'EXACTLY_ONCE';
    if (g !== 'EXACTLY_ONCE' && g !== 'AT_LEAST_ONCE') throw new ConfigurationError(`${api}: deliveryGuarantee must be 'EXACTLY_ONCE' or 'AT_LEAST_ONCE', got ${JSON.stringify(g)}`);
    this.deliveryGuarantee = g;
    if (options.sinkId !== undefined && (typeof options.sinkId !== 'string' || options.sinkId === '')) throw new ConfigurationError(`${api}: sinkId must be a non-empty string`);
    checkConnectionOptions(options, api);
    const minWindow = options.minDuplicateWindowMs ?? 120_000;
    if (!Number.isFinite(minWindow) || minWindow < 0) throw new ConfigurationError(`${api}: minDuplicateWindowMs must be ≥ 0, got ${String(minWindow)}`);
    this.minDuplicateWindowMs = minWindow;
    this.publisherOptions = {
      maxPendingAcks: positiveInt(options.maxPendingAcks, 4096, 'maxPendingAcks'),
      ackTimeoutMs: positiveInt(options.ackTimeoutMs, 5000, 'ackTimeoutMs'),
      maxRetries: options.maxRetries === 0 ? 0 : positiveInt(options.maxRetries, 5, 'maxRetries'),
    };
  }

  /**
   * Creates the writer of one subtask: exactly-once it buffers (no connection); at-least-once it
   * connects and publishes.
   * @throws NatsConnectorError (`WEIR_ERR_NATS`) when NATS cannot be reached (at-least-once).
   */
  async createWriter(context: SinkWriterContext): Promise<PrecommittingSinkWriter<T, JetStreamCommittable>> {
    const config = this.writerConfig(context.operatorName);
    context.reportOutput(this.describe());
    if (this.deliveryGuarantee === 'EXACTLY_ONCE') return new JetStreamExactlyOnceWriter<T>(config, context);
    const nc = await openNatsConnection(this.options, `weir ${context.operatorName} #${context.subtaskIndex}`);
    return JetStreamAtLeastOnceWriter.create<T>(config, context, nc, this.publisherOptions, this.stats);
  }

  /**
   * Creates the committer of one subtask; exactly-once it connects and checks the duplicate window.
   * @throws NatsConnectorError (`WEIR_ERR_NATS`) when NATS or JetStream cannot be reached;
   *   ConfigurationError (`WEIR_ERR_CONFIG`) when no stream captures the fixed subject, the given
   *   `stream` does not exist, or its duplicate window is shorter than `minDuplicateWindowMs`.
   */
  async createCommitter(context: SinkCommitterContext): Promise<JetStreamCommitter> {
    const label = `JetStreamSink '${this.options.sinkId ?? context.operatorName}' #${context.subtaskIndex}`;
    const nc = await openNatsConnection(this.options, `weir ${context.operatorName} #${context.subtaskIndex} committer`);
    try {
      if (this.deliveryGuarantee === 'EXACTLY_ONCE' && this.minDuplicateWindowMs > 0) await this.checkDuplicateWindow(nc, label);
    } catch (err) {
      await closeQuietly(nc);
      throw err;
    }
    return new JetStreamCommitter(nc, this.publisherOptions, label, this.stats);
  }

  /** `jetstream:<stream or subject>`. */
  describe(): string {
    const s = this.options.subject;
    return `jetstream:${this.options.stream ?? (typeof s === 'string' ? s : '<subject function>')}`;
  }

  private writerConfig(operatorName: string): JetStreamWriterConfig<T> {
    return { subject: this.options.subject, serializer: this.options.serializer ?? jsonSerializer, sinkId: this.options.sinkId ?? operatorName };
  }

  private async checkDuplicateWindow(nc: NatsConnection, label: string): Promise<void> {
    const subject = this.options.subject;
    let stream = this.options.stream;
    let jsm;
    try {
      jsm = await nc.jetstreamManager();
    } catch (err) {
      throw new NatsConnectorError(`${label}: JetStream is not available: ${(err as Error).message}`, { cause: err });
    }
    if (stream === undefined) {
      if (typeof subject !== 'string') return;
      try {
        stream = await jsm.streams.find(subject);
      } catch (err) {
        throw new ConfigurationError(`${label}: no JetStream stream captures the subject '${subject}'`, { cause: err });
      }
    }
    let windowNs: number;
    try {
      windowNs = (await jsm.streams.info(stream)).config.duplicate_window ?? 0;
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === 10059) throw new ConfigurationError(`${label}: stream '${stream}' does not exist`, { cause: err });
      throw new NatsConnectorError(`${label}: cannot read stream '${stream}': ${(err as Error).message}`, { cause: err });
    }
    const windowMs = windowNs / 1e6;
    if (windowMs < this.minDuplicateWindowMs) {
      throw new ConfigurationError(
        `${label}: stream '${stream}' has a duplicate window of ${windowMs} ms, shorter than minDuplicateWindowMs ${this.minDuplicateWindowMs} ms: a re-commit after a longer recovery would store messages twice (raise the stream's duplicate_window, or lower minDuplicateWindowMs knowingly)`,
      );
    }
  }
}
