/**
 * Row values of the LevelDB state backend. Every value is {@link encodeState}'s cbor-x encoding (so a
 * read always decodes a fresh object, as RocksDB deserializes a fresh copy: mutating what `value()`
 * returned never changes the stored state, nor a snapshot taken earlier).
 *
 * - value, reducing, aggregating state: `encodeState(value)`.
 * - list state: the elements, each framed as `[uvarint byte length][encodeState(element)]`, so
 *   `add` appends bytes without decoding the list (the role of RocksDB's list merge operator).
 * - map state index row: the concatenated encoded map keys (see key-codec.ts), in insertion order.
 * - map state entry row: `encodeState([userKey, userValue])` (the user's key kept as given, as the
 *   heap backend keeps it).
 *
 * @module
 */
import { SnapshotFormatError } from '../../errors.js';
import { decodeState, encodeState } from '../state-codec.js';

export { decodeState as decodeValue, encodeState as encodeValue };

function header(len: number): number[] {
  const out: number[] = [];
  while (len >= 0x80) {
    out.push((len & 0x7f) | 0x80);
    len = Math.floor(len / 128);
  }
  out.push(len);
  return out;
}

/** One framed list element. */
export function encodeListElement(value: unknown): Uint8Array {
  const body = encodeState(value);
  const h = header(body.byteLength);
  const out = Buffer.allocUnsafe(h.length + body.byteLength);
  for (let i = 0; i < h.length; i++) out[i] = h[i]!;
  out.set(body, h.length);
  return out;
}

/** A whole list row. */
export function encodeList(values: readonly unknown[]): Uint8Array {
  return Buffer.concat(values.map(encodeListElement));
}

/** `existing` (a list row, or undefined) with framed elements appended. */
export function appendList(existing: Uint8Array | undefined, framed: Uint8Array): Uint8Array {
  return existing === undefined ? framed : Buffer.concat([existing, framed]);
}

/**
 * The elements of a list row.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when the framing is broken.
 */
export function decodeList(bytes: Uint8Array): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  while (i < bytes.byteLength) {
    let len = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[i++];
      if (b === undefined) throw new SnapshotFormatError('malformed list state row (truncated length)');
      len += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    if (i + len > bytes.byteLength) throw new SnapshotFormatError('malformed list state row (truncated element)');
    out.push(decodeState(bytes.subarray(i, i + len)));
    i += len;
  }
  return out;
}
