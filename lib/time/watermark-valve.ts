/**
 * Combines the watermarks and idle statuses of an operator's input channels into one watermark and one
 * status (Flink's `StatusWatermarkValve`). Pure: no clock, no I/O; the subtask feeds it and forwards
 * what it emits to the operator.
 *
 * Rules (Flink's, as of 1.17 through 2.x):
 * - Every channel starts active, with watermark `NO_TIMESTAMP` (-Infinity), and aligned. The output
 *   watermark starts at -Infinity and the output status active.
 * - {@link StatusWatermarkValve.inputWatermark} ignores a watermark on an idle channel and a watermark
 *   not greater than the channel's current one (`NaN` is never greater, so it is ignored too).
 * - The output watermark is the minimum over *aligned* channels: active channels whose watermark has
 *   caught up with the last output watermark. It is emitted only when it increases, so the output
 *   never decreases and -Infinity is never emitted.
 * - A channel that turns idle leaves the aligned set, which may let the minimum advance. A channel that
 *   turns active again rejoins the aligned set only once its watermark is ≥ the last output watermark
 *   (immediately if it already is); until then its watermarks do not hold the output back.
 * - When every channel is idle, the valve first "flushes": it emits the maximum watermark over all
 *   channels if that is greater than the last output (no channel will advance any more, so nothing
 *   holds event time back), then emits status idle. When any channel turns active again the valve
 *   emits status active (before any watermark that change allows).
 *
 * One deliberate difference from Flink: Weir recomputes the minimum after *every* accepted watermark
 * and every status change, so after each call the output watermark is the minimum over aligned
 * channels whenever that minimum is higher than what was emitted. Flink skips the recompute when the
 * channel going idle did not hold the last output watermark, and on re-activation, and it skips the
 * all-idle flush unless the last channel to go idle held the last output watermark. Those skips are
 * optimisations in the common case, but not in rare sequences where every aligned channel went idle
 * while a re-activated, not-yet-caught-up channel stayed active: if a channel ahead of the output then
 * re-activates, Flink emits its watermark only on that channel's next watermark; if the lagging channel
 * is then the last to go idle, Flink skips the flush until some channel is active again. Weir emits in
 * both cases at once. (A randomized comparison with a literal port of Flink's class showed identical
 * output in all but ~0.1% of sequences; in those, Weir's output watermark was ahead of Flink's for a
 * while and never behind it.) Weir never emits a watermark above the minimum of the aligned channels,
 * except the all-idle flush, as in Flink.
 *
 * End of input: Flink sends `Watermark.MAX_WATERMARK` (`Long.MAX_VALUE`) when a source finishes; Weir's
 * maximal watermark is {@link MAX_WATERMARK} (`+Infinity`). {@link StatusWatermarkValve.endOfInput} marks
 * the channel active if it was idle (as Flink's `WatermarkToDataOutput` re-activates an idle output
 * before emitting a watermark) and then feeds it `+Infinity`. When every channel has ended, the output
 * is `+Infinity`.
 *
 * Cost: the minimum is a linear scan over channels per advancing watermark (Flink keeps a heap); fine
 * for the parallelism Weir runs at.
 *
 * @see Flink's `org.apache.flink.streaming.runtime.watermarkstatus.StatusWatermarkValve`.
 */
import { ConfigurationError } from '../errors.js';
import { MAX_WATERMARK, NO_TIMESTAMP } from './timestamps.js';

/**
 * The maximal watermark, meaning "event time is over": emitted at end of input. Flink uses
 * `Long.MAX_VALUE` (`Watermark.MAX_WATERMARK`); Weir timestamps are numbers, so it is `+Infinity`.
 * Defined once in `timestamps.ts` (the subtask emits it when a source ends) and re-exported here.
 */
export { MAX_WATERMARK };

/** Where a {@link StatusWatermarkValve} sends its decisions (Flink's `DataOutput` watermark methods). */
export interface WatermarkValveOutput {
  /** A new, strictly greater output watermark (epoch ms, or `+Infinity` at end of input). */
  emitWatermark(ts: number): void;
  /** The output status changed: `true` = all inputs idle, `false` = active again. Called only on change. */
  emitStatus(idle: boolean): void;
}

/** Per-channel state (Flink's `SubpartitionStatus`). */
interface ChannelStatus {
  /** Highest watermark received on the channel, epoch ms; -Infinity at start. */
  watermark: number;
  idle: boolean;
  /** Active and caught up with the last output watermark: counts towards the minimum. */
  aligned: boolean;
}

/**
 * Flink's `StatusWatermarkValve` for `numChannels` input channels, numbered from 0. See the module
 * docstring for the rules. All methods are synchronous and call the output before returning.
 *
 * @example
 * const valve = new StatusWatermarkValve(2, { emitWatermark: (ts) => op.processWatermark(ts), emitStatus: (idle) => … });
 * valve.inputWatermark(10, 0); // nothing: channel 1 is still at -Infinity
 * valve.inputWatermark(7, 1);  // emits 7
 */
export class StatusWatermarkValve {
  private readonly channels: ChannelStatus[];
  private lastOutputWatermark: number = NO_TIMESTAMP;
  private outputIdle = false;

  /**
   * @param numChannels number of input channels (a positive integer).
   * @param output receives new output watermarks and status changes.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `numChannels` is not a positive integer.
   */
  constructor(numChannels: number, private readonly output: WatermarkValveOutput) {
    if (!Number.isInteger(numChannels) || numChannels < 1) {
      throw new ConfigurationError(`a watermark valve needs a positive integer number of channels, got ${numChannels}`);
    }
    this.channels = Array.from({ length: numChannels }, () => ({ watermark: NO_TIMESTAMP, idle: false, aligned: true }));
  }

  /** Number of input channels. */
  get numChannels(): number {
    return this.channels.length;
  }

  /** The last watermark emitted (-Infinity before the first). */
  get outputWatermark(): number {
    return this.lastOutputWatermark;
  }

  /** True while the output status is idle (every channel idle). */
  get isIdle(): boolean {
    return this.outputIdle;
  }

  /** The highest watermark received on `channel` (-Infinity if none). @throws ConfigurationError for a bad index. */
  channelWatermark(channel: number): number {
    return this.channel(channel).watermark;
  }

  /** True while `channel` is idle. @throws ConfigurationError for a bad index. */
  isChannelIdle(channel: number): boolean {
    return this.channel(channel).idle;
  }

  /** True while `channel` counts towards the output minimum. @throws ConfigurationError for a bad index. */
  isChannelAligned(channel: number): boolean {
    return this.channel(channel).aligned;
  }

  /**
   * Feeds watermark `ts` (epoch ms) received on `channel`; may emit a new output watermark.
   * Ignored when the channel is idle or `ts` is not greater than the channel's watermark.
   *
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `channel` is not an index in `[0, numChannels)`.
   */
  inputWatermark(ts: number, channel: number): void {
    const c = this.channel(channel);
    // Also covers "valve idle": the valve is idle only when every channel is.
    if (c.idle) return;
    if (!(ts > c.watermark)) return;
    c.watermark = ts;
    if (!c.aligned && ts >= this.lastOutputWatermark) c.aligned = true;
    this.emitNewMinAcrossAligned();
  }

  /**
   * Feeds a status change of `channel` (`idle` true = idle, false = active); a status equal to the
   * channel's current one is ignored. May emit a watermark and/or an output status: going idle emits the
   * watermark first, then status idle; going active emits status active first, then any watermark.
   *
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `channel` is not an index in `[0, numChannels)`.
   */
  inputStatus(idle: boolean, channel: number): void {
    const c = this.channel(channel);
    if (idle && !c.idle) {
      c.idle = true;
      c.aligned = false;
      if (this.channels.every((ch) => ch.idle)) {
        this.emitMaxAcrossAll();
        this.outputIdle = true;
        this.output.emitStatus(true);
      } else {
        this.emitNewMinAcrossAligned();
      }
    } else if (!idle && c.idle) {
      c.idle = false;
      // Rejoins the minimum only if it is not behind what was already emitted.
      if (c.watermark >= this.lastOutputWatermark) c.aligned = true;
      if (this.outputIdle) {
        this.outputIdle = false;
        this.output.emitStatus(false);
      }
      this.emitNewMinAcrossAligned();
    }
  }

  /**
   * End of input on `channel`: marks it active if idle, then feeds it {@link MAX_WATERMARK} (`+Infinity`),
   * so it never holds the output back again. Once every channel has ended the output is `+Infinity`.
   *
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `channel` is not an index in `[0, numChannels)`.
   */
  endOfInput(channel: number): void {
    this.inputStatus(false, channel);
    this.inputWatermark(MAX_WATERMARK, channel);
  }

  private channel(index: number): ChannelStatus {
    const c = Number.isInteger(index) ? this.channels[index] : undefined;
    if (c === undefined) {
      throw new ConfigurationError(`watermark valve channel ${index} out of range [0, ${this.channels.length})`);
    }
    return c;
  }

  private emitNewMinAcrossAligned(): void {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    for (const c of this.channels) {
      if (c.aligned) {
        any = true;
        if (c.watermark < min) min = c.watermark;
      }
    }
    if (any && min > this.lastOutputWatermark) {
      this.lastOutputWatermark = min;
      this.output.emitWatermark(min);
    }
  }

  private emitMaxAcrossAll(): void {
    let max = NO_TIMESTAMP;
    for (const c of this.channels) if (c.watermark > max) max = c.watermark;
    if (max > this.lastOutputWatermark) {
      this.lastOutputWatermark = max;
      this.output.emitWatermark(max);
    }
  }
}
