/**
 * Messages between a job's actors. All are plain data (arrays, numbers, strings), so cbor-x
 * encodes them when subtasks live in other threads or hosts — except the key-group actor's
 * `KeyGroupPersist`, which never leaves its subtask's thread (a key-group actor is always hosted by
 * its subtask).
 *
 * Data lane (in order per channel): RecordBatch, Watermark, WatermarkStatus, CheckpointBarrier,
 * EndOfPartition; Poll (a source's self-message).
 * System lane: OutputWritable (a downstream mailbox drained); TriggerCheckpoint,
 * CheckpointComplete, CheckpointAborted (coordinator → subtasks); AcknowledgeCheckpoint,
 * DeclineCheckpoint, InputEnded (subtasks → coordinator); SubtaskFinished and CollectBatch (to the
 * job actor).
 */
import type { EncodedError } from '../errors.js';
import type { SnapshotTarget } from '../checkpoint/checkpoint-storage.js';
import type { KeyGroupStateHandle, OperatorSubtaskState } from '../checkpoint/state-handles.js';
import type { KeyGroupSnapshotPart } from '../state/keyed-state-backend.js';

/** Records of one input channel; `ts[i]` is the timestamp of `v[i]` (epoch ms or -Infinity for none). */
export interface RecordBatch {
  t: 'rb';
  /** Input channel index at the receiver. */
  ch: number;
  v: unknown[];
  ts: number[];
  /**
   * Watermarks in band, as flattened pairs `[index, watermark, …]` with non-decreasing indexes:
   * watermark `wm[2k+1]` (ms) comes after the first `wm[2k]` records of `v` and before the rest —
   * the same order as separate Watermark messages between smaller batches, in one message (as
   * Flink's watermarks travel inside the network buffers with the records).
   */
  wm?: number[];
}

/** The upstream subtask of channel `ch` has ended its output (Flink's EndOfPartitionEvent). */
export interface EndOfPartition {
  t: 'eop';
  ch: number;
}

/**
 * The upstream subtask of channel `ch` will send no more records with timestamp ≤ `ts`
 * (epoch ms; +Infinity at end of input). In-band: it follows the records sent before it.
 */
export interface Watermark {
  t: 'wm';
  ch: number;
  ts: number;
}

/** The upstream subtask of channel `ch` became idle (true) or active again (Flink's WatermarkStatus). */
export interface WatermarkStatus {
  t: 'ws';
  ch: number;
  idle: boolean;
}

/** Processing-time timers of this subtask are due (sent by the clock callback to the subtask itself). */
export interface TimersDue {
  t: 'timers';
}

/** Time for a source subtask to ask its watermark generator for a periodic watermark. */
export interface WatermarkTick {
  t: 'wm-tick';
}

/** A source subtask's request to itself to read the next records. */
export interface Poll {
  t: 'poll';
}

/**
 * A checkpoint barrier (Flink's CheckpointBarrier), in-band behind the records of channel `ch`:
 * everything before it belongs to checkpoint `id`, everything after to the next.
 */
export interface CheckpointBarrier {
  t: 'cb';
  ch: number;
  id: number;
  /** Trigger time, epoch ms. */
  ts: number;
  target: SnapshotTarget;
}

/**
 * Coordinator → a source subtask (which snapshots and injects barriers) or a subtask whose input
 * ended (which snapshots; nothing is downstream of it any more). Flink's triggerCheckpoint RPC.
 */
export interface TriggerCheckpoint {
  t: 'trigger';
  id: number;
  ts: number;
  target: SnapshotTarget;
  /** Stop with savepoint: a source emits nothing after this barrier unless the savepoint is aborted. */
  stopSources?: true;
}

/** Coordinator → every subtask: checkpoint `id` completed (Flink's notifyCheckpointComplete). */
export interface CheckpointComplete {
  t: 'cp-complete';
  id: number;
  kind: 'checkpoint' | 'savepoint';
}

/** Coordinator → every subtask: checkpoint `id` was aborted (Flink's notifyCheckpointAborted). */
export interface CheckpointAborted {
  t: 'cp-aborted';
  id: number;
}

/** Subtask → coordinator: its state for checkpoint `id` is durable (Flink's AcknowledgeCheckpoint). */
export interface AcknowledgeCheckpoint {
  t: 'ack';
  id: number;
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
  /** Per chained operator uid, its state (operators without state are left out). */
  operators: Record<string, OperatorSubtaskState>;
  /** Bytes this subtask wrote for the checkpoint. */
  bytes: number;
  /** Synchronous phase, ms (the subtask did not process records meanwhile). */
  syncMs: number;
  /** Asynchronous phase, ms. */
  asyncMs: number;
  /** ms from the first barrier to the last (alignment); 0 for sources. */
  alignmentMs: number;
}

/** Subtask → coordinator: it could not take checkpoint `id` (Flink's DeclineCheckpoint). */
export interface DeclineCheckpoint {
  t: 'decline';
  id: number;
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
  error: EncodedError;
}

/**
 * Subtask → coordinator: its input ended and its output was sent; with checkpointing it waits for
 * one more completed checkpoint before it finishes (Flink's final checkpoint, FLIP-147).
 */
export interface InputEnded {
  t: 'input-ended';
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
}

/**
 * Subtask → one of its key-group actors: persist this key group's part of checkpoint `id` (or, with
 * `part` undefined, report the unchanged chain). In-process only: `part` holds the backend's
 * materialize closure.
 */
export interface KeyGroupPersist {
  t: 'kg-persist';
  id: number;
  target: SnapshotTarget;
  part: KeyGroupSnapshotPart | undefined;
  /** True when the backend takes incremental snapshots (no part = unchanged, keep the chain). */
  incremental: boolean;
}

/** Key-group actor → subtask: its part of checkpoint `id` is durable. */
export interface KeyGroupPersisted {
  t: 'kg-persisted';
  id: number;
  nodeId: number;
  keyGroup: number;
  /** The key group's chain in checkpoint `id`, or null when it holds no state. */
  handle: KeyGroupStateHandle | null;
  bytes: number;
  error?: EncodedError;
}

/** A downstream mailbox this subtask was waiting on has room again. */
export interface OutputWritable {
  t: 'writable';
}

/** Per-operator figures of one subtask. */
export interface OperatorFigures {
  nodeId: number;
  recordsIn: number;
  recordsOut: number;
}

/** A subtask processed all of its input and flushed its output. */
export interface SubtaskFinished {
  t: 'finished';
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
  figures: OperatorFigures[];
  outputs: string[];
}

/**
 * Records for `executeAndCollect`, from a collect sink subtask to the job actor. With
 * checkpointing, `checkpointId` is the checkpoint whose barrier closed the batch: the job actor
 * hands the records out only once that checkpoint completed (each record exactly once across
 * restarts, as Flink's collect sink); without, it is undefined and the records count at once.
 */
export interface CollectBatch {
  t: 'collect';
  v: unknown[];
  checkpointId?: number;
}

/** Sent by the job actor to the client side when the job ends. */
export interface JobTerminated {
  t: 'terminated';
  error?: EncodedError;
}

export type SubtaskMessage =
  | RecordBatch
  | EndOfPartition
  | Watermark
  | WatermarkStatus
  | CheckpointBarrier
  | Poll
  | OutputWritable
  | TimersDue
  | WatermarkTick
  | TriggerCheckpoint
  | CheckpointComplete
  | CheckpointAborted
  | KeyGroupPersisted;
/** Messages that travel in-band on an input channel (they carry `ch`). */
export type ChannelMessage = RecordBatch | EndOfPartition | Watermark | WatermarkStatus | CheckpointBarrier;
export type CoordinatorMessage = AcknowledgeCheckpoint | DeclineCheckpoint | InputEnded;
/** Subtask → job actor: the subtask restored its state and opened its operators (Flink's task state RUNNING). */
export interface SubtaskRunning {
  t: 'running';
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
}

export type JobMessage = SubtaskFinished | CollectBatch | SubtaskRunning;
