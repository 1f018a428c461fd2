/**
 * What an operator under test emitted, in emission order: records (main output), watermarks,
 * and records sent to side outputs (kept per tag id). Mirrors the output queue of Flink's
 * `AbstractStreamOperatorTestHarness` (`getOutput()`, `getSideOutput(tag)`), with
 * `StreamRecord` / `Watermark` as plain tagged objects so tests compare them with `deepEqual`.
 */
import type { Output } from '../operators/stream-operator.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';

/** A record as emitted: its value and timestamp (epoch ms), or `null` when it carries none. */
export interface HarnessRecord<T> {
  readonly kind: 'record';
  readonly value: T;
  readonly timestamp: number | null;
}

/** A watermark the operator forwarded (epoch ms; `Infinity` for the maximal watermark). */
export interface HarnessWatermark {
  readonly kind: 'watermark';
  readonly timestamp: number;
}

/** One element of an operator's main output, in emission order. */
export type HarnessOutputElement<T> = HarnessRecord<T> | HarnessWatermark;

/**
 * An {@link Output} that records everything synchronously (never returns a Promise), so the
 * operator's own ordering is what the test sees.
 */
export class RecordingOutput<T> implements Output<T> {
  /** Main output: records and watermarks, in emission order. */
  readonly main: HarnessOutputElement<T>[] = [];
  /** Side outputs by tag id, each in emission order. */
  readonly side = new Map<string, HarnessRecord<unknown>[]>();

  collect(value: T, timestamp: number): void {
    this.main.push(record(value, timestamp));
  }

  collectSide(tagId: string, value: unknown, timestamp: number): void {
    let l = this.side.get(tagId);
    if (l === undefined) this.side.set(tagId, (l = []));
    l.push(record(value, timestamp));
  }

  emitWatermark(watermark: number): void {
    this.main.push({ kind: 'watermark', timestamp: watermark });
  }

  /** Forgets everything recorded so far. */
  clear(): void {
    this.main.length = 0;
    this.side.clear();
  }
}

function record<T>(value: T, timestamp: number): HarnessRecord<T> {
  return { kind: 'record', value, timestamp: timestamp === NO_TIMESTAMP ? null : timestamp };
}
