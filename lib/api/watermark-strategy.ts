/**
 * How a stream gets event timestamps and watermarks (Flink's `WatermarkStrategy`, 1.17+ API without
 * watermark alignment). A strategy is an immutable value: every `with…` method returns a new strategy.
 * It bundles a {@link TimestampAssigner} (optional: without one, records keep the timestamp their
 * source gave them) and a factory of {@link WatermarkGenerator}s, one generator per source subtask.
 *
 * Units: timestamps and watermarks are epoch ms; durations are ms.
 *
 * @see Flink's `org.apache.flink.api.common.eventtime.WatermarkStrategy`.
 * @example
 * const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ride>(5_000)
 *   .withTimestampAssigner((ride) => ride.pickupMs)
 *   .withIdleness(60_000);
 * env.fromSource(source, strategy, 'rides');
 */
import { systemClock, type Clock } from '../time/clock.js';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  checkDurationMs,
  NoWatermarksGenerator,
  WatermarksWithIdleness,
  type WatermarkGenerator,
} from '../time/watermark-generators.js';

export type { WatermarkGenerator, WatermarkOutput } from '../time/watermark-generators.js';

/**
 * Extracts a record's event timestamp, epoch ms (Flink's `TimestampAssigner.extractTimestamp`).
 * `recordTimestamp` is the timestamp the record already has (`NO_TIMESTAMP` = -Infinity if none).
 */
export type TimestampAssigner<T> = (element: T, recordTimestamp: number) => number;

/**
 * What a {@link WatermarkGeneratorSupplier} gets when the runtime creates a generator (Flink's
 * `WatermarkGeneratorSupplier.Context`; `clock` plays the role of `getInputActivityClock()`).
 */
export interface WatermarkGeneratorContext {
  /** Processing-time clock for idleness and any other time-based decision; never read `Date.now()`. */
  readonly clock: Clock;
}

/** Creates one {@link WatermarkGenerator} per source subtask (Flink's `WatermarkGeneratorSupplier`). */
export type WatermarkGeneratorSupplier<T> = (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>;

/**
 * A timestamp assigner plus a watermark generator factory, optionally with idleness detection.
 * Build one with a static factory, then refine it with {@link withTimestampAssigner} /
 * {@link withIdleness}; pass it to `env.fromSource` or `stream.assignTimestampsAndWatermarks`.
 *
 * @see Flink's `WatermarkStrategy`, `WatermarkStrategyWithTimestampAssigner`, `WatermarkStrategyWithIdleness`.
 */
export class WatermarkStrategy<T> {
  private constructor(
    private readonly generatorSupplier: WatermarkGeneratorSupplier<T>,
    /** Extracts event timestamps; `undefined` = keep the record's existing timestamp. */
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    /** Idle timeout in ms set by {@link withIdleness}; `undefined` = no idleness detection. */
    readonly idleTimeoutMs: number | undefined,
  ) {}

  /**
   * Watermarks for strictly ascending (or equal) timestamps: `maxTimestamp - 1`, emitted periodically
   * (Flink's `forMonotonousTimestamps`, generator {@link AscendingTimestampsWatermarks}).
   */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new AscendingTimestampsWatermarks<T>(), undefined, undefined);
  }

  /**
   * Watermarks for records at most `maxOutOfOrdernessMs` late: `maxTimestamp - maxOutOfOrdernessMs - 1`,
   * emitted periodically (Flink's `forBoundedOutOfOrderness`, generator {@link BoundedOutOfOrdernessWatermarks}).
   *
   * @param maxOutOfOrdernessMs bound on lateness, ms (finite, ≥ 0).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when it is negative, NaN or infinite.
   */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    // Validate now, at pipeline construction, rather than when the first subtask starts.
    const ms = checkDurationMs('maxOutOfOrdernessMs', maxOutOfOrdernessMs, true);
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(ms), undefined, undefined);
  }

  /** A strategy whose generators `supplier` creates (Flink's `forGenerator`), for custom or punctuated watermarks. */
  static forGenerator<T>(supplier: WatermarkGeneratorSupplier<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(supplier, undefined, undefined);
  }

  /**
   * No watermarks; records keep the timestamps they have (Flink's `noWatermarks`, generator
   * {@link NoWatermarksGenerator}). Useful with processing time, or with only a timestamp assigner.
   */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new NoWatermarksGenerator<T>(), undefined, undefined);
  }

  /**
   * Creates a generator for one source subtask, wrapped in {@link WatermarksWithIdleness} when
   * {@link withIdleness} was set.
   *
   * @param ctx the processing-time clock; defaults to the system clock.
   */
  createWatermarkGenerator(ctx: WatermarkGeneratorContext = { clock: systemClock }): WatermarkGenerator<T> {
    const generator = this.generatorSupplier(ctx);
    return this.idleTimeoutMs === undefined ? generator : new WatermarksWithIdleness<T>(generator, this.idleTimeoutMs, ctx.clock);
  }

  /**
   * A copy of this strategy that extracts each record's timestamp (epoch ms) with `assigner`
   * (Flink's `withTimestampAssigner`); generator and idleness are kept. Replaces an earlier assigner.
   */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.generatorSupplier, assigner, this.idleTimeoutMs);
  }

  /**
   * A copy of this strategy whose generators mark their output idle after `idleTimeoutMs` of processing
   * time without events, and active again on the next event (Flink's `withIdleness`; see
   * {@link WatermarksWithIdleness} for exactly when). Calling it again replaces the timeout; Flink would
   * nest a second wrapper instead.
   *
   * @param idleTimeoutMs ms without events before the output is marked idle (finite, > 0).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when it is zero, negative, NaN or infinite
   *   (Flink: "idleTimeout must be greater than zero").
   */
  withIdleness(idleTimeoutMs: number): WatermarkStrategy<T> {
    const ms = checkDurationMs('idleTimeoutMs', idleTimeoutMs, false);
    return new WatermarkStrategy<T>(this.generatorSupplier, this.timestampAssigner, ms);
  }
}
