/**
 * The same work as each Weir pipeline, written as the plain JavaScript loop a programmer would
 * write by hand: generate the same records (one object each), apply the same functions inline,
 * and count or sum into a `Map`. These are the in-process ceilings Weir is compared against (see
 * /work/shared/PERF-NOTES.md, "fused loop"), and their results are the expected results that
 * every Weir run is checked against.
 */
import { windowSlot } from './counting-sinks.js';
import { DEFAULT_KEY_COUNT, type BenchRecord, type TimedRecord } from './generator-source.js';
import { WINDOW_SIZE_MS, type ChainedResult, type KeyedSumResult, type WindowAggResult } from './pipelines.js';

/** Records `0..records-1` → map(value × 2) → filter(value % 3 ≠ 0) → count and value sum. */
export function runChainedPlain(records: number, keyCount = DEFAULT_KEY_COUNT): ChainedResult {
  let count = 0;
  let valueSum = 0;
  for (let i = 0; i < records; i++) {
    const r: BenchRecord = { key: i % keyCount, value: i };
    const m: BenchRecord = { key: r.key, value: r.value * 2 };
    if (m.value % 3 !== 0) {
      count++;
      valueSum += m.value;
    }
  }
  return { count, valueSum };
}

/**
 * Records `0..records-1` → running sum of `value` per `key` in a `Map`. `count` is the number of
 * running-sum updates (one per record), matching what the Weir pipeline's sink receives.
 */
export function runKeyedSumPlain(records: number, keyCount = DEFAULT_KEY_COUNT): KeyedSumResult {
  const sums = new Map<number, number>();
  let count = 0;
  for (let i = 0; i < records; i++) {
    const r: BenchRecord = { key: i % keyCount, value: i };
    sums.set(r.key, (sums.get(r.key) ?? 0) + r.value);
    count++;
  }
  return { count, sums };
}

/**
 * Records `0..records-1` with event time `floor(i / recordsPerMs)` → sum of `value` per (key,
 * tumbling window of {@link WINDOW_SIZE_MS} ms) in a `Map` by {@link windowSlot}. `count` is the
 * number of (key, window) pairs, i.e. the window results the Weir pipeline emits.
 */
export function runWindowAggPlain(records: number, recordsPerMs: number, keyCount = DEFAULT_KEY_COUNT): WindowAggResult {
  const sums = new Map<number, number>();
  for (let i = 0; i < records; i++) {
    const r: TimedRecord = { key: i % keyCount, ts: Math.floor(i / recordsPerMs), value: i };
    const slot = windowSlot(r.key, r.ts - (r.ts % WINDOW_SIZE_MS), WINDOW_SIZE_MS, keyCount);
    sums.set(slot, (sums.get(slot) ?? 0) + r.value);
  }
  return { count: sums.size, sums, invalid: 0, invalidSamples: [], firedBeforeEnd: undefined };
}
