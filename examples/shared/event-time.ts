/**
 * Event-time helpers of the example jobs: a watermark strategy wrapper that makes late data a
 * function of the input order alone, and formatting of epoch ms as local wall-clock text.
 *
 * Why the wrapper: Flink's (and Weir's) `forBoundedOutOfOrderness` generator emits its watermark
 * periodically, every `autoWatermarkInterval` (200 ms) of processing time. Which records end up late
 * then depends on how many records the source read between two ticks, so it changes from run to
 * run and with parallelism. The examples want results that are checkable and identical at every
 * parallelism, so {@link emitWatermarkPerEvent} asks the same generator for its watermark after
 * every record: the watermark a record meets is exactly
 * `max(timestamps of the records before it, in file order) - outOfOrderness - 1`
 * (the source emits a record before its generator sees it, as Flink's SourceOutputWithWatermarks).
 * This is Flink's bounded out-of-orderness, emitted punctuated rather than periodic; with a real
 * unbounded source one would keep the periodic emission (cheaper, same bound).
 */
import { WatermarkStrategy, zoneOffsetMs } from 'weir';

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * A copy of `strategy` (same generator, same timestamp assigner, no idleness) whose generator's
 * watermark is emitted after every event as well as periodically. Non-advancing watermarks are
 * dropped by the runtime, so only advancing ones travel.
 *
 * @example
 * env.fromSource(source, emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<Trip>(60_000)
 *   .withTimestampAssigner((t) => t.pickup)), 'trips');
 */
export function emitWatermarkPerEvent<T>(strategy: WatermarkStrategy<T>): WatermarkStrategy<T> {
  const perEvent = WatermarkStrategy.forGenerator<T>((ctx) => {
    const generator = strategy.createWatermarkGenerator(ctx);
    return {
      onEvent(event, timestamp, output) {
        generator.onEvent(event, timestamp, output);
        generator.onPeriodicEmit(output);
      },
      onPeriodicEmit(output) {
        generator.onPeriodicEmit(output);
      },
    };
  });
  return strategy.timestampAssigner === undefined ? perEvent : perEvent.withTimestampAssigner(strategy.timestampAssigner);
}

/**
 * Epoch ms as wall-clock text in `timeZone` (IANA name, DST-aware): `'YYYY-MM-DD HH:MM'`, with
 * `:SS` when `seconds` is true.
 */
export function localDateTime(epochMs: number, timeZone: string, seconds = false): string {
  const iso = new Date(epochMs + zoneOffsetMs(timeZone, epochMs)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)}`;
}

/** The UTC offset of `timeZone` at `epochMs` as `'+HH:MM'` / `'-HH:MM'`. */
export function utcOffsetText(epochMs: number, timeZone: string): string {
  const minutes = zoneOffsetMs(timeZone, epochMs) / MINUTE_MS;
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
