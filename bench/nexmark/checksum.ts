/**
 * An order-independent checksum of a query's results, so that a null sink cannot be optimised away
 * and so that a Weir run (any parallelism: results arrive in any order) and the plain-JS loop can be
 * compared: `count` results whose 32-bit hashes sum to `sumA` and, after a second mixing, to
 * `sumB` (both mod 2^32). Two result multisets with the same three figures are equal with high
 * probability; addition makes the figure independent of arrival order.
 *
 * A result's hash ({@link hashValue}) is structural and cheap (the sink runs it per result, on the
 * measured thread): numbers by value (integers mod 2^32 plus their high word; fractions scaled by
 * 2^20 first, which is exact for the same double on both sides), strings by their length only,
 * booleans, null and undefined as constants, arrays by position, plain objects by the values of
 * their enumerable properties (`for…in`: result rows are plain objects; their names and order do
 * not count, so a record built with fields in another order hashes the same), nested to depth 4.
 *
 * Why strings by length: the generator builds its strings by concatenation, and reading any
 * character of such a string makes V8 flatten (copy) it; hashing three characters of each string
 * cost ~150 ns per bid, 47% of q0's profile, more than Weir's own work on it. The numbers carry
 * the queries' computations; the DuckDB comparison test checks the strings.
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

/** A number's 32-bit value before mixing: integers (any magnitude) by their low and high words; others scaled by 2^20 first. */
export function numberBits(x: number): number {
  const v = Number.isInteger(x) ? x : x === x ? (Number.isFinite(x) ? Math.round(x * 1048576) : x > 0 ? 0x7f800000 : -0x800000) : 0x7fc00000;
  return (v | 0) ^ Math.imul((v / 4294967296) | 0, 0x9e3779b1) ^ 0x2545f491;
}

/** A string's 32-bit value before mixing: its length only (see the module docstring for why). */
export function stringBits(s: string): number {
  return Math.imul(s.length, 0x01000193) ^ 0x1b873593;
}

/** The structural hash of one result value (see the module docstring). */
export function hashValue(v: unknown, depth = 0): number {
  if (typeof v === 'number') return mix32(numberBits(v));
  if (typeof v === 'string') return mix32(stringBits(v));
  if (typeof v !== 'object') return v === undefined ? 0x165667b1 : typeof v === 'boolean' ? (v ? 0x5bd1e995 : 0x27d4eb2f) : typeof v === 'bigint' ? mix32(stringBits(v.toString())) : 0x61c88647;
  if (v === null) return 0x3c6ef372;
  if (depth >= 4) return 0x7f4a7c15;
  let h = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) h = (h + mix32(hashValue(v[i], depth + 1) + Math.imul(i + 1, 0x9e3779b1))) >>> 0;
    return mix32(h ^ v.length);
  }
  const o = v as Record<string, unknown>;
  let n = 0;
  // Primitives inline (the common case: flat rows); nested objects recurse.
  for (const k in o) {
    const x = o[k];
    h = (h + (typeof x === 'number' ? mix32(numberBits(x)) : typeof x === 'string' ? mix32(stringBits(x)) : hashValue(x, depth + 1))) >>> 0;
    n++;
  }
  return mix32(h ^ Math.imul(n, 0x27d4eb2f));
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
