/**
 * Nexmark q9, Winning Bids (not in the original suite): every auction with the bid that won it —
 * its highest bid made while it was open, the earliest of equal highest bids.
 *
 * Weir job: {@link winningBids} — auctions and bids keyed by auction id, connected, a
 * `KeyedCoProcessFunction` with per-auction state and an event-time timer at the auction's
 * `expires`. Nexmark's SQL is an updating query (a ROW_NUMBER over a regular join: each better bid
 * retracts the previous row); the job emits each auction's final row once, when the auction
 * closes, which is the SQL result once the input is complete. Ties beyond price and time go to the
 * smaller bidder id (see winning-bids.ts).
 *
 * @see nexmark-flink/src/main/resources/queries/q9.sql
 */
import type { DataStream } from 'weir';
import type { NexmarkEvent } from '../../../connectors/nexmark/events.js';
import type { NexmarkQuery } from './nexmark-query.js';
import { winningBids, type WinningBid } from './winning-bids.js';

/** The nexmark SQL of q9 (rewritten). */
export const Q9_SQL = `-- Query 9: Winning Bids. Each auction with its highest bid during its lifetime; earliest wins a tie.
INSERT INTO nexmark_q9
SELECT id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra,
       auction, bidder, price, bid_dateTime, bid_extra
FROM (
  SELECT A.*, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
         ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) AS rownum
  FROM auction A, bid B
  WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
)
WHERE rownum <= 1;
-- Weir emits {auction, bid} (the two rows as generated) once per auction, when it closes;
-- equal price and time are further ordered by bidder ASC.`;

/**
 * q9: one {@link WinningBid} per auction of `events` that received a bid during its lifetime,
 * emitted when the watermark passes the auction's `expires` (its record timestamp).
 */
export function q9(events: DataStream<NexmarkEvent>): DataStream<WinningBid> {
  return winningBids(events);
}

/** q9 as a {@link NexmarkQuery}. */
export const Q9: NexmarkQuery<WinningBid> = { name: 'q9', title: 'Winning Bids', sql: Q9_SQL, processingTime: false, build: q9 };
