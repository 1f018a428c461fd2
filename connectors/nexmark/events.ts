/**
 * Nexmark's event model (nexmark/nexmark `com.github.nexmark.flink.model`): an online auction
 * system with three event kinds in one stream — a new person, a new auction, a bid — each with an
 * event time. Field names are those of the nexmark DDL (`person`, `auction`, `bid` rows of the
 * `datagen` table), so the queries read as the nexmark SQL does. Times are epoch ms; prices are
 * whole cents as in the specification (long values in Java).
 *
 * @see https://github.com/nexmark/nexmark (nexmark-flink/src/main/java/com/github/nexmark/flink/model)
 */

/** A new person (a potential seller or bidder). */
export interface Person {
  /** Person id: 1000, 1001, … in creation order (nexmark's `FIRST_PERSON_ID` = 1000). */
  readonly id: number;
  /** "First Last" from nexmark's 11 first and 9 last names. */
  readonly name: string;
  /** A random `xxxxxx@xxxx.com` address (letters, possibly inner spaces, as nexmark's). */
  readonly emailAddress: string;
  /** Four space-separated groups of four digits. */
  readonly creditCard: string;
  /** One of nexmark's 10 US cities (drawn independently of `state`). */
  readonly city: string;
  /** One of nexmark's 6 US states: AZ, CA, ID, OR, WA, WY. */
  readonly state: string;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  /** Padding (letters a–z) so the person is `avgPersonByteSize` (200) bytes on average, nexmark's accounting. */
  readonly extra: string;
}

/** A new auction. */
export interface Auction {
  /** Auction id: 1000, 1001, … in creation order (nexmark's `FIRST_AUCTION_ID` = 1000). */
  readonly id: number;
  /** A random string of up to 19 characters (letters and inner spaces). */
  readonly itemName: string;
  /** A random string of up to 99 characters (letters and inner spaces). */
  readonly description: string;
  /** Starting price, cents: log-uniform in [100, 10^8]. */
  readonly initialBid: number;
  /** Reserve price, cents: `initialBid` plus another log-uniform price. */
  readonly reserve: number;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  /** When the auction closes, epoch ms (> `dateTime`). */
  readonly expires: number;
  /** Person id of the seller (a hot seller with probability 1 − 1/`hotSellersRatio`). */
  readonly seller: number;
  /** Category id, 10 … 14. */
  readonly category: number;
  /** Padding (letters a–z) so the auction is `avgAuctionByteSize` (500) bytes on average, nexmark's accounting. */
  readonly extra: string;
}

/** A bid on an auction. */
export interface Bid {
  /** Auction id bid on (the hot auction with probability 1 − 1/`hotAuctionRatio`). */
  readonly auction: number;
  /** Person id of the bidder (a hot bidder with probability 1 − 1/`hotBiddersRatio`). */
  readonly bidder: number;
  /** Bid price, cents: log-uniform in [100, 10^8]. */
  readonly price: number;
  /** `Google`, `Facebook`, `Baidu`, `Apple` (half the bids) or `channel-0` … `channel-9999`. */
  readonly channel: string;
  /** The channel's url, `https://www.nexmark.com/…/item.htm?query=1[&channel_id=…]`. */
  readonly url: string;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  /** Padding (letters a–z) so the bid is `avgBidByteSize` (100) bytes on average, nexmark's accounting (channel and url not counted). */
  readonly extra: string;
}

/** Nexmark's `event_type`: 0 person, 1 auction, 2 bid. */
export type EventType = 0 | 1 | 2;

/** One event of the stream: exactly one of `person`, `auction`, `bid` is set, per `type`. */
export type NexmarkEvent =
  | { readonly type: 0; readonly person: Person; readonly auction?: undefined; readonly bid?: undefined }
  | { readonly type: 1; readonly person?: undefined; readonly auction: Auction; readonly bid?: undefined }
  | { readonly type: 2; readonly person?: undefined; readonly auction?: undefined; readonly bid: Bid };

/** The event's time (epoch ms), as the nexmark DDL's computed `dateTime` column. */
export function eventTime(e: NexmarkEvent): number {
  return e.type === 2 ? e.bid.dateTime : e.type === 1 ? e.auction.dateTime : e.person.dateTime;
}
