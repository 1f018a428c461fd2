/**
 * What the one- and two-input operator test harnesses share (Flink's AbstractStreamOperatorTestHarness):
 * the harness runtime (context, manual clock, keyed backend, timers), the recorded output, the
 * lifecycle and the one-call-at-a-time guard, state initialization and snapshots, checkpoint
 * notifications, processing time, closing, and the read-out methods.
 *
 * Snapshot and restore, as Flink's harness: run part of the input, `snapshot()`, build a fresh
 * harness for the same operator, `initializeState(snapshot)`, `open()`, feed the rest; the output
 * of both parts together must be that of an unbroken run. To restore at another parallelism, cut
 * each new subtask's share with {@link OperatorTestHarnessBase.repartitionOperatorState}.
 */
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError, RestoreError } from '../errors.js';
import type { CheckpointedOperator, OperatorContext, StateInitializationContext } from '../operators/stream-operator.js';
import type { OperatorStateSnapshot } from '../state/operator-state-store.js';
import { decodeState, encodeState } from '../state/state-codec.js';
import { RecordingOutput, type HarnessOutputElement, type HarnessRecord } from './harness-output.js';
import type { HarnessRuntime } from './harness-runtime.js';
import { repartitionOperatorSubtaskSnapshots, type KeyGroupSnapshot, type OperatorSubtaskSnapshot } from './operator-subtask-snapshot.js';

/**
 * Where a harness is in the operator lifecycle: `created` (operator constructed, Flink's setup) →
 * `initialized` (after {@link OperatorTestHarnessBase.initializeState}) → `open` → `input-ended`
 * → `closed`.
 */
export type HarnessLifecycle = 'created' | 'initialized' | 'open' | 'input-ended' | 'closed';

/** The lifecycle methods of the operator under test that the shared harness code calls. */
export type HarnessedOperator = CheckpointedOperator & { open(): void | Promise<void>; close(): void | Promise<void> };

export abstract class OperatorTestHarnessBase<OUT> {
  protected readonly output = new RecordingOutput<OUT>();
  protected lifecycle: HarnessLifecycle = 'created';
  private busy: string | undefined;
  private lastCheckpointId = 0;

  constructor(protected readonly rt: HarnessRuntime) {}

  /**
   * Merges the snapshots of all subtasks of an operator and returns the share of subtask
   * `subtaskIndex` at `newParallelism` (Flink's `AbstractStreamOperatorTestHarness.repartitionOperatorState`):
   * the key groups of that subtask's range, and the operator state redistributed as the runtime
   * does (even-split lists dealt round-robin — kept per subtask at the same parallelism —, union
   * lists to every subtask, broadcast state copied). Give the result to `initializeState` of a
   * harness built with `{ parallelism: newParallelism, subtaskIndex }`.
   * @param snapshots one snapshot of every old subtask, in any order.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the snapshots are not one of each subtask
   *   of one run, or `newParallelism` / `subtaskIndex` are invalid.
   * @example
   * ```ts
   * const snapshot = await h.snapshot(); // parallelism 1
   * const h1 = OperatorTestHarness.forKeyedProcess(new Fn(), keyOf, { parallelism: 2, subtaskIndex: 1 });
   * await h1.initializeState(OperatorTestHarness.repartitionOperatorState([snapshot], 2, 1));
   * await h1.open();
   * ```
   */
  static repartitionOperatorState(snapshots: readonly OperatorSubtaskSnapshot[], newParallelism: number, subtaskIndex: number): OperatorSubtaskSnapshot {
    return repartitionOperatorSubtaskSnapshots(snapshots, newParallelism, subtaskIndex);
  }

  /** The operator under test, for its lifecycle and checkpoint hooks. */
  protected abstract harnessedOperator(): HarnessedOperator;

  /**
   * Restores the operator's state from `snapshot` and runs its `initializeState` hook (and so the
   * user function's `CheckpointedFunction.initializeState`), before {@link open} — Flink's harness
   * `initializeState(OperatorSubtaskState)`. Without a snapshot: a fresh start (`isRestored`
   * false), which {@link open} also does when this was not called.
   *
   * Restores the keyed backend with the snapshot's key groups that this harness's subtask owns
   * (`computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism, subtaskIndex)`; the
   * others are skipped, so a parallelism-1 snapshot restores into any subtask of a wider run),
   * then the operator state store with the snapshot's operator state as it is (cut it with
   * {@link OperatorTestHarnessBase.repartitionOperatorState} when the parallelism changes), then
   * calls `initializeState({ isRestored: true, restoredCheckpointId, … })`.
   *
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when the snapshot holds keyed state and its max
   *   parallelism differs from the harness's, or the harness is not keyed.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the harness is not freshly created.
   * @throws UserFunctionError (`WEIR_ERR_USER_FUNCTION`) when the user function's
   *   `initializeState` throws; SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for unreadable keyed parts.
   */
  async initializeState(snapshot?: OperatorSubtaskSnapshot): Promise<void> {
    await this.run('initializeState()', ['created'], () => this.initialize(snapshot));
  }

  /**
   * Opens the operator (and its user function); runs `initializeState()` first (a fresh start)
   * unless {@link initializeState} was called, as Flink's harness `open()` does.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the harness was already opened or closed.
   */
  async open(): Promise<void> {
    await this.run('open()', ['created', 'initialized'], async () => {
      if (this.lifecycle === 'created') await this.initialize(undefined);
      await this.harnessedOperator().open();
      this.lifecycle = 'open';
    });
  }

  /**
   * Takes a checkpoint of the operator as the runtime does at a barrier (Flink's harness
   * `snapshot(checkpointId, timestamp)`): runs the operator's `prepareSnapshotPreBarrier` (what it
   * emits goes to the output) and `snapshotState` hooks (the user function's
   * `CheckpointedFunction.snapshotState`), then copies the keyed backend (a full snapshot of every
   * key group with state or keyed timers, materialized) and the operator state store (encoded and
   * decoded again, so later changes do not show and non-plain data fails here as in a job).
   *
   * @param checkpointId default: one more than the highest id used so far (1 for the first).
   * @param timestamp the checkpoint's timestamp, epoch ms; default: the current processing time.
   * @returns plain data for {@link initializeState} of a fresh harness.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless the harness is open or its input ended.
   * @throws UserFunctionError (`WEIR_ERR_USER_FUNCTION`) when the user function's `snapshotState`
   *   throws; SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when state is not plain data.
   */
  async snapshot(checkpointId?: number, timestamp?: number): Promise<OperatorSubtaskSnapshot> {
    let result: OperatorSubtaskSnapshot | undefined;
    await this.run('snapshot()', ['open', 'input-ended'], async () => {
      const id = checkpointId ?? this.lastCheckpointId + 1;
      if (id > this.lastCheckpointId) this.lastCheckpointId = id;
      const ts = timestamp ?? this.rt.clock.now();
      const op = this.harnessedOperator();
      if (op.prepareSnapshotPreBarrier !== undefined) await op.prepareSnapshotPreBarrier(id);
      if (op.snapshotState !== undefined) await op.snapshotState({ checkpointId: id, checkpointTimestamp: ts, isSavepoint: false });
      // Synchronous phase of both stores first, then the asynchronous one (materialize).
      const parts = this.rt.backend?.snapshot(id, { incremental: false }) ?? [];
      const operatorBytes = encodeState(this.rt.operatorStateStore.snapshot());
      const keyedState: KeyGroupSnapshot[] = [];
      for (const p of parts) keyedState.push({ keyGroup: p.keyGroup, chain: [await p.materialize()] });
      keyedState.sort((a, b) => a.keyGroup - b.keyGroup);
      const c = this.rt.context;
      result = {
        checkpointId: id,
        timestamp: ts,
        subtaskIndex: c.subtaskIndex,
        parallelism: c.parallelism,
        maxParallelism: c.maxParallelism,
        keyedState,
        operatorState: decodeState(operatorBytes) as OperatorStateSnapshot,
      };
    });
    return result!;
  }

  /**
   * Tells the keyed backend and the operator that checkpoint `checkpointId` completed (Flink's
   * harness `notifyOfCompletedCheckpoint`): the operator's `notifyCheckpointComplete`, and so the
   * user function's `CheckpointListener.notifyCheckpointComplete`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless the harness is open or its input ended.
   * @throws UserFunctionError (`WEIR_ERR_USER_FUNCTION`) when the user function throws.
   */
  async notifyOfCompletedCheckpoint(checkpointId: number): Promise<void> {
    await this.run('notifyOfCompletedCheckpoint()', ['open', 'input-ended'], async () => {
      this.rt.backend?.notifyCheckpointComplete(checkpointId);
      const op = this.harnessedOperator();
      if (op.notifyCheckpointComplete !== undefined) await op.notifyCheckpointComplete(checkpointId);
    });
  }

  /**
   * Tells the keyed backend and the operator that checkpoint `checkpointId` was aborted (the
   * operator's `notifyCheckpointAborted`, and so the user function's
   * `CheckpointListener.notifyCheckpointAborted`).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless the harness is open or its input ended.
   */
  async notifyOfAbortedCheckpoint(checkpointId: number): Promise<void> {
    await this.run('notifyOfAbortedCheckpoint()', ['open', 'input-ended'], async () => {
      this.rt.backend?.notifyCheckpointAborted(checkpointId);
      const op = this.harnessedOperator();
      if (op.notifyCheckpointAborted !== undefined) await op.notifyCheckpointAborted(checkpointId);
    });
  }

  /** Closes the operator under test. */
  protected closeOperator(): void | Promise<void> {
    return this.harnessedOperator().close();
  }

  /**
   * Moves processing time to `timeMs` (epoch ms) and fires, in time order, every
   * processing-time timer and callback due on the way: time stops at each due time, where the
   * due callbacks run first (in registration order), then the operator's keyed processing-time
   * timers (in timestamp order, key context set); async handlers are awaited before time moves
   * on, and timers registered while firing fire too if due by `timeMs`. Each handler sees
   * `currentProcessingTime()` equal to its step's time. Flink's harness `setProcessingTime`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `timeMs` is before the current processing
   *   time or the harness is closed.
   */
  async setProcessingTime(timeMs: number): Promise<void> {
    await this.run('setProcessingTime()', ['created', 'initialized', 'open', 'input-ended'], () => this.rt.advanceProcessingTime(timeMs));
  }

  /**
   * Cancels pending timers and callbacks and closes the operator (and its rich function). Safe to
   * call in any state, also after a failure (as the runtime does); a second call does nothing.
   */
  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    await this.run('close()', ['created', 'initialized', 'open', 'input-ended'], async () => {
      this.lifecycle = 'closed';
      this.rt.dispose();
      await this.closeOperator();
    });
  }

  /**
   * Everything emitted on the main output so far, records and watermarks in emission order
   * (Flink's `getOutput()`). A copy: later emissions do not change it; see {@link clearOutput}.
   */
  extractOutput(): HarnessOutputElement<OUT>[] {
    return this.output.main.slice();
  }

  /** The records (with timestamps) of the main output, without watermarks (Flink's `extractOutputStreamRecords()`). */
  extractOutputRecords(): HarnessRecord<OUT>[] {
    return this.output.main.filter((e): e is HarnessRecord<OUT> => e.kind === 'record');
  }

  /** The values of the main output's records, in order (Flink's `extractOutputValues()`). */
  extractOutputValues(): OUT[] {
    return this.extractOutputRecords().map((r) => r.value);
  }

  /** Records sent to side output `tag` (matched by id), in order; `[]` when none (Flink's `getSideOutput(tag)`). */
  getSideOutput<X>(tag: OutputTag<X>): HarnessRecord<X>[] {
    return ((this.output.side.get(tag.id) ?? []) as HarnessRecord<X>[]).slice();
  }

  /** Forgets the main and side output recorded so far (Flink's `getOutput().clear()`). */
  clearOutput(): void {
    this.output.clear();
  }

  /**
   * Number of (state, key) entries in the keyed state backend (Flink's `numKeyedStateEntries()`);
   * cleared state does not count.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed harness.
   */
  numKeyedStateEntries(): number {
    return this.rt.keyedStateEntries();
  }

  /** Number of registered, not yet fired or deleted, event-time timers (Flink's `numEventTimeTimers()`). */
  numEventTimeTimers(): number {
    return this.rt.timerCount().event;
  }

  /** Number of registered, not yet fired or deleted, processing-time timers (Flink's `numProcessingTimeTimers()`). */
  numProcessingTimeTimers(): number {
    return this.rt.timerCount().processing;
  }

  /** Current processing time, epoch ms. */
  getProcessingTime(): number {
    return this.rt.clock.now();
  }

  /** The harness's lifecycle state. */
  getLifecycle(): HarnessLifecycle {
    return this.lifecycle;
  }

  /** The context the operator was built with (subtask index, parallelism, clock, keyed backend…). */
  getOperatorContext(): OperatorContext {
    return this.rt.context;
  }

  /** Locations the operator reported with `ctx.reportOutput` (sinks), in order. */
  getReportedOutputs(): string[] {
    return this.rt.reportedOutputs.slice();
  }

  /** Messages the operator sent to the job with `ctx.sendToJob` (the collect sink), in order. */
  getMessagesToJob(): unknown[] {
    return this.rt.messagesToJob.slice();
  }

  /** Restores `snapshot` (if any) and runs the operator's `initializeState`; see {@link initializeState}. */
  private async initialize(snapshot: OperatorSubtaskSnapshot | undefined): Promise<void> {
    const c = this.rt.context;
    const backend = this.rt.backend;
    if (snapshot !== undefined) {
      if (snapshot.keyedState.length > 0 && snapshot.maxParallelism !== c.maxParallelism) {
        throw new RestoreError(`operator '${c.operatorName}': the snapshot was taken with max parallelism ${snapshot.maxParallelism} and the harness has ${c.maxParallelism}; keyed state cannot move to another number of key groups (pass maxParallelism: ${snapshot.maxParallelism})`);
      }
      if (backend !== undefined) await backend.restore(snapshot.keyedState.filter((kg) => backend.keyGroupRange.contains(kg.keyGroup)));
      else if (snapshot.keyedState.length > 0) throw new RestoreError(`operator '${c.operatorName}': the snapshot holds keyed state, but the harness is not keyed (give a key selector)`);
      // A copy: the same snapshot may be restored into several harnesses.
      this.rt.operatorStateStore.restore(decodeState(encodeState(snapshot.operatorState)) as OperatorStateSnapshot);
      // Checkpoint ids go on from the restored one, as in a restored job.
      this.lastCheckpointId = Math.max(this.lastCheckpointId, snapshot.checkpointId);
    }
    const op = this.harnessedOperator();
    const init: StateInitializationContext = {
      isRestored: snapshot !== undefined,
      restoredCheckpointId: snapshot?.checkpointId,
      operatorStateStore: this.rt.operatorStateStore,
      keyedStateBackend: backend,
    };
    if (op.initializeState !== undefined) await op.initializeState(init);
    this.lifecycle = 'initialized';
  }

  /**
   * Runs `body` as the only call in progress, in one of the `allowed` lifecycle states.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an overlapping call or a call in the wrong state.
   */
  protected async run(method: string, allowed: HarnessLifecycle[], body: () => void | Promise<void>): Promise<void> {
    const name = this.rt.context.operatorName;
    if (this.busy !== undefined) throw new ConfigurationError(`operator '${name}': ${method} called while ${this.busy} is still running; await each harness call`);
    if (!allowed.includes(this.lifecycle)) throw new ConfigurationError(`operator '${name}': ${method} is not allowed when the harness is ${this.lifecycle} (allowed: ${allowed.join(', ')})`);
    this.busy = method;
    try {
      await body();
    } finally {
      this.busy = undefined;
    }
  }
}

/** The static constructors' default operator name, unless the options give one. */
export function named<O extends { operatorName?: string | undefined }>(name: string, options: O | undefined): O & { operatorName: string } {
  return { ...(options ?? ({} as O)), operatorName: options?.operatorName ?? name };
}
