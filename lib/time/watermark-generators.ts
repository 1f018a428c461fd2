/**
 * Watermark generators: the per-source-subtask objects that turn event timestamps into watermarks
 * (Flink's `org.apache.flink.api.common.eventtime` package). A {@link WatermarkStrategy} creates one
 * generator per source split / subtask; the runtime calls {@link WatermarkGenerator.onEvent} for every
 * record (after timestamp assignment) and {@link WatermarkGenerator.onPeriodicEmit} every auto-watermark
 * interval.
 *
 * Units: all timestamps and watermarks are epoch milliseconds as plain numbers; durations are ms.
 * A watermark `w` declares that event time has reached `w`: no more records with timestamp ≤ `w` are
 * expected. `NO_TIMESTAMP` (-Infinity) is the lowest watermark and `+Infinity` the highest
 * (Weir's `Long.MIN_VALUE` / `Long.MAX_VALUE`); generators here never produce `NaN`.
 *
 * @see Flink's `WatermarkGenerator`, `BoundedOutOfOrdernessWatermarks`, `AscendingTimestampsWatermarks`,
 *   `NoWatermarksGenerator`, `WatermarksWithIdleness`.
 */
import { ConfigurationError } from '../errors.js';
import type { Clock } from './clock.js';
import { NO_TIMESTAMP } from './timestamps.js';

/**
 * Where a {@link WatermarkGenerator} sends what it decides (Flink's `WatermarkOutput`).
 *
 * Contract for implementations (as Flink's `WatermarkToDataOutput`): a watermark not greater than the
 * highest one emitted so far is dropped, so generators may re-emit freely; an advancing watermark on an
 * idle output first marks it active; `markIdle` / `markActive` forward only actual status changes.
 */
export interface WatermarkOutput {
  /** Emits watermark `ts` (epoch ms). Non-advancing watermarks are dropped by the implementation. */
  emitWatermark(ts: number): void;
  /** Marks this output idle: downstream operators stop waiting for its watermark until it is active again. */
  markIdle(): void;
  /** Marks this output active again after {@link markIdle}; does nothing if it is already active. */
  markActive(): void;
}

/**
 * Generates watermarks from events or periodically (Flink's `WatermarkGenerator`). One instance serves
 * one source subtask; both methods run on that subtask's mailbox, never concurrently.
 */
export interface WatermarkGenerator<T> {
  /**
   * Called for every record, with the timestamp already assigned (epoch ms, possibly `NO_TIMESTAMP`).
   * Punctuated generators emit from here.
   */
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  /** Called every auto-watermark interval (Flink's `pipeline.auto-watermark-interval`, default 200 ms). */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/**
 * Validates a duration in ms: a finite number, ≥ 0 (or > 0 when `allowZero` is false).
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for NaN, ±Infinity, negative values, or zero when not allowed.
 */
export function checkDurationMs(name: string, valueMs: number, allowZero: boolean): number {
  if (typeof valueMs !== 'number' || !Number.isFinite(valueMs)) {
    throw new ConfigurationError(`${name} must be a finite number of milliseconds, got ${String(valueMs)}`);
  }
  if (valueMs < 0 || (!allowZero && valueMs === 0)) {
    throw new ConfigurationError(`${name} must be ${allowZero ? 'non-negative' : 'greater than zero'}, got ${valueMs} ms`);
  }
  return valueMs;
}

/**
 * Periodic watermarks for records that arrive at most `maxOutOfOrdernessMs` late relative to the
 * highest timestamp seen (Flink's `BoundedOutOfOrdernessWatermarks`).
 *
 * - `onEvent` tracks the maximum timestamp; `NO_TIMESTAMP` and `NaN` timestamps do not move it.
 * - `onPeriodicEmit` emits `maxTimestamp - maxOutOfOrdernessMs - 1`. The `- 1` lets records with
 *   exactly `maxTimestamp - maxOutOfOrdernessMs` still count as on time.
 * - Before any event, Flink starts `maxTimestamp` at `Long.MIN_VALUE + delay + 1` so the first watermark
 *   is `Long.MIN_VALUE`; Weir starts at `NO_TIMESTAMP` (-Infinity), and `-Infinity - delay - 1` is
 *   `-Infinity`, the same lowest watermark, with no overflow or `NaN`.
 * - The emitted watermark never decreases (the maximum only grows).
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `maxOutOfOrdernessMs` is negative, NaN or infinite.
 * @see Flink's `org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks`.
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  /** The highest event timestamp seen so far (epoch ms), `NO_TIMESTAMP` before the first event. */
  private maxTimestamp: number = NO_TIMESTAMP;
  /** The configured bound, ms. */
  readonly outOfOrdernessMs: number;

  /** @param maxOutOfOrdernessMs how late (ms, ≥ 0, finite) a record may be relative to the maximum seen. */
  constructor(maxOutOfOrdernessMs: number) {
    this.outOfOrdernessMs = checkDurationMs('maxOutOfOrdernessMs', maxOutOfOrdernessMs, true);
  }

  onEvent(_event: T, eventTimestamp: number, _output: WatermarkOutput): void {
    // `>` rather than Math.max: a NaN timestamp must not poison the maximum.
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.outOfOrdernessMs - 1);
  }
}

/**
 * Periodic watermarks for timestamps that never decrease: bounded out-of-orderness with zero delay,
 * so the watermark is `maxTimestamp - 1` (Flink's `AscendingTimestampsWatermarks`).
 *
 * @see Flink's `org.apache.flink.api.common.eventtime.AscendingTimestampsWatermarks`.
 */
export class AscendingTimestampsWatermarks<T> extends BoundedOutOfOrdernessWatermarks<T> {
  constructor() {
    super(0);
  }
}

/**
 * A generator that never emits a watermark and never changes the idle status (Flink's
 * `NoWatermarksGenerator`), for pipelines that use processing time or only need timestamps.
 *
 * @see Flink's `org.apache.flink.api.common.eventtime.NoWatermarksGenerator`.
 */
export class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(_event: T, _eventTimestamp: number, _output: WatermarkOutput): void {}
  onPeriodicEmit(_output: WatermarkOutput): void {}
}

/**
 * Detects inactivity from periodic probes, reading the clock only on probes, never per record
 * (Flink's `WatermarksWithIdleness.IdlenessTimer`).
 *
 * {@link activity} is called per record and only bumps a counter. {@link checkIfIdle} is called per
 * periodic emit: if there was activity since the previous check it resets; otherwise the first quiet
 * check starts the countdown at `clock.now()`, and later quiet checks report idle once strictly more
 * than `idleTimeoutMs` has passed since the countdown started.
 *
 * @see Flink's `org.apache.flink.api.common.eventtime.WatermarksWithIdleness.IdlenessTimer`.
 */
export class IdlenessTimer {
  private counter = 0;
  private lastCounter = 0;
  /** Processing time (epoch ms) of the first quiet check, `undefined` when no countdown runs. */
  private startOfInactivityMs: number | undefined;

  /**
   * @param clock processing-time clock (injected; tests use a ManualClock).
   * @param idleTimeoutMs ms of inactivity before {@link checkIfIdle} returns true (> 0, finite).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `idleTimeoutMs` is not a positive finite number.
   */
  constructor(private readonly clock: Clock, readonly idleTimeoutMs: number) {
    checkDurationMs('idleTimeoutMs', idleTimeoutMs, false);
  }

  /** Records activity (an event). Cheap: no clock read. */
  activity(): void {
    // Wraps harmlessly long before precision matters: only inequality with lastCounter is tested.
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
  }

  /** True when no activity happened for more than the timeout, measured between periodic checks. */
  checkIfIdle(): boolean {
    if (this.counter !== this.lastCounter) {
      this.lastCounter = this.counter;
      this.startOfInactivityMs = undefined;
      return false;
    }
    if (this.startOfInactivityMs === undefined) {
      // First quiet probe since the last activity: start the countdown now.
      this.startOfInactivityMs = this.clock.now();
      return false;
    }
    return this.clock.now() - this.startOfInactivityMs > this.idleTimeoutMs;
  }
}

/**
 * Wraps another generator with idleness detection (Flink's `WatermarksWithIdleness`): when no event
 * arrives for the idle timeout of processing time (measured by the injected clock), the output is
 * marked idle so downstream operators stop waiting for this subtask's watermark.
 *
 * - Idleness is evaluated only in {@link onPeriodicEmit} via {@link IdlenessTimer}: the countdown starts at
 *   the first periodic emit that saw no event since the previous one, and the output is marked idle at
 *   the first periodic emit at which strictly more than `idleTimeoutMs` has elapsed since then. So idle is
 *   marked strictly later than the timeout after the last event, and at most the timeout plus three
 *   emit intervals after it (one emit to notice the event, one to start the countdown, one to pass it). `markIdle()` is called once per idle period; while idle, the wrapped
 *   generator's `onPeriodicEmit` is not called (as in Flink).
 * - On the next event, Weir calls `output.markActive()` (once, before delegating the event). Flink's
 *   version only clears its flag and relies on the next emitted watermark to re-activate the output;
 *   Weir makes re-activation explicit so the consumer sees it even when the event does not advance the
 *   watermark.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `idleTimeoutMs` is not a positive finite number
 *   (Flink: "idleTimeout must be greater than zero").
 * @see Flink's `org.apache.flink.api.common.eventtime.WatermarksWithIdleness`.
 */
export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private readonly timer: IdlenessTimer;
  private idleNow = false;

  /**
   * @param watermarks the wrapped generator.
   * @param idleTimeoutMs ms without events before the output is marked idle (> 0, finite).
   * @param clock processing-time clock; never `Date.now()` directly, so tests can use a ManualClock.
   */
  constructor(private readonly watermarks: WatermarkGenerator<T>, idleTimeoutMs: number, clock: Clock) {
    this.timer = new IdlenessTimer(clock, idleTimeoutMs);
  }

  /** True while the output is marked idle (between `markIdle()` and the next event). */
  get isIdle(): boolean {
    return this.idleNow;
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    if (this.idleNow) {
      this.idleNow = false;
      // Before delegating, so a watermark the wrapped generator emits for this event follows the status.
      output.markActive();
    }
    this.watermarks.onEvent(event, eventTimestamp, output);
    this.timer.activity();
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.timer.checkIfIdle()) {
      if (!this.idleNow) {
        output.markIdle();
        this.idleNow = true;
      }
    } else {
      this.watermarks.onPeriodicEmit(output);
    }
  }
}
