/**
 * An order-independent checksum of a query's results, so that a null sink cannot be optimised away
 * and so that a Weir run (any parallelism: results arrive in any order) and the plain-JS loop can be
 * compared: `count` results whose 32-bit hashes sum to `sumA` and, after a second mixing, to
 * `sumB` (both mod 2^32). Two result multisets with the same three figures are equal with high
 * probability; addition makes the figure independent of arrival order.
 *
 * A result's hash ({@link hashValue}) is structural and cheap (the sink runs it per result, on the
 * measured thread): numbers by value (integers mod 2^32 plus their high word; fractions scaled by
 * 2^20 first, which is exact for the same double on both sides), strings by length and three
 * characters (not their whole text), booleans, null and undefined as constants, arrays by position,
 * plain objects by the values of their own enumerable properties (their names and order do not
 * count: a record built with fields in another order hashes the same), nested to depth 4.
 */

/** A 32-bit finaliser (murmur3 fmix32). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number's hash: integers (any magnitude) by their low and high 32-bit words; others scaled by 2^20 first. */
export function hashNumber(x: number): number {
  const v = Number.isInteger(x) ? x : Number.isFinite(x) ? Math.round(x * 1048576) : x === x ? (x > 0 ? 0x7f800000 : 0xff800000) : 0x7fc00000;
  const lo = v | 0;
  const hi = (v / 4294967296) | 0;
  return mix32(lo ^ Math.imul(hi, 0x9e3779b1) ^ 0x2545f491);
}

/** A string's hash from its length and its first, middle and last characters (cheap; see the module docstring). */
export function hashString(s: string): number {
  const n = s.length;
  if (n === 0) return 0x1b873593;
  return mix32(Math.imul(n, 0x01000193) ^ s.charCodeAt(0) ^ (s.charCodeAt(n >> 1) << 8) ^ (s.charCodeAt(n - 1) << 16));
}

/** The structural hash of one result value (see the module docstring). */
export function hashValue(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'number':
      return hashNumber(v);
    case 'string':
      return hashString(v);
    case 'boolean':
      return v ? 0x5bd1e995 : 0x27d4eb2f;
    case 'bigint':
      return hashString(v.toString());
    case 'undefined':
      return 0x165667b1;
    case 'object': {
      if (v === null) return 0x3c6ef372;
      if (depth >= 4) return 0x7f4a7c15;
      let h = 0;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) h = (h + mix32(hashValue(v[i], depth + 1) + Math.imul(i + 1, 0x9e3779b1))) >>> 0;
        return mix32(h ^ v.length);
      }
      const o = v as Record<string, unknown>;
      let n = 0;
      for (const k in o) {
        if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
        h = (h + mix32(hashValue(o[k], depth + 1))) >>> 0;
        n++;
      }
      return mix32(h ^ Math.imul(n, 0x27d4eb2f));
    }
    default:
      return 0x61c88647; // functions and symbols: results should not hold them
  }
}

/** The checksum of a multiset of results (see the module docstring). */
export interface ChecksumFigures {
  /** Results. */
  count: number;
  /** Σ hash mod 2^32. */
  sumA: number;
  /** Σ remix(hash) mod 2^32. */
  sumB: number;
}

/** Accumulates {@link ChecksumFigures} one result at a time. */
export class ResultChecksum implements ChecksumFigures {
  count = 0;
  sumA = 0;
  sumB = 0;

  /** Adds one result. */
  add(value: unknown): void {
    const h = hashValue(value);
    this.count++;
    this.sumA = (this.sumA + h) >>> 0;
    this.sumB = (this.sumB + mix32(h ^ 0x6a09e667)) >>> 0;
  }

  /** A copy of the figures. */
  figures(): ChecksumFigures {
    return { count: this.count, sumA: this.sumA, sumB: this.sumB };
  }
}

/** Two checksums are equal. */
export function sameChecksum(a: ChecksumFigures, b: ChecksumFigures): boolean {
  return a.count === b.count && a.sumA === b.sumA && a.sumB === b.sumB;
}

/** `1,234 results, 89abcdef/01234567`. */
export function formatChecksum(c: ChecksumFigures): string {
  return `${c.count.toLocaleString('en-US')} results, ${c.sumA.toString(16).padStart(8, '0')}/${c.sumB.toString(16).padStart(8, '0')}`;
}
