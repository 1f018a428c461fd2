/**
 * What every Nexmark query module exports, and the three views of the event stream the queries
 * read (nexmark's `person`, `auction` and `bid` views over the `datagen` table).
 *
 * A query is a function from the event stream — a `DataStream<NexmarkEvent>` that already carries
 * event timestamps and watermarks (`env.fromSource(new NexmarkSource(…), nexmarkWatermarks(), …)`)
 * — to its result stream; building it adds operators to the graph and runs nothing. Times are
 * epoch ms, prices whole cents as in the event model.
 *
 * @see https://github.com/nexmark/nexmark (nexmark-flink/src/main/resources/queries)
 */
import type { AggregateFunction, Collector, DataStream } from 'weir';
import type { Auction, Bid, NexmarkEvent, Person } from '../../../connectors/nexmark/events.js';

/**
 * One Nexmark query as a Weir job: `build(events)` adds the query's operators after `events` and
 * returns the result stream. `sql` is the nexmark Flink SQL the job implements (rewritten here, with
 * the same meaning; comments in it name where Weir's result differs in form).
 */
export interface NexmarkQuery<R> {
  /** `q0` … `q12`, as nexmark names its queries. */
  readonly name: string;
  /** Nexmark's title of the query, e.g. `Hot Items`. */
  readonly title: string;
  /** The nexmark SQL the job implements. */
  readonly sql: string;
  /**
   * Whether the result depends on processing time (q12): such a query is not deterministic and
   * its bounded runs are not comparable with a SQL engine.
   */
  readonly processingTime: boolean;
  /** Adds the query's operators after `events` (timestamps and watermarks assigned) and returns its result. */
  readonly build: (events: DataStream<NexmarkEvent>) => DataStream<R>;
}

/** The 10 s windows of q5 (size), q7, q8, the 10 s gap of q11 and the 10 s processing-time windows of q12, ms. */
export const TEN_SECONDS_MS = 10_000;
/** The slide of q5's hopping windows, ms. */
export const TWO_SECONDS_MS = 2_000;

// The three views: one flatMap each, chained to the source, emitting the event's own row object
// (no copy, no allocation; records keep the event's timestamp).

function collectPerson(e: NexmarkEvent, out: Collector<Person>): void {
  if (e.type === 0) out.collect(e.person);
}

function collectAuction(e: NexmarkEvent, out: Collector<Auction>): void {
  if (e.type === 1) out.collect(e.auction);
}

function collectBid(e: NexmarkEvent, out: Collector<Bid>): void {
  if (e.type === 2) out.collect(e.bid);
}

/** The `person` view (`event_type = 0`): the person rows of `events`, with their event timestamps. */
export function persons(events: DataStream<NexmarkEvent>): DataStream<Person> {
  return events.flatMap(collectPerson).name('person');
}

/** The `auction` view (`event_type = 1`): the auction rows of `events`, with their event timestamps. */
export function auctions(events: DataStream<NexmarkEvent>): DataStream<Auction> {
  return events.flatMap(collectAuction).name('auction');
}

/** The `bid` view (`event_type = 2`): the bid rows of `events`, with their event timestamps. */
export function bids(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return events.flatMap(collectBid).name('bid');
}

/**
 * The start of the tumbling window of `sizeMs` that holds `timestamp` (epoch ms, ≥ 0), windows
 * aligned to the epoch as Flink's `TumblingEventTimeWindows.of(size)` and nexmark's `TUMBLE`:
 * `timestamp − timestamp mod sizeMs`.
 */
export function tumbleStart(timestamp: number, sizeMs: number): number {
  return timestamp - (timestamp % sizeMs);
}

/**
 * `COUNT(*)` as an incremental window aggregate: the accumulator is the count itself (a number:
 * nothing allocated per element).
 */
export const COUNT: AggregateFunction<unknown, number, number> = {
  createAccumulator: () => 0,
  add: (_value, count) => count + 1,
  getResult: (count) => count,
  merge: (a, b) => a + b,
};
