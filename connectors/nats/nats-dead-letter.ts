/**
 * A NATS message a source's deserializer rejected, sent to the source's `deadLetter` side output
 * instead of failing the job (option `deadLetter` of `JetStreamSource` and `NatsSource`). Read it with
 * `stream.getSideOutput(tag)`. Its position still advances past it, so a restore does not read it
 * again.
 *
 * @see the file connectors' `DeadLetter`; Flink has no built-in dead-letter output for KafkaSource,
 *   this is the common side-output (`OutputTag`) pattern.
 */
export interface NatsDeadLetter {
  /** The JetStream stream, or `undefined` for core NATS. */
  readonly stream: string | undefined;
  /** The message's subject. */
  readonly subject: string;
  /** JetStream: the stream sequence; core NATS: 0. */
  readonly seq: number;
  /** JetStream: when the server stored it, epoch ms; core NATS: `undefined`. */
  readonly timestampMs: number | undefined;
  /** Why: the deserializer's error message. */
  readonly reason: string;
  /** The payload as text (UTF-8, invalid bytes replaced; at most 4 KiB of it). */
  readonly raw: string;
  /** The payload's bytes. */
  readonly data: Uint8Array;
}
