/**
 * What a `JetStreamSink` writer hands over at `prepareCommit` (exactly-once mode): every message
 * it buffered since the previous barrier, serialized, with the `Nats-Msg-Id` of each fixed now.
 * Plain data kept in the checkpoint (the payload bytes are in it: the checkpoint grows by what the
 * sink wrote per checkpoint interval), self-describing, so any subtask can commit it after a change
 * of parallelism.
 *
 * Message `n` (0-based) has subject `subjects[subjectOf[n]]` (`subjects[0]` when `subjectOf` is
 * `null`, a fixed subject), payload `data[ends[n-1] .. ends[n])` (`ends[-1]` = 0) and message id
 * `<idPrefix>-<n>`. Committing it twice publishes nothing new: JetStream drops a message whose id it
 * saw within the stream's duplicate window.
 *
 * @see org.apache.flink.connector.kafka.sink.KafkaCommittable (a prepared transaction's id)
 */
import { describeRecord, RestoreError } from '../../lib/errors.js';

export interface JetStreamCommittable {
  readonly kind: 'jetstream';
  /** `<sinkId>-<subtask>-<checkpointId>`. */
  readonly idPrefix: string;
  /** The distinct subjects. */
  readonly subjects: readonly string[];
  /** Per message, its index into `subjects`; `null` when there is one subject. */
  readonly subjectOf: readonly number[] | null;
  /** The payloads, one after another. */
  readonly data: Uint8Array;
  /** Per message, the offset (bytes) in `data` where its payload ends. */
  readonly ends: readonly number[];
}

/**
 * Checks that `value` (restored from a checkpoint) is a {@link JetStreamCommittable}.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) when it is not.
 */
export function toJetStreamCommittable(value: unknown): JetStreamCommittable {
  const c = value as Partial<Record<keyof JetStreamCommittable, unknown>> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    c.kind === 'jetstream' &&
    typeof c.idPrefix === 'string' &&
    Array.isArray(c.subjects) &&
    c.subjects.length > 0 &&
    (c.subjectOf === null || (Array.isArray(c.subjectOf) && c.subjectOf.length === (c.ends as unknown[] | undefined)?.length)) &&
    c.data instanceof Uint8Array &&
    Array.isArray(c.ends);
  if (!ok) {
    throw new RestoreError(`JetStreamSink: a restored committable is not a JetStream committable {kind: 'jetstream', idPrefix, subjects, subjectOf, data, ends}: ${describeRecord(value)}`);
  }
  return value as JetStreamCommittable;
}

