/**
 * Time is injected: every component that reads processing time or sets timers takes a {@link Clock}.
 * Production uses {@link SystemClock}; tests use {@link ManualClock} and advance it explicitly, so no
 * test sleeps. Times are epoch milliseconds.
 *
 * @see Flink's `ProcessingTimeService` / `TestProcessingTimeService`.
 */
export interface Clock {
  /** Current processing time, epoch ms. */
  now(): number;
  /** Calls `callback` once, `delayMs` (≥ 0) from now. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
}

/** A scheduled callback that can be cancelled; cancelling twice or after it fired does nothing. */
export interface TimerHandle {
  cancel(): void;
}

/** The wall clock (`Date.now`) and Node's timers. Timers are `unref`'d so they never keep a process alive. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const t = setTimeout(callback, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

/** The shared wall clock. */
export const systemClock: Clock = new SystemClock();

/**
 * A clock that moves only when told to: {@link advance} / {@link setTime} fire due callbacks in
 * timestamp order (ties in registration order), synchronously.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly pending: { at: number; seq: number; callback: () => void; cancelled: boolean }[] = [];

  /** @param startMs initial time, epoch ms (default 0). */
  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const entry = { at: this.time + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => { entry.cancelled = true; } };
  }

  /** Moves time forward by `ms` (≥ 0), firing every callback due on the way, in time order. */
  advance(ms: number): void {
    this.setTime(this.time + ms);
  }

  /**
   * Sets the time to `timeMs` (never backwards), firing due callbacks in time order; a callback
   * sees `now()` equal to its own due time.
   */
  setTime(timeMs: number): void {
    for (;;) {
      let next: (typeof this.pending)[number] | undefined;
      for (const e of this.pending) {
        if (!e.cancelled && e.at <= timeMs && (next === undefined || e.at < next.at || (e.at === next.at && e.seq < next.seq))) next = e;
      }
      if (next === undefined) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      if (next.at > this.time) this.time = next.at;
      next.callback();
    }
    if (timeMs > this.time) this.time = timeMs;
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i]!.cancelled) this.pending.splice(i, 1);
  }

  /** Number of callbacks still scheduled. */
  pendingCount(): number {
    return this.pending.filter((e) => !e.cancelled).length;
  }
}
