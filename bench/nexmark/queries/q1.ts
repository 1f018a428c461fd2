/**
 * Nexmark q1, Currency Conversion: every bid with its price converted from dollars to euros
 * (`0.908 × price`).
 *
 * Numbers: nexmark's SQL multiplies the BIGINT price by the DECIMAL literal 0.908, an exact
 * DECIMAL(23, 3). The job computes `(price × 908) / 1000` in doubles: `price × 908` is an exact
 * integer while `price < 2^53 / 908` (≈ 9.9 × 10^12 cents), and the single division rounds once, so
 * `price` is the double nearest to the exact decimal, and `Math.round(price × 1000)` gives back its
 * exact thousandths. (Writing `0.908 * price` would round twice, 0.908 having no exact double.)
 *
 * Weir job: the `bid` view and one `map` building the converted row, all chained to the source.
 *
 * @see nexmark-flink/src/main/resources/queries/q1.sql
 */
import type { DataStream } from 'weir';
import type { Bid, NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { bids, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q1 (rewritten). */
export const Q1_SQL = `-- Query 1: Currency Conversion. Each bid's price from dollars to euros.
-- price is BIGINT; 0.908 * price is DECIMAL(23, 3), exact.
INSERT INTO nexmark_q1
SELECT auction, bidder, 0.908 * price AS price, dateTime, extra
FROM bid;`;

/** A q1 row: a bid with its price in euros. */
export interface EuroBid {
  readonly auction: number;
  readonly bidder: number;
  /** `0.908 × price` of the bid (cents of a euro; thousandths exact, see the module comment). */
  readonly price: number;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  readonly extra: string;
}

/** `0.908 × priceCents`, as the double nearest to the exact DECIMAL(23, 3) product. */
export function toEuro(priceCents: number): number {
  return (priceCents * 908) / 1000;
}

function convert(b: Bid): EuroBid {
  return { auction: b.auction, bidder: b.bidder, price: toEuro(b.price), dateTime: b.dateTime, extra: b.extra };
}

/** q1: every bid of `events` converted to euros ({@link EuroBid}), with its event timestamp. */
export function q1(events: DataStream<NexmarkEvent>): DataStream<EuroBid> {
  return bids(events).map(convert).name('q1 to euro');
}

/** q1 as a {@link NexmarkQuery}. */
export const Q1: NexmarkQuery<EuroBid> = { name: 'q1', title: 'Currency Conversion', sql: Q1_SQL, processingTime: false, build: q1 };
