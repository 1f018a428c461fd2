/**
 * NATS connectors: {@link JetStreamSource} (replayable, exactly-once with the job's state; positions
 * in checkpoints), {@link JetStreamSink} (exactly-once by message-id deduplication, or
 * at-least-once), and the at-most-once core NATS {@link NatsSource} / {@link NatsSink}.
 *
 * @see org.apache.flink.connector.kafka.source.KafkaSource, org.apache.flink.connector.kafka.sink.KafkaSink
 */
export { JetStreamSource, type JetStreamSourceOptions, type JetStreamStartPosition, type JetStreamStopPosition } from './jetstream-source.js';
export { JetStreamSourceReader } from './jetstream-source-reader.js';
export type { JetStreamSplit } from './jetstream-split.js';
export { JetStreamSink, type DeliveryGuarantee, type JetStreamSinkOptions, type JetStreamSinkStats } from './jetstream-sink.js';
export type { JetStreamSinkWriterState } from './jetstream-sink-writer.js';
export { JetStreamCommitter } from './jetstream-committer.js';
export type { JetStreamCommittable } from './jetstream-committable.js';
export { NatsSource, type NatsSourceOptions } from './nats-source.js';
export { NatsSink, type NatsSinkOptions } from './nats-sink.js';
export type { NatsConnectionOptions } from './nats-connection-options.js';
export type { NatsDeadLetter } from './nats-dead-letter.js';
export type { NatsDeserializer, NatsMessageMeta, NatsSerializer, NatsSubject } from './nats-serde.js';
export { jsonDeserializer, jsonSerializer } from './nats-serde.js';
export { NatsConnectorError, NatsRecordError } from './nats-error.js';
