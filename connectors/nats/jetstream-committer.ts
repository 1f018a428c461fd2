import type { NatsConnection } from 'nats';
import type { Committer } from '../sink.js';
import { toJetStreamCommittable, type JetStreamCommittable } from './jetstream-committable.js';
import { JetStreamPublisher, type JetStreamPublisherOptions, type PublishCounters } from './jetstream-publisher.js';
import { closeQuietly } from './nats-connection-options.js';

/**
 * The committer of a `JetStreamSink` subtask in exactly-once mode (Flink's KafkaCommitter, which
 * commits the prepared transactions): publishes each committable's messages with their
 * `Nats-Msg-Id`s, many acks outstanding (not one at a time), and resolves once JetStream
 * acknowledged all of them.
 *
 * Idempotent through JetStream's message deduplication: a committable committed again (after a
 * failure during or after its first commit, on restore) carries the same ids, and the stream drops
 * every message whose id it stored within its `duplicate_window` (default 2 min). So the window
 * must exceed the longest time from a checkpoint's completion to the end of its re-commit after a
 * failure (restart delay + restore). Messages the first attempt did not get stored are stored now.
 *
 * Owns one NATS connection, opened by `JetStreamSink.createCommitter` and closed in `close()`.
 */
export class JetStreamCommitter implements Committer<JetStreamCommittable> {
  private readonly publisher: JetStreamPublisher;

  constructor(
    private readonly nc: NatsConnection,
    options: JetStreamPublisherOptions,
    label: string,
    counters: PublishCounters,
  ) {
    this.publisher = new JetStreamPublisher(nc, options, label, counters);
  }

  /**
   * Publishes every message of `committables`, in order, and awaits their PubAcks.
   * @throws NatsConnectorError (`WEIR_ERR_NATS`) when a message is refused (no stream captures its
   *   subject, a stream limit) or stays unacknowledged after the retries; RestoreError
   *   (`WEIR_ERR_RESTORE`) for a committable that is not a JetStream committable.
   */
  async commit(committables: readonly JetStreamCommittable[]): Promise<void> {
    const publisher = this.publisher;
    for (const value of committables) {
      const c = toJetStreamCommittable(value);
      const { data, ends, subjects, subjectOf, idPrefix } = c;
      const fixed = subjects[0] as string;
      let start = 0;
      for (let n = 0; n < ends.length; n++) {
        const end = ends[n] as number;
        const subject = subjectOf === null ? fixed : (subjects[subjectOf[n] as number] as string);
        const wait = publisher.publish(subject, data.subarray(start, end), `${idPrefix}-${n}`);
        if (wait !== undefined) await wait;
        start = end;
      }
    }
    await publisher.drain();
  }

  /** Stops waiting for acks and closes the connection. Never throws. */
  async close(): Promise<void> {
    this.publisher.close();
    await closeQuietly(this.nc);
  }
}
