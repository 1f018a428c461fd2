/**
 * Winning bids, shared by q4 and q9: per auction, the highest bid made during its lifetime
 * (`auction.dateTime ≤ bid.dateTime ≤ auction.expires`, both ends included as SQL's `BETWEEN`),
 * emitted once, when the auction closes in event time.
 *
 * Ties: the higher price wins; at equal prices the earlier bid (nexmark q9's `ORDER BY price DESC,
 * dateTime ASC`); at equal prices and times — which SQL leaves to chance — the smaller bidder id, so
 * the result does not depend on arrival order. Bids equal in price, time and bidder are
 * interchangeable for the comparison (the first to arrive is kept).
 *
 * Weir job: the `auction` and `bid` views, keyed by auction id, `connect`ed and run through
 * {@link WinningBidFunction}, a `KeyedCoProcessFunction` with an event-time timer per auction at
 * its `expires` (Beam's nexmark WinningBids does the same with a custom merging window per
 * auction, which buffers every bid; a keyed co-process keeps only the best bid so far). State per
 * auction id: the auction, the best bid so far, and bids that came before their auction (see
 * below); all of it is cleared when the auction closes.
 *
 * Bids before their auction: the generator draws auction ids up to `AUCTION_ID_LEAD` = 10 ahead of
 * the last auction created, and auctions and bids travel on different channels, so a bid may
 * arrive before its auction. Such a bid can only win if its auction's `dateTime` is ≤ its own, and
 * an auction that old cannot arrive once the watermark has passed the bid's time (it would be
 * late, and nexmark's generator emits nothing late for the 4 s bounded out-of-orderness). So a bid
 * whose auction is unknown waits in `ListState` with an event-time timer at its own `dateTime`, and
 * is dropped at that timer (or at once when the watermark is already past it). Bids for auctions
 * that already closed take this path too and are dropped the same way.
 *
 * Output times: a winning bid is emitted from the timer at `expires`, so its record timestamp is
 * the auction's `expires`. With a bounded source, the final watermark (+∞) closes every auction
 * still open at end of input.
 */
import {
  KeyedCoProcessFunction,
  ListStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ListState,
  type OnTimerContext,
  type ValueState,
} from 'weir';
import type { Auction, Bid, NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { auctions, bids } from './nexmark-query.js';

/** An auction and the bid that won it. The objects are the events' own rows. */
export interface WinningBid {
  readonly auction: Auction;
  readonly bid: Bid;
}

/** Whether `bid` was made during `auction`'s lifetime: `dateTime ≤ bid.dateTime ≤ expires`. */
export function inLifetime(auction: Auction, bid: Bid): boolean {
  return bid.dateTime >= auction.dateTime && bid.dateTime <= auction.expires;
}

/**
 * Whether `bid` beats `best`: a higher price; at equal prices an earlier `dateTime`; at equal
 * prices and times a smaller bidder id (see the module comment).
 */
export function beats(bid: Bid, best: Bid): boolean {
  if (bid.price !== best.price) return bid.price > best.price;
  if (bid.dateTime !== best.dateTime) return bid.dateTime < best.dateTime;
  return bid.bidder < best.bidder;
}

/**
 * The winning-bid join, keyed by auction id (input 1: auctions, input 2: bids by `bid.auction`);
 * emits one {@link WinningBid} per auction that received a bid in its lifetime, when the watermark
 * reaches the auction's `expires` (see the module comment for the state and timers).
 */
export class WinningBidFunction extends KeyedCoProcessFunction<number, Auction, Bid, WinningBid> {
  private auction!: ValueState<Auction>;
  private best!: ValueState<Bid>;
  private early!: ListState<Bid>;

  override open(): void {
    const ctx = this.getRuntimeContext();
    this.auction = ctx.getState(new ValueStateDescriptor<Auction>('winning-bids-auction'));
    this.best = ctx.getState(new ValueStateDescriptor<Bid>('winning-bids-best'));
    this.early = ctx.getListState(new ListStateDescriptor<Bid>('winning-bids-early'));
  }

  override processElement1(auction: Auction, ctx: KeyedProcessContext<number>, _out: Collector<WinningBid>): void {
    this.auction.update(auction);
    ctx.timerService().registerEventTimeTimer(auction.expires);
    const early = this.early.get();
    if (early.length === 0) return;
    let best: Bid | null = null;
    for (const bid of early) if (inLifetime(auction, bid) && (best === null || beats(bid, best))) best = bid;
    if (best !== null) this.best.update(best);
    this.early.clear();
  }

  override processElement2(bid: Bid, ctx: KeyedProcessContext<number>, _out: Collector<WinningBid>): void {
    const auction = this.auction.value();
    if (auction === null) {
      const timers = ctx.timerService();
      // An auction this bid could belong to (dateTime ≤ bid.dateTime) cannot arrive any more.
      if (bid.dateTime <= timers.currentWatermark()) return;
      this.early.add(bid);
      timers.registerEventTimeTimer(bid.dateTime);
      return;
    }
    if (!inLifetime(auction, bid)) return;
    const best = this.best.value();
    if (best === null || beats(bid, best)) this.best.update(bid);
  }

  override onTimer(timestamp: number, _ctx: OnTimerContext<number>, out: Collector<WinningBid>): void {
    const auction = this.auction.value();
    if (auction !== null) {
      // Otherwise the timer of a bid that came early: the auction's arrival already took it in.
      if (timestamp !== auction.expires) return;
      const best = this.best.value();
      if (best !== null) out.collect({ auction, bid: best });
      this.auction.clear();
      this.best.clear();
      return;
    }
    // No auction by now: early bids up to `timestamp` can no longer find theirs.
    const early = this.early.get();
    if (early.length === 0) return;
    const later = early.filter((b) => b.dateTime > timestamp);
    if (later.length === 0) this.early.clear();
    else this.early.update(later);
  }
}

/**
 * The winning bid of every auction of `events` (see the module comment), one {@link WinningBid}
 * per auction with at least one bid in its lifetime, timestamped with the auction's `expires`.
 */
export function winningBids(events: DataStream<NexmarkEvent>): DataStream<WinningBid> {
  return auctions(events)
    .keyBy((a) => a.id)
    .connect(bids(events).keyBy((b) => b.auction))
    .process(new WinningBidFunction())
    .name('winning bids');
}
