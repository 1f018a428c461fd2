/**
 * A sink that gathers every record of a bounded, append-only stream and hands them all to a
 * callback at end of input (which sorts them, writes files and prints a summary).
 *
 * Why: windowed results are final when emitted (an append stream, unlike the rolling aggregates
 * that final-table-sink.ts folds), but parallel subtasks deliver them in no fixed order; the
 * examples sort them once at the end so that every parallelism writes byte-identical files. To
 * report several streams of one job together (results, late records, alerts), union them as a
 * tagged record type into one such sink.
 *
 * It always runs with parallelism 1 (`maxParallelism = 1`). Memory: every record it receives.
 *
 * @see org.apache.flink.api.connector.sink2.SinkWriter#flush(endOfInput)
 * @example
 * results.sinkTo(new CollectAllSink<Row>({ outputs: [csv], onEnd: (rows) => writeCsvFile(csv, COLUMNS, toCells(rows)) }), 'table');
 */
import type { Sink, SinkWriter, SinkWriterContext } from 'weir';

/** Options of a {@link CollectAllSink}. */
export interface CollectAllSinkOptions<T> {
  /** Called once at end of input with every record, in arrival order. */
  readonly onEnd: (rows: T[]) => void | Promise<void>;
  /** The files `onEnd` writes (reported in the job result and by `weir run`). */
  readonly outputs?: readonly string[] | undefined;
}

export class CollectAllSink<T> implements Sink<T> {
  readonly maxParallelism = 1;

  constructor(private readonly options: CollectAllSinkOptions<T>) {}

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    for (const output of this.options.outputs ?? []) context.reportOutput(output);
    return new CollectAllWriter<T>(this.options.onEnd);
  }
}

class CollectAllWriter<T> implements SinkWriter<T> {
  private rows: T[] = [];

  constructor(private readonly onEnd: (rows: T[]) => void | Promise<void>) {}

  write(value: T): void {
    this.rows.push(value);
  }

  flush(endOfInput: boolean): void | Promise<void> {
    if (!endOfInput) return undefined;
    return this.onEnd(this.rows);
  }

  close(): void {
    this.rows = [];
  }
}
