/** Flink's StreamFilter: keeps records for which the predicate is true. */
import type { FilterFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { resolveFunction, userError } from './user-function.js';

/** Runs a {@link FilterFunction}; checkpoint hooks go to the function ({@link AbstractUdfOperator}). */
export class FilterOperator<T> extends AbstractUdfOperator implements StreamOperator<T> {
  private readonly call: (v: T) => boolean | Promise<boolean>;

  constructor(private readonly ctx: OperatorContext, private readonly out: Output<T>, spec: FilterFunction<T>) {
    const fn = resolveFunction<(v: T) => boolean | Promise<boolean>>(spec, 'filter', ctx);
    super(fn);
    this.call = fn.call;
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
}
