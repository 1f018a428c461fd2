/**
 * Column blocks: the wire form the framed transports give large homogeneous arrays inside an
 * envelope body (a RecordBatch's `v` and `ts`), instead of cbor-x's record-by-record encoding.
 * The frame codec embeds a block as the CBOR tagged byte string `tag(COLUMN_BLOCK_TAG, bytes)`;
 * everything else in the envelope stays plain cbor-x. A block carries its own keys and lengths, so
 * any fresh decoder reads it (no state shared between frames or sessions).
 *
 * What qualifies (anything else is left to cbor-x, unchanged): an array of at least
 * {@link MIN_COLUMN_ROWS} elements that are either all numbers, all strings or all booleans, or all
 * plain objects (prototype `Object.prototype`) with the same keys in the same order, 1 to 1 024 of
 * them and none named `__proto__`, whose values per key are all numbers, all strings or all
 * booleans. Numbers keep their exact value (−0, NaN and ±Infinity included), held in the
 * narrowest of uint8, uint16, int32 or float64 that fits the column.
 *
 * Why (measured on this project's 2-core machine, Node 20, a 1 024-record batch of Nexmark-bid-like
 * records of 3 integers, a timestamp and 3 ASCII strings of 12-90 chars): cbor-x `useRecords`
 * encodes ~1.8M records/s (~550 ns/record, most of it per-string work: a JS byte loop for strings
 * under 64 chars, one native call each for longer ones); blocks ~5M records/s (~195 ns/record,
 * in place in the frame): numbers go through typed columns, and a column's strings are
 * concatenated into chunks written with one native UTF-8 write each. What is left is mostly V8
 * flattening those concatenations (~0.1 µs/record here: a fixed cost per string piece, the same
 * with `join` or one native write per string). Decoding takes ~90 ns/record against cbor-x's ~200
 * (which also extracts strings natively in bulk): one native decode per chunk, then `substring`
 * per value, and one generated object literal per record.
 *
 * Layout (little-endian; `u32` etc. are unaligned, read with a DataView):
 * ```
 * u8 version (1), u8 shape (0 values, 1 records), u32 rows
 * records only: u16 key count K, K × (u16 byte length, UTF-8 key)
 * one column (values) or K columns (records), each: u8 kind, then
 *   kind 1 uint8 / 2 uint16 / 3 int32 / 4 float64: u8 pad count p (0-7), p zero bytes (they
 *     align the values in the sender's buffer), rows × 1 / 2 / 4 / 8 bytes
 *   kind 5 boolean: rows × u8 (0 or 1)
 *   kind 6 string: u8 width of the lengths (1, 2 or 4), rows × length (UTF-16 code units),
 *     u32 chunk count, per chunk: u32 strings, u32 bytes, u8 1 when ASCII, the UTF-8 bytes
 * ```
 * String chunks hold whole strings of at most {@link CHUNK_CHARS} code units together (a longer
 * string is a chunk of its own), so a decoded value that is a V8 substring keeps at most ~6 KB
 * alive, as cbor-x's own bulk string extraction does.
 *
 * @see Flink's serializers for typed records (TypeSerializer); Apache Arrow's columnar layout.
 */
import os from 'node:os';
import { WeirError } from '../errors.js';
import type { ByteWriter } from './byte-writer.js';

/** The CBOR tag number of a column block ('WEIR' in ASCII; unassigned in the IANA registry). */
export const COLUMN_BLOCK_TAG = 0x57454952;
/** Arrays shorter than this stay cbor-x (a block's header would not pay off). */
export const MIN_COLUMN_ROWS = 16;
/** Code units of string data per chunk, at most (whole strings; ≤ 6 KiB of UTF-8). */
export const CHUNK_CHARS = 2048;

const VERSION = 1;
const SHAPE_VALUES = 0;
const SHAPE_RECORDS = 1;
const MAX_KEYS = 1024;
const K_U8 = 1;
const K_U16 = 2;
const K_I32 = 3;
const K_F64 = 4;
const K_BOOL = 5;
const K_STR = 6;

// ---- encoding -------------------------------------------------------------------------------

/**
 * Appends `values` as a column block to `w` when it qualifies (see the module docstring) and
 * returns true; otherwise leaves `w` as it was and returns false. Nothing is written before the
 * whole array has been checked, so an array that does not qualify costs one pass at most.
 */
export function encodeColumnBlock(values: readonly unknown[], w: ByteWriter): boolean {
  const n = values.length;
  if (n < MIN_COLUMN_ROWS || n > 0xffffffff) return false;
  const start = w.pos;
  const first = values[0];
  const ok = typeof first === 'object' && first !== null ? encodeRecords(values, n, first, w) : encodeValues(values, n, w);
  if (!ok) w.pos = start;
  return ok;
}

function writeBlockHead(w: ByteWriter, shape: number, n: number): void {
  w.ensure(6);
  w.buf[w.pos++] = VERSION;
  w.buf[w.pos++] = shape;
  w.view.setUint32(w.pos, n, true);
  w.pos += 4;
}

type ColumnType = 'number' | 'string' | 'boolean';

/**
 * Checks every record (plain object, the keys of the first in the same order, a value of its
 * column's type under each) and copies its values into the columns: numbers into Float64Arrays
 * (no boxing), strings and booleans into arrays. False at the first record that does not fit.
 * Generated per key list and column types, so each load has a constant property name
 * (monomorphic; `values[i][k]` with a varying `k` is megamorphic, several times slower). Keys are
 * quoted with JSON.stringify; `__proto__` never gets here.
 */
type Gather = (values: readonly unknown[], n: number, cols: (Float64Array | unknown[])[], keys: readonly string[]) => boolean;
const gathers = new Map<string, Gather>();

function gatherFor(keys: readonly string[], types: readonly ColumnType[]): Gather {
  const id = `${JSON.stringify(keys)}${types.join(',')}`;
  let g = gathers.get(id);
  if (g === undefined) {
    const src = `
      const P = Object.prototype, proto = Object.getPrototypeOf;
      ${keys.map((_, j) => `const c${j} = cols[${j}];`).join(' ')}
      for (let i = 0; i < n; i++) {
        const o = values[i];
        if (typeof o !== 'object' || o === null || proto(o) !== P) return false;
        let c = 0;
        for (const k in o) { if (k !== keys[c]) return false; c++; }
        if (c !== ${keys.length}) return false;
        ${keys.map((k, j) => `const x${j} = o[${JSON.stringify(k)}]; if (typeof x${j} !== '${types[j]}') return false; c${j}[i] = x${j};`).join('\n        ')}
      }
      return true;`;
    g = new Function('values', 'n', 'cols', 'keys', src) as Gather;
    if (gathers.size >= 256) gathers.clear();
    gathers.set(id, g);
  }
  return g;
}

/** Reused columns (one thread encodes at a time): numbers by column index, arrays for strings and booleans (emptied after use). */
let numberColumns: Float64Array[] = [];
const valueColumns: unknown[][] = [];

function columnTypeOf(x: unknown): ColumnType | undefined {
  const t = typeof x;
  return t === 'number' || t === 'string' || t === 'boolean' ? t : undefined;
}

function encodeRecords(values: readonly unknown[], n: number, first: object, w: ByteWriter): boolean {
  if (Object.getPrototypeOf(first) !== Object.prototype) return false;
  const keys: string[] = [];
  const types: ColumnType[] = [];
  for (const k in first) {
    const t = columnTypeOf((first as Record<string, unknown>)[k]);
    if (t === undefined || k === '__proto__' || keys.length === MAX_KEYS) return false;
    keys.push(k);
    types.push(t);
  }
  const nk = keys.length;
  if (nk === 0) return false;
  // All reused columns have one size (a typed array silently drops writes past its end).
  if (numberColumns.length < nk || numberColumns[0]!.length < n) {
    const size = Math.max(n, numberColumns[0]?.length ?? 0);
    numberColumns = Array.from({ length: Math.max(nk, numberColumns.length) }, () => new Float64Array(size));
  }
  while (valueColumns.length < nk) valueColumns.push([]);
  const cols: (Float64Array | unknown[])[] = types.map((t, j) => (t === 'number' ? numberColumns[j]! : valueColumns[j]!));
  try {
    if (!gatherFor(keys, types)(values, n, cols, keys)) return false;
    writeBlockHead(w, SHAPE_RECORDS, n);
    w.ensure(2);
    w.view.setUint16(w.pos, nk, true);
    w.pos += 2;
    for (const k of keys) {
      const len = Buffer.byteLength(k, 'utf8');
      if (len > 0xffff) return false;
      w.ensure(2 + len);
      w.view.setUint16(w.pos, len, true);
      w.pos += 2 + w.buf.write(k, w.pos + 2, 'utf8');
    }
    for (let j = 0; j < nk; j++) {
      const c = cols[j]!;
      if (types[j] === 'number') writeNumbers(c as Float64Array, n, w);
      else if (types[j] === 'string') writeStrings(c as string[], n, w);
      else writeBooleans(c as boolean[], n, w);
    }
    return true;
  } finally {
    // The columns must not keep the batch's strings alive.
    for (let j = 0; j < nk; j++) if (types[j] !== 'number') (cols[j] as unknown[]).fill(undefined, 0, n);
  }
}

/** A column of scalars (the array itself): all numbers, all strings or all booleans. */
function encodeValues(values: readonly unknown[], n: number, w: ByteWriter): boolean {
  const t = columnTypeOf(values[0]);
  if (t === undefined) return false;
  for (let i = 1; i < n; i++) if (typeof values[i] !== t) return false;
  writeBlockHead(w, SHAPE_VALUES, n);
  if (t === 'number') {
    const f = numberScratch(n);
    f.set(values as readonly number[]);
    writeNumbers(f, n, w);
  } else if (t === 'string') writeStrings(values as readonly string[], n, w);
  else writeBooleans(values as readonly boolean[], n, w);
  return true;
}

function writeBooleans(col: readonly boolean[], n: number, w: ByteWriter): void {
  w.ensure(1 + n);
  const buf = w.buf;
  let p = w.pos;
  buf[p++] = K_BOOL;
  for (let i = 0; i < n; i++) buf[p++] = col[i] ? 1 : 0;
  w.pos = p;
}

/** Typed arrays use the platform's byte order; the block's is little-endian. */
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** A Float64Array of at least `n` values for an array of plain numbers (reused). */
let valuesScratch = new Float64Array(0);
function numberScratch(n: number): Float64Array {
  if (valuesScratch.length < n) valuesScratch = new Float64Array(n);
  return valuesScratch;
}

/**
 * Writes a number column in the narrowest of uint8, uint16, int32 and float64 that holds every
 * value exactly: the kind, a pad count and that many zero bytes (so the values are aligned in the
 * writer's buffer), then the values. Always given a Float64Array (one element type here keeps the
 * loops monomorphic); float64 values are then one native copy on little-endian hosts.
 */
function writeNumbers(col: Float64Array, n: number, w: ByteWriter): void {
  let int = true;
  let min = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const x = col[i]!;
    // int32 and not −0 (which must come back as −0).
    if ((x | 0) !== x || (x === 0 && 1 / x < 0)) {
      int = false;
      break;
    }
    if (x < min) min = x;
    else if (x > max) max = x;
  }
  const kind = !int ? K_F64 : min < 0 ? K_I32 : max < 0x100 ? K_U8 : max < 0x10000 ? K_U16 : K_I32;
  const width = kind === K_U8 ? 1 : kind === K_U16 ? 2 : kind === K_I32 ? 4 : 8;
  w.ensure(2 + width + width * n);
  const buf = w.buf;
  const v = w.view;
  let p = w.pos;
  buf[p++] = kind;
  const pad = (width - ((buf.byteOffset + p + 1) % width)) % width;
  buf[p++] = pad;
  for (let k = 0; k < pad; k++) buf[p++] = 0;
  switch (kind) {
    case K_U8:
      for (let i = 0; i < n; i++) buf[p++] = col[i]!;
      break;
    case K_U16:
      for (let i = 0; i < n; i++, p += 2) v.setUint16(p, col[i]!, true);
      break;
    case K_I32:
      for (let i = 0; i < n; i++, p += 4) v.setInt32(p, col[i]!, true);
      break;
    default:
      if (LITTLE_ENDIAN) {
        new Float64Array(buf.buffer, buf.byteOffset + p, n).set(col.subarray(0, n));
        p += 8 * n;
      } else for (let i = 0; i < n; i++, p += 8) v.setFloat64(p, col[i]!, true);
  }
  w.pos = p;
}

function writeStrings(col: readonly string[], n: number, w: ByteWriter): void {
  let maxLen = 0;
  for (let i = 0; i < n; i++) if (col[i]!.length > maxLen) maxLen = col[i]!.length;
  const width = maxLen < 0x100 ? 1 : maxLen < 0x10000 ? 2 : 4;
  w.ensure(2 + width * n + 4);
  let p = w.pos;
  w.buf[p++] = K_STR;
  w.buf[p++] = width;
  if (width === 1) for (let i = 0; i < n; i++) w.buf[p++] = col[i]!.length;
  else if (width === 2) for (let i = 0; i < n; i++, p += 2) w.view.setUint16(p, col[i]!.length, true);
  else for (let i = 0; i < n; i++, p += 4) w.view.setUint32(p, col[i]!.length, true);
  const chunkCountAt = p;
  w.pos = p + 4;
  let chunks = 0;
  for (let i = 0; i < n; ) {
    // Concatenate whole strings up to CHUNK_CHARS code units, then one native write for all of them.
    const from = i;
    let s = col[i]!;
    let chars = s.length;
    for (i++; i < n && chars + col[i]!.length <= CHUNK_CHARS; i++) {
      s += col[i]!;
      chars += col[i]!.length;
    }
    w.ensure(9 + 3 * chars);
    const at = w.pos;
    // Writing flattens the concatenation, which costs more than the UTF-8 conversion itself
    // (V8 walks the rope piece by piece): one write, no separate ASCII scan.
    const bytes = w.buf.write(s, at + 9, 'utf8');
    w.view.setUint32(at, i - from, true);
    w.view.setUint32(at + 4, bytes, true);
    w.buf[at + 8] = bytes === chars ? 1 : 0; // one byte per code unit only for ASCII
    w.pos = at + 9 + bytes;
    chunks++;
  }
  w.view.setUint32(chunkCountAt, chunks, true);
}

// ---- decoding -------------------------------------------------------------------------------

/** Builds one record from its columns; generated per key list (quoted with JSON.stringify). */
type RecordFactory = (cols: unknown[][], i: number) => Record<string, unknown>;
const factories = new Map<string, RecordFactory>();

function factoryFor(keys: readonly string[]): RecordFactory {
  const id = JSON.stringify(keys);
  let f = factories.get(id);
  if (f === undefined) {
    // An object literal per record gives every record one hidden class and fast properties (what
    // cbor-x's record reader also generates). Keys are string literals; `__proto__` is refused.
    const body = `return {${keys.map((k, j) => `${JSON.stringify(k)}: c[${j}][i]`).join(', ')}};`;
    f = new Function('c', 'i', body) as RecordFactory;
    if (factories.size >= 256) factories.clear();
    factories.set(id, f);
  }
  return f;
}

function bad(what: string, bytes: Uint8Array): WeirError {
  return new WeirError('WEIR_ERR_DECODE', `bad column block (${what}; ${bytes.byteLength} bytes)`);
}

/**
 * Decodes a column block back into the array it was encoded from.
 * @throws WeirError `WEIR_ERR_DECODE` when the bytes are not a well-formed block.
 */
export function decodeColumnBlock(bytes: Uint8Array): unknown[] {
  const r = new BlockReader(bytes);
  if (r.u8() !== VERSION) throw bad('unknown version', bytes);
  const shape = r.u8();
  const n = r.u32();
  // Every row takes at least one byte in every column: a larger count is garbage (and must not
  // make us allocate it).
  if (n > bytes.byteLength) throw bad(`${n} rows`, bytes);
  if (shape === SHAPE_VALUES) {
    const col = r.column(n);
    if (r.remaining !== 0) throw bad('trailing bytes', bytes);
    return col;
  }
  if (shape !== SHAPE_RECORDS) throw bad('unknown shape', bytes);
  const nk = r.u16();
  if (nk === 0 || nk > MAX_KEYS) throw bad(`${nk} keys`, bytes);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (let j = 0; j < nk; j++) {
    const k = r.string(r.u16(), false);
    if (k === '__proto__' || seen.has(k)) throw bad('invalid key', bytes);
    seen.add(k);
    keys.push(k);
  }
  const cols: unknown[][] = [];
  for (let j = 0; j < nk; j++) cols.push(r.column(n));
  if (r.remaining !== 0) throw bad('trailing bytes', bytes);
  const make = factoryFor(keys);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = make(cols, i);
  return out;
}

class BlockReader {
  private readonly buf: Buffer;
  private readonly view: DataView;
  private p = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.buf.byteLength - this.p;
  }

  private need(k: number): void {
    if (k > this.buf.byteLength - this.p) throw bad('truncated', this.bytes);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.p++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.p, true);
    this.p += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.p, true);
    this.p += 4;
    return v;
  }

  string(len: number, ascii: boolean): string {
    this.need(len);
    const s = this.buf.toString(ascii ? 'latin1' : 'utf8', this.p, this.p + len);
    this.p += len;
    return s;
  }

  column(n: number): unknown[] {
    const kind = this.u8();
    if (kind >= K_U8 && kind <= K_F64) {
      const pad = this.u8();
      if (pad > 7) throw bad('column padding', this.bytes);
      this.need(pad);
      this.p += pad;
    }
    const out: unknown[] = new Array(n);
    const v = this.view;
    let p = this.p;
    switch (kind) {
      case K_U8:
      case K_BOOL: {
        this.need(n);
        const b = this.buf;
        if (kind === K_U8) for (let i = 0; i < n; i++) out[i] = b[p + i];
        else {
          for (let i = 0; i < n; i++) {
            const x = b[p + i]!;
            if (x > 1) throw bad('boolean out of range', this.bytes);
            out[i] = x === 1;
          }
        }
        this.p = p + n;
        return out;
      }
      case K_U16:
        this.need(2 * n);
        for (let i = 0; i < n; i++, p += 2) out[i] = v.getUint16(p, true);
        this.p = p;
        return out;
      case K_I32:
        this.need(4 * n);
        for (let i = 0; i < n; i++, p += 4) out[i] = v.getInt32(p, true);
        this.p = p;
        return out;
      case K_F64:
        this.need(8 * n);
        for (let i = 0; i < n; i++, p += 8) out[i] = v.getFloat64(p, true);
        this.p = p;
        return out;
      case K_STR:
        return this.strings(n, out);
      default:
        throw bad(`unknown column kind ${kind}`, this.bytes);
    }
  }

  private strings(n: number, out: unknown[]): unknown[] {
    const width = this.u8();
    if (width !== 1 && width !== 2 && width !== 4) throw bad('string length width', this.bytes);
    this.need(width * n);
    const lengthsAt = this.p;
    this.p += width * n;
    const chunks = this.u32();
    const v = this.view;
    let i = 0;
    for (let c = 0; c < chunks; c++) {
      const count = this.u32();
      const byteLength = this.u32();
      const ascii = this.u8() === 1;
      if (count === 0 || count > n - i) throw bad('string chunk count', this.bytes);
      const s = this.string(byteLength, ascii);
      let off = 0;
      for (const end = i + count; i < end; i++) {
        const at = lengthsAt + width * i;
        const len = width === 1 ? v.getUint8(at) : width === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
        if (len > s.length - off) throw bad('string lengths', this.bytes);
        out[i] = count === 1 ? s : s.substring(off, off + len);
        off += len;
      }
      if (off !== s.length) throw bad('string lengths', this.bytes);
    }
    if (i !== n) throw bad('string chunk count', this.bytes);
    return out;
  }
}
