/**
 * Flink's ProcessOperator and KeyedProcessOperator: call `processElement(value, ctx, out)` with a
 * context giving the timestamp, side outputs and (keyed) the current key and timer service; fire
 * `onTimer(timestamp, ctx, out)` for due timers (see {@link AbstractProcessOperator}).
 */
import type { KeyedProcessFunction, OnTimerContext, ProcessFunction } from '../api/functions.js';
import { AbstractProcessOperator, type OnTimerCall, type UserCall } from './abstract-process-operator.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { resolveFunction } from './user-function.js';

/** Runs a {@link ProcessFunction} or, on a keyed stream, a {@link KeyedProcessFunction}. */
export class ProcessOperator<IN, OUT> extends AbstractProcessOperator implements StreamOperator<IN> {
  private readonly call: UserCall;
  private readonly context: OnTimerContext<unknown>;

  constructor(
    ctx: OperatorContext,
    out: Output<OUT>,
    spec: ProcessFunction<IN, OUT> | KeyedProcessFunction<unknown, IN, OUT> | (new (...args: never[]) => ProcessFunction<IN, OUT> | KeyedProcessFunction<unknown, IN, OUT>),
  ) {
    const fn = resolveFunction<(...args: never[]) => unknown>(spec, 'processElement', ctx);
    const onTimer = (fn.instance as { onTimer?: OnTimerCall } | undefined)?.onTimer;
    super(ctx, out as Output<unknown>, fn, typeof onTimer === 'function' ? onTimer.bind(fn.instance) : undefined, 'use keyBy() first');
    this.call = fn.call as unknown as UserCall;
    this.context = {
      timestamp: () => this.timestampOrNull(),
      output: (tag, value) => this.outputSide(tag, value),
      getCurrentKey: () => this.currentKey(),
      timerService: () => this.timerServiceView,
      timeDomain: () => this.domain,
    };
  }

  processElement(value: IN, timestamp: number): void | Promise<void> {
    return this.invoke(this.call, this.context, value, timestamp);
  }

  protected timerContext(): unknown {
    return this.context;
  }
}
