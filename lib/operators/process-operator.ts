/**
 * Flink's ProcessOperator and KeyedProcessOperator: call `processElement(value, ctx, out)` with a
 * context giving the timestamp, side outputs and (keyed) the current key and timer service; fire
 * `onTimer(timestamp, ctx, out)` for due timers. Records emitted from `processElement` carry the
 * input record's timestamp; from an event-time timer, the timer's timestamp; from a
 * processing-time timer, none (as Flink's TimestampedCollector).
 */
import type { KeyedProcessFunction, OnTimerContext, ProcessFunction, TimerService } from '../api/functions.js';
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError } from '../errors.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { InternalTimer, InternalTimerService, TimerTarget } from '../time/timer-service.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { resolveFunction, userError, type ResolvedFunction } from './user-function.js';

type ProcessCall<IN, OUT> = (v: IN, ctx: OnTimerContext<unknown>, out: SerialCollector<OUT>) => void | Promise<void>;
type OnTimerCall<OUT> = (timestamp: number, ctx: OnTimerContext<unknown>, out: SerialCollector<OUT>) => void | Promise<void>;

/** Runs a {@link ProcessFunction} or, on a keyed stream, a {@link KeyedProcessFunction}. */
export class ProcessOperator<IN, OUT> implements StreamOperator<IN>, TimerTarget {
  private readonly fn: ResolvedFunction<ProcessCall<IN, OUT>>;
  private readonly call: ProcessCall<IN, OUT>;
  private readonly onTimerCall: OnTimerCall<OUT> | undefined;
  private readonly collector: SerialCollector<OUT>;
  private readonly context: OnTimerContext<unknown>;
  private currentTimestamp = NO_TIMESTAMP;
  private domain: 'EVENT_TIME' | 'PROCESSING_TIME' = 'EVENT_TIME';
  private watermark = NO_TIMESTAMP;
  private service: InternalTimerService | undefined;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<OUT>,
    spec: ProcessFunction<IN, OUT> | KeyedProcessFunction<unknown, IN, OUT> | (new (...args: never[]) => ProcessFunction<IN, OUT> | KeyedProcessFunction<unknown, IN, OUT>),
  ) {
    this.fn = resolveFunction(spec, 'processElement', ctx);
    this.call = this.fn.call;
    const onTimer = (this.fn.instance as { onTimer?: OnTimerCall<OUT> } | undefined)?.onTimer;
    this.onTimerCall = typeof onTimer === 'function' ? onTimer.bind(this.fn.instance) : undefined;
    this.collector = new SerialCollector(out);
    const collector = this.collector;
    const op = this;
    const timers: TimerService = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => op.watermark,
      registerEventTimeTimer: (time) => op.timers().registerEventTimeTimer(op.currentKey(), time),
      registerProcessingTimeTimer: (time) => op.timers().registerProcessingTimeTimer(op.currentKey(), time),
      deleteEventTimeTimer: (time) => op.timers().deleteEventTimeTimer(op.currentKey(), time),
      deleteProcessingTimeTimer: (time) => op.timers().deleteProcessingTimeTimer(op.currentKey(), time),
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

  processElement(value: IN, timestamp: number): void | Promise<void> {
    this.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    let r: void | Promise<void>;
    try {
      r = this.call(value, this.context, this.collector);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    return this.settle(r, value);
  }

  /** Fires event-time timers up to the watermark, then forwards it (Flink's AbstractStreamOperator). */
  processWatermark(watermark: number): void | Promise<void> {
    if (watermark > this.watermark) this.watermark = watermark;
    const r = this.service?.advanceWatermark(watermark, this);
    if (r !== undefined) return r.then(() => this.out.emitWatermark(watermark));
    return this.out.emitWatermark(watermark);
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

  endInput(): void {}

  close(): void | Promise<void> {
    return this.fn.close();
  }

  private fire(timer: InternalTimer, domain: 'EVENT_TIME' | 'PROCESSING_TIME', outputTimestamp: number): void | Promise<void> {
    if (this.onTimerCall === undefined) return undefined;
    this.domain = domain;
    this.currentTimestamp = timer.timestamp;
    this.collector.timestamp = outputTimestamp;
    let r: void | Promise<void>;
    try {
      r = this.onTimerCall(timer.timestamp, this.context, this.collector);
    } catch (err) {
      throw userError(this.ctx, { timer: timer.timestamp, key: timer.key }, err);
    } finally {
      this.domain = 'EVENT_TIME';
    }
    return this.settle(r, { timer: timer.timestamp, key: timer.key });
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
    if (this.ctx.keyedBackend === undefined) throw new ConfigurationError(`operator '${this.ctx.operatorName}': the current key and timers need a keyed stream (use keyBy() first)`);
    return this.ctx.keyedBackend.currentKey;
  }

  private timers(): InternalTimerService {
    this.service ??= this.ctx.timerService(this);
    return this.service;
  }
}
