import { ConfigurationError } from '../errors.js';
import { keyHashCode } from './key-hash.js';

/**
 * Key-group math, mirroring Flink's `org.apache.flink.runtime.state.KeyGroupRangeAssignment`,
 * `KeyGroupRange` and `org.apache.flink.util.MathUtils.murmurHash`.
 *
 * A key is assigned to one of `maxParallelism` key groups by `murmurHash(key.hashCode()) % maxP`;
 * key groups are assigned to the `parallelism` operator subtasks in contiguous ranges. Keyed state
 * is snapshotted and redistributed per key group, which is what makes rescaling possible.
 *
 * The per-record functions ({@link murmurHash}, {@link computeKeyGroupForKeyHash},
 * {@link assignToKeyGroup}, {@link computeOperatorIndexForKeyGroup},
 * {@link assignKeyToParallelOperator}) do not validate their numeric arguments and allocate
 * nothing, as in Flink: validate `maxParallelism`/`parallelism` once at configuration time with
 * {@link checkParallelismPreconditions} / {@link checkMaxParallelismPreconditions}.
 *
 * @module
 */

/**
 * Lower bound of the default max parallelism, 128 (`1 << 7`); also the default max parallelism of
 * operators with parallelism ≤ 85. Flink: `KeyGroupRangeAssignment.DEFAULT_LOWER_BOUND_MAX_PARALLELISM`.
 */
export const DEFAULT_MAX_PARALLELISM = 1 << 7;

/** Largest allowed max parallelism, 32768 (`1 << 15`). Flink: `KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM`. */
export const UPPER_BOUND_MAX_PARALLELISM = 1 << 15;

/**
 * An inclusive range `[startKeyGroup, endKeyGroup]` of key groups, as Flink's `KeyGroupRange`.
 * The empty range is {@link KeyGroupRange.EMPTY} (`start 0, end -1`).
 */
export class KeyGroupRange implements Iterable<number> {
  /** Flink's `KeyGroupRange.EMPTY_KEY_GROUP_RANGE`: no key groups. */
  static readonly EMPTY: KeyGroupRange = new KeyGroupRange(0, -1);

  /** First key group in the range (inclusive). */
  readonly startKeyGroup: number;
  /** Last key group in the range (inclusive); `startKeyGroup - 1` for the empty range. */
  readonly endKeyGroup: number;

  /**
   * @param startKeyGroup first key group, ≥ 0.
   * @param endKeyGroup last key group (inclusive), ≥ `startKeyGroup`; `(0, -1)` is the empty range.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the bounds are not integers,
   *   `startKeyGroup < 0`, or `endKeyGroup < startKeyGroup` (other than the empty range `(0, -1)`).
   */
  constructor(startKeyGroup: number, endKeyGroup: number) {
    const isEmpty = startKeyGroup === 0 && endKeyGroup === -1;
    if (!isEmpty && (!Number.isInteger(startKeyGroup) || !Number.isInteger(endKeyGroup) || startKeyGroup < 0 || endKeyGroup < startKeyGroup)) {
      throw new ConfigurationError(
        `invalid key-group range [${startKeyGroup}, ${endKeyGroup}]: need integers with 0 <= start <= end`,
      );
    }
    this.startKeyGroup = startKeyGroup;
    this.endKeyGroup = endKeyGroup;
  }

  /** Flink `KeyGroupRange.of(start, end)`: same as the constructor. */
  static of(startKeyGroup: number, endKeyGroup: number): KeyGroupRange {
    return new KeyGroupRange(startKeyGroup, endKeyGroup);
  }

  /** Number of key groups in the range: `end - start + 1` (0 when empty). Flink `getNumberOfKeyGroups()`. */
  get numberOfKeyGroups(): number {
    return this.endKeyGroup - this.startKeyGroup + 1;
  }

  /** True when `keyGroup` is in `[start, end]`. Flink `contains(int)`. */
  contains(keyGroup: number): boolean {
    return keyGroup >= this.startKeyGroup && keyGroup <= this.endKeyGroup;
  }

  /** The `idx`-th key group of the range: `start + idx` (no bounds check). Flink `getKeyGroupId(int)`. */
  getKeyGroupId(idx: number): number {
    return this.startKeyGroup + idx;
  }

  /** Intersection with `other`, or {@link KeyGroupRange.EMPTY}. Flink `getIntersection(KeyGroupRange)`. */
  intersection(other: KeyGroupRange): KeyGroupRange {
    const start = Math.max(this.startKeyGroup, other.startKeyGroup);
    const end = Math.min(this.endKeyGroup, other.endKeyGroup);
    return start <= end ? new KeyGroupRange(start, end) : KeyGroupRange.EMPTY;
  }

  /** True when both ranges have the same bounds. */
  equals(other: KeyGroupRange): boolean {
    return this.startKeyGroup === other.startKeyGroup && this.endKeyGroup === other.endKeyGroup;
  }

  /** Iterates the key groups `start, start + 1, …, end`. */
  *[Symbol.iterator](): Iterator<number> {
    for (let kg = this.startKeyGroup; kg <= this.endKeyGroup; kg++) yield kg;
  }

  toString(): string {
    return `KeyGroupRange{startKeyGroup=${this.startKeyGroup}, endKeyGroup=${this.endKeyGroup}}`;
  }
}

/**
 * Flink `MathUtils.bitMix(int)` (MurmurHash3's 32-bit finaliser `fmix32`):
 * `h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16`, int32 arithmetic.
 */
function bitMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Flink `MathUtils.murmurHash(int)`: one MurmurHash3 round over the 4-byte `code` (seed 0) made
 * non-negative. With int32 wrap-around:
 * `code *= 0xcc9e2d51; code = rotl(code, 15); code *= 0x1b873593; code = rotl(code, 13);
 * code = code * 5 + 0xe6546b64; code ^= 4; code = bitMix(code);`
 * then returns `code` if ≥ 0, `-code` if negative and not `Integer.MIN_VALUE`, and 0 for `MIN_VALUE`.
 *
 * @param code an int32 (e.g. from {@link keyHashCode}); other numbers are truncated with ToInt32.
 * @returns an integer in `[0, 2^31 - 1]`.
 */
export function murmurHash(code: number): number {
  code = Math.imul(code, 0xcc9e2d51);
  code = (code << 15) | (code >>> 17);
  code = Math.imul(code, 0x1b873593);
  code = (code << 13) | (code >>> 19);
  code = (Math.imul(code, 5) + 0xe6546b64) | 0;
  code ^= 4;
  code = bitMix(code);
  if (code >= 0) return code;
  return code !== -2147483648 ? -code : 0;
}

/**
 * Flink `KeyGroupRangeAssignment.computeKeyGroupForKeyHash`: `murmurHash(keyHash) % maxParallelism`.
 * No validation (hot path).
 *
 * @param keyHash the key's Java `hashCode()` ({@link keyHashCode}).
 * @param maxParallelism number of key groups, in `[1, 32768]`.
 * @returns key group in `[0, maxParallelism)`.
 */
export function computeKeyGroupForKeyHash(keyHash: number, maxParallelism: number): number {
  return murmurHash(keyHash) % maxParallelism;
}

/**
 * Flink `KeyGroupRangeAssignment.assignToKeyGroup(Object, int)`:
 * `computeKeyGroupForKeyHash(key.hashCode(), maxParallelism)`, with `hashCode()` = {@link keyHashCode}.
 *
 * @param key a supported key (see `key-hash.ts`).
 * @param maxParallelism number of key groups, in `[1, 32768]` (not validated: hot path).
 * @returns key group in `[0, maxParallelism)`.
 * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) when `key` is not a supported key type.
 */
export function assignToKeyGroup(key: unknown, maxParallelism: number): number {
  return murmurHash(keyHashCode(key)) % maxParallelism;
}

/**
 * Flink `KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup`:
 * `floor(keyGroupId * parallelism / maxParallelism)` (Java int division; the product is at most
 * `32767 * 32768 < 2^31`). No validation (hot path).
 *
 * @returns the subtask index in `[0, parallelism)` whose range contains `keyGroupId`.
 */
export function computeOperatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroupId: number): number {
  return ((keyGroupId * parallelism) / maxParallelism) | 0;
}

/**
 * Flink `KeyGroupRangeAssignment.assignKeyToParallelOperator(Object, int, int)`:
 * `computeOperatorIndexForKeyGroup(maxParallelism, parallelism, assignToKeyGroup(key, maxParallelism))`.
 * No validation of the numbers (hot path).
 *
 * @returns the subtask index in `[0, parallelism)` that owns `key`.
 * @throws InvalidKeyError (`WEIR_ERR_INVALID_KEY`) when `key` is not a supported key type.
 */
export function assignKeyToParallelOperator(key: unknown, maxParallelism: number, parallelism: number): number {
  const keyGroup = murmurHash(keyHashCode(key)) % maxParallelism;
  return ((keyGroup * parallelism) / maxParallelism) | 0;
}

/**
 * Flink `KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex`: the key groups owned by
 * subtask `operatorIndex`, inclusive both ends:
 * `start = floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism)`,
 * `end = floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism)`.
 * The ranges of subtasks `0 … parallelism-1` partition `[0, maxParallelism)` contiguously, and agree
 * with {@link computeOperatorIndexForKeyGroup}.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `parallelism`/`maxParallelism` fail
 *   {@link checkMaxParallelismPreconditions}, or `operatorIndex` is not an integer in `[0, parallelism)`.
 */
export function computeKeyGroupRangeForOperatorIndex(maxParallelism: number, parallelism: number, operatorIndex: number): KeyGroupRange {
  checkMaxParallelismPreconditions(maxParallelism, parallelism);
  if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= parallelism) {
    throw new ConfigurationError(`operator index ${operatorIndex} is not within [0, ${parallelism}) (parallelism ${parallelism})`);
  }
  const start = Math.floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism);
  return new KeyGroupRange(start, end);
}

/**
 * Flink `KeyGroupRangeAssignment.computeDefaultMaxParallelism`:
 * `min(max(roundUpToPowerOfTwo(p + floor(p / 2)), 128), 32768)` — e.g. 1 → 128, 100 → 256,
 * 1000 → 2048, 30000 → 32768.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `operatorParallelism` fails
 *   {@link checkParallelismPreconditions}.
 */
export function computeDefaultMaxParallelism(operatorParallelism: number): number {
  checkParallelismPreconditions(operatorParallelism);
  const p = operatorParallelism;
  return Math.min(Math.max(roundUpToPowerOfTwo(p + Math.floor(p / 2)), DEFAULT_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM);
}

/**
 * Flink `KeyGroupRangeAssignment.checkParallelismPreconditions`: a parallelism (or max parallelism)
 * must be an integer in `[1, 32768]`.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) naming the value otherwise.
 */
export function checkParallelismPreconditions(parallelism: number): void {
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new ConfigurationError(`operator parallelism not within bounds [1, ${UPPER_BOUND_MAX_PARALLELISM}]: ${parallelism}`);
  }
}

/**
 * Validates a `(maxParallelism, parallelism)` pair as Flink's `computeKeyGroupRangeForOperatorIndex`
 * does: both pass {@link checkParallelismPreconditions} and `parallelism <= maxParallelism`.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) naming the values otherwise.
 */
export function checkMaxParallelismPreconditions(maxParallelism: number, parallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new ConfigurationError(`max parallelism not within bounds [1, ${UPPER_BOUND_MAX_PARALLELISM}]: ${maxParallelism}`);
  }
  checkParallelismPreconditions(parallelism);
  if (parallelism > maxParallelism) {
    throw new ConfigurationError(
      `parallelism ${parallelism} must not be greater than max parallelism ${maxParallelism}`,
    );
  }
}

/**
 * Flink `MathUtils.roundUpToPowerOfTwo(int)`: smallest power of two ≥ `x`, for `1 <= x <= 2^30`.
 * Bit-smearing: `x -= 1; x |= x >> 1; x |= x >> 2; x |= x >> 4; x |= x >> 8; x |= x >> 16; x + 1`.
 */
function roundUpToPowerOfTwo(x: number): number {
  x = x - 1;
  x |= x >> 1;
  x |= x >> 2;
  x |= x >> 4;
  x |= x >> 8;
  x |= x >> 16;
  return x + 1;
}
