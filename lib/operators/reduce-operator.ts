/**
 * Flink's StreamGroupedReduceOperator: keeps the running reduction per key in keyed state and
 * emits it after every record (the first record of a key is emitted as is).
 */
import type { ReduceFunction } from '../api/functions.js';
import { ConfigurationError } from '../errors.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import type { ValueState } from '../state/keyed-state.js';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { resolveFunction, userError } from './user-function.js';

/**
 * Runs a {@link ReduceFunction} per key; the running value is keyed state (`'_reduce'`), so it is
 * part of every snapshot. Checkpoint hooks go to the function ({@link AbstractUdfOperator}).
 */
export class ReduceOperator<T> extends AbstractUdfOperator implements StreamOperator<T> {
  private readonly call: (a: T, b: T) => T | Promise<T>;
  private readonly state: ValueState<T>;

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed stream. */
  constructor(private readonly ctx: OperatorContext, private readonly out: Output<T>, spec: ReduceFunction<T>) {
    const fn = resolveFunction<(a: T, b: T) => T | Promise<T>>(spec, 'reduce', ctx);
    super(fn);
    this.call = fn.call;
    if (ctx.keyedBackend === undefined) throw new ConfigurationError(`operator '${ctx.operatorName}': reduce needs a keyed stream`);
    this.state = ctx.keyedBackend.getState(new ValueStateDescriptor<T>('_reduce'));
  }

  processElement(value: T, timestamp: number): void | Promise<void> {
    const current = this.state.value();
    if (current === null) {
      this.state.update(value);
      return this.out.collect(value, timestamp);
    }
    let r: T | Promise<T>;
    try {
      r = this.call(current, value);
    } catch (err) {
      throw userError(this.ctx, value, err);
    }
    if (r instanceof Promise) {
      // The key context may change while awaiting, so capture the state write with the key.
      const backend = this.ctx.keyedBackend!;
      const key = backend.currentKey;
      return r.then(
        (x) => {
          backend.setCurrentKey(key);
          this.state.update(x);
          return this.out.collect(x, timestamp);
        },
        (err: unknown) => {
          throw userError(this.ctx, value, err);
        },
      );
    }
    this.state.update(r);
    return this.out.collect(r, timestamp);
  }

  processWatermark(watermark: number): void | Promise<void> {
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}
}
