/**
 * The watermark strategy of the nexmark DDL (`WATERMARK FOR dateTime AS dateTime - INTERVAL '4'
 * SECOND`): bounded out-of-orderness of 4,000 ms on the event time.
 *
 * @see nexmark-flink/src/main/resources/queries/ddl_gen.sql
 */
import { WatermarkStrategy } from '../../lib/api/watermark-strategy.js';
import { eventTime, type NexmarkEvent } from './events.js';

/** The nexmark DDL's watermark delay, ms. */
export const NEXMARK_OUT_OF_ORDERNESS_MS = 4000;

/**
 * `WatermarkStrategy.forBoundedOutOfOrderness(maxOutOfOrdernessMs)` with a timestamp assigner that
 * reads the event time ({@link eventTime}), so it works whether or not the source emits record
 * timestamps.
 *
 * @param maxOutOfOrdernessMs bound on lateness, ms (default 4,000 as nexmark's DDL).
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when it is negative, NaN or infinite.
 * @example env.fromSource(new NexmarkSource({ maxEvents: 1e6 }), nexmarkWatermarks(), 'nexmark')
 */
export function nexmarkWatermarks(maxOutOfOrdernessMs: number = NEXMARK_OUT_OF_ORDERNESS_MS): WatermarkStrategy<NexmarkEvent> {
  return WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(maxOutOfOrdernessMs).withTimestampAssigner(eventTime);
}
