/**
 * The base of every operator that runs user functions (Flink's AbstractUdfStreamOperator): the
 * operator's lifecycle and checkpoint hooks go to the user function(s) through one
 * {@link FunctionLifecycle} — `initializeState` (before `open`, as Flink restores function state
 * first), `open`, `snapshotState` at each barrier, `notifyCheckpointComplete` /
 * `notifyCheckpointAborted`, `close`. Which methods a function has is decided in
 * {@link functionLifecycle}; subclasses that override a hook call `super` to keep forwarding.
 *
 * Keyed state and operator state held in the context's stores need no hook: the runtime (or the
 * test harness) snapshots and restores the stores themselves.
 *
 * @see org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator
 */
import type { CheckpointedOperator, StateInitializationContext, StateSnapshotContext } from './stream-operator.js';
import type { FunctionLifecycle } from './user-function.js';

export abstract class AbstractUdfOperator implements CheckpointedOperator {
  /** @param functions the user function(s) of the operator; compose several with `composeLifecycles`. */
  protected constructor(protected readonly functions: FunctionLifecycle) {}

  /** Forwards to the function's `CheckpointedFunction.initializeState` (before `open`). */
  initializeState(ctx: StateInitializationContext): void | Promise<void> {
    return this.functions.initializeState(ctx);
  }

  /** Opens the function (`RichFunction.open`). */
  open(): void | Promise<void> {
    return this.functions.open();
  }

  /** Forwards to the function's `CheckpointedFunction.snapshotState`. */
  snapshotState(ctx: StateSnapshotContext): void | Promise<void> {
    return this.functions.snapshotState(ctx);
  }

  /** Forwards to the function's `CheckpointListener.notifyCheckpointComplete`. */
  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    return this.functions.notifyCheckpointComplete(checkpointId);
  }

  /** Forwards to the function's `CheckpointListener.notifyCheckpointAborted`. */
  notifyCheckpointAborted(checkpointId: number): void | Promise<void> {
    return this.functions.notifyCheckpointAborted(checkpointId);
  }

  /** Closes the function (`RichFunction.close`). */
  close(): void | Promise<void> {
    return this.functions.close();
  }
}
