/**
 * Sinks for benchmarks that do as little as a sink can while still proving every record arrived:
 * {@link CountingSink} counts records and sums a field, {@link LastValuePerKeySink} also keeps the
 * latest value per key, {@link WindowResultSink} keeps every fired window's sum. Their figures live on the sink object and are shared by all its writers
 * (benchmarks run in one process), so the benchmark reads them after `execute()` resolves.
 */
import type { Sink, SinkWriter, SinkWriterContext } from 'weir';
import type { BenchRecord } from './generator-source.js';

/** One fired window of the window benchmark: the key, the window's start (ms) and the sum of its values. */
export interface WindowResult {
  key: number;
  windowStart: number;
  sum: number;
}

/**
 * The slot of (key, window) in a result map: `windowIndex * keyCount + key`, a bijection for
 * integer keys in `[0, keyCount)` and window starts that are multiples of `windowSizeMs` (≥ 0).
 * The Weir sink and the plain loop both index their sums this way.
 */
export function windowSlot(key: number, windowStart: number, windowSizeMs: number, keyCount: number): number {
  return (windowStart / windowSizeMs) * keyCount + key;
}

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

/**
 * Keeps every fired window's sum by {@link windowSlot}, counts results, and counts the results
 * that were not a valid (key, window) or arrived twice for the same slot (each is a bug: a
 * tumbling event-time window fires once). Create one per job run.
 */
export class WindowResultSink implements Sink<WindowResult> {
  /** Window results written so far, over all writers. */
  count = 0;
  /** Results whose key or window start cannot be a slot, or whose slot already had a result. */
  invalid = 0;
  /** The first few invalid results, for the error message. */
  readonly invalidSamples: WindowResult[] = [];
  /** Sum per {@link windowSlot}. */
  readonly sums = new Map<number, number>();

  constructor(
    readonly windowSizeMs: number,
    readonly keyCount: number,
  ) {}

  createWriter(_context: SinkWriterContext): SinkWriter<WindowResult> {
    return new WindowResultWriter(this);
  }

  /** @internal called by the writers. */
  add(r: WindowResult): void {
    this.count++;
    const { windowSizeMs, keyCount } = this;
    const valid = Number.isInteger(r.key) && r.key >= 0 && r.key < keyCount && r.windowStart >= 0 && r.windowStart % windowSizeMs === 0;
    const slot = windowSlot(r.key, r.windowStart, windowSizeMs, keyCount);
    if (!valid || this.sums.has(slot)) {
      this.invalid++;
      if (this.invalidSamples.length < 5) this.invalidSamples.push(r);
      return;
    }
    this.sums.set(slot, r.sum);
  }
}

class WindowResultWriter implements SinkWriter<WindowResult> {
  constructor(private readonly sink: WindowResultSink) {}

  write(value: WindowResult): void {
    this.sink.add(value);
  }

  flush(): void {}

  close(): void {}
}
