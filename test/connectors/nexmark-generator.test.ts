/**
 * The Nexmark generator (`generateEvent`) against nexmark's specification: determinism per seed,
 * the 1 : 3 : 46 epochs, id relationships (persons and auctions numbered from 1000 in creation
 * order, sellers / bidders / auctions drawn from what exists plus nexmark's leads), the hot ratios
 * in the distribution, prices and categories in range, auction expiry, `extra` padding to the
 * average sizes, event times on one timeline, out-of-order groups, config validation.
 *
 * Expectations are computed here from the specification (BigInt time arithmetic, counts over the
 * generated stream), not from the generator's helpers.
 */
import test from 'ava';
import {
  AUCTION_ID_LEAD,
  FIRST_AUCTION_ID,
  FIRST_PERSON_ID,
  generateEvent,
  nexmarkEventTimestamp,
  nexmarkNdjsonLine,
  PERSON_ID_LEAD,
  resolveNexmarkConfig,
  type NexmarkConfig,
  type NexmarkEvent,
} from '../../connectors/nexmark/index.js';
import { eventTime } from '../../connectors/nexmark/events.js';

function events(config: Partial<NexmarkConfig>, count: number, from = 0): NexmarkEvent[] {
  const c = resolveNexmarkConfig(config);
  return Array.from({ length: count }, (_, i) => generateEvent(c, from + i));
}

/** A walk over the stream that tracks the last person and auction created so far. */
interface Walk {
  readonly persons: number[];
  readonly auctions: number[];
  /** Per bid: its auction and bidder, and the last auction / person id created before it. */
  readonly bids: { auction: number; bidder: number; lastAuction: number; lastPerson: number }[];
  /** Per auction: its seller and the last person id created before it. */
  readonly sellers: { seller: number; lastPerson: number }[];
}

function walk(es: readonly NexmarkEvent[]): Walk {
  const w: Walk = { persons: [], auctions: [], bids: [], sellers: [] };
  let lastPerson = -1;
  let lastAuction = -1;
  for (const e of es) {
    if (e.type === 0) {
      w.persons.push(e.person.id);
      lastPerson = Math.max(lastPerson, e.person.id);
    } else if (e.type === 1) {
      w.auctions.push(e.auction.id);
      w.sellers.push({ seller: e.auction.seller, lastPerson });
      lastAuction = Math.max(lastAuction, e.auction.id);
    } else {
      w.bids.push({ auction: e.bid.auction, bidder: e.bid.bidder, lastAuction, lastPerson });
    }
  }
  return w;
}

const N = 100_000;
const stream = events({}, N);
const walked = walk(stream);

test('same seed, same events; another seed, other random fields but the same ids, types and times', (t) => {
  t.deepEqual(events({ seed: 42 }, 3000), events({ seed: 42 }, 3000));
  t.deepEqual(events({}, 500), stream.slice(0, 500), 'seed 0 is the default');
  const a = events({ seed: 1 }, 3000);
  const b = events({ seed: 2 }, 3000);
  t.deepEqual(
    a.map((e) => [e.type, eventTime(e), e.person?.id, e.auction?.id]),
    b.map((e) => [e.type, eventTime(e), e.person?.id, e.auction?.id]),
  );
  const samePrice = a.filter((e, i) => e.type === 2 && e.bid.price === b[i]!.bid!.price).length;
  t.true(samePrice < 30, `bid prices differ between seeds (${samePrice} of ~2760 equal)`);
  const sameExtra = a.filter((e, i) => JSON.stringify(e) === JSON.stringify(b[i])).length;
  t.is(sameExtra, 0, 'no event is identical across seeds');
  // Any event can be generated on its own: a late slice equals the same slice of a longer run.
  t.deepEqual(events({}, 100, 99_900), stream.slice(99_900));
});

test('every epoch of 50 events is 1 person, then 3 auctions, then 46 bids; other proportions likewise', (t) => {
  for (let epoch = 0; epoch < N / 50; epoch++) {
    const types = stream.slice(epoch * 50, epoch * 50 + 50).map((e) => e.type);
    const expected = [0, 1, 1, 1, ...Array<number>(46).fill(2)];
    if (types.join() !== expected.join()) return t.fail(`epoch ${epoch}: ${types.join()}`);
  }
  const custom = events({ personProportion: 2, auctionProportion: 5, bidProportion: 13 }, 2000);
  const counts = [0, 0, 0];
  for (const e of custom) counts[e.type]!++;
  t.deepEqual(counts, [200, 500, 1300]);
  t.deepEqual(custom.slice(20, 40).map((e) => e.type), [0, 0, 1, 1, 1, 1, 1, ...Array<number>(13).fill(2)]);
});

test('persons and auctions are numbered from 1000 in creation order', (t) => {
  t.deepEqual(walked.persons, Array.from({ length: N / 50 }, (_, i) => FIRST_PERSON_ID + i));
  t.deepEqual(walked.auctions, Array.from({ length: (N / 50) * 3 }, (_, i) => FIRST_AUCTION_ID + i));
});

test('sellers, bidders and bid auctions are created persons / auctions, or within nexmark\'s lead of the last one', (t) => {
  const persons = new Set(walked.persons);
  const auctions = new Set(walked.auctions);
  let ahead = 0;
  for (const s of walked.sellers) {
    t.true(s.seller >= FIRST_PERSON_ID && s.seller <= s.lastPerson + PERSON_ID_LEAD, `seller ${s.seller} after person ${s.lastPerson}`);
    // A drawn person is among the 1000 most recent ones.
    t.true(s.seller > s.lastPerson - 1000);
    if (s.seller > s.lastPerson) ahead++;
  }
  for (const b of walked.bids) {
    if (!(b.auction >= FIRST_AUCTION_ID && b.auction <= b.lastAuction + AUCTION_ID_LEAD && b.auction >= b.lastAuction - 100 - 100)) {
      return t.fail(`bid on auction ${b.auction} after auction ${b.lastAuction}`);
    }
    if (!(b.bidder >= FIRST_PERSON_ID && b.bidder <= b.lastPerson + PERSON_ID_LEAD && b.bidder > b.lastPerson - 1000)) {
      return t.fail(`bid by ${b.bidder} after person ${b.lastPerson}`);
    }
    if (b.auction > b.lastAuction || b.bidder > b.lastPerson) ahead++;
  }
  const lastPerson = walked.persons.at(-1)!;
  const lastAuction = walked.auctions.at(-1)!;
  const dangling = walked.bids.filter((b) => (!auctions.has(b.auction) && b.auction <= lastAuction) || (!persons.has(b.bidder) && b.bidder <= lastPerson));
  t.is(dangling.length, 0, 'every id up to the last created one exists');
  // Leads (references to the next few ids, created later) are rare, as in nexmark.
  t.true(ahead / (walked.bids.length + walked.sellers.length) < 0.06, `references ahead of creation: ${ahead}`);
});

/** The share of `xs` for which `hot` holds. */
const share = <T>(xs: readonly T[], hot: (x: T) => boolean): number => xs.filter(hot).length / xs.length;
const hotAuction = (b: { auction: number; lastAuction: number }): boolean => b.auction === Math.floor((b.lastAuction - FIRST_AUCTION_ID) / 100) * 100 + FIRST_AUCTION_ID;
const hotBidder = (b: { bidder: number; lastPerson: number }): boolean => b.bidder === Math.floor((b.lastPerson - FIRST_PERSON_ID) / 100) * 100 + FIRST_PERSON_ID + 1;
const hotSeller = (s: { seller: number; lastPerson: number }): boolean => s.seller === Math.floor((s.lastPerson - FIRST_PERSON_ID) / 100) * 100 + FIRST_PERSON_ID;

test('hot auctions, bidders and sellers: 1 − 1/ratio of the draws (plus chance hits), per configured ratio', (t) => {
  const a = share(walked.bids, hotAuction);
  const b = share(walked.bids, hotBidder);
  const s = share(walked.sellers, hotSeller);
  t.log(`hot auctions ${a.toFixed(3)} (ratio 2), hot bidders ${b.toFixed(3)} (ratio 4), hot sellers ${s.toFixed(3)} (ratio 4)`);
  t.true(a > 0.49 && a < 0.52, `hot auction share ${a}`);
  t.true(b > 0.74 && b < 0.765, `hot bidder share ${b}`);
  t.true(s > 0.73 && s < 0.78, `hot seller share ${s}`);
  const other = walk(events({ hotAuctionRatio: 10, hotBiddersRatio: 1, hotSellersRatio: 1 }, 50_000));
  const a10 = share(other.bids, hotAuction);
  t.true(a10 > 0.89 && a10 < 0.91, `hotAuctionRatio 10: ${a10}`);
  t.true(share(other.bids, hotBidder) < 0.01, 'hotBiddersRatio 1: no hot bidders');
  t.true(share(other.sellers, hotSeller) < 0.01, 'hotSellersRatio 1: no hot sellers');
});

test('prices are log-uniform in [100, 10^8] cents; reserve above the initial bid; categories 10–14', (t) => {
  const prices = stream.flatMap((e) => (e.type === 2 ? [e.bid.price] : e.type === 1 ? [e.auction.initialBid] : []));
  t.true(prices.every((p) => Number.isInteger(p) && p >= 100 && p <= 100_000_000));
  // log10(price / 100) is uniform on [0, 6]: each decade holds ~1/6.
  const decades = [0, 0, 0, 0, 0, 0];
  for (const p of prices) decades[Math.min(5, Math.floor(Math.log10(p / 100)))]!++;
  for (const d of decades) t.true(Math.abs(d / prices.length - 1 / 6) < 0.01, `decades ${decades.join()}`);
  const auctions = stream.flatMap((e) => (e.type === 1 ? [e.auction] : []));
  t.true(auctions.every((a) => a.reserve > a.initialBid));
  t.deepEqual([...new Set(auctions.map((a) => a.category))].sort(), [10, 11, 12, 13, 14]);
});

test('auctions expire after 1 + U[0, 2 × horizon) ms, horizon = time until 100 more auctions', (t) => {
  // At 10,000 events/s, 100 auctions take 1666 events = 166.6 ms.
  const es = events({ firstEventRate: 10_000 }, 20_000);
  const lengths = es.flatMap((e) => (e.type === 1 ? [e.auction.expires - e.auction.dateTime] : []));
  t.true(lengths.every((l) => l >= 1 && l <= 2 * 167));
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  t.true(Math.abs(mean - 167) < 8, `mean auction length ${mean} ms`);
  // At the default 10M events/s the horizon is 0 or 1 ms: nexmark's auctions then last 1 or 2 ms.
  t.true(stream.every((e) => e.type !== 1 || e.auction.expires === e.auction.dateTime + 1 || e.auction.expires === e.auction.dateTime + 2));
});

test('event n has time baseTime + ⌊n × 1000 / firstEventRate⌋ ms on every field', (t) => {
  for (const [rate, baseTime] of [[10_000_000, 1_704_067_200_000], [10_000, 0], [3, 1_000], [7_777, 5]] as const) {
    const c = resolveNexmarkConfig({ firstEventRate: rate, baseTime });
    for (const n of [0, 1, 2, 49, 50, 9_999, 10_000, 123_456, 3_333_333, 987_654_321, 2 ** 40 + 7]) {
      const expected = baseTime + Number((BigInt(n) * 1000n) / BigInt(rate));
      const e = generateEvent(c, n);
      t.is(eventTime(e), expected, `rate ${rate}, event ${n}`);
      t.is(nexmarkEventTimestamp(c, n), expected);
      t.is(JSON.parse(nexmarkNdjsonLine(e)).dateTime, expected);
    }
  }
  // Monotonic and dense at the default rate: 10,000 events per ms.
  t.is(eventTime(stream[9_999]!) - eventTime(stream[0]!), 0);
  t.is(eventTime(stream[10_000]!) - eventTime(stream[0]!), 1);
});

test('extra pads persons, auctions and bids to 200 / 500 / 100 bytes on average (nexmark\'s size accounting)', (t) => {
  // nexmark counts 8 bytes per number and the strings' lengths (bids: not channel and url).
  const size = (e: NexmarkEvent): number => {
    if (e.type === 0) {
      const p = e.person;
      return 8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length + p.extra.length;
    }
    if (e.type === 1) return 8 + e.auction.itemName.length + e.auction.description.length + 40 + e.auction.extra.length;
    return 32 + e.bid.extra.length;
  };
  const sums = [0, 0, 0];
  const lines = [0, 0, 0];
  const counts = [0, 0, 0];
  for (const e of stream) {
    sums[e.type]! += size(e);
    lines[e.type]! += nexmarkNdjsonLine(e).length + 1;
    counts[e.type]!++;
  }
  const avg = sums.map((s, i) => s / counts[i]!);
  const ndjson = lines.map((s, i) => s / counts[i]!);
  t.log(`nexmark sizes ${avg.map((a) => a.toFixed(1)).join(' / ')} bytes; NDJSON lines ${ndjson.map((a) => a.toFixed(1)).join(' / ')} bytes`);
  [200, 500, 100].forEach((target, i) => t.true(Math.abs(avg[i]! - target) < target * 0.01, `type ${i}: ${avg[i]}`));
  // NDJSON adds the column names, nulls and numbers as text (and bids their channel and url).
  [200, 500, 100].forEach((target, i) => t.true(ndjson[i]! > target && ndjson[i]! < target + 350, `type ${i} line: ${ndjson[i]}`));
  // extra varies within ±20 % of what is missing, as nexmark's nextExtra.
  const bidExtras = stream.flatMap((e) => (e.type === 2 ? [e.bid.extra.length] : []));
  t.is(Math.min(...bidExtras), 68 - 14);
  t.is(Math.max(...bidExtras), 68 + 13);
  t.true(stream.every((e) => /^[a-z]*$/.test(e.type === 2 ? e.bid.extra : e.type === 1 ? e.auction.extra : e.person.extra)));
});

test('strings follow nexmark\'s lists and shapes', (t) => {
  const persons = stream.flatMap((e) => (e.type === 0 ? [e.person] : []));
  const bids = stream.flatMap((e) => (e.type === 2 ? [e.bid] : []));
  t.deepEqual([...new Set(persons.map((p) => p.state))].sort(), ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']);
  t.is(new Set(persons.map((p) => p.city)).size, 10);
  t.is(new Set(persons.map((p) => p.name)).size, 99);
  t.true(persons.every((p) => /^\d{4} \d{4} \d{4} \d{4}$/.test(p.creditCard)));
  // nextString(7) "@" nextString(5) ".com", each part trimmed as nexmark's.
  t.true(persons.every((p) => /^[a-z]([a-z ]{0,4}[a-z])?@[a-z]([a-z ]{0,2}[a-z])?\.com$/.test(p.emailAddress)));
  const hot = bids.filter((b) => ['Google', 'Facebook', 'Baidu', 'Apple'].includes(b.channel));
  t.true(Math.abs(hot.length / bids.length - 0.5) < 0.01, 'half the bids on the four hot channels');
  t.true(bids.every((b) => /^(Google|Facebook|Baidu|Apple|channel-\d{1,4})$/.test(b.channel)));
  t.true(bids.every((b) => /^https:\/\/www\.nexmark\.com\/[a-z_]{3,4}\/[a-z_]{3,4}\/[a-z_]{3,4}\/item\.htm\?query=1(&channel_id=\d+)?$/.test(b.url)));
  // One url per channel, the same everywhere.
  const urls = new Map<string, Set<string>>();
  for (const b of bids) urls.set(b.channel, (urls.get(b.channel) ?? new Set()).add(b.url));
  t.true([...urls.values()].every((u) => u.size === 1));
  const withId = [...urls.entries()].filter(([c, u]) => c.startsWith('channel-') && [...u][0]!.includes('&channel_id=')).length;
  const channelsSeen = [...urls.keys()].filter((c) => c.startsWith('channel-')).length;
  t.true(Math.abs(withId / channelsSeen - 0.9) < 0.03, `9 in 10 channel urls carry a channel_id (${withId}/${channelsSeen})`);
});

test('out-of-order groups permute the events of each group (ids and times), nothing else', (t) => {
  const g = 1000;
  const ordered = events({}, 5 * g);
  const shuffled = events({ outOfOrderGroupSize: g }, 5 * g);
  const key = (e: NexmarkEvent): string => nexmarkNdjsonLine(e);
  for (let k = 0; k < 5; k++) {
    t.deepEqual(shuffled.slice(k * g, (k + 1) * g).map(key).sort(), ordered.slice(k * g, (k + 1) * g).map(key).sort(), `group ${k}`);
  }
  t.notDeepEqual(shuffled.map(key), ordered.map(key));
  // Event n carries event id ⌊n/g⌋·g + (n·953 mod g): event 1 is the event with id 953.
  t.deepEqual(shuffled[1], ordered[953]);
});

test('invalid configs are ConfigurationErrors; generateEvent checks the event number', (t) => {
  for (const bad of [
    { maxEvents: -1 },
    { firstEventRate: 0 },
    { firstEventRate: 1.5 },
    { hotAuctionRatio: 0 },
    { personProportion: 0 },
    { personProportion: 0, auctionProportion: 0, bidProportion: 0 },
    { ratePerSecond: 0 },
    { ratePerSecond: Infinity },
    { eventsPerPoll: 0 },
    { seed: 0.5 },
    { nope: 1 } as unknown as Partial<NexmarkConfig>,
  ]) {
    t.throws(() => resolveNexmarkConfig(bad), { code: 'WEIR_ERR_CONFIG' }, JSON.stringify(bad));
  }
  t.throws(() => generateEvent({}, -1), { instanceOf: RangeError });
  t.throws(() => generateEvent({}, 1.5), { instanceOf: RangeError });
  const c = resolveNexmarkConfig({ seed: 3 });
  t.true(Object.isFrozen(c));
  t.is(resolveNexmarkConfig(c), c);
  t.deepEqual(generateEvent({ seed: 3 }, 77), generateEvent(c, 77), 'a plain partial config gives the same events as its resolved form');
});
