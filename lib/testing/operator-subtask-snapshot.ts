/**
 * What a test harness's `snapshot()` returns and `initializeState(snapshot)` takes: the state of
 * one operator in one subtask at one checkpoint, as plain data (Flink's `OperatorSubtaskState` as
 * the harness hands it out), and {@link repartitionOperatorSubtaskSnapshots}, which merges the
 * snapshots of all subtasks of an operator and cuts out the share of one subtask at another
 * parallelism, as a restore after rescaling does (Flink's
 * `AbstractStreamOperatorTestHarness.repartitionOperatorState`).
 *
 * @see org.apache.flink.runtime.checkpoint.OperatorSubtaskState
 */
import { ConfigurationError } from '../errors.js';
import type { RestoredKeyGroup } from '../state/keyed-state-backend.js';
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
import { redistributeOperatorState, type OperatorStateSnapshot } from '../state/operator-state-store.js';

/** One key group's keyed state (and keyed timers): a full part, as the keyed backend's `restore` takes it. */
export interface KeyGroupSnapshot extends RestoredKeyGroup {
  /** The key group, in `[0, maxParallelism)`. */
  readonly keyGroup: number;
  /** The part's bytes (cbor-x, written by the backend): one full part; restore applies them in order. */
  readonly chain: readonly Uint8Array[];
}

/**
 * The state of one operator in one subtask at checkpoint {@link checkpointId} (plain data; safe to
 * keep, compare with `deepEqual`, or feed to a fresh harness).
 */
export interface OperatorSubtaskSnapshot {
  /** The checkpoint's id. */
  readonly checkpointId: number;
  /** The checkpoint's timestamp, epoch ms (the harness's processing time unless given). */
  readonly timestamp: number;
  /** Index of the subtask that took it, in `[0, parallelism)`. */
  readonly subtaskIndex: number;
  /** The operator's parallelism when it was taken. */
  readonly parallelism: number;
  /** The operator's max parallelism (number of key groups); a restore must use the same. */
  readonly maxParallelism: number;
  /**
   * Keyed state and keyed timers by key group, ascending, only key groups with state (empty on a
   * non-keyed operator). Keyed timers are included once the timer service stores them in the
   * keyed backend.
   */
  readonly keyedState: readonly KeyGroupSnapshot[];
  /** List, union list and broadcast operator state, decoded from its encoded form (so a copy). */
  readonly operatorState: OperatorStateSnapshot;
}

/**
 * The snapshot subtask `subtaskIndex` of `newParallelism` restores from the snapshots of all old
 * subtasks (Flink's `repartitionOperatorState` of the harness, which also merges, as its
 * `repackageState`):
 * - keyed state: the key groups of `computeKeyGroupRangeForOperatorIndex(maxParallelism,
 *   newParallelism, subtaskIndex)`, from whichever old subtask held them;
 * - operator state: redistributed as the runtime does (`redistributeOperatorState`: even-split
 *   lists dealt round-robin, or kept per subtask at the same parallelism; union lists to all;
 *   broadcast state copied).
 *
 * @param snapshots one snapshot per old subtask, in any order (the same checkpoint of every
 *   subtask `0 … parallelism - 1`).
 * @param newParallelism ≥ 1 and ≤ the max parallelism.
 * @param subtaskIndex in `[0, newParallelism)`.
 * @returns a snapshot with `parallelism = newParallelism`, `subtaskIndex`, the highest checkpoint
 *   id and timestamp of the inputs.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `snapshots` is empty, is not one snapshot of
 *   each subtask of one parallelism, mixes max parallelisms, or the new parallelism or index is invalid.
 */
export function repartitionOperatorSubtaskSnapshots(snapshots: readonly OperatorSubtaskSnapshot[], newParallelism: number, subtaskIndex: number): OperatorSubtaskSnapshot {
  const first = snapshots[0];
  if (first === undefined) throw new ConfigurationError('repartitionOperatorState: no snapshots given');
  const { parallelism, maxParallelism } = first;
  const ordered: OperatorSubtaskSnapshot[] = new Array(parallelism);
  for (const s of snapshots) {
    if (s.maxParallelism !== maxParallelism) throw new ConfigurationError(`repartitionOperatorState: the snapshots mix max parallelism ${maxParallelism} and ${s.maxParallelism}`);
    if (s.parallelism !== parallelism) throw new ConfigurationError(`repartitionOperatorState: the snapshots mix parallelism ${parallelism} and ${s.parallelism}; give one snapshot of every subtask of one run`);
    if (!Number.isInteger(s.subtaskIndex) || s.subtaskIndex < 0 || s.subtaskIndex >= parallelism) throw new ConfigurationError(`repartitionOperatorState: subtask index ${s.subtaskIndex} is outside [0, ${parallelism})`);
    if (ordered[s.subtaskIndex] !== undefined) throw new ConfigurationError(`repartitionOperatorState: two snapshots of subtask ${s.subtaskIndex}`);
    ordered[s.subtaskIndex] = s;
  }
  if (snapshots.length !== parallelism) throw new ConfigurationError(`repartitionOperatorState: got ${snapshots.length} snapshot(s) of an operator with parallelism ${parallelism}; give one of every subtask`);
  // Validates newParallelism (1 ≤ p ≤ maxP) and subtaskIndex.
  const range = computeKeyGroupRangeForOperatorIndex(maxParallelism, newParallelism, subtaskIndex);
  const keyedState = snapshots
    .flatMap((s) => s.keyedState)
    .filter((kg) => range.contains(kg.keyGroup))
    .sort((a, b) => a.keyGroup - b.keyGroup);
  return {
    checkpointId: Math.max(...snapshots.map((s) => s.checkpointId)),
    timestamp: Math.max(...snapshots.map((s) => s.timestamp)),
    subtaskIndex,
    parallelism: newParallelism,
    maxParallelism,
    keyedState,
    operatorState: redistributeOperatorState(
      ordered.map((s) => s.operatorState),
      newParallelism,
    )[subtaskIndex]!,
  };
}
