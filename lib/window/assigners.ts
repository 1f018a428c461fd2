/**
 * Window assigners: given an element, its timestamp and the current processing time, say which
 * windows it belongs to. Pure and stateless; the window operator (`lib/operators/window-operator.ts`)
 * calls them per element and keeps window contents in keyed state. Durations (size, slide, offset, gap) are
 * milliseconds as plain safe integers; timestamps are epoch ms, {@link NO_TIMESTAMP} meaning "none".
 *
 * Not ported: Flink's `WindowStagger` (offsets per subtask for tumbling windows); every window here
 * is aligned, i.e. `WindowStagger.ALIGNED`.
 *
 * @see Flink's `org.apache.flink.streaming.api.windowing.assigners` package.
 */
import { ConfigurationError, WeirError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import { GlobalWindow, TimeWindow, type MergeCallback, type Window } from './time-window.js';
import { EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, type Trigger } from './triggers.js';

/**
 * What an assigner may ask of the runtime while assigning: the current processing time (epoch ms).
 *
 * @see Flink `WindowAssigner.WindowAssignerContext.getCurrentProcessingTime()`.
 */
export interface WindowAssignerContext {
  /** Current processing time, epoch ms. */
  currentProcessingTime(): number;
}

/** A {@link WindowAssignerContext} reading the given {@link Clock} (`clock.now()`). */
export function windowAssignerContextFromClock(clock: Clock): WindowAssignerContext {
  return { currentProcessingTime: () => clock.now() };
}

/**
 * Assigns each element to zero or more windows of type `W`.
 *
 * `isMerging` tells the window operator whether windows of this assigner can merge (sessions);
 * when it is `true` the assigner is a {@link MergingWindowAssigner}. Use {@link isMergingWindowAssigner}
 * to narrow.
 *
 * @see Flink `WindowAssigner`.
 */
export interface WindowAssigner<T, W extends Window> {
  /**
   * The windows `element` belongs to. `timestamp` is the element's event time (epoch ms, or
   * {@link NO_TIMESTAMP}); processing-time assigners ignore it and read `ctx` instead. A fresh
   * array each call; may be empty (sliding windows with `slide > size` leave gaps).
   *
   * @throws MissingTimestampError (`WEIR_ERR_NO_TIMESTAMP`) from event-time assigners when
   *   `timestamp` is {@link NO_TIMESTAMP}.
   */
  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): W[];
  /** True when windows are driven by event time (watermarks), false for processing time / global. */
  isEventTime(): boolean;
  /** True for assigners whose windows merge (sessions); see {@link MergingWindowAssigner}. */
  readonly isMerging: boolean;
  /**
   * The trigger used when the user sets none: {@link EventTimeTrigger} for event-time assigners,
   * {@link ProcessingTimeTrigger} for processing-time ones, {@link NeverTrigger} for global windows.
   */
  getDefaultTrigger(): Trigger<T, W>;
}

/**
 * An assigner whose windows merge, e.g. sessions: after assigning, the operator calls
 * {@link mergeWindows} with all live windows of the key plus the new one.
 *
 * @see Flink `MergingWindowAssigner`.
 */
export interface MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  readonly isMerging: true;
  /**
   * Reports, through `callback(mergeResult, mergedWindows)`, every group of two or more of
   * `windows` that merge into one. Groups of one are not reported.
   */
  mergeWindows(windows: Iterable<W>, callback: MergeCallback<W>): void;
}

/** Narrows an assigner to {@link MergingWindowAssigner} when its `isMerging` is true. */
export function isMergingWindowAssigner<T, W extends Window>(
  assigner: WindowAssigner<T, W>,
): assigner is MergingWindowAssigner<T, W> {
  return assigner.isMerging;
}

/**
 * An event-time assigner got a record with no timestamp ({@link NO_TIMESTAMP}): timestamps were
 * never assigned upstream. Code `WEIR_ERR_NO_TIMESTAMP`.
 *
 * Defined here because only `lib/window/` is being written now; it belongs with the others in
 * `lib/errors.ts`.
 *
 * @see Flink's `RuntimeException("Record has Long.MIN_VALUE timestamp (= no timestamp marker)…")`.
 */
export class MissingTimestampError extends WeirError {
  constructor(assignerName: string) {
    super(
      'WEIR_ERR_NO_TIMESTAMP',
      `${assignerName}: record has no timestamp (NO_TIMESTAMP, Flink's Long.MIN_VALUE marker). ` +
        'Event-time windows need event timestamps: did you forget to call ' +
        "'assignTimestampsAndWatermarks(...)' on the stream, or did you mean a processing-time assigner?",
    );
  }
}

/** A function giving a session gap (ms, > 0) for an element. @see Flink `SessionWindowTimeGapExtractor`. */
export type SessionWindowTimeGapExtractor<T> = (element: T) => number;

// ---- Validation helpers ----

function requireInteger(assignerName: string, what: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new ConfigurationError(`${assignerName}: ${what} must be a whole number of milliseconds, got ${value}`);
  }
}

/** Flink's check for tumbling windows: `abs(offset) < size` (which also rules out size <= 0). */
function checkTumbling(assignerName: string, size: number, offset: number): void {
  requireInteger(assignerName, 'size', size);
  requireInteger(assignerName, 'offset', offset);
  if (size <= 0) {
    throw new ConfigurationError(`${assignerName} parameters must satisfy size > 0 (size=${size} ms)`);
  }
  if (Math.abs(offset) >= size) {
    throw new ConfigurationError(
      `${assignerName} parameters must satisfy abs(offset) < size (size=${size} ms, offset=${offset} ms)`,
    );
  }
}

/** Flink's check for sliding windows: `abs(offset) < slide and size > 0` (slide <= 0 fails the first). */
function checkSliding(assignerName: string, size: number, slide: number, offset: number): void {
  requireInteger(assignerName, 'size', size);
  requireInteger(assignerName, 'slide', slide);
  requireInteger(assignerName, 'offset', offset);
  if (size <= 0 || slide <= 0 || Math.abs(offset) >= slide) {
    throw new ConfigurationError(
      `${assignerName} parameters must satisfy abs(offset) < slide and size > 0 ` +
        `(size=${size} ms, slide=${slide} ms, offset=${offset} ms)`,
    );
  }
}

function checkGap(assignerName: string, gap: number): void {
  requireInteger(assignerName, 'gap', gap);
  if (gap <= 0) throw new ConfigurationError(`${assignerName} parameters must satisfy 0 < gap (gap=${gap} ms)`);
}

/** Flink's runtime check in the dynamic session assigners. */
function checkDynamicGap(assignerName: string, gap: number): void {
  if (!Number.isSafeInteger(gap) || gap <= 0) {
    throw new ConfigurationError(`${assignerName}: dynamic session time gap must satisfy 0 < gap, got ${gap}`);
  }
}

function requireTimestamp(assignerName: string, timestamp: number): void {
  if (timestamp === NO_TIMESTAMP) throw new MissingTimestampError(assignerName);
}

/** The tumbling window containing `timestamp`: `[start, start + size)`. */
function tumblingWindow(timestamp: number, offset: number, size: number): TimeWindow {
  const start = TimeWindow.getWindowStartWithOffset(timestamp, offset, size);
  return new TimeWindow(start, start + size);
}

/**
 * All sliding windows containing `timestamp`, latest start first, as Flink builds them:
 * `for (start = windowStart(ts, offset, slide); start > ts - size; start -= slide) → [start, start + size)`.
 */
function slidingWindows(timestamp: number, offset: number, size: number, slide: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const lastStart = TimeWindow.getWindowStartWithOffset(timestamp, offset, slide);
  for (let start = lastStart; start > timestamp - size; start -= slide) {
    windows.push(new TimeWindow(start, start + size));
  }
  return windows;
}

// ---- Tumbling ----

/**
 * Fixed-size, non-overlapping event-time windows `[start, start + size)` with
 * `start = TimeWindow.getWindowStartWithOffset(timestamp, offset, size)`. Default trigger {@link EventTimeTrigger}.
 *
 * @see Flink `TumblingEventTimeWindows` (without `WindowStagger`).
 * @example
 * TumblingEventTimeWindows.of(60_000);                 // one-minute windows aligned to the epoch
 * TumblingEventTimeWindows.of(86_400_000, -28_800_000); // days starting at local midnight in UTC+8
 */
export class TumblingEventTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly isMerging = false;

  private constructor(
    /** Window length, ms. */
    readonly size: number,
    /** Shift of window starts, ms, `|offset| < size`. */
    readonly offset: number,
  ) {
    checkTumbling('TumblingEventTimeWindows', size, offset);
  }

  /**
   * @param size window length, ms, > 0.
   * @param offset shift of window starts, ms (default 0), `|offset| < size`; e.g. size 1 h, offset
   *   15 min gives windows starting at 0:15, 1:15, …; negative offsets shift backwards.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `size <= 0`, `|offset| >= size` or either
   *   is not a whole number.
   */
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    return new TumblingEventTimeWindows(size, offset);
  }

  /** @throws MissingTimestampError (`WEIR_ERR_NO_TIMESTAMP`) when `timestamp` is {@link NO_TIMESTAMP}. */
  assignWindows(_element: unknown, timestamp: number, _ctx: WindowAssignerContext): TimeWindow[] {
    requireTimestamp('TumblingEventTimeWindows', timestamp);
    return [tumblingWindow(timestamp, this.offset, this.size)];
  }

  isEventTime(): boolean {
    return true;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}

/**
 * Fixed-size, non-overlapping windows over **processing time**: the window of
 * `ctx.currentProcessingTime()` (the element's timestamp is ignored). Default trigger {@link ProcessingTimeTrigger}.
 *
 * @see Flink `TumblingProcessingTimeWindows` (without `WindowStagger`).
 * @example
 * TumblingProcessingTimeWindows.of(10_000); // ten-second wall-clock buckets
 */
export class TumblingProcessingTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly isMerging = false;

  private constructor(
    /** Window length, ms. */
    readonly size: number,
    /** Shift of window starts, ms, `|offset| < size`. */
    readonly offset: number,
  ) {
    checkTumbling('TumblingProcessingTimeWindows', size, offset);
  }

  /**
   * @param size window length, ms, > 0.
   * @param offset shift of window starts, ms (default 0), `|offset| < size`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `size <= 0`, `|offset| >= size` or either
   *   is not a whole number.
   */
  static of(size: number, offset = 0): TumblingProcessingTimeWindows {
    return new TumblingProcessingTimeWindows(size, offset);
  }

  assignWindows(_element: unknown, _timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    return [tumblingWindow(ctx.currentProcessingTime(), this.offset, this.size)];
  }

  isEventTime(): boolean {
    return false;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}

// ---- Sliding ----

/**
 * Event-time windows of length `size` starting every `slide` ms, so they overlap when `slide < size`
 * and each element lands in `size / slide` of them (when `slide` divides `size`; otherwise
 * `floor` or `ceil` of it). With `slide > size` there are gaps and some elements get no window.
 * Windows are returned latest start first, as Flink does. Default trigger {@link EventTimeTrigger}.
 *
 * @see Flink `SlidingEventTimeWindows`.
 * @example
 * SlidingEventTimeWindows.of(60_000, 10_000); // one-minute windows every ten seconds
 */
export class SlidingEventTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly isMerging = false;

  private constructor(
    /** Window length, ms. */
    readonly size: number,
    /** Distance between window starts, ms. */
    readonly slide: number,
    /** Shift of window starts, ms, `|offset| < slide`. */
    readonly offset: number,
  ) {
    checkSliding('SlidingEventTimeWindows', size, slide, offset);
  }

  /**
   * @param size window length, ms, > 0.
   * @param slide distance between window starts, ms, > 0.
   * @param offset shift of window starts, ms (default 0), `|offset| < slide`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `size <= 0`, `slide <= 0`, `|offset| >= slide`
   *   or any is not a whole number.
   */
  static of(size: number, slide: number, offset = 0): SlidingEventTimeWindows {
    return new SlidingEventTimeWindows(size, slide, offset);
  }

  /** @throws MissingTimestampError (`WEIR_ERR_NO_TIMESTAMP`) when `timestamp` is {@link NO_TIMESTAMP}. */
  assignWindows(_element: unknown, timestamp: number, _ctx: WindowAssignerContext): TimeWindow[] {
    requireTimestamp('SlidingEventTimeWindows', timestamp);
    return slidingWindows(timestamp, this.offset, this.size, this.slide);
  }

  isEventTime(): boolean {
    return true;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}

/**
 * Sliding windows over **processing time**: the windows containing `ctx.currentProcessingTime()`,
 * latest start first. Default trigger {@link ProcessingTimeTrigger}.
 *
 * @see Flink `SlidingProcessingTimeWindows`.
 * @example
 * SlidingProcessingTimeWindows.of(60_000, 10_000);
 */
export class SlidingProcessingTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly isMerging = false;

  private constructor(
    /** Window length, ms. */
    readonly size: number,
    /** Distance between window starts, ms. */
    readonly slide: number,
    /** Shift of window starts, ms, `|offset| < slide`. */
    readonly offset: number,
  ) {
    checkSliding('SlidingProcessingTimeWindows', size, slide, offset);
  }

  /**
   * @param size window length, ms, > 0.
   * @param slide distance between window starts, ms, > 0.
   * @param offset shift of window starts, ms (default 0), `|offset| < slide`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `size <= 0`, `slide <= 0`, `|offset| >= slide`
   *   or any is not a whole number.
   */
  static of(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows {
    return new SlidingProcessingTimeWindows(size, slide, offset);
  }

  assignWindows(_element: unknown, _timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    return slidingWindows(ctx.currentProcessingTime(), this.offset, this.size, this.slide);
  }

  isEventTime(): boolean {
    return false;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}

// ---- Sessions ----

/**
 * Event-time sessions: each element opens `[timestamp, timestamp + gap)`, and windows that overlap or
 * touch merge ({@link TimeWindow.mergeWindows}), so a session closes after `gap` ms without elements.
 * Default trigger {@link EventTimeTrigger}.
 *
 * Unlike Flink, which would build a window at `Long.MIN_VALUE`, an element without a timestamp throws.
 *
 * @see Flink `EventTimeSessionWindows`, `DynamicEventTimeSessionWindows`.
 * @example
 * EventTimeSessionWindows.withGap(30 * 60_000);                 // 30-minute inactivity gap
 * EventTimeSessionWindows.withDynamicGap((e: { gapMs: number }) => e.gapMs);
 */
export class EventTimeSessionWindows implements MergingWindowAssigner<unknown, TimeWindow> {
  readonly isMerging = true;

  private constructor(
    /** Session gap (Flink `sessionTimeout`), ms. */
    readonly gap: number,
  ) {
    checkGap('EventTimeSessionWindows', gap);
  }

  /**
   * @param gap inactivity gap that ends a session, ms, > 0.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `gap <= 0` or not a whole number.
   */
  static withGap(gap: number): EventTimeSessionWindows {
    return new EventTimeSessionWindows(gap);
  }

  /**
   * Sessions whose gap is computed per element by `extractor` (ms, > 0; checked on every element).
   * @see Flink `EventTimeSessionWindows.withDynamicGap`.
   */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return DynamicEventTimeSessionWindows.withDynamicGap(extractor);
  }

  /** @throws MissingTimestampError (`WEIR_ERR_NO_TIMESTAMP`) when `timestamp` is {@link NO_TIMESTAMP}. */
  assignWindows(_element: unknown, timestamp: number, _ctx: WindowAssignerContext): TimeWindow[] {
    requireTimestamp('EventTimeSessionWindows', timestamp);
    return [new TimeWindow(timestamp, timestamp + this.gap)];
  }

  /** {@link TimeWindow.mergeWindows}. */
  mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  isEventTime(): boolean {
    return true;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  toString(): string {
    return `EventTimeSessionWindows(${this.gap})`;
  }
}

/**
 * Event-time sessions with a per-element gap: `[timestamp, timestamp + extractor(element))`, merging.
 * Create with {@link EventTimeSessionWindows.withDynamicGap}. Default trigger {@link EventTimeTrigger}.
 *
 * @see Flink `DynamicEventTimeSessionWindows`.
 */
export class DynamicEventTimeSessionWindows<T> implements MergingWindowAssigner<T, TimeWindow> {
  readonly isMerging = true;

  private constructor(private readonly extractor: SessionWindowTimeGapExtractor<T>) {}

  /** Same as {@link EventTimeSessionWindows.withDynamicGap}. */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return new DynamicEventTimeSessionWindows(extractor);
  }

  /**
   * @throws MissingTimestampError (`WEIR_ERR_NO_TIMESTAMP`) when `timestamp` is {@link NO_TIMESTAMP}.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the extracted gap is not a whole number > 0
   *   (Flink: "Dynamic session time gap must satisfy 0 < gap").
   */
  assignWindows(element: T, timestamp: number, _ctx: WindowAssignerContext): TimeWindow[] {
    requireTimestamp('DynamicEventTimeSessionWindows', timestamp);
    const gap = this.extractor(element);
    checkDynamicGap('DynamicEventTimeSessionWindows', gap);
    return [new TimeWindow(timestamp, timestamp + gap)];
  }

  /** {@link TimeWindow.mergeWindows}. */
  mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  isEventTime(): boolean {
    return true;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  toString(): string {
    return 'DynamicEventTimeSessionWindows()';
  }
}

/**
 * Processing-time sessions: each element opens `[now, now + gap)` with `now = ctx.currentProcessingTime()`;
 * overlapping or touching windows merge. Default trigger {@link ProcessingTimeTrigger}.
 *
 * @see Flink `ProcessingTimeSessionWindows`, `DynamicProcessingTimeSessionWindows`.
 * @example
 * ProcessingTimeSessionWindows.withGap(5_000);
 */
export class ProcessingTimeSessionWindows implements MergingWindowAssigner<unknown, TimeWindow> {
  readonly isMerging = true;

  private constructor(
    /** Session gap (Flink `sessionTimeout`), ms. */
    readonly gap: number,
  ) {
    checkGap('ProcessingTimeSessionWindows', gap);
  }

  /**
   * @param gap inactivity gap that ends a session, ms, > 0.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `gap <= 0` or not a whole number.
   */
  static withGap(gap: number): ProcessingTimeSessionWindows {
    return new ProcessingTimeSessionWindows(gap);
  }

  /**
   * Sessions whose gap is computed per element by `extractor` (ms, > 0; checked on every element).
   * @see Flink `ProcessingTimeSessionWindows.withDynamicGap`.
   */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return DynamicProcessingTimeSessionWindows.withDynamicGap(extractor);
  }

  assignWindows(_element: unknown, _timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    const now = ctx.currentProcessingTime();
    return [new TimeWindow(now, now + this.gap)];
  }

  /** {@link TimeWindow.mergeWindows}. */
  mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  isEventTime(): boolean {
    return false;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  toString(): string {
    return `ProcessingTimeSessionWindows(${this.gap})`;
  }
}

/**
 * Processing-time sessions with a per-element gap: `[now, now + extractor(element))`, merging.
 * Create with {@link ProcessingTimeSessionWindows.withDynamicGap}. Default trigger {@link ProcessingTimeTrigger}.
 *
 * @see Flink `DynamicProcessingTimeSessionWindows`.
 */
export class DynamicProcessingTimeSessionWindows<T> implements MergingWindowAssigner<T, TimeWindow> {
  readonly isMerging = true;

  private constructor(private readonly extractor: SessionWindowTimeGapExtractor<T>) {}

  /** Same as {@link ProcessingTimeSessionWindows.withDynamicGap}. */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return new DynamicProcessingTimeSessionWindows(extractor);
  }

  /**
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the extracted gap is not a whole number > 0
   *   (Flink: "Dynamic session time gap must satisfy 0 < gap").
   */
  assignWindows(element: T, _timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    const gap = this.extractor(element);
    checkDynamicGap('DynamicProcessingTimeSessionWindows', gap);
    const now = ctx.currentProcessingTime();
    return [new TimeWindow(now, now + gap)];
  }

  /** {@link TimeWindow.mergeWindows}. */
  mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  isEventTime(): boolean {
    return false;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  toString(): string {
    return 'DynamicProcessingTimeSessionWindows()';
  }
}

// ---- Global ----

/**
 * Puts every element in the single {@link GlobalWindow}. Its default trigger is {@link NeverTrigger}, so a
 * trigger (e.g. count) must be set for anything to be emitted. `isEventTime()` is false, as in Flink.
 *
 * @see Flink `GlobalWindows`.
 * @example
 * GlobalWindows.create(); // then .trigger(CountTrigger.of(100))
 */
export class GlobalWindows implements WindowAssigner<unknown, GlobalWindow> {
  readonly isMerging = false;

  private constructor() {}

  /** A global-window assigner (Flink `GlobalWindows.create()`). */
  static create(): GlobalWindows {
    return new GlobalWindows();
  }

  /** Always `[GlobalWindow.get()]`, whatever the timestamp (even {@link NO_TIMESTAMP}). */
  assignWindows(_element: unknown, _timestamp: number, _ctx: WindowAssignerContext): GlobalWindow[] {
    return [GlobalWindow.get()];
  }

  isEventTime(): boolean {
    return false;
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return NeverTrigger.create();
  }

  toString(): string {
    return 'GlobalWindows()';
  }
}
