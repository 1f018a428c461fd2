/**
 * A replayable parallel source of `from..to` that emits `perPoll` numbers per poll and then waits
 * `pauseMs` (NOTHING_AVAILABLE until a timer fires), so a job runs long enough for a test to act
 * on it while records flow (rescale, kill a task manager). Splits `{kind: 'paced', from, to}`
 * (`from` the next number, `to` inclusive) are its checkpointed state; on restore or rescale they
 * are redistributed like any source's splits.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from 'weir';

interface PacedSplit {
  kind: 'paced';
  from: number;
  to: number;
}

export class PacedSequenceSource implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly perPoll: number,
    readonly pauseMs: number,
  ) {}

  createReader(ctx: SourceReaderContext): SourceReader<number> {
    if (ctx.restoredSplits !== undefined) return new PacedReader((ctx.restoredSplits as PacedSplit[]).map((s) => ({ ...s })), this.perPoll, this.pauseMs);
    const total = this.to - this.from + 1;
    const start = this.from + Math.floor((total * ctx.subtaskIndex) / ctx.parallelism);
    const end = this.from + Math.floor((total * (ctx.subtaskIndex + 1)) / ctx.parallelism);
    return new PacedReader(end > start ? [{ kind: 'paced', from: start, to: end - 1 }] : [], this.perPoll, this.pauseMs);
  }
}

class PacedReader implements SourceReader<number> {
  private timer: NodeJS.Timeout | undefined;
  private ready = true;

  constructor(
    private readonly splits: PacedSplit[],
    private readonly perPoll: number,
    private readonly pauseMs: number,
  ) {}

  start(): void {}

  pollNext(out: ReaderOutput<number>): InputStatus {
    if (!this.ready) return 'NOTHING_AVAILABLE';
    for (let n = 0; n < this.perPoll; n++) {
      const s = this.splits[0];
      if (s === undefined) return 'END_OF_INPUT';
      out.collect(s.from++);
      if (s.from > s.to) this.splits.shift();
    }
    if (this.splits.length === 0) return 'END_OF_INPUT';
    this.ready = false;
    return 'NOTHING_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.ready = true;
        resolve();
      }, this.pauseMs);
    });
  }

  snapshotState(): PacedSplit[] {
    return this.splits.map((s) => ({ ...s }));
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
