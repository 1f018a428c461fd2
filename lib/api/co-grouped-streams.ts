/**
 * Window joins and co-groups of two streams (Flink's `JoinedStreams` and `CoGroupedStreams`):
 *
 *     a.join(b).where(keyA).equalTo(keyB).window(assigner).apply(joinFunction)
 *     a.coGroup(b).where(keyA).equalTo(keyB).window(assigner).apply(coGroupFunction)
 *
 * Built as Flink builds them: each input is mapped to a {@link TaggedUnion} (`tag` 1 or 2; the
 * tagging map takes its input's parallelism, so it chains), the two are unioned, keyed by the
 * input's own key selector and windowed with `assigner` (plus the optional trigger, evictor and
 * allowed lateness), and each firing calls a CoGroup window function: `coGroup(firstElements,
 * secondElements, out)` per key and window, or for a join every pair of the cartesian product.
 * Results carry the window's `maxTimestamp()`.
 *
 * @see org.apache.flink.streaming.api.datastream.JoinedStreams
 * @see org.apache.flink.streaming.api.datastream.CoGroupedStreams
 * @example
 * const pairs = clicks.join(views)
 *   .where((c) => c.user).equalTo((v) => v.user)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .apply((click, view) => ({ user: click.user, click: click.ts, view: view.ts }));
 */
import './keyed-stream.js'; // before data-stream.js: see the note in lib/index.ts
import { ConfigurationError } from '../errors.js';
import { coGroupWindowFunction, type CoGroupKind, type TaggedUnion } from '../operators/co-group-window-function.js';
import { MapOperator } from '../operators/map-operator.js';
import type { WindowAssigner } from '../window/assigners.js';
import type { Evictor } from '../window/evictors.js';
import type { Window } from '../window/time-window.js';
import type { Trigger } from '../window/triggers.js';
import { RichFlatJoinFunction, RichJoinFunction, type CoGroupFunction, type FlatJoinFunction, type JoinFunction, RichCoGroupFunction } from './co-functions.js';
import type { DataStream, KeySpec, SingleOutputStreamOperator } from './data-stream.js';
import type { Collector, FunctionClass, KeySelector } from './functions.js';

/** An element of either input inside a join's window (Flink's `TaggedUnion`). */
export type { TaggedUnion } from '../operators/co-group-window-function.js';

/** The window configuration shared by joins and co-groups. */
interface WindowSpec<T1, T2, W extends Window> {
  assigner: WindowAssigner<TaggedUnion<T1, T2>, W>;
  trigger: Trigger<TaggedUnion<T1, T2>, W> | undefined;
  evictor: Evictor<TaggedUnion<T1, T2>, W> | undefined;
  allowedLateness: number | undefined;
}

/** A key as a selector (field names become property reads). */
function selectorOf<T, K>(key: KeySpec<T, K>): KeySelector<T, K> {
  return typeof key === 'function' ? key : (v: T) => (v as Record<string, unknown>)[key] as K;
}

/**
 * Builds the tagged union → keyBy → window → CoGroup window function pipeline (Flink's
 * `CoGroupedStreams.WithWindow.apply`).
 */
function buildCoGroup<T1, T2, K, W extends Window, R>(
  input1: DataStream<T1>,
  input2: DataStream<T2>,
  key1: KeySelector<T1, K>,
  key2: KeySelector<T2, K>,
  spec: WindowSpec<T1, T2, W>,
  kind: CoGroupKind,
  fn: unknown,
): SingleOutputStreamOperator<R> {
  const tagger = <T>(tag: 1 | 2) => (value: T): TaggedUnion<T1, T2> => ({ tag, value: value as T1 | T2 });
  const inherit = { inheritParallelism: true };
  const tagged1 = input1.transform<TaggedUnion<T1, T2>>('Map', (ctx, out) => new MapOperator(ctx, out, tagger<T1>(1)), inherit);
  const tagged2 = input2.transform<TaggedUnion<T1, T2>>('Map', (ctx, out) => new MapOperator(ctx, out, tagger<T2>(2)), inherit);
  const unionKey = (u: TaggedUnion<T1, T2>): K => (u.tag === 1 ? key1(u.value as T1) : key2(u.value as T2));
  const windowed = tagged1.union(tagged2).keyBy(unionKey).window(spec.assigner);
  if (spec.trigger !== undefined) windowed.trigger(spec.trigger);
  if (spec.evictor !== undefined) windowed.evictor(spec.evictor);
  if (spec.allowedLateness !== undefined) windowed.allowedLateness(spec.allowedLateness);
  return windowed.build<R>({ kind: 'list' }, coGroupWindowFunction(kind, fn), 'CoGroupWindowFunction');
}

/** Window settings and the final `apply`, shared by {@link CoGroupedStreams.WithWindow} and {@link JoinedStreams.WithWindow}. */
abstract class WindowedTwoInputs<T1, T2, K, W extends Window> {
  protected readonly spec: WindowSpec<T1, T2, W>;

  /** @internal */
  constructor(
    protected readonly input1: DataStream<T1>,
    protected readonly input2: DataStream<T2>,
    protected readonly key1: KeySelector<T1, K>,
    protected readonly key2: KeySelector<T2, K>,
    assigner: WindowAssigner<TaggedUnion<T1, T2>, W>,
  ) {
    this.spec = { assigner, trigger: undefined, evictor: undefined, allowedLateness: undefined };
  }

  /** Replaces the assigner's default trigger (Flink's `WithWindow.trigger`). */
  trigger(trigger: Trigger<TaggedUnion<T1, T2>, W>): this {
    this.spec.trigger = trigger;
    return this;
  }

  /** Sets an evictor over the tagged elements (Flink's `WithWindow.evictor`). */
  evictor(evictor: Evictor<TaggedUnion<T1, T2>, W>): this {
    this.spec.evictor = evictor;
    return this;
  }

  /**
   * Keeps windows `lateness` ms (event time) after their end for late elements (Flink's
   * `WithWindow.allowedLateness`). Default 0.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless an integer ≥ 0.
   */
  allowedLateness(lateness: number): this {
    if (!Number.isSafeInteger(lateness) || lateness < 0) throw new ConfigurationError(`The allowed lateness cannot be negative (must be an integer number of ms ≥ 0, got ${lateness}).`);
    this.spec.allowedLateness = lateness;
    return this;
  }

  protected build<R>(kind: CoGroupKind, fn: unknown): SingleOutputStreamOperator<R> {
    return buildCoGroup<T1, T2, K, W, R>(this.input1, this.input2, this.key1, this.key2, { ...this.spec }, kind, fn);
  }
}

/**
 * `a.coGroup(b)`: name the keys with `where(keyA).equalTo(keyB)`, then `window(assigner)` and
 * `apply(coGroupFunction)` (Flink's `CoGroupedStreams`).
 */
export class CoGroupedStreams<T1, T2> {
  /** @internal use `a.coGroup(b)`. */
  constructor(
    private readonly input1: DataStream<T1>,
    private readonly input2: DataStream<T2>,
  ) {
    if (input1.environment !== input2.environment) throw new ConfigurationError('coGroup() of streams from different environments');
  }

  /** The key of the first input's elements (a selector or a field name). */
  where<K>(key1: KeySpec<T1, K>): { equalTo(key2: KeySpec<T2, K>): { window<W extends Window>(assigner: WindowAssigner<TaggedUnion<T1, T2>, W>): CoGroupedStreams.WithWindow<T1, T2, K, W> } } {
    const k1 = selectorOf(key1);
    return {
      equalTo: (key2) => ({
        window: <W extends Window>(assigner: WindowAssigner<TaggedUnion<T1, T2>, W>) => new CoGroupedStreams.WithWindow<T1, T2, K, W>(this.input1, this.input2, k1, selectorOf(key2), assigner),
      }),
    };
  }
}

/** Nested types of {@link CoGroupedStreams}, named as Flink's nested classes. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace CoGroupedStreams {
  /** A windowed co-group; finish with {@link apply} (Flink's `CoGroupedStreams.WithWindow`). */
  export class WithWindow<T1, T2, K, W extends Window> extends WindowedTwoInputs<T1, T2, K, W> {
    /** Calls `fn(firstElements, secondElements, out)` once per key and window firing. */
    apply<R>(fn: CoGroupFunction<T1, T2, R> | FunctionClass<RichCoGroupFunction<T1, T2, R>>): SingleOutputStreamOperator<R> {
      return this.build<R>('co-group', fn);
    }
  }
}

/**
 * `a.join(b)`: name the keys with `where(keyA).equalTo(keyB)`, then `window(assigner)` and
 * `apply(joinFunction)` (Flink's `JoinedStreams`). An inner join: a pair is emitted for every
 * element of `a` and every element of `b` with equal keys in the same window.
 */
export class JoinedStreams<T1, T2> {
  /** @internal use `a.join(b)`. */
  constructor(
    private readonly input1: DataStream<T1>,
    private readonly input2: DataStream<T2>,
  ) {
    if (input1.environment !== input2.environment) throw new ConfigurationError('join() of streams from different environments');
  }

  /** The key of the first input's elements (a selector or a field name). */
  where<K>(key1: KeySpec<T1, K>): { equalTo(key2: KeySpec<T2, K>): { window<W extends Window>(assigner: WindowAssigner<TaggedUnion<T1, T2>, W>): JoinedStreams.WithWindow<T1, T2, K, W> } } {
    const k1 = selectorOf(key1);
    return {
      equalTo: (key2) => ({
        window: <W extends Window>(assigner: WindowAssigner<TaggedUnion<T1, T2>, W>) => new JoinedStreams.WithWindow<T1, T2, K, W>(this.input1, this.input2, k1, selectorOf(key2), assigner),
      }),
    };
  }
}

/** Nested types of {@link JoinedStreams}, named as Flink's nested classes. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace JoinedStreams {
  /** A windowed join; finish with {@link apply} (Flink's `JoinedStreams.WithWindow`). */
  export class WithWindow<T1, T2, K, W extends Window> extends WindowedTwoInputs<T1, T2, K, W> {
    /**
     * Joins every pair of a key's elements in a window: a `JoinFunction` (`(a, b) => result`) or a
     * `FlatJoinFunction` (`(a, b, out) => void`), told apart by `RichJoinFunction` /
     * `RichFlatJoinFunction` subclassing, else by the number of declared parameters (3 = flat).
     */
    apply<R>(fn: (first: T1, second: T2) => R | Promise<R>): SingleOutputStreamOperator<R>;
    apply<R>(fn: (first: T1, second: T2, out: Collector<R>) => void | Promise<void>): SingleOutputStreamOperator<R>;
    apply<R>(fn: JoinFunction<T1, T2, R> | FlatJoinFunction<T1, T2, R> | FunctionClass<RichJoinFunction<T1, T2, R> | RichFlatJoinFunction<T1, T2, R>>): SingleOutputStreamOperator<R>;
    apply<R>(
      fn: JoinFunction<T1, T2, R> | FlatJoinFunction<T1, T2, R> | FunctionClass<RichJoinFunction<T1, T2, R> | RichFlatJoinFunction<T1, T2, R>>,
    ): SingleOutputStreamOperator<R> {
      return this.build<R>(isFlatJoin(fn) ? 'flat-join' : 'join', fn);
    }
  }
}

/** True when `fn` is a FlatJoinFunction (see {@link JoinedStreams.WithWindow.apply}). */
function isFlatJoin(fn: unknown): boolean {
  const is = (cls: abstract new (...args: never[]) => unknown): boolean => fn instanceof cls || (typeof fn === 'function' && (fn as { prototype?: unknown }).prototype instanceof cls);
  if (is(RichFlatJoinFunction)) return true;
  if (is(RichJoinFunction)) return false;
  const proto = typeof fn === 'function' ? ((fn as { prototype?: Record<string, unknown> }).prototype ?? undefined) : undefined;
  const join = proto !== undefined && typeof proto['join'] === 'function' ? proto['join'] : typeof fn === 'function' ? fn : (fn as { join?: unknown } | null)?.join;
  return typeof join === 'function' && join.length >= 3;
}
