/**
 * A bounded synthetic source for benchmarks: record `i` is `{ key: i % keyCount, value: i }` for
 * `i` in `[0, count)`. Each reader emits up to {@link RECORDS_PER_POLL} records per `pollNext`,
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
