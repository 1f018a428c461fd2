/**
 * Evictors: remove elements from a window's contents just before and/or just after the window
 * function runs on a firing. A window with an evictor keeps every element (with its timestamp) in a
 * list, so the window function is evaluated over the whole list at each firing (no incremental
 * reduce / aggregate).
 *
 * Units: timestamps are epoch ms ({@link NO_TIMESTAMP} = none), window sizes ms.
 *
 * @see Flink's `org.apache.flink.streaming.api.windowing.evictors` package and `EvictingWindowOperator`.
 */
import { ConfigurationError } from '../errors.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { Window } from './time-window.js';

/**
 * An element of a window with the timestamp it arrived with (epoch ms, {@link NO_TIMESTAMP} when it
 * had none).
 *
 * @see Flink `TimestampedValue`.
 */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** True when the element carries a timestamp (Flink `TimestampedValue.hasTimestamp()`). */
export function hasTimestamp(element: TimestampedValue<unknown>): boolean {
  return element.timestamp !== NO_TIMESTAMP;
}

/**
 * Time as the operator sees it at the firing.
 *
 * @see Flink `Evictor.EvictorContext`.
 */
export interface EvictorContext {
  /** Processing time of the operator's clock, epoch ms. */
  getCurrentProcessingTime(): number;
  /** The operator's current watermark, epoch ms. */
  getCurrentWatermark(): number;
}

/**
 * Removes elements from a firing window. `elements` is the window's contents in arrival order, a
 * mutable array owned by the operator: remove elements **in place** (e.g. with `splice`, or
 * {@link removeWhere}); whatever remains after `evictAfter` becomes the window's new contents.
 * `size` is `elements.length` when the method is called. Methods must be synchronous.
 *
 * @see Flink `Evictor` (Flink removes through the iterator; here the array is edited in place).
 * @example
 * // Keep only elements whose value is positive, before the window function runs:
 * const positives: Evictor<number, TimeWindow> = {
 *   evictBefore: (els) => removeWhere(els, (e) => e.value <= 0),
 *   evictAfter: () => {},
 * };
 */
export interface Evictor<T, W extends Window> {
  /** Runs before the window function. */
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  /** Runs after the window function. */
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

/** Removes, in place, every element for which `predicate` is true; keeps the others' order. */
export function removeWhere<T>(elements: TimestampedValue<T>[], predicate: (element: TimestampedValue<T>) => boolean): void {
  let kept = 0;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    if (!predicate(e)) elements[kept++] = e;
  }
  elements.length = kept;
}

/** A short name for operator names: the class name, or `'Evictor'` for object literals. */
export function evictorName(evictor: object): string {
  const name = (evictor.constructor as { name?: string } | undefined)?.name;
  return name !== undefined && name !== '' && name !== 'Object' ? name : 'Evictor';
}

/**
 * Keeps at most `maxCount` elements: when a window holds more, the oldest (first arrived)
 * `size - maxCount` are removed. Before the window function by default, after it when
 * `doEvictAfter` is true. With `CountTrigger.of(slide)` on global windows this gives sliding count
 * windows (`countWindow(size, slide)`).
 *
 * @see Flink `CountEvictor`.
 */
export class CountEvictor implements Evictor<unknown, Window> {
  private constructor(
    /** Elements to keep. */
    readonly maxCount: number,
    /** Evict after (true) or before (false) the window function. */
    readonly doEvictAfter: boolean,
  ) {}

  /**
   * @param maxCount elements to keep, an integer ≥ 0.
   * @param doEvictAfter evict after the window function instead of before (default false).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `maxCount` is not an integer ≥ 0.
   */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new ConfigurationError(`CountEvictor: maxCount must be an integer ≥ 0, got ${maxCount}`);
    return new CountEvictor(maxCount, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], size: number, _window?: Window, _ctx?: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<unknown>[], size: number, _window?: Window, _ctx?: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }

  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }

  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size <= this.maxCount) return;
    elements.splice(0, size - this.maxCount);
  }
}

/**
 * Keeps the elements of the last `windowSize` ms: with `max` the largest element timestamp in the
 * window, removes every element with `timestamp <= max - windowSize`. Does nothing when the first
 * element has no timestamp (processing-time streams), as Flink. Before the window function by
 * default, after it when `doEvictAfter` is true.
 *
 * @see Flink `TimeEvictor`.
 */
export class TimeEvictor implements Evictor<unknown, Window> {
  private constructor(
    /** Span of timestamps to keep, ms. */
    readonly windowSize: number,
    /** Evict after (true) or before (false) the window function. */
    readonly doEvictAfter: boolean,
  ) {}

  /**
   * @param windowSize span to keep, ms, an integer ≥ 0.
   * @param doEvictAfter evict after the window function instead of before (default false).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `windowSize` is not an integer ≥ 0.
   */
  static of(windowSize: number, doEvictAfter = false): TimeEvictor {
    if (!Number.isSafeInteger(windowSize) || windowSize < 0) throw new ConfigurationError(`TimeEvictor: windowSize must be an integer number of ms ≥ 0, got ${windowSize}`);
    return new TimeEvictor(windowSize, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    const first = elements[0];
    if (first === undefined || !hasTimestamp(first)) return;
    let max = NO_TIMESTAMP;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - this.windowSize;
    removeWhere(elements, (e) => e.timestamp <= cutoff);
  }
}

/** Distance between two elements (Flink `DeltaFunction.getDelta`). */
export type DeltaFunction<T> = (oldDataPoint: T, newDataPoint: T) => number;

/**
 * Removes every element whose delta to the **last** element of the window is at least `threshold`:
 * `deltaFunction(element, last) >= threshold`. Before the window function by default, after it
 * when `doEvictAfter` is true.
 *
 * @see Flink `DeltaEvictor`.
 */
export class DeltaEvictor<T> implements Evictor<T, Window> {
  private constructor(
    /** Deltas at or above it are evicted. */
    readonly threshold: number,
    private readonly deltaFunction: DeltaFunction<T>,
    /** Evict after (true) or before (false) the window function. */
    readonly doEvictAfter: boolean,
  ) {}

  /**
   * @param threshold deltas `>= threshold` are evicted.
   * @param deltaFunction distance between an element and the last one.
   * @param doEvictAfter evict after the window function instead of before (default false).
   */
  static of<T>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T> {
    return new DeltaEvictor(threshold, deltaFunction, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[], _size?: number, _window?: Window, _ctx?: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  toString(): string {
    return `DeltaEvictor(${this.threshold})`;
  }

  private evict(elements: TimestampedValue<T>[]): void {
    const last = elements[elements.length - 1];
    if (last === undefined) return;
    removeWhere(elements, (e) => this.deltaFunction(e.value, last.value) >= this.threshold);
  }
}
