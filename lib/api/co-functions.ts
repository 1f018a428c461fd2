/**
 * User functions over two inputs, named as Flink's: co-functions of connected streams
 * (`CoMapFunction`, `CoFlatMapFunction`, `CoProcessFunction`, `KeyedCoProcessFunction`), the
 * broadcast state pattern (`BroadcastProcessFunction`, `KeyedBroadcastProcessFunction`), joins
 * (`JoinFunction`, `FlatJoinFunction`, `CoGroupFunction`, `ProcessJoinFunction`).
 *
 * As every Weir function, each may be an object with the method(s) (copied per subtask), a class
 * (instantiated once per subtask through the job's container; `AbstractRichFunction` subclasses get
 * `open`/`close` and `getRuntimeContext()`), or — for single-method functions — a lambda. Methods
 * may return a Promise; the subtask awaits it before the next record. Objects and classes may also
 * implement `CheckpointedFunction` and `CheckpointListener` ({@link UserFunctionHooks}).
 *
 * @see org.apache.flink.streaming.api.functions.co.*
 * @see org.apache.flink.api.common.functions.JoinFunction, FlatJoinFunction, CoGroupFunction
 */
import type { ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../state/descriptors.js';
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/broadcast-state.js';
import type { ListState, MapState, ReducingState, ValueState } from '../state/keyed-state.js';
import { AbstractRichFunction, type Collector, type KeyedProcessContext, type OnTimerContext, type ProcessContext, type TimerService, type UserFunctionHooks } from './functions.js';
import type { OutputTag } from './output-tag.js';

// ---- CoMap / CoFlatMap ----

/**
 * One output per record of either input: `map1` for the first, `map2` for the second (Flink's
 * `CoMapFunction`). An object with both methods, or a class ({@link RichCoMapFunction}).
 * @see org.apache.flink.streaming.api.functions.co.CoMapFunction
 */
export interface CoMapFunction<IN1, IN2, OUT> extends UserFunctionHooks {
  map1(value: IN1): OUT | Promise<OUT>;
  map2(value: IN2): OUT | Promise<OUT>;
}

/** A {@link CoMapFunction} with `open`/`close` and the runtime context (Flink's `RichCoMapFunction`). */
export abstract class RichCoMapFunction<IN1, IN2, OUT> extends AbstractRichFunction implements CoMapFunction<IN1, IN2, OUT> {
  abstract map1(value: IN1): OUT | Promise<OUT>;
  abstract map2(value: IN2): OUT | Promise<OUT>;
}

/**
 * Zero or more outputs per record of either input, via `out.collect` or a returned iterable
 * (Flink's `CoFlatMapFunction`).
 * @see org.apache.flink.streaming.api.functions.co.CoFlatMapFunction
 */
export interface CoFlatMapFunction<IN1, IN2, OUT> extends UserFunctionHooks {
  flatMap1(value: IN1, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
  flatMap2(value: IN2, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
}

/** A {@link CoFlatMapFunction} with `open`/`close` and the runtime context (Flink's `RichCoFlatMapFunction`). */
export abstract class RichCoFlatMapFunction<IN1, IN2, OUT> extends AbstractRichFunction implements CoFlatMapFunction<IN1, IN2, OUT> {
  abstract flatMap1(value: IN1, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
  abstract flatMap2(value: IN2, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
}

// ---- CoProcess ----

/**
 * Context of {@link CoProcessFunction}: the record's timestamp, side outputs and the timer service.
 * On non-keyed connected streams registering timers throws (as Flink's "Setting timers is only
 * supported on a keyed streams.").
 */
export interface CoProcessContext extends ProcessContext {
  timerService(): TimerService;
}

/** Context of {@link CoProcessFunction.onTimer} (keyed connected streams only). */
export interface CoProcessOnTimerContext extends CoProcessContext {
  timeDomain(): 'EVENT_TIME' | 'PROCESSING_TIME';
}

/**
 * Flink's `CoProcessFunction`: `processElement1` / `processElement2` per record of each input, with
 * side outputs; on keyed connected streams also keyed state and timers (`onTimer`).
 * @see org.apache.flink.streaming.api.functions.co.CoProcessFunction
 */
export abstract class CoProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement1(value: IN1, ctx: CoProcessContext, out: Collector<OUT>): void | Promise<void>;
  abstract processElement2(value: IN2, ctx: CoProcessContext, out: Collector<OUT>): void | Promise<void>;
  /** Called when a timer fires (keyed connected streams). */
  onTimer(_timestamp: number, _ctx: CoProcessOnTimerContext, _out: Collector<OUT>): void | Promise<void> {}
}

/**
 * Flink's `KeyedCoProcessFunction`, for connected streams keyed on both sides: keyed state is
 * shared by both inputs for a key (one backend, the key set from each input's own key selector),
 * timers fire `onTimer` with the key context set.
 *
 * @see org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction
 * @example
 * // Flink training's rides and fares: whichever of the two arrives first waits in state.
 * class EnrichRides extends KeyedCoProcessFunction<number, Ride, Fare, [Ride, Fare]> {
 *   processElement1(ride: Ride, _ctx: KeyedProcessContext<number>, out: Collector<[Ride, Fare]>) {
 *     const fare = this.fares().value();
 *     if (fare !== null) { this.fares().clear(); out.collect([ride, fare]); } else this.rides().update(ride);
 *   }
 *   // processElement2 mirrors it
 * }
 */
export abstract class KeyedCoProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void | Promise<void>;
  abstract processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void | Promise<void>;
  /** Called when a timer fires, with the timer's key as current key. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void | Promise<void> {}
}

/** A co-process function as an object with `processElement1`/`processElement2` (and optionally `onTimer`). */
export interface CoProcessFunctionObject<IN1, IN2, OUT, C = CoProcessContext> extends UserFunctionHooks {
  processElement1(value: IN1, ctx: C, out: Collector<OUT>): void | Promise<void>;
  processElement2(value: IN2, ctx: C, out: Collector<OUT>): void | Promise<void>;
  onTimer?(timestamp: number, ctx: C & { timeDomain(): 'EVENT_TIME' | 'PROCESSING_TIME' }, out: Collector<OUT>): void | Promise<void>;
}

// ---- Broadcast state pattern ----

/** What both sides of a broadcast process function see (Flink's `BaseBroadcastProcessFunction.BaseContext`). */
export interface BaseBroadcastContext {
  /** The record's timestamp (epoch ms), or `null` when it has none. */
  timestamp(): number | null;
  /** Emits to a side output, with the record's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
  currentProcessingTime(): number;
  currentWatermark(): number;
}

/**
 * Context of `processElement` (the non-broadcast side): broadcast state is read-only there.
 * @see Flink's `BroadcastProcessFunction.ReadOnlyContext`
 */
export interface BroadcastReadOnlyContext extends BaseBroadcastContext {
  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `descriptor` was not given to `broadcast(...)`. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/**
 * Context of `processBroadcastElement`: broadcast state is writable.
 * @see Flink's `BroadcastProcessFunction.Context`
 */
export interface BroadcastContext extends BaseBroadcastContext {
  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `descriptor` was not given to `broadcast(...)`. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * Flink's `BroadcastProcessFunction`: a non-keyed stream connected to a broadcast stream.
 * `processBroadcastElement` runs in every parallel subtask for every broadcast element and may
 * update the broadcast state; `processElement` reads it. There is no ordering between the two
 * inputs: an element may be processed before a broadcast element sent earlier.
 * @see org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void | Promise<void>;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void | Promise<void>;
}

/** Context of `KeyedBroadcastProcessFunction.processElement`: adds the current key and timers. */
export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/** Context of `KeyedBroadcastProcessFunction.onTimer`. */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): 'EVENT_TIME' | 'PROCESSING_TIME';
}

/**
 * Context of `KeyedBroadcastProcessFunction.processBroadcastElement`: writable broadcast state and
 * {@link applyToKeyedState}, which visits every key of this subtask that has the given keyed state.
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Calls `fn(key, state)` for every key of this subtask with a value in `descriptor`'s keyed state,
   * that key being current (Flink's `applyToKeyedState`). `fn` may update or clear the state.
   */
  applyToKeyedState<T>(descriptor: ValueStateDescriptor<T>, fn: (key: K, state: ValueState<T>) => void): void;
  applyToKeyedState<T>(descriptor: ListStateDescriptor<T>, fn: (key: K, state: ListState<T>) => void): void;
  applyToKeyedState<MK, MV>(descriptor: MapStateDescriptor<MK, MV>, fn: (key: K, state: MapState<MK, MV>) => void): void;
  applyToKeyedState<T>(descriptor: ReducingStateDescriptor<T>, fn: (key: K, state: ReducingState<T>) => void): void;
}

/**
 * Flink's `KeyedBroadcastProcessFunction`: a keyed stream connected to a broadcast stream.
 * `processElement` has keyed state, timers and read-only broadcast state; `processBroadcastElement`
 * has writable broadcast state and `ctx.applyToKeyedState`; `onTimer` fires keyed timers.
 * @see org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction
 */
export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void | Promise<void>;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void | Promise<void>;
  /** Called when a timer fires, with the timer's key as current key. */
  onTimer(_timestamp: number, _ctx: KeyedBroadcastOnTimerContext<K>, _out: Collector<OUT>): void | Promise<void> {}
}

// ---- Joins ----

/**
 * Joins one pair of elements into one result (Flink's `JoinFunction`): a lambda `(first, second) =>
 * result`, an object with `join(first, second)`, or a class. Told apart from a
 * {@link FlatJoinFunction} by arity: a `join` (or lambda) declaring fewer than 3 parameters is a
 * `JoinFunction`.
 * @see org.apache.flink.api.common.functions.JoinFunction
 */
export type JoinFunction<IN1, IN2, OUT> = ((first: IN1, second: IN2) => OUT | Promise<OUT>) | ({ join(first: IN1, second: IN2): OUT | Promise<OUT> } & UserFunctionHooks);

/**
 * Joins one pair into zero or more results via `out.collect` (Flink's `FlatJoinFunction`): a
 * lambda `(first, second, out) => …`, an object with `join(first, second, out)`, or a class
 * ({@link RichFlatJoinFunction}). Recognised by its third parameter.
 * @see org.apache.flink.api.common.functions.FlatJoinFunction
 */
export type FlatJoinFunction<IN1, IN2, OUT> = ((first: IN1, second: IN2, out: Collector<OUT>) => void | Promise<void>) | ({ join(first: IN1, second: IN2, out: Collector<OUT>): void | Promise<void> } & UserFunctionHooks);

/** A {@link JoinFunction} with `open`/`close` and the runtime context (Flink's `RichJoinFunction`). */
export abstract class RichJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract join(first: IN1, second: IN2): OUT | Promise<OUT>;
}

/** A {@link FlatJoinFunction} with `open`/`close` and the runtime context (Flink's `RichFlatJoinFunction`). */
export abstract class RichFlatJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract join(first: IN1, second: IN2, out: Collector<OUT>): void | Promise<void>;
}

/**
 * Gets all elements of both inputs for one key and window (either list may be empty, not both)
 * and emits any number of results (Flink's `CoGroupFunction`).
 * @see org.apache.flink.api.common.functions.CoGroupFunction
 */
export type CoGroupFunction<IN1, IN2, OUT> = ((first: IN1[], second: IN2[], out: Collector<OUT>) => void | Promise<void>) | ({ coGroup(first: IN1[], second: IN2[], out: Collector<OUT>): void | Promise<void> } & UserFunctionHooks);

/** A {@link CoGroupFunction} with `open`/`close` and the runtime context (Flink's `RichCoGroupFunction`). */
export abstract class RichCoGroupFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract coGroup(first: IN1[], second: IN2[], out: Collector<OUT>): void | Promise<void>;
}

/**
 * Context of {@link ProcessJoinFunction.processElement}: both elements' timestamps and side outputs.
 * @see Flink's `ProcessJoinFunction.Context`
 */
export interface ProcessJoinContext {
  /** Timestamp of the left (first input's) element, epoch ms. */
  getLeftTimestamp(): number;
  /** Timestamp of the right (second input's) element, epoch ms. */
  getRightTimestamp(): number;
  /** The result's timestamp: the larger of both. */
  getTimestamp(): number;
  /** Emits to a side output, with {@link getTimestamp} as timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Called once per joined pair of an interval join (Flink's `ProcessJoinFunction`): results carry
 * the larger of both timestamps.
 * @see org.apache.flink.streaming.api.functions.co.ProcessJoinFunction
 */
export abstract class ProcessJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): void | Promise<void>;
}

/** A {@link ProcessJoinFunction} as a lambda, an object with `processElement`, or a class. */
export type ProcessJoinFunctionSpec<IN1, IN2, OUT> =
  | ((left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>) => void | Promise<void>)
  | ({ processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): void | Promise<void> } & UserFunctionHooks)
  | (new (...args: never[]) => ProcessJoinFunction<IN1, IN2, OUT>);
