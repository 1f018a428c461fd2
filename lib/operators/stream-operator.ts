/**
 * The operator contract (Flink's StreamOperator / OneInputStreamOperator), guaranteed by the
 * subtask's mailbox: setup (constructor) → initializeState → open → processElement… (with
 * prepareSnapshotPreBarrier → snapshotState at each checkpoint barrier, notifyCheckpointComplete /
 * notifyCheckpointAborted later) → endInput → close. No two methods of one operator ever run
 * concurrently. Methods may return a Promise; the subtask awaits
 * it before the next record (order is kept), and synchronous operators pay nothing for that.
 */
import type { KeyedStateBackend } from '../state/keyed-state-backend.js';
import type { OperatorStateStore } from '../state/operator-state-store.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { InternalTimerService, TimerTarget } from '../time/timer-service.js';

/**
 * Name under which an operator's keyed timer service (`OperatorContext.timerService`, one per
 * operator) keeps its timers in the operator's keyed backend (`InternalTimerService`'s storage), so
 * they are snapshotted with the key groups. The runtime and the test harness use the same name, so
 * a snapshot restores in either.
 */
export const OPERATOR_TIMERS_STATE_NAME = '_timers';

/** Where an operator emits. Timestamps are epoch ms or `NO_TIMESTAMP`. */
export interface Output<T> {
  collect(value: T, timestamp: number): void | Promise<void>;
  /** Emits to the side output with tag id `tagId`; dropped when nothing consumes it. */
  collectSide(tagId: string, value: unknown, timestamp: number): void | Promise<void>;
  /** Forwards a watermark (epoch ms; +Infinity at end of input) to every successor, main and side. */
  emitWatermark(watermark: number): void | Promise<void>;
}

/** What an operator instance knows about its place in the job. */
export interface OperatorContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly attemptNumber: number;
  readonly clock: Clock;
  /** Present on keyed operators (after `keyBy`). */
  readonly keyedBackend: KeyedStateBackend | undefined;
  /**
   * True when the job checkpoints (`env.enableCheckpointing`): two-phase-commit sinks then commit on
   * `notifyCheckpointComplete` (the runtime takes a final checkpoint after end of input); otherwise
   * they commit at end of input.
   */
  readonly checkpointingEnabled: boolean;
  /** The operator's non-keyed state: list, union-list and broadcast states (Flink's OperatorStateStore). */
  readonly operatorStateStore: OperatorStateStore;
  /** Creates a user function object from a class (through the job's tsyringe container). */
  instantiate<T>(cls: new (...args: never[]) => T): T;
  /** Records where a sink wrote (a path), for the job result and `weir run`. */
  reportOutput(location: string): void;
  /** Sends a message to the job's coordinating actor (used by the collect sink). */
  sendToJob(message: unknown): void;
  /**
   * The operator's keyed timer service, created on first use (keyed operators only); its timers
   * are kept in the keyed backend under {@link OPERATOR_TIMERS_STATE_NAME}.
   * @throws ConfigurationError on a non-keyed operator.
   */
  timerService(target: TimerTarget): InternalTimerService;
  /**
   * Runs `callback` on the subtask's thread once processing time reaches `time` (epoch ms), as
   * Flink's ProcessingTimeService.registerTimer; returns a handle to cancel it.
   */
  registerProcessingTimeCallback(time: number, callback: () => void | Promise<void>): TimerHandle;
}

/** What a snapshot is taken for (Flink's StateSnapshotContext / FunctionSnapshotContext). */
export interface StateSnapshotContext {
  /** The checkpoint's id (ascending within a job). */
  readonly checkpointId: number;
  /** When the coordinator triggered it, epoch ms. */
  readonly checkpointTimestamp: number;
  /** True for a savepoint. */
  readonly isSavepoint: boolean;
}

/** What an operator gets before open to create or restore its state (Flink's StateInitializationContext). */
export interface StateInitializationContext {
  /** True when the subtask was restored from a checkpoint or savepoint (also when this operator had no state in it). */
  readonly isRestored: boolean;
  /** The restored checkpoint's id, when restored. */
  readonly restoredCheckpointId: number | undefined;
  readonly operatorStateStore: OperatorStateStore;
  /** The keyed backend on keyed operators. */
  readonly keyedStateBackend: KeyedStateBackend | undefined;
}

/**
 * The checkpoint part of the operator contract (Flink's StreamOperator snapshot methods and
 * CheckpointListener), all optional. Keyed and operator state held in the context's stores is
 * snapshotted by the runtime; these hooks are for state kept elsewhere (a source reader's
 * position, a sink's open transaction).
 */
export interface CheckpointedOperator {
  /** After restore of the stores, before open. */
  initializeState?(ctx: StateInitializationContext): void | Promise<void>;
  /** At the barrier, before it is forwarded downstream: flush what must travel ahead of it (Flink's prepareSnapshotPreBarrier). */
  prepareSnapshotPreBarrier?(checkpointId: number): void | Promise<void>;
  /** At the barrier: move state into the operator state store (the runtime then copies the stores). */
  snapshotState?(ctx: StateSnapshotContext): void | Promise<void>;
  /** Every subtask acknowledged checkpoint `checkpointId` and its metadata is durable (commit point of two-phase commit). */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /** Checkpoint `checkpointId` was aborted. */
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}

/** A one-input operator (Flink's OneInputStreamOperator with BoundedOneInput); see the module docstring. */
export interface StreamOperator<IN> extends CheckpointedOperator {
  open(): void | Promise<void>;
  processElement(value: IN, timestamp: number): void | Promise<void>;
  /**
   * Handles the operator's new input watermark (the minimum over its active inputs). Optional:
   * without it the runtime forwards the watermark to the operator's output. An operator with
   * event-time timers fires them first, then forwards (Flink's AbstractStreamOperator).
   */
  processWatermark?(watermark: number): void | Promise<void>;
  /** Called once when all inputs ended (Flink's BoundedOneInput.endInput). */
  endInput(): void | Promise<void>;
  /** Releases resources; called once, also after a failure. */
  close(): void | Promise<void>;
}

/** Builds one operator instance for one subtask. */
export type OperatorFactory<IN, OUT> = (ctx: OperatorContext, output: Output<OUT>) => StreamOperator<IN>;

/**
 * The two-input form of the operator contract (Flink's TwoInputStreamOperator with
 * BoundedMultiInput): records of the first logical input arrive at {@link processElement1}, of the
 * second at {@link processElement2}, both on the subtask's mailbox thread (never concurrently).
 *
 * Watermarks: the runtime keeps one StatusWatermarkValve per logical input and combines their
 * outputs as Flink's AbstractStreamOperator does (input1Watermark, input2Watermark; combined =
 * the minimum over the inputs that are not idle, emitted only when it increases). The operator
 * sees only the combined watermark, in {@link processWatermark}; without that method the runtime
 * forwards the combined watermark to the operator's output.
 *
 * `endInput(inputIndex)` is called once per logical input, when every channel of that input has
 * ended (Flink's BoundedMultiInput.endInput), so the first call may come while the other input
 * still delivers records.
 *
 * @see org.apache.flink.streaming.api.operators.TwoInputStreamOperator
 * @see org.apache.flink.streaming.api.operators.BoundedMultiInput
 */
export interface TwoInputStreamOperator<IN1, IN2> extends CheckpointedOperator {
  open(): void | Promise<void>;
  processElement1(value: IN1, timestamp: number): void | Promise<void>;
  processElement2(value: IN2, timestamp: number): void | Promise<void>;
  /** Handles the combined watermark (epoch ms; +Infinity once both inputs ended). Optional: forwarded when absent. */
  processWatermark?(watermark: number): void | Promise<void>;
  /** Input `inputIndex` (1 or 2) has ended; called once per input. */
  endInput(inputIndex: 1 | 2): void | Promise<void>;
  /** Releases resources; called once, also after a failure. */
  close(): void | Promise<void>;
}

/** Builds one two-input operator instance for one subtask. */
export type TwoInputOperatorFactory<IN1, IN2, OUT> = (ctx: OperatorContext, output: Output<OUT>) => TwoInputStreamOperator<IN1, IN2>;

/** Any operator a chain member can hold. */
export type AnyStreamOperator = StreamOperator<unknown> | TwoInputStreamOperator<unknown, unknown>;

/** True for a {@link TwoInputStreamOperator} (it has `processElement1`). */
export function isTwoInputOperator(op: AnyStreamOperator): op is TwoInputStreamOperator<unknown, unknown> {
  return typeof (op as { processElement1?: unknown }).processElement1 === 'function';
}
