/**
 * A sink that materializes an updating stream into its final table: it keeps the latest record per
 * key and, at end of input, hands the table to a callback (which writes a file, prints a summary).
 *
 * Why: a keyed rolling `reduce` (Flink's StreamGroupedReduceOperator) emits the new running value
 * after every record, so its output is an upsert (changelog) stream, not a table. Without windows,
 * the final per-key values exist only once the bounded input has ended; this sink turns the upsert
 * stream back into a table then, as Flink's Table API does for an updating query result in batch
 * mode (or an upsert sink keyed by the primary key).
 *
 * It always runs with parallelism 1 (`maxParallelism = 1`), so it sees every key. Memory: one
 * record per distinct key.
 *
 * @see org.apache.flink.api.connector.sink2.SinkWriter#flush(endOfInput)
 * @example
 * totals.sinkTo(new FinalTableSink({ key: (t) => t.zone, output: 'out/z.csv', onEnd: (rows) => write(rows) }));
 */
import type { Sink, SinkWriter, SinkWriterContext } from 'weir';

/** Options of a {@link FinalTableSink}. */
export interface FinalTableSinkOptions<T> {
  /** The key of a record; a later record with the same key replaces the earlier one. */
  readonly key: (record: T) => string | number;
  /** Called once at end of input with the latest record of every key, in first-seen key order. */
  readonly onEnd: (rows: T[]) => void | Promise<void>;
  /** Where `onEnd` writes (reported in the job result and by `weir run`), if anywhere. */
  readonly output?: string | undefined;
}

export class FinalTableSink<T> implements Sink<T> {
  readonly maxParallelism = 1;

  constructor(private readonly options: FinalTableSinkOptions<T>) {}

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    if (this.options.output !== undefined) context.reportOutput(this.options.output);
    return new FinalTableWriter<T>(this.options);
  }
}

class FinalTableWriter<T> implements SinkWriter<T> {
  private readonly latest = new Map<string | number, T>();

  constructor(private readonly options: FinalTableSinkOptions<T>) {}

  write(value: T): void {
    this.latest.set(this.options.key(value), value);
  }

  flush(endOfInput: boolean): void | Promise<void> {
    if (!endOfInput) return undefined;
    return this.options.onEnd([...this.latest.values()]);
  }

  close(): void {
    this.latest.clear();
  }
}
