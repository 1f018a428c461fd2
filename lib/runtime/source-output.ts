/**
 * The {@link ReaderOutput} a source reader emits into: it feeds the head of the source's chain
 * directly (no message per record) and counts records. If a chained operator returns a Promise
 * (an async user function), later records queue behind it so order is kept; the subtask awaits
 * {@link pending} before polling again.
 */
import type { ReaderOutput } from '../../connectors/source.js';
import type { OutputTag } from '../api/output-tag.js';
import type { TimestampAssigner } from '../api/watermark-strategy.js';
import type { WatermarkGenerator, WatermarkOutput } from '../time/watermark-generators.js';
import type { Output } from '../operators/stream-operator.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';

export class SourceOutput<T> implements ReaderOutput<T> {
  /** Records emitted so far (main and side). */
  count = 0;
  /** Chain of in-flight async records, or undefined when everything completed synchronously. */
  pending: Promise<void> | undefined = undefined;

  /**
   * @param assigner the source's timestamp assigner; a throwing assigner fails the subtask with
   *   the operator name and record.
   */
  constructor(
    private readonly out: Output<T>,
    private readonly assigner: TimestampAssigner<T> | undefined,
    private readonly onAssignerError: (record: T, err: unknown) => unknown,
    private readonly generator: WatermarkGenerator<T> | undefined = undefined,
    private readonly watermarks: WatermarkOutput | undefined = undefined,
  ) {}

  collect(value: T, timestamp?: number): void {
    this.count++;
    let ts = timestamp === undefined ? NO_TIMESTAMP : timestamp;
    if (this.assigner !== undefined) {
      try {
        ts = this.assigner(value, ts);
      } catch (err) {
        throw this.onAssignerError(value, err);
      }
    }
    if (this.pending !== undefined) this.pending = this.pending.then(() => this.out.collect(value, ts));
    else {
      const r = this.out.collect(value, ts);
      if (r !== undefined) this.pending = r;
    }
    // The record goes out before the generator sees it, as Flink's SourceOutputWithWatermarks
    // ("the event must be emitted before the watermark generator is called").
    if (this.generator !== undefined) this.generator.onEvent(value, ts, this.watermarks!);
  }

  /** Forwards a watermark into the chain behind any in-flight async record. */
  emitWatermark(watermark: number): void {
    if (this.pending !== undefined) this.pending = this.pending.then(() => this.out.emitWatermark(watermark));
    else {
      const r = this.out.emitWatermark(watermark);
      if (r !== undefined) this.pending = r;
    }
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp?: number): void {
    const ts = timestamp === undefined ? NO_TIMESTAMP : timestamp;
    if (this.pending !== undefined) {
      this.pending = this.pending.then(() => this.out.collectSide(tag.id, value, ts));
      return;
    }
    const r = this.out.collectSide(tag.id, value, ts);
    if (r !== undefined) this.pending = r;
  }

  /** Returns and clears the pending chain. */
  takePending(): Promise<void> | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }
}
