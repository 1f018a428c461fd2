/**
 * An HDR-like latency histogram over whole microseconds: exact below 128 µs, then 64 linear
 * sub-buckets per power of two (relative error < 1.6%), up to 2^31 µs (~36 min; larger values go
 * to the last bucket). Fixed memory (~1,700 counters) whatever the number of values, so a sink can
 * record every result's latency at millions per second. The exact minimum and maximum are kept
 * apart. Quantiles are nearest-rank, reported as the bucket's midpoint (or the exact value below
 * 128 µs), clamped to [min, max].
 *
 * @see HdrHistogram (Gil Tene): the same bucket layout with 2 significant digits.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64 sub-buckets per power of two above the linear range
const LINEAR = SUB * 2; // values < 128 µs have a bucket each
const MAX_EXP = 31 - SUB_BITS; // v < 2^31
const BUCKETS = LINEAR + MAX_EXP * SUB;

/** The bucket of `us` (an integer ≥ 0). */
function bucketOf(us: number): number {
  if (us < LINEAR) return us;
  if (us >= 2 ** 31) return BUCKETS - 1;
  const e = 31 - Math.clz32(us) - SUB_BITS; // us >> e is in [64, 127]
  return LINEAR + (e - 1) * SUB + ((us >>> e) - SUB);
}

/** The smallest value of bucket `b` and its width, µs. */
function bucketRange(b: number): [number, number] {
  if (b < LINEAR) return [b, 1];
  const e = Math.floor((b - LINEAR) / SUB) + 1;
  const sub = ((b - LINEAR) % SUB) + SUB;
  return [sub * 2 ** e, 2 ** e];
}

/** Latency figures of a histogram, ms. */
export interface LatencySummary {
  /** Values recorded. */
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  minMs: number;
  meanMs: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = Number.NEGATIVE_INFINITY;

  /** Records one latency, ms (negative values count as 0: a clock step, not a time machine). */
  recordMs(ms: number): void {
    const us = ms > 0 ? Math.round(ms * 1000) : 0;
    this.counts[bucketOf(us)]!++;
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** The `q`-quantile (0..1), ms, nearest rank; NaN when empty. */
  quantileMs(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const [lo, width] = bucketRange(b);
        const mid = width === 1 ? lo : lo + width / 2;
        return Math.min(this.maxUs, Math.max(this.minUs, mid)) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      p50Ms: this.quantileMs(0.5),
      p90Ms: this.quantileMs(0.9),
      p99Ms: this.quantileMs(0.99),
      p999Ms: this.quantileMs(0.999),
      maxMs: empty ? Number.NaN : this.maxUs / 1000,
      minMs: empty ? Number.NaN : this.minUs / 1000,
      meanMs: empty ? Number.NaN : this.sumUs / this.count / 1000,
    };
  }
}
