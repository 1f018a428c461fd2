/** Flink's StreamMap: one output per input. */
import type { MapFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { resolveFunction, userError } from './user-function.js';

/** Runs a {@link MapFunction}; checkpoint hooks go to the function ({@link AbstractUdfOperator}). */
export class MapOperator<IN, OUT> extends AbstractUdfOperator implements StreamOperator<IN> {
  private readonly call: (v: IN) => OUT | Promise<OUT>;

  constructor(private readonly ctx: OperatorContext, private readonly out: Output<OUT>, spec: MapFunction<IN, OUT>) {
    const fn = resolveFunction<(v: IN) => OUT | Promise<OUT>>(spec, 'map', ctx);
    super(fn);
    this.call = fn.call;
  }

  processElement(value: IN, timestamp: number): void | Promise<void> {
    let r: OUT | Promise<OUT>;
    try {
      r = this.call(value);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r instanceof Promise) {
      return r.then(
        (x) => this.out.collect(x, timestamp),
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    return this.out.collect(r, timestamp);
  }

  processWatermark(watermark: number): void | Promise<void> {
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}
}
