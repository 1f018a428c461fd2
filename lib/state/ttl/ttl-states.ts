/**
 * TTL for any keyed-state backend (Flink's `TtlStateFactory`): a backend that gets a descriptor
 * with a TTL config creates its own plain ("raw") state of the same name holding
 * {@link TtlValue}s, and wraps it with {@link createTtlState}. The decorators do the rest (expiry
 * checks, timestamps, visibility, cleanup on access), so TTL behaves the same on every backend.
 *
 * Raw layout per descriptor kind ({@link ttlRawKind}):
 * - value, reducing, aggregating → a value state of `TtlValue<T | ACC>` per key;
 * - list → a list state of `TtlValue<T>` (per-element TTL);
 * - map → a map state of user key → `TtlValue<V>` (per-entry TTL).
 *
 * @see org.apache.flink.runtime.state.ttl.TtlStateFactory
 * @example
 * // In a backend's getState/getListState/… (see KeyedStateBackend):
 * if (d.ttlConfig !== undefined) {
 *   return createTtlState((raw) => this.createPlainState(raw), d, this.clock);
 * }
 */
import { ConfigurationError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor, type StateDescriptor, type StateKind } from '../descriptors.js';
import type { AnyKeyedState } from '../keyed-state-backend.js';
import type { ListState, MapState, ValueState } from '../keyed-state.js';
import { TtlListState } from './ttl-list-state.js';
import { TtlMapState } from './ttl-map-state.js';
import { TtlContext, isExpired, type TtlValue } from './ttl-value.js';
import { TtlAggregatingState, TtlReducingState, TtlValueState } from './ttl-value-state.js';

/** A descriptor of the raw state behind a TTL state: same name, no TTL, kind value, list or map. */
export type RawTtlStateDescriptor = ValueStateDescriptor<TtlValue<unknown>> | ListStateDescriptor<TtlValue<unknown>> | MapStateDescriptor<unknown, TtlValue<unknown>>;

/** The raw layout a descriptor kind is stored in under TTL (see the module comment). */
export function ttlRawKind(kind: StateKind): 'value' | 'list' | 'map' {
  return kind === 'list' ? 'list' : kind === 'map' ? 'map' : 'value';
}

/**
 * Wraps a backend's raw state with the TTL decorator for `descriptor`'s kind and TTL config.
 *
 * @param createRawState called once, now, with a descriptor of the same name, no TTL, and kind
 *   {@link ttlRawKind}(descriptor.kind); must return the backend's plain state for it (a
 *   `ValueState`, `ListState` or `MapState` holding {@link TtlValue}s), created **without**
 *   applying TTL again and without registering a kind conflict with `descriptor` (the backend
 *   registers the TTL state under `descriptor` itself). A value raw state must return `null` when
 *   empty (no default value).
 * @param descriptor the user's descriptor; `descriptor.ttlConfig` must be set.
 * @param clock processing time, epoch ms (the backend's injected clock).
 * @param onAccess optional hook run at the start of every access to the state (the heap backend's
 *   incremental cleanup); other backends pass nothing.
 * @returns the state object to hand to the user (a `ValueState`, `ListState`, `MapState`,
 *   `ReducingState` or `AggregatingState` as the descriptor's kind says).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the descriptor has no TTL config or an unknown kind.
 */
export function createTtlState(createRawState: (rawDescriptor: RawTtlStateDescriptor) => AnyKeyedState, descriptor: StateDescriptor<unknown>, clock: Clock, onAccess?: () => void): AnyKeyedState {
  const config = descriptor.ttlConfig;
  if (config === undefined) throw new ConfigurationError(`state '${descriptor.name}' has no TTL config`);
  const ctx = new TtlContext(config, clock, onAccess);
  const name = descriptor.name;
  if (descriptor instanceof ValueStateDescriptor) {
    const raw = createRawState(new ValueStateDescriptor<TtlValue<unknown>>(name)) as ValueState<TtlValue<unknown>>;
    return new TtlValueState<unknown>(raw, ctx, descriptor.defaultValue);
  }
  if (descriptor instanceof ListStateDescriptor) {
    return new TtlListState<unknown>(createRawState(new ListStateDescriptor<TtlValue<unknown>>(name)) as ListState<TtlValue<unknown>>, ctx);
  }
  if (descriptor instanceof MapStateDescriptor) {
    return new TtlMapState<unknown, unknown>(createRawState(new MapStateDescriptor<unknown, TtlValue<unknown>>(name)) as MapState<unknown, TtlValue<unknown>>, ctx);
  }
  if (descriptor instanceof ReducingStateDescriptor) {
    const f = descriptor.reduceFunction;
    const reduce = typeof f === 'function' ? f : (a: unknown, b: unknown) => f.reduce(a, b);
    const raw = createRawState(new ValueStateDescriptor<TtlValue<unknown>>(name)) as ValueState<TtlValue<unknown>>;
    return new TtlReducingState<unknown>(raw, ctx, reduce as (a: unknown, b: unknown) => unknown);
  }
  if (descriptor instanceof AggregatingStateDescriptor) {
    const raw = createRawState(new ValueStateDescriptor<TtlValue<unknown>>(name)) as ValueState<TtlValue<unknown>>;
    return new TtlAggregatingState<unknown, unknown, unknown>(raw, ctx, (descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction);
  }
  throw new ConfigurationError(`unsupported state descriptor kind '${descriptor.kind}' for '${name}'`);
}

/**
 * Cleans one stored value-layout entry (`TtlValue`) for a snapshot or a sweep: `undefined` when
 * expired at `now`, else the same object. For `cleanupFullSnapshot` in any backend.
 */
export function cleanExpiredValue(stored: TtlValue<unknown>, ttl: number, now: number): TtlValue<unknown> | undefined {
  return isExpired(stored.lastAccessTimestamp, ttl, now) ? undefined : stored;
}

/**
 * Cleans one stored list-layout entry (`TtlValue[]`): `undefined` when every element expired at
 * `now`, the same array when none did, else a new array of the unexpired elements.
 */
export function cleanExpiredList(stored: readonly TtlValue<unknown>[], ttl: number, now: number): readonly TtlValue<unknown>[] | undefined {
  let kept: TtlValue<unknown>[] | undefined;
  for (let i = 0; i < stored.length; i++) {
    const e = stored[i]!;
    if (isExpired(e.lastAccessTimestamp, ttl, now)) kept ??= stored.slice(0, i);
    else kept?.push(e);
  }
  if (kept === undefined) return stored.length === 0 ? undefined : stored;
  return kept.length === 0 ? undefined : kept;
}

/**
 * Cleans one stored entry (as a backend stores it: map state as a Map of `[userKey, TtlValue]`) of a TTL state of kind `kind` at `now` (epoch ms): `undefined`
 * when everything in it expired, the same value when nothing did, else a cleaned copy (list
 * elements / map entries that expired are left out).
 */
export function cleanStoredEntry(kind: StateKind, stored: unknown, ttl: number, now: number): unknown {
  switch (ttlRawKind(kind)) {
    case 'value':
      return cleanExpiredValue(stored as TtlValue<unknown>, ttl, now);
    case 'list':
      return cleanExpiredList(stored as TtlValue<unknown>[], ttl, now);
    case 'map': {
      const m = stored as Map<string | number | bigint | boolean, [unknown, TtlValue<unknown>]>;
      let out: Map<string | number | bigint | boolean, [unknown, TtlValue<unknown>]> | undefined;
      for (const [k, e] of m) {
        if (isExpired(e[1].lastAccessTimestamp, ttl, now)) {
          if (out === undefined) {
            out = new Map();
            for (const [k2, e2] of m) {
              if (k2 === k) break;
              out.set(k2, e2);
            }
          }
        } else out?.set(k, e);
      }
      if (out === undefined) return m.size === 0 ? undefined : m;
      return out.size === 0 ? undefined : out;
    }
  }
}
