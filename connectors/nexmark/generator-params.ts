/**
 * What the Nexmark generator derives from a {@link NexmarkConfig} (nexmark's `GeneratorConfig`),
 * and its id arithmetic: the event id of an event number (out-of-order groups), the event time of
 * an event id, the last person / auction id at an event (`lastBase0PersonId`,
 * `lastBase0AuctionId`) and the draw of a recent person / in-flight auction (`nextBase0PersonId`,
 * `nextBase0AuctionId`).
 *
 * Events come in epochs of `P + A + B` ids (the three proportions): in each epoch the first `P`
 * ids are persons, the next `A` auctions, the rest bids. So person `k` (base 0) is event id
 * `⌊k/P⌋·(P+A+B) + k mod P`, and ids are computed, never counted: any event can be generated alone.
 *
 * Unlike nexmark, which gives each parallel generator its own timeline (`numEventGenerators`,
 * `GeneratorConfig.split`), Weir has one timeline for all subtasks: the event time is a function of
 * the event id only (see `NexmarkConfig.firstEventRate`).
 *
 * @see com.github.nexmark.flink.generator.GeneratorConfig, model.PersonGenerator, model.AuctionGenerator
 */
import { AUCTION_ID_LEAD, PERSON_ID_LEAD, resolveNexmarkConfig, type NexmarkConfig } from './nexmark-config.js';
import type { EventRandom } from './nexmark-random.js';
import { seedWords } from './nexmark-random.js';

/** The resolved configuration plus everything derived from it once. */
export interface GeneratorParams {
  readonly config: NexmarkConfig;
  /** `personProportion + auctionProportion + bidProportion`. */
  readonly totalProportion: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  /** `personProportion + auctionProportion`: ids of an epoch below it are persons or auctions. */
  readonly personAuctionProportion: number;
  readonly baseTime: number;
  /** Events/s of event time. */
  readonly rate: number;
  readonly seedA: number;
  readonly seedB: number;
  readonly outOfOrderGroupSize: number;
  /** Events until `numInFlightAuctions` more auctions exist (nexmark's `numEventsForAuctions`). */
  readonly numEventsForAuctions: number;
}

const cache = new WeakMap<object, GeneratorParams>();

/**
 * The parameters of `config`: cached per object when `config` is a resolved (frozen) config,
 * otherwise resolved on every call.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `config` is invalid.
 */
export function generatorParams(config: Partial<NexmarkConfig>): GeneratorParams {
  const hit = cache.get(config);
  if (hit !== undefined) return hit;
  const c = resolveNexmarkConfig(config);
  const cached = cache.get(c);
  if (cached !== undefined) return cached;
  const [seedA, seedB] = seedWords(c.seed);
  const total = c.personProportion + c.auctionProportion + c.bidProportion;
  const params: GeneratorParams = {
    config: c,
    totalProportion: total,
    personProportion: c.personProportion,
    auctionProportion: c.auctionProportion,
    personAuctionProportion: c.personProportion + c.auctionProportion,
    baseTime: c.baseTime,
    rate: c.firstEventRate,
    seedA,
    seedB,
    outOfOrderGroupSize: c.outOfOrderGroupSize,
    numEventsForAuctions: c.auctionProportion === 0 ? 0 : Math.floor((c.numInFlightAuctions * total) / c.auctionProportion),
  };
  // `c` is frozen, so caching on it is safe; a caller's mutable partial is never cached.
  cache.set(c, params);
  return params;
}

/**
 * The event id of event number `n` (nexmark's `nextAdjustedEventNumber`): `n` itself when
 * `outOfOrderGroupSize` g is 1, else `⌊n/g⌋·g + (n·953 mod g)`, a permutation within each group.
 */
export function eventIdFor(p: GeneratorParams, n: number): number {
  const g = p.outOfOrderGroupSize;
  if (g === 1) return n;
  const offset = n % g;
  return n - offset + ((offset * 953) % g);
}

/**
 * The event time of event id `id`, epoch ms: `baseTime + ⌊id × 1000 / rate⌋`, exactly (nexmark's
 * `timestampForEvent`, `baseTime + ⌊id × interEventDelayUs⌋ / 1000` with `interEventDelayUs =
 * 10⁶ / rate`, without its floating-point rounding).
 */
export function timestampFor(p: GeneratorParams, id: number): number {
  const x = id * 1000;
  const rate = p.rate;
  let q = Math.floor(x / rate);
  // Correct the rounded quotient to the exact floor (x and q·rate are exact integers).
  const r = x - q * rate;
  if (r < 0) q--;
  else if (r >= rate) q++;
  return p.baseTime + q;
}

/** The last person id (base 0) created at or before event id `id` (nexmark's `lastBase0PersonId`). */
export function lastBase0PersonId(p: GeneratorParams, id: number): number {
  const epoch = Math.floor(id / p.totalProportion);
  let offset = id - epoch * p.totalProportion;
  if (offset >= p.personProportion) offset = p.personProportion - 1;
  return epoch * p.personProportion + offset;
}

/**
 * The last auction id (base 0) created at or before event id `id` (nexmark's `lastBase0AuctionId`);
 * −1 before the first auction.
 */
export function lastBase0AuctionId(p: GeneratorParams, id: number): number {
  let epoch = Math.floor(id / p.totalProportion);
  let offset = id - epoch * p.totalProportion;
  if (offset < p.personProportion) {
    // A person: the last auction is in the previous epoch.
    epoch--;
    offset = p.auctionProportion - 1;
  } else if (offset >= p.personAuctionProportion) {
    // A bid: the last auction of this epoch.
    offset = p.auctionProportion - 1;
  } else {
    offset -= p.personProportion;
  }
  return epoch * p.auctionProportion + offset;
}

/**
 * A random person id (base 0) among the `numActivePeople` most recent ones plus
 * {@link PERSON_ID_LEAD} not created yet (nexmark's `nextBase0PersonId`: leads make a person
 * appear after its first auction or bid, as events can be swapped in time).
 */
export function nextBase0PersonId(p: GeneratorParams, id: number, rng: EventRandom): number {
  const numPeople = lastBase0PersonId(p, id) + 1;
  const active = Math.min(numPeople, p.config.numActivePeople);
  return numPeople - active + rng.nextLong(active + PERSON_ID_LEAD);
}

/**
 * A random auction id (base 0) among the `numInFlightAuctions` before the last one, the last one
 * and {@link AUCTION_ID_LEAD} not created yet (nexmark's `nextBase0AuctionId`).
 */
export function nextBase0AuctionId(p: GeneratorParams, id: number, rng: EventRandom): number {
  const maxAuction = lastBase0AuctionId(p, id);
  const minAuction = Math.max(maxAuction - p.config.numInFlightAuctions, 0);
  return minAuction + rng.nextLong(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}
