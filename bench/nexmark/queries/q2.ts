/**
 * Nexmark q2, Selection: the auction and price of the bids on every 123rd auction (`auction mod
 * 123 = 0`; nexmark's replacement for the original query's five fixed auction ids, which would
 * select almost nothing).
 *
 * Weir job: one `flatMap` chained to the source that tests the event type and the auction id and
 * builds the two-column row only for the bids it keeps (1 in ~123).
 *
 * @see nexmark-flink/src/main/resources/queries/q2.sql
 */
import type { Collector, DataStream } from 'weir';
import type { NexmarkEvent } from '../../../connectors/nexmark/events.js';
import type { NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q2 (rewritten). */
export const Q2_SQL = `-- Query 2: Selection. Bids on every 123rd auction.
INSERT INTO nexmark_q2
SELECT auction, price
FROM bid
WHERE MOD(auction, 123) = 0;`;

/** A q2 row. */
export interface AuctionPrice {
  readonly auction: number;
  /** Cents. */
  readonly price: number;
}

/** The divisor of q2's selection. */
export const Q2_MODULUS = 123;

function select(e: NexmarkEvent, out: Collector<AuctionPrice>): void {
  if (e.type === 2 && e.bid.auction % Q2_MODULUS === 0) out.collect({ auction: e.bid.auction, price: e.bid.price });
}

/** q2: `{auction, price}` of each bid of `events` whose auction id is a multiple of 123, with its event timestamp. */
export function q2(events: DataStream<NexmarkEvent>): DataStream<AuctionPrice> {
  return events.flatMap(select).name('q2 select');
}

/** q2 as a {@link NexmarkQuery}. */
export const Q2: NexmarkQuery<AuctionPrice> = { name: 'q2', title: 'Selection', sql: Q2_SQL, processingTime: false, build: q2 };
