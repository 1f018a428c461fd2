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
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  readonly extra: string;
}

/** A new auction. */
export interface Auction {
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  /** Event time, epoch ms. */
  readonly dateTime: number;
  /** When the auction closes, epoch ms. */
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid on an auction. */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  /** Event time, epoch ms. */
  readonly dateTime: number;
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
