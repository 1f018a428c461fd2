/**
 * User function shapes, named as Flink's. Every function may be given as
 * - a lambda (`(x) => x * 2`),
 * - an object with the method (`{ map: (x) => x * 2 }`), copied per subtask (shallow, as Flink's
 *   serialization gives each subtask its own copy), or
 * - a class (`RichMapFunction` subclasses, `@injectable()` classes with constructor-injected
 *   services), instantiated once per subtask through the job's tsyringe child container.
 * A function may return a Promise: the subtask awaits it before the next record, keeping order.
 *
 * @see org.apache.flink.api.common.functions.*, org.apache.flink.streaming.api.functions.*
 */
import type { RuntimeContext } from './runtime-context.js';
import type { OutputTag } from './output-tag.js';

/** Emits records downstream (Flink's `Collector`). */
export interface Collector<T> {
  collect(value: T): void;
}

/** Lifecycle shared by rich functions (Flink's `RichFunction`). */
export abstract class AbstractRichFunction {
  private runtimeContext: RuntimeContext | undefined;

  /** @internal set by the runtime before `open`. */
  setRuntimeContext(ctx: RuntimeContext): void {
    this.runtimeContext = ctx;
  }

  /**
   * The subtask's context: index, parallelism and keyed state.
   * @throws Error when called before `open` (outside a running subtask).
   */
  getRuntimeContext(): RuntimeContext {
    if (this.runtimeContext === undefined) throw new Error('getRuntimeContext() is only available once the function runs in a subtask (from open() on)');
    return this.runtimeContext;
  }

  /** Called once per subtask before the first record; may be async. */
  open(): void | Promise<void> {}

  /** Called once per subtask after the last record or on failure; may be async. */
  close(): void | Promise<void> {}
}

export type MapFunction<IN, OUT> = ((value: IN) => OUT | Promise<OUT>) | { map(value: IN): OUT | Promise<OUT> };
export type FilterFunction<IN> = ((value: IN) => boolean | Promise<boolean>) | { filter(value: IN): boolean | Promise<boolean> };
/**
 * Flink's `FlatMapFunction`: emit with `out.collect`, or (a JS convenience) return an iterable
 * of results.
 */
export type FlatMapFunction<IN, OUT> =
  | ((value: IN, out: Collector<OUT>) => void | Iterable<OUT> | Promise<void | Iterable<OUT>>)
  | { flatMap(value: IN, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>> };
export type ReduceFunction<T> = ((a: T, b: T) => T | Promise<T>) | { reduce(a: T, b: T): T | Promise<T> };
/** Extracts the key of a record; keys are strings, numbers, bigints, booleans or arrays of those. */
export type KeySelector<IN, K> = (value: IN) => K;

export abstract class RichMapFunction<IN, OUT> extends AbstractRichFunction {
  abstract map(value: IN): OUT | Promise<OUT>;
}

export abstract class RichFilterFunction<IN> extends AbstractRichFunction {
  abstract filter(value: IN): boolean | Promise<boolean>;
}

export abstract class RichFlatMapFunction<IN, OUT> extends AbstractRichFunction {
  abstract flatMap(value: IN, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
}

export abstract class RichReduceFunction<T> extends AbstractRichFunction {
  abstract reduce(a: T, b: T): T | Promise<T>;
}

/** Context of {@link ProcessFunction.processElement}. */
export interface ProcessContext {
  /** The record's timestamp (epoch ms), or `null` when it has none. */
  timestamp(): number | null;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Context of {@link KeyedProcessFunction.processElement} and `onTimer`. */
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
  /** Timers and the current watermark / processing time. */
  timerService(): TimerService;
}

/** Flink's `TimerService`; times are epoch ms. Timers are deduplicated per key and timestamp. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Context of `onTimer`. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'EVENT_TIME' | 'PROCESSING_TIME';
}

/** Flink's `ProcessFunction`: per record, with side outputs. */
export abstract class ProcessFunction<IN, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void | Promise<void>;
}

/** Flink's `KeyedProcessFunction`: per record of a keyed stream, with keyed state and timers. */
export abstract class KeyedProcessFunction<K, IN, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void | Promise<void>;
  /** Called when a registered timer fires. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void | Promise<void> {}
}

/** A class whose instances are user functions; constructor arguments are injected by tsyringe. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FunctionClass<F> = new (...args: any[]) => F;
