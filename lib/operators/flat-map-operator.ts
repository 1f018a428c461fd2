/** Flink's StreamFlatMap: zero or more outputs per input, via a collector or a returned iterable. */
import type { FlatMapFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { resolveFunction, userError, type ResolvedFunction } from './user-function.js';

type FlatMapCall<IN, OUT> = (v: IN, out: SerialCollector<OUT>) => void | Iterable<OUT> | Promise<void | Iterable<OUT>>;

export class FlatMapOperator<IN, OUT> implements StreamOperator<IN> {
  private readonly fn: ResolvedFunction<FlatMapCall<IN, OUT>>;
  private readonly call: FlatMapCall<IN, OUT>;
  private readonly collector: SerialCollector<OUT>;

  constructor(private readonly ctx: OperatorContext, private readonly out: Output<OUT>, spec: FlatMapFunction<IN, OUT>) {
    this.fn = resolveFunction(spec, 'flatMap', ctx);
    this.call = this.fn.call;
    this.collector = new SerialCollector(out);
  }

  open(): void | Promise<void> {
    return this.fn.open();
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

  close(): void | Promise<void> {
    return this.fn.close();
  }
}
