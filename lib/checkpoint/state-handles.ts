/**
 * What a completed checkpoint or savepoint consists of (Flink's CompletedCheckpoint /
 * CheckpointMetadata, OperatorState, OperatorSubtaskState, KeyGroupsStateHandle,
 * StreamStateHandle): plain data, encoded with cbor-x into the `_metadata` file.
 *
 * Keyed state is per key group (the unit of rescaling): a chain of parts, a full one followed by
 * the deltas of incremental checkpoints. Small parts are inlined in the metadata (Flink's
 * `state.storage.fs.memory-threshold`, 20 KiB); larger ones are files (or objects of a
 * `jetstream://` bucket: see storage-location.ts).
 */
import type { OperatorStateSnapshot } from '../state/operator-state-store.js';

/** Bytes of one part (a framed snapshot, see snapshot-format.ts): inline, or a file. */
export type StreamStateHandle =
  | { readonly inline: Uint8Array }
  /**
   * `file`: absolute location while in memory (a path, or a `jetstream://<bucket>/<key>` URI);
   * inside `_metadata` relative to the metadata's directory (absolute when in another storage).
   * `size` in bytes.
   */
  | { readonly file: string; readonly size: number };

/** One key group's keyed state (state and timers): a full part then deltas, oldest first. */
export interface KeyGroupStateHandle {
  readonly keyGroup: number;
  readonly chain: readonly StreamStateHandle[];
}

/** One operator's state in one subtask (Flink's OperatorSubtaskState). */
export interface OperatorSubtaskState {
  /** Keyed state by key group (keyed operators only). */
  readonly keyed?: readonly KeyGroupStateHandle[];
  /** List, union-list and broadcast operator state (source splits, sink committables, user operator state). */
  readonly operator?: OperatorStateSnapshot;
}

/** One operator (by uid) in a checkpoint (Flink's OperatorState). */
export interface OperatorCheckpointState {
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Per subtask index; `null` for a subtask without state. */
  readonly subtasks: readonly (OperatorSubtaskState | null)[];
}

/** `_metadata` of a completed checkpoint or savepoint. */
export interface CheckpointMetadata {
  /** Format version of this structure (1). */
  readonly version: 1;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** When it was triggered, epoch ms. */
  readonly timestamp: number;
  /** When it completed, epoch ms. */
  readonly completedAt: number;
  readonly jobName: string;
  /** The job run that wrote it. */
  readonly jobId: string;
  /** `'hashmap'` or `'leveldb'`. */
  readonly stateBackend: string;
  /** Operator states by uid. */
  readonly operators: Readonly<Record<string, OperatorCheckpointState>>;
}

/** A completed checkpoint as the coordinator keeps it: the metadata and where it lives. */
export interface CompletedCheckpoint {
  readonly metadata: CheckpointMetadata;
  /** Directory holding `_metadata` (a path or a `jetstream://` URI), or undefined in memory. */
  readonly directory: string | undefined;
  /** Bytes written for this checkpoint (parts it wrote plus metadata). */
  readonly sizeBytes: number;
}
