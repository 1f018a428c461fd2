/**
 * Flink's CoBroadcastWithNonKeyedOperator and CoBroadcastWithKeyedOperator: input 1 is the
 * (keyed or non-keyed) data stream, input 2 the broadcast stream (partitioned with the broadcast
 * partitioner, so every subtask sees every broadcast element). Each operator instance owns its
 * broadcast states ({@link BroadcastStateStore}, one map per descriptor given to
 * `broadcast(...)`), in memory.
 *
 * - `processElement(value, readOnlyCtx, out)` for input 1: read-only broadcast state; keyed: the
 *   current key, keyed state and timers.
 * - `processBroadcastElement(value, ctx, out)` for input 2: writable broadcast state; keyed:
 *   `ctx.applyToKeyedState(descriptor, fn)` over every key of this subtask with that state. There is
 *   no current key on the broadcast side.
 * - keyed `onTimer(timestamp, ctx, out)` for due timers.
 *
 * No order holds between the two inputs (as in Flink): a data element may be processed before a
 * broadcast element that was sent earlier.
 *
 * @see org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator
 * @see org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator
 */
import type { KeyedBroadcastContext, KeyedBroadcastOnTimerContext } from '../api/co-functions.js';
import type { TimerService } from '../api/functions.js';
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError } from '../errors.js';
import { BroadcastStateStore } from '../state/broadcast-state.js';
import type { MapStateDescriptor, StateDescriptor } from '../state/descriptors.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { InternalTimer, InternalTimerService, TimerTarget } from '../time/timer-service.js';
import type { OperatorContext, Output, TwoInputStreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { resolveMethods, userError, type ResolvedFunction } from './user-function.js';

type Call = (v: unknown, ctx: unknown, out: SerialCollector<unknown>) => void | Promise<void>;
type OnTimerCall = (timestamp: number, ctx: unknown, out: SerialCollector<unknown>) => void | Promise<void>;

/** Runs a `BroadcastProcessFunction` (non-keyed input 1) or a `KeyedBroadcastProcessFunction` (keyed input 1). */
export class CoBroadcastOperator<IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2>, TimerTarget {
  /** This subtask's broadcast states. */
  readonly broadcastStates: BroadcastStateStore;
  private readonly fn: ResolvedFunction<(...args: never[]) => unknown>;
  private readonly callElement: Call;
  private readonly callBroadcast: Call;
  private readonly onTimerCall: OnTimerCall | undefined;
  private readonly collector: SerialCollector<unknown>;
  private readonly readOnlyCtx: KeyedBroadcastOnTimerContext<unknown>;
  private readonly broadcastCtx: KeyedBroadcastContext<unknown>;
  private currentTimestamp = NO_TIMESTAMP;
  private domain: 'EVENT_TIME' | 'PROCESSING_TIME' = 'EVENT_TIME';
  private watermark = NO_TIMESTAMP;
  private service: InternalTimerService | undefined;

  /**
   * @param descriptors the broadcast state descriptors given to `broadcast(...)`.
   * @throws ConfigurationError when the function lacks `processElement` or `processBroadcastElement`.
   */
  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<OUT>,
    spec: unknown,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    const r = resolveMethods(spec, ['processElement', 'processBroadcastElement'], ctx, ['onTimer']);
    this.fn = r.fn;
    this.callElement = r.calls.processElement as Call;
    this.callBroadcast = r.calls.processBroadcastElement as Call;
    this.onTimerCall = r.optionalCalls.onTimer as OnTimerCall | undefined;
    this.broadcastStates = new BroadcastStateStore(descriptors);
    const collector = (this.collector = new SerialCollector(out as Output<unknown>));
    const op = this;
    const keyed = ctx.keyedBackend !== undefined;
    const timers: TimerService = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => op.watermark,
      registerEventTimeTimer: (time) => op.timers().registerEventTimeTimer(op.currentKey(), time),
      registerProcessingTimeTimer: (time) => op.timers().registerProcessingTimeTimer(op.currentKey(), time),
      deleteEventTimeTimer: (time) => op.timers().deleteEventTimeTimer(op.currentKey(), time),
      deleteProcessingTimeTimer: (time) => op.timers().deleteProcessingTimeTimer(op.currentKey(), time),
    };
    const base = {
      timestamp: () => (op.currentTimestamp === NO_TIMESTAMP ? null : op.currentTimestamp),
      output<X>(tag: OutputTag<X>, value: X) {
        collector.collectSide(tag.id, value);
      },
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => op.watermark,
    };
    this.readOnlyCtx = {
      ...base,
      getBroadcastState: (d) => op.broadcastStates.getReadOnly(d),
      getCurrentKey: () => op.currentKey(),
      timerService: () => (keyed ? timers : op.notKeyed('timers')),
      timeDomain: () => op.domain,
    };
    this.broadcastCtx = {
      ...base,
      getBroadcastState: (d) => op.broadcastStates.get(d),
      applyToKeyedState: (d: StateDescriptor<unknown>, f: (key: unknown, state: never) => void) => {
        if (ctx.keyedBackend === undefined) op.notKeyed('applyToKeyedState');
        else ctx.keyedBackend.applyToAllKeys(d, f);
      },
    } as KeyedBroadcastContext<unknown>;
  }

  open(): void | Promise<void> {
    return this.fn.open();
  }

  /** A record of the data stream (key context already set when keyed). */
  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.process(this.callElement, this.readOnlyCtx, value, timestamp);
  }

  /** A broadcast element. */
  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.process(this.callBroadcast, this.broadcastCtx, value, timestamp);
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

  private process(call: Call, context: unknown, value: unknown, timestamp: number): void | Promise<void> {
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

  private fire(timer: InternalTimer, domain: 'EVENT_TIME' | 'PROCESSING_TIME', outputTimestamp: number): void | Promise<void> {
    if (this.onTimerCall === undefined) return undefined;
    this.domain = domain;
    this.currentTimestamp = timer.timestamp;
    this.collector.timestamp = outputTimestamp;
    const record = { timer: timer.timestamp, key: timer.key };
    let r: void | Promise<void>;
    try {
      r = this.onTimerCall(timer.timestamp, this.readOnlyCtx, this.collector);
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

  private notKeyed(what: string): never {
    throw new ConfigurationError(`operator '${this.ctx.operatorName}': ${what} need a keyed stream connected to the broadcast stream (keyBy() before connect(), and a KeyedBroadcastProcessFunction)`);
  }

  private currentKey(): unknown {
    if (this.ctx.keyedBackend === undefined) return this.notKeyed('the current key and timers');
    return this.ctx.keyedBackend.currentKey;
  }

  private timers(): InternalTimerService {
    this.service ??= this.ctx.timerService(this);
    return this.service;
  }
}
