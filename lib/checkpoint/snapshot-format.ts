/**
 * The frame around every snapshot file and inline part: a magic string, a format version, what it
 * holds, the payload length and a SHA-256 checksum of the payload (node:crypto), so corruption and
 * truncation are detected before anything is decoded.
 *
 * Layout (big-endian): `WEIRSNAP` (8 bytes) · version u16 · kind u8 · reserved u8 · payload length
 * u64 · sha256 (32 bytes) · payload.
 */
import { createHash } from 'node:crypto';
import { SnapshotFormatError } from '../errors.js';

const MAGIC = Buffer.from('WEIRSNAP', 'latin1');
/** Current frame version. */
export const SNAPSHOT_FORMAT_VERSION = 1;
/** Header bytes before the payload. */
export const FRAME_HEADER_BYTES = 8 + 2 + 1 + 1 + 8 + 32;

/** What a frame holds. */
export const FrameKind = { metadata: 1, keyGroup: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Wraps `payload` in a frame. */
export function frame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  MAGIC.copy(out, 0);
  out.writeUInt16BE(SNAPSHOT_FORMAT_VERSION, 8);
  out.writeUInt8(kind, 10);
  out.writeUInt8(0, 11);
  out.writeBigUInt64BE(BigInt(payload.length), 12);
  createHash('sha256').update(payload).digest().copy(out, 20);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Checks and strips a frame.
 * @param where the file (or a description) for the error message.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for a wrong magic, an unknown version, an
 *   unexpected kind, a truncated payload or a checksum mismatch.
 */
export function unframe(bytes: Uint8Array, kind: FrameKind, where?: string): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < FRAME_HEADER_BYTES || !b.subarray(0, 8).equals(MAGIC)) throw new SnapshotFormatError('not a Weir snapshot (bad magic or shorter than the header)', where);
  const version = b.readUInt16BE(8);
  if (version !== SNAPSHOT_FORMAT_VERSION) throw new SnapshotFormatError(`unsupported snapshot format version ${version} (this Weir reads ${SNAPSHOT_FORMAT_VERSION})`, where);
  const k = b.readUInt8(10);
  if (k !== kind) throw new SnapshotFormatError(`holds a ${frameKindName(k)} where a ${frameKindName(kind)} was expected`, where);
  const length = Number(b.readBigUInt64BE(12));
  const payload = b.subarray(FRAME_HEADER_BYTES);
  if (payload.length !== length) throw new SnapshotFormatError(`truncated or padded: payload is ${payload.length} bytes, header says ${length}`, where);
  const sum = createHash('sha256').update(payload).digest();
  if (!sum.equals(b.subarray(20, 52))) throw new SnapshotFormatError('checksum mismatch (the file is corrupt)', where);
  return payload;
}

function frameKindName(k: number): string {
  return k === FrameKind.metadata ? 'checkpoint metadata' : k === FrameKind.keyGroup ? 'key-group state part' : `kind ${k}`;
}
