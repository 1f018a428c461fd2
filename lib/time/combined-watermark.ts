/**
 * Combines the watermarks and idleness of an operator's logical inputs into one watermark (Flink's
 * `IndexedCombinedWatermarkStatus` / `CombinedWatermarkStatus`, as used by
 * `AbstractStreamOperator.processWatermark1/2` and `processWatermarkStatus1/2`). Pure: the
 * subtask feeds it what each input's `StatusWatermarkValve` emits.
 *
 * Rules (Flink's):
 * - Every input starts active with watermark -Infinity (`Long.MIN_VALUE`); the combined watermark
 *   starts at -Infinity.
 * - A watermark on an input marks it active and raises its partial watermark (never lowers it).
 * - The combined watermark is the minimum over the inputs that are not idle; it only increases,
 *   and it does not change while every input is idle.
 * - The combined status is idle exactly when every input is idle.
 *
 * So with two inputs, an event-time timer registered from input 1 fires only once input 2's
 * watermark has passed it too (unless input 2 is idle or ended: an ended input's valve emits
 * +Infinity).
 *
 * @see org.apache.flink.streaming.api.operators.AbstractStreamOperator (input1Watermark, input2Watermark)
 * @see org.apache.flink.api.common.eventtime.IndexedCombinedWatermarkStatus
 */
import { ConfigurationError } from '../errors.js';
import { NO_TIMESTAMP } from './timestamps.js';

/** Flink's `IndexedCombinedWatermarkStatus` over a fixed number of inputs, numbered from 0. */
export class CombinedWatermarkStatus {
  private readonly watermarks: number[];
  private readonly idle: boolean[];
  private combined = NO_TIMESTAMP;
  private allIdle = false;

  /**
   * @param inputCount number of logical inputs (a positive integer; 2 for two-input operators).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when it is not a positive integer.
   */
  constructor(inputCount: number) {
    if (!Number.isInteger(inputCount) || inputCount < 1) throw new ConfigurationError(`combined watermark needs a positive integer number of inputs, got ${inputCount}`);
    this.watermarks = new Array<number>(inputCount).fill(NO_TIMESTAMP);
    this.idle = new Array<boolean>(inputCount).fill(false);
  }

  /** The combined watermark, epoch ms (-Infinity before every active input had one). */
  get combinedWatermark(): number {
    return this.combined;
  }

  /** True while every input is idle. */
  get isIdle(): boolean {
    return this.allIdle;
  }

  /** The partial watermark of input `index` (-Infinity before its first). */
  inputWatermark(index: number): number {
    return this.watermarks[this.check(index)]!;
  }

  /**
   * Input `index` reached watermark `ts` (epoch ms); marks it active.
   * @returns true when the combined watermark increased (read it from {@link combinedWatermark}).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an index out of range.
   */
  updateWatermark(index: number, ts: number): boolean {
    const i = this.check(index);
    this.idle[i] = false;
    if (ts > this.watermarks[i]!) this.watermarks[i] = ts;
    return this.recompute();
  }

  /**
   * Input `index` became idle (`true`) or active (`false`).
   * @returns true when the combined watermark increased (an idle input no longer holds it back).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an index out of range.
   */
  updateStatus(index: number, idle: boolean): boolean {
    this.idle[this.check(index)] = idle;
    return this.recompute();
  }

  /** Flink's `CombinedWatermarkStatus.updateCombinedWatermark`. */
  private recompute(): boolean {
    let min = Number.POSITIVE_INFINITY;
    let allIdle = true;
    for (let i = 0; i < this.watermarks.length; i++) {
      if (this.idle[i] === true) continue;
      allIdle = false;
      const w = this.watermarks[i]!;
      if (w < min) min = w;
    }
    this.allIdle = allIdle;
    if (!allIdle && min > this.combined) {
      this.combined = min;
      return true;
    }
    return false;
  }

  private check(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.watermarks.length) {
      throw new ConfigurationError(`combined watermark input ${index} out of range [0, ${this.watermarks.length})`);
    }
    return index;
  }
}
