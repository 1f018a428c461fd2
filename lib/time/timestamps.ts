/**
 * The timestamp of a record that has none (no event time assigned yet). Mirrors Flink's use of
 * `Long.MIN_VALUE` as "no timestamp"; it equals the initial watermark, so comparisons stay total.
 * Timestamps everywhere in Weir are epoch milliseconds as plain numbers.
 */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;

/** True when `ts` is a real timestamp (not {@link NO_TIMESTAMP}). */
export function hasTimestamp(ts: number): boolean {
  return ts !== NO_TIMESTAMP;
}

/**
 * The maximal watermark: no more records will come (end of a bounded input). Flink uses
 * `Long.MAX_VALUE`; Weir uses +Infinity, which compares greater than every timestamp.
 */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
