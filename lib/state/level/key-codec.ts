/**
 * Row keys of the LevelDB state backend, as latin1 strings (one char per byte, so the JS string is
 * exactly the LevelDB key and can key the in-memory write buffer's `Map` directly):
 *
 * ```
 * value, list, reducing, aggregating row:  [state id: 2 bytes BE][key group: 2 bytes BE][key]
 * map state index row (the map's keys):    [state id][key group][key]
 * map state entry row:                     [state id][key group][key][map key]
 * ```
 *
 * so one key group of one state is one contiguous LevelDB range (the layout of Flink's RocksDB
 * backend: key-group prefix, then the serialized key, then the user key of map state).
 *
 * `[key]` and `[map key]` encode the normalised key ({@link keyToMapKey}'s output) self-delimitingly,
 * a tag byte first:
 * - `0x01` string of chars ≤ 0xFF: uvarint length, then the chars;
 * - `0x02` other string: uvarint length in UTF-16 code units, then 2 bytes BE per unit;
 * - `0x03` int32 number: 4 bytes BE; `0x04` other number: IEEE-754 float64 BE (NaN canonical);
 * - `0x05` bigint (signed 64-bit): 8 bytes BE;
 * - `0x06` false, `0x07` true.
 *
 * @see org.apache.flink.contrib.streaming.state.RocksDBKeySerializationUtils
 * @module
 */
import { SnapshotFormatError } from '../../errors.js';

/** A normalised key, as {@link keyToMapKey} returns it. */
export type MapKey = string | number | bigint | boolean;

/** Highest state id (2 bytes). */
export const MAX_STATE_ID = 0xffff;

const scratch = new DataView(new ArrayBuffer(8));
/** Any char above 0xFF: such strings take the 2-bytes-per-unit form. */
const WIDE = /[^\u0000-\u00ff]/;

/** The 4-char prefix `[state id][key group]` of every row of state `stateId` in key group `kg`. */
export function rowPrefix(stateId: number, kg: number): string {
  return String.fromCharCode(stateId >>> 8, stateId & 0xff, kg >>> 8, kg & 0xff);
}

/** State id of a row key. */
export function rowStateId(rowKey: string): number {
  return (rowKey.charCodeAt(0) << 8) | rowKey.charCodeAt(1);
}

/** Key group of a row key. */
export function rowKeyGroup(rowKey: string): number {
  return (rowKey.charCodeAt(2) << 8) | rowKey.charCodeAt(3);
}

function uvarint(n: number): string {
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return out + String.fromCharCode(n);
}

/** Encodes a normalised key (see the module header); the result is self-delimiting. */
export function encodeKey(key: MapKey): string {
  switch (typeof key) {
    case 'string':
      if (!WIDE.test(key)) return '\x01' + uvarint(key.length) + key;
      return encodeWide(key);
    case 'number':
      if ((key | 0) === key) {
        return String.fromCharCode(3, (key >>> 24) & 0xff, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff);
      }
      if (key !== key) return '\x04\x7f\xf8\x00\x00\x00\x00\x00\x00';
      scratch.setFloat64(0, key, false);
      return '\x04' + bytes8();
    case 'bigint':
      scratch.setBigInt64(0, key, false);
      return '\x05' + bytes8();
    case 'boolean':
      return key ? '\x07' : '\x06';
  }
}

function bytes8(): string {
  return String.fromCharCode(
    scratch.getUint8(0), scratch.getUint8(1), scratch.getUint8(2), scratch.getUint8(3),
    scratch.getUint8(4), scratch.getUint8(5), scratch.getUint8(6), scratch.getUint8(7),
  );
}

function encodeWide(s: string): string {
  const parts: string[] = ['\x02' + uvarint(s.length)];
  for (let i = 0; i < s.length; i += 4096) {
    const units: number[] = [];
    const end = Math.min(s.length, i + 4096);
    for (let j = i; j < end; j++) {
      const c = s.charCodeAt(j);
      units.push(c >>> 8, c & 0xff);
    }
    parts.push(String.fromCharCode(...units));
  }
  return parts.join('');
}

function formatError(s: string, at: number): SnapshotFormatError {
  return new SnapshotFormatError(`malformed LevelDB state row key at byte ${at} (length ${s.length})`);
}

/**
 * Index just past the encoded key starting at `i` in `s`.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when `s` holds no well-formed key at `i`.
 */
export function skipKey(s: string, i: number): number {
  const tag = s.charCodeAt(i);
  let end: number;
  switch (tag) {
    case 1:
    case 2: {
      let len = 0;
      let mul = 1;
      let j = i + 1;
      for (;;) {
        const b = s.charCodeAt(j++);
        if (b !== b) throw formatError(s, i);
        len += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
      end = j + (tag === 1 ? len : 2 * len);
      break;
    }
    case 3:
      end = i + 5;
      break;
    case 4:
    case 5:
      end = i + 9;
      break;
    case 6:
    case 7:
      end = i + 1;
      break;
    default:
      throw formatError(s, i);
  }
  if (end > s.length) throw formatError(s, i);
  return end;
}

/**
 * Decodes the key encoded at `[i, end)` of `s` (`end` from {@link skipKey}).
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when malformed.
 */
export function decodeKey(s: string, i: number, end = skipKey(s, i)): MapKey {
  const tag = s.charCodeAt(i);
  switch (tag) {
    case 1:
    case 2: {
      let j = i + 1;
      while (s.charCodeAt(j) >= 0x80) j++;
      j++;
      if (tag === 1) return s.slice(j, end);
      let out = '';
      const codes: number[] = [];
      for (; j < end; j += 2) {
        codes.push((s.charCodeAt(j) << 8) | s.charCodeAt(j + 1));
        if (codes.length === 4096) {
          out += String.fromCharCode(...codes);
          codes.length = 0;
        }
      }
      return out + String.fromCharCode(...codes);
    }
    case 3:
      return ((s.charCodeAt(i + 1) << 24) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 8) | s.charCodeAt(i + 4)) | 0;
    case 4:
    case 5:
      for (let k = 0; k < 8; k++) scratch.setUint8(k, s.charCodeAt(i + 1 + k));
      return tag === 4 ? scratch.getFloat64(0, false) : scratch.getBigInt64(0, false);
    case 6:
      return false;
    case 7:
      return true;
    default:
      throw formatError(s, i);
  }
}

/** Splits a concatenation of encoded keys (a map state index row) into the encoded keys. */
export function splitKeys(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    const end = skipKey(s, i);
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
}

/** Bytes of a latin1 row-key string (one byte per char). */
export function latin1Bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** The latin1 row-key string of LevelDB key bytes. */
export function latin1String(b: Uint8Array): string {
  return (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('latin1');
}

/** The first row key after every row key starting with `prefix` (exclusive upper bound of its range). */
export function prefixEnd(prefix: string): string {
  let i = prefix.length - 1;
  while (i >= 0 && prefix.charCodeAt(i) === 0xff) i--;
  if (i < 0) return '\uffff'; // never happens for our 4-byte prefixes (state id < 0xFFFF)
  return prefix.slice(0, i) + String.fromCharCode(prefix.charCodeAt(i) + 1);
}
