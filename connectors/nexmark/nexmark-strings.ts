/**
 * Random strings of the Nexmark generator (nexmark's `StringsGenerator`), and the fixed word lists
 * of its person generator.
 *
 * nexmark builds every string a character at a time (`nextString`: 3 … max−1 characters, each a
 * space with probability 1/13, else a letter a–z, trimmed; `nextExactString`: exactly n letters).
 * Weir draws the same kind of strings as slices of two precomputed pools (1 MiB each, built once
 * from a fixed generator): one of letters with spaces at a 1/13 rate, one of letters only. A slice
 * at a random offset costs one random number and no copy (V8 keeps slices of ≥ 13 characters as
 * views of the pool), which is what makes `extra` padding cheap. Strings differ from nexmark's
 * character for character, not in length distribution or alphabet.
 *
 * @see com.github.nexmark.flink.generator.model.StringsGenerator, PersonGenerator
 */
import { EventRandom } from './nexmark-random.js';

/** nexmark's `StringsGenerator.MIN_STRING_LENGTH`. */
const MIN_STRING_LENGTH = 3;
/** Characters of each pool that a slice may start at. */
const POOL_OFFSETS = 1 << 20;
/** Slack after the last offset, so slices up to this length never run past the pool. */
const POOL_SLACK = 1 << 14;

function buildPool(seed: number, spaces: boolean): string {
  const rng = new EventRandom();
  rng.seed(0x5eed, 0xcafe, seed);
  const bytes = Buffer.allocUnsafe(POOL_OFFSETS + POOL_SLACK);
  for (let i = 0; i < bytes.length; i++) bytes[i] = spaces && rng.nextInt(13) === 0 ? 0x20 : 0x61 + rng.nextInt(26);
  return bytes.toString('latin1');
}

/** Letters a–z with spaces at a 1/13 rate (the alphabet of nexmark's `nextString`). */
const WORDS = buildPool(1, true);
/** Letters a–z only (the alphabet of nexmark's `nextExactString`). */
const LETTERS = buildPool(2, false);

/**
 * A random string of `3 … maxLength − 1` characters of a–z and inner spaces (nexmark's
 * `nextString(random, maxLength)`; like nexmark's, it is trimmed, so it can be shorter).
 * `maxLength` is at least 4 and at most the pool slack.
 */
export function nextString(rng: EventRandom, maxLength: number): string {
  const length = MIN_STRING_LENGTH + rng.nextInt(maxLength - MIN_STRING_LENGTH);
  const offset = rng.nextInt(POOL_OFFSETS);
  const s = WORDS.slice(offset, offset + length);
  return WORDS.charCodeAt(offset) === 0x20 || WORDS.charCodeAt(offset + length - 1) === 0x20 ? s.trim() : s;
}

/**
 * A random string of `nextString`'s alphabet with the space replaced by `special` (nexmark's
 * `nextString(random, maxLength, special)`, used for url path segments). Cold path: built a
 * character at a time.
 */
export function nextStringWith(rng: EventRandom, maxLength: number, special: string): string {
  let length = MIN_STRING_LENGTH + rng.nextInt(maxLength - MIN_STRING_LENGTH);
  let s = '';
  while (length-- > 0) s += rng.nextInt(13) === 0 ? special : String.fromCharCode(0x61 + rng.nextInt(26));
  return s;
}

/** A random string of exactly `length` letters a–z (nexmark's `nextExactString`). */
export function nextExactString(rng: EventRandom, length: number): string {
  if (length <= POOL_SLACK) {
    const offset = rng.nextInt(POOL_OFFSETS);
    return LETTERS.slice(offset, offset + length);
  }
  const parts: string[] = [];
  for (let left = length; left > 0; left -= POOL_SLACK) {
    const offset = rng.nextInt(POOL_OFFSETS);
    parts.push(LETTERS.slice(offset, offset + Math.min(left, POOL_SLACK)));
  }
  return parts.join('');
}

/**
 * Padding such that `currentSize + extra.length` is `averageSize` on average (nexmark's
 * `nextExtra`): empty when `currentSize > averageSize`, else `d − round(d/5) + U[0, 2·round(d/5))`
 * letters with `d = averageSize − currentSize`, so within ±20 % of `d`. Sizes in bytes (one byte
 * per character: the alphabet is ASCII).
 */
export function nextExtra(rng: EventRandom, currentSize: number, averageSize: number): string {
  if (currentSize > averageSize) return '';
  const desired = averageSize - currentSize;
  const delta = Math.round(desired * 0.2);
  const size = desired - delta + (delta === 0 ? 0 : rng.nextInt(2 * delta));
  return nextExactString(rng, size);
}

/** nexmark's `PersonGenerator.US_STATES` (few, so queries on states find matches even on small data). */
export const US_STATES: readonly string[] = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];

/** nexmark's `PersonGenerator.US_CITIES`. */
export const US_CITIES: readonly string[] = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];

/** nexmark's `PersonGenerator.FIRST_NAMES`. */
export const FIRST_NAMES: readonly string[] = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];

/** nexmark's `PersonGenerator.LAST_NAMES`. */
export const LAST_NAMES: readonly string[] = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

/** Every "first last" name, index `first × LAST_NAMES.length + last`, so a name costs no concatenation. */
export const FULL_NAMES: readonly string[] = FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`));
