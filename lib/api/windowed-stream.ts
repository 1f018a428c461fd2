/**
 * Windows over a keyed stream (Flink's `WindowedStream`) and over a whole stream (Flink's
 * `AllWindowedStream`). Configure the window with {@link WindowedStream.trigger},
 * {@link WindowedStream.evictor}, {@link WindowedStream.allowedLateness} and
 * {@link WindowedStream.sideOutputLateData} (each returns the same stream), then finish it with a
 * window function — `reduce`, `aggregate`, `process` or `apply` — which adds the window operator
 * to the graph and returns its output stream. Nothing runs until `execute()`.
 *
 * Results carry the window's `maxTimestamp()` (`end - 1`) as timestamp. Durations are ms.
 *
 * @see org.apache.flink.streaming.api.datastream.WindowedStream, AllWindowedStream
 * @example
 * const late = new OutputTag<Trip>('late');
 * const sums = trips
 *   .keyBy((t) => t.zone)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .allowedLateness(10_000)
 *   .sideOutputLateData(late)
 *   .reduce((a, b) => ({ ...a, fare: a.fare + b.fare }));
 * sums.getSideOutput(late).print();
 */
import { ConfigurationError } from '../errors.js';
import { EvictingWindowOperator, WindowOperator, type WindowContentsSpec, type WindowFunctionSpec, type WindowOperatorOptions } from '../operators/window-operator.js';
import { isMergingWindowAssigner, type WindowAssigner } from '../window/assigners.js';
import { evictorName, type Evictor } from '../window/evictors.js';
import type { Window } from '../window/time-window.js';
import { triggerCanMerge, triggerName, type Trigger } from '../window/triggers.js';
import type {
  AggregateFunctionSpec,
  AllWindowFunction,
  ProcessAllWindowFunctionSpec,
  ProcessWindowFunctionSpec,
  WindowFunction,
} from '../window/window-functions.js';
import type { SingleOutputStreamOperator } from './data-stream.js';
import { AbstractRichFunction, type FunctionClass, type ReduceFunction } from './functions.js';
import type { KeyedStream } from './keyed-stream.js';
import type { OutputTag } from './output-tag.js';

/** A reduce function for windows: a lambda, an object with `reduce`, or a class (not a rich function). */
export type WindowReduceFunction<T> = ReduceFunction<T> | FunctionClass<{ reduce(a: T, b: T): T }>;

/**
 * A keyed stream cut into windows by a {@link WindowAssigner}; create it with
 * `keyedStream.window(assigner)` or `keyedStream.countWindow(size[, slide])`.
 *
 * @see Flink `WindowedStream`.
 */
export class WindowedStream<T, K, W extends Window> {
  private windowTrigger: Trigger<T, W>;
  private windowEvictor: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateDataTag: OutputTag<T> | undefined;

  /** @internal use `keyedStream.window(assigner)`. */
  constructor(
    readonly input: KeyedStream<T, K>,
    readonly windowAssigner: WindowAssigner<T, W>,
  ) {
    this.windowTrigger = windowAssigner.getDefaultTrigger();
  }

  /**
   * Replaces the assigner's default trigger.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the assigner merges windows (sessions) and
   *   the trigger cannot merge (Flink: "A merging window assigner cannot be used with a trigger
   *   that does not support merging.").
   */
  trigger(trigger: Trigger<T, W>): this {
    if (isMergingWindowAssigner(this.windowAssigner) && !triggerCanMerge(trigger as Trigger<never, never>)) {
      throw new ConfigurationError('A merging window assigner cannot be used with a trigger that does not support merging.');
    }
    this.windowTrigger = trigger;
    return this;
  }

  /**
   * Sets an evictor: the window then keeps every element (no incremental aggregation) and the
   * evictor removes elements before and/or after each evaluation (Flink `EvictingWindowOperator`).
   */
  evictor(evictor: Evictor<T, W>): this {
    this.windowEvictor = evictor;
    return this;
  }

  /**
   * How long (ms, event time) after `window.maxTimestamp()` a window keeps its state, so that late
   * elements still update it (each re-fires it with EventTimeTrigger); later elements are dropped
   * or go to {@link sideOutputLateData}. Default 0. Ignored by processing-time windows.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless an integer ≥ 0 (Flink: "The allowed
   *   lateness cannot be negative.").
   */
  allowedLateness(lateness: number): this {
    if (!Number.isSafeInteger(lateness) || lateness < 0) throw new ConfigurationError(`The allowed lateness cannot be negative (must be an integer number of ms ≥ 0, got ${lateness}).`);
    this.lateness = lateness;
    return this;
  }

  /**
   * Sends elements that arrive too late for every window they belong to (event time, beyond the
   * allowed lateness) to side output `tag`, with their own timestamps; read them with
   * `result.getSideOutput(tag)`. Without it they are dropped.
   */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateDataTag = tag;
    return this;
  }

  /**
   * Reduces each window incrementally (one value kept per key and window) and emits the reduced
   * value on every firing; with `windowFunction`, passes that one value to it instead.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a rich reduce function (as Flink: "ReduceFunction
   *   of reduce can not be a RichFunction").
   */
  reduce(fn: WindowReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<R>(fn: WindowReduceFunction<T>, windowFunction: ProcessWindowFunctionSpec<T, R, K, W>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: WindowReduceFunction<T>, windowFunction?: ProcessWindowFunctionSpec<T, R, K, W>): SingleOutputStreamOperator<T | R> {
    rejectRich(fn, 'ReduceFunction of reduce can not be a RichFunction. Please use reduce(ReduceFunction, ProcessWindowFunction) instead.');
    return this.build(
      { kind: 'reduce', fn: fn as never },
      windowFunction === undefined ? { kind: 'pass-through' } : { kind: 'process', fn: windowFunction, keyed: true },
      describe(fn, 'reduce'),
    );
  }

  /**
   * Aggregates each window incrementally with `fn` (one accumulator per key and window) and emits
   * `getResult(acc)` on every firing; with `windowFunction`, passes that one result to it instead.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a rich aggregate function (as Flink).
   */
  aggregate<ACC, V>(fn: AggregateFunctionSpec<T, ACC, V>): SingleOutputStreamOperator<V>;
  aggregate<ACC, V, R>(fn: AggregateFunctionSpec<T, ACC, V>, windowFunction: ProcessWindowFunctionSpec<V, R, K, W>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(fn: AggregateFunctionSpec<T, ACC, V>, windowFunction?: ProcessWindowFunctionSpec<V, R, K, W>): SingleOutputStreamOperator<V | R> {
    rejectRich(fn, 'This aggregation function cannot be a RichFunction.');
    return this.build(
      { kind: 'aggregate', fn: fn as AggregateFunctionSpec<unknown, unknown, unknown> },
      windowFunction === undefined ? { kind: 'pass-through' } : { kind: 'process', fn: windowFunction, keyed: true },
      describe(fn, 'aggregate'),
    );
  }

  /** Evaluates each window over all its elements with a {@link ProcessWindowFunctionSpec ProcessWindowFunction}. */
  process<R>(fn: ProcessWindowFunctionSpec<T, R, K, W>): SingleOutputStreamOperator<R> {
    return this.build({ kind: 'list' }, { kind: 'process', fn, keyed: true }, describe(fn, 'process'));
  }

  /** Evaluates each window over all its elements with a {@link WindowFunction} (Flink's older `apply`). */
  apply<R>(fn: WindowFunction<T, R, K, W>): SingleOutputStreamOperator<R> {
    return this.build({ kind: 'list' }, { kind: 'apply', fn, keyed: true }, describe(fn, 'apply'));
  }

  /** @internal adds the window operator; used by the methods above and by {@link AllWindowedStream}. */
  build<R>(contents: WindowContentsSpec, fn: WindowFunctionSpec, fnName: string, prefix = 'Window'): SingleOutputStreamOperator<R> {
    // Copy the configuration: later calls on this WindowedStream must not change this operator.
    const options: WindowOperatorOptions<T, W> = {
      assigner: this.windowAssigner,
      trigger: this.windowTrigger,
      allowedLateness: this.lateness,
      lateDataTag: this.lateDataTag,
      contents,
      fn,
    };
    const evictor = this.windowEvictor;
    const parts = [String(this.windowAssigner), triggerName(this.windowTrigger), ...(evictor !== undefined ? [evictorName(evictor)] : []), fnName];
    return this.input.transform<R>(`${prefix}(${parts.join(', ')})`, (ctx, out) =>
      evictor !== undefined ? new EvictingWindowOperator<T, W>(ctx, out, { ...options, evictor }) : new WindowOperator<T, W>(ctx, out, options),
    );
  }
}

/**
 * Windows over a whole, non-keyed stream; create it with `dataStream.windowAll(assigner)` or
 * `countWindowAll`. As in Flink, it is a keyed window with one constant key, run by a single
 * subtask (parallelism 1), so every element meets in the same windows.
 *
 * @see Flink `AllWindowedStream`.
 */
export class AllWindowedStream<T, W extends Window> {
  /** @internal use `dataStream.windowAll(assigner)`; `input` is keyed by a constant. */
  constructor(private readonly windowed: WindowedStream<T, number, W>) {}

  /** As {@link WindowedStream.trigger}. @throws ConfigurationError for a non-merging trigger on merging windows. */
  trigger(trigger: Trigger<T, W>): this {
    this.windowed.trigger(trigger);
    return this;
  }

  /** As {@link WindowedStream.evictor}. */
  evictor(evictor: Evictor<T, W>): this {
    this.windowed.evictor(evictor);
    return this;
  }

  /** As {@link WindowedStream.allowedLateness}. @throws ConfigurationError unless an integer ≥ 0. */
  allowedLateness(lateness: number): this {
    this.windowed.allowedLateness(lateness);
    return this;
  }

  /** As {@link WindowedStream.sideOutputLateData}. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.windowed.sideOutputLateData(tag);
    return this;
  }

  /** As {@link WindowedStream.reduce}, with a {@link ProcessAllWindowFunctionSpec ProcessAllWindowFunction}. */
  reduce(fn: WindowReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<R>(fn: WindowReduceFunction<T>, windowFunction: ProcessAllWindowFunctionSpec<T, R, W>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: WindowReduceFunction<T>, windowFunction?: ProcessAllWindowFunctionSpec<T, R, W>): SingleOutputStreamOperator<T | R> {
    rejectRich(fn, 'ReduceFunction of reduce can not be a RichFunction. Please use reduce(ReduceFunction, ProcessAllWindowFunction) instead.');
    return this.build({ kind: 'reduce', fn: fn as never }, windowFunction === undefined ? { kind: 'pass-through' } : { kind: 'process', fn: windowFunction, keyed: false }, describe(fn, 'reduce'));
  }

  /** As {@link WindowedStream.aggregate}, with a {@link ProcessAllWindowFunctionSpec ProcessAllWindowFunction}. */
  aggregate<ACC, V>(fn: AggregateFunctionSpec<T, ACC, V>): SingleOutputStreamOperator<V>;
  aggregate<ACC, V, R>(fn: AggregateFunctionSpec<T, ACC, V>, windowFunction: ProcessAllWindowFunctionSpec<V, R, W>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(fn: AggregateFunctionSpec<T, ACC, V>, windowFunction?: ProcessAllWindowFunctionSpec<V, R, W>): SingleOutputStreamOperator<V | R> {
    rejectRich(fn, 'This aggregation function cannot be a RichFunction.');
    return this.build(
      { kind: 'aggregate', fn: fn as AggregateFunctionSpec<unknown, unknown, unknown> },
      windowFunction === undefined ? { kind: 'pass-through' } : { kind: 'process', fn: windowFunction, keyed: false },
      describe(fn, 'aggregate'),
    );
  }

  /** Evaluates each window over all elements with a {@link ProcessAllWindowFunctionSpec ProcessAllWindowFunction}. */
  process<R>(fn: ProcessAllWindowFunctionSpec<T, R, W>): SingleOutputStreamOperator<R> {
    return this.build({ kind: 'list' }, { kind: 'process', fn, keyed: false }, describe(fn, 'process'));
  }

  /** Evaluates each window over all elements with an {@link AllWindowFunction}. */
  apply<R>(fn: AllWindowFunction<T, R, W>): SingleOutputStreamOperator<R> {
    return this.build({ kind: 'list' }, { kind: 'apply', fn, keyed: false }, describe(fn, 'apply'));
  }

  private build<R>(contents: WindowContentsSpec, fn: WindowFunctionSpec, fnName: string): SingleOutputStreamOperator<R> {
    return this.windowed.build<R>(contents, fn, fnName, 'AllWindow').setParallelism(1);
  }
}

function rejectRich(fn: unknown, message: string): void {
  const rich = fn instanceof AbstractRichFunction || (typeof fn === 'function' && (fn as { prototype?: unknown }).prototype instanceof AbstractRichFunction);
  if (rich) throw new ConfigurationError(message);
}

/** A name for a user function in operator names: its class or function name, else `fallback`. */
function describe(fn: unknown, fallback: string): string {
  if (typeof fn === 'function' && fn.name !== '') return fn.name;
  const ctor = (fn as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor !== undefined && ctor !== '' && ctor !== 'Object' && ctor !== 'Function' ? ctor : fallback;
}
