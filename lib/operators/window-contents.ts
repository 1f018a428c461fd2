/**
 * How a window operator keeps each window's elements, per (key, window) in namespaced keyed state,
 * and what the window function then sees:
 * - `reduce`: reducing state; the function sees the one reduced value (Flink `ReducingState`);
 * - `aggregate`: an accumulator; the function sees `getResult(acc)` (Flink `AggregatingState`);
 * - `list`: every element; the function sees them all (Flink `ListState`, for `process` / `apply`);
 * - evicting operators keep every element with its timestamp and fold the survivors of eviction
 *   with {@link WindowFold} at each firing (Flink `EvictingWindowOperator`'s
 *   `ReduceApplyProcessWindowFunction` / `AggregateApplyWindowFunction`).
 *
 * Incremental functions must be synchronous; a Promise result fails the job with a clear message.
 */
import { AggregatingStateDescriptor } from '../state/descriptors.js';
import type { FunctionClass, ReduceFunction } from '../api/functions.js';
import { ConfigurationError } from '../errors.js';
import { ListStateDescriptor, ReducingStateDescriptor } from '../state/descriptors.js';
import type { TimestampedValue } from '../window/evictors.js';
import type { NamespacedStateStore } from '../window/namespaced-state.js';
import type { AggregateFunction, AggregateFunctionSpec } from '../window/window-functions.js';
import type { OperatorContext } from './stream-operator.js';
import { NO_LIFECYCLE, lifecycleOf, resolveFunction, type FunctionLifecycle } from './user-function.js';

/** What the window keeps: the incremental function, if any. */
export type WindowContentsSpec =
  | { readonly kind: 'reduce'; readonly fn: ReduceFunction<unknown> | FunctionClass<{ reduce(a: unknown, b: unknown): unknown }> }
  | { readonly kind: 'aggregate'; readonly fn: AggregateFunctionSpec<unknown, unknown, unknown> }
  | { readonly kind: 'list' };

/** One window's stored elements, addressed by namespace (`window.toKey()`) under the current key. */
export interface WindowContents<S> {
  add(ns: string, value: unknown, timestamp: number): void;
  /** The stored contents, or `undefined` when the window holds nothing (Flink: `contents == null`). */
  get(ns: string): S | undefined;
  /** Replaces the contents (evicting operators write back the survivors). */
  set(ns: string, contents: S): void;
  clear(ns: string): void;
  /** Merges `sources`' contents into `target` (merging windows). */
  merge(target: string, sources: readonly string[]): void;
}

/** Turns the elements that survived eviction into what the window function sees (undefined = emit nothing). */
export type WindowFold = (values: unknown[]) => unknown[] | undefined;

const CONTENTS = 'contents';

/**
 * The resolved incremental function of a window: its contents, its fold for evicting windows, and
 * the lifecycle of the user function (open / close and the checkpoint hooks).
 */
export interface WindowIncremental extends FunctionLifecycle {
  /** Non-evicting contents: `get` returns what the window function sees. */
  contents(store: NamespacedStateStore): WindowContents<unknown[]>;
  /** Evicting fold over the elements left after `evictBefore`. */
  fold: WindowFold;
}

/**
 * Resolves the incremental function of `spec` for one subtask.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the function lacks its methods.
 */
export function resolveIncremental(spec: WindowContentsSpec, ctx: OperatorContext): WindowIncremental {
  switch (spec.kind) {
    case 'list':
      return { ...NO_LIFECYCLE, contents: (store) => new ListContents(store), fold: (values) => values };
    case 'reduce': {
      const fn = resolveFunction<(a: unknown, b: unknown) => unknown>(spec.fn, 'reduce', ctx);
      const reduce = (a: unknown, b: unknown): unknown => {
        const r = fn.call(a, b);
        if (r instanceof Promise) throw new ConfigurationError(`operator '${ctx.operatorName}': a window reduce function must be synchronous (it returned a Promise)`);
        return r;
      };
      return {
        ...lifecycleOf(fn),
        contents: (store) => new SingleValueContents(store, store.getReducingState(new ReducingStateDescriptor<unknown>(CONTENTS, reduce)), true),
        fold: (values) => {
          if (values.length === 0) return undefined; // Flink would emit null
          let acc = values[0];
          for (let i = 1; i < values.length; i++) acc = reduce(acc, values[i]);
          return [acc];
        },
      };
    }
    case 'aggregate': {
      const fn = resolveFunction<(v: unknown, acc: unknown) => unknown>(spec.fn, 'add', ctx);
      const agg = fn.instance as AggregateFunction<unknown, unknown, unknown> | undefined;
      for (const m of ['createAccumulator', 'add', 'getResult', 'merge'] as const) {
        if (typeof agg?.[m] !== 'function') throw new ConfigurationError(`operator '${ctx.operatorName}': an AggregateFunction needs createAccumulator(), add(), getResult() and merge() methods; ${m}() is missing`);
      }
      const sync = syncAggregate(agg!, ctx);
      return {
        ...lifecycleOf(fn),
        contents: (store) => new SingleValueContents(store, store.getAggregatingState(new AggregatingStateDescriptor(CONTENTS, sync)), false),
        fold: (values) => {
          let acc = sync.createAccumulator();
          for (const v of values) acc = sync.add(v, acc);
          return [sync.getResult(acc)];
        },
      };
    }
  }
}

/** Contents of an evicting window: every element with its timestamp, in arrival order. */
export function timestampedContents(store: NamespacedStateStore): WindowContents<TimestampedValue<unknown>[]> {
  return new ListContents<TimestampedValue<unknown>>(store, (value, timestamp) => ({ value, timestamp }));
}

/** The state calls every kind of contents shares; `ns` selects the window under the current key. */
interface NamespacedState<V> {
  add(value: V): void;
  clear(): void;
}

/** Common addressing, clearing and merging of one window's contents state. */
abstract class NamespacedContents<V, S> implements WindowContents<S> {
  constructor(
    protected readonly store: NamespacedStateStore,
    protected readonly state: NamespacedState<V>,
  ) {}
  protected abstract read(): S | undefined;
  protected abstract wrap(value: unknown, timestamp: number): V;
  abstract set(ns: string, contents: S): void;
  add(ns: string, value: unknown, timestamp: number): void {
    this.store.namespace = ns;
    this.state.add(this.wrap(value, timestamp));
  }
  get(ns: string): S | undefined {
    this.store.namespace = ns;
    return this.read();
  }
  clear(ns: string): void {
    this.store.namespace = ns;
    this.state.clear();
  }
  merge(target: string, sources: readonly string[]): void {
    this.store.mergeNamespaces(CONTENTS, target, sources);
  }
}

/** Every element (optionally wrapped, e.g. with its timestamp), in arrival order. */
class ListContents<V = unknown> extends NamespacedContents<V, V[]> {
  private readonly list;
  constructor(store: NamespacedStateStore, private readonly wrapValue: (value: unknown, timestamp: number) => V = (v) => v as V) {
    const list = store.getListState(new ListStateDescriptor<V>(CONTENTS));
    super(store, list);
    this.list = list;
  }
  protected wrap(value: unknown, timestamp: number): V {
    return this.wrapValue(value, timestamp);
  }
  protected read(): V[] | undefined {
    const l = this.list.get();
    return l.length === 0 ? undefined : l;
  }
  set(ns: string, contents: V[]): void {
    this.store.namespace = ns;
    this.list.update(contents);
  }
}

/** One incrementally folded value (reduce or aggregate); the window function sees `[value]`. */
class SingleValueContents extends NamespacedContents<unknown, unknown[]> {
  constructor(
    store: NamespacedStateStore,
    private readonly single: NamespacedState<unknown> & { get(): unknown },
    private readonly replaceable: boolean,
  ) {
    super(store, single);
  }
  protected wrap(value: unknown): unknown {
    return value;
  }
  protected read(): unknown[] | undefined {
    const v = this.single.get();
    return v === null ? undefined : [v];
  }
  /** Reducing contents can be rebuilt from elements; an accumulator cannot. */
  set(ns: string, contents: unknown[]): void {
    if (!this.replaceable) throw new Error('aggregating window contents cannot be replaced');
    this.clear(ns);
    for (const v of contents) this.single.add(v);
  }
}

function syncAggregate(agg: AggregateFunction<unknown, unknown, unknown>, ctx: OperatorContext): AggregateFunction<unknown, unknown, unknown> {
  const check = <R>(r: R, m: string): R => {
    if (r instanceof Promise) throw new ConfigurationError(`operator '${ctx.operatorName}': AggregateFunction.${m}() must be synchronous (it returned a Promise)`);
    return r;
  };
  return {
    createAccumulator: () => check(agg.createAccumulator(), 'createAccumulator'),
    add: (v, acc) => check(agg.add(v, acc), 'add'),
    getResult: (acc) => check(agg.getResult(acc), 'getResult'),
    merge: (a, b) => check(agg.merge(a, b), 'merge'),
  };
}


