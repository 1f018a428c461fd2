/**
 * Flink's CoStreamMap and CoStreamFlatMap: two-input operators calling `map1`/`map2` or
 * `flatMap1`/`flatMap2` of the user function. Results keep the input record's timestamp.
 * Watermarks are the runtime's combined watermark (minimum of both inputs), forwarded as is.
 *
 * @see org.apache.flink.streaming.api.operators.co.CoStreamMap
 * @see org.apache.flink.streaming.api.operators.co.CoStreamFlatMap
 */
import type { CoFlatMapFunction, CoMapFunction } from '../api/co-functions.js';
import type { OperatorContext, Output, TwoInputStreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { resolveMethods, userError } from './user-function.js';

type MapCall = (v: unknown) => unknown;
type FlatMapCall = (v: unknown, out: SerialCollector<unknown>) => void | Iterable<unknown> | Promise<void | Iterable<unknown>>;

/** Runs a {@link CoMapFunction}: one output per record of either input. Checkpoint hooks go to the function. */
export class CoMapOperator<IN1, IN2, OUT> extends AbstractUdfOperator implements TwoInputStreamOperator<IN1, IN2> {
  private readonly map1: MapCall;
  private readonly map2: MapCall;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<OUT>,
    spec: CoMapFunction<IN1, IN2, OUT> | (new (...args: never[]) => CoMapFunction<IN1, IN2, OUT>),
  ) {
    const r = resolveMethods(spec, ['map1', 'map2'], ctx);
    super(r.fn);
    this.map1 = r.calls.map1 as MapCall;
    this.map2 = r.calls.map2 as MapCall;
  }

  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.apply(this.map1, value, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.apply(this.map2, value, timestamp);
  }

  endInput(): void {}

  private apply(call: MapCall, value: unknown, timestamp: number): void | Promise<void> {
    let r: unknown;
    try {
      r = call(value);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r instanceof Promise) {
      return r.then(
        (x: unknown) => this.out.collect(x as OUT, timestamp),
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    return this.out.collect(r as OUT, timestamp);
  }
}

/**
 * Runs a {@link CoFlatMapFunction}: zero or more outputs per record, via `out.collect` or a returned
 * iterable. Checkpoint hooks go to the function.
 */
export class CoFlatMapOperator<IN1, IN2, OUT> extends AbstractUdfOperator implements TwoInputStreamOperator<IN1, IN2> {
  private readonly flatMap1: FlatMapCall;
  private readonly flatMap2: FlatMapCall;
  private readonly collector: SerialCollector<unknown>;

  constructor(
    private readonly ctx: OperatorContext,
    out: Output<OUT>,
    spec: CoFlatMapFunction<IN1, IN2, OUT> | (new (...args: never[]) => CoFlatMapFunction<IN1, IN2, OUT>),
  ) {
    const r = resolveMethods(spec, ['flatMap1', 'flatMap2'], ctx);
    super(r.fn);
    this.flatMap1 = r.calls.flatMap1 as FlatMapCall;
    this.flatMap2 = r.calls.flatMap2 as FlatMapCall;
    this.collector = new SerialCollector(out as Output<unknown>);
  }

  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.apply(this.flatMap1, value, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.apply(this.flatMap2, value, timestamp);
  }

  endInput(): void {}

  private apply(call: FlatMapCall, value: unknown, timestamp: number): void | Promise<void> {
    const collector = this.collector;
    collector.timestamp = timestamp;
    let r: void | Iterable<unknown> | Promise<void | Iterable<unknown>>;
    try {
      r = call(value, collector);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r instanceof Promise) {
      return r.then(
        (it) => {
          collector.timestamp = timestamp;
          if (it != null) for (const x of it) collector.collect(x);
          return collector.takePending();
        },
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    if (r != null) for (const x of r) collector.collect(x);
    return collector.takePending();
  }
}
