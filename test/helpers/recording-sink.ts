/**
 * A {@link Sink} for tests that keeps every record in memory (all subtasks share one array) and
 * records the lifecycle of each writer, so tests can check close() calls after a failure.
 */
import type { Sink, SinkWriter, SinkWriterContext } from '../../lib/index.js';

export interface WriterLog<T> {
  subtaskIndex: number;
  parallelism: number;
  records: T[];
  flushes: boolean[];
  closeCalls: number;
}

export interface RecordingSinkOptions<T> {
  /** Called per record before it is recorded; may return a Promise (a slow sink) or throw. */
  write?: (value: T, log: WriterLog<T>) => void | Promise<void>;
}

export class RecordingSink<T> implements Sink<T> {
  /** Every record written, by all subtasks, in arrival order. */
  readonly records: T[] = [];
  readonly writers: WriterLog<T>[] = [];

  constructor(private readonly options: RecordingSinkOptions<T> = {}) {}

  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    const log: WriterLog<T> = { subtaskIndex: ctx.subtaskIndex, parallelism: ctx.parallelism, records: [], flushes: [], closeCalls: 0 };
    this.writers.push(log);
    const all = this.records;
    const hook = this.options.write;
    return {
      write(value: T): void | Promise<void> {
        const keep = (): void => {
          log.records.push(value);
          all.push(value);
        };
        if (hook === undefined) return keep();
        const r = hook(value, log);
        if (r instanceof Promise) return r.then(keep);
        keep();
        return undefined;
      },
      flush(endOfInput: boolean): void {
        log.flushes.push(endOfInput);
      },
      close(): void {
        log.closeCalls++;
      },
    };
  }
}
