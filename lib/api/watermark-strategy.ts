/**
 * How a stream gets event timestamps (Flink's WatermarkStrategy). This first version assigns
 * timestamps only: `WatermarkStrategy.noWatermarks().withTimestampAssigner((e, prev) => ms)`.
 * Watermark generators (monotonous, bounded out-of-orderness, idleness) extend it with event time.
 */
export type TimestampAssigner<T> = (element: T, recordTimestamp: number) => number;

export class WatermarkStrategy<T> {
  private constructor(readonly timestampAssigner: TimestampAssigner<T> | undefined) {}

  /** No watermarks; records keep the timestamps they have (Flink's noWatermarks). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(undefined);
  }

  /** A copy of this strategy that extracts each record's timestamp (epoch ms) with `assigner`. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(assigner);
  }
}
