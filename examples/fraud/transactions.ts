/**
 * The generated credit-card transactions of the fraud-detection example (the part Flink's
 * walkthrough takes from `flink-walkthrough-common`: `Transaction`, `TransactionSource`).
 *
 * Transaction `id` (1, 2, 3, …) is a pure function of `(seed, accounts, id)`: every random draw is
 * a hash of the seed, the id and a draw number (a counter-based generator, like SplitMix or
 * Philox), not the next output of a stateful generator. So the source is just the sequence of ids
 * (`SequenceSource`, whose readers checkpoint the next id and resume from it), replay after a
 * restore yields exactly the same transactions, and a test can generate them again on its own.
 *
 * Shapes (all integers, so the rules and sums are exact):
 * - `accountId`: uniform in 1..accounts;
 * - `amountCents`: 15 % small (1..99 cents), 15 % large (500.01..1,000.00 $), 70 % in
 *   1.00..500.00 $ (so the walkthrough's "small" and "large" both occur often);
 * - `timestamp` (epoch ms): `START_MS + 5 s · id + jitter`, jitter uniform in 0..4,999 ms, so
 *   timestamps strictly increase with the id (one transaction every 5 s on average) and the
 *   stream is in event-time order.
 */

/** The first transaction's time: 2019-01-01T00:00:00Z, as in the walkthrough's generator. */
export const START_MS = Date.UTC(2019, 0, 1);
/** Mean ms between two consecutive transactions (the jitter stays below it, so time is monotonic). */
export const SPACING_MS = 5_000;

/** One card transaction. */
export interface Transaction {
  /** 1, 2, 3, … in generation (and event-time) order. */
  readonly id: number;
  readonly accountId: number;
  /** Event time, epoch ms. */
  readonly timestamp: number;
  /** Amount in US cents (> 0). */
  readonly amountCents: number;
}

/**
 * A uniform 32-bit draw for `(seed, id, draw)`: the murmur3 finalizer over the three inputs mixed
 * with odd multipliers. Pure; good enough statistically for a demo, not for cryptography.
 */
export function draw32(seed: number, id: number, draw: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(id | 0, 0xc2b2ae35) ^ Math.imul((id / 4294967296) | 0, 0x165667b1) ^ Math.imul(draw + 1, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The event time of transaction `id` (epoch ms); see the module docstring. */
export function transactionTime(seed: number, id: number): number {
  return START_MS + id * SPACING_MS + (draw32(seed, id, 3) % SPACING_MS);
}

/**
 * Transaction `id` of the stream generated with `seed` over `accounts` accounts.
 * @param seed any 32-bit integer.
 * @param accounts number of accounts (≥ 1); ids are 1..accounts.
 * @param id the transaction's id (≥ 1).
 */
export function generateTransaction(seed: number, accounts: number, id: number): Transaction {
  const kind = draw32(seed, id, 1) % 100;
  const r = draw32(seed, id, 2);
  const amountCents = kind < 15 ? 1 + (r % 99) : kind < 30 ? 50_001 + (r % 50_000) : 100 + (r % 49_901);
  return { id, accountId: 1 + (draw32(seed, id, 0) % accounts), timestamp: transactionTime(seed, id), amountCents };
}
