/**
 * Nexmark q5, Hot Items: which auctions got the most bids in the last 10 s, every 2 s — per
 * hopping window of 10 s sliding by 2 s, the auctions whose bid count is the window's maximum
 * (every auction at the maximum when several tie, as the SQL's `num >= maxn`).
 *
 * Weir job, in two keyed stages (the SQL's plan: a windowed count per auction, then the maximum
 * per window):
 * 1. `bid` view → `keyBy(auction)` → `window(SlidingEventTimeWindows.of(10 s, 2 s))` →
 *    `aggregate(count)` with a window function adding the window start: one {@link HotItem} per
 *    auction and window (incremental: one number of state per auction and window, no bid kept).
 * 2. `keyBy(windowStart)` → {@link HottestItemsFunction}, a `KeyedProcessFunction` keeping the
 *    window's maximum count and the items at it in `ValueState`, and emitting them from an
 *    event-time timer at the window's last millisecond. Stage 1 emits a window's counts before
 *    it forwards the watermark that closes the window, so by the time stage 2's watermark (the
 *    minimum over its inputs) reaches that millisecond, every count of the window has arrived.
 *
 * Output: the rows are stage 1's `HotItem` objects (no copy); records are timestamped with the
 * window's last millisecond (`end − 1`).
 *
 * @see nexmark-flink/src/main/resources/queries/q5.sql
 */
import {
  KeyedProcessFunction,
  SlidingEventTimeWindows,
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
import { bids, COUNT, TEN_SECONDS_MS, TWO_SECONDS_MS, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q5 (rewritten). */
export const Q5_SQL = `-- Query 5: Hot Items. Per 10 s window sliding by 2 s, the auctions with the most bids.
INSERT INTO nexmark_q5
SELECT AuctionBids.auction, AuctionBids.num
FROM (
  SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
  GROUP BY auction, window_start, window_end
) AS AuctionBids
JOIN (
  SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
  FROM (
    SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end
  ) AS CountBids
  GROUP BY CountBids.starttime, CountBids.endtime
) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime
   AND AuctionBids.endtime = MaxBids.endtime
   AND AuctionBids.num >= MaxBids.maxn;
-- Weir rows also carry the window start (starttime).`;

/** A q5 row: an auction's bid count in one window. */
export interface HotItem {
  readonly auction: number;
  /** Bids on the auction in the window. */
  readonly num: number;
  /** The window's start, epoch ms (the window is `[windowStart, windowStart + 10 s)`). */
  readonly windowStart: number;
}

/** The items of one window at its highest count so far. */
interface Hottest {
  num: number;
  items: HotItem[];
}

function countPerWindow(auction: number, ctx: ProcessWindowContext<TimeWindow>, counts: number[], out: Collector<HotItem>): void {
  out.collect({ auction, num: counts[0] ?? 0, windowStart: ctx.window().start });
}

/**
 * Stage 2 of q5, keyed by window start: keeps the window's highest count and the items at it,
 * emits them when the watermark reaches the window's last millisecond, then clears.
 */
export class HottestItemsFunction extends KeyedProcessFunction<number, HotItem, HotItem> {
  private hottest!: ValueState<Hottest>;

  constructor(private readonly windowSizeMs: number = TEN_SECONDS_MS) {
    super();
  }

  override open(): void {
    this.hottest = this.getRuntimeContext().getState(new ValueStateDescriptor<Hottest>('q5-hottest'));
  }

  override processElement(item: HotItem, ctx: KeyedProcessContext<number>, _out: Collector<HotItem>): void {
    const h = this.hottest.value();
    if (h === null) {
      this.hottest.update({ num: item.num, items: [item] });
      ctx.timerService().registerEventTimeTimer(item.windowStart + this.windowSizeMs - 1);
      return;
    }
    if (item.num < h.num) return;
    if (item.num > h.num) {
      h.num = item.num;
      h.items = [item];
    } else h.items.push(item);
    this.hottest.update(h);
  }

  override onTimer(_timestamp: number, _ctx: OnTimerContext<number>, out: Collector<HotItem>): void {
    const h = this.hottest.value();
    if (h === null) return;
    for (const item of h.items) out.collect(item);
    this.hottest.clear();
  }
}

/** q5: for every 10 s window sliding by 2 s, the {@link HotItem}s of the auctions with the most bids in it. */
export function q5(events: DataStream<NexmarkEvent>): DataStream<HotItem> {
  return bids(events)
    .keyBy((b) => b.auction)
    .window(SlidingEventTimeWindows.of(TEN_SECONDS_MS, TWO_SECONDS_MS))
    .aggregate(COUNT as AggregateFunction<Bid, number, number>, countPerWindow)
    .name('q5 bids per auction and window')
    .keyBy((item) => item.windowStart)
    .process(new HottestItemsFunction(TEN_SECONDS_MS))
    .name('q5 hottest per window');
}

/** q5 as a {@link NexmarkQuery}. */
export const Q5: NexmarkQuery<HotItem> = { name: 'q5', title: 'Hot Items', sql: Q5_SQL, processingTime: false, build: q5 };
