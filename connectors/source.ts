/**
 * The source contract, a small form of Flink's FLIP-27 Source API: a {@link Source} is a factory
 * that is serialisable as configuration; each parallel source subtask creates one
 * {@link SourceReader} that emits records through a {@link ReaderOutput}.
 *
 * The subtask calls {@link SourceReader.pollNext} in a loop on its mailbox thread: a reader emits
 * a bounded number of records per call (a chunk it already holds, ideally ≤ a few thousand) and
 * returns what it has next. When it returns `'NOTHING_AVAILABLE'` the subtask awaits
 * {@link SourceReader.isAvailable} before polling again; it never busy-spins.
 *
 * Replay (exactly-once): a reader owns *splits* (a file from a byte offset, a slice of a sequence,
 * the rest of a collection). At each checkpoint barrier, between two `pollNext` calls, the subtask
 * asks {@link SourceReader.snapshotState} for the splits with their current positions and keeps them
 * in the operator's even-split list state; on restore, the lists of all old subtasks are
 * concatenated and dealt round-robin over the new subtasks, and each new reader gets its share as
 * {@link SourceReaderContext.restoredSplits}. A split must therefore be self-describing plain data:
 * which input, where the next unread record starts, where it ends.
 *
 * @see org.apache.flink.api.connector.source.Source, SourceReader, ReaderOutput, InputStatus
 * @see org.apache.flink.api.connector.source.SourceSplit (FLIP-27 reader state)
 */
import type { OutputTag } from '../lib/api/output-tag.js';

/** Flink's `Boundedness`: a bounded source ends; the job finishes when every bounded input has ended. */
export type Boundedness = 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';

/** Flink's `InputStatus`, returned by {@link SourceReader.pollNext}. */
export type InputStatus = 'MORE_AVAILABLE' | 'NOTHING_AVAILABLE' | 'END_OF_INPUT';

/** Where a reader emits records. `timestamp` is epoch ms; omit it when the record has none. */
export interface ReaderOutput<T> {
  collect(value: T, timestamp?: number): void;
  /**
   * Emits `value` to the side output `tag` (for example a dead-letter tag for malformed rows).
   * Records sent to a tag that no downstream consumes are dropped, as in Flink.
   */
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp?: number): void;
}

/** What a reader knows about where it runs. */
export interface SourceReaderContext {
  /** 0-based index of this source subtask. */
  readonly subtaskIndex: number;
  /** Number of parallel source subtasks. */
  readonly parallelism: number;
  /** The operator's name (for error messages and metrics). */
  readonly operatorName: string;
  /**
   * The splits this reader resumes, as returned by {@link SourceReader.snapshotState} of the old
   * readers (after redistribution, so possibly another subtask's, and possibly an empty array: the
   * reader then ends at once). `undefined` on a fresh start, when the source assigns its input to
   * subtasks itself. When defined, the reader reads exactly these splits from their positions and
   * nothing else. A split that is not this source's kind is a `RestoreError` (`WEIR_ERR_RESTORE`).
   */
  readonly restoredSplits?: readonly unknown[] | undefined;
}

/** One parallel instance of a source; lives on the subtask actor's thread and is never called concurrently. */
export interface SourceReader<T> {
  /** Opens files or connections. May be async; called once before the first `pollNext`. */
  start(): void | Promise<void>;
  /**
   * Emits zero or more records (a bounded number) into `output` and says what comes next.
   * Throwing fails the subtask (and, without a restart strategy, the job).
   */
  pollNext(output: ReaderOutput<T>): InputStatus;
  /** Resolves when `pollNext` has something to emit again (or the input ended). */
  isAvailable(): Promise<void>;
  /** Closes files and connections; called once, also after a failure. Must not throw. */
  close(): void | Promise<void>;
  /**
   * The reader's unfinished splits with their current positions, as plain (cbor-encodable) data:
   * reading them from those positions emits exactly the records not yet emitted, no loss and no
   * duplicate. Called at the checkpoint barrier, between two `pollNext` calls (never during one),
   * so the positions stand just after the last record emitted before the barrier. Finished splits
   * are left out. Without this method the source is not replayable (at-most-once on restore).
   *
   * @param checkpointId the checkpoint being taken (ascending within a job).
   * @see org.apache.flink.api.connector.source.SourceReader#snapshotState
   */
  snapshotState?(checkpointId: number): unknown[];
  /**
   * Checkpoint `checkpointId` completed (every subtask acknowledged it and its metadata is
   * durable); for readers that acknowledge input upstream (message queues). Optional.
   * @see org.apache.flink.api.common.state.CheckpointListener
   */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
}

/** A source of records: configuration plus a factory for per-subtask readers. */
export interface Source<T> {
  /** Whether the source ends. */
  readonly boundedness: Boundedness;
  /**
   * The largest parallelism this source supports, or `undefined` for any. Flink's non-parallel
   * sources (`fromCollection`) have 1.
   */
  readonly maxParallelism?: number;
  /** Creates the reader for one subtask. */
  createReader(context: SourceReaderContext): SourceReader<T>;
  /** A description of where records come from, for progress lines and topology (e.g. a path). */
  describe?(): string;
}
