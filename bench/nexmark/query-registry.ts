/**
 * The Nexmark queries the benchmark runs: every query of `bench/nexmark/queries/index.ts`
 * (`NEXMARK_QUERIES`: `{ name, title, sql, processingTime, build }` each), plus what the benchmark
 * knows about each: Flink's published per-core figure and how its results' latency is measured.
 * A query added to that index is benchmarked without touching this file (its latency basis then
 * defaults to `element`; add it to {@link LATENCY_BASIS} if it emits from timers).
 */
import { NEXMARK_QUERIES } from './queries/index.js';
import type { NexmarkQuery } from './queries/nexmark-query.js';

/**
 * Flink's published Nexmark V1 throughput, events/s per measured core including the generator
 * (Flink 1.13, 8 × 8-core nodes, exactly-once checkpoints every 3 min, RocksDB; nexmark/nexmark
 * README, as quoted in PERF-NOTES.md). Queries not listed have no figure here.
 */
export const FLINK_V1_EVENTS_PER_CORE: Readonly<Record<string, number>> = {
  q0: 155_000,
  q1: 158_000,
  q2: 175_000,
  q3: 152_000,
  q4: 34_000,
  q5: 22_000,
  q7: 12_000,
  q8: 146_000,
};

/**
 * What a result's record timestamp says about when the result could first be produced, for the
 * latency measurement:
 * - `element`: the result is emitted while processing the input event whose event time it carries
 *   (maps, filters, joins emitting on arrival): latency = arrival − that event's scheduled emission;
 * - `watermark`: the result is emitted by an event-time timer or window firing at its timestamp `t`
 *   (windows: `window.maxTimestamp()`), which happens once the watermark reaches `t`, i.e. once an
 *   event with time ≥ `t + outOfOrderness + 1` was emitted: latency = arrival − that event's
 *   scheduled emission (so the configured 4 s out-of-orderness is not counted as latency; the
 *   periodic watermark interval and the firing are);
 * - `none`: results carry no usable event time (processing-time windows): not measured.
 */
export type LatencyBasis = 'element' | 'watermark' | 'none';

/** A query with what the benchmark knows about it. */
export interface RegisteredQuery {
  readonly query: NexmarkQuery<unknown>;
  readonly name: string;
  /** Flink's per-core figure, events/s, or undefined. */
  readonly flinkPerCore: number | undefined;
  readonly latencyBasis: LatencyBasis;
}

/**
 * Latency basis per query, from reading each query's implementation (see {@link LatencyBasis}):
 * q0–q2 map or filter each bid, q3 joins on arrival (the later input's timestamp): `element`;
 * q4 and q9 emit winning bids from an event-time timer at the auction's `expires` (q4's average
 * follows on that record, same timestamp); q5 and q7 from a timer at the window's last
 * millisecond, q8 and q11 from window firings (`end − 1`): `watermark`. Queries not listed default
 * to `element`, processing-time queries (q12) to `none`.
 */
const LATENCY_BASIS: Readonly<Record<string, LatencyBasis>> = {
  q0: 'element',
  q1: 'element',
  q2: 'element',
  q3: 'element',
  q4: 'watermark',
  q5: 'watermark',
  q7: 'watermark',
  q8: 'watermark',
  q9: 'watermark',
  q11: 'watermark',
};

/** The latency basis of a query (see {@link LATENCY_BASIS}). */
export function latencyBasisOf(q: NexmarkQuery<unknown>): LatencyBasis {
  if (q.processingTime) return 'none';
  return LATENCY_BASIS[q.name] ?? 'element';
}

/** Every query, in nexmark's order (q0, q1, … q12). */
export function registeredQueries(): RegisteredQuery[] {
  return [...NEXMARK_QUERIES.values()].map((query) => ({ query, name: query.name, flinkPerCore: FLINK_V1_EVENTS_PER_CORE[query.name], latencyBasis: latencyBasisOf(query) }));
}
