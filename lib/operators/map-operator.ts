/** Flink's StreamMap: one output per input. */
import type { MapFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { resolveFunction, userError, type ResolvedFunction } from './user-function.js';

export class MapOperator<IN, OUT> implements StreamOperator<IN> {
  private readonly fn: ResolvedFunction<(v: IN) => OUT | Promise<OUT>>;
  private readonly call: (v: IN) => OUT | Promise<OUT>;

  constructor(private readonly ctx: OperatorContext, private readonly out: Output<OUT>, spec: MapFunction<IN, OUT>) {
    this.fn = resolveFunction(spec, 'map', ctx);
    this.call = this.fn.call;
  }

  open(): void | Promise<void> {
    return this.fn.open();
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

  close(): void | Promise<void> {
    return this.fn.close();
  }
}
