/**
 * A rate-limited log: at most one line per `intervalMs` (default 1 000 ms) per reason key. Lines
 * suppressed in between are counted, and the next line that gets through says how many were
 * dropped since the previous one. Used for dead letters and undecodable frames, where a flood of
 * identical lines would drown the log (and the process) without telling more.
 */

/** Options of a {@link RateLimitedLog}. */
export interface RateLimitedLogOptions {
  /** Minimum time between two lines of one reason, ms (default 1 000). */
  intervalMs?: number;
  /** Reads the time, ms (default `Date.now`); tests inject a manual clock. */
  now?: () => number;
  /** Writes one line (default: `process.stderr.write`, with a newline). */
  write?: (line: string) => void;
}

interface ReasonState {
  last: number;
  suppressed: number;
}

/** One line per interval per reason, with a count of what was suppressed. */
export class RateLimitedLog {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly write: (line: string) => void;
  private readonly reasons = new Map<string, ReasonState>();

  constructor(options: RateLimitedLogOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Logs `message()` under `reason` unless a line of that reason was written less than
   * `intervalMs` ago; then only counts it. `message` is lazy so suppressed lines cost nothing.
   */
  log(reason: string, message: () => string): void {
    const now = this.now();
    const st = this.reasons.get(reason);
    if (st !== undefined && now - st.last < this.intervalMs) {
      st.suppressed++;
      return;
    }
    const suppressed = st?.suppressed ?? 0;
    const tail = suppressed > 0 ? ` (${suppressed} more dropped since the last line)` : '';
    if (st === undefined) this.reasons.set(reason, { last: now, suppressed: 0 });
    else {
      st.last = now;
      st.suppressed = 0;
    }
    try {
      this.write(`weir: ${message()}${tail}`);
    } catch {
      // Logging must never fail the caller (a closed stderr in a worker, say).
    }
  }
}
