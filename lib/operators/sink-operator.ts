/**
 * Runs a sink as the last operator of a chain: Flink's SinkWriterOperator and CommitterOperator in
 * one operator. For a plain (at-least-once) {@link Sink} it writes records and flushes the writer at
 * each checkpoint barrier and at end of input. For a {@link TwoPhaseCommittingSink} it also drives
 * the two-phase commit:
 *
 * - `initializeState` (restored): the committables of the restored checkpoint (kept in operator list
 *   state, so after a change of parallelism they may come from other subtasks) are committed again —
 *   they belong to a completed checkpoint whose commit may not have happened or finished, and
 *   `commit` is idempotent — then `Committer.abort` cleans up what the failed attempt left open.
 *   On a fresh start `abort` runs too (nothing earlier is kept).
 * - `open`: the writer is created, with the restored writer state.
 * - `snapshotState(c)` (at the barrier): `flush(false)`, `prepareCommit(c)`; the committables are
 *   appended to the pending list with checkpoint id `c`, and the pending list and the writer's
 *   `snapshotState(c)` go to the operator list states the runtime snapshots.
 * - `notifyCheckpointComplete(c)`: every pending committable with checkpoint id ≤ `c` is committed
 *   (in checkpoint order) and dropped. Committables of an aborted checkpoint stay pending and are
 *   committed with the next completed one.
 * - `endInput`: `flush(true)`. Without checkpointing (`OperatorContext.checkpointingEnabled` false)
 *   the writer then prepares with {@link END_OF_INPUT_CHECKPOINT_ID} and everything is committed at
 *   once (Flink's batch mode). With checkpointing nothing is committed here: the runtime takes one
 *   more checkpoint after end of input and its `notifyCheckpointComplete` commits (FLIP-147).
 * - `close` (also after a failure): closes writer and committer; never commits.
 *
 * @see org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperator
 * @see org.apache.flink.streaming.runtime.operators.sink.CommitterOperator
 */
import {
  END_OF_INPUT_CHECKPOINT_ID,
  isTwoPhaseCommittingSink,
  type Committer,
  type PrecommittingSinkWriter,
  type Sink,
  type SinkWriter,
  type TwoPhaseCommittingSink,
} from '../../connectors/sink.js';
import { ListStateDescriptor } from '../state/descriptors.js';
import type { ListState } from '../state/keyed-state.js';
import { userError } from './user-function.js';
import type { OperatorContext, StateInitializationContext, StateSnapshotContext, StreamOperator } from './stream-operator.js';

/** A committable waiting for its checkpoint (or a later one) to complete; plain data, checkpointed. */
export interface PendingCommittable {
  /** The checkpoint whose barrier prepared it ({@link END_OF_INPUT_CHECKPOINT_ID} at end of input). */
  readonly checkpointId: number;
  /** What the sink's `prepareCommit` returned. */
  readonly committable: unknown;
}

/** Operator list state holding the pending committables (even-split redistributed). */
export const SINK_COMMITTABLES_STATE = new ListStateDescriptor<PendingCommittable>('weir.sink.committables');
/** Operator list state holding the writer's state (even-split redistributed). */
export const SINK_WRITER_STATE = new ListStateDescriptor<unknown>('weir.sink.writer-state');

export class SinkOperator<T> implements StreamOperator<T> {
  private writer: SinkWriter<T> | undefined;
  private committer: Committer<unknown> | undefined;
  private readonly twoPhase: TwoPhaseCommittingSink<T, unknown> | undefined;
  private pending: PendingCommittable[] = [];
  private committablesState: ListState<PendingCommittable> | undefined;
  private writerState: ListState<unknown> | undefined;
  private restoredWriterState: unknown[] | undefined;
  private initialized = false;
  private inputEnded = false;
  private closed = false;

  /**
   * @param sink a plain or two-phase-committing sink.
   * @param reportOutput receives the locations the writer reports (file paths).
   */
  constructor(
    private readonly ctx: OperatorContext,
    private readonly sink: Sink<T>,
    private readonly reportOutput: (location: string) => void,
  ) {
    this.twoPhase = isTwoPhaseCommittingSink(sink) ? sink : undefined;
  }

  /**
   * Registers the operator states; when restored, commits the restored committables, then lets the
   * committer abort what earlier attempts left open (see the module docstring).
   * @throws whatever the committer throws (the subtask fails and is restored again).
   */
  async initializeState(context: StateInitializationContext): Promise<void> {
    this.initialized = true;
    const store = context.operatorStateStore;
    this.committablesState = store.getListState(SINK_COMMITTABLES_STATE);
    this.writerState = store.getListState(SINK_WRITER_STATE);
    const restoredCommittables = context.isRestored ? this.committablesState.get() : [];
    if (context.isRestored) this.restoredWriterState = this.writerState.get();
    if (this.twoPhase === undefined) return;
    const committer = await this.createCommitter(this.twoPhase);
    if (restoredCommittables.length > 0) {
      // Stable: equal ids keep the order prepareCommit returned them in.
      restoredCommittables.sort((a, b) => a.checkpointId - b.checkpointId);
      await committer.commit(restoredCommittables.map((p) => p.committable));
    }
    this.committablesState.update([]);
    // Restored without a known checkpoint id, pending transactions of other subtasks' committables
    // cannot be told from garbage: clean nothing rather than too much.
    if (committer.abort !== undefined && (!context.isRestored || context.restoredCheckpointId !== undefined)) {
      await committer.abort({ restoredCheckpointId: context.isRestored ? context.restoredCheckpointId : undefined });
    }
  }

  /** Creates the writer (with the restored writer state); initializes state first if the runtime did not. */
  async open(): Promise<void> {
    if (!this.initialized) {
      await this.initializeState({
        isRestored: false,
        restoredCheckpointId: undefined,
        operatorStateStore: this.ctx.operatorStateStore,
        keyedStateBackend: undefined,
      });
    }
    this.writer = await this.sink.createWriter({
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorName: this.ctx.operatorName,
      reportOutput: this.reportOutput,
      restoredState: this.restoredWriterState,
    });
    this.restoredWriterState = undefined;
  }

  processElement(value: T, timestamp: number): void | Promise<void> {
    try {
      const r = this.writer!.write(value, timestamp);
      if (r instanceof Promise) {
        return r.catch((err: unknown) => {
          throw userError(this.ctx, value, err);
        });
      }
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    return undefined;
  }

  /** Sinks end the stream: watermarks stop here. */
  processWatermark(): void {}

  /**
   * At the barrier: flushes the writer (unless input ended, when it was flushed for good), prepares
   * the commit of a two-phase-commit writer and moves the pending committables and the writer
   * state into the operator list states.
   */
  async snapshotState(context: StateSnapshotContext): Promise<void> {
    const writer = this.writer;
    if (writer === undefined) return;
    if (!this.inputEnded) await writer.flush(false);
    if (this.twoPhase !== undefined) {
      const id = context.checkpointId;
      const committables = await (writer as PrecommittingSinkWriter<T, unknown>).prepareCommit(id);
      for (const committable of committables) this.pending.push({ checkpointId: id, committable });
    }
    this.committablesState?.update(this.pending);
    this.writerState?.update(writer.snapshotState?.(context.checkpointId) ?? []);
  }

  /**
   * Commits every pending committable of checkpoint `checkpointId` or earlier, then drops them.
   * @throws whatever the committer throws (they stay pending; the subtask fails and is restored).
   */
  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    if (this.closed) return;
    const due = this.pending.filter((p) => p.checkpointId <= checkpointId);
    if (due.length === 0) return;
    await this.committer!.commit(due.map((p) => p.committable));
    this.pending = this.pending.filter((p) => p.checkpointId > checkpointId);
    this.committablesState?.update(this.pending);
  }

  /** Nothing to do: the aborted checkpoint's committables stay pending for the next completed one. */
  notifyCheckpointAborted(_checkpointId: number): void {}

  /**
   * Flushes the writer for good; without checkpointing, prepares and commits everything now.
   * @throws whatever writer or committer throw.
   */
  async endInput(): Promise<void> {
    const writer = this.writer;
    if (writer === undefined) return;
    await writer.flush(true);
    this.inputEnded = true;
    if (this.twoPhase === undefined || this.ctx.checkpointingEnabled) return;
    const committables = await (writer as PrecommittingSinkWriter<T, unknown>).prepareCommit(END_OF_INPUT_CHECKPOINT_ID);
    for (const committable of committables) this.pending.push({ checkpointId: END_OF_INPUT_CHECKPOINT_ID, committable });
    await this.notifyCheckpointComplete(END_OF_INPUT_CHECKPOINT_ID);
  }

  /** Closes writer and committer (also after a failure); commits nothing. */
  async close(): Promise<void> {
    this.closed = true;
    const writer = this.writer;
    const committer = this.committer;
    this.writer = undefined;
    this.committer = undefined;
    try {
      await writer?.close();
    } finally {
      await committer?.close?.();
    }
  }

  private async createCommitter(sink: TwoPhaseCommittingSink<T, unknown>): Promise<Committer<unknown>> {
    this.committer ??= await sink.createCommitter({
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorName: this.ctx.operatorName,
    });
    return this.committer;
  }
}
