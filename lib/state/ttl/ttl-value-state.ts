/**
 * TTL decorators of value-like state (value, reducing, aggregating): the backend's raw state holds
 * one {@link TtlValue} per key; the decorators check expiry on read, refresh the timestamp on write
 * (and read, with `OnReadAndWrite`) and clear expired values on access.
 *
 * @see org.apache.flink.runtime.state.ttl.TtlValueState, TtlReducingState, TtlAggregatingState
 */
import type { AggregateFunction } from '../../window/window-functions.js';
import type { AggregatingState, ReducingState, ValueState } from '../keyed-state.js';
import { wrapWithTs, type TtlContext, type TtlValue } from './ttl-value.js';

/**
 * Reads the raw value with Flink's `getWrappedWithTtlCheckAndUpdate`: `null` when absent; an
 * expired value is cleared and returned only with `ReturnExpiredIfNotCleanedUp`; an unexpired one
 * gets a fresh timestamp with `OnReadAndWrite`.
 */
export function getWithTtlCheckAndUpdate<T>(raw: ValueState<TtlValue<T>>, ctx: TtlContext): TtlValue<T> | null {
  const v = raw.value();
  if (v === null) return null;
  const now = ctx.now();
  if (ctx.expired(v, now)) {
    raw.clear();
    return ctx.returnExpired ? v : null;
  }
  if (ctx.updateOnRead) raw.update(wrapWithTs(v.userValue, now));
  return v;
}

/** The raw value when present and not expired (expired counts as absent, whatever the visibility). */
function unexpired<T>(raw: ValueState<TtlValue<T>>, ctx: TtlContext, now: number): TtlValue<T> | null {
  const v = raw.value();
  return v === null || ctx.expired(v, now) ? null : v;
}

/** Value state with TTL. `value()` returns the descriptor's default when absent or expired (and not returned). */
export class TtlValueState<T> implements ValueState<T> {
  constructor(
    private readonly raw: ValueState<TtlValue<T>>,
    private readonly ctx: TtlContext,
    private readonly defaultValue: T | null,
  ) {}

  value(): T | null {
    this.ctx.accessed();
    const v = getWithTtlCheckAndUpdate(this.raw, this.ctx);
    return v === null ? this.defaultValue : v.userValue;
  }

  update(value: T | null | undefined): void {
    this.ctx.accessed();
    if (value === null || value === undefined) this.raw.clear();
    else this.raw.update(wrapWithTs(value, this.ctx.now()));
  }

  clear(): void {
    this.ctx.accessed();
    this.raw.clear();
  }
}

/** Reducing state with TTL: `add` reduces into the current value only when it has not expired (Flink's TtlReduceFunction). */
export class TtlReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly raw: ValueState<TtlValue<T>>,
    private readonly ctx: TtlContext,
    private readonly reduce: (a: T, b: T) => T,
  ) {}

  get(): T | null {
    this.ctx.accessed();
    const v = getWithTtlCheckAndUpdate(this.raw, this.ctx);
    return v === null ? null : v.userValue;
  }

  add(value: T): void {
    this.ctx.accessed();
    const now = this.ctx.now();
    const cur = unexpired(this.raw, this.ctx, now);
    this.raw.update(wrapWithTs(cur === null ? value : this.reduce(cur.userValue, value), now));
  }

  clear(): void {
    this.ctx.accessed();
    this.raw.clear();
  }
}

/**
 * Aggregating state with TTL: `add` folds into the current accumulator only when it has not
 * expired, else into a new one (Flink's TtlAggregateFunction); `get` returns `getResult` of the
 * visible accumulator or `null`.
 */
export class TtlAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly raw: ValueState<TtlValue<ACC>>,
    private readonly ctx: TtlContext,
    private readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {}

  get(): OUT | null {
    this.ctx.accessed();
    const v = getWithTtlCheckAndUpdate(this.raw, this.ctx);
    return v === null ? null : this.fn.getResult(v.userValue);
  }

  add(value: IN): void {
    this.ctx.accessed();
    const now = this.ctx.now();
    const cur = unexpired(this.raw, this.ctx, now);
    const acc = cur === null ? this.fn.createAccumulator() : cur.userValue;
    this.raw.update(wrapWithTs(this.fn.add(value, acc), now));
  }

  clear(): void {
    this.ctx.accessed();
    this.raw.clear();
  }
}
