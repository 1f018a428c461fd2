/**
 * Drives one `SinkOperator` subtask through the operator lifecycle the runtime guarantees
 * (initializeState → open → processElement… → snapshotState / notifyCheckpointComplete → endInput
 * → close), with a real `HeapOperatorStateStore` whose snapshots stand for checkpoints, and the
 * even-split redistribution of operator list state for restores at another parallelism.
 */
import type { Sink } from '../../connectors/sink.js';
import { SinkOperator } from '../../lib/operators/sink-operator.js';
import type { OperatorContext } from '../../lib/operators/stream-operator.js';
import { HeapOperatorStateStore } from '../../lib/state/heap-operator-state-store.js';
import type { OperatorStateSnapshot } from '../../lib/state/operator-state-store.js';
import { ManualClock } from '../../lib/time/clock.js';
import { NO_TIMESTAMP } from '../../lib/time/timestamps.js';

export interface SinkSubtaskOptions {
  subtaskIndex?: number;
  parallelism?: number;
  /** `OperatorContext.checkpointingEnabled`; default true. */
  checkpointing?: boolean;
  /** This subtask's share of a checkpoint (see {@link redistribute}); the checkpoint's id. */
  restore?: { snapshot: OperatorStateSnapshot; checkpointId: number };
}

export class SinkSubtask<T> {
  readonly store = new HeapOperatorStateStore();
  readonly reported: string[] = [];
  readonly operator: SinkOperator<T>;
  private readonly restore: SinkSubtaskOptions['restore'];

  private constructor(sink: Sink<T>, options: SinkSubtaskOptions) {
    const subtaskIndex = options.subtaskIndex ?? 0;
    const parallelism = options.parallelism ?? 1;
    this.restore = options.restore;
    if (options.restore !== undefined) this.store.restore(options.restore.snapshot);
    const ctx: OperatorContext = {
      jobName: 'sink-harness',
      operatorName: 'Sink: files',
      uid: 'sink',
      subtaskIndex,
      parallelism,
      maxParallelism: 128,
      attemptNumber: 0,
      clock: new ManualClock(0),
      keyedBackend: undefined,
      checkpointingEnabled: options.checkpointing ?? true,
      operatorStateStore: this.store,
      instantiate: <C>(cls: new (...args: never[]) => C): C => new cls(),
      reportOutput: (location) => this.reported.push(location),
      sendToJob: () => {},
      timerService: () => {
        throw new Error('sinks have no timers');
      },
      registerProcessingTimeCallback: () => {
        throw new Error('sinks have no timers');
      },
    };
    this.operator = new SinkOperator<T>(ctx, sink, ctx.reportOutput);
  }

  /** Creates the subtask and runs initializeState and open. */
  static async start<T>(sink: Sink<T>, options: SinkSubtaskOptions = {}): Promise<SinkSubtask<T>> {
    const s = new SinkSubtask<T>(sink, options);
    await s.operator.initializeState({
      isRestored: s.restore !== undefined,
      restoredCheckpointId: s.restore?.checkpointId,
      operatorStateStore: s.store,
      keyedStateBackend: undefined,
    });
    await s.operator.open();
    return s;
  }

  async write(...values: T[]): Promise<void> {
    for (const v of values) await this.operator.processElement(v, NO_TIMESTAMP);
  }

  /** Takes checkpoint `checkpointId` on this subtask: snapshotState, then the store's copy. */
  async snapshot(checkpointId: number): Promise<OperatorStateSnapshot> {
    await this.operator.snapshotState({ checkpointId, checkpointTimestamp: 0, isSavepoint: false });
    return this.store.snapshot();
  }

  async complete(checkpointId: number): Promise<void> {
    await this.operator.notifyCheckpointComplete(checkpointId);
  }

  async endInput(): Promise<void> {
    await this.operator.endInput();
  }

  /** Closes the operator: after `endInput` a normal end, otherwise a crash (nothing committed). */
  async close(): Promise<void> {
    await this.operator.close();
  }
}

/**
 * The operator state of new subtask `index` of `parallelism` restored from the per-subtask
 * snapshots of one checkpoint: each subtask keeps its own lists at equal parallelism; otherwise
 * every list state's lists are concatenated in subtask order and dealt round-robin (Flink's
 * RoundRobinOperatorStateRepartitioner).
 */
export function redistribute(snapshots: readonly OperatorStateSnapshot[], parallelism: number, index: number): OperatorStateSnapshot {
  if (snapshots.length === parallelism) return structuredClone(snapshots[index] as OperatorStateSnapshot);
  const out: OperatorStateSnapshot = { list: {}, union: {}, broadcast: {} };
  const names = new Set(snapshots.flatMap((s) => Object.keys(s.list)));
  for (const name of names) {
    const all = snapshots.flatMap((s) => s.list[name] ?? []);
    out.list[name] = structuredClone(all.filter((_, i) => i % parallelism === index));
  }
  return out;
}
