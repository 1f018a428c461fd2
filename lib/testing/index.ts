/**
 * Weir's testing surface (`import … from 'weir/testing'`): operator test harnesses that drive one
 * operator of one subtask with records, watermarks and processing-time advances, and record what
 * it emits, as Flink's `OneInputStreamOperatorTestHarness` and
 * `KeyedOneInputStreamOperatorTestHarness` do; {@link TwoInputOperatorTestHarness} does the same for
 * two-input operators (Flink's `TwoInputStreamOperatorTestHarness`). Both take snapshots partway
 * (`snapshot()`) and restore them into a fresh harness (`initializeState(snapshot)`), also at
 * another parallelism (`repartitionOperatorState`).
 *
 * @example
 * ```ts
 * import { OperatorTestHarness } from 'weir/testing';
 *
 * const h = OperatorTestHarness.forMap((x: number) => x * 2);
 * await h.open();
 * await h.processElement(21, 1000);
 * h.extractOutput(); // [{ kind: 'record', value: 42, timestamp: 1000 }]
 * await h.close();
 * ```
 */
import 'reflect-metadata';

export {
  OneInputOperatorTestHarness,
  /**
   * The same class as {@link OneInputOperatorTestHarness}, under the short name used with the
   * static constructors: `OperatorTestHarness.forMap(fn)`, `.forKeyedProcess(fn, keySelector)`…
   */
  OneInputOperatorTestHarness as OperatorTestHarness,
  type OperatorTestHarnessOptions,
  type KeyedOperatorTestHarnessOptions,
  type HarnessLifecycle,
} from './operator-test-harness.js';
export { TwoInputOperatorTestHarness, type TwoInputOperatorTestHarnessOptions } from './two-input-operator-test-harness.js';
export { OperatorTestHarnessBase, type HarnessedOperator } from './harness-base.js';
export { repartitionOperatorSubtaskSnapshots, type OperatorSubtaskSnapshot, type KeyGroupSnapshot } from './operator-subtask-snapshot.js';
export type { OperatorStateSnapshot } from '../state/operator-state-store.js';
export type { HarnessRuntimeOptions } from './harness-runtime.js';
export type { HarnessRecord, HarnessWatermark, HarnessOutputElement } from './harness-output.js';
// The operator contract, for harnessing custom operators with `forOperator`.
export type {
  OperatorContext,
  OperatorFactory,
  Output,
  StreamOperator,
  TwoInputStreamOperator,
  TwoInputOperatorFactory,
  CheckpointedOperator,
  StateInitializationContext,
  StateSnapshotContext,
} from '../operators/stream-operator.js';
