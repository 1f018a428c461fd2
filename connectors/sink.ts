/**
 * The sink contract, a small form of Flink's Sink V2 API: a {@link Sink} creates one
 * {@link SinkWriter} per parallel sink subtask. Writers run on the subtask actor's thread and are
 * never called concurrently. A writer may return a Promise from `write` (for example to await I/O
 * back-pressure); the subtask awaits it before the next record, keeping order, and a synchronous
 * writer pays nothing for that.
 *
 * Two kinds of sinks:
 * - a plain {@link Sink} is at-least-once: with checkpointing its writer is flushed at each barrier,
 *   and records written after the last completed checkpoint are written again after a restore
 *   (print, test sinks);
 * - a {@link TwoPhaseCommittingSink} is exactly-once (two-phase commit): its
 *   {@link PrecommittingSinkWriter} writes into a transaction that nobody sees; at each checkpoint
 *   barrier `prepareCommit` closes it and returns *committables* (plain data naming the prepared
 *   transaction), which the sink operator keeps in its checkpointed state; once the checkpoint
 *   completes, the sink's {@link Committer} commits them (publishes the data). After a failure the
 *   restored committables are committed again, so `commit` must be idempotent, and `abort` cleans
 *   up what the failed attempt left open. Without checkpointing the writer prepares and the
 *   committer commits once, at end of input (as Flink's sinks in batch mode).
 *
 * The sink operator (`lib/operators/sink-operator.ts`) drives both; see there for the exact order
 * of calls.
 *
 * @see org.apache.flink.api.connector.sink2.Sink, SinkWriter, StatefulSinkWriter
 * @see org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink, PrecommittingSinkWriter, Committer
 */

/** What a writer knows about where it runs. */
export interface SinkWriterContext {
  /** 0-based index of this sink subtask. */
  readonly subtaskIndex: number;
  /** Number of parallel sink subtasks. */
  readonly parallelism: number;
  /** The sink operator's name (for error messages). */
  readonly operatorName: string;
  /** Reports where output went (a file path, a topic), shown by `weir run` and in the job result. */
  reportOutput(location: string): void;
  /**
   * The writer state this subtask restored: what {@link SinkWriter.snapshotState} of the old
   * writers returned, redistributed as even-split list state (the lists of all old subtasks
   * concatenated and dealt round-robin over the new ones, so after a change of parallelism a writer
   * may get another subtask's state, several, or none). `undefined` on a fresh start.
   * @see org.apache.flink.api.connector.sink2.StatefulSink#restoreWriter
   */
  readonly restoredState?: readonly unknown[] | undefined;
}

/** One parallel instance of a sink. */
export interface SinkWriter<T> {
  /** Writes one record; `timestamp` is epoch ms or `NO_TIMESTAMP`. */
  write(value: T, timestamp: number): void | Promise<void>;
  /**
   * Flushes buffered output; `endOfInput` is true once, after the last record. Also called with
   * `false` at every checkpoint barrier (at-least-once: what was written before the barrier is out).
   */
  flush(endOfInput: boolean): void | Promise<void>;
  /**
   * Releases files and connections; called once, also after a failure. Must not throw. A
   * {@link PrecommittingSinkWriter} publishes nothing here: what was not committed stays hidden.
   */
  close(): void | Promise<void>;
  /**
   * The writer's state at checkpoint `checkpointId`, as plain (cbor-encodable) data; it comes back
   * as {@link SinkWriterContext.restoredState} on restore. Called at the barrier, after `flush` and
   * (two-phase commit) `prepareCommit`. Optional (Flink's StatefulSinkWriter).
   */
  snapshotState?(checkpointId: number): unknown[];
}

/** A sink: configuration plus a factory for per-subtask writers. */
export interface Sink<T> {
  createWriter(context: SinkWriterContext): SinkWriter<T> | Promise<SinkWriter<T>>;
  /** The largest parallelism this sink supports, or `undefined` for any. */
  readonly maxParallelism?: number;
}

/**
 * The writer of a {@link TwoPhaseCommittingSink}: records go into an open transaction (a hidden
 * file, a database transaction) that readers do not see.
 *
 * @typeParam CommT the committable: plain (cbor-encodable), self-describing data naming one prepared
 *   transaction (where it is, where it goes), since it is checkpointed and may be committed by
 *   another subtask after a change of parallelism.
 * @see org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink.PrecommittingSinkWriter
 */
export interface PrecommittingSinkWriter<T, CommT> extends SinkWriter<T> {
  /**
   * Called at a checkpoint barrier after `flush(false)` (or, at end of input, after `flush(true)`):
   * closes the open transaction so that everything written since the previous `prepareCommit`
   * can be committed later, and returns its committables (none when nothing was written). Writing
   * goes on into a new transaction. Throwing fails the checkpoint and the subtask.
   *
   * @param checkpointId the checkpoint being taken, or {@link END_OF_INPUT_CHECKPOINT_ID} when the
   *   job runs without checkpointing and input ended.
   */
  prepareCommit(checkpointId: number): CommT[] | Promise<CommT[]>;
}

/** What a committer knows about where it runs (Flink's CommitterInitContext). */
export interface SinkCommitterContext {
  /** 0-based index of this sink subtask. */
  readonly subtaskIndex: number;
  /** Number of parallel sink subtasks. */
  readonly parallelism: number;
  /** The sink operator's name (for error messages). */
  readonly operatorName: string;
}

/** What the previous attempt may have left behind, for {@link Committer.abort}. */
export interface CommitterAbortContext {
  /**
   * The checkpoint this subtask was restored from: transactions prepared for it or earlier are in
   * the restored committables (and were committed just before); anything prepared for a later
   * checkpoint, or never prepared, belongs to no completed checkpoint. `undefined` on a fresh
   * start: nothing an earlier run left open is kept.
   */
  readonly restoredCheckpointId: number | undefined;
}

/**
 * Commits committables: makes prepared transactions visible. One committer per sink subtask, on the
 * subtask's thread.
 *
 * @see org.apache.flink.api.connector.sink2.Committer
 */
export interface Committer<CommT> {
  /**
   * Commits `committables` in the order given (ascending checkpoint, then the order `prepareCommit`
   * returned them). Must be **idempotent**: after a failure the same committables (some already
   * committed, some half-committed) are committed again on restore. Rejecting fails the subtask;
   * the committables stay pending and are committed again after the restore.
   */
  commit(committables: readonly CommT[]): Promise<void>;
  /**
   * Cleans up what earlier attempts of this subtask left open and no restored committable refers to
   * (open transactions, prepared transactions of checkpoints that never completed). Called once per
   * subtask before its writer is created, after the restored committables were committed. After a
   * change of parallelism, the subtasks must split the old subtasks' leftovers among them (e.g. old
   * subtask `j` to new subtask `j % parallelism`) without touching transactions that restored
   * committables of other subtasks refer to. Optional.
   */
  abort?(context: CommitterAbortContext): Promise<void>;
  /** Releases connections; called once, also after a failure. Must not throw. Optional. */
  close?(): void | Promise<void>;
}

/**
 * An exactly-once sink (two-phase commit): its writers prepare transactions at each checkpoint and
 * its committers commit them once the checkpoint completed. Still a {@link Sink}, so `sinkTo` takes
 * it; the sink operator recognises it by `createCommitter` ({@link isTwoPhaseCommittingSink}).
 *
 * @see org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink
 */
export interface TwoPhaseCommittingSink<T, CommT> extends Sink<T> {
  createWriter(context: SinkWriterContext): PrecommittingSinkWriter<T, CommT> | Promise<PrecommittingSinkWriter<T, CommT>>;
  /** Creates the committer of one subtask (before its writer). */
  createCommitter(context: SinkCommitterContext): Committer<CommT> | Promise<Committer<CommT>>;
}

/**
 * The checkpoint id passed to `prepareCommit` at end of input when the job does not checkpoint
 * (Flink uses `Long.MAX_VALUE`): larger than any real checkpoint id.
 */
export const END_OF_INPUT_CHECKPOINT_ID = Number.MAX_SAFE_INTEGER;

/** True when `sink` is a {@link TwoPhaseCommittingSink} (it has `createCommitter`). */
export function isTwoPhaseCommittingSink<T>(sink: Sink<T>): sink is TwoPhaseCommittingSink<T, unknown> {
  return typeof (sink as { createCommitter?: unknown }).createCommitter === 'function';
}
