/**
 * Flink's CoProcessOperator and KeyedCoProcessOperator: calls `processElement1(value, ctx, out)` or
 * `processElement2(value, ctx, out)` with a context giving the record's timestamp, side outputs and
 * (keyed) the current key and the timer service; fires `onTimer(timestamp, ctx, out)` for due
 * timers. Event-time timers advance with the combined watermark of both inputs (the minimum), so a
 * timer registered from input 1 fires only once input 2's watermark has passed it too.
 *
 * Records emitted from `processElement1/2` carry the input record's timestamp; from an event-time
 * timer, the timer's timestamp; from a processing-time timer, none (Flink's TimestampedCollector).
 *
 * @see org.apache.flink.streaming.api.operators.co.CoProcessOperator
 * @see org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator
 */
import type { OnTimerContext, TimerService } from '../api/functions.js';
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError } from '../errors.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { InternalTimer, InternalTimerService, TimerTarget } from '../time/timer-service.js';
import type { OperatorContext, Output, TwoInputStreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { resolveMethods, userError, type ResolvedFunction } from './user-function.js';

type ProcessCall = (v: unknown, ctx: OnTimerContext<unknown>, out: SerialCollector<unknown>) => void | Promise<void>;
type OnTimerCall = (timestamp: number, ctx: OnTimerContext<unknown>, out: SerialCollector<unknown>) => void | Promise<void>;

/**
 * Runs a `CoProcessFunction` (non-keyed: no timers, no keyed state) or, on connected streams keyed
 * on both sides, a `KeyedCoProcessFunction` / `CoProcessFunction` with keyed state shared by both
 * inputs and timers.
 */
export class CoProcessOperator<IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2>, TimerTarget {
  private readonly fn: ResolvedFunction<(...args: never[]) => unknown>;
  private readonly call1: ProcessCall;
  private readonly call2: ProcessCall;
  private readonly onTimerCall: OnTimerCall | undefined;
  private readonly collector: SerialCollector<unknown>;
  private readonly context: OnTimerContext<unknown>;
  private currentTimestamp = NO_TIMESTAMP;
  private domain: 'EVENT_TIME' | 'PROCESSING_TIME' = 'EVENT_TIME';
  private watermark = NO_TIMESTAMP;
  private service: InternalTimerService | undefined;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<OUT>,
    spec: unknown,
  ) {
    const r = resolveMethods(spec, ['processElement1', 'processElement2'], ctx, ['onTimer']);
    this.fn = r.fn;
    this.call1 = r.calls.processElement1 as ProcessCall;
    this.call2 = r.calls.processElement2 as ProcessCall;
    this.onTimerCall = r.optionalCalls.onTimer as OnTimerCall | undefined;
    const collector = (this.collector = new SerialCollector(out as Output<unknown>));
    const op = this;
    const keyed = ctx.keyedBackend !== undefined;
    const noTimers = (): never => {
      throw new ConfigurationError(`operator '${ctx.operatorName}': Setting timers is only supported on a keyed streams (connect two keyed streams, or keyBy(key1, key2) the connected streams).`);
    };
    const timers: TimerService = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => op.watermark,
      registerEventTimeTimer: (time) => (keyed ? op.timers().registerEventTimeTimer(op.currentKey(), time) : noTimers()),
      registerProcessingTimeTimer: (time) => (keyed ? op.timers().registerProcessingTimeTimer(op.currentKey(), time) : noTimers()),
      deleteEventTimeTimer: (time) => (keyed ? op.timers().deleteEventTimeTimer(op.currentKey(), time) : noTimers()),
      deleteProcessingTimeTimer: (time) => (keyed ? op.timers().deleteProcessingTimeTimer(op.currentKey(), time) : noTimers()),
    };
    this.context = {
      timestamp: () => (op.currentTimestamp === NO_TIMESTAMP ? null : op.currentTimestamp),
      output<X>(tag: OutputTag<X>, value: X) {
        collector.collectSide(tag.id, value);
      },
      getCurrentKey: () => op.currentKey(),
      timerService: () => timers,
      timeDomain: () => op.domain,
    };
  }

  open(): void | Promise<void> {
    return this.fn.open();
  }

  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.process(this.call1, value, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.process(this.call2, value, timestamp);
  }

  /** Fires event-time timers up to the combined watermark, then forwards it. */
  processWatermark(watermark: number): void | Promise<void> {
    if (watermark > this.watermark) this.watermark = watermark;
    const r = this.service?.advanceWatermark(watermark, this);
    if (r !== undefined) return r.then(() => this.out.emitWatermark(watermark));
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}

  close(): void | Promise<void> {
    return this.fn.close();
  }

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

  private process(call: ProcessCall, value: unknown, timestamp: number): void | Promise<void> {
    this.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    let r: void | Promise<void>;
    try {
      r = call(value, this.context, this.collector);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    return this.settle(r, value);
  }

  private fire(timer: InternalTimer, domain: 'EVENT_TIME' | 'PROCESSING_TIME', outputTimestamp: number): void | Promise<void> {
    if (this.onTimerCall === undefined) return undefined;
    this.domain = domain;
    this.currentTimestamp = timer.timestamp;
    this.collector.timestamp = outputTimestamp;
    const record = { timer: timer.timestamp, key: timer.key };
    let r: void | Promise<void>;
    try {
      r = this.onTimerCall(timer.timestamp, this.context, this.collector);
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

  private currentKey(): unknown {
    if (this.ctx.keyedBackend === undefined) throw new ConfigurationError(`operator '${this.ctx.operatorName}': the current key and timers need connected streams keyed on both sides (keyBy(key1, key2))`);
    return this.ctx.keyedBackend.currentKey;
  }

  private timers(): InternalTimerService {
    this.service ??= this.ctx.timerService(this);
    return this.service;
  }
}
