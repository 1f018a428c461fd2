/**
 * The wire format of the framed transports (NATS, worker threads): frames of envelopes and
 * control (ack/credit) messages, CBOR, each decodable on its own by a fresh cbor-x decoder.
 *
 * A frame is the CBOR map `{wire, from, epoch, seq, first, envs}`: `wire` the format version
 * ({@link WIRE_VERSION}), `from` the sender's address, `epoch`
 * the random id of the sending channel's session, `seq` its sequence number (1, 2, …), `first` the
 * oldest seq the sender still holds unacknowledged (where a receiver that has no session with this
 * epoch starts), and `envs` the {@link TransportEnvelope}s.
 *
 * Envelopes are encoded one by one at `send()` time, straight into the frame being built
 * ({@link FrameBuilder}); the frame header is written in front of them when the frame leaves. So
 * an encode error reaches the sender synchronously (`WEIR_ERR_ENCODE`, never a poisoned frame),
 * byte counts for credits and frame limits are exact, and a record batch is written once, in
 * place, into a buffer of the frame's own (transferable to a worker, kept for retransmission).
 *
 * An envelope is cbor-x `useRecords` (record definitions embedded in each envelope, no shared
 * `structures`: a fresh decoder reads any frame), except the large homogeneous arrays of its body
 * — the body itself, or top-level properties of a plain-object body such as a RecordBatch's `v`
 * and `ts` — which become column blocks (column-codec.ts), tagged byte strings inside a
 * hand-written plain CBOR map of the envelope and body. Measured on the project's 2-core machine
 * (Node 20, cbor-x 1.6.8, 1 024-record batches of Nexmark-bid-like records: 3 integers, a
 * timestamp, 3 ASCII strings of 12-90 chars), median of 21, encode = envelope into a finished frame:
 * - before: cbor-x `useRecords` for the whole envelope, then copied into a fresh frame:
 *   ~550 ns/record encode (~1.8M records/s; ~40 ns of it the copy), ~200 ns/record decode,
 *   189 B/record — the sender's encoding capped the NATS exchange at about a third of raw nats.js;
 * - now: ~195 ns/record encode (~5M records/s), ~90 ns/record decode (~11M records/s),
 *   178 B/record.
 * Earlier measurements that ruled out other cbor-x settings: `useRecords: false` (plain maps) is
 * 30% larger and decodes 3× slower; `bundleStrings` output cannot be concatenated; `pack` slows
 * encoding of distinct strings; shared `structures` cannot be read by a fresh decoder (unsafe when
 * frames are lost or a receiver restarts).
 */
import { Decoder, Encoder, Tag } from 'cbor-x';
import { WeirError } from '../errors.js';
import { ByteWriter } from './byte-writer.js';
import { COLUMN_BLOCK_TAG, decodeColumnBlock, encodeColumnBlock, MIN_COLUMN_ROWS } from './column-codec.js';
import type { TransportEnvelope } from './transport.js';

/** A decoded frame. */
export interface Frame {
  from: string;
  epoch: string;
  seq: number;
  first: number;
  envs: TransportEnvelope[];
}

/** What precedes a frame's envelopes. */
export type FrameHeader = Omit<Frame, 'envs'>;

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

// ---- encoding -------------------------------------------------------------------------------

const MAJOR_UINT = 0;
const MAJOR_BYTES = 2;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;

const isLongArray = (v: unknown): v is unknown[] => Array.isArray(v) && v.length >= MIN_COLUMN_ROWS;

/** Appends a cbor-x encoding of `v` (its own record definitions embedded). */
function writeCbor(w: ByteWriter, v: unknown): void {
  w.bytes(envelopeEncoder.encode(v));
}

/** Appends `tag(COLUMN_BLOCK_TAG, bytes)` holding `values` as a column block; false (nothing written) when it does not qualify. */
function writeColumnBlock(w: ByteWriter, values: readonly unknown[]): boolean {
  const at = w.pos;
  w.head32(MAJOR_TAG, COLUMN_BLOCK_TAG);
  w.head32(MAJOR_BYTES, 0); // length patched below
  const start = w.pos;
  if (!encodeColumnBlock(values, w)) {
    w.pos = at;
    return false;
  }
  w.view.setUint32(start - 4, w.pos - start, false);
  return true;
}

/** An {@link ActorRef} as a plain CBOR map. */
function writeRef(w: ByteWriter, ref: { address: string; id: string }): void {
  w.head(MAJOR_MAP, 2);
  w.text('address');
  w.text(ref.address);
  w.text('id');
  w.text(ref.id);
}

/**
 * Writes the envelope with its large homogeneous arrays as column blocks: plain CBOR maps for the
 * envelope and body, column blocks, and cbor-x for every other value. Returns false, having
 * written something partial, when no array became a block (the caller then uses cbor-x alone).
 */
function writeWithColumns(w: ByteWriter, env: TransportEnvelope): boolean {
  const body = env.body;
  if (typeof body !== 'object' || body === null) return false;
  const isArray = Array.isArray(body);
  if (isArray ? body.length < MIN_COLUMN_ROWS : Object.getPrototypeOf(body) !== Object.prototype) return false;
  const { to, from } = env;
  if (typeof to.address !== 'string' || typeof to.id !== 'string') return false;
  if (from !== undefined && (typeof from.address !== 'string' || typeof from.id !== 'string')) return false;
  const b = body as Record<string, unknown>;
  if (!isArray) {
    let long = false;
    for (const k in b) {
      if (isLongArray(b[k])) {
        long = true;
        break;
      }
    }
    if (!long) return false;
  }
  w.head(MAJOR_MAP, from !== undefined ? 4 : 3);
  w.text('to');
  writeRef(w, to);
  if (from !== undefined) {
    w.text('from');
    writeRef(w, from);
  }
  w.text('lane');
  w.text(env.lane);
  w.text('body');
  if (isArray) return writeColumnBlock(w, body);
  let keys = 0;
  for (const _ in b) keys++;
  w.head(MAJOR_MAP, keys);
  let blocks = 0;
  for (const k in b) {
    w.text(k);
    const v = b[k];
    if (isLongArray(v) && writeColumnBlock(w, v)) blocks++;
    else writeCbor(w, v);
  }
  return blocks > 0;
}

/**
 * Appends the encoding of `env` to `w` and returns its length in bytes.
 * @throws WeirError `WEIR_ERR_ENCODE` (with `w` unchanged) when the body holds something cbor
 * cannot encode (a function, a symbol).
 */
export function writeEnvelope(w: ByteWriter, env: TransportEnvelope): number {
  const start = w.pos;
  try {
    if (!writeWithColumns(w, env)) {
      w.pos = start;
      writeCbor(w, env);
    }
  } catch (err) {
    w.pos = start;
    throw new WeirError('WEIR_ERR_ENCODE', `cannot encode a message for ${env.to.id}@${env.to.address}: ${err instanceof Error ? err.message : String(err)} (messages must be plain data)`, { cause: err });
  }
  return w.pos - start;
}

/** Encodes one envelope on its own (tools and tests; the transports use a {@link FrameBuilder}). */
export function encodeEnvelope(env: TransportEnvelope): Uint8Array {
  const w = new ByteWriter(1024);
  writeEnvelope(w, env);
  return w.buf.subarray(0, w.pos);
}

/**
 * Version of the frame format, in every frame header as `wire`. 2: column blocks (1, unmarked:
 * cbor-x envelopes only). A receiver drops frames of another version with a log line naming it:
 * all processes of a cluster must run the same Weir version.
 */
export const WIRE_VERSION = 2;

/** Appends a frame header announcing `count` envelopes (which follow it). */
function writeHeader(w: ByteWriter, header: FrameHeader, count: number): void {
  w.head(MAJOR_MAP, 6);
  w.text('wire');
  w.head(MAJOR_UINT, WIRE_VERSION);
  w.text('from');
  w.text(header.from);
  w.text('epoch');
  w.text(header.epoch);
  w.text('seq');
  w.head(MAJOR_UINT, header.seq);
  w.text('first');
  w.head(MAJOR_UINT, header.first);
  w.text('envs');
  w.head(MAJOR_ARRAY, count);
}

const headerWriter = new ByteWriter(512);

/**
 * Builds a frame from envelope encodings (from {@link encodeEnvelope}) into a fresh buffer that
 * owns its ArrayBuffer (safe to transfer). `parts` may also be one region holding several
 * envelopes back to back, with `count` saying how many.
 */
export function assembleFrame(header: FrameHeader, parts: readonly Uint8Array[], count = parts.length): Uint8Array {
  headerWriter.pos = 0;
  writeHeader(headerWriter, header, count);
  let len = headerWriter.pos;
  for (const p of parts) len += p.byteLength;
  const out = Buffer.allocUnsafeSlow(len);
  out.set(headerWriter.buf.subarray(0, headerWriter.pos), 0);
  let o = headerWriter.pos;
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

/** Room kept in front of the envelopes for the header (addresses are ≤ 128 ASCII chars; epochs are short). */
const HEADER_ROOM = 320;
/** Frames up to this size are copied out and the builder's buffer reused; larger ones take the buffer along. */
const SMALL_FRAME_BYTES = 32 * 1024;
const MIN_CAPACITY = 64 * 1024;

/**
 * One frame being built: envelopes are encoded in place behind room for the header, which
 * {@link finish} writes in front of them. A large frame leaves in the builder's own buffer (no
 * copy; the builder takes a new one sized for the next frame); a small frame is copied out and the
 * buffer reused.
 */
export class FrameBuilder {
  private w: ByteWriter | undefined;
  private envelopes = 0;
  private capacity = MIN_CAPACITY;

  /** Envelopes in the frame. */
  get count(): number {
    return this.envelopes;
  }

  /** Bytes of envelopes in the frame. */
  get size(): number {
    return this.w === undefined ? 0 : this.w.pos - HEADER_ROOM;
  }

  private writer(): ByteWriter {
    if (this.w === undefined) {
      this.w = new ByteWriter(this.capacity);
      this.w.pos = HEADER_ROOM;
    }
    return this.w;
  }

  /**
   * Appends an envelope and returns its encoded length.
   * @throws WeirError `WEIR_ERR_ENCODE` (nothing appended) when it cannot be encoded.
   */
  append(env: TransportEnvelope): number {
    const len = writeEnvelope(this.writer(), env);
    this.envelopes++;
    return len;
  }

  /** Appends an envelope encoding (from {@link takeLast}). */
  appendEncoded(bytes: Uint8Array): void {
    this.writer().bytes(bytes);
    this.envelopes++;
  }

  /** Removes the last envelope, `len` bytes long, and returns a copy of its encoding. */
  takeLast(len: number): Uint8Array {
    const w = this.writer();
    const bytes = new Uint8Array(len);
    bytes.set(w.buf.subarray(w.pos - len, w.pos));
    this.dropLast(len);
    return bytes;
  }

  /** Removes the last envelope, `len` bytes long. */
  dropLast(len: number): void {
    this.writer().pos -= len;
    this.envelopes--;
  }

  /** Drops the frame being built. */
  clear(): void {
    if (this.w !== undefined) this.w.pos = HEADER_ROOM;
    this.envelopes = 0;
  }

  /**
   * Finishes the frame: `frame` is the whole message (in a buffer no one else writes), `envs` the
   * region of its envelopes (for re-assembling with another header on retransmission). The
   * builder is then empty.
   */
  finish(header: FrameHeader): { frame: Uint8Array; envs: Uint8Array } {
    const w = this.writer();
    headerWriter.pos = 0;
    writeHeader(headerWriter, header, this.envelopes);
    const h = headerWriter.pos;
    const end = w.pos;
    let frame: Uint8Array;
    if (h > HEADER_ROOM) {
      frame = assembleFrame(header, [w.buf.subarray(HEADER_ROOM, end)], this.envelopes);
      w.pos = HEADER_ROOM;
    } else {
      w.buf.set(headerWriter.buf.subarray(0, h), HEADER_ROOM - h);
      const whole = w.buf.subarray(HEADER_ROOM - h, end);
      if (whole.byteLength <= SMALL_FRAME_BYTES) {
        frame = Buffer.allocUnsafeSlow(whole.byteLength);
        frame.set(whole);
        w.pos = HEADER_ROOM;
      } else {
        frame = whole;
        // Sized for a frame like this one, so the next is written without growing.
        this.capacity = Math.max(MIN_CAPACITY, Math.ceil((end * 1.25) / 4096) * 4096);
        this.w = undefined;
      }
    }
    this.envelopes = 0;
    return { frame, envs: frame.subarray(frame.byteLength - (end - HEADER_ROOM)) };
  }
}

/** Encodes a control message. */
export function encodeControl(msg: ControlMessage): Uint8Array {
  return plainEncoder.encode({ from: msg.from, epoch: msg.epoch, ack: msg.ack, credit: msg.credit, window: msg.window });
}

// ---- decoding -------------------------------------------------------------------------------

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

function decodeBlockValue(v: unknown): unknown[] {
  if (!(v instanceof Uint8Array)) throw new WeirError('WEIR_ERR_DECODE', 'a column block that is not a byte string');
  return decodeColumnBlock(v);
}

/** Replaces the column blocks of a decoded envelope's body by the arrays they encode. */
function expandColumnBlocks(env: TransportEnvelope): void {
  const body = env.body;
  if (body instanceof Tag) {
    if (body.tag === COLUMN_BLOCK_TAG) env.body = decodeBlockValue(body.value);
    return;
  }
  if (!isObj(body)) return;
  for (const k in body) {
    const v = body[k];
    if (v instanceof Tag && v.tag === COLUMN_BLOCK_TAG) body[k] = decodeBlockValue(v.value);
  }
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
  if (v.wire !== WIRE_VERSION) {
    throw new WeirError('WEIR_ERR_DECODE', `frame ${v.seq} from '${v.from}' is of wire format ${typeof v.wire === 'number' ? v.wire : 1}, this process reads ${WIRE_VERSION}: every process of a cluster must run the same Weir version (${bytes.byteLength} bytes)`);
  }
  for (const e of v.envs) {
    if (!isEnvelope(e)) throw new WeirError('WEIR_ERR_DECODE', `frame ${v.seq} from '${v.from}' holds something that is not an envelope (${bytes.byteLength} bytes)`);
    try {
      expandColumnBlocks(e);
    } catch (err) {
      throw new WeirError('WEIR_ERR_DECODE', `frame ${v.seq} from '${v.from}': ${err instanceof Error ? err.message : String(err)} (${bytes.byteLength} bytes)`, { cause: err });
    }
  }
  return { from: v.from, epoch: v.epoch, seq: v.seq, first: v.first, envs: v.envs as TransportEnvelope[] };
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
