import { InvalidKeyError } from '../errors.js';

/**
 * Key hashing that reproduces Java's `hashCode()` for the Java value a JS key stands for, so that
 * Weir's key → key-group assignment (see `key-groups.ts`) is the same as Flink's for the same keys.
 *
 * Supported keys, and the Java type each one stands for:
 *
 * | JS key                                             | Java value            | hash mirrored              |
 * | -------------------------------------------------- | --------------------- | -------------------------- |
 * | `string`                                           | `java.lang.String`    | `String.hashCode()`        |
 * | `number`, integer in int32 range (incl. `-0`)      | `java.lang.Integer`   | `Integer.hashCode(int)`    |
 * | `number`, other safe integer                       | `java.lang.Long`      | `Long.hashCode(long)`      |
 * | `number`, fractional / unsafe integer / NaN / ±Inf | `java.lang.Double`    | `Double.hashCode(double)`  |
 * | `bigint` in signed 64-bit range                    | `java.lang.Long`      | `Long.hashCode(long)`      |
 * | `boolean`                                          | `java.lang.Boolean`   | `Boolean.hashCode(boolean)`|
 * | array of the above (nested, `null`/`undefined` ok) | Flink `TupleN`        | `TupleN.hashCode()`        |
 *
 * Everything else (objects, `null`/`undefined` as a whole key, symbols, functions, bigints outside
 * the signed 64-bit range) is rejected with {@link InvalidKeyError} (`WEIR_ERR_INVALID_KEY`).
 *
 * @see java.lang.String#hashCode, java.lang.Integer#hashCode, java.lang.Long#hashCode,
 *      java.lang.Double#hashCode, java.lang.Boolean#hashCode, org.apache.flink.api.java.tuple.Tuple2#hashCode
 * @module
 */

/** Human-readable list of supported key types, used in error messages. */
const SUPPORTED =
  'supported key types are string, number, bigint (signed 64-bit), boolean, and arrays of those ' +
  '(nested arrays allowed; null/undefined allowed only as array elements)';

/** Deepest array nesting accepted in a key; guards against cyclic arrays. */
const MAX_KEY_DEPTH = 64;

const TWO_POW_32 = 4294967296;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** `Double.hashCode(Double.NaN)`: doubleToLongBits canonicalises NaN to 0x7ff8000000000000. */
const NAN_HASH = 0x7ff80000;

/** Shared scratch for reading a double's IEEE-754 bits without allocating per call. */
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Returns the 32-bit signed `int` that Java's `hashCode()` returns for the Java value `key` stands
 * for (see the table in this module's header). Allocation-free for strings, numbers and booleans.
 *
 * - `string` → `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, int32
 *   overflow; `""` → 0.
 * - `number` → `Integer.hashCode` (the value) when it is an integer in int32 range (`-0` counts as
 *   the integer 0, so it hashes like `0`, consistent with {@link keyToMapKey}); else `Long.hashCode`
 *   (`(int)(v ^ (v >>> 32))`) when a safe integer; else `Double.hashCode`
 *   (`bits = doubleToLongBits(v)`, NaN canonical; `(int)(bits ^ (bits >>> 32))`).
 * - `bigint` → `Long.hashCode` when in `[-2^63, 2^63)`.
 * - `boolean` → `Boolean.hashCode`: 1231 for `true`, 1237 for `false`.
 * - array → Flink `TupleN.hashCode()`: `h = hash(a[0]); h = 31*h + hash(a[i])` for i ≥ 1 (int32);
 *   `null`/`undefined` elements hash to 0; `[]` → 0 (`Tuple0`).
 *
 * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) for any other type (objects, top-level
 *   `null`/`undefined`, symbols, functions), for bigints outside the signed 64-bit range, and for
 *   arrays nested deeper than 64 levels (e.g. cyclic arrays).
 */
export function keyHashCode(key: unknown): number {
  switch (typeof key) {
    case 'string':
      return stringHash(key);
    case 'number':
      return numberHash(key);
    case 'boolean':
      return key ? 1231 : 1237;
    case 'bigint':
      return bigintHash(key);
    case 'object':
      if (Array.isArray(key)) return tupleHash(key, 0);
      throw invalidKey(key);
    default:
      throw invalidKey(key);
  }
}

/** Java `String.hashCode()`. */
function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** `Integer.hashCode`, `Long.hashCode` or `Double.hashCode` depending on the value (see keyHashCode). */
function numberHash(v: number): number {
  // int32 (also maps -0 to 0).
  if ((v | 0) === v) return v | 0;
  if (Number.isSafeInteger(v)) {
    // Long.hashCode: low word is v mod 2^32 (ToInt32 is exactly that), high word is the arithmetic
    // shift v >> 32, i.e. floor(v / 2^32) — exact for |v| < 2^53.
    return (v | 0) ^ (Math.floor(v / TWO_POW_32) | 0);
  }
  if (v !== v) return NAN_HASH;
  scratch.setFloat64(0, v, false);
  return scratch.getInt32(0, false) ^ scratch.getInt32(4, false);
}

/** `Long.hashCode` for a bigint in signed 64-bit range. */
function bigintHash(v: bigint): number {
  if (v < LONG_MIN || v > LONG_MAX) throw outOfRangeBigint(v);
  return Number(BigInt.asIntN(32, v)) ^ Number(BigInt.asIntN(32, v >> 32n));
}

/** Flink `TupleN.hashCode()` over the array's elements. */
function tupleHash(a: readonly unknown[], depth: number): number {
  if (depth >= MAX_KEY_DEPTH) throw tooDeep();
  let h = 0;
  for (let i = 0; i < a.length; i++) h = (Math.imul(h, 31) + elementHash(a[i], depth + 1)) | 0;
  return h;
}

function elementHash(e: unknown, depth: number): number {
  if (e === null || e === undefined) return 0;
  if (Array.isArray(e)) return tupleHash(e, depth);
  return keyHashCode(e);
}

/**
 * Returns a canonical primitive for `key`, usable as a JS `Map` key, such that two keys give the
 * same map key exactly when Flink would consider the corresponding Java values equal
 * (`Object.equals`) — so keyed state indexed by it agrees with {@link keyHashCode}: equal map keys
 * always have equal hash codes.
 *
 * - `string`, `boolean`, `bigint` map to themselves — except a string starting with `'\u0000'`,
 *   which is escaped to `'\u0000s' + key` so it cannot collide with an array's encoding.
 * - `number` maps to itself, with `-0` normalised to `0` (all NaNs are one key, as
 *   `Double.equals` and `Map`'s SameValueZero agree). A number and a string (`1` vs `"1"`) and a
 *   number and a bigint (`1` vs `1n`) stay distinct.
 * - array → a string `'\u0000[' + … + ']'` encoding each element with a type tag and, for strings,
 *   a length prefix, so it never collides with another array or a plain string key.
 *   `null` and `undefined` elements encode the same (both are Java `null`).
 *
 * Fast path: a `typeof` switch; non-array keys allocate nothing.
 *
 * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) for exactly the keys {@link keyHashCode} rejects.
 */
export function keyToMapKey(key: unknown): string | number | bigint | boolean {
  switch (typeof key) {
    case 'string':
      return key.length === 0 || key.charCodeAt(0) !== 0 ? key : '\u0000s' + key;
    case 'number':
      return key === 0 ? 0 : key;
    case 'boolean':
      return key;
    case 'bigint':
      if (key < LONG_MIN || key > LONG_MAX) throw outOfRangeBigint(key);
      return key;
    case 'object':
      if (Array.isArray(key)) return '\u0000' + encodeTuple(key, 0);
      throw invalidKey(key);
    default:
      throw invalidKey(key);
  }
}

/**
 * The inverse of {@link keyToMapKey}: the key a map key was made from. Exact for every key, except
 * that `undefined` elements of array keys come back as `null` (they encode the same, as both are
 * Java `null`), and `-0` comes back as `0`. Used to hand user code the keys of stored state (Flink's
 * `KeyedStateBackend.applyToAllKeys`), so it is not on the per-record path.
 */
export function mapKeyToKey(mapKey: string | number | bigint | boolean): unknown {
  if (typeof mapKey !== 'string' || mapKey.length === 0 || mapKey.charCodeAt(0) !== 0) return mapKey;
  if (mapKey.charAt(1) === 's') return mapKey.slice(2);
  const pos = { i: 1 };
  return decodeTuple(mapKey, pos);
}

/** Decodes one `[…]` tuple of {@link encodeTuple} starting at `pos.i`; advances `pos.i` past it. */
function decodeTuple(s: string, pos: { i: number }): unknown[] {
  const out: unknown[] = [];
  pos.i++; // '['
  while (s.charAt(pos.i) !== ']') {
    const tag = s.charAt(pos.i);
    switch (tag) {
      case 'z':
        out.push(null);
        pos.i++;
        break;
      case 'T':
      case 'F':
        out.push(tag === 'T');
        pos.i++;
        break;
      case 'n':
      case 'i': {
        const end = s.indexOf(';', pos.i);
        const text = s.slice(pos.i + 1, end);
        out.push(tag === 'n' ? Number(text) : BigInt(text));
        pos.i = end + 1;
        break;
      }
      case 's': {
        const colon = s.indexOf(':', pos.i);
        const len = Number(s.slice(pos.i + 1, colon));
        out.push(s.slice(colon + 1, colon + 1 + len));
        pos.i = colon + 1 + len;
        break;
      }
      case '[':
        out.push(decodeTuple(s, pos));
        break;
      default:
        throw new InvalidKeyError(`not an encoded key: ${JSON.stringify(s)}`);
    }
  }
  pos.i++; // ']'
  return out;
}

/**
 * Self-delimiting encoding of a tuple: `[` elements `]`, each element one of
 * `z` (null/undefined), `T`/`F` (boolean), `n<number>;`, `i<bigint>;`, `s<length>:<chars>`, or a
 * nested tuple. Injective, because every token's extent is determined by its tag.
 */
function encodeTuple(a: readonly unknown[], depth: number): string {
  if (depth >= MAX_KEY_DEPTH) throw tooDeep();
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    const e = a[i];
    switch (typeof e) {
      case 'string':
        out += 's' + e.length + ':' + e;
        break;
      case 'number':
        out += 'n' + String(e) + ';'; // String(-0) === '0'
        break;
      case 'boolean':
        out += e ? 'T' : 'F';
        break;
      case 'bigint':
        if (e < LONG_MIN || e > LONG_MAX) throw outOfRangeBigint(e);
        out += 'i' + e.toString() + ';';
        break;
      case 'undefined':
        out += 'z';
        break;
      case 'object':
        if (e === null) out += 'z';
        else if (Array.isArray(e)) out += encodeTuple(e, depth + 1);
        else throw invalidKey(e);
        break;
      default:
        throw invalidKey(e);
    }
  }
  return out + ']';
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  const t = typeof v;
  if (t !== 'object') return t;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  const name = ctor !== undefined && typeof ctor.name === 'string' && ctor.name !== '' ? ctor.name : 'Object';
  return `object (${name})`;
}

function invalidKey(v: unknown): InvalidKeyError {
  return new InvalidKeyError(`invalid key of type ${describeType(v)}: ${SUPPORTED}`);
}

function outOfRangeBigint(v: bigint): InvalidKeyError {
  return new InvalidKeyError(`invalid key: bigint ${v} is outside the signed 64-bit range [-2^63, 2^63 - 1]; ${SUPPORTED}`);
}

function tooDeep(): InvalidKeyError {
  return new InvalidKeyError(`invalid key: arrays nested deeper than ${MAX_KEY_DEPTH} levels (cyclic array?); ${SUPPORTED}`);
}
