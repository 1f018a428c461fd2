/**
 * A pass-through map that limits the records per second of the subtask it runs in (Flink's
 * `RateLimiter` / `GuavaFlinkConnectorRateLimiter` on a source), for demos and fault tests that
 * need a job to run long enough to be interrupted mid-way.
 *
 * Why a map and not sleeps elsewhere: the records, their order and their timestamps are untouched,
 * so a throttled run computes exactly what an unthrottled one does; only wall time changes. The map
 * is async only every `ceil(rate / 100)` records (about 100 pauses per second), when it is ahead of
 * the schedule `start + count / rate`; the subtask awaits it in order, which back-pressures the
 * source it is chained to. Checkpoint barriers still flow between two source polls.
 */
import { RichMapFunction } from 'weir';

/** Pauses per second of a {@link ThrottleFunction} at full rate (so each pause is about 10 ms). */
const PAUSES_PER_SECOND = 100;

/**
 * Passes records through, at most `recordsPerSecond` per second per subtask; with `undefined`, as
 * fast as they come (no promise, no cost). The schedule starts at the first record of each attempt.
 *
 * @example
 * env.fromSource(source, watermarks, 'trips').map(new ThrottleFunction<Trip>(5_000)).name('pace');
 */
export class ThrottleFunction<T> extends RichMapFunction<T, T> {
  private readonly every: number;
  private count = 0;
  private startedAt = 0;

  /** @param recordsPerSecond the rate limit (> 0), or `undefined` for none. */
  constructor(private readonly recordsPerSecond: number | undefined) {
    super();
    this.every = recordsPerSecond === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.ceil(recordsPerSecond / PAUSES_PER_SECOND));
  }

  /** Returns `value`, after a pause when the subtask is ahead of its schedule. */
  map(value: T): T | Promise<T> {
    if (this.recordsPerSecond === undefined) return value;
    if (this.count === 0) this.startedAt = performance.now();
    this.count++;
    if (this.count % this.every !== 0) return value;
    const due = this.startedAt + (this.count * 1000) / this.recordsPerSecond;
    const wait = due - performance.now();
    if (wait <= 0) return value;
    return new Promise((resolve) => setTimeout(() => resolve(value), wait));
  }
}
