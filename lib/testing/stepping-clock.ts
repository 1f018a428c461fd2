/**
 * The harness's processing-time clock: a {@link ManualClock} that also remembers when each of its
 * pending callbacks is due, so the harness can move time forward one due time at a step and run
 * the timers of each step (possibly async) before the next, in time order (Flink's
 * `TestProcessingTimeService`, except that each step sees `now()` equal to its own due time, as
 * {@link ManualClock} callbacks do).
 */
import { ManualClock, type Clock, type TimerHandle } from '../time/clock.js';

/** A {@link Clock} over a {@link ManualClock} that can tell the harness its next due time. Internal to `weir/testing`. */
export class SteppingClock implements Clock {
  private due: { at: number; done: boolean }[] = [];

  /** @param manual the clock that is moved; it fires the callbacks. */
  constructor(private readonly manual: ManualClock) {}

  now(): number {
    return this.manual.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const entry = { at: this.manual.now() + Math.max(0, delayMs), done: false };
    this.due.push(entry);
    const handle = this.manual.setTimeout(() => {
      entry.done = true;
      callback();
    }, delayMs);
    return {
      cancel: () => {
        entry.done = true;
        handle.cancel();
      },
    };
  }

  /** The earliest due time (epoch ms) ≤ `limit` of a pending callback, if any. */
  nextDueAtOrBefore(limit: number): number | undefined {
    this.due = this.due.filter((e) => !e.done);
    let next: number | undefined;
    for (const e of this.due) if (e.at <= limit && (next === undefined || e.at < next)) next = e.at;
    return next;
  }

  /** Moves the underlying clock to `timeMs` (never backwards), running due callbacks in order. */
  setTime(timeMs: number): void {
    this.manual.setTime(timeMs);
  }
}
