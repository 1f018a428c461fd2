/**
 * Turns a user function spec (lambda, object with the method, or class) into a callable for one
 * subtask, plus the lifecycle the operator drives on the function object: `open`/`close` (Flink's
 * RichFunction) and the checkpoint hooks of `CheckpointedFunction` / `CheckpointListener`, each
 * forwarded when the object has the method (Flink's AbstractUdfStreamOperator with
 * StreamingFunctionUtils). Operators hold one {@link FunctionLifecycle} (several functions are
 * composed with {@link composeLifecycles}) and {@link AbstractUdfOperator} turns it into the
 * operator hooks, so the forwarding rules live here only.
 */
import { AbstractRichFunction, type FunctionInitializationContext, type FunctionSnapshotContext } from '../api/functions.js';
import type { RuntimeContext } from '../api/runtime-context.js';
import { ConfigurationError, UserFunctionError } from '../errors.js';
import type { KeyedStateStore } from '../window/window-functions.js';
import type { OperatorContext, StateInitializationContext, StateSnapshotContext } from './stream-operator.js';
import { createRuntimeContext } from './runtime-context-impl.js';

/**
 * The lifecycle calls an operator makes on its user function(s), in the order of the operator
 * contract: initializeState → open → (snapshotState at each barrier, notifyCheckpointComplete /
 * notifyCheckpointAborted later)… → close. Each returns a Promise only when the function did.
 *
 * Checkpoint hooks wrap what the function throws in a `UserFunctionError`
 * (`WEIR_ERR_USER_FUNCTION`) whose record names the hook and checkpoint, e.g.
 * `{ method: 'snapshotState', checkpointId: 3 }`; `open` / `close` failures propagate as thrown.
 */
export interface FunctionLifecycle {
  /** `CheckpointedFunction.initializeState` with a {@link FunctionInitializationContext} over `ctx`. */
  initializeState(ctx: StateInitializationContext): void | Promise<void>;
  open(): void | Promise<void>;
  /** `CheckpointedFunction.snapshotState` with a {@link FunctionSnapshotContext} over `ctx`. */
  snapshotState(ctx: StateSnapshotContext): void | Promise<void>;
  /** `CheckpointListener.notifyCheckpointComplete`. */
  notifyCheckpointComplete(checkpointId: number): void | Promise<void>;
  /** `CheckpointListener.notifyCheckpointAborted`. */
  notifyCheckpointAborted(checkpointId: number): void | Promise<void>;
  close(): void | Promise<void>;
}

/** A resolved user function: `call` is bound to `instance` (undefined for lambdas), plus its lifecycle. */
export interface ResolvedFunction<F extends (...args: never[]) => unknown> extends FunctionLifecycle {
  call: F;
  instance: object | undefined;
}

/** The lifecycle of a function without one (lambdas, built-in functions): every call does nothing. */
export const NO_LIFECYCLE: FunctionLifecycle = Object.freeze({
  initializeState: noop,
  open: noop,
  snapshotState: noop,
  notifyCheckpointComplete: noop,
  notifyCheckpointAborted: noop,
  close: noop,
});

type Hooked = {
  open?: () => void | Promise<void>;
  close?: () => void | Promise<void>;
  initializeState?: (c: FunctionInitializationContext) => void | Promise<void>;
  snapshotState?: (c: FunctionSnapshotContext) => void | Promise<void>;
  notifyCheckpointComplete?: (id: number) => void | Promise<void>;
  notifyCheckpointAborted?: (id: number) => void | Promise<void>;
};

/**
 * The lifecycle of user function object `instance` in operator `ctx`: each call goes to the
 * object's method of that name when it has one (looked up at call time), else does nothing.
 * `undefined` (a lambda) gives {@link NO_LIFECYCLE}.
 */
export function functionLifecycle(instance: object | undefined, ctx: OperatorContext): FunctionLifecycle {
  if (instance === undefined) return NO_LIFECYCLE;
  const f = instance as Hooked;
  return {
    initializeState: (c) => (typeof f.initializeState === 'function' ? guardHook(ctx, { method: 'initializeState', restoredCheckpointId: c.restoredCheckpointId }, () => f.initializeState!(functionInitializationContext(c, ctx))) : undefined),
    open: () => (typeof f.open === 'function' ? f.open() : undefined),
    snapshotState: (c) => (typeof f.snapshotState === 'function' ? guardHook(ctx, { method: 'snapshotState', checkpointId: c.checkpointId }, () => f.snapshotState!(functionSnapshotContext(c))) : undefined),
    notifyCheckpointComplete: (id) => (typeof f.notifyCheckpointComplete === 'function' ? guardHook(ctx, { method: 'notifyCheckpointComplete', checkpointId: id }, () => f.notifyCheckpointComplete!(id)) : undefined),
    notifyCheckpointAborted: (id) => (typeof f.notifyCheckpointAborted === 'function' ? guardHook(ctx, { method: 'notifyCheckpointAborted', checkpointId: id }, () => f.notifyCheckpointAborted!(id)) : undefined),
    close: () => (typeof f.close === 'function' ? f.close() : undefined),
  };
}

/**
 * The lifecycle part of `fn` alone (without `call` / `instance`), to spread into objects that add
 * their own calls: {@link NO_LIFECYCLE} for a function without an instance.
 */
export function lifecycleOf(fn: ResolvedFunction<(...args: never[]) => unknown>): FunctionLifecycle {
  if (fn.instance === undefined) return NO_LIFECYCLE;
  return {
    initializeState: fn.initializeState,
    open: fn.open,
    snapshotState: fn.snapshotState,
    notifyCheckpointComplete: fn.notifyCheckpointComplete,
    notifyCheckpointAborted: fn.notifyCheckpointAborted,
    close: fn.close,
  };
}

/**
 * One lifecycle over several functions (a window's incremental function and its window function):
 * `close` runs them in reverse order, every other call in the given order, each awaited before
 * the next.
 */
export function composeLifecycles(parts: readonly FunctionLifecycle[]): FunctionLifecycle {
  const live = parts.filter((p) => p !== NO_LIFECYCLE);
  if (live.length === 0) return NO_LIFECYCLE;
  if (live.length === 1) return live[0]!;
  const reversed = live.slice().reverse();
  const each =
    (list: readonly FunctionLifecycle[], call: (p: FunctionLifecycle) => void | Promise<void>) =>
    (): void | Promise<void> =>
      sequence(list, call, 0);
  return {
    initializeState: (c) => each(live, (p) => p.initializeState(c))(),
    open: each(live, (p) => p.open()),
    snapshotState: (c) => each(live, (p) => p.snapshotState(c))(),
    notifyCheckpointComplete: (id) => each(live, (p) => p.notifyCheckpointComplete(id))(),
    notifyCheckpointAborted: (id) => each(live, (p) => p.notifyCheckpointAborted(id))(),
    close: each(reversed, (p) => p.close()),
  };
}

/** Runs `call` over `list` from `from`, awaiting a returned Promise before the next. */
function sequence(list: readonly FunctionLifecycle[], call: (p: FunctionLifecycle) => void | Promise<void>, from: number): void | Promise<void> {
  for (let i = from; i < list.length; i++) {
    const r = call(list[i]!);
    if (r instanceof Promise) return r.then(() => sequence(list, call, i + 1));
  }
  return undefined;
}

/** Flink's FunctionSnapshotContext over the operator's snapshot context. */
function functionSnapshotContext(c: StateSnapshotContext): FunctionSnapshotContext {
  return { getCheckpointId: () => c.checkpointId, getCheckpointTimestamp: () => c.checkpointTimestamp };
}

/** Flink's FunctionInitializationContext over the operator's initialization context. */
function functionInitializationContext(c: StateInitializationContext, ctx: OperatorContext): FunctionInitializationContext {
  let keyed: KeyedStateStore | undefined;
  return {
    isRestored: () => c.isRestored,
    getRestoredCheckpointId: () => c.restoredCheckpointId,
    getOperatorStateStore: () => c.operatorStateStore,
    getKeyedStateStore: () => {
      const backend = c.keyedStateBackend;
      if (backend === undefined) throw new ConfigurationError(`operator '${ctx.operatorName}': keyed state is only available on a keyed stream (use keyBy() first); use getOperatorStateStore() for non-keyed state`);
      keyed ??= {
        getState: (d) => backend.getState(d),
        getListState: (d) => backend.getListState(d),
        getMapState: (d) => backend.getMapState(d),
        getReducingState: (d) => backend.getReducingState(d),
        getAggregatingState: (d) => backend.getAggregatingState(d),
      };
      return keyed;
    },
  };
}

/** Calls a checkpoint hook, wrapping a throw or rejection in a UserFunctionError naming `what`. */
function guardHook(ctx: OperatorContext, what: object, f: () => void | Promise<void>): void | Promise<void> {
  let r: void | Promise<void>;
  try {
    r = f();
  } catch (err) {
    throw userError(ctx, what, err);
  }
  if (r instanceof Promise) {
    return r.then(undefined, (err: unknown) => {
      throw userError(ctx, what, err);
    });
  }
  return undefined;
}

/** True for `class X {}` constructors (and functions whose prototype has the method). */
export function isClassSpec(spec: unknown, method: string): spec is new (...args: never[]) => object {
  if (typeof spec !== 'function') return false;
  const proto = (spec as { prototype?: unknown }).prototype as Record<string, unknown> | undefined;
  if (proto === undefined) return false;
  return proto instanceof AbstractRichFunction || typeof proto[method] === 'function' || /^class[\s{]/.test(Function.prototype.toString.call(spec));
}

/**
 * Resolves `spec` for one subtask.
 * @throws ConfigurationError when `spec` is neither a function, nor has `method`, nor is a class with it.
 */
export function resolveFunction<F extends (...args: never[]) => unknown>(spec: unknown, method: string, ctx: OperatorContext): ResolvedFunction<F> {
  let instance: object | undefined;
  let call: F;
  if (isClassSpec(spec, method)) {
    instance = ctx.instantiate(spec);
  } else if (typeof spec === 'function') {
    call = spec as F;
    return { ...NO_LIFECYCLE, call, instance: undefined };
  } else if (spec !== null && typeof spec === 'object') {
    // Each subtask gets its own shallow copy, as Flink deserialises one copy per subtask.
    instance = Object.assign(Object.create(Object.getPrototypeOf(spec) as object) as object, spec);
  } else {
    throw new ConfigurationError(`operator '${ctx.operatorName}': expected a function, an object with ${method}() or a class, got ${typeof spec}`);
  }
  const fn = (instance as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new ConfigurationError(`operator '${ctx.operatorName}': the user function has no ${method}() method`);
  call = fn.bind(instance) as F;
  const inst = instance;
  if (inst instanceof AbstractRichFunction) inst.setRuntimeContext(createRuntimeContext(ctx));
  return { ...functionLifecycle(inst, ctx), call, instance: inst };
}

function noop(): void {}

/** Wraps a failure of a user function with operator, subtask and record (once). */
export function userError(ctx: OperatorContext, record: unknown, err: unknown): unknown {
  if (err instanceof UserFunctionError) return err;
  return new UserFunctionError(ctx.operatorName, ctx.subtaskIndex, record, err);
}

export type { RuntimeContext };

/**
 * Resolves a user function with several methods (co-functions: `map1`/`map2`,
 * `processElement1`/`processElement2`…) for one subtask: each of `methods` bound to the instance.
 * Optional methods (`optional`) are undefined when missing.
 * @throws ConfigurationError when `spec` is a plain function or lacks a required method.
 */
export function resolveMethods<M extends string, O extends string = never>(
  spec: unknown,
  methods: readonly M[],
  ctx: OperatorContext,
  optional: readonly O[] = [],
): { fn: ResolvedFunction<(...args: never[]) => unknown>; calls: Record<M, (...args: never[]) => unknown>; optionalCalls: Partial<Record<O, (...args: never[]) => unknown>> } {
  const first = methods[0]!;
  const fn = resolveFunction<(...args: never[]) => unknown>(spec, first, ctx);
  const instance = fn.instance as Record<string, unknown> | undefined;
  if (instance === undefined) throw new ConfigurationError(`operator '${ctx.operatorName}': expected an object with ${methods.map((m) => `${m}()`).join(' and ')} or a class, got a function`);
  const calls = {} as Record<M, (...args: never[]) => unknown>;
  for (const m of methods) {
    const f = instance[m];
    if (typeof f !== 'function') throw new ConfigurationError(`operator '${ctx.operatorName}': the user function has no ${m}() method`);
    calls[m] = (f as (...args: never[]) => unknown).bind(instance);
  }
  const optionalCalls: Partial<Record<O, (...args: never[]) => unknown>> = {};
  for (const m of optional) {
    const f = instance[m];
    if (typeof f === 'function') optionalCalls[m] = (f as (...args: never[]) => unknown).bind(instance);
  }
  return { fn, calls, optionalCalls };
}
