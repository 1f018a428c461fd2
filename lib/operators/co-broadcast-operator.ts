/**
 * Flink's CoBroadcastWithNonKeyedOperator and CoBroadcastWithKeyedOperator: input 1 is the
 * (keyed or non-keyed) data stream, input 2 the broadcast stream (partitioned with the broadcast
 * partitioner, so every subtask sees every broadcast element). The broadcast states (one map per
 * descriptor given to `broadcast(...)`) are operator state: they live in the operator's
 * `ctx.operatorStateStore` ({@link BroadcastStateStore}), so checkpoints snapshot them and a
 * restore gives every subtask a copy. Keyed state and timers (keyed input 1) are in the keyed
 * backend; the checkpoint hooks go to the user function.
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
import { BroadcastStateStore } from '../state/broadcast-state.js';
import type { MapStateDescriptor, StateDescriptor } from '../state/descriptors.js';
import type { OutputTag } from '../api/output-tag.js';
import { AbstractProcessOperator, type OnTimerCall, type UserCall } from './abstract-process-operator.js';
import type { OperatorContext, Output, TwoInputStreamOperator } from './stream-operator.js';
import { resolveMethods } from './user-function.js';

/** Runs a `BroadcastProcessFunction` (non-keyed input 1) or a `KeyedBroadcastProcessFunction` (keyed input 1). */
export class CoBroadcastOperator<IN1, IN2, OUT> extends AbstractProcessOperator implements TwoInputStreamOperator<IN1, IN2> {
  /** This subtask's broadcast states. */
  readonly broadcastStates: BroadcastStateStore;
  private readonly callElement: UserCall;
  private readonly callBroadcast: UserCall;
  private readonly readOnlyCtx: KeyedBroadcastOnTimerContext<unknown>;
  private readonly broadcastCtx: KeyedBroadcastContext<unknown>;

  /**
   * @param descriptors the broadcast state descriptors given to `broadcast(...)`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the function lacks `processElement` or
   *   `processBroadcastElement`, or two descriptors share a name.
   */
  constructor(ctx: OperatorContext, out: Output<OUT>, spec: unknown, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    const r = resolveMethods(spec, ['processElement', 'processBroadcastElement'], ctx, ['onTimer']);
    super(ctx, out as Output<unknown>, r.fn, r.optionalCalls.onTimer as OnTimerCall | undefined, 'keyBy() before connect(), and a KeyedBroadcastProcessFunction');
    this.callElement = r.calls.processElement as UserCall;
    this.callBroadcast = r.calls.processBroadcastElement as UserCall;
    this.broadcastStates = new BroadcastStateStore(descriptors, ctx.operatorStateStore);
    const keyed = ctx.keyedBackend !== undefined;
    const base = {
      timestamp: () => this.timestampOrNull(),
      output: <X>(tag: OutputTag<X>, value: X) => this.outputSide(tag, value),
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.watermark,
    };
    this.readOnlyCtx = {
      ...base,
      getBroadcastState: (d) => this.broadcastStates.getReadOnly(d),
      getCurrentKey: () => this.currentKey(),
      timerService: () => {
        if (!keyed) throw this.notKeyed('timers');
        return this.timerServiceView;
      },
      timeDomain: () => this.domain,
    };
    this.broadcastCtx = {
      ...base,
      getBroadcastState: (d) => this.broadcastStates.get(d),
      applyToKeyedState: (d: StateDescriptor<unknown>, f: (key: unknown, state: never) => void) => {
        if (ctx.keyedBackend === undefined) throw this.notKeyed('applyToKeyedState');
        ctx.keyedBackend.applyToAllKeys(d, f);
      },
    } as KeyedBroadcastContext<unknown>;
  }

  /** A record of the data stream (key context already set when keyed). */
  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.invoke(this.callElement, this.readOnlyCtx, value, timestamp);
  }

  /** A broadcast element. */
  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.invoke(this.callBroadcast, this.broadcastCtx, value, timestamp);
  }

  protected timerContext(): unknown {
    return this.readOnlyCtx;
  }
}
