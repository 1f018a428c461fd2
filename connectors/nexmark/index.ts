/**
 * Nexmark: the online-auction benchmark's event generator as a Weir source. One stream of person,
 * auction and bid events in proportions 1 : 3 : 46, with nexmark's id relationships, hot
 * sellers / auctions / bidders, log-uniform prices, `extra` padding to average event sizes and
 * timestamps advancing at a configured event rate. Every event is a pure function of the
 * configuration and its event number, so the source splits over any parallelism and replays from
 * checkpoints exactly.
 *
 * - {@link NexmarkSource}: the parallel, replayable source (bounded with `maxEvents`, otherwise unbounded;
 *   optionally paced in real time with `ratePerSecond`).
 * - {@link generateEvent}: one event by number, pure.
 * - {@link nexmarkWatermarks}: the nexmark DDL's watermark (`dateTime - INTERVAL '4' SECOND`).
 * - {@link writeNexmarkNdjson}: the same events as NDJSON in the nexmark DDL's columns, for DuckDB.
 *
 * @see https://github.com/nexmark/nexmark (nexmark-flink: NexmarkConfiguration, generator/GeneratorConfig,
 *   generator/NexmarkGenerator, generator/model/*Generator, source/NexmarkSource)
 * @example
 * const bids = env
 *   .fromSource(new NexmarkSource({ maxEvents: 10_000_000 }), nexmarkWatermarks(), 'nexmark')
 *   .filter((e) => e.type === 2)
 *   .map((e) => e.bid!);
 */
export type { Auction, Bid, EventType, NexmarkEvent, Person } from './events.js';
export { eventTime } from './events.js';
export {
  AUCTION_ID_LEAD,
  DEFAULT_NEXMARK_CONFIG,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  NUM_CATEGORIES,
  PERSON_ID_LEAD,
  resolveNexmarkConfig,
  type NexmarkConfig,
} from './nexmark-config.js';
export { generateEvent, nexmarkEventTimestamp } from './generate-event.js';
export { NexmarkSource, type NexmarkSplit } from './nexmark-source.js';
export { nexmarkWatermarks, NEXMARK_OUT_OF_ORDERNESS_MS } from './nexmark-watermarks.js';
export { nexmarkNdjsonLine, writeNexmarkNdjson, type NexmarkNdjsonOptions, type NexmarkNdjsonSummary } from './nexmark-ndjson.js';
