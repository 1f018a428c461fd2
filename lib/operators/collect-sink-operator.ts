/**
 * The sink behind `executeAndCollect` (Flink's CollectSinkOperator): buffers records and sends
 * them in batches to the job's coordinating actor, which hands them to the client when the job
 * ends. Exactly-once collection across restarts comes with checkpointing.
 */
import type { CollectBatch } from '../runtime/messages.js';
import type { OperatorContext, StreamOperator } from './stream-operator.js';

export class CollectSinkOperator<T> implements StreamOperator<T> {
  private buffer: unknown[] = [];

  constructor(private readonly ctx: OperatorContext, private readonly batchSize = 1024) {}

  open(): void {}

  processElement(value: T): undefined {
    this.buffer.push(value);
    if (this.buffer.length >= this.batchSize) this.flush();
    return undefined;
  }

  /** Sinks end the stream: watermarks stop here. */
  processWatermark(): void {}

  endInput(): void {
    this.flush();
  }

  close(): void {
    this.buffer = [];
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const msg: CollectBatch = { t: 'collect', v: this.buffer };
    this.buffer = [];
    this.ctx.sendToJob(msg);
  }
}
