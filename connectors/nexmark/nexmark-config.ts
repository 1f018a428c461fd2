/**
 * The configuration of the Nexmark generator: nexmark's `NexmarkConfiguration` (the options of the
 * `nexmark` table source) reduced to what shapes the event stream, plus Weir's source options
 * (seed, pacing, record timestamps). {@link resolveNexmarkConfig} fills defaults, validates and
 * freezes; the derived generator parameters (nexmark's `GeneratorConfig`) live in
 * `generator-params.ts`.
 *
 * Units: rates in events/s, times in epoch ms, sizes in bytes.
 *
 * @see com.github.nexmark.flink.NexmarkConfiguration, com.github.nexmark.flink.source.NexmarkSourceOptions
 */
import { ConfigurationError } from '../../lib/errors.js';
import type { Clock } from '../../lib/time/clock.js';

/**
 * Options of the Nexmark generator. Every field has a default ({@link DEFAULT_NEXMARK_CONFIG}); pass
 * a `Partial<NexmarkConfig>` to override some. Counts, ratios, proportions and sizes are integers.
 *
 * The event stream is a pure function of (`seed`, `baseTime`, `firstEventRate`, proportions, sizes,
 * hot ratios, `numActivePeople`, `numInFlightAuctions`, `outOfOrderGroupSize`) and the event number;
 * `maxEvents` only says where it stops. `ratePerSecond`, `emitTimestamps`, `eventsPerPoll` and
 * `clock` change how a {@link NexmarkSource} emits it, never what.
 */
export interface NexmarkConfig {
  /**
   * Number of events to generate, events `0 … maxEvents − 1` (nexmark's `events.num` /
   * `numEvents`). `0` (the default) = unbounded: the source never ends.
   */
  readonly maxEvents: number;
  /**
   * Event-time rate, events/s (nexmark's `first-event.rate` / `firstEventRate`): event `n` has
   * event time `baseTime + ⌊n × 1000 / firstEventRate⌋` ms, whichever subtask generates it. Default
   * 10,000,000, the rate of nexmark's benchmark workloads (`nexmark.workload.suite.*.tps`); the
   * nexmark source option's own default is 10,000. Only nexmark's constant rate shape is supported
   * (`next-event.rate` = `first-event.rate`; no SQUARE/SINE alternation). A positive integer.
   * This is simulated time: it says nothing about how fast events are emitted (see `ratePerSecond`).
   */
  readonly firstEventRate: number;
  /**
   * Seed of the pseudo-random choices (a safe integer, default 0). Each event's random values are
   * derived from (`seed`, event id) alone, so any event can be generated on its own; the same seed
   * gives the same events, another seed other names, prices, bidders … (ids, types and timestamps
   * do not depend on the seed).
   */
  readonly seed: number;
  /**
   * Event time of event 0, epoch ms (nexmark's `baseTime`, which defaults to the wall clock there).
   * Default 1,704,067,200,000 (2024-01-01T00:00:00Z) so that runs are reproducible.
   */
  readonly baseTime: number;
  /**
   * Real-time pacing, events/s across all subtasks (nexmark's `rate.limited`, for latency runs):
   * event `n` is emitted no earlier than `start + (n − n₀) × 1000 / ratePerSecond` ms of wall time,
   * where `start` is when the reader first polled and `n₀` its first event number. `undefined` (the
   * default) = unpaced, as fast as possible. A positive finite number.
   */
  readonly ratePerSecond: number | undefined;
  /**
   * Whether records carry their event time (epoch ms) as the record timestamp, so a watermark
   * strategy without a timestamp assigner works. Default `true`.
   */
  readonly emitTimestamps: boolean;
  /** Events emitted per `pollNext` call at most (default 1024). A positive integer. */
  readonly eventsPerPoll: number;
  /** Processing-time clock for pacing (default the system clock; tests pass a `ManualClock`). */
  readonly clock: Clock | undefined;
  /** Ratio of bids to 'hot' auctions compared to all other auctions (nexmark's `hotAuctionRatio`, default 2: P(hot) = 1 − 1/2). */
  readonly hotAuctionRatio: number;
  /** Ratio of auctions of 'hot' sellers compared to all other people (nexmark's `hotSellersRatio`, default 4: P(hot) = 1 − 1/4). */
  readonly hotSellersRatio: number;
  /** Ratio of bids by 'hot' bidders compared to all other people (nexmark's `hotBiddersRatio`, default 4: P(hot) = 1 − 1/4). */
  readonly hotBiddersRatio: number;
  /** Average idealized size of a person event, bytes (nexmark's `avgPersonByteSize`, default 200); `extra` pads to it. */
  readonly avgPersonByteSize: number;
  /** Average idealized size of an auction event, bytes (nexmark's `avgAuctionByteSize`, default 500); `extra` pads to it. */
  readonly avgAuctionByteSize: number;
  /** Average idealized size of a bid event, bytes (nexmark's `avgBidByteSize`, default 100); `extra` pads to it. */
  readonly avgBidByteSize: number;
  /** Persons per `personProportion + auctionProportion + bidProportion` events (default 1). */
  readonly personProportion: number;
  /** Auctions per `personProportion + auctionProportion + bidProportion` events (default 3). */
  readonly auctionProportion: number;
  /** Bids per `personProportion + auctionProportion + bidProportion` events (default 46). */
  readonly bidProportion: number;
  /** Most recent persons that non-hot sellers and bidders are drawn from (nexmark's `numActivePeople`, default 1000). */
  readonly numActivePeople: number;
  /** Most recent auctions that non-hot bids are drawn from, and the horizon of auction lengths (nexmark's `numInFlightAuctions`, default 100). */
  readonly numInFlightAuctions: number;
  /**
   * Events per out-of-order group (nexmark's `outOfOrderGroupSize`, default 1 = in order): within
   * each group of this many consecutive event numbers, events are emitted in a pseudo-random
   * permutation (event number `n` carries event id `⌊n/g⌋·g + (n·953 mod g)`, and that id's time).
   */
  readonly outOfOrderGroupSize: number;
}

/** nexmark's `GeneratorConfig.FIRST_PERSON_ID`: the id of the first person. */
export const FIRST_PERSON_ID = 1000;
/** nexmark's `GeneratorConfig.FIRST_AUCTION_ID`: the id of the first auction. */
export const FIRST_AUCTION_ID = 1000;
/** nexmark's `GeneratorConfig.FIRST_CATEGORY_ID`: categories are `10 … 10 + NUM_CATEGORIES − 1`. */
export const FIRST_CATEGORY_ID = 10;
/** nexmark's `AuctionGenerator.NUM_CATEGORIES`. */
export const NUM_CATEGORIES = 5;
/** nexmark's `PersonGenerator.PERSON_ID_LEAD`: a drawn person id may be up to this many ahead of the last person created. */
export const PERSON_ID_LEAD = 10;
/** nexmark's `AuctionGenerator.AUCTION_ID_LEAD`: a drawn auction id may be up to this many ahead of the last auction created. */
export const AUCTION_ID_LEAD = 10;

/** The defaults of every {@link NexmarkConfig} field (nexmark's, except where the field says otherwise). */
export const DEFAULT_NEXMARK_CONFIG: Readonly<NexmarkConfig> = Object.freeze({
  maxEvents: 0,
  firstEventRate: 10_000_000,
  seed: 0,
  baseTime: 1_704_067_200_000,
  ratePerSecond: undefined,
  emitTimestamps: true,
  eventsPerPoll: 1024,
  clock: undefined,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  outOfOrderGroupSize: 1,
});

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_NEXMARK_CONFIG));

/** Configs already resolved by {@link resolveNexmarkConfig} (frozen, complete, valid). */
const resolved = new WeakSet<object>();

/** Whether `config` is the (frozen) result of {@link resolveNexmarkConfig}. */
export function isResolvedNexmarkConfig(config: object): config is NexmarkConfig {
  return resolved.has(config);
}

/**
 * `partial` over {@link DEFAULT_NEXMARK_CONFIG}, validated and frozen. Fields set to `undefined`
 * take their default. Returns `partial` itself when it is already resolved.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on an unknown field or a value out of range
 *   (non-integer counts, ratios < 1, proportions < 0 or all 0, non-positive rates, …).
 */
export function resolveNexmarkConfig(partial: Partial<NexmarkConfig> = {}): NexmarkConfig {
  if (resolved.has(partial)) return partial as NexmarkConfig;
  if (typeof partial !== 'object' || partial === null) throw new ConfigurationError(`nexmark: config must be an object, got ${String(partial)}`);
  for (const key of Object.keys(partial)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigurationError(`nexmark: unknown config field '${key}'`);
  }
  const merged: Record<string, unknown> = { ...DEFAULT_NEXMARK_CONFIG };
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) merged[key] = value;
  const c = merged as unknown as NexmarkConfig;
  integer('maxEvents', c.maxEvents, 0);
  integer('firstEventRate', c.firstEventRate, 1);
  integer('seed', c.seed, Number.MIN_SAFE_INTEGER);
  integer('baseTime', c.baseTime, Number.MIN_SAFE_INTEGER);
  if (c.ratePerSecond !== undefined && (typeof c.ratePerSecond !== 'number' || !Number.isFinite(c.ratePerSecond) || c.ratePerSecond <= 0)) {
    throw new ConfigurationError(`nexmark: ratePerSecond must be a positive finite number of events/s or undefined, got ${String(c.ratePerSecond)}`);
  }
  if (typeof c.emitTimestamps !== 'boolean') throw new ConfigurationError(`nexmark: emitTimestamps must be a boolean, got ${String(c.emitTimestamps)}`);
  integer('eventsPerPoll', c.eventsPerPoll, 1);
  if (c.clock !== undefined && (typeof c.clock !== 'object' || typeof c.clock.now !== 'function' || typeof c.clock.setTimeout !== 'function')) {
    throw new ConfigurationError('nexmark: clock must be a Clock ({now, setTimeout}) or undefined');
  }
  for (const key of ['hotAuctionRatio', 'hotSellersRatio', 'hotBiddersRatio', 'numActivePeople', 'numInFlightAuctions', 'outOfOrderGroupSize'] as const) {
    integer(key, c[key], 1);
  }
  for (const key of ['avgPersonByteSize', 'avgAuctionByteSize', 'avgBidByteSize', 'personProportion', 'auctionProportion', 'bidProportion'] as const) {
    integer(key, c[key], 0);
  }
  if (c.personProportion + c.auctionProportion + c.bidProportion === 0) throw new ConfigurationError('nexmark: person, auction and bid proportions are all 0');
  // Bids and auctions refer to earlier persons and auctions; nexmark assumes at least one of each per epoch.
  if (c.bidProportion > 0 && (c.personProportion === 0 || c.auctionProportion === 0)) {
    throw new ConfigurationError('nexmark: bids need personProportion > 0 and auctionProportion > 0');
  }
  if (c.auctionProportion > 0 && c.personProportion === 0) throw new ConfigurationError('nexmark: auctions need personProportion > 0');
  // n·1000 and the event ids must stay exact doubles.
  if (c.maxEvents > Number.MAX_SAFE_INTEGER / 1000) throw new ConfigurationError(`nexmark: maxEvents ${c.maxEvents} is too large (at most ${Math.floor(Number.MAX_SAFE_INTEGER / 1000)})`);
  const out = Object.freeze(merged) as unknown as NexmarkConfig;
  resolved.add(out);
  return out;
}

function integer(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`nexmark: ${name} must be a safe integer >= ${min}, got ${String(value)}`);
  }
}
