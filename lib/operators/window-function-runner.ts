/**
 * The last stage of a window firing: what is emitted for the values the window's contents give
 * (the one reduced / aggregated value, or every element). As Flink's `InternalWindowFunction`
 * family: `PassThroughWindowFunction` (emit the pre-aggregated value), `InternalSingleValue…` /
 * `InternalIterable…` wrappers around a user `ProcessWindowFunction` or `WindowFunction`, and
 * their non-keyed `…AllWindowFunction` variants for `windowAll`.
 */
import type { Collector } from '../api/functions.js';
import type { Window } from '../window/time-window.js';
import type { ProcessWindowContext } from '../window/window-functions.js';
import type { OperatorContext } from './stream-operator.js';
import { NO_LIFECYCLE, lifecycleOf, resolveFunction, type FunctionLifecycle } from './user-function.js';

/**
 * What the window emits: `'pass-through'` emits the values as they are (reduce / aggregate
 * without a window function); `'process'` calls a `ProcessWindowFunction` (or, with
 * `keyed: false`, a `ProcessAllWindowFunction`); `'apply'` a `WindowFunction` / `AllWindowFunction`;
 * `'custom'` a runner of Weir's own (Flink's `CoGroupWindowFunction` of window joins).
 */
export type WindowFunctionSpec =
  | { readonly kind: 'pass-through' }
  | { readonly kind: 'process'; readonly fn: unknown; readonly keyed: boolean }
  | { readonly kind: 'apply'; readonly fn: unknown; readonly keyed: boolean }
  /** A runner built per subtask by `create` (the co-group / join window function of window joins). */
  | { readonly kind: 'custom'; readonly create: (ctx: OperatorContext) => WindowFunctionRunner };

/**
 * A window function resolved for one subtask, with the lifecycle of the user function (open /
 * close and the checkpoint hooks, see {@link FunctionLifecycle}). Calls may return a Promise.
 */
export interface WindowFunctionRunner extends FunctionLifecycle {
  /** Emits the window's result(s) for `values` into `out`. */
  process(key: unknown, window: Window, context: ProcessWindowContext<Window>, values: unknown[], out: Collector<unknown>): void | Promise<void>;
  /** The user function's `clear(context)`, when it has one. */
  clear(context: ProcessWindowContext<Window>): void | Promise<void>;
}

type ProcessCall = (...args: unknown[]) => void | Promise<void>;

/**
 * Resolves `spec` for one subtask (classes through the job's container).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the function is malformed.
 */
export function resolveWindowFunction(spec: WindowFunctionSpec, ctx: OperatorContext): WindowFunctionRunner {
  if (spec.kind === 'pass-through') {
    return {
      ...NO_LIFECYCLE,
      process(_key, _window, _context, values, out) {
        for (const v of values) out.collect(v);
      },
      clear: noop,
    };
  }
  if (spec.kind === 'custom') return spec.create(ctx);
  const method = spec.kind === 'process' ? 'process' : 'apply';
  const fn = resolveFunction<ProcessCall>(spec.fn, method, ctx);
  const clearFn = (fn.instance as { clear?: unknown } | undefined)?.clear;
  const clear = spec.kind === 'process' && typeof clearFn === 'function' ? (clearFn as (c: unknown) => void | Promise<void>).bind(fn.instance) : undefined;
  const call = fn.call;
  const keyed = spec.keyed;
  return {
    ...lifecycleOf(fn),
    process:
      spec.kind === 'process'
        ? keyed
          ? (key, _window, context, values, out) => call(key, context, values, out)
          : (_key, _window, context, values, out) => call(context, values, out)
        : keyed
          ? (key, window, _context, values, out) => call(key, window, values, out)
          : (_key, window, _context, values, out) => call(window, values, out),
    clear: (context) => clear?.(context),
  };
}

function noop(): void {}
