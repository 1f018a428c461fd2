/**
 * The Nexmark queries as Weir jobs: q0 – q5, q7 – q9, q11, q12 (q6, q10 and q13 – q22 are not
 * implemented; see each module for the operators and semantics). Each `Qn` is a
 * {@link NexmarkQuery}: a name, nexmark's title, the SQL it implements and `build(events)`.
 *
 * @example
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * const events = env.fromSource(new NexmarkSource({ maxEvents: 1_000_000 }), nexmarkWatermarks(), 'nexmark');
 * const hot = await Q5.build(events).executeAndCollect();
 */
import type { NexmarkQuery } from './nexmark-query.js';
import { Q0 } from './q0.js';
import { Q1 } from './q1.js';
import { Q2 } from './q2.js';
import { Q3 } from './q3.js';
import { Q4 } from './q4.js';
import { Q5 } from './q5.js';
import { Q7 } from './q7.js';
import { Q8 } from './q8.js';
import { Q9 } from './q9.js';
import { Q11 } from './q11.js';
import { Q12 } from './q12.js';

export { auctions, bids, COUNT, persons, TEN_SECONDS_MS, TWO_SECONDS_MS, tumbleStart, type NexmarkQuery } from './nexmark-query.js';
export { beats, inLifetime, winningBids, WinningBidFunction, type WinningBid } from './winning-bids.js';
export { Q0, Q0_SQL, q0 } from './q0.js';
export { Q1, Q1_SQL, q1, toEuro, type EuroBid } from './q1.js';
export { Q2, Q2_MODULUS, Q2_SQL, q2, type AuctionPrice } from './q2.js';
export { LocalItemJoin, Q3, Q3_CATEGORY, Q3_SQL, q3, type LocalItem } from './q3.js';
export { CategoryAverageFunction, Q4, Q4_SQL, q4, type CategoryAverage } from './q4.js';
export { HottestItemsFunction, Q5, Q5_SQL, q5, type HotItem } from './q5.js';
export { HighestBidFunction, MAX_PRICE_BIDS, Q7, Q7_PARTIAL_KEYS, Q7_SQL, q7, type PartialMax } from './q7.js';
export { Q8, Q8_SQL, q8, type NewUser } from './q8.js';
export { Q9, Q9_SQL, q9 } from './q9.js';
export { bidderCount, Q11, Q11_SQL, q11, type BidderCount } from './q11.js';
export { Q12, Q12_SQL, q12 } from './q12.js';

/** Every implemented query, in nexmark's order, by name (`q0` … `q12`). */
export const NEXMARK_QUERIES: ReadonlyMap<string, NexmarkQuery<unknown>> = new Map(
  ([Q0, Q1, Q2, Q3, Q4, Q5, Q7, Q8, Q9, Q11, Q12] as NexmarkQuery<unknown>[]).map((q) => [q.name, q]),
);
