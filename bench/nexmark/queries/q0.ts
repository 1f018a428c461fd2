/**
 * Nexmark q0, Pass Through: every bid, unchanged. Measures the cost of reading the stream and
 * splitting out one view, with no work per record.
 *
 * Weir job: one `flatMap` (the `bid` view) chained to the source; the result records are the
 * generator's `Bid` objects themselves.
 *
 * @see nexmark-flink/src/main/resources/queries/q0.sql
 */
import type { DataStream } from 'weir';
import type { Bid, NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { bids, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q0 (rewritten). */
export const Q0_SQL = `-- Query 0: Pass Through. Every bid, as read.
INSERT INTO nexmark_q0
SELECT auction, bidder, price, dateTime, extra
FROM bid;`;

/**
 * q0: the bids of `events` (timestamps kept), each record the event's own `Bid` (prices in cents,
 * `dateTime` epoch ms). Nexmark's q0 projects five of the seven bid columns; the job passes the
 * row object through instead of copying five fields, which is what a pass-through measures.
 */
export function q0(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return bids(events);
}

/** q0 as a {@link NexmarkQuery}. */
export const Q0: NexmarkQuery<Bid> = { name: 'q0', title: 'Pass Through', sql: Q0_SQL, processingTime: false, build: q0 };
