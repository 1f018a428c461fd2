/**
 * Flink's ProcessOperator and KeyedProcessOperator: call `processElement(value, ctx, out)` with a
 * context giving the timestamp, side outputs and (keyed) the current key and timer service.
 */
import type { KeyedProcessContext, KeyedProcessFunction, ProcessContext, ProcessFunction, TimerService } from '../api/functions.js';
import type { OutputTag } from '../api/output-tag.js';
import { WeirError } from '../errors.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { resolveFunction, userError, type ResolvedFunction } from './user-function.js';

type ProcessCall<IN, OUT> = (v: IN, ctx: KeyedProcessContext<unknown>, out: SerialCollector<OUT>) => void | Promise<void>;

/** Runs a {@link ProcessFunction} or, on a keyed stream, a {@link KeyedProcessFunction}. */
export class ProcessOperator<IN, OUT> implements StreamOperator<IN> {
  private readonly fn: ResolvedFunction<ProcessCall<IN, OUT>>;
  private readonly call: ProcessCall<IN, OUT>;
  private readonly collector: SerialCollector<OUT>;
  private readonly processContext: KeyedProcessContext<unknown>;
  private currentTimestamp = NO_TIMESTAMP;

  constructor(
    private readonly ctx: OperatorContext,
    out: Output<OUT>,
    spec: ProcessFunction<IN, OUT> | KeyedProcessFunction<unknown, IN, OUT> | (new (...args: never[]) => ProcessFunction<IN, OUT> | KeyedProcessFunction<unknown, IN, OUT>),
  ) {
    this.fn = resolveFunction(spec, 'processElement', ctx);
    this.call = this.fn.call;
    this.collector = new SerialCollector(out);
    const collector = this.collector;
    const op = this;
    const timers: TimerService = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => NO_TIMESTAMP,
      registerEventTimeTimer: unsupportedTimers,
      registerProcessingTimeTimer: unsupportedTimers,
      deleteEventTimeTimer: unsupportedTimers,
      deleteProcessingTimeTimer: unsupportedTimers,
    };
    this.processContext = {
      timestamp: () => (op.currentTimestamp === NO_TIMESTAMP ? null : op.currentTimestamp),
      output<X>(tag: OutputTag<X>, value: X) {
        collector.collectSide(tag.id, value);
      },
      getCurrentKey: () => {
        if (ctx.keyedBackend === undefined) throw new WeirError('WEIR_ERR_CONFIG', `operator '${ctx.operatorName}': getCurrentKey() needs a keyed stream`);
        return ctx.keyedBackend.currentKey;
      },
      timerService: () => timers,
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
      r = this.call(value, this.processContext, this.collector);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r instanceof Promise) {
      return r.then(
        () => this.collector.takePending(),
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    return this.collector.takePending();
  }

  endInput(): void {}

  close(): void | Promise<void> {
    return this.fn.close();
  }
}

function unsupportedTimers(): never {
  throw new WeirError('WEIR_ERR_UNSUPPORTED', 'timers need event-time support, which arrives with the event-time issue (#3); keyed state already works');
}
