/**
 * The contexts a window operator hands to triggers, evictors and window functions. Each is one
 * long-lived object per operator whose current window the operator sets before a call (Flink's
 * `WindowOperator.Context` / `WindowContext` with their mutable `window` field), so nothing is
 * allocated per element.
 */
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError } from '../errors.js';
import type { KeyedStateBackend } from '../state/keyed-state-backend.js';
import type { ListStateDescriptor, ReducingStateDescriptor, StateDescriptor } from '../state/descriptors.js';
import type { Clock } from '../time/clock.js';
import type { EvictorContext } from '../window/evictors.js';
import type { NamespacedStateStore } from '../window/namespaced-state.js';
import type { Window } from '../window/time-window.js';
import type { OnMergeContext } from '../window/triggers.js';
import type { KeyedStateStore, ProcessWindowContext } from '../window/window-functions.js';
import type { WindowTimers } from './window-timers.js';

/** What the contexts read from their operator. */
export interface WindowOperatorView<W extends Window> {
  readonly clock: Clock;
  currentWatermark(): number;
  readonly eventTimers: WindowTimers<W>;
  readonly processingTimers: WindowTimers<W>;
}

/**
 * The trigger context (and on-merge context) of a window operator: timers and partitioned state
 * of the current key and {@link window}.
 *
 * @see Flink `WindowOperator.Context`.
 */
export class WindowTriggerContext<W extends Window> implements OnMergeContext {
  /** The window the trigger is called for (set with {@link setWindow}). */
  window!: W;
  /** During `onMerge`: the windows merged into {@link window}. */
  mergedWindows: readonly W[] = [];

  constructor(
    private readonly op: WindowOperatorView<W>,
    private readonly store: NamespacedStateStore,
  ) {}

  /** Scopes timers and partitioned state to `window`. */
  setWindow(window: W): void {
    this.window = window;
    this.store.namespace = window.toKey();
  }

  getCurrentProcessingTime(): number {
    return this.op.clock.now();
  }

  getCurrentWatermark(): number {
    return this.op.currentWatermark();
  }

  registerProcessingTimeTimer(time: number): void {
    this.op.processingTimers.register(this.window, time);
  }

  registerEventTimeTimer(time: number): void {
    this.op.eventTimers.register(this.window, time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.op.processingTimers.delete(this.window, time);
  }

  deleteEventTimeTimer(time: number): void {
    this.op.eventTimers.delete(this.window, time);
  }

  /** Typed by the {@link OnMergeContext} overloads; dispatches on the descriptor's kind. */
  getPartitionedState(descriptor: StateDescriptor<unknown>): never {
    this.store.namespace = this.window.toKey();
    return this.store.getPartitionedState(descriptor) as never;
  }

  mergePartitionedState<T>(descriptor: ReducingStateDescriptor<T> | ListStateDescriptor<T>): void {
    // Make sure the state exists in this store (e.g. first use after a restore) before merging.
    this.store.getPartitionedState(descriptor);
    this.store.mergeNamespaces(
      descriptor.name,
      this.window.toKey(),
      this.mergedWindows.map((w) => w.toKey()),
    );
    this.store.namespace = this.window.toKey();
  }
}

/**
 * The context of `ProcessWindowFunction.process` / `clear`: the window, time, per-window and
 * per-key state, and side outputs (timestamped with the window's `maxTimestamp()`).
 *
 * @see Flink `WindowOperator.WindowContext`, `InternalProcessWindowContext`.
 */
export class WindowProcessContext<W extends Window> implements ProcessWindowContext<W> {
  private current!: W;
  private readonly global: KeyedStateStore;
  private readonly perWindow: KeyedStateStore;
  private readonly seen = new Set<string>();

  /**
   * @param merging true for merging assigners, whose windows have no per-window state.
   * @param sideOutput emits a side-output value (with the current emission timestamp).
   * @param onWindowStateName told once per descriptor name the function uses in `windowState()`
   *   (the operator remembers the names so it can clear restored per-window state).
   */
  constructor(
    private readonly op: WindowOperatorView<W>,
    private readonly store: NamespacedStateStore,
    backend: KeyedStateBackend,
    private readonly merging: boolean,
    private readonly sideOutput: (tagId: string, value: unknown) => void,
    onWindowStateName: (name: string) => void = () => {},
  ) {
    const note = (name: string): void => {
      if (this.seen.has(name)) return;
      this.seen.add(name);
      onWindowStateName(name);
    };
    this.perWindow = {
      getState: (d) => (note(d.name), store.getState(d)),
      getListState: (d) => (note(d.name), store.getListState(d)),
      getMapState: (d) => (note(d.name), store.getMapState(d)),
      getReducingState: (d) => (note(d.name), store.getReducingState(d)),
      getAggregatingState: (d) => (note(d.name), store.getAggregatingState(d)),
    };
    this.global = {
      getState: (d) => backend.getState(d),
      getListState: (d) => backend.getListState(d),
      getMapState: (d) => backend.getMapState(d),
      getReducingState: (d) => backend.getReducingState(d),
      getAggregatingState: (d) => backend.getAggregatingState(d),
    };
  }

  /** Scopes the context (and per-window state) to `window`. */
  setWindow(window: W): void {
    this.current = window;
    this.store.namespace = window.toKey();
  }

  window(): W {
    return this.current;
  }

  currentProcessingTime(): number {
    return this.op.clock.now();
  }

  currentWatermark(): number {
    return this.op.currentWatermark();
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) with merging windows. */
  windowState(): KeyedStateStore {
    if (this.merging) throw new ConfigurationError('Per-window state is not allowed when using merging windows.');
    this.store.namespace = this.current.toKey();
    return this.perWindow;
  }

  globalState(): KeyedStateStore {
    return this.global;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.sideOutput(tag.id, value);
  }
}

/** The evictor context: time as the operator sees it. @see Flink `EvictingWindowOperator.EvictorContext`. */
export function evictorContext(op: WindowOperatorView<Window>): EvictorContext {
  return {
    getCurrentProcessingTime: () => op.clock.now(),
    getCurrentWatermark: () => op.currentWatermark(),
  };
}
