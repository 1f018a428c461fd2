/**
 * A bounded source over an in-memory collection (Flink's `fromCollection` / `fromElements`).
 * Like Flink's, it is non-parallel (`maxParallelism` 1): the job graph gives it one subtask and
 * downstream operators with a higher parallelism receive its records round-robin (rebalance).
 * The iterable is read once per job run, lazily, `batch` records per poll.
 *
 * Replay: the reader's one split is the rest of the collection, {@link CollectionSplit}
 * `{kind: 'collection', next}` (the index of the next element to emit). A restored reader iterates
 * the collection afresh and skips `next` elements, so the collection must yield the same elements in
 * the same order every time it is iterated (arrays, sets, maps do). A one-shot iterator (a generator
 * object) cannot be replayed after it was read once: restoring a reader over one that this source
 * already handed out is a `RestoreError` (`WEIR_ERR_RESTORE`).
 *
 * @see org.apache.flink.api.connector.source.lib.util.IteratorSourceReader (FromElementsSource)
 */
import { describeRecord, RestoreError } from '../../lib/errors.js';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../source.js';

/** At most this many elements are emitted per `pollNext`. */
const ELEMENTS_PER_POLL = 1024;

/**
 * The split of a {@link CollectionSource} reader, as snapshotted: the rest of the collection from
 * element index `next` (0-based; elements before it were emitted).
 */
export interface CollectionSplit {
  readonly kind: 'collection';
  /** Index of the next element to emit (≥ 0). */
  readonly next: number;
}

/** The source behind `env.fromCollection` / `fromElements`; see the module docstring. */
export class CollectionSource<T> implements Source<T> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;
  /** Whether a reader already took an iterator (matters for one-shot iterators only). */
  private iterated = false;

  /** @param items any iterable (arrays, sets, generators: a generator can be consumed only once). */
  constructor(private readonly items: Iterable<T>) {}

  /**
   * Creates the reader: over the whole collection on a fresh start, over exactly the restored
   * {@link CollectionSplit}s (each from its `next` index, one after another) on restore.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a restored split is not a collection split, or the
   *   collection is a one-shot iterator that an earlier reader already consumed.
   */
  createReader(context?: SourceReaderContext): SourceReader<T> {
    const restored = context?.restoredSplits;
    const oneShot = isOneShot(this.items);
    if (restored !== undefined && oneShot && this.iterated) {
      throw new RestoreError(
        'fromCollection: the collection is a one-shot iterator (a generator) that was already read, so it cannot be replayed from a checkpoint; pass an array or another re-iterable collection',
      );
    }
    this.iterated = true;
    const splits = restored === undefined ? [0] : restored.map((s, i) => toCollectionSplit(s, i).next);
    return new CollectionReader(this.items, splits);
  }

  describe(): string {
    return 'collection';
  }
}

/** True when iterating `items` returns `items` itself (generator objects, iterators): readable once. */
function isOneShot(items: Iterable<unknown>): boolean {
  return typeof (items as { next?: unknown }).next === 'function';
}

function toCollectionSplit(split: unknown, index: number): CollectionSplit {
  const s = split as Partial<CollectionSplit> | null;
  if (typeof s !== 'object' || s === null || s.kind !== 'collection' || !Number.isSafeInteger(s.next) || (s.next as number) < 0) {
    throw new RestoreError(`fromCollection: restored split #${index} is not a collection split {kind: 'collection', next ≥ 0}: ${describeRecord(split)}`);
  }
  return { kind: 'collection', next: s.next as number };
}


/** Reads its splits (start indices into the collection) one after another. */
class CollectionReader<T> implements SourceReader<T> {
  private it: Iterator<T> | undefined;
  /** Index of the next element of the current split. */
  private next = 0;
  private split = -1;

  constructor(
    private readonly items: Iterable<T>,
    private readonly splits: readonly number[],
  ) {}

  start(): void {}

  /**
   * Emits up to 1024 elements.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a restored split starts past the collection's end.
   */
  pollNext(output: ReaderOutput<T>): InputStatus {
    for (let i = 0; i < ELEMENTS_PER_POLL; i++) {
      if (this.it === undefined && !this.openNextSplit()) return 'END_OF_INPUT';
      const r = (this.it as Iterator<T>).next();
      if (r.done === true) {
        this.it = undefined;
        continue;
      }
      this.next++;
      output.collect(r.value);
    }
    return 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  /** The current split and those not started, as {@link CollectionSplit}s. */
  snapshotState(): CollectionSplit[] {
    const out: CollectionSplit[] = [];
    if (this.it !== undefined) out.push({ kind: 'collection', next: this.next });
    for (let i = Math.max(this.split + 1, 0); i < this.splits.length; i++) out.push({ kind: 'collection', next: this.splits[i] as number });
    return out;
  }

  close(): void {
    this.it?.return?.();
    this.it = undefined;
  }

  /** Opens the next split and skips to its start; false when none is left. */
  private openNextSplit(): boolean {
    const start = this.splits[++this.split];
    if (start === undefined) {
      this.split = this.splits.length;
      return false;
    }
    const it = this.items[Symbol.iterator]();
    for (let skipped = 0; skipped < start; skipped++) {
      if (it.next().done === true) {
        throw new RestoreError(`fromCollection: the restored position ${start} is past the collection's end (${skipped} elements): the collection changed since the checkpoint`);
      }
    }
    this.it = it;
    this.next = start;
    return true;
  }
}
