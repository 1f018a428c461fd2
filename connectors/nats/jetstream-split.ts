import { describeRecord, RestoreError } from '../../lib/errors.js';

/**
 * The split of a `JetStreamSource` reader, as checkpointed (Flink's KafkaPartitionSplit with its
 * offset): one JetStream stream, optionally narrowed to a filter subject, read from stream sequence
 * `next` on. Plain data; a restored reader resumes each of its splits at exactly `next`, so the
 * records emitted before the checkpoint are not read again and none after it is skipped.
 */
export interface JetStreamSplit {
  readonly kind: 'jetstream';
  /** The stream's name. */
  readonly stream: string;
  /** The filter subject (wildcards allowed), or `null` for every subject of the stream. */
  readonly filter: string | null;
  /**
   * The stream sequence of the next message to read (≥ 1): one past the last message emitted.
   * `null` only while a split that starts at a time (`startFrom: {timeMs}`) has emitted nothing.
   */
  readonly next: number | null;
  /** With `next === null`: read messages stored at or after this time, epoch ms. */
  readonly startTimeMs: number | null;
  /** The last stream sequence to read, inclusive (bounded), or `null` to read on forever. */
  readonly end: number | null;
}

/**
 * Checks a restored split.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) naming it when it is not a {@link JetStreamSplit}.
 */
export function toJetStreamSplit(value: unknown, index: number): JetStreamSplit {
  const s = value as Partial<Record<keyof JetStreamSplit, unknown>> | null;
  const seq = (v: unknown): boolean => v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
  const ok =
    typeof s === 'object' &&
    s !== null &&
    s.kind === 'jetstream' &&
    typeof s.stream === 'string' &&
    s.stream !== '' &&
    (s.filter === null || typeof s.filter === 'string') &&
    seq(s.next) &&
    seq(s.end) &&
    (s.startTimeMs === null || (typeof s.startTimeMs === 'number' && Number.isFinite(s.startTimeMs))) &&
    (s.next !== null || s.startTimeMs !== null);
  if (!ok) throw new RestoreError(`JetStreamSource: restored split #${index} is not a JetStream split {kind: 'jetstream', stream, filter, next, startTimeMs, end}: ${describeRecord(value)}`);
  return value as JetStreamSplit;
}
