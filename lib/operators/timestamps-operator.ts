/**
 * Assigns timestamps and generates watermarks in the middle of a stream (Flink's
 * TimestampsAndWatermarksOperator): each record's timestamp comes from the strategy's assigner,
 * the generator sees every record (`onEvent`) and is asked for a periodic watermark every
 * `autoWatermarkInterval` ms of processing time. Watermarks from upstream are dropped, except the
 * maximal one at end of input, which is forwarded.
 *
 * Checkpoints: the generator is user code; when it implements `CheckpointedFunction` /
 * `CheckpointListener` the hooks go to it ({@link AbstractUdfOperator}), e.g. to keep its highest
 * timestamp across a restore (Flink's operator keeps none: after a restore watermarks start over).
 */
import type { WatermarkStrategy } from '../api/watermark-strategy.js';
import type { TimerHandle } from '../time/clock.js';
import type { WatermarkGenerator } from '../time/watermark-generators.js';
import { MAX_WATERMARK } from '../time/timestamps.js';
import { WatermarkEmitter } from '../runtime/watermark-emitter.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { functionLifecycle, userError } from './user-function.js';

export class TimestampsOperator<T> extends AbstractUdfOperator implements StreamOperator<T> {
  private readonly generator: WatermarkGenerator<T>;
  private readonly emitter: WatermarkEmitter;
  private tick: TimerHandle | undefined;

  /** @param intervalMs periodic emission interval, ms (0 disables). */
  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<T>,
    private readonly strategy: WatermarkStrategy<T>,
    private readonly intervalMs: number,
  ) {
    const generator = strategy.createWatermarkGenerator({ clock: ctx.clock });
    super(functionLifecycle(generator, ctx));
    this.generator = generator;
    // Idleness of a mid-stream generator is not propagated (Flink forwards it as WatermarkStatus;
    // here the downstream valve only sees watermarks from this operator).
    this.emitter = new WatermarkEmitter((wm) => out.emitWatermark(wm), () => undefined);
  }

  override open(): void | Promise<void> {
    this.schedule();
    return super.open();
  }

  processElement(value: T, timestamp: number): void | Promise<void> {
    let ts = timestamp;
    const assigner = this.strategy.timestampAssigner;
    if (assigner !== undefined) {
      try {
        ts = assigner(value, timestamp);
      } catch (err) {
        throw userError(this.ctx, value, err);
      }
    }
    const r = this.out.collect(value, ts);
    this.generator.onEvent(value, ts, this.emitter);
    const w = this.emitter.takePending();
    if (r !== undefined) return w !== undefined ? r.then(() => w) : r;
    return w;
  }

  processWatermark(watermark: number): void | Promise<void> {
    if (watermark !== MAX_WATERMARK) return undefined;
    this.emitter.emitWatermark(MAX_WATERMARK);
    return this.emitter.takePending();
  }

  endInput(): void {
    this.tick?.cancel();
  }

  override close(): void | Promise<void> {
    this.tick?.cancel();
    return super.close();
  }

  private schedule(): void {
    if (this.intervalMs <= 0) return;
    this.tick = this.ctx.registerProcessingTimeCallback(this.ctx.clock.now() + this.intervalMs, () => {
      this.generator.onPeriodicEmit(this.emitter);
      this.schedule();
      return this.emitter.takePending();
    });
  }
}
