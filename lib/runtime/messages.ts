/**
 * Messages between a job's actors. All are plain data (arrays, numbers, strings), so cbor-x
 * encodes them when subtasks live in other threads or hosts.
 *
 * Data lane (in order per channel): RecordBatch, EndOfPartition; Poll (a source's self-message).
 * System lane: OutputWritable (a downstream mailbox drained), SubtaskFinished and CollectBatch
 * (to the job actor).
 */
import type { EncodedError } from '../errors.js';

/** Records of one input channel; `ts[i]` is the timestamp of `v[i]` (epoch ms or -Infinity for none). */
export interface RecordBatch {
  t: 'rb';
  /** Input channel index at the receiver. */
  ch: number;
  v: unknown[];
  ts: number[];
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
  figures: OperatorFigures[];
  outputs: string[];
}

/** Records for `executeAndCollect`, from a collect sink subtask to the job actor. */
export interface CollectBatch {
  t: 'collect';
  v: unknown[];
}

/** Sent by the job actor to the client side when the job ends. */
export interface JobTerminated {
  t: 'terminated';
  error?: EncodedError;
}

export type SubtaskMessage = RecordBatch | EndOfPartition | Watermark | WatermarkStatus | Poll | OutputWritable | TimersDue | WatermarkTick;
export type JobMessage = SubtaskFinished | CollectBatch;
