/**
 * The sink behind `executeAndCollect` (Flink's CollectSinkOperator): sends records in batches to
 * the job's coordinating actor, which hands them to the client.
 *
 * Without checkpointing, batches go out every `batchSize` records and at end of input. With
 * checkpointing, records are held until the next barrier and sent tagged with that checkpoint's id
 * (`snapshotState`); the job actor releases them only when the checkpoint completes and drops them
 * when the job restarts before that, so each record is returned once even across restarts.
 */
import type { CollectBatch } from '../runtime/messages.js';
import type { OperatorContext, StateSnapshotContext, StreamOperator } from './stream-operator.js';

export class CollectSinkOperator<T> implements StreamOperator<T> {
  private buffer: unknown[] = [];

  constructor(private readonly ctx: OperatorContext, private readonly batchSize = 1024) {}

  open(): void {}

  processElement(value: T): undefined {
    this.buffer.push(value);
    if (!this.ctx.checkpointingEnabled && this.buffer.length >= this.batchSize) this.flush(undefined);
    return undefined;
  }

  /** Sinks end the stream: watermarks stop here. */
  processWatermark(): void {}

  /** With checkpointing, the records since the last barrier belong to this checkpoint. */
  snapshotState(ctx: StateSnapshotContext): void {
    if (this.ctx.checkpointingEnabled && !ctx.isSavepoint) this.flush(ctx.checkpointId);
  }

  endInput(): void {
    // With checkpointing the final checkpoint's barrier (snapshotState) sends the rest.
    if (!this.ctx.checkpointingEnabled) this.flush(undefined);
  }

  close(): void {
    this.buffer = [];
  }

  private flush(checkpointId: number | undefined): void {
    if (this.buffer.length === 0) return;
    const msg: CollectBatch = checkpointId === undefined ? { t: 'collect', v: this.buffer } : { t: 'collect', v: this.buffer, checkpointId };
    this.buffer = [];
    this.ctx.sendToJob(msg);
  }
}
