/**
 * Flink's WindowOperator and EvictingWindowOperator for keyed streams: assigns every element to
 * windows, keeps each (key, window)'s contents in the keyed backend (namespaced by
 * `window.toKey()`, see {@link NamespacedStateStore}), asks the trigger what to do, evaluates the
 * window function on FIRE (results timestamped `window.maxTimestamp()`), clears the contents on
 * PURGE, and drops all of a window's state at its cleanup time:
 *
 *     cleanupTime(w) = w.maxTimestamp() + allowedLateness   (event time)
 *                    = w.maxTimestamp()                     (processing time)
 *                    = never                                (GlobalWindow, or beyond 2^53 − 1)
 *
 * Lateness (event time only): a window is late when `cleanupTime(w) <= watermark`; an element
 * skips its late windows, and when every window was late and `timestamp + allowedLateness <=
 * watermark`, it goes to the late-data side output if one was set, else it is dropped and counted
 * in {@link WindowOperator.lateRecordsDropped}. Elements within the allowed lateness re-fire their
 * window (EventTimeTrigger FIREs at once when the watermark has passed the window's end).
 *
 * Merging assigners (sessions) go through {@link MergingWindowSet}: the merged windows' contents
 * and trigger state are merged into the result's, `trigger.onMerge` runs, and the merged windows'
 * cleanup timers are deleted.
 *
 * Timers are per (key, window, time) through {@link WindowTimers}. Incremental functions and
 * triggers are synchronous; the window function (process / apply / clear) may return a Promise,
 * which the operator awaits before going on (so no two firings interleave).
 *
 * Checkpoints: contents, trigger state, per-window state, the merging-window sets and the
 * (key, window, time) timer lists are keyed state, and the (key, time) timers live in the keyed
 * backend's timer storage, so a snapshot of the backend is the whole window state. The checkpoint
 * hooks go to the incremental function, then the window function ({@link AbstractUdfOperator}).
 *
 * @see Flink `org.apache.flink.streaming.runtime.operators.windowing.WindowOperator`,
 *   `EvictingWindowOperator`.
 */
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError, WeirError } from '../errors.js';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../state/descriptors.js';
import type { KeyedStateBackend } from '../state/keyed-state-backend.js';
import type { ListState, MapState, ValueState } from '../state/keyed-state.js';
import type { Clock } from '../time/clock.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { InternalTimer, InternalTimerService, TimerTarget } from '../time/timer-service.js';
import { isMergingWindowAssigner, windowAssignerContextFromClock, type WindowAssigner, type WindowAssignerContext } from '../window/assigners.js';
import type { Evictor, EvictorContext, TimestampedValue } from '../window/evictors.js';
import { MergingWindowSet } from '../window/merging-window-set.js';
import { NamespacedStateStore } from '../window/namespaced-state.js';
import type { Window } from '../window/time-window.js';
import { isFire, isPurge, triggerName, type Trigger, type TriggerResult } from '../window/triggers.js';
import { SerialCollector } from './serial-collector.js';
import type { OperatorContext, Output, StateInitializationContext, StreamOperator } from './stream-operator.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { composeLifecycles, userError } from './user-function.js';
import { WindowProcessContext, WindowTriggerContext, evictorContext, type WindowOperatorView } from './window-contexts.js';
import { resolveIncremental, timestampedContents, type WindowContents, type WindowContentsSpec, type WindowIncremental } from './window-contents.js';
import { resolveWindowFunction, type WindowFunctionRunner, type WindowFunctionSpec } from './window-function-runner.js';
import { mergingMappingFromState } from './window-from-state.js';
import { WindowTimers } from './window-timers.js';

export type { WindowContentsSpec } from './window-contents.js';
export type { WindowFunctionSpec } from './window-function-runner.js';

/** Cleanup time of windows that never end: no cleanup timer is registered (Flink: `Long.MAX_VALUE`). */
const END_OF_TIME = Number.POSITIVE_INFINITY;

/** Prefix of the backend map states holding per-window state (`ProcessWindowContext.windowState()`). */
const WINDOW_STATE_PREFIX = '_window-state/';

/** How a window operator is configured; built by `WindowedStream`. */
export interface WindowOperatorOptions<T, W extends Window> {
  readonly assigner: WindowAssigner<T, W>;
  readonly trigger: Trigger<T, W>;
  /** ms ≥ 0 past `window.maxTimestamp()` during which late elements still update the window. */
  readonly allowedLateness: number;
  /** Side output for elements that were too late for all their windows; undefined = drop them. */
  readonly lateDataTag: OutputTag<T> | undefined;
  /** How contents are kept (reduce / aggregate / list). */
  readonly contents: WindowContentsSpec;
  /** What a firing emits. */
  readonly fn: WindowFunctionSpec;
}

/** Options of an {@link EvictingWindowOperator}: also an evictor. */
export interface EvictingWindowOperatorOptions<T, W extends Window> extends WindowOperatorOptions<T, W> {
  readonly evictor: Evictor<T, W>;
}

/** Flink's WindowOperator: keyed windows with incremental (reduce / aggregate) or list contents. */
export class WindowOperator<T, W extends Window> extends AbstractUdfOperator implements StreamOperator<T>, TimerTarget, WindowOperatorView<W> {
  /** Elements dropped because all their windows were late and no late side output was set (Flink `numLateRecordsDropped`). */
  lateRecordsDropped = 0;
  readonly clock: Clock;
  readonly eventTimers: WindowTimers<W>;
  readonly processingTimers: WindowTimers<W>;
  protected readonly backend: KeyedStateBackend;
  protected readonly collector: SerialCollector<unknown>;
  protected readonly incremental: WindowIncremental;
  protected readonly contents: WindowContents<unknown>;
  private readonly assigner: WindowAssigner<T, W>;
  private readonly trigger: Trigger<T, W>;
  private readonly allowedLateness: number;
  private readonly lateTagId: string | undefined;
  private readonly isEventTime: boolean;
  private readonly fn: WindowFunctionRunner;
  private readonly contentsStore: NamespacedStateStore;
  private readonly windowStore: NamespacedStateStore;
  private readonly triggerCtx: WindowTriggerContext<W>;
  private readonly processCtx: WindowProcessContext<W>;
  private readonly assignerCtx: WindowAssignerContext;
  private readonly mergingState: ValueState<Map<string, [W, W]>> | undefined;
  /**
   * Names of the per-window states the window function used, in operator (union list) state: a
   * restored operator clears per-window state of those names at cleanup even before the function
   * asks for them again (Weir clears per-window state itself; Flink leaves it to `clear`).
   */
  private readonly windowStateNames: ListState<string>;
  /** The backend tables of per-window states known from a restore. */
  private restoredWindowTables: MapState<string, unknown>[] = [];
  private service: InternalTimerService | undefined;

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed stream or for malformed functions. */
  constructor(
    protected readonly ctx: OperatorContext,
    private readonly out: Output<unknown>,
    options: WindowOperatorOptions<T, W>,
  ) {
    if (ctx.keyedBackend === undefined) throw new ConfigurationError(`operator '${ctx.operatorName}': windows need a keyed stream (use keyBy() or windowAll())`);
    const incremental = resolveIncremental(options.contents, ctx);
    const fn = resolveWindowFunction(options.fn, ctx);
    super(composeLifecycles([incremental, fn]));
    const backend = ctx.keyedBackend;
    this.backend = backend;
    this.clock = ctx.clock;
    this.assigner = options.assigner;
    this.trigger = options.trigger;
    this.allowedLateness = options.allowedLateness;
    this.lateTagId = options.lateDataTag?.id;
    this.isEventTime = options.assigner.isEventTime();
    this.assignerCtx = windowAssignerContextFromClock(ctx.clock);
    this.collector = new SerialCollector(out);
    this.incremental = incremental;
    this.fn = fn;
    this.contentsStore = new NamespacedStateStore(backend, '_window-contents/');
    this.windowStore = new NamespacedStateStore(backend, WINDOW_STATE_PREFIX);
    this.windowStateNames = ctx.operatorStateStore.getUnionListState(new ListStateDescriptor<string>('_window-state-names'));
    this.contents = this.createContents(this.contentsStore);
    const timers = (): InternalTimerService => this.timers();
    this.eventTimers = new WindowTimers<W>(backend, 'event-time', timers);
    this.processingTimers = new WindowTimers<W>(backend, 'processing-time', timers);
    this.triggerCtx = new WindowTriggerContext<W>(this, new NamespacedStateStore(backend, '_trigger/'));
    const merging = isMergingWindowAssigner(options.assigner);
    this.processCtx = new WindowProcessContext<W>(
      this,
      this.windowStore,
      backend,
      merging,
      (tagId, value) => this.collector.collectSide(tagId, value),
      (name) => {
        if (!this.windowStateNames.get().includes(name)) this.windowStateNames.add(name);
      },
    );
    this.mergingState = merging ? backend.getState(new ValueStateDescriptor<Map<string, [W, W]>>('_window-merging-set')) : undefined;
  }

  /**
   * Learns the per-window state names of the restored run (the union of every old subtask's), so
   * their restored per-window state is cleared with its window, then forwards to the functions.
   */
  override initializeState(ctx: StateInitializationContext): void | Promise<void> {
    const names = [...new Set(this.windowStateNames.get())];
    this.windowStateNames.update(names);
    this.restoredWindowTables = names.map((n) => this.backend.getMapState(new MapStateDescriptor<string, unknown>(WINDOW_STATE_PREFIX + n)));
    return super.initializeState(ctx);
  }

  /** Creates the timer service (restored timers are handed to it), then opens the functions. */
  override open(): void | Promise<void> {
    this.timers();
    return super.open();
  }

  processElement(value: T, timestamp: number): void | Promise<void> {
    const windows = this.assigner.assignWindows(value, timestamp, this.assignerCtx);
    const r = this.mergingState !== undefined ? this.processMerging(value, timestamp, windows) : this.processAligned(value, timestamp, windows);
    return this.settle(r);
  }

  /** Fires event-time timers up to `watermark` (window firings and cleanups), then forwards it. */
  processWatermark(watermark: number): void | Promise<void> {
    return this.then(this.timers().advanceWatermark(watermark, this), () => this.out.emitWatermark(watermark));
  }

  endInput(): void {}

  /** The operator's current watermark, epoch ms (`NO_TIMESTAMP` before the first). */
  currentWatermark(): number {
    return this.service?.currentWatermark() ?? NO_TIMESTAMP;
  }

  /** Live (key, time) timers of this operator's timer service, for tests and metrics. */
  timerCount(): { event: number; processing: number } {
    return this.service?.timerCount() ?? { event: 0, processing: 0 };
  }

  /** @internal TimerTarget */
  setCurrentKey(key: unknown): void {
    this.backend.setCurrentKey(key);
  }

  /** @internal TimerTarget */
  onEventTime(timer: InternalTimer): void | Promise<void> {
    const time = timer.timestamp;
    return this.settle(this.eventTimers.fire(time, (w) => this.onTimer(w, time, true)));
  }

  /** @internal TimerTarget */
  onProcessingTime(timer: InternalTimer): void | Promise<void> {
    const time = timer.timestamp;
    return this.settle(this.processingTimers.fire(time, (w) => this.onTimer(w, time, false)));
  }

  // ---- hooks for EvictingWindowOperator ----

  /** The contents store; the evicting operator keeps timestamped lists instead. */
  protected createContents(store: NamespacedStateStore): WindowContents<unknown> {
    return this.incremental.contents(store);
  }

  /** Evaluates the window function over `contents` (what {@link contents}.get returned). */
  protected emitWindowContents(window: W, _stateWindow: W, contents: unknown, record: unknown): void | Promise<void> {
    return this.emitValues(window, contents as unknown[], record);
  }

  /** Calls the window function with `values`, results timestamped `window.maxTimestamp()`. */
  protected emitValues(window: W, values: unknown[], record: unknown): void | Promise<void> {
    this.collector.timestamp = window.maxTimestamp();
    this.processCtx.setWindow(window);
    const key = this.backend.currentKey;
    return this.callUser(record, () => this.fn.process(key, window, this.processCtx as WindowProcessContext<Window>, values, this.collector));
  }

  /** Runs `next` after `r` (at once when `r` is not a Promise), restoring the key context after an await. */
  protected then(r: void | Promise<void>, next: () => void | Promise<void>): void | Promise<void> {
    if (!(r instanceof Promise)) return next();
    const key = this.backend.currentKey;
    return r.then(() => {
      // undefined before the first record (open): there is no key context to restore.
      if (key !== undefined) this.backend.setCurrentKey(key);
      return next();
    });
  }

  /** Calls user code (trigger, evictor, incremental function), wrapping what it throws. */
  protected guarded<R>(record: unknown, f: () => R): R {
    try {
      return f();
    } catch (err) {
      throw userError(this.ctx, record, err);
    }
  }

  // ---- element processing ----

  private processAligned(value: T, timestamp: number, windows: W[]): void | Promise<void> {
    // Lateness depends only on the watermark, which does not move within one element.
    const live = windows.filter((w) => !this.isWindowLate(w));
    if (live.length === 0) {
      this.handleSkipped(value, timestamp);
      return undefined;
    }
    return this.forEach(live, (w) => this.onElementInWindow(value, timestamp, w, w));
  }

  private processMerging(value: T, timestamp: number, windows: W[]): void | Promise<void> {
    const set = this.loadMergingSet();
    let skipped = true;
    const r = this.forEach(windows, (window) => {
      const actual = set.addWindow(window, (result, merged, stateResult, mergedState) => this.merge(value, result, merged, stateResult, mergedState));
      if (this.isWindowLate(actual)) {
        set.retireWindow(actual);
        return undefined;
      }
      skipped = false;
      const stateWindow = set.getStateWindow(actual);
      if (stateWindow === undefined) throw new Error(`Window ${String(window)} is not in in-flight window set.`);
      return this.onElementInWindow(value, timestamp, actual, stateWindow);
    });
    return this.then(r, () => {
      set.persist();
      if (skipped) this.handleSkipped(value, timestamp);
    });
  }

  /** Adds the element to one window and applies the trigger's verdict (Flink's per-window loop body). */
  private onElementInWindow(value: T, timestamp: number, window: W, stateWindow: W): void | Promise<void> {
    const ns = stateWindow.toKey();
    this.guarded(value, () => this.contents.add(ns, value, timestamp));
    this.triggerCtx.setWindow(window);
    const result = this.guarded(value, () => this.trigger.onElement(value, timestamp, window, this.triggerCtx));
    let r: void | Promise<void> = undefined;
    if (isFire(result)) {
      const contents = this.contents.get(ns);
      // As Flink: an empty window neither fires nor (re)registers its cleanup timer.
      if (contents === undefined) return undefined;
      r = this.emitWindowContents(window, stateWindow, contents, value);
    }
    return this.then(r, () => {
      if (isPurge(result)) this.contents.clear(ns);
      this.registerCleanupTimer(window);
    });
  }

  /** An element that went into no window: late-data side output, or counted as dropped. */
  private handleSkipped(value: T, timestamp: number): void {
    if (!(this.isEventTime && timestamp + this.allowedLateness <= this.currentWatermark())) return;
    if (this.lateTagId === undefined) {
      this.lateRecordsDropped++;
      return;
    }
    this.collector.timestamp = timestamp;
    this.collector.collectSide(this.lateTagId, value);
  }

  /** Flink's MergeFunction in processElement: check, onMerge, clear merged windows, merge contents. */
  private merge(record: unknown, result: W, merged: W[], stateResult: W, mergedState: W[]): void {
    if (this.isEventTime && result.maxTimestamp() + this.allowedLateness <= this.currentWatermark()) {
      throw new WeirError('WEIR_ERR_WINDOW_MERGE', `The end timestamp of an event-time window cannot become earlier than the current watermark by merging. Current watermark: ${this.currentWatermark()} window: ${String(result)}`);
    }
    if (!this.isEventTime && result.maxTimestamp() <= this.clock.now()) {
      throw new WeirError('WEIR_ERR_WINDOW_MERGE', `The end timestamp of a processing-time window cannot become earlier than the current processing time by merging. Current processing time: ${this.clock.now()} window: ${String(result)}`);
    }
    this.triggerCtx.setWindow(result);
    this.triggerCtx.mergedWindows = merged;
    this.guarded(record, () => {
      if (this.trigger.onMerge === undefined) throw new ConfigurationError(`${triggerName(this.trigger)} does not support merging windows`);
      this.trigger.onMerge(result, this.triggerCtx);
    });
    this.triggerCtx.mergedWindows = [];
    for (const m of merged) {
      this.triggerCtx.setWindow(m);
      this.guarded(record, () => this.trigger.clear(m, this.triggerCtx));
      this.deleteCleanupTimer(m);
    }
    this.guarded(record, () =>
      this.contents.merge(
        stateResult.toKey(),
        mergedState.map((w) => w.toKey()),
      ),
    );
  }

  // ---- timers ----

  /** One (window, time) timer fired (Flink's onEventTime / onProcessingTime). */
  private onTimer(window: W, time: number, eventTime: boolean): void | Promise<void> {
    this.triggerCtx.setWindow(window);
    let set: MergingWindowSet<W> | undefined;
    let stateWindow = window;
    if (this.mergingState !== undefined) {
      set = this.loadMergingSet();
      const s = set.getStateWindow(window);
      // A timer for a window that is gone: the trigger did not delete it. Nothing to do (as Flink).
      if (s === undefined) return undefined;
      stateWindow = s;
    }
    const record = { timer: time, window: String(window) };
    const result: TriggerResult = this.guarded(record, () => (eventTime ? this.trigger.onEventTime(time, window, this.triggerCtx) : this.trigger.onProcessingTime(time, window, this.triggerCtx)));
    const ns = stateWindow.toKey();
    let r: void | Promise<void> = undefined;
    if (isFire(result)) {
      const contents = this.contents.get(ns);
      if (contents !== undefined) r = this.emitWindowContents(window, stateWindow, contents, record);
    }
    return this.then(r, () => {
      if (isPurge(result)) this.contents.clear(ns);
      const cleanup = this.isEventTime === eventTime && time === this.cleanupTime(window);
      return this.then(cleanup ? this.clearAllState(window, stateWindow, set, record) : undefined, () => set?.persist());
    });
  }

  /** Drops everything of `window`: contents, trigger state and timers, per-window state, merging entry. */
  private clearAllState(window: W, stateWindow: W, set: MergingWindowSet<W> | undefined, record: unknown): void | Promise<void> {
    this.contents.clear(stateWindow.toKey());
    this.triggerCtx.setWindow(window);
    this.guarded(record, () => this.trigger.clear(window, this.triggerCtx));
    this.processCtx.setWindow(window);
    const r = this.callUser(record, () => this.fn.clear(this.processCtx as WindowProcessContext<Window>));
    return this.then(r, () => {
      const ns = window.toKey();
      this.windowStore.clearNamespace(ns);
      for (const table of this.restoredWindowTables) table.remove(ns);
      if (set !== undefined) {
        set.retireWindow(window);
        set.persist();
      }
    });
  }

  private cleanupTime(window: W): number {
    const max = window.maxTimestamp();
    if (max >= Number.MAX_SAFE_INTEGER) return END_OF_TIME;
    if (!this.isEventTime) return max;
    const t = max + this.allowedLateness;
    return t >= Number.MAX_SAFE_INTEGER ? END_OF_TIME : t;
  }

  private isWindowLate(window: W): boolean {
    return this.isEventTime && this.cleanupTime(window) <= this.currentWatermark();
  }

  private registerCleanupTimer(window: W): void {
    const t = this.cleanupTime(window);
    if (t === END_OF_TIME) return;
    (this.isEventTime ? this.eventTimers : this.processingTimers).register(window, t);
  }

  private deleteCleanupTimer(window: W): void {
    const t = this.cleanupTime(window);
    if (t === END_OF_TIME) return;
    (this.isEventTime ? this.eventTimers : this.processingTimers).delete(window, t);
  }

  // ---- plumbing ----

  private loadMergingSet(): MergingWindowSet<W> {
    const state = this.mergingState!;
    // Restored sets hold plain objects: rebuild the windows once, for this and later loads.
    const stored = state.value();
    if (stored !== null) {
      const live = mergingMappingFromState(stored);
      if (live !== stored) state.update(live);
    }
    return new MergingWindowSet<W>(this.assigner as never, state);
  }

  private timers(): InternalTimerService {
    this.service ??= this.ctx.timerService(this);
    return this.service;
  }

  /** Calls a user window function (may be async), wrapping failures with the operator and record. */
  private callUser(record: unknown, f: () => void | Promise<void>): void | Promise<void> {
    const r = this.guarded(record, f);
    if (!(r instanceof Promise)) return undefined;
    return r.then(undefined, (err: unknown) => {
      throw userError(this.ctx, record, err);
    });
  }

  /** Runs `fn` over `items` in order, waiting for each Promise before the next item. */
  private forEach<X>(items: readonly X[], fn: (x: X) => void | Promise<void>, from = 0): void | Promise<void> {
    for (let i = from; i < items.length; i++) {
      const r = fn(items[i]!);
      if (r instanceof Promise) return this.then(r, () => this.forEach(items, fn, i + 1));
    }
    return undefined;
  }

  /** Hands the collector's pending downstream chain to the caller (the subtask awaits it). */
  private settle(r: void | Promise<void>): void | Promise<void> {
    if (r instanceof Promise) return r.then(() => this.collector.takePending());
    return this.collector.takePending();
  }
}

/**
 * Flink's EvictingWindowOperator: keeps every element with its timestamp, and at each firing runs
 * `evictor.evictBefore`, folds the survivors with the reduce / aggregate function (if any), calls
 * the window function, runs `evictor.evictAfter` and writes the remaining elements back.
 */
export class EvictingWindowOperator<T, W extends Window> extends WindowOperator<T, W> {
  private readonly evictor: Evictor<T, W>;
  private readonly evictorCtx: EvictorContext;

  constructor(ctx: OperatorContext, out: Output<unknown>, options: EvictingWindowOperatorOptions<T, W>) {
    super(ctx, out, options);
    this.evictor = options.evictor;
    this.evictorCtx = evictorContext(this as WindowOperatorView<Window>);
  }

  protected override createContents(store: NamespacedStateStore): WindowContents<unknown> {
    return timestampedContents(store) as WindowContents<unknown>;
  }

  protected override emitWindowContents(window: W, stateWindow: W, contents: unknown, record: unknown): void | Promise<void> {
    // `contents` is a fresh copy of the stored list: evictors edit it in place.
    const elements = contents as TimestampedValue<T>[];
    this.guarded(record, () => this.evictor.evictBefore(elements, elements.length, window, this.evictorCtx));
    const values = this.guarded(record, () => this.incremental.fold(elements.map((e) => e.value)));
    const r = values === undefined ? undefined : this.emitValues(window, values, record);
    return this.then(r, () => {
      this.guarded(record, () => this.evictor.evictAfter(elements, elements.length, window, this.evictorCtx));
      this.contents.set(stateWindow.toKey(), elements);
    });
  }
}
