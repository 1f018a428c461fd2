/**
 * A parallel bounded source of the integers `from..to` inclusive (Flink's `fromSequence` /
 * NumberSequenceSource): the range is split into one contiguous slice per subtask.
 * Numbers are JS numbers, so `to` must be a safe integer.
 */
import { ConfigurationError } from '../../lib/errors.js';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../source.js';

export class SequenceSource implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;

  /** @throws ConfigurationError when the bounds are not safe integers or `from > to`. */
  constructor(readonly from: number, readonly to: number) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to) {
      throw new ConfigurationError(`fromSequence(${from}, ${to}): bounds must be safe integers with from <= to`);
    }
  }

  createReader(ctx: SourceReaderContext): SourceReader<number> {
    const total = this.to - this.from + 1;
    const start = this.from + Math.floor((total * ctx.subtaskIndex) / ctx.parallelism);
    const end = this.from + Math.floor((total * (ctx.subtaskIndex + 1)) / ctx.parallelism);
    return new SequenceReader(start, end);
  }

  describe(): string {
    return `sequence ${this.from}..${this.to}`;
  }
}

class SequenceReader implements SourceReader<number> {
  constructor(private next: number, private readonly end: number) {}
  start(): void {}
  pollNext(output: ReaderOutput<number>): InputStatus {
    const stop = Math.min(this.end, this.next + 1024);
    let n = this.next;
    for (; n < stop; n++) output.collect(n);
    this.next = n;
    return n >= this.end ? 'END_OF_INPUT' : 'MORE_AVAILABLE';
  }
  isAvailable(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}
