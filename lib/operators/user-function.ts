/**
 * Turns a user function spec (lambda, object with the method, or class) into a callable for one
 * subtask, plus the rich-function instance whose open/close the operator drives.
 */
import { AbstractRichFunction } from '../api/functions.js';
import type { RuntimeContext } from '../api/runtime-context.js';
import { ConfigurationError, UserFunctionError } from '../errors.js';
import type { OperatorContext } from './stream-operator.js';
import { createRuntimeContext } from './runtime-context-impl.js';

/** A resolved user function: `call` is bound; `rich` is set for functions with open/close. */
export interface ResolvedFunction<F extends (...args: never[]) => unknown> {
  call: F;
  instance: object | undefined;
  open(): void | Promise<void>;
  close(): void | Promise<void>;
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
    return { call, instance: undefined, open: noop, close: noop };
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
  const rec = inst as { open?: () => void | Promise<void>; close?: () => void | Promise<void> };
  return {
    call,
    instance: inst,
    open: () => (typeof rec.open === 'function' ? rec.open() : undefined),
    close: () => (typeof rec.close === 'function' ? rec.close() : undefined),
  };
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
