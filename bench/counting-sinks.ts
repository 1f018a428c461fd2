/**
 * Sinks for benchmarks that do as little as a sink can while still proving every record arrived:
 * {@link CountingSink} counts records and sums a field, {@link LastValuePerKeySink} also keeps the
 * latest value per key. Their figures live on the sink object and are shared by all its writers
 * (benchmarks run in one process), so the benchmark reads them after `execute()` resolves.
 */
import type { Sink, SinkWriter, SinkWriterContext } from 'weir';
import type { BenchRecord } from './generator-source.js';

/** Counts records and sums their `value` (a checksum). Create one per job run. */
export class CountingSink implements Sink<BenchRecord> {
  /** Records written so far, over all writers. */
  count = 0;
  /** Sum of the `value` of every record written. */
  valueSum = 0;

  createWriter(_context: SinkWriterContext): SinkWriter<BenchRecord> {
    return new CountingWriter(this);
  }
}

class CountingWriter implements SinkWriter<BenchRecord> {
  constructor(private readonly sink: CountingSink) {}

  write(value: BenchRecord): void {
    this.sink.count++;
    this.sink.valueSum += value.value;
  }

  flush(): void {}

  close(): void {}
}

/** Counts records and keeps the latest `value` per `key` (a keyed running sum's final result). */
export class LastValuePerKeySink implements Sink<BenchRecord> {
  /** Records written so far, over all writers. */
  count = 0;
  /** The last `value` written for each `key`. */
  readonly last = new Map<number, number>();

  createWriter(_context: SinkWriterContext): SinkWriter<BenchRecord> {
    return new LastValueWriter(this);
  }
}

class LastValueWriter implements SinkWriter<BenchRecord> {
  constructor(private readonly sink: LastValuePerKeySink) {}

  write(value: BenchRecord): void {
    this.sink.count++;
    this.sink.last.set(value.key, value.value);
  }

  flush(): void {}

  close(): void {}
}
