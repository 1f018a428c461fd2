/**
 * A stream partitioned by key (Flink's KeyedStream). Operators on it are keyed: their keyed state
 * (`getRuntimeContext().getState(...)`) is scoped to the current record's key.
 *
 * @see org.apache.flink.streaming.api.datastream.KeyedStream
 */
import { minMaxByReducer, minMaxReducer, sumReducer, type FieldRef } from '../operators/aggregations.js';
import { ProcessOperator } from '../operators/process-operator.js';
import { ReduceOperator } from '../operators/reduce-operator.js';
import { DataStream, type SingleOutputStreamOperator } from './data-stream.js';
import type { StreamExecutionEnvironment } from './environment.js';
import type { FunctionClass, KeyedProcessFunction, KeySelector, ReduceFunction } from './functions.js';
import type { Transformation } from './transformation.js';
import { GlobalWindows, type WindowAssigner } from '../window/assigners.js';
import { CountEvictor } from '../window/evictors.js';
import type { GlobalWindow, Window } from '../window/time-window.js';
import { CountTrigger, PurgingTrigger } from '../window/triggers.js';
import { WindowedStream } from './windowed-stream.js';
import { IntervalJoin } from './interval-join.js';

/** A field of the record: a property name, or an index for array (tuple) records. */
export type Field<T> = (T extends readonly unknown[] ? number : keyof T & string) | number;

export class KeyedStream<T, K> extends DataStream<T> {
  /** @internal */
  constructor(environment: StreamExecutionEnvironment, transformation: Transformation, readonly keySelector: KeySelector<T, K>) {
    super(environment, transformation);
  }

  /** The key selector of this stream. */
  getKeySelector(): KeySelector<T, K> {
    return this.keySelector;
  }

  /**
   * Rolling reduce per key (Flink's StreamGroupedReduceOperator): emits the new reduced value after
   * every record.
   */
  reduce(fn: ReduceFunction<T> | FunctionClass<{ reduce(a: T, b: T): T | Promise<T> }>): SingleOutputStreamOperator<T> {
    return this.transform<T>('Keyed Reduce', (ctx, out) => new ReduceOperator(ctx, out, fn as ReduceFunction<unknown>));
  }

  /** Rolling sum of `field` per key; other fields are those of the key's first record (Flink's sum). */
  sum(field?: Field<T>): SingleOutputStreamOperator<T> {
    return this.aggregate('Keyed Aggregation', sumReducer<T>(field as FieldRef));
  }

  /** Rolling minimum of `field` per key; other fields are those of the key's first record (Flink's min). */
  min(field?: Field<T>): SingleOutputStreamOperator<T> {
    return this.aggregate('Keyed Aggregation', minMaxReducer<T>(field as FieldRef, 'min'));
  }

  /** Rolling maximum of `field` per key; other fields are those of the key's first record (Flink's max). */
  max(field?: Field<T>): SingleOutputStreamOperator<T> {
    return this.aggregate('Keyed Aggregation', minMaxReducer<T>(field as FieldRef, 'max'));
  }

  /** The record with the smallest `field` per key; ties keep the first (or, with first=false, the latest). */
  minBy(field?: Field<T>, first = true): SingleOutputStreamOperator<T> {
    return this.aggregate('Keyed Aggregation', minMaxByReducer<T>(field as FieldRef, 'min', first));
  }

  /** The record with the largest `field` per key; ties keep the first (or, with first=false, the latest). */
  maxBy(field?: Field<T>, first = true): SingleOutputStreamOperator<T> {
    return this.aggregate('Keyed Aggregation', minMaxByReducer<T>(field as FieldRef, 'max', first));
  }

  /** Runs a {@link KeyedProcessFunction} with keyed state and the current key. */
  override process<R>(fn: KeyedProcessFunction<K, T, R> | FunctionClass<KeyedProcessFunction<K, T, R>> | object): SingleOutputStreamOperator<R> {
    return this.transform<R>('KeyedProcess', (ctx, out) => new ProcessOperator(ctx, out, fn as never));
  }

  /**
   * Cuts each key's elements into windows given by `assigner` (Flink's `KeyedStream.window`); finish
   * with `reduce`, `aggregate`, `process` or `apply` on the returned {@link WindowedStream}.
   * @example
   * clicks.keyBy((c) => c.user).window(TumblingEventTimeWindows.of(60_000)).aggregate(countClicks);
   */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /**
   * Count windows per key (Flink's `countWindow`): without `slide`, tumbling windows of `size`
   * elements (`GlobalWindows` + `PurgingTrigger.of(CountTrigger.of(size))`); with `slide`, a window
   * of the last `size` elements evaluated every `slide` elements (`GlobalWindows` +
   * `CountEvictor.of(size)` + `CountTrigger.of(slide)`). Incomplete windows are not emitted at end of input.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless `size` (and `slide`) are integers ≥ 1.
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    const w = this.window(GlobalWindows.create() as WindowAssigner<T, GlobalWindow>);
    if (slide === undefined) return w.trigger(PurgingTrigger.of(CountTrigger.of(size)));
    CountTrigger.of(size); // validates size ≥ 1 as the tumbling form does
    return w.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
  }

  /**
   * An interval join with another keyed stream (Flink's `intervalJoin`): continue with
   * `.between(lowerMs, upperMs)` and `.process(processJoinFunction)`. Both streams must be keyed
   * by keys of the same kind.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a stream of another environment.
   * @example
   * left.keyBy((l) => l.id).intervalJoin(right.keyBy((r) => r.id)).between(-5_000, 5_000).process(fn);
   */
  intervalJoin<T2>(other: KeyedStream<T2, K>): IntervalJoin<T, T2, K> {
    return new IntervalJoin<T, T2, K>(this, other);
  }

  protected override stateKeySelector(): KeySelector<unknown, unknown> {
    return this.keySelector as KeySelector<unknown, unknown>;
  }

  private aggregate(name: string, reducer: (a: T, b: T) => T): SingleOutputStreamOperator<T> {
    return this.transform<T>(name, (ctx, out) => new ReduceOperator(ctx, out, reducer as ReduceFunction<unknown>));
  }
}
