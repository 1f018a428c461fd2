/**
 * The wire format of the framed transports (NATS, worker threads): frames of envelopes and
 * control (ack/credit) messages, cbor-x encoded, each decodable on its own.
 *
 * A frame is the CBOR map `{from, epoch, seq, first, envs}`: `from` the sender's address, `epoch`
 * the random id of the sending channel's session, `seq` its sequence number (1, 2, …), `first` the
 * oldest seq the sender still holds unacknowledged (where a receiver that has no session with this
 * epoch starts), and `envs` the {@link TransportEnvelope}s.
 *
 * Encoding choice (measured on Node 20, cbor-x 1.6.8, a 514 KiB frame of 4 RecordBatch-like
 * envelopes of 1 024 records `{id, price, bidder, auction, dateTime, extra: 'x'.repeat(100)}`,
 * decoding with a fresh Decoder each time):
 * - `useRecords: false` (plain maps): 666 KiB, encode ~2.0M records/s, decode ~2.0M records/s;
 * - `useRecords: true`, no shared `structures`: 514 KiB, encode ~2.5M/s, decode ~6M/s — record
 *   definitions are embedded in each encode call's output, so any fresh Decoder reads it;
 * - the same plus `bundleStrings`: encode ~2.3M/s, decode ~8M/s, but the output cannot be
 *   concatenated (see below: decode fails), so it is out;
 * - the same plus `pack`: 110 KiB when values repeat (encode ~2.1M/s, decode ~11M/s), but encode
 *   falls to ~1.4M/s for distinct strings, with no size gain: out;
 * - shared `structures` (the in-process {@link EnvelopeCodec}): a fresh decoder cannot read it —
 *   unsafe when frames are lost or a receiver restarts.
 * Chosen: `useRecords: true` without shared structures, each ENVELOPE encoded on its own at
 * `send()` time and the frame assembled by concatenating the envelope encodings behind a small
 * hand-built map header (CBOR items are self-delimiting; a later record definition of the same
 * id simply replaces the earlier one while decoding). This gives an encode error synchronously to
 * the sender (`WEIR_ERR_ENCODE`, never a poisoned frame), exact byte counts for credits and frame
 * limits, a frame buffer of our own (transferable to a worker), and ~3.4M records/s encode
 * (~440 MB/s) / ~6M records/s decode for record batches. Single-record envelopes pay their record
 * definition each (~0.5M envelopes/s): batch records.
 */
import { Decoder, Encoder } from 'cbor-x';
import { WeirError } from '../errors.js';
import type { TransportEnvelope } from './transport.js';

/** A decoded frame. */
export interface Frame {
  from: string;
  epoch: string;
  seq: number;
  first: number;
  envs: TransportEnvelope[];
}

/**
 * A control message from a receiver back to a sender: cumulative `ack` (every frame up to it was
 * delivered in order: stop retransmitting), cumulative `credit` (≤ ack: those frames' data bytes
 * are released) and the `window` of data bytes the receiver grants this sender. `epoch` is the
 * sender's session epoch being acknowledged; `from` the receiver's address.
 */
export interface ControlMessage {
  from: string;
  epoch: string;
  ack: number;
  credit: number;
  window: number;
}

const RECORD_OPTIONS = { useRecords: true, mapsAsObjects: true, tagUint8Array: true } as const;
const envelopeEncoder = new Encoder(RECORD_OPTIONS);
const plainEncoder = new Encoder({ useRecords: false, mapsAsObjects: true });

/**
 * Encodes one envelope (its own record definitions embedded). The returned bytes are a view into
 * cbor-x's shared buffer: copy them (as {@link assembleFrame} does) before transferring.
 * @throws WeirError `WEIR_ERR_ENCODE` when the body holds something cbor cannot encode.
 */
export function encodeEnvelope(env: TransportEnvelope): Uint8Array {
  try {
    return envelopeEncoder.encode(env);
  } catch (err) {
    throw new WeirError('WEIR_ERR_ENCODE', `cannot encode a message for ${env.to.id}@${env.to.address}: ${err instanceof Error ? err.message : String(err)} (messages must be plain data)`, { cause: err });
  }
}

function arrayHeader(n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x80 | n);
  if (n < 0x100) return Uint8Array.of(0x98, n);
  if (n < 0x10000) return Uint8Array.of(0x99, n >> 8, n & 0xff);
  return Uint8Array.of(0x9a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/**
 * Builds a frame from envelope encodings (from {@link encodeEnvelope}) into a fresh buffer that
 * owns its ArrayBuffer (safe to transfer).
 */
export function assembleFrame(header: Omit<Frame, 'envs'>, parts: readonly Uint8Array[]): Uint8Array {
  // `envs: null` encodes as the last byte (0xf6); it is replaced by the array header.
  const h = plainEncoder.encode({ from: header.from, epoch: header.epoch, seq: header.seq, first: header.first, envs: null });
  const a = arrayHeader(parts.length);
  let len = h.byteLength - 1 + a.byteLength;
  for (const p of parts) len += p.byteLength;
  const out = new Uint8Array(len);
  out.set(h.subarray(0, h.byteLength - 1), 0);
  let o = h.byteLength - 1;
  out.set(a, o);
  o += a.byteLength;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Encodes a frame from whole envelopes (tests, and tools that publish frames). */
export function encodeFrame(frame: Frame): Uint8Array {
  return assembleFrame(frame, frame.envs.map(encodeEnvelope));
}

/** Encodes a control message. */
export function encodeControl(msg: ControlMessage): Uint8Array {
  return plainEncoder.encode({ from: msg.from, epoch: msg.epoch, ack: msg.ack, credit: msg.credit, window: msg.window });
}

function decodeAny(bytes: Uint8Array): unknown {
  // A fresh decoder per message: nothing is shared between messages, so a lost or garbled one
  // cannot corrupt the decoding of the next.
  return new Decoder(RECORD_OPTIONS).decode(bytes);
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isRef = (v: unknown): boolean => isObj(v) && typeof v.id === 'string' && typeof v.address === 'string';

function isEnvelope(v: unknown): v is TransportEnvelope {
  return isObj(v) && isRef(v.to) && (v.from === undefined || isRef(v.from)) && (v.lane === 'data' || v.lane === 'system') && 'body' in v;
}

/**
 * Decodes and validates a frame.
 * @throws WeirError `WEIR_ERR_DECODE` (message says why, with the byte length) when the bytes do
 * not decode or do not form a frame of envelopes.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  let v: unknown;
  try {
    v = decodeAny(bytes);
  } catch (err) {
    throw new WeirError('WEIR_ERR_DECODE', `undecodable frame (${bytes.byteLength} bytes): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!isObj(v) || typeof v.from !== 'string' || typeof v.epoch !== 'string' || !isSeq(v.seq) || v.seq < 1 || !isSeq(v.first) || v.first > v.seq + 1 || !Array.isArray(v.envs)) {
    throw new WeirError('WEIR_ERR_DECODE', `not a frame (${bytes.byteLength} bytes)`);
  }
  for (const e of v.envs) {
    if (!isEnvelope(e)) throw new WeirError('WEIR_ERR_DECODE', `frame ${v.seq} from '${v.from}' holds something that is not an envelope (${bytes.byteLength} bytes)`);
  }
  return v as unknown as Frame;
}

/**
 * Decodes and validates a control message.
 * @throws WeirError `WEIR_ERR_DECODE` when the bytes are not a control message.
 */
export function decodeControl(bytes: Uint8Array): ControlMessage {
  let v: unknown;
  try {
    v = decodeAny(bytes);
  } catch (err) {
    throw new WeirError('WEIR_ERR_DECODE', `undecodable control message (${bytes.byteLength} bytes): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!isObj(v) || typeof v.from !== 'string' || typeof v.epoch !== 'string' || !isSeq(v.ack) || !isSeq(v.credit) || v.credit > v.ack || typeof v.window !== 'number' || !(v.window > 0)) {
    throw new WeirError('WEIR_ERR_DECODE', `not a control message (${bytes.byteLength} bytes)`);
  }
  return v as unknown as ControlMessage;
}
