/**
 * What Flink's process-style operators share (AbstractUdfStreamOperator with a
 * TimestampedCollector and an InternalTimerService): the current record's timestamp, the time
 * domain of a firing timer, the operator's watermark, a lazily created keyed timer service, the
 * {@link TimerService} view user functions get, event-time timers fired before the watermark is
 * forwarded, and the error/async handling around each user call. `ProcessOperator`,
 * `CoProcessOperator` and `CoBroadcastOperator` extend it and add only their inputs and contexts.
 *
 * Output timestamps: from a record, the record's; from an event-time timer, the timer's; from a
 * processing-time timer, none.
 *
 * Checkpoints: the keyed state and the timers live in the keyed backend and are snapshotted with
 * it; the checkpoint hooks go to the user function ({@link AbstractUdfOperator}). A keyed operator
 * creates its timer service in `open`, so timers restored from a snapshot fire even before the
 * function registers a new one.
 */
import type { OutputTag } from '../api/output-tag.js';
import type { TimerService } from '../api/functions.js';
import { ConfigurationError } from '../errors.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { InternalTimer, InternalTimerService, TimerTarget } from '../time/timer-service.js';
import type { OperatorContext, Output } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { userError, type ResolvedFunction } from './user-function.js';

/** A user call taking (value, context, collector). */
export type UserCall = (value: unknown, context: unknown, out: SerialCollector<unknown>) => void | Promise<void>;
/** A user `onTimer(timestamp, context, collector)`. */
export type OnTimerCall = (timestamp: number, context: unknown, out: SerialCollector<unknown>) => void | Promise<void>;

export abstract class AbstractProcessOperator extends AbstractUdfOperator implements TimerTarget {
  protected readonly collector: SerialCollector<unknown>;
  protected currentTimestamp = NO_TIMESTAMP;
  protected domain: 'EVENT_TIME' | 'PROCESSING_TIME' = 'EVENT_TIME';
  protected watermark = NO_TIMESTAMP;
  /** The timer service view handed to user functions; registering needs a keyed stream. */
  protected readonly timerServiceView: TimerService;
  private service: InternalTimerService | undefined;

  /**
   * @param notKeyedHint how to get a keyed stream, appended to the error thrown when keyed
   *   features are used on a non-keyed operator.
   */
  constructor(
    protected readonly ctx: OperatorContext,
    protected readonly out: Output<unknown>,
    protected readonly fn: ResolvedFunction<(...args: never[]) => unknown>,
    private readonly onTimerCall: OnTimerCall | undefined,
    private readonly notKeyedHint: string,
  ) {
    super(fn);
    this.collector = new SerialCollector(out);
    this.timerServiceView = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.watermark,
      registerEventTimeTimer: (time) => this.keyedTimers((t, key) => t.registerEventTimeTimer(key, time)),
      registerProcessingTimeTimer: (time) => this.keyedTimers((t, key) => t.registerProcessingTimeTimer(key, time)),
      deleteEventTimeTimer: (time) => this.keyedTimers((t, key) => t.deleteEventTimeTimer(key, time)),
      deleteProcessingTimeTimer: (time) => this.keyedTimers((t, key) => t.deleteProcessingTimeTimer(key, time)),
    };
  }

  /** The context `onTimer` receives. */
  protected abstract timerContext(): unknown;

  /** Creates the keyed timer service (so restored timers fire), then opens the function. */
  override open(): void | Promise<void> {
    if (this.ctx.keyedBackend !== undefined) this.service ??= this.ctx.timerService(this);
    return super.open();
  }

  /** Fires event-time timers up to the watermark, then forwards it (Flink's AbstractStreamOperator). */
  processWatermark(watermark: number): void | Promise<void> {
    if (watermark > this.watermark) this.watermark = watermark;
    const r = this.service?.advanceWatermark(watermark, this);
    if (r !== undefined) return r.then(() => this.out.emitWatermark(watermark));
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}

  /** @internal TimerTarget */
  setCurrentKey(key: unknown): void {
    this.ctx.keyedBackend!.setCurrentKey(key);
  }

  /** @internal TimerTarget */
  onEventTime(timer: InternalTimer): void | Promise<void> {
    return this.fire(timer, 'EVENT_TIME', timer.timestamp);
  }

  /** @internal TimerTarget */
  onProcessingTime(timer: InternalTimer): void | Promise<void> {
    return this.fire(timer, 'PROCESSING_TIME', NO_TIMESTAMP);
  }

  /** `ctx.timestamp()`: the current record's (or timer's) timestamp, or null. */
  protected timestampOrNull(): number | null {
    return this.currentTimestamp === NO_TIMESTAMP ? null : this.currentTimestamp;
  }

  /** `ctx.output(tag, value)`, ordered with the main output. */
  protected outputSide<X>(tag: OutputTag<X>, value: X): void {
    this.collector.collectSide(tag.id, value);
  }

  /** Calls a user function for one record, wrapping failures with operator, subtask and record. */
  protected invoke(call: UserCall, context: unknown, value: unknown, timestamp: number): void | Promise<void> {
    this.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    let r: void | Promise<void>;
    try {
      r = call(value, context, this.collector);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    return this.settle(r, value);
  }

  /**
   * The current key.
   * @throws ConfigurationError on a non-keyed operator.
   */
  protected currentKey(): unknown {
    if (this.ctx.keyedBackend === undefined) throw this.notKeyed('the current key and timers');
    return this.ctx.keyedBackend.currentKey;
  }

  /** The error for a keyed feature used without keys. */
  protected notKeyed(what: string): ConfigurationError {
    return new ConfigurationError(`operator '${this.ctx.operatorName}': ${what} are only supported on a keyed stream (${this.notKeyedHint})`);
  }

  private fire(timer: InternalTimer, domain: 'EVENT_TIME' | 'PROCESSING_TIME', outputTimestamp: number): void | Promise<void> {
    if (this.onTimerCall === undefined) return undefined;
    this.domain = domain;
    this.currentTimestamp = timer.timestamp;
    this.collector.timestamp = outputTimestamp;
    const record = { timer: timer.timestamp, key: timer.key };
    let r: void | Promise<void>;
    try {
      r = this.onTimerCall(timer.timestamp, this.timerContext(), this.collector);
    } catch (err) {
      throw userError(this.ctx, record, err);
    } finally {
      this.domain = 'EVENT_TIME';
    }
    return this.settle(r, record);
  }

  private settle(r: void | Promise<void>, record: unknown): void | Promise<void> {
    if (r instanceof Promise) {
      return r.then(
        () => this.collector.takePending(),
        (err: unknown) => {
          throw userError(this.ctx, record, err);
        },
      );
    }
    return this.collector.takePending();
  }

  /** Runs `f` with the timer service and the current key (the key check comes first, for its message). */
  private keyedTimers(f: (service: InternalTimerService, key: unknown) => void): void {
    const key = this.currentKey();
    this.service ??= this.ctx.timerService(this);
    f(this.service, key);
  }
}
