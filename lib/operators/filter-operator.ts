/** Flink's StreamFilter: keeps records for which the predicate is true. */
import type { FilterFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { resolveFunction, userError, type ResolvedFunction } from './user-function.js';

export class FilterOperator<T> implements StreamOperator<T> {
  private readonly fn: ResolvedFunction<(v: T) => boolean | Promise<boolean>>;
  private readonly call: (v: T) => boolean | Promise<boolean>;

  constructor(private readonly ctx: OperatorContext, private readonly out: Output<T>, spec: FilterFunction<T>) {
    this.fn = resolveFunction(spec, 'filter', ctx);
    this.call = this.fn.call;
  }

  open(): void | Promise<void> {
    return this.fn.open();
  }

  processElement(value: T, timestamp: number): void | Promise<void> {
    let r: boolean | Promise<boolean>;
    try {
      r = this.call(value);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r === true) return this.out.collect(value, timestamp);
    if (r instanceof Promise) {
      return r.then(
        (keep) => (keep ? this.out.collect(value, timestamp) : undefined),
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    return undefined;
  }

  processWatermark(watermark: number): void | Promise<void> {
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}

  close(): void | Promise<void> {
    return this.fn.close();
  }
}
