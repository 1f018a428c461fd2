/**
 * Triggers: decide when a window's contents are evaluated (FIRE) and when they are dropped (PURGE).
 * The window operator calls a trigger for every element added to a window, for every timer the
 * trigger registered, when windows merge, and when a window is cleaned up. Triggers are shared,
 * stateless objects: anything a trigger must remember lives in partitioned state
 * (`ctx.getPartitionedState`), which is scoped to the current key **and** window.
 *
 * Times are epoch ms; intervals and counts are plain numbers (ms / elements).
 *
 * @see Flink's `org.apache.flink.streaming.api.windowing.triggers` package.
 */
import { ConfigurationError } from '../errors.js';
import type { ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../state/descriptors.js';
import { ReducingStateDescriptor as ReducingDescriptor } from '../state/descriptors.js';
import type { ListState, MapState, ReducingState, ValueState } from '../state/keyed-state.js';
import type { Window } from './time-window.js';

/**
 * What a trigger method tells the window operator to do with the window:
 * - `'CONTINUE'`: nothing;
 * - `'FIRE'`: evaluate the window function over the contents and emit, keeping the contents;
 * - `'PURGE'`: drop the contents (the window itself and its trigger state stay);
 * - `'FIRE_AND_PURGE'`: evaluate, emit, then drop the contents.
 *
 * @see Flink `TriggerResult`.
 */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

/** True for `'FIRE'` and `'FIRE_AND_PURGE'` (Flink `TriggerResult.isFire()`). */
export function isFire(result: TriggerResult): boolean {
  return result === 'FIRE' || result === 'FIRE_AND_PURGE';
}

/** True for `'PURGE'` and `'FIRE_AND_PURGE'` (Flink `TriggerResult.isPurge()`). */
export function isPurge(result: TriggerResult): boolean {
  return result === 'PURGE' || result === 'FIRE_AND_PURGE';
}

/**
 * State scoped to the current key and window, for triggers. Each state kind is asked for with its
 * descriptor; the same descriptor name always gives the same state (per key and window).
 *
 * @see Flink `Trigger.TriggerContext.getPartitionedState`.
 */
export interface PartitionedStateAccess {
  getPartitionedState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getPartitionedState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getPartitionedState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getPartitionedState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
}

/**
 * What a trigger may do: read time, set and delete timers, and use state. Timers are scoped to the
 * current key **and** window: when one fires, the trigger's `onEventTime` / `onProcessingTime` runs
 * for that window. Registering the same (window, time) twice gives one timer; deleting a timer that
 * does not exist does nothing. All times are epoch ms.
 *
 * @see Flink `Trigger.TriggerContext`.
 */
export interface TriggerContext extends PartitionedStateAccess {
  /** The operator's processing time (the injected clock), epoch ms. */
  getCurrentProcessingTime(): number;
  /** The operator's current event-time watermark, epoch ms (`NO_TIMESTAMP` = -Infinity before the first). */
  getCurrentWatermark(): number;
  /** Calls `onProcessingTime(time, window)` once the clock reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  /** Calls `onEventTime(time, window)` once the watermark reaches `time` (watermark ≥ time). */
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
}

/**
 * The context of {@link Trigger.onMerge}: the window is the merge result; `mergePartitionedState`
 * folds the state of the windows being merged into it.
 *
 * @see Flink `Trigger.OnMergeContext`.
 */
export interface OnMergeContext extends TriggerContext {
  /**
   * Merges the state named by `descriptor` of every merged window into the result window: reducing
   * state is reduced (target first, then each merged window), list state is concatenated.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for value or map state, which cannot merge (as in Flink).
   */
  mergePartitionedState<T>(descriptor: ReducingStateDescriptor<T> | ListStateDescriptor<T>): void;
}

/**
 * Decides when a window fires and when it is purged. `T` is the element type, `W` the window type.
 * Methods run on the operator's thread with the key context set and must be synchronous.
 *
 * - `onElement` runs after the element was added to the window's contents.
 * - `onEventTime` / `onProcessingTime` run for timers the trigger registered for this window; they
 *   also run for the operator's own cleanup timer (at `window.maxTimestamp() + allowedLateness`),
 *   so they must check `time` rather than assume it is theirs.
 * - `canMerge` / `onMerge`: a trigger used with merging windows (sessions) must return true from
 *   `canMerge` and re-register its timers for the merged window in `onMerge`. Both are optional:
 *   without them the trigger cannot merge (Flink's defaults: `false`, and `onMerge` throws).
 * - `clear` runs when the window is purged for good (cleanup, or after a merge for the merged
 *   windows): delete every timer and partitioned state the trigger made for `window`.
 *
 * @see Flink `org.apache.flink.streaming.api.windowing.triggers.Trigger`.
 * @example
 * // Fire every 100 elements and at the end of the window:
 * const t: Trigger<unknown, TimeWindow> = {
 *   onElement: (_e, _ts, w, ctx) => { ctx.registerEventTimeTimer(w.maxTimestamp()); return 'CONTINUE'; },
 *   onEventTime: (time, w) => (time === w.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
 *   onProcessingTime: () => 'CONTINUE',
 *   clear: (w, ctx) => ctx.deleteEventTimeTimer(w.maxTimestamp()),
 * };
 */
export interface Trigger<T, W extends Window> {
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** True when this trigger supports merging windows (default false). */
  canMerge?(): boolean;
  /** Called on the merge result window after windows merged; re-register timers here. */
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** Deletes the timers and state this trigger keeps for `window`. */
  clear(window: W, ctx: TriggerContext): void;
}

/** `trigger.canMerge?.() ?? false`: whether a trigger may be used with merging windows. */
export function triggerCanMerge(trigger: Trigger<never, never>): boolean {
  return typeof trigger.canMerge === 'function' ? trigger.canMerge() : false;
}

/** A short name for operator names: the class name, or `'Trigger'` for object literals. */
export function triggerName(trigger: object): string {
  const name = (trigger.constructor as { name?: string } | undefined)?.name;
  return name !== undefined && name !== '' && name !== 'Object' ? name : 'Trigger';
}

// ---- Built-in triggers ----

/**
 * Fires once the watermark passes the end of the window (`window.maxTimestamp()`). An element that
 * arrives when the watermark is already past it (a late element within the allowed lateness) makes
 * the window FIRE immediately, so late firings carry the updated result. The default trigger of
 * the event-time assigners.
 *
 * - `onElement`: `FIRE` if `window.maxTimestamp() <= watermark`, else register an event-time timer
 *   at `window.maxTimestamp()` and `CONTINUE`.
 * - `onEventTime(time)`: `FIRE` when `time === window.maxTimestamp()`, else `CONTINUE` (e.g. the
 *   cleanup timer).
 * - `onMerge`: registers the merged window's timer only when the watermark has not passed it yet
 *   (else `onElement` fires, and a timer would fire the window twice).
 *
 * @see Flink `EventTimeTrigger`.
 */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  private constructor() {}

  /** A new event-time trigger (Flink `EventTimeTrigger.create()`). */
  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return 'FIRE';
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return 'CONTINUE';
  }

  onEventTime(time: number, window: Window, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE';
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(max);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'EventTimeTrigger()';
  }
}

/**
 * Fires once processing time (the injected clock) reaches `window.maxTimestamp()`: registers a
 * processing-time timer there on every element. The default trigger of the processing-time assigners.
 *
 * @see Flink `ProcessingTimeTrigger`.
 */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  private constructor() {}

  /** A new processing-time trigger (Flink `ProcessingTimeTrigger.create()`). */
  static create(): ProcessingTimeTrigger {
    return new ProcessingTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return 'CONTINUE';
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'FIRE';
  }

  canMerge(): boolean {
    return true;
  }

  /** Registers the merged window's timer unless processing time has already passed it. */
  onMerge(window: Window, ctx: OnMergeContext): void {
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(max);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}

/** Sum of two counts, the reduce function of {@link CountTrigger}'s state. */
const sum = (a: number, b: number): number => a + b;

/**
 * Fires when a window has received `maxCount` elements since it last fired: counts in reducing
 * state (`'count'`, per key and window), returns `FIRE` and resets the count when it reaches
 * `maxCount`. Does not purge: wrap it in {@link PurgingTrigger} for tumbling count windows.
 * Mergeable: merged windows' counts add up.
 *
 * @see Flink `CountTrigger`.
 * @example
 * GlobalWindows.create() + PurgingTrigger.of(CountTrigger.of(100)); // what countWindow(100) uses
 */
export class CountTrigger implements Trigger<unknown, Window> {
  private readonly stateDesc = new ReducingDescriptor<number>('count', sum);

  private constructor(
    /** Elements per firing. */
    readonly maxCount: number,
  ) {}

  /**
   * @param maxCount elements per firing, an integer ≥ 1.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) otherwise.
   */
  static of(maxCount: number): CountTrigger {
    if (!Number.isSafeInteger(maxCount) || maxCount < 1) throw new ConfigurationError(`CountTrigger: maxCount must be an integer ≥ 1, got ${maxCount}`);
    return new CountTrigger(maxCount);
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.stateDesc);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return 'FIRE';
    }
    return 'CONTINUE';
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.stateDesc).clear();
  }

  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

/**
 * Turns every `FIRE` of the wrapped trigger into `FIRE_AND_PURGE`, so each firing sees only the
 * elements since the previous one. Everything else (timers, `clear`, merging) is the wrapped
 * trigger's.
 *
 * @see Flink `PurgingTrigger`.
 * @example
 * PurgingTrigger.of(CountTrigger.of(3)); // tumbling windows of 3 elements
 */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  private constructor(
    /** The wrapped trigger. */
    readonly nestedTrigger: Trigger<T, W>,
  ) {}

  /** Wraps `nestedTrigger` (Flink `PurgingTrigger.of`). */
  static of<T, W extends Window>(nestedTrigger: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nestedTrigger);
  }

  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onEventTime(time, window, ctx));
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onProcessingTime(time, window, ctx));
  }

  canMerge(): boolean {
    return triggerCanMerge(this.nestedTrigger as Trigger<never, never>);
  }

  onMerge(window: W, ctx: OnMergeContext): void {
    if (this.nestedTrigger.onMerge === undefined) throw new ConfigurationError(`${triggerName(this.nestedTrigger)} does not support merging`);
    this.nestedTrigger.onMerge(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.nestedTrigger.clear(window, ctx);
  }

  toString(): string {
    return `PurgingTrigger(${String(this.nestedTrigger)})`;
  }
}

function purging(r: TriggerResult): TriggerResult {
  return isFire(r) ? 'FIRE_AND_PURGE' : r;
}

/**
 * Never fires: the default trigger of {@link GlobalWindows}, whose single window never ends, so a
 * trigger must be set explicitly for anything to be emitted.
 *
 * @see Flink `GlobalWindows.NeverTrigger`.
 */
export class NeverTrigger implements Trigger<unknown, Window> {
  private constructor() {}

  /** A never-firing trigger. */
  static create(): NeverTrigger {
    return new NeverTrigger();
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  /** Nothing to merge: it keeps no state and no timers. */
  onMerge(_window: Window, _ctx: OnMergeContext): void {}

  clear(_window: Window, _ctx: TriggerContext): void {}

  toString(): string {
    return 'NeverTrigger()';
  }
}

/** Smaller of two timestamps, the reduce function of the continuous triggers' state. */
const min = (a: number, b: number): number => Math.min(a, b);

function checkInterval(name: string, interval: number): void {
  if (!Number.isSafeInteger(interval) || interval < 1) throw new ConfigurationError(`${name}: interval must be an integer number of ms ≥ 1, got ${interval}`);
}

/**
 * Fires repeatedly every `interval` ms of event time while the window is open, and at its end.
 * The first firing time is aligned to `interval`: an element with timestamp `t` in a window with no
 * pending firing schedules one at `min(t - t % interval + interval, window.maxTimestamp())`; each
 * firing schedules the next at `min(time + interval, window.maxTimestamp())`. The pending firing time
 * is kept in reducing state `'fire-time'` (minimum), per key and window. Like {@link EventTimeTrigger}
 * it also fires at `window.maxTimestamp()` and fires immediately for elements behind the watermark.
 * Does not purge (each firing sees everything so far); wrap in {@link PurgingTrigger} for deltas.
 *
 * @see Flink `ContinuousEventTimeTrigger` (1.17).
 * @example
 * TumblingEventTimeWindows.of(3_600_000) + ContinuousEventTimeTrigger.of(60_000); // hourly totals, updated every minute
 */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  private readonly stateDesc = new ReducingDescriptor<number>('fire-time', min);

  private constructor(
    /** Firing interval, ms. */
    readonly interval: number,
  ) {}

  /**
   * @param interval firing interval, ms, an integer ≥ 1.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) otherwise.
   */
  static of(interval: number): ContinuousEventTimeTrigger {
    checkInterval('ContinuousEventTimeTrigger', interval);
    return new ContinuousEventTimeTrigger(interval);
  }

  onElement(_element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return 'FIRE';
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    // Elements without a timestamp (NO_TIMESTAMP) give no aligned start; Flink would compute one
    // from Long.MIN_VALUE. They only get the end-of-window firing.
    if (fireTimestamp.get() === null && Number.isFinite(timestamp)) {
      this.registerNextFireTimestamp(timestamp - (timestamp % this.interval), window, ctx, fireTimestamp);
    }
    return 'CONTINUE';
  }

  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return 'FIRE';
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    if (fireTimestamp.get() === time) {
      fireTimestamp.clear();
      this.registerNextFireTimestamp(time, window, ctx, fireTimestamp);
      return 'FIRE';
    }
    return 'CONTINUE';
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
    const next = ctx.getPartitionedState(this.stateDesc).get();
    if (next !== null) ctx.registerEventTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    const t = fireTimestamp.get();
    if (t !== null) {
      ctx.deleteEventTimeTimer(t);
      fireTimestamp.clear();
    }
  }

  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }

  private registerNextFireTimestamp(time: number, window: Window, ctx: TriggerContext, state: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    state.add(next);
    ctx.registerEventTimeTimer(next);
  }
}

/**
 * Fires repeatedly every `interval` ms of processing time: the first element of a window (with no
 * pending firing) schedules one at `min(now - now % interval + interval, window.maxTimestamp())`,
 * with `now` the current processing time; each firing schedules the next at
 * `min(time + interval, window.maxTimestamp())`. State `'fire-time'` (reducing, minimum) per key
 * and window. Does not purge.
 *
 * @see Flink `ContinuousProcessingTimeTrigger` (1.17).
 */
export class ContinuousProcessingTimeTrigger implements Trigger<unknown, Window> {
  private readonly stateDesc = new ReducingDescriptor<number>('fire-time', min);

  private constructor(
    /** Firing interval, ms. */
    readonly interval: number,
  ) {}

  /**
   * @param interval firing interval, ms, an integer ≥ 1.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) otherwise.
   */
  static of(interval: number): ContinuousProcessingTimeTrigger {
    checkInterval('ContinuousProcessingTimeTrigger', interval);
    return new ContinuousProcessingTimeTrigger(interval);
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    const now = ctx.getCurrentProcessingTime();
    if (fireTimestamp.get() === null) this.registerNextFireTimestamp(now - (now % this.interval), window, ctx, fireTimestamp);
    return 'CONTINUE';
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return 'CONTINUE';
  }

  onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    // Flink compares with equals() and would throw on a missing value; a missing value can only
    // mean the timer is not ours (e.g. the operator's cleanup timer), so CONTINUE.
    if (fireTimestamp.get() === time) {
      fireTimestamp.clear();
      this.registerNextFireTimestamp(time, window, ctx, fireTimestamp);
      return 'FIRE';
    }
    return 'CONTINUE';
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
    const next = ctx.getPartitionedState(this.stateDesc).get();
    if (next !== null) ctx.registerProcessingTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    const t = fireTimestamp.get();
    if (t !== null) {
      ctx.deleteProcessingTimeTimer(t);
      fireTimestamp.clear();
    }
  }

  toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }

  private registerNextFireTimestamp(time: number, window: Window, ctx: TriggerContext, state: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    state.add(next);
    ctx.registerProcessingTimeTimer(next);
  }
}
