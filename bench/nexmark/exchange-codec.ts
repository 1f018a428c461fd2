/**
 * What the transport micro-benchmarks (micro-transport.ts) send: Weir's record batches
 * (`RecordBatch` of lib/runtime/messages.ts in a `TransportEnvelope`) encoded with cbor-x with the
 * options of Weir's `EnvelopeCodec` (lib/transport/envelope-codec.ts): shared record structures
 * (`structures: []`), records, `mapsAsObjects`. Shared structures only decode where the decoder
 * knows them, so a frame carries the sender's structure table whenever it grew (in practice the
 * first frame only): "sent once per connection", as PERF-NOTES.md says a transport must.
 */
import { Encoder } from 'cbor-x';
import type { NexmarkEvent } from '../../connectors/nexmark/index.js';

/** One frame over a MessagePort or a NATS message: an encoded envelope, plus the structures when they changed. */
export interface ExchangeFrame {
  bytes: Uint8Array;
  structures?: unknown[];
}

/** The receiver's acknowledgement of one frame. */
export interface ExchangeAck {
  records: number;
  /** Σ of the records' bid prices (or event types) mod 2^32. */
  sum: number;
}

/** A cbor-x encoder (also a decoder) and its shared structure table (not in cbor-x's typings). */
export type StructuredEncoder = Encoder & { structures: unknown[] };

/** An encoder/decoder with `EnvelopeCodec`'s options. */
export function envelopeEncoder(): StructuredEncoder {
  return new Encoder({ structures: [], useRecords: true, tagUint8Array: true, mapsAsObjects: true }) as StructuredEncoder;
}

/** The envelope of one record batch to subtask `v2.0` on channel 0, as the runtime would send it. */
export function batchEnvelope(records: NexmarkEvent[], timestamps: number[]): unknown {
  return {
    to: { address: 'tm-1', id: 'job-1/r0/v2.0-0' },
    from: { address: 'tm-0', id: 'job-1/r0/v1.0-0' },
    lane: 'data',
    body: { t: 'rb', ch: 0, v: records, ts: timestamps },
  };
}

/** The checksum the receiver computes, for the sender to compare. */
export function batchSum(records: readonly NexmarkEvent[]): number {
  let sum = 0;
  for (const e of records) sum = (sum + (e.bid?.price ?? e.type)) >>> 0;
  return sum;
}

/**
 * Encodes one envelope into a fresh buffer (cbor-x returns a view of its reusable scratch buffer,
 * which a transfer would detach) and attaches the structure table when it grew since `known`.
 * @returns the frame and the new structure count.
 */
export function encodeFrame(encoder: StructuredEncoder, envelope: unknown, known: number): { frame: ExchangeFrame; known: number } {
  const bytes = new Uint8Array(encoder.encode(envelope));
  const structures = encoder.structures;
  if (structures.length === known) return { frame: { bytes }, known };
  return { frame: { bytes, structures: structures.map((s) => (Array.isArray(s) ? [...(s as unknown[])] : s)) }, known: structures.length };
}
