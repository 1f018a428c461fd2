/**
 * Bid events (nexmark's `BidGenerator.nextBid`): an auction that is, with probability
 * 1 − 1/`hotAuctionRatio`, the hot auction (the first of the last batch of 100) and otherwise one
 * of the auctions in flight; a bidder who is, with probability 1 − 1/`hotBiddersRatio`, the hot
 * bidder (the second person of the last batch of 100, so hot bidders and sellers differ) and
 * otherwise a recent person; a log-uniform price; a channel and url; `extra` padding to
 * `avgBidByteSize`.
 *
 * Channels: with probability 1/2 one of nexmark's four hot channels (Google, Facebook, Baidu,
 * Apple) with its url, else `channel-<k>` for k uniform in 0 … 9999 with the url of channel k. A url
 * is `https://www.nexmark.com/<a>/<b>/<c>/item.htm?query=1` with three random path segments of 3–4
 * characters (a–z, `_`), and for 9 channels in 10 a suffix `&channel_id=<|reverse of k's 32 bits|>`.
 * nexmark draws the urls from an unseeded `Random` per JVM; here they are fixed (drawn from a
 * constant seed), so every run and every subtask agrees on them.
 *
 * Size accounting as nexmark's: 8 bytes for each of the four numbers; channel and url are not
 * counted (they were added to nexmark after the sizes were set), so a bid is ~100 bytes plus them.
 *
 * @see com.github.nexmark.flink.generator.model.BidGenerator
 */
import type { Bid } from './events.js';
import { lastBase0AuctionId, lastBase0PersonId, nextBase0AuctionId, nextBase0PersonId, type GeneratorParams } from './generator-params.js';
import { FIRST_AUCTION_ID, FIRST_PERSON_ID } from './nexmark-config.js';
import { EventRandom } from './nexmark-random.js';
import { nextExtra, nextStringWith } from './nexmark-strings.js';

/** nexmark's `BidGenerator.HOT_AUCTION_RATIO`: hot auctions are the first of each batch of this many. */
export const HOT_AUCTION_RATIO = 100;
/** nexmark's `BidGenerator.HOT_BIDDER_RATIO`: hot bidders are the second person of each batch of this many. */
export const HOT_BIDDER_RATIO = 100;
/** nexmark's `BidGenerator.HOT_CHANNELS_RATIO`: P(hot channel) = 1 − 1/2. */
export const HOT_CHANNELS_RATIO = 2;
/** nexmark's `BidGenerator.CHANNELS_NUMBER`: non-hot channels are `channel-0 … channel-9999`. */
export const CHANNELS_NUMBER = 10_000;
/** nexmark's `BidGenerator.HOT_CHANNELS`. */
export const HOT_CHANNELS: readonly string[] = ['Google', 'Facebook', 'Baidu', 'Apple'];

interface ChannelTable {
  readonly hotUrls: readonly string[];
  readonly names: readonly string[];
  readonly urls: readonly string[];
}

let channels: ChannelTable | undefined;

/** The urls and names of all channels, built on first use from a constant seed. */
function channelTable(): ChannelTable {
  if (channels !== undefined) return channels;
  const rng = new EventRandom();
  rng.seed(0x0c4a, 0x77e1, 0);
  const hotUrls = HOT_CHANNELS.map(() => baseUrl(rng));
  const names: string[] = [];
  const urls: string[] = [];
  for (let k = 0; k < CHANNELS_NUMBER; k++) {
    names.push(`channel-${k}`);
    let url = baseUrl(rng);
    if (rng.nextInt(10) > 0) url += `&channel_id=${javaAbs(reverseBits32(k))}`;
    urls.push(url);
  }
  channels = { hotUrls, names, urls };
  return channels;
}

function baseUrl(rng: EventRandom): string {
  return `https://www.nexmark.com/${nextStringWith(rng, 5, '_')}/${nextStringWith(rng, 5, '_')}/${nextStringWith(rng, 5, '_')}/item.htm?query=1`;
}

/** Java's `Integer.reverse`: the 32 bits in reverse order, as a signed int. */
function reverseBits32(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r | 0;
}

/** Java's `Math.abs(int)`, which leaves −2³¹ negative. */
function javaAbs(x: number): number {
  return x === -2147483648 ? x : Math.abs(x);
}

/** The bid of event id `id` with event time `timestamp` (epoch ms); `rng` is seeded for `id`. */
export function nextBid(p: GeneratorParams, id: number, rng: EventRandom, timestamp: number): Bid {
  const c = p.config;
  // P(hot auction) = 1 − 1/hotAuctionRatio.
  const auction =
    (rng.nextInt(c.hotAuctionRatio) > 0
      ? Math.floor(lastBase0AuctionId(p, id) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
      : nextBase0AuctionId(p, id, rng)) + FIRST_AUCTION_ID;
  // P(hot bidder) = 1 − 1/hotBiddersRatio. nexmark adds FIRST_PERSON_ID twice here (bidders
  // 2000 ids off); Weir adds it once, so bidders are persons.
  const bidder =
    (rng.nextInt(c.hotBiddersRatio) > 0
      ? Math.floor(lastBase0PersonId(p, id) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
      : nextBase0PersonId(p, id, rng)) + FIRST_PERSON_ID;
  const price = rng.nextPrice();
  const table = channels ?? channelTable();
  let channel: string;
  let url: string;
  if (rng.nextInt(HOT_CHANNELS_RATIO) > 0) {
    const i = rng.nextInt(HOT_CHANNELS.length);
    channel = HOT_CHANNELS[i]!;
    url = table.hotUrls[i]!;
  } else {
    const k = rng.nextInt(CHANNELS_NUMBER);
    channel = table.names[k]!;
    url = table.urls[k]!;
  }
  const extra = nextExtra(rng, 8 + 8 + 8 + 8, c.avgBidByteSize);
  return { auction, bidder, price, channel, url, dateTime: timestamp, extra };
}
