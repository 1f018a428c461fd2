/**
 * List state with TTL per element (Flink's `TtlListState`): the raw list holds one
 * {@link TtlValue} per element, each expiring on its own.
 *
 * @see org.apache.flink.runtime.state.ttl.TtlListState
 */
import type { ListState } from '../keyed-state.js';
import { wrapWithTs, type TtlContext, type TtlValue } from './ttl-value.js';

/** List state with per-element TTL over a raw `ListState<TtlValue<T>>`. */
export class TtlListState<T> implements ListState<T> {
  constructor(
    private readonly raw: ListState<TtlValue<T>>,
    private readonly ctx: TtlContext,
  ) {}

  /**
   * The elements in insertion order: the unexpired ones (plus, with `ReturnExpiredIfNotCleanedUp`,
   * the expired ones, this once). Expired elements are removed from the state; with
   * `OnReadAndWrite` the remaining ones get a fresh timestamp.
   */
  get(): T[] {
    this.ctx.accessed();
    const list = this.raw.get();
    if (list.length === 0) return [];
    const now = this.ctx.now();
    const out: T[] = [];
    let kept: TtlValue<T>[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (this.ctx.expired(e, now)) {
        kept ??= list.slice(0, i);
        if (this.ctx.returnExpired) out.push(e.userValue);
      } else {
        kept?.push(e);
        out.push(e.userValue);
      }
    }
    if (this.ctx.updateOnRead) this.raw.update((kept ?? list).map((e) => wrapWithTs(e.userValue, now)));
    else if (kept !== undefined) this.raw.update(kept);
    return out;
  }

  add(value: T): void {
    this.ctx.accessed();
    this.raw.add(wrapWithTs(value, this.ctx.now()));
  }

  addAll(values: Iterable<T>): void {
    this.ctx.accessed();
    const now = this.ctx.now();
    const wrapped: TtlValue<T>[] = [];
    for (const v of values) wrapped.push(wrapWithTs(v, now));
    if (wrapped.length > 0) this.raw.addAll(wrapped);
  }

  update(values: Iterable<T>): void {
    this.ctx.accessed();
    const now = this.ctx.now();
    const wrapped: TtlValue<T>[] = [];
    for (const v of values) wrapped.push(wrapWithTs(v, now));
    this.raw.update(wrapped);
  }

  clear(): void {
    this.ctx.accessed();
    this.raw.clear();
  }
}
