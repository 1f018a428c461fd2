/**
 * Nexmark q7, Highest Bid: per tumbling 10 s window, the bids with the window's highest price (all
 * of them when several tie).
 *
 * Weir job, as a two-phase (local / global) aggregation so the work is spread over all subtasks
 * instead of one `windowAll` subtask:
 * 1. `bid` view → `keyBy(price mod 128)` → `window(TumblingEventTimeWindows.of(10 s))` →
 *    `aggregate` keeping the highest price of the partial key and the bids at it (usually one):
 *    one {@link PartialMax} per partial key and window. The partial key is the price's low bits,
 *    so a window holds at most 128 accumulators whatever the event rate (keying by auction would
 *    make one per auction), and equal prices meet in the same accumulator.
 * 2. `keyBy(windowEnd)` → {@link HighestBidFunction}, a `KeyedProcessFunction` merging the partial
 *    maxima of a window in `ValueState` and emitting the bids at the overall maximum from an
 *    event-time timer at the window's last millisecond (stage 1 emits a window's results before
 *    the watermark that closes it, so they have all arrived when the timer fires).
 *
 * Semantics: nexmark's SQL joins each bid with the window maxima on `price = maxprice AND
 * dateTime BETWEEN window_end − 10 s AND window_end`, both ends included, so a bid made exactly
 * at a window's end (which belongs to the next window) would also be compared with the previous
 * window's maximum. The job keeps the intended meaning — the bids of the window `[start, end)`
 * with its highest price — and the DuckDB test checks that meaning.
 *
 * Output: the bids themselves (the events' `Bid` rows), timestamped with the window's last
 * millisecond (`end − 1`).
 *
 * @see nexmark-flink/src/main/resources/queries/q7.sql
 */
import {
  KeyedProcessFunction,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  type AggregateFunction,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessWindowContext,
  type TimeWindow,
  type ValueState,
} from 'weir';
import type { Bid, NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { bids, TEN_SECONDS_MS, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q7 (rewritten). */
export const Q7_SQL = `-- Query 7: Highest Bid. Per tumbling 10 s window, the bids with the highest price.
INSERT INTO nexmark_q7
SELECT B.auction, B.bidder, B.price, B.dateTime, B.extra
FROM bid B
JOIN (
  SELECT MAX(price) AS maxprice, window_end AS dateTime
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) B1
ON B.price = B1.maxprice
WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;
-- Weir compares each bid with the maximum of its own window [window_end - 10 s, window_end) only
-- (see the module comment) and emits the Bid rows.`;

/** Number of partial keys of stage 1 (price mod this). */
export const Q7_PARTIAL_KEYS = 128;

/** The highest price among some bids of one window, and the bids at it. */
export interface PartialMax {
  /** The window's end, epoch ms (exclusive); set by stage 1's window function (0 in its accumulator). */
  windowEnd: number;
  /** Cents; `-Infinity` while empty. */
  price: number;
  bids: Bid[];
}

/** Stage 1's accumulator: the highest price and the bids at it. */
export const MAX_PRICE_BIDS: AggregateFunction<Bid, PartialMax, PartialMax> = {
  createAccumulator: () => ({ windowEnd: 0, price: -Infinity, bids: [] }),
  add: (bid, acc) => {
    if (bid.price > acc.price) {
      acc.price = bid.price;
      acc.bids = [bid];
    } else if (bid.price === acc.price) acc.bids.push(bid);
    return acc;
  },
  getResult: (acc) => acc,
  merge: (a, b) => mergeMax(a, b),
};

/** `a` with `b`'s bids merged in: the higher price wins; equal prices pool their bids. */
function mergeMax(a: PartialMax, b: PartialMax): PartialMax {
  if (b.price > a.price) return { windowEnd: a.windowEnd, price: b.price, bids: b.bids.slice() };
  if (b.price === a.price) for (const bid of b.bids) a.bids.push(bid);
  return a;
}

function withWindowEnd(_key: number, ctx: ProcessWindowContext<TimeWindow>, partials: PartialMax[], out: Collector<PartialMax>): void {
  const p = partials[0];
  if (p !== undefined) out.collect({ windowEnd: ctx.window().end, price: p.price, bids: p.bids });
}

/**
 * Stage 2 of q7, keyed by window end: merges the window's partial maxima and emits the bids at
 * the highest price when the watermark reaches the window's last millisecond.
 */
export class HighestBidFunction extends KeyedProcessFunction<number, PartialMax, Bid> {
  private max!: ValueState<PartialMax>;

  override open(): void {
    this.max = this.getRuntimeContext().getState(new ValueStateDescriptor<PartialMax>('q7-max'));
  }

  override processElement(partial: PartialMax, ctx: KeyedProcessContext<number>, _out: Collector<Bid>): void {
    const max = this.max.value();
    if (max === null) {
      this.max.update(partial);
      ctx.timerService().registerEventTimeTimer(partial.windowEnd - 1);
      return;
    }
    if (partial.price < max.price) return;
    this.max.update(mergeMax(max, partial));
  }

  override onTimer(_timestamp: number, _ctx: OnTimerContext<number>, out: Collector<Bid>): void {
    const max = this.max.value();
    if (max === null) return;
    for (const bid of max.bids) out.collect(bid);
    this.max.clear();
  }
}

/** q7: per tumbling 10 s window of `events`, the bids with the highest price in it. */
export function q7(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return bids(events)
    .keyBy((b) => b.price % Q7_PARTIAL_KEYS)
    .window(TumblingEventTimeWindows.of(TEN_SECONDS_MS))
    .aggregate(MAX_PRICE_BIDS, withWindowEnd)
    .name('q7 partial max per window')
    .keyBy((p) => p.windowEnd)
    .process(new HighestBidFunction())
    .name('q7 highest per window');
}

/** q7 as a {@link NexmarkQuery}. */
export const Q7: NexmarkQuery<Bid> = { name: 'q7', title: 'Highest Bid', sql: Q7_SQL, processingTime: false, build: q7 };
