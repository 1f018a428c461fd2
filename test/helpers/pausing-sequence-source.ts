/**
 * A replayable parallel source of `from..to` that, on a fresh start, stops after `pauseAfter`
 * numbers per subtask and waits (NOTHING_AVAILABLE) until it is restored or closed — so a test can
 * take a savepoint of a job that is still running. Restored readers never pause. Splits are
 * `{kind: 'pausing', from, to}` (`from` the next number, `to` inclusive).
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from 'weir';

interface PausingSplit {
  kind: 'pausing';
  from: number;
  to: number;
}

export class PausingSequenceSource implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;
  /** Resolves once every fresh reader reached its pause. */
  readonly paused: Promise<void>;
  private pausedCount = 0;
  private resolvePaused!: () => void;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly pauseAfter: number,
    private readonly parallelism: number,
  ) {
    this.paused = new Promise((r) => (this.resolvePaused = r));
  }

  createReader(ctx: SourceReaderContext): SourceReader<number> {
    if (ctx.restoredSplits !== undefined) return new Reader(ctx.restoredSplits as PausingSplit[], Infinity, () => {});
    const total = this.to - this.from + 1;
    const start = this.from + Math.floor((total * ctx.subtaskIndex) / ctx.parallelism);
    const end = this.from + Math.floor((total * (ctx.subtaskIndex + 1)) / ctx.parallelism);
    return new Reader([{ kind: 'pausing', from: start, to: end - 1 }], this.pauseAfter, () => {
      if (++this.pausedCount === this.parallelism) this.resolvePaused();
    });
  }
}

class Reader implements SourceReader<number> {
  private emitted = 0;
  private pausedOnce = false;
  private readonly never = new Promise<void>(() => {});

  constructor(
    private readonly splits: PausingSplit[],
    private readonly pauseAfter: number,
    private readonly onPause: () => void,
  ) {}

  start(): void {}

  pollNext(out: ReaderOutput<number>): InputStatus {
    for (let budget = 512; budget > 0; budget--) {
      const s = this.splits[0];
      if (s === undefined) return 'END_OF_INPUT';
      if (this.emitted >= this.pauseAfter) {
        if (!this.pausedOnce) {
          this.pausedOnce = true;
          this.onPause();
        }
        return 'NOTHING_AVAILABLE';
      }
      if (s.from > s.to) {
        this.splits.shift();
        continue;
      }
      out.collect(s.from++);
      this.emitted++;
    }
    return 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return this.emitted >= this.pauseAfter ? this.never : Promise.resolve();
  }

  snapshotState(): PausingSplit[] {
    return this.splits.filter((s) => s.from <= s.to).map((s) => ({ ...s }));
  }

  close(): void {}
}
