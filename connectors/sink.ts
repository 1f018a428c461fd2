/**
 * The sink contract, a small form of Flink's Sink V2 API: a {@link Sink} creates one
 * {@link SinkWriter} per parallel sink subtask. Writers run on the subtask actor's thread and are
 * never called concurrently. A writer may return a Promise from `write` (for example to await I/O
 * back-pressure); the subtask awaits it before the next record, keeping order, and a synchronous
 * writer pays nothing for that.
 *
 * Exactly-once sinks (two-phase commit) extend this contract in the checkpointing issue.
 *
 * @see org.apache.flink.api.connector.sink2.Sink, SinkWriter
 */

/** What a writer knows about where it runs. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly operatorName: string;
  /** Reports where output went (a file path, a topic), shown by `weir run` and in the job result. */
  reportOutput(location: string): void;
}

/** One parallel instance of a sink. */
export interface SinkWriter<T> {
  /** Writes one record; `timestamp` is epoch ms or `NO_TIMESTAMP`. */
  write(value: T, timestamp: number): void | Promise<void>;
  /** Flushes buffered output; `endOfInput` is true once, after the last record. */
  flush(endOfInput: boolean): void | Promise<void>;
  /** Releases files and connections; called once, also after a failure. Must not throw. */
  close(): void | Promise<void>;
}

/** A sink: configuration plus a factory for per-subtask writers. */
export interface Sink<T> {
  createWriter(context: SinkWriterContext): SinkWriter<T> | Promise<SinkWriter<T>>;
  /** The largest parallelism this sink supports, or `undefined` for any. */
  readonly maxParallelism?: number;
}
