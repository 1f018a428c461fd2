/**
 * Maps a completed checkpoint or savepoint onto the subtasks of a job (Flink's
 * StateAssignmentOperation), by operator `uid`:
 * - keyed state: each subtask gets the key groups of its range
 *   (`computeKeyGroupRangeForOperatorIndex`), so restoring at another parallelism redistributes key
 *   groups; the max parallelism must not change (it fixes the key → key group mapping);
 * - list operator state: kept per subtask at unchanged parallelism; otherwise the lists of all old
 *   subtasks are concatenated and dealt round-robin (Flink's even-split redistribution);
 * - union list state: every subtask gets the concatenation of all old lists;
 * - broadcast state: new subtask i gets the copy of old subtask `i mod oldParallelism`.
 *
 * @see org.apache.flink.runtime.checkpoint.StateAssignmentOperation
 * @see org.apache.flink.runtime.checkpoint.RoundRobinOperatorStateRepartitioner
 */
import { RestoreError } from '../errors.js';
import type { JobGraph, StreamNode } from '../graph/job-graph.js';
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
import { redistributeOperatorState as redistributeAll, type OperatorStateSnapshot } from '../state/operator-state-store.js';
import type { CheckpointMetadata, KeyGroupStateHandle, OperatorCheckpointState } from './state-handles.js';

/** What one operator in one subtask restores. */
export interface OperatorRestoreState {
  /** Keyed state of the subtask's key groups (empty for non-keyed operators). */
  readonly keyed: readonly KeyGroupStateHandle[];
  /** Redistributed operator state (undefined when the operator had none). */
  readonly operator: OperatorStateSnapshot | undefined;
}

/** What one subtask restores: per chained operator uid. */
export interface SubtaskRestoreState {
  readonly checkpointId: number;
  readonly operators: Readonly<Record<string, OperatorRestoreState>>;
}

/**
 * Checks that `metadata` fits `graph`.
 * @throws RestoreError (`WEIR_ERR_RESTORE`) when the snapshot has state for a uid the job lacks
 *   (unless `allowNonRestoredState`, Flink's `--allowNonRestoredState`), or a keyed operator's max
 *   parallelism differs.
 */
export function checkRestorable(metadata: CheckpointMetadata, graph: JobGraph, allowNonRestoredState: boolean): void {
  const byUid = new Map(graph.nodes.map((n) => [n.uid, n] as const));
  for (const [uid, op] of Object.entries(metadata.operators)) {
    const node = byUid.get(uid);
    if (node === undefined) {
      if (!hasState(op) || allowNonRestoredState) continue;
      throw new RestoreError(
        `${metadata.kind} ${metadata.checkpointId} has state for operator uid '${uid}' (${op.name}), which this job does not have. Give the operator its old uid with .uid('${uid}'), or skip that state with --allow-non-restored-state (allowNonRestoredState).`,
      );
    }
    const keyed = op.subtasks.some((s) => (s?.keyed?.length ?? 0) > 0);
    if (keyed && node.maxParallelism !== op.maxParallelism) {
      throw new RestoreError(
        `operator '${node.name}' (uid '${uid}'): the ${metadata.kind} was taken with max parallelism ${op.maxParallelism} and the job now has ${node.maxParallelism}; keyed state cannot move to another number of key groups (set setMaxParallelism(${op.maxParallelism}))`,
      );
    }
  }
}

/** The state subtask `subtaskIndex` of `node` restores from `metadata` (undefined: the operator is new). */
export function assignOperatorState(metadata: CheckpointMetadata, node: StreamNode, subtaskIndex: number): OperatorRestoreState | undefined {
  const op = metadata.operators[node.uid];
  if (op === undefined) return undefined;
  const range = computeKeyGroupRangeForOperatorIndex(node.maxParallelism, node.parallelism, subtaskIndex);
  const keyed: KeyGroupStateHandle[] = [];
  for (const s of op.subtasks) for (const kg of s?.keyed ?? []) if (range.contains(kg.keyGroup)) keyed.push(kg);
  keyed.sort((a, b) => a.keyGroup - b.keyGroup);
  return { keyed, operator: redistributeOperatorState(op, node.parallelism, subtaskIndex) };
}

/** Operator state of new subtask `index` of `newParallelism` (see the module docstring; undefined when the operator had none). */
export function redistributeOperatorState(op: OperatorCheckpointState, newParallelism: number, index: number): OperatorStateSnapshot | undefined {
  const olds = op.subtasks.map((s) => s?.operator);
  if (olds.every((o) => o === undefined)) return undefined;
  return redistributeAll(olds, newParallelism)[index];
}

function hasState(op: OperatorCheckpointState): boolean {
  return op.subtasks.some((s) => {
    if (s === null || s === undefined) return false;
    if ((s.keyed?.length ?? 0) > 0) return true;
    const o = s.operator;
    return o !== undefined && (Object.values(o.list).some((l) => l.length > 0) || Object.values(o.union).some((l) => l.length > 0) || Object.values(o.broadcast).some((l) => l.length > 0));
  });
}
