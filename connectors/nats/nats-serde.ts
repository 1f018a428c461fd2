/**
 * (De)serialization of NATS message payloads: the function shapes the NATS connectors take and
 * their JSON defaults.
 */
import type { MsgHdrs } from 'nats';

/** What a deserializer knows about the message besides its payload. */
export interface NatsMessageMeta {
  /** The message's subject. */
  readonly subject: string;
  /** JetStream: the stream sequence (≥ 1). Core NATS: 0. */
  readonly seq: number;
  /** JetStream: the time the server stored the message, epoch ms. Core NATS: `undefined`. */
  readonly timestampMs: number | undefined;
  /** The message's headers, `undefined` when it has none. */
  readonly headers: MsgHdrs | undefined;
}

/**
 * Turns a payload into a record. Return `undefined` to skip the message; throw to reject it (it
 * goes to the source's `deadLetter` side output, or fails the job with a `NatsRecordError`).
 */
export type NatsDeserializer<T> = (data: Uint8Array, meta: NatsMessageMeta) => T | undefined;

/** Turns a record into a payload (bytes). */
export type NatsSerializer<T> = (value: T) => Uint8Array;

/** A fixed subject, or one computed from each record (e.g. `(o) => \`orders.${o.region}\``). */
export type NatsSubject<T> = string | ((value: T) => string);

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The default deserializer: the payload as UTF-8 JSON (`JSON.parse`; throws on anything else). */
export function jsonDeserializer<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

/**
 * The default serializer: `JSON.stringify` as UTF-8. Bigints are written as decimal strings (JSON
 * has none); `undefined` as `null`.
 */
export function jsonSerializer<T>(value: T): Uint8Array {
  return encoder.encode(JSON.stringify(value, bigintAsString) ?? 'null');
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** The payload as text for error messages and dead letters (invalid UTF-8 replaced). */
export function payloadText(data: Uint8Array): string {
  return decoder.decode(data.length > 4096 ? data.subarray(0, 4096) : data);
}
