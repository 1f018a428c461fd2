/**
 * The stored form of a value with a time-to-live (Flink's `TtlValue` and `TtlUtils`): the user
 * value and the processing time (epoch ms) it was last written, or read with `OnReadAndWrite`.
 *
 * @see org.apache.flink.runtime.state.ttl.TtlValue, org.apache.flink.runtime.state.ttl.TtlUtils
 */
import type { Clock } from '../../time/clock.js';
import type { StateTtlConfig } from '../state-ttl-config.js';

/** A user value with its last-access timestamp (epoch ms). Plain data, so snapshots keep it as is. */
export interface TtlValue<T> {
  readonly userValue: T;
  readonly lastAccessTimestamp: number;
}

/**
 * Whether a value last accessed at `lastAccessTimestamp` has expired at `now` (all epoch ms):
 * `lastAccessTimestamp + ttl <= now`, as Flink's `TtlUtils.expired`.
 */
export function isExpired(lastAccessTimestamp: number, ttl: number, now: number): boolean {
  return lastAccessTimestamp + ttl <= now;
}

/** Wraps `userValue` with timestamp `now`. */
export function wrapWithTs<T>(userValue: T, now: number): TtlValue<T> {
  return { userValue, lastAccessTimestamp: now };
}

/** What a TTL state decorator needs: the config, the processing-time clock and the access hook. */
export class TtlContext {
  /** Time to live, ms. */
  readonly ttl: number;
  /** `OnReadAndWrite`: reads refresh the timestamp. */
  readonly updateOnRead: boolean;
  /** `ReturnExpiredIfNotCleanedUp`: an expired value not cleaned up yet is still returned (once). */
  readonly returnExpired: boolean;

  /**
   * @param config the state's TTL config.
   * @param clock processing time (epoch ms).
   * @param onAccess called at the start of every state access (heap incremental cleanup), or undefined.
   */
  constructor(
    readonly config: StateTtlConfig,
    readonly clock: Clock,
    readonly onAccess: (() => void) | undefined,
  ) {
    this.ttl = config.ttl;
    this.updateOnRead = config.updateType === 'OnReadAndWrite';
    this.returnExpired = config.stateVisibility === 'ReturnExpiredIfNotCleanedUp';
  }

  /** Current processing time, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /** Whether `v` has expired at `now`. */
  expired(v: TtlValue<unknown>, now: number): boolean {
    return v.lastAccessTimestamp + this.ttl <= now;
  }

  /** Runs the access hook, if any. */
  accessed(): void {
    if (this.onAccess !== undefined) this.onAccess();
  }
}
