/**
 * Nexmark q4, Average Price for a Category: the average of the winning bid prices of the auctions
 * of each category, updated whenever an auction of the category closes with a winner.
 *
 * Weir job: {@link winningBids} (auctions and bids keyed by auction id, a `KeyedCoProcessFunction`
 * with an event-time timer at each auction's `expires`), then `keyBy(category)` and
 * {@link CategoryAverageFunction}, a `KeyedProcessFunction` keeping the running sum and count of
 * the category's winning prices in `ValueState` and emitting the new average on every winner.
 *
 * Numbers: nexmark's SQL takes `AVG` of a BIGINT, which Flink truncates to a BIGINT. The job emits
 * the exact mean as a double (`total / auctions`, one rounding) together with the integer `total`
 * (cents) and `auctions` count it comes from, so the truncated value is `Math.trunc(average)` and
 * results can be compared exactly. The final row of a category is the one with the largest
 * `auctions` count (counts grow by one per row).
 *
 * @see nexmark-flink/src/main/resources/queries/q4.sql
 */
import {
  KeyedProcessFunction,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ValueState,
} from 'weir';
import type { NexmarkEvent } from '../../../connectors/nexmark/events.js';
import type { NexmarkQuery } from './nexmark-query.js';
import { winningBids, type WinningBid } from './winning-bids.js';

/** The nexmark SQL of q4 (rewritten). */
export const Q4_SQL = `-- Query 4: Average Price for a Category. Mean winning bid price of the auctions of each category.
INSERT INTO nexmark_q4
SELECT Q.category, AVG(Q.final)
FROM (
  SELECT MAX(B.price) AS final, A.category
  FROM auction A, bid B
  WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
  GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
-- Weir emits {category, average, auctions, total} after every closed auction with a winner;
-- average is the exact mean (a double), where Flink's AVG of a BIGINT truncates.`;

/** A q4 row: a category's running average after one more closed auction. */
export interface CategoryAverage {
  readonly category: number;
  /** Mean winning price, cents (`total / auctions`). */
  readonly average: number;
  /** Closed auctions of the category with a winning bid so far. */
  readonly auctions: number;
  /** Sum of their winning prices, cents. */
  readonly total: number;
}

interface SumCount {
  total: number;
  auctions: number;
}

/** Running average of the winning prices per category (keyed by category); see the module comment. */
export class CategoryAverageFunction extends KeyedProcessFunction<number, WinningBid, CategoryAverage> {
  private sum!: ValueState<SumCount>;

  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<SumCount>('q4-sum-count'));
  }

  override processElement(winner: WinningBid, ctx: KeyedProcessContext<number>, out: Collector<CategoryAverage>): void {
    const s = this.sum.value() ?? { total: 0, auctions: 0 };
    s.total += winner.bid.price;
    s.auctions += 1;
    this.sum.update(s);
    out.collect({ category: ctx.getCurrentKey(), average: s.total / s.auctions, auctions: s.auctions, total: s.total });
  }
}

/** q4: a {@link CategoryAverage} per closed auction with a winner, for its category. */
export function q4(events: DataStream<NexmarkEvent>): DataStream<CategoryAverage> {
  return winningBids(events)
    .keyBy((w) => w.auction.category)
    .process(new CategoryAverageFunction())
    .name('q4 average per category');
}

/** q4 as a {@link NexmarkQuery}. */
export const Q4: NexmarkQuery<CategoryAverage> = { name: 'q4', title: 'Average Price for a Category', sql: Q4_SQL, processingTime: false, build: q4 };
