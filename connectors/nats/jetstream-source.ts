import type { OutputTag } from '../../lib/api/output-tag.js';
import { ConfigurationError } from '../../lib/errors.js';
import type { Boundedness, Source, SourceReaderContext } from '../source.js';
import { JetStreamSourceReader } from './jetstream-source-reader.js';
import type { JetStreamReadSettings } from './jetstream-split-reader.js';
import { toJetStreamSplit, type JetStreamSplit } from './jetstream-split.js';
import { checkConnectionOptions, type NatsConnectionOptions } from './nats-connection-options.js';
import type { NatsDeadLetter } from './nats-dead-letter.js';
import { jsonDeserializer, type NatsDeserializer } from './nats-serde.js';

/**
 * Where a fresh `JetStreamSource` starts (Flink's `OffsetsInitializer`): `'first'` the stream's first
 * message (default), `'new'` only messages stored after the reader started (the stream's last
 * sequence + 1, resolved once in `start()` and checkpointed from then on), `{sequence}` that stream
 * sequence (≥ 1), `{timeMs}` the first message stored at or after that time (epoch ms). Ignored on
 * restore: restored splits carry their positions.
 */
export type JetStreamStartPosition = 'first' | 'new' | { readonly sequence: number } | { readonly timeMs: number };

/**
 * Where a bounded `JetStreamSource` stops (Flink's `setBounded(OffsetsInitializer)`): `'latest'` at
 * the stream's last sequence when the reader started (resolved once and checkpointed, so a restore
 * ends at the same message), `{sequence}` after that stream sequence (inclusive; the reader waits
 * for it if the stream is not there yet).
 */
export type JetStreamStopPosition = 'latest' | { readonly sequence: number };

/** Options of {@link JetStreamSource}. */
export interface JetStreamSourceOptions<T> extends NatsConnectionOptions {
  /** The stream to read. */
  readonly stream: string;
  /**
   * Filter subjects (wildcards allowed), one split each, dealt to subtasks round-robin (split `i`
   * to subtask `i % parallelism`). They should not overlap: a message matching two is read twice.
   * Default: one split over the whole stream, read by subtask 0.
   */
  readonly filterSubjects?: string | readonly string[] | undefined;
  /** Where to start on a fresh start; default `'first'`. */
  readonly startFrom?: JetStreamStartPosition | undefined;
  /** Where to stop (bounded source); default: never (continuous, unbounded). */
  readonly stopAt?: JetStreamStopPosition | undefined;
  /** Payload → record; default UTF-8 JSON. `undefined` skips the message. */
  readonly deserializer?: NatsDeserializer<T> | undefined;
  /**
   * Where messages the deserializer rejects go, as {@link NatsDeadLetter}s; reading goes on past
   * them. Without it (default) such a message fails the reader with a `NatsRecordError`
   * (`WEIR_ERR_RECORD_PARSE`) naming stream, sequence and subject, and the position stays on it.
   */
  readonly deadLetter?: OutputTag<NatsDeadLetter> | undefined;
  /** Messages per pull request; default 1000. */
  readonly fetchBatch?: number | undefined;
  /** Bytes per pull request (a larger message is fetched alone); default 4 MiB. */
  readonly fetchMaxBytes?: number | undefined;
  /** Messages buffered per split at most; default 2 × `fetchBatch`. */
  readonly maxBufferedMessages?: number | undefined;
  /**
   * How long one pull waits on the server for new messages, ms; default 5000. A pull with no answer
   * for this plus 5000 ms is presumed lost and the consumer recreated.
   */
  readonly pullExpiresMs?: number | undefined;
  /** JetStream API request timeout (stream info, consumer creation), ms; default 5000. */
  readonly requestTimeoutMs?: number | undefined;
}

/**
 * A source reading a JetStream stream (or filter subjects of it) from a start position, bounded or
 * continuous: Flink's KafkaSource for NATS JetStream, exactly-once with the job's state.
 *
 * **Positions live in Weir's checkpoints**, as Flink's KafkaSource keeps partition offsets in its
 * checkpointed splits (and commits them to Kafka only for monitoring): each split is a
 * {@link JetStreamSplit} `(stream, filter subject, next sequence to read)`, snapshotted by
 * `snapshotState` between two polls, so its position is one past the last message emitted before
 * the barrier. A restore resumes each split at exactly that sequence: with respect to the job's
 * state nothing is lost and nothing read twice. No durable consumer or other server state is
 * needed: each split is read by an ephemeral `AckNone` pull consumer created at the split's
 * position when the reader starts (and again after a reconnect or any delivery gap), removed in
 * `close()` or by the server after 60 s without a reader. Retention still matters: messages the
 * stream discarded (limits, `WorkQueue`/`Interest` policies) before a restore cannot be replayed;
 * use `Limits` retention long enough to cover recovery.
 *
 * Parallelism: a stream is an ordered log, so one reader per stream or filter subject is the
 * natural split (as one per Kafka partition). Without `filterSubjects` the single split goes to
 * subtask 0 and the other subtasks end at once; with `filterSubjects` split `i` goes to subtask
 * `i % parallelism`. On restore the checkpointed splits are redistributed by the runtime (even-split
 * list state) and read from their positions, at any parallelism.
 *
 * Records carry the message's JetStream timestamp (epoch ms, the time the server stored it) as
 * their record timestamp, which a `WatermarkStrategy` uses as is or passes to its timestamp
 * assigner as `recordTimestamp`.
 *
 * Efficiency: messages are pulled in batches (`fetchBatch` messages / `fetchMaxBytes` bytes) into
 * a bounded buffer by a subscription callback (no promise per message); `pollNext` never waits
 * (`NOTHING_AVAILABLE` when the buffer is empty) and `isAvailable` resolves when a batch arrives.
 *
 * Server restarts and network failures: nats.js reconnects by itself (the default connection
 * options retry forever); pulls lost meanwhile are detected (reconnect event, delivery-sequence gap
 * or a pull that stays unanswered) and each split starts a new consumer where its buffer ends.
 *
 * @example
 * const orders = env.fromSource(
 *   new JetStreamSource<Order>({ stream: 'ORDERS', startFrom: 'first', stopAt: 'latest' }),
 *   WatermarkStrategy.forBoundedOutOfOrderness<Order>(5_000),
 *   'orders',
 * );
 * @see org.apache.flink.connector.kafka.source.KafkaSource (offsets in checkpointed splits)
 */
export class JetStreamSource<T> implements Source<T> {
  readonly boundedness: Boundedness;
  readonly stream: string;
  private readonly filters: readonly (string | null)[];
  private readonly settings: JetStreamReadSettings;

  /**
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty stream name or filter subject, an
   *   invalid start or stop position, or a non-positive batch, byte or time setting.
   */
  constructor(private readonly options: JetStreamSourceOptions<T>) {
    const api = 'JetStreamSource';
    if (typeof options.stream !== 'string' || options.stream === '' || /[\s.*>]/.test(options.stream)) {
      throw new ConfigurationError(`${api}: stream must be a stream name (no spaces, '.', '*' or '>'), got ${JSON.stringify(options.stream)}`);
    }
    checkConnectionOptions(options, api);
    this.stream = options.stream;
    const f = options.filterSubjects;
    const filters = f === undefined ? [null] : typeof f === 'string' ? [f] : [...f];
    if (filters.length === 0 || filters.some((s) => s !== null && (typeof s !== 'string' || s === ''))) {
      throw new ConfigurationError(`${api}: filterSubjects must be a non-empty subject or list of subjects`);
    }
    this.filters = filters;
    checkStart(options.startFrom);
    const stop = options.stopAt;
    if (stop !== undefined && stop !== 'latest' && !(typeof stop === 'object' && Number.isSafeInteger(stop.sequence) && stop.sequence >= 0)) {
      throw new ConfigurationError(`${api}: stopAt must be 'latest' or {sequence ≥ 0}, got ${JSON.stringify(stop)}`);
    }
    this.boundedness = stop === undefined ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
    const fetchBatch = positiveInt(options.fetchBatch, 1000, 'fetchBatch');
    this.settings = {
      fetchBatch,
      fetchMaxBytes: positiveInt(options.fetchMaxBytes, 4 * 1024 * 1024, 'fetchMaxBytes'),
      maxBuffered: positiveInt(options.maxBufferedMessages, 2 * fetchBatch, 'maxBufferedMessages'),
      pullExpiresMs: positiveInt(options.pullExpiresMs, 5000, 'pullExpiresMs'),
      pullGraceMs: 5000,
      inactiveThresholdMs: 60_000,
    };
    positiveInt(options.requestTimeoutMs, 5000, 'requestTimeoutMs');
  }

  /**
   * Creates the reader of one subtask: on a fresh start with the filter subjects `i` where
   * `i % parallelism === subtaskIndex`; on restore with exactly the restored splits.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a restored split is not a JetStream split.
   */
  createReader(context: SourceReaderContext): JetStreamSourceReader<T> {
    const restored = context.restoredSplits?.map(toJetStreamSplit);
    const mine = this.filters.filter((_, i) => i % context.parallelism === context.subtaskIndex);
    const start = this.options.startFrom ?? 'first';
    const stop = this.options.stopAt;
    const stream = this.stream;
    return new JetStreamSourceReader<T>(
      {
        connection: this.options,
        deserializer: this.options.deserializer ?? jsonDeserializer,
        deadLetter: this.options.deadLetter,
        settings: this.settings,
        requestTimeoutMs: this.options.requestTimeoutMs ?? 5000,
        stream,
        splits: ({ lastSeq }) =>
          mine.map((filter): JetStreamSplit => {
            const byTime = typeof start === 'object' && 'timeMs' in start;
            const next = start === 'first' ? 1 : start === 'new' ? lastSeq + 1 : 'sequence' in start ? start.sequence : null;
            const end = stop === undefined ? null : stop === 'latest' ? lastSeq : stop.sequence;
            return { kind: 'jetstream', stream, filter, next, startTimeMs: byTime ? start.timeMs : null, end };
          }),
      },
      context,
      restored,
    );
  }

  /** `jetstream:<stream>` and the filter subjects. */
  describe(): string {
    const f = this.filters.filter((s): s is string => s !== null);
    return `jetstream:${this.stream}${f.length > 0 ? ` (${f.join(', ')})` : ''}`;
  }
}

function checkStart(start: JetStreamStartPosition | undefined): void {
  if (start === undefined || start === 'first' || start === 'new') return;
  if (typeof start === 'object' && start !== null) {
    if ('sequence' in start && Number.isSafeInteger(start.sequence) && start.sequence >= 1) return;
    if ('timeMs' in start && Number.isFinite(start.timeMs)) return;
  }
  throw new ConfigurationError(`JetStreamSource: startFrom must be 'first', 'new', {sequence ≥ 1} or {timeMs}, got ${JSON.stringify(start)}`);
}

/** @throws ConfigurationError unless `value` is undefined (→ `fallback`) or a positive safe integer. */
export function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigurationError(`NATS connector: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
