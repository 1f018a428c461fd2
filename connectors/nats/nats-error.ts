import { RecordParseError, WeirError } from '../../lib/errors.js';

/**
 * A NATS or JetStream operation of a connector failed below the record level: the connection could
 * not be opened or was closed for good, a JetStream API request was refused (stream not found,
 * consumer limits), or a publish was not acknowledged (no stream captures the subject, no PubAck
 * within the ack timeout after all retries). Code `WEIR_ERR_NATS`; `cause` holds the nats.js error
 * when there is one. Malformed messages are {@link NatsRecordError}s instead, and options that
 * cannot work (a missing stream, a duplicate window too short for exactly-once) are
 * `ConfigurationError`s (`WEIR_ERR_CONFIG`).
 */
export class NatsConnectorError extends WeirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_NATS', message, options);
  }
}

/** Where a malformed NATS message came from. */
export interface NatsRecordErrorDetail {
  /** The JetStream stream, or `undefined` for a core NATS message. */
  readonly stream?: string | undefined;
  /** The message's subject. */
  readonly subject: string;
  /** The message's stream sequence (JetStream only). */
  readonly seq?: number | undefined;
  /** Why it could not be read (the deserializer's error message). */
  readonly reason: string;
  /** The payload as text (truncated to 200 characters in the message). */
  readonly raw?: string | undefined;
}

/**
 * A message whose payload the source's deserializer rejected, when the source has no `deadLetter`
 * side output. A {@link RecordParseError} (code `WEIR_ERR_RECORD_PARSE`) whose message names the
 * stream, sequence and subject; `file` is `jetstream:<stream>` (core NATS: `nats:<subject>`),
 * `line` and `offset` the stream sequence (0 for core NATS).
 */
export class NatsRecordError extends RecordParseError {
  readonly stream: string | undefined;
  readonly subject: string;
  readonly seq: number | undefined;

  constructor(detail: NatsRecordErrorDetail, options?: { cause?: unknown }) {
    const { stream, subject, seq, reason, raw } = detail;
    super(
      { file: stream !== undefined ? `jetstream:${stream}` : `nats:${subject}`, line: seq ?? 0, offset: seq ?? 0, reason, ...(raw !== undefined ? { raw } : {}) },
      options,
    );
    const where = stream !== undefined ? `JetStream stream '${stream}' at sequence ${seq ?? '?'} (subject '${subject}')` : `NATS subject '${subject}'`;
    const text = raw !== undefined ? `: ${raw.length > 200 ? `${raw.slice(0, 200)}…` : raw}` : '';
    this.message = `malformed message in ${where}: ${reason}${text}`;
    this.stream = stream;
    this.subject = subject;
    this.seq = seq;
  }
}
