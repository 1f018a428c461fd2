/**
 * Nexmark q12, Processing Time Windows (not in the original suite): how many bids each bidder makes
 * per tumbling 10 s window of processing time.
 *
 * Weir job: `bid` view → `keyBy(bidder)` → `window(TumblingProcessingTimeWindows.of(10 s))` →
 * `aggregate(count)` with the window function of q11. Windows are aligned to the epoch of the
 * environment's clock (the wall clock unless `EnvironmentOptions.clock` says otherwise) and fire
 * when that clock passes their end.
 *
 * Not deterministic, by definition: which bids share a window depends on when they are processed.
 * And in Weir a processing-time window still open when a bounded input ends is not fired (end of
 * input sends the final watermark, which fires event-time timers only), so a bounded run emits
 * only the windows that closed while it ran. The DuckDB comparison therefore leaves q12 out
 * (see test/nexmark/duckdb-compare.test.ts).
 *
 * Output: `{bidder, bidCount, starttime, endtime}` (processing-time bounds, epoch ms), timestamped
 * with `endtime − 1`.
 *
 * @see nexmark-flink/src/main/resources/queries/q12.sql
 */
import { TumblingProcessingTimeWindows, type AggregateFunction, type DataStream } from 'weir';
import type { Bid, NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { bids, COUNT, TEN_SECONDS_MS, type NexmarkQuery } from './nexmark-query.js';
import { bidderCount, type BidderCount } from './q11.js';

/** The nexmark SQL of q12 (rewritten). */
export const Q12_SQL = `-- Query 12: Processing Time Windows. Bids per bidder per 10 s of processing time.
CREATE VIEW B AS SELECT *, PROCTIME() AS p_time FROM bid;
INSERT INTO nexmark_q12
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;`;

/** q12: a {@link BidderCount} per bidder and tumbling 10 s processing-time window that closed during the run. */
export function q12(events: DataStream<NexmarkEvent>): DataStream<BidderCount> {
  return bids(events)
    .keyBy((b) => b.bidder)
    .window(TumblingProcessingTimeWindows.of(TEN_SECONDS_MS))
    .aggregate(COUNT as AggregateFunction<Bid, number, number>, bidderCount)
    .name('q12 bids per processing-time window');
}

/** q12 as a {@link NexmarkQuery}. */
export const Q12: NexmarkQuery<BidderCount> = { name: 'q12', title: 'Processing Time Windows', sql: Q12_SQL, processingTime: true, build: q12 };
