/**
 * Bounded synthetic sources for benchmarks. {@link GeneratorSource}: record `i` is
 * `{ key: i % keyCount, value: i }` for `i` in `[0, count)`; {@link TimedGeneratorSource} adds an
 * event timestamp `ts`. Each reader emits up to {@link RECORDS_PER_POLL} records per `pollNext`,
 * counting up from where it stopped and allocating one fresh object per record, as a real source
 * decoding its input would. With parallelism p the range is split into p contiguous slices, as
 * Flink's NumberSequenceSource.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from 'weir';

/** The record every benchmark pipeline processes. */
export interface BenchRecord {
  key: number;
  value: number;
}

/** Records a reader emits per `pollNext` call. */
export const RECORDS_PER_POLL = 1024;

/** Number of distinct keys (`i % DEFAULT_KEY_COUNT`). */
export const DEFAULT_KEY_COUNT = 1000;

/** A bounded source of `count` {@link BenchRecord}s with `keyCount` distinct keys. */
export class GeneratorSource implements Source<BenchRecord> {
  readonly boundedness = 'BOUNDED' as const;

  /**
   * @param count records in total, a non-negative safe integer.
   * @param keyCount distinct keys (default 1000).
   * @throws RangeError when `count` or `keyCount` is not a valid integer.
   */
  constructor(
    readonly count: number,
    readonly keyCount = DEFAULT_KEY_COUNT,
  ) {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative safe integer, got ${count}`);
    if (!Number.isSafeInteger(keyCount) || keyCount < 1) throw new RangeError(`keyCount must be a positive integer, got ${keyCount}`);
  }

  /** The reader of subtask `ctx.subtaskIndex`: a contiguous slice of `[0, count)`. */
  createReader(ctx: SourceReaderContext): SourceReader<BenchRecord> {
    const start = Math.floor((this.count * ctx.subtaskIndex) / ctx.parallelism);
    const end = Math.floor((this.count * (ctx.subtaskIndex + 1)) / ctx.parallelism);
    return new GeneratorReader(start, end, this.keyCount);
  }

  describe(): string {
    return `generator of ${this.count} records, ${this.keyCount} keys`;
  }
}

class GeneratorReader implements SourceReader<BenchRecord> {
  constructor(
    private next: number,
    private readonly end: number,
    private readonly keyCount: number,
  ) {}

  start(): void {}

  pollNext(output: ReaderOutput<BenchRecord>): InputStatus {
    const stop = Math.min(this.end, this.next + RECORDS_PER_POLL);
    const keyCount = this.keyCount;
    let i = this.next;
    for (; i < stop; i++) output.collect({ key: i % keyCount, value: i });
    this.next = i;
    return i >= this.end ? 'END_OF_INPUT' : 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

/** The record of the window benchmark: {@link BenchRecord} plus an event timestamp. */
export interface TimedRecord {
  key: number;
  /** Event time, ms: `floor(i / recordsPerMs)`, so it starts at 0 and never decreases. */
  ts: number;
  value: number;
}

/** Default event-time density of {@link TimedGeneratorSource}: records per ms of event time. */
export const DEFAULT_RECORDS_PER_MS = 10;

/**
 * A bounded synthetic source with event time: record `i` is
 * `{ key: i % keyCount, ts: floor(i / recordsPerMs), value: i }` for `i` in `[0, count)`, emitted
 * {@link RECORDS_PER_POLL} per `pollNext` like {@link GeneratorSource}. Timestamps come in order, so a
 * bounded-out-of-orderness watermark never makes a record late. `onEnd`, when given, is called
 * once when a reader reaches its end (before the subtask emits the maximal watermark), so a
 * benchmark can see how much output the job had produced by then.
 */
export class TimedGeneratorSource implements Source<TimedRecord> {
  readonly boundedness = 'BOUNDED' as const;

  /**
   * @param count records in total, a non-negative safe integer.
   * @param recordsPerMs records per ms of event time, a positive integer (default 10).
   * @param keyCount distinct keys (default 1000).
   * @param onEnd called by each reader when it has emitted its last record.
   * @throws RangeError when a count is not a valid integer.
   */
  constructor(
    readonly count: number,
    readonly recordsPerMs = DEFAULT_RECORDS_PER_MS,
    readonly keyCount = DEFAULT_KEY_COUNT,
    private readonly onEnd: (() => void) | undefined = undefined,
  ) {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative safe integer, got ${count}`);
    if (!Number.isSafeInteger(recordsPerMs) || recordsPerMs < 1) throw new RangeError(`recordsPerMs must be a positive integer, got ${recordsPerMs}`);
    if (!Number.isSafeInteger(keyCount) || keyCount < 1) throw new RangeError(`keyCount must be a positive integer, got ${keyCount}`);
  }

  /** The reader of subtask `ctx.subtaskIndex`: a contiguous slice of `[0, count)`. */
  createReader(ctx: SourceReaderContext): SourceReader<TimedRecord> {
    const start = Math.floor((this.count * ctx.subtaskIndex) / ctx.parallelism);
    const end = Math.floor((this.count * (ctx.subtaskIndex + 1)) / ctx.parallelism);
    return new TimedGeneratorReader(start, end, this.recordsPerMs, this.keyCount, this.onEnd);
  }

  describe(): string {
    return `timed generator of ${this.count} records, ${this.recordsPerMs} per ms of event time, ${this.keyCount} keys`;
  }
}

class TimedGeneratorReader implements SourceReader<TimedRecord> {
  constructor(
    private next: number,
    private readonly end: number,
    private readonly recordsPerMs: number,
    private readonly keyCount: number,
    private readonly onEnd: (() => void) | undefined,
  ) {}

  start(): void {}

  pollNext(output: ReaderOutput<TimedRecord>): InputStatus {
    const stop = Math.min(this.end, this.next + RECORDS_PER_POLL);
    const { keyCount, recordsPerMs } = this;
    let i = this.next;
    for (; i < stop; i++) output.collect({ key: i % keyCount, ts: Math.floor(i / recordsPerMs), value: i });
    this.next = i;
    if (i < this.end) return 'MORE_AVAILABLE';
    this.onEnd?.();
    return 'END_OF_INPUT';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}
