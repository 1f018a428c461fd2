/**
 * One Nexmark event by event number (nexmark's `NexmarkGenerator.nextEvent`, without its state):
 * event number `n` has event id `eventIdFor(n)` (= `n` unless out-of-order groups are on); the
 * id's position in its epoch of `P + A + B` ids makes it a person, an auction or a bid; its event
 * time is `baseTime + ⌊id × 1000 / firstEventRate⌋` ms; its random fields come from a generator
 * seeded with (`seed`, id). Nothing else: the function is pure.
 *
 * @see com.github.nexmark.flink.generator.NexmarkGenerator
 */
import { nextAuction } from './auction-generator.js';
import { nextBid } from './bid-generator.js';
import type { NexmarkEvent } from './events.js';
import { eventIdFor, generatorParams, timestampFor, type GeneratorParams } from './generator-params.js';
import type { NexmarkConfig } from './nexmark-config.js';
import { nextPerson } from './person-generator.js';
import { EventRandom } from './nexmark-random.js';

/** Reseeded for every event; generation is synchronous, so it is never shared by two events at once. */
const rng = new EventRandom();

/**
 * The event with event number `eventNumber` (a non-negative safe integer) of the stream that
 * `config` describes; the same arguments always give an equal event. Event objects all have the
 * shape `{type, person, auction, bid}` (two of them `undefined`), so code reading them stays
 * monomorphic.
 *
 * `config` may be partial (defaults fill the rest; `maxEvents` and the emission options play no
 * part). Pass a config returned by {@link resolveNexmarkConfig} in loops: its derived parameters
 * are cached, a plain object is resolved and validated on every call.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `config` is invalid.
 * @throws RangeError when `eventNumber` is not a non-negative safe integer.
 * @see com.github.nexmark.flink.generator.NexmarkGenerator#nextEvent
 * @example
 * const config = resolveNexmarkConfig({ seed: 7 });
 * const first50 = Array.from({ length: 50 }, (_, n) => generateEvent(config, n)); // 1 person, 3 auctions, 46 bids
 */
export function generateEvent(config: Partial<NexmarkConfig>, eventNumber: number): NexmarkEvent {
  if (!Number.isSafeInteger(eventNumber) || eventNumber < 0) throw new RangeError(`nexmark: event number must be a non-negative safe integer, got ${eventNumber}`);
  return generate(generatorParams(config), eventNumber);
}

/**
 * The event time of event number `eventNumber`, epoch ms, without generating the event:
 * `baseTime + ⌊id × 1000 / firstEventRate⌋` for its event id (nexmark's `timestampForEvent`).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `config` is invalid.
 */
export function nexmarkEventTimestamp(config: Partial<NexmarkConfig>, eventNumber: number): number {
  const p = generatorParams(config);
  return timestampFor(p, eventIdFor(p, eventNumber));
}

/** {@link generateEvent} without argument checks, for the source's loop. */
export function generate(p: GeneratorParams, n: number): NexmarkEvent {
  const id = eventIdFor(p, n);
  const timestamp = timestampFor(p, id);
  rng.seed(p.seedA, p.seedB, id);
  const rem = id % p.totalProportion;
  if (rem >= p.personAuctionProportion) return { type: 2, person: undefined, auction: undefined, bid: nextBid(p, id, rng, timestamp) };
  if (rem >= p.personProportion) return { type: 1, person: undefined, auction: nextAuction(p, id, rng, timestamp), bid: undefined };
  return { type: 0, person: nextPerson(p, id, rng, timestamp), auction: undefined, bid: undefined };
}
