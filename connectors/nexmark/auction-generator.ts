/**
 * Auction events (nexmark's `AuctionGenerator.nextAuction`): id = the auction of this event id; a
 * seller who is, with probability 1 − 1/`hotSellersRatio`, the hot seller (the first person of the
 * last batch of 100) and otherwise a recent person; a category in `10 … 14`; a log-uniform initial
 * bid, a reserve of initial bid plus another price; an item name (< 20 characters) and a
 * description (< 100); `expires` after a random length averaging the time until
 * `numInFlightAuctions` more auctions have been created; `extra` padding to `avgAuctionByteSize`.
 *
 * Size accounting as nexmark's: 8 bytes for each of the six numbers plus the two strings.
 *
 * @see com.github.nexmark.flink.generator.model.AuctionGenerator
 */
import type { Auction } from './events.js';
import { lastBase0AuctionId, lastBase0PersonId, nextBase0PersonId, timestampFor, type GeneratorParams } from './generator-params.js';
import { FIRST_AUCTION_ID, FIRST_CATEGORY_ID, FIRST_PERSON_ID, NUM_CATEGORIES } from './nexmark-config.js';
import type { EventRandom } from './nexmark-random.js';
import { nextExtra, nextString } from './nexmark-strings.js';

/** nexmark's `AuctionGenerator.HOT_SELLER_RATIO`: hot sellers are the first person of each batch of this many. */
export const HOT_SELLER_RATIO = 100;

/** The auction of event id `id` with event time `timestamp` (epoch ms); `rng` is seeded for `id`. */
export function nextAuction(p: GeneratorParams, id: number, rng: EventRandom, timestamp: number): Auction {
  const auctionId = lastBase0AuctionId(p, id) + FIRST_AUCTION_ID;
  // P(hot seller) = 1 − 1/hotSellersRatio.
  const seller =
    (rng.nextInt(p.config.hotSellersRatio) > 0
      ? Math.floor(lastBase0PersonId(p, id) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
      : nextBase0PersonId(p, id, rng)) + FIRST_PERSON_ID;
  const category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
  const initialBid = rng.nextPrice();
  const expires = timestamp + nextAuctionLengthMs(p, id, rng, timestamp);
  const itemName = nextString(rng, 20);
  const description = nextString(rng, 100);
  const reserve = initialBid + rng.nextPrice();
  const currentSize = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
  const extra = nextExtra(rng, currentSize, p.config.avgAuctionByteSize);
  return { id: auctionId, itemName, description, initialBid, reserve, dateTime: timestamp, expires, seller, category, extra };
}

/**
 * The auction's length, ms: `1 + U[0, max(2·horizon, 1))` where horizon is the event time from now
 * until `numInFlightAuctions` more auctions exist (nexmark's `nextAuctionLengthMs`), so on average
 * about `numInFlightAuctions` auctions are open at any time.
 */
function nextAuctionLengthMs(p: GeneratorParams, id: number, rng: EventRandom, timestamp: number): number {
  const horizonMs = timestampFor(p, id + p.numEventsForAuctions) - timestamp;
  return 1 + rng.nextLong(Math.max(horizonMs * 2, 1));
}
