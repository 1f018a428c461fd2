/**
 * Flink's CoProcessOperator and KeyedCoProcessOperator: calls `processElement1(value, ctx, out)` or
 * `processElement2(value, ctx, out)` with a context giving the record's timestamp, side outputs and
 * (keyed) the current key and the timer service; fires `onTimer(timestamp, ctx, out)` for due
 * timers. Event-time timers advance with the combined watermark of both inputs (the minimum), so a
 * timer registered from input 1 fires only once input 2's watermark has passed it too. Shared
 * mechanics: {@link AbstractProcessOperator}.
 *
 * @see org.apache.flink.streaming.api.operators.co.CoProcessOperator
 * @see org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator
 */
import type { OnTimerContext } from '../api/functions.js';
import { AbstractProcessOperator, type OnTimerCall, type UserCall } from './abstract-process-operator.js';
import type { OperatorContext, Output, TwoInputStreamOperator } from './stream-operator.js';
import { resolveMethods } from './user-function.js';

/**
 * Runs a `CoProcessFunction` (non-keyed: no timers, no keyed state) or, on connected streams keyed
 * on both sides, a `KeyedCoProcessFunction` / `CoProcessFunction` with keyed state shared by both
 * inputs and timers.
 */
export class CoProcessOperator<IN1, IN2, OUT> extends AbstractProcessOperator implements TwoInputStreamOperator<IN1, IN2> {
  private readonly call1: UserCall;
  private readonly call2: UserCall;
  private readonly context: OnTimerContext<unknown>;

  constructor(ctx: OperatorContext, out: Output<OUT>, spec: unknown) {
    const r = resolveMethods(spec, ['processElement1', 'processElement2'], ctx, ['onTimer']);
    super(ctx, out as Output<unknown>, r.fn, r.optionalCalls.onTimer as OnTimerCall | undefined, 'connect two keyed streams, or keyBy(key1, key2) the connected streams');
    this.call1 = r.calls.processElement1 as UserCall;
    this.call2 = r.calls.processElement2 as UserCall;
    this.context = {
      timestamp: () => this.timestampOrNull(),
      output: (tag, value) => this.outputSide(tag, value),
      getCurrentKey: () => this.currentKey(),
      timerService: () => this.timerServiceView,
      timeDomain: () => this.domain,
    };
  }

  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.invoke(this.call1, this.context, value, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.invoke(this.call2, this.context, value, timestamp);
  }

  protected timerContext(): unknown {
    return this.context;
  }
}
