/** Flink's StreamFlatMap: zero or more outputs per input, via a collector or a returned iterable. */
import type { FlatMapFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { resolveFunction, userError } from './user-function.js';

type FlatMapCall<IN, OUT> = (v: IN, out: SerialCollector<OUT>) => void | Iterable<OUT> | Promise<void | Iterable<OUT>>;

/** Runs a {@link FlatMapFunction}; checkpoint hooks go to the function ({@link AbstractUdfOperator}). */
export class FlatMapOperator<IN, OUT> extends AbstractUdfOperator implements StreamOperator<IN> {
  private readonly call: FlatMapCall<IN, OUT>;
  private readonly collector: SerialCollector<OUT>;

  constructor(private readonly ctx: OperatorContext, private readonly out: Output<OUT>, spec: FlatMapFunction<IN, OUT>) {
    const fn = resolveFunction<FlatMapCall<IN, OUT>>(spec, 'flatMap', ctx);
    super(fn);
    this.call = fn.call;
    this.collector = new SerialCollector(out);
  }

  processElement(value: IN, timestamp: number): void | Promise<void> {
    this.collector.timestamp = timestamp;
    let r: void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
    try {
      r = this.call(value, this.collector);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r instanceof Promise) {
      return r.then(
        (it) => {
          this.collector.timestamp = timestamp;
          if (it != null) for (const x of it) this.collector.collect(x);
          return this.collector.takePending();
        },
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    if (r != null) for (const x of r) this.collector.collect(x);
    return this.collector.takePending();
  }

  processWatermark(watermark: number): void | Promise<void> {
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}
}
