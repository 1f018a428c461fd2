/** Runs a {@link SinkWriter} as the last operator of a chain (Flink's SinkWriterOperator). */
import type { Sink, SinkWriter } from '../../connectors/sink.js';
import { userError } from './user-function.js';
import type { OperatorContext, StreamOperator } from './stream-operator.js';

export class SinkOperator<T> implements StreamOperator<T> {
  private writer: SinkWriter<T> | undefined;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly sink: Sink<T>,
    private readonly reportOutput: (location: string) => void,
  ) {}

  async open(): Promise<void> {
    this.writer = await this.sink.createWriter({
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorName: this.ctx.operatorName,
      reportOutput: this.reportOutput,
    });
  }

  processElement(value: T, timestamp: number): void | Promise<void> {
    try {
      const r = this.writer!.write(value, timestamp);
      if (r instanceof Promise) {
        return r.catch((err: unknown) => {
          throw userError(this.ctx, value, err);
        });
      }
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    return undefined;
  }

  /** Sinks end the stream: watermarks stop here. */
  processWatermark(): void {}

  endInput(): void | Promise<void> {
    return this.writer?.flush(true);
  }

  close(): void | Promise<void> {
    const w = this.writer;
    this.writer = undefined;
    return w?.close();
  }
}
