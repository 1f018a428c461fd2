/** Assigns each record's timestamp with the strategy's assigner (Flink's TimestampsAndWatermarksOperator). */
import type { TimestampAssigner } from '../api/watermark-strategy.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { userError } from './user-function.js';

export class TimestampsOperator<T> implements StreamOperator<T> {
  constructor(private readonly ctx: OperatorContext, private readonly out: Output<T>, private readonly assigner: TimestampAssigner<T> | undefined) {}
  open(): void {}
  processElement(value: T, timestamp: number): void | Promise<void> {
    if (this.assigner === undefined) return this.out.collect(value, timestamp);
    let ts: number;
    try {
      ts = this.assigner(value, timestamp);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    return this.out.collect(value, ts);
  }
  processWatermark(watermark: number): void | Promise<void> {
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}
  close(): void {}
}
