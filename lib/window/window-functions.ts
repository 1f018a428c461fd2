/**
 * The functions a window is evaluated with, as Flink's: an incremental {@link AggregateFunction}
 * (or a `ReduceFunction`), and the full-window {@link ProcessWindowFunction} /
 * {@link WindowFunction}, plus their non-keyed variants for `windowAll`.
 *
 * Like every Weir user function, a window function may be given as a lambda, an object with the
 * method, or a class (instantiated once per subtask through the job's container). Incremental
 * functions (reduce, aggregate) run while elements arrive and must be synchronous; process / apply
 * / clear may return a Promise, which the operator awaits before going on.
 *
 * @see Flink's `AggregateFunction`, `ProcessWindowFunction`, `ProcessAllWindowFunction`,
 *   `WindowFunction`, `AllWindowFunction`, `KeyedStateStore`.
 */
import { AbstractRichFunction, type Collector, type FunctionClass } from '../api/functions.js';
import type { OutputTag } from '../api/output-tag.js';
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../state/descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/keyed-state.js';
import type { Window } from './time-window.js';

/**
 * Incremental aggregation with an accumulator: `createAccumulator()` starts one per window,
 * `add(value, acc)` folds each element in and returns the (possibly same, mutated) accumulator,
 * `getResult(acc)` gives the window's result when it fires, and `merge(a, b)` combines two
 * accumulators when windows merge (sessions). All synchronous. Accumulators live in keyed state,
 * so keep them plain data.
 *
 * @see Flink `org.apache.flink.api.common.functions.AggregateFunction`.
 * @example
 * const average: AggregateFunction<number, { sum: number; n: number }, number> = {
 *   createAccumulator: () => ({ sum: 0, n: 0 }),
 *   add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
 *   getResult: (acc) => acc.sum / acc.n,
 *   merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
 * };
 */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

/**
 * Keyed state a window function reads and writes: either per key and window
 * ({@link ProcessWindowContext.windowState}) or per key ({@link ProcessWindowContext.globalState}).
 *
 * @see Flink `KeyedStateStore`.
 */
export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/**
 * What a {@link ProcessWindowFunction} sees when its window fires (and in `clear`).
 *
 * @see Flink `ProcessWindowFunction.Context`.
 */
export interface ProcessWindowContext<W extends Window> {
  /** The window being evaluated. */
  window(): W;
  /** The operator's processing time, epoch ms. */
  currentProcessingTime(): number;
  /** The operator's current event-time watermark, epoch ms. */
  currentWatermark(): number;
  /**
   * State of the current key **and window**. Weir clears it when the window is cleaned up (after
   * `clear` ran); Flink leaves that to `clear`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) with merging windows (sessions), as Flink's
   *   "Per-window state is not allowed when using merging windows."
   */
  windowState(): KeyedStateStore;
  /** State of the current key, shared by all its windows (and with nothing else). */
  globalState(): KeyedStateStore;
  /** Emits `value` to side output `tag`, with the window's `maxTimestamp()` as timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Evaluates a whole window: `process(key, context, elements, out)` gets every element of the
 * window (or, after `reduce` / `aggregate`, exactly the one pre-aggregated value) and emits with
 * `out.collect`; results carry the window's `maxTimestamp()` as timestamp. `clear(context)` runs
 * when the window is cleaned up (its cleanup time passed), to drop state the function kept.
 *
 * @see Flink `org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction`.
 * @example
 * class CountPerWindow extends ProcessWindowFunction<Click, string, string, TimeWindow> {
 *   process(key: string, ctx: ProcessWindowContext<TimeWindow>, clicks: Click[], out: Collector<string>) {
 *     out.collect(`${key} ${ctx.window().start}: ${clicks.length}`);
 *   }
 * }
 */
export abstract class ProcessWindowFunction<IN, OUT, KEY, W extends Window> extends AbstractRichFunction {
  abstract process(key: KEY, context: ProcessWindowContext<W>, elements: IN[], out: Collector<OUT>): void | Promise<void>;
  /** Called when the window is cleaned up; the default does nothing. */
  clear(_context: ProcessWindowContext<W>): void | Promise<void> {}
}

/** A {@link ProcessWindowFunction} as a lambda, an object with `process` (and optionally `clear`), or a class. */
export type ProcessWindowFunctionSpec<IN, OUT, KEY, W extends Window> =
  | ((key: KEY, context: ProcessWindowContext<W>, elements: IN[], out: Collector<OUT>) => void | Promise<void>)
  | { process(key: KEY, context: ProcessWindowContext<W>, elements: IN[], out: Collector<OUT>): void | Promise<void>; clear?(context: ProcessWindowContext<W>): void | Promise<void> }
  | FunctionClass<ProcessWindowFunction<IN, OUT, KEY, W>>;

/**
 * The non-keyed {@link ProcessWindowFunction} of `windowAll`: `process(context, elements, out)`.
 *
 * @see Flink `ProcessAllWindowFunction`.
 */
export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window> extends AbstractRichFunction {
  abstract process(context: ProcessWindowContext<W>, elements: IN[], out: Collector<OUT>): void | Promise<void>;
  /** Called when the window is cleaned up; the default does nothing. */
  clear(_context: ProcessWindowContext<W>): void | Promise<void> {}
}

/** A {@link ProcessAllWindowFunction} as a lambda, an object with `process` (and optionally `clear`), or a class. */
export type ProcessAllWindowFunctionSpec<IN, OUT, W extends Window> =
  | ((context: ProcessWindowContext<W>, elements: IN[], out: Collector<OUT>) => void | Promise<void>)
  | { process(context: ProcessWindowContext<W>, elements: IN[], out: Collector<OUT>): void | Promise<void>; clear?(context: ProcessWindowContext<W>): void | Promise<void> }
  | FunctionClass<ProcessAllWindowFunction<IN, OUT, W>>;

/**
 * The older full-window function: `apply(key, window, elements, out)`, without state or side outputs.
 *
 * @see Flink `WindowFunction`.
 */
export type WindowFunction<IN, OUT, KEY, W extends Window> =
  | ((key: KEY, window: W, elements: IN[], out: Collector<OUT>) => void | Promise<void>)
  | { apply(key: KEY, window: W, elements: IN[], out: Collector<OUT>): void | Promise<void> }
  | FunctionClass<{ apply(key: KEY, window: W, elements: IN[], out: Collector<OUT>): void | Promise<void> }>;

/**
 * The non-keyed {@link WindowFunction} of `windowAll`: `apply(window, elements, out)`.
 *
 * @see Flink `AllWindowFunction`.
 */
export type AllWindowFunction<IN, OUT, W extends Window> =
  | ((window: W, elements: IN[], out: Collector<OUT>) => void | Promise<void>)
  | { apply(window: W, elements: IN[], out: Collector<OUT>): void | Promise<void> }
  | FunctionClass<{ apply(window: W, elements: IN[], out: Collector<OUT>): void | Promise<void> }>;

/** An {@link AggregateFunction} as an object or a class. */
export type AggregateFunctionSpec<IN, ACC, OUT> = AggregateFunction<IN, ACC, OUT> | FunctionClass<AggregateFunction<IN, ACC, OUT>>;
