/**
 * A bounded source over an in-memory collection (Flink's `fromCollection` / `fromElements`).
 * Like Flink's, it is non-parallel (`maxParallelism` 1): the job graph gives it one subtask and
 * downstream operators with a higher parallelism receive its records round-robin (rebalance).
 * The iterable is read once per job run, lazily, `batch` records per poll.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader } from '../source.js';

export class CollectionSource<T> implements Source<T> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;

  /** @param items any iterable (arrays, sets, generators: a generator can be consumed only once). */
  constructor(private readonly items: Iterable<T>) {}

  createReader(): SourceReader<T> {
    return new CollectionReader(this.items[Symbol.iterator]());
  }

  describe(): string {
    return 'collection';
  }
}

class CollectionReader<T> implements SourceReader<T> {
  constructor(private readonly it: Iterator<T>) {}

  start(): void {}

  pollNext(output: ReaderOutput<T>): InputStatus {
    for (let i = 0; i < 1024; i++) {
      const r = this.it.next();
      if (r.done === true) return 'END_OF_INPUT';
      output.collect(r.value);
    }
    return 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.it.return?.();
  }
}
