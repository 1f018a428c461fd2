/**
 * The per-event pseudo-random numbers of the Nexmark generator. nexmark seeds a `java.util.Random`
 * per event (`new Random(eventId)` in the Beam generator it descends from), so any event can be
 * generated without the ones before it. Weir does the same with a cheaper generator: sfc32 (Chris
 * Doty-Humphrey's Small Fast Counting generator, 128-bit state, 32-bit outputs) whose state is
 * derived from (seed, event id) with the murmur3 finalizer. Distinct (seed, event id) pairs get
 * distinct states (the derivation is injective in the event id), so no two events share a
 * random stream.
 *
 * Also nexmark's `LongGenerator.nextLong` and `PriceGenerator.nextPrice`.
 *
 * @see com.github.nexmark.flink.generator.model.LongGenerator, PriceGenerator
 */

/** 2⁻³². */
const TWO_POW_MINUS_32 = 2.3283064365386963e-10;
/** 2⁻⁵³. */
const TWO_POW_MINUS_53 = 1.1102230246251565e-16;
/** `10^(6k/4096)` for k = 0 … 4096: the top 12 bits of a price's random exponent. */
const PRICE_STEPS = Float64Array.from({ length: 4097 }, (_, k) => Math.pow(10, (6 * k) / 4096));
/** `6 · ln 10 / 2³²`: the low 20 bits of a price's random exponent, as a natural exponent. */
const PRICE_LOW_SCALE = (6 * Math.LN10) / 4294967296;

/** murmur3's 32-bit finalizer: a bijective avalanche mix of a 32-bit integer (returned as int32). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The two 32-bit words a seed (a safe integer) contributes to every event's state. */
export function seedWords(seed: number): [number, number] {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const a = fmix32(lo ^ 0x3c6ef372);
  return [a, fmix32(hi ^ 0x510e527f ^ a)];
}

/**
 * A reseedable sfc32 generator. One instance is reused for every event (generation is synchronous,
 * so nothing interleaves); {@link seed} puts it in the state of one event.
 */
export class EventRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  /**
   * Sets the state for event `eventId` (a non-negative safe integer) under the seed words of
   * {@link seedWords}.
   */
  seed(seedA: number, seedB: number, eventId: number): void {
    const lo = eventId >>> 0;
    const hi = (eventId / 4294967296) >>> 0;
    // a is a bijection of lo; b a bijection of hi for a given a: distinct ids, distinct (a, b).
    const a = fmix32(lo ^ seedA);
    const b = fmix32((hi ^ seedB) + Math.imul(a, 0x9e3779b9));
    this.a = a;
    this.b = b;
    this.c = fmix32(a ^ b ^ 0x6a09e667);
    this.d = 1;
    // Two rounds so the first output already depends on every state word.
    this.next();
    this.next();
  }

  /** The next 32 random bits, as an unsigned integer in [0, 2³²). */
  next(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n), for 1 ≤ n ≤ 2³² (Java's `Random.nextInt(n)`). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n * TWO_POW_MINUS_32);
  }

  /** A uniform double in [0, 1) with 53 random bits (Java's `Random.nextDouble()`). */
  nextDouble(): number {
    return ((this.next() >>> 11) * 4294967296 + this.next()) * TWO_POW_MINUS_53;
  }

  /**
   * A uniform integer in [0, n) for a positive safe integer n (nexmark's `LongGenerator.nextLong`,
   * minus its skew above 2³¹).
   */
  nextLong(n: number): number {
    return n <= 4294967296 ? this.nextInt(n) : Math.floor(this.nextDouble() * n);
  }

  /**
   * A log-uniform price in cents, `round(10^(6u) × 100)` for uniform u, so in [100, 100,000,000]
   * (nexmark's `PriceGenerator.nextPrice`).
   */
  nextPrice(): number {
    // 10^(6u) for u = bits / 2³², as 10^(6·high/2¹²) from a table times e^y for the low 20 bits
    // (y < 0.0034, so three Taylor terms are exact to 1e-11): a fifth of the cost of Math.pow.
    const bits = this.next();
    const y = (bits & 0xfffff) * PRICE_LOW_SCALE;
    return Math.round(PRICE_STEPS[bits >>> 20]! * (1 + y * (1 + y * (0.5 + y * (1 / 6)))) * 100);
  }
}
