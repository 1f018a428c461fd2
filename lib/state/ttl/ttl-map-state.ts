/**
 * Map state with TTL per entry (Flink's `TtlMapState`): the raw map holds a {@link TtlValue} per
 * user key, each entry expiring on its own.
 *
 * @see org.apache.flink.runtime.state.ttl.TtlMapState
 */
import type { MapState } from '../keyed-state.js';
import { wrapWithTs, type TtlContext, type TtlValue } from './ttl-value.js';

/** Map state with per-entry TTL over a raw `MapState<K, TtlValue<V>>`. */
export class TtlMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly raw: MapState<K, TtlValue<V>>,
    private readonly ctx: TtlContext,
  ) {}

  /** The entry's value, `undefined` when absent or expired (an expired one is removed; returned only with `ReturnExpiredIfNotCleanedUp`). */
  get(key: K): V | undefined {
    this.ctx.accessed();
    return this.entry(key)?.userValue;
  }

  put(key: K, value: V): void {
    this.ctx.accessed();
    this.raw.put(key, wrapWithTs(value, this.ctx.now()));
  }

  putAll(entries: Iterable<[K, V]> | Map<K, V>): void {
    this.ctx.accessed();
    const now = this.ctx.now();
    for (const [k, v] of entries) this.raw.put(k, wrapWithTs(v, now));
  }

  remove(key: K): void {
    this.ctx.accessed();
    this.raw.remove(key);
  }

  /** Whether the entry is visible (a read: it removes an expired entry and refreshes with `OnReadAndWrite`). */
  contains(key: K): boolean {
    this.ctx.accessed();
    return this.entry(key) !== undefined;
  }

  /** The visible entries, listed when called (expired ones are removed; refreshed with `OnReadAndWrite`). */
  entries(): IterableIterator<[K, V]> {
    this.ctx.accessed();
    return this.visible()[Symbol.iterator]();
  }

  keys(): IterableIterator<K> {
    this.ctx.accessed();
    return this.visible()
      .map((e) => e[0])
      [Symbol.iterator]();
  }

  values(): IterableIterator<V> {
    this.ctx.accessed();
    return this.visible()
      .map((e) => e[1])
      [Symbol.iterator]();
  }

  /** True when no entry is visible; with `NeverReturnExpired`, a map of only expired entries is cleared and reads as empty. */
  isEmpty(): boolean {
    this.ctx.accessed();
    if (this.ctx.returnExpired) return this.raw.isEmpty();
    const now = this.ctx.now();
    let any = false;
    for (const [, e] of this.raw.entries()) {
      if (!this.ctx.expired(e, now)) return false;
      any = true;
    }
    if (any) this.raw.clear();
    return true;
  }

  clear(): void {
    this.ctx.accessed();
    this.raw.clear();
  }

  private entry(key: K): TtlValue<V> | undefined {
    const e = this.raw.get(key);
    if (e === undefined) return undefined;
    const now = this.ctx.now();
    if (this.ctx.expired(e, now)) {
      this.raw.remove(key);
      return this.ctx.returnExpired ? e : undefined;
    }
    if (this.ctx.updateOnRead) this.raw.put(key, wrapWithTs(e.userValue, now));
    return e;
  }

  private visible(): [K, V][] {
    const now = this.ctx.now();
    const out: [K, V][] = [];
    let expired: K[] | undefined;
    let refresh: [K, V][] | undefined;
    for (const [k, e] of this.raw.entries()) {
      if (this.ctx.expired(e, now)) {
        (expired ??= []).push(k);
        if (this.ctx.returnExpired) out.push([k, e.userValue]);
      } else {
        out.push([k, e.userValue]);
        if (this.ctx.updateOnRead) (refresh ??= []).push([k, e.userValue]);
      }
    }
    if (expired !== undefined) for (const k of expired) this.raw.remove(k);
    if (refresh !== undefined) for (const [k, v] of refresh) this.raw.put(k, wrapWithTs(v, now));
    return out;
  }
}
