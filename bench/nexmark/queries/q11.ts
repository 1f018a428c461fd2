/**
 * Nexmark q11, User Sessions (not in the original suite): how many bids each bidder made in each
 * session of activity, a session ending after 10 s without a bid by that bidder.
 *
 * Weir job: `bid` view → `keyBy(bidder)` → `window(EventTimeSessionWindows.withGap(10 s))` →
 * `aggregate(count)` with a window function adding the session's bounds. Sessions merge as
 * Flink's: each bid opens `[dateTime, dateTime + 10 s)` and windows that overlap or touch merge, so
 * two consecutive bids of a bidder are in one session when they are at most 10 s apart; a session
 * ends 10 s after its last bid.
 *
 * Output: `{bidder, bidCount, starttime, endtime}`, timestamped with `endtime − 1`.
 *
 * @see nexmark-flink/src/main/resources/queries/q11.sql
 */
import { EventTimeSessionWindows, type AggregateFunction, type Collector, type DataStream, type ProcessWindowContext, type TimeWindow } from 'weir';
import type { Bid, NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { bids, COUNT, TEN_SECONDS_MS, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q11 (rewritten). */
export const Q11_SQL = `-- Query 11: User Sessions. Bids per bidder and session (sessions close after a 10 s gap).
INSERT INTO nexmark_q11
SELECT B.bidder, COUNT(*) AS bid_count,
       SESSION_START(B.dateTime, INTERVAL '10' SECOND) AS starttime,
       SESSION_END(B.dateTime, INTERVAL '10' SECOND) AS endtime
FROM bid B
GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND);`;

/** A q11 (and q12) row: the bids of one bidder in one window. */
export interface BidderCount {
  readonly bidder: number;
  readonly bidCount: number;
  /** Window start, epoch ms (q11: the session's first bid). */
  readonly starttime: number;
  /** Window end, epoch ms, exclusive (q11: the session's last bid + 10 s). */
  readonly endtime: number;
}

/** The window function of q11 and q12: the count with the bidder and the window's bounds. */
export function bidderCount(bidder: number, ctx: ProcessWindowContext<TimeWindow>, counts: number[], out: Collector<BidderCount>): void {
  const w = ctx.window();
  out.collect({ bidder, bidCount: counts[0] ?? 0, starttime: w.start, endtime: w.end });
}

/** q11: a {@link BidderCount} per bidder and session of `events`. */
export function q11(events: DataStream<NexmarkEvent>): DataStream<BidderCount> {
  return bids(events)
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap(TEN_SECONDS_MS))
    .aggregate(COUNT as AggregateFunction<Bid, number, number>, bidderCount)
    .name('q11 bids per session');
}

/** q11 as a {@link NexmarkQuery}. */
export const Q11: NexmarkQuery<BidderCount> = { name: 'q11', title: 'User Sessions', sql: Q11_SQL, processingTime: false, build: q11 };
