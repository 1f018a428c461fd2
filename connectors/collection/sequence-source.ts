/**
 * A parallel bounded source of the integers `from..to` inclusive (Flink's `fromSequence` /
 * NumberSequenceSource): the range is split into one contiguous slice per subtask.
 * Numbers are JS numbers, so `to` must be a safe integer.
 *
 * Replay: each reader's split is what is left of its slice, a {@link SequenceSplit}
 * `{kind: 'sequence', from, to}` (`from` the next number to emit, `to` the last, inclusive). On a
 * restore with another parallelism the slices are dealt to the new readers as they are (not re-cut),
 * as Flink does with its NumberSequenceSplits.
 *
 * @see org.apache.flink.api.connector.source.lib.NumberSequenceSource
 */
import { ConfigurationError, RestoreError } from '../../lib/errors.js';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../source.js';

/** At most this many numbers are emitted per `pollNext`. */
const NUMBERS_PER_POLL = 1024;

/** The split of a {@link SequenceSource} reader: the numbers `from..to`, inclusive, still to emit. */
export interface SequenceSplit {
  readonly kind: 'sequence';
  /** The next number to emit (a safe integer). */
  readonly from: number;
  /** The last number of the split, inclusive (a safe integer ≥ `from`). */
  readonly to: number;
}

/** The source behind `env.fromSequence(from, to)`; see the module docstring. */
export class SequenceSource implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the bounds are not safe integers or `from > to`. */
  constructor(readonly from: number, readonly to: number) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to) {
      throw new ConfigurationError(`fromSequence(${from}, ${to}): bounds must be safe integers with from <= to`);
    }
  }

  /**
   * Creates the reader of one subtask: on a fresh start subtask `i` of `p` reads
   * `from + ⌊n·i/p⌋ … from + ⌊n·(i+1)/p⌋ − 1` (`n` = count of numbers); on restore exactly the
   * restored {@link SequenceSplit}s, one after another.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a restored split is not a sequence split.
   */
  createReader(ctx: SourceReaderContext): SourceReader<number> {
    if (ctx.restoredSplits !== undefined) return new SequenceReader(ctx.restoredSplits.map(toSequenceSplit));
    const total = this.to - this.from + 1;
    const start = this.from + Math.floor((total * ctx.subtaskIndex) / ctx.parallelism);
    const end = this.from + Math.floor((total * (ctx.subtaskIndex + 1)) / ctx.parallelism);
    return new SequenceReader(end > start ? [{ kind: 'sequence', from: start, to: end - 1 }] : []);
  }

  describe(): string {
    return `sequence ${this.from}..${this.to}`;
  }
}

function toSequenceSplit(split: unknown, index: number): SequenceSplit {
  const s = split as Partial<SequenceSplit> | null;
  if (typeof s !== 'object' || s === null || s.kind !== 'sequence' || !Number.isSafeInteger(s.from) || !Number.isSafeInteger(s.to)) {
    let text: string;
    try {
      text = JSON.stringify(split) ?? String(split);
    } catch {
      text = String(split);
    }
    throw new RestoreError(`fromSequence: restored split #${index} is not a sequence split {kind: 'sequence', from, to}: ${text}`);
  }
  return { kind: 'sequence', from: s.from as number, to: s.to as number };
}

/** Reads its splits one after another; `next` is the next number of `splits[current]`. */
class SequenceReader implements SourceReader<number> {
  private current = 0;
  private next: number;

  constructor(private readonly splits: readonly SequenceSplit[]) {
    this.next = splits[0]?.from ?? 0;
  }

  start(): void {}

  pollNext(output: ReaderOutput<number>): InputStatus {
    let budget = NUMBERS_PER_POLL;
    while (budget > 0) {
      const split = this.splits[this.current];
      if (split === undefined) return 'END_OF_INPUT';
      const stop = Math.min(split.to + 1, this.next + budget);
      let n = this.next;
      for (; n < stop; n++) output.collect(n);
      budget -= n - this.next;
      this.next = n;
      if (n > split.to) this.nextSplit();
    }
    return this.current >= this.splits.length ? 'END_OF_INPUT' : 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  /** The rest of the current split and the splits not started. */
  snapshotState(): SequenceSplit[] {
    const out: SequenceSplit[] = [];
    const split = this.splits[this.current];
    if (split === undefined) return out;
    if (this.next <= split.to) out.push({ kind: 'sequence', from: this.next, to: split.to });
    for (let i = this.current + 1; i < this.splits.length; i++) out.push(this.splits[i] as SequenceSplit);
    return out;
  }

  close(): void {}

  private nextSplit(): void {
    this.current++;
    this.next = this.splits[this.current]?.from ?? 0;
  }
}
