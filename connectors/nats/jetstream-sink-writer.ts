import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { PrecommittingSinkWriter, SinkWriterContext } from '../sink.js';
import type { JetStreamCommittable } from './jetstream-committable.js';
import { JetStreamPublisher, type JetStreamPublisherOptions, type PublishCounters } from './jetstream-publisher.js';
import { closeQuietly } from './nats-connection-options.js';
import type { NatsSerializer, NatsSubject } from './nats-serde.js';

/**
 * The checkpointed state of a `JetStreamSink` writer: the run id that scopes its message ids (see
 * `JetStreamSink`), kept so that a restored run keeps its ids.
 */
export interface JetStreamSinkWriterState {
  readonly kind: 'jetstream-sink-writer';
  /** Random hex chosen on a fresh start. */
  readonly runId: string;
}

/** What a writer needs from its sink. */
export interface JetStreamWriterConfig<T> {
  readonly subject: NatsSubject<T>;
  readonly serializer: NatsSerializer<T>;
  /** The sink's id (default: the operator's name). */
  readonly sinkId: string;
}

/** The run id of a restored writer (any old subtask's: ids also carry the subtask), or a fresh one. */
export function runIdOf(context: SinkWriterContext): string {
  for (const s of context.restoredState ?? []) {
    const state = s as Partial<JetStreamSinkWriterState> | null;
    if (typeof state === 'object' && state !== null && state.kind === 'jetstream-sink-writer' && typeof state.runId === 'string') return state.runId;
  }
  return randomBytes(4).toString('hex');
}

/**
 * The exactly-once writer of a `JetStreamSink` (Flink's KafkaWriter in a transaction): serializes
 * each record into a buffer that nobody sees; `prepareCommit(c)` turns the buffer into one
 * {@link JetStreamCommittable} with message ids `<sinkId>.<runId>-<subtask>-<c>-<n>`, published
 * by the committer once checkpoint `c` completed. Needs no connection. `write` never returns a
 * Promise.
 */
export class JetStreamExactlyOnceWriter<T> implements PrecommittingSinkWriter<T, JetStreamCommittable> {
  private parts: Uint8Array[] = [];
  private bytes = 0;
  private subjects = new Map<string, number>();
  private subjectOf: number[] = [];
  private readonly runId: string;

  constructor(
    private readonly config: JetStreamWriterConfig<T>,
    private readonly context: SinkWriterContext,
  ) {
    this.runId = runIdOf(context);
  }

  /** Serializes `value` into the open transaction. @throws whatever the serializer or subject function throws. */
  write(value: T): void {
    const subject = this.config.subject;
    const data = this.config.serializer(value);
    if (typeof subject !== 'string') {
      const s = subject(value);
      let index = this.subjects.get(s);
      if (index === undefined) {
        index = this.subjects.size;
        this.subjects.set(s, index);
      }
      this.subjectOf.push(index);
    }
    this.parts.push(data);
    this.bytes += data.length;
  }

  /** Nothing to flush: messages are published by the committer. */
  flush(): void {}

  /** The messages since the last call as one committable (none when there were none). */
  prepareCommit(checkpointId: number): JetStreamCommittable[] {
    const parts = this.parts;
    if (parts.length === 0) return [];
    const data = new Uint8Array(this.bytes);
    const ends: number[] = new Array<number>(parts.length);
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as Uint8Array;
      data.set(p, at);
      at += p.length;
      ends[i] = at;
    }
    const fixed = typeof this.config.subject === 'string';
    const committable: JetStreamCommittable = {
      kind: 'jetstream',
      idPrefix: `${this.config.sinkId}.${this.runId}-${this.context.subtaskIndex}-${checkpointId}`,
      subjects: fixed ? [this.config.subject as string] : [...this.subjects.keys()],
      subjectOf: fixed ? null : this.subjectOf,
      data,
      ends,
    };
    this.parts = [];
    this.bytes = 0;
    this.subjects = new Map();
    this.subjectOf = [];
    return [committable];
  }

  snapshotState(): JetStreamSinkWriterState[] {
    return [{ kind: 'jetstream-sink-writer', runId: this.runId }];
  }

  /** Drops what was not prepared (it belongs to no completed checkpoint). */
  close(): void {
    this.parts = [];
    this.subjectOf = [];
  }
}

/**
 * The at-least-once writer of a `JetStreamSink` (Flink's KafkaSink with
 * `DeliveryGuarantee.AT_LEAST_ONCE`): publishes each record at once with many acks outstanding,
 * and at every checkpoint barrier (`flush`) waits until all are acknowledged, so everything before
 * the barrier is stored in the stream when the checkpoint completes. After a restore the records
 * since the last checkpoint are published again (duplicates). `write` returns a Promise only when
 * `maxPendingAcks` acks are outstanding.
 */
export class JetStreamAtLeastOnceWriter<T> implements PrecommittingSinkWriter<T, JetStreamCommittable> {
  private n = 0;
  /** Message ids are unique per writer so that a publish repeated after an ack timeout is dropped as a duplicate. */
  private readonly idPrefix: string;
  private readonly runId: string;

  constructor(
    private readonly config: JetStreamWriterConfig<T>,
    private readonly context: SinkWriterContext,
    private readonly nc: NatsConnection,
    private readonly publisher: JetStreamPublisher,
  ) {
    this.runId = runIdOf(context);
    this.idPrefix = `${config.sinkId}.${this.runId}.${randomBytes(4).toString('hex')}-${context.subtaskIndex}`;
  }

  static create<T>(config: JetStreamWriterConfig<T>, context: SinkWriterContext, nc: NatsConnection, options: JetStreamPublisherOptions, counters: PublishCounters): JetStreamAtLeastOnceWriter<T> {
    const publisher = new JetStreamPublisher(nc, options, `JetStreamSink '${config.sinkId}' #${context.subtaskIndex}`, counters);
    return new JetStreamAtLeastOnceWriter<T>(config, context, nc, publisher);
  }

  /**
   * Publishes `value`.
   * @throws NatsConnectorError (`WEIR_ERR_NATS`) after an earlier publish failed; whatever the serializer or subject function throws.
   */
  write(value: T): Promise<void> | undefined {
    const subject = this.config.subject;
    const data = this.config.serializer(value);
    return this.publisher.publish(typeof subject === 'string' ? subject : subject(value), data, `${this.idPrefix}-${this.n++}`);
  }

  /**
   * Waits for every outstanding ack.
   * @throws NatsConnectorError (`WEIR_ERR_NATS`) when a publish was refused or not acknowledged.
   */
  flush(): Promise<void> {
    return this.publisher.drain();
  }

  /** Nothing to commit: the records are published already. */
  prepareCommit(): JetStreamCommittable[] {
    return [];
  }

  snapshotState(): JetStreamSinkWriterState[] {
    return [{ kind: 'jetstream-sink-writer', runId: this.runId }];
  }

  /** Stops waiting for acks and closes the connection. Never throws. */
  async close(): Promise<void> {
    this.publisher.close();
    await closeQuietly(this.nc);
  }
}
