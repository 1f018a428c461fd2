/**
 * Interval joins of two keyed streams (Flink's `KeyedStream.IntervalJoin` and `IntervalJoined`):
 *
 *     left.intervalJoin(right).between(lowerMs, upperMs).process(processJoinFunction)
 *
 * joins a left element at `l` with every right element of the same key at `r` where
 * `l + lowerMs <= r <= l + upperMs` (both bounds inclusive by default; see
 * {@link IntervalJoined.lowerBoundExclusive} / {@link IntervalJoined.upperBoundExclusive}). Event
 * time only; results carry `max(l, r)`. Elements below the current watermark are late and dropped
 * (or sent to a side output, Flink 1.18's `sideOutputLeftLateData` / `sideOutputRightLateData`);
 * buffered elements are removed once the watermark passes the last time they could join.
 *
 * @see org.apache.flink.streaming.api.datastream.KeyedStream.IntervalJoin
 * @see org.apache.flink.streaming.api.operators.co.IntervalJoinOperator
 * @example
 * // Each order with the shipments of the same order id in the following hour.
 * orders.keyBy((o) => o.id).intervalJoin(shipments.keyBy((s) => s.orderId))
 *   .between(0, 3_600_000)
 *   .process((order, shipment, ctx, out) => out.collect({ order, shipment, at: ctx.getTimestamp() }));
 */
import './keyed-stream.js'; // before data-stream.js: see the note in lib/index.ts
import { ConfigurationError } from '../errors.js';
import { IntervalJoinOperator } from '../operators/interval-join-operator.js';
import type { ProcessJoinFunctionSpec } from './co-functions.js';
import { twoInputTransform } from './connected-streams.js';
import type { SingleOutputStreamOperator } from './data-stream.js';
import type { KeyedStream } from './keyed-stream.js';
import type { OutputTag } from './output-tag.js';

/** `left.intervalJoin(right)`: set the interval with {@link between} (Flink's `IntervalJoin`). */
export class IntervalJoin<T1, T2, K> {
  /** @internal use `keyedStream.intervalJoin(otherKeyedStream)`. */
  constructor(
    private readonly left: KeyedStream<T1, K>,
    private readonly right: KeyedStream<T2, K>,
  ) {
    if (left.environment !== right.environment) throw new ConfigurationError('intervalJoin() of streams from different environments');
  }

  /**
   * Joins right elements with timestamps in `[l + lowerBoundMs, l + upperBoundMs]` of a left
   * element's timestamp `l` (ms, may be negative).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless both are integers with
   *   `lowerBoundMs <= upperBoundMs` (Flink: "lowerBound <= upperBound must be fulfilled").
   */
  between(lowerBoundMs: number, upperBoundMs: number): IntervalJoined<T1, T2, K> {
    if (!Number.isSafeInteger(lowerBoundMs) || !Number.isSafeInteger(upperBoundMs)) throw new ConfigurationError(`interval join bounds must be integer ms, got [${lowerBoundMs}, ${upperBoundMs}]`);
    if (lowerBoundMs > upperBoundMs) throw new ConfigurationError(`lowerBound <= upperBound must be fulfilled (got ${lowerBoundMs} > ${upperBoundMs})`);
    return new IntervalJoined<T1, T2, K>(this.left, this.right, lowerBoundMs, upperBoundMs);
  }
}

/** An interval join with its bounds; finish with {@link process} (Flink's `IntervalJoined`). */
export class IntervalJoined<T1, T2, K> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLateTag: OutputTag<T1> | undefined;
  private rightLateTag: OutputTag<T2> | undefined;

  /** @internal use `intervalJoin(...).between(lower, upper)`. */
  constructor(
    private readonly left: KeyedStream<T1, K>,
    private readonly right: KeyedStream<T2, K>,
    private readonly lowerBound: number,
    private readonly upperBound: number,
  ) {}

  /** Excludes the lower bound: `r > l + lowerBound`. */
  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }

  /** Excludes the upper bound: `r < l + upperBound`. */
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }

  /** Sends late left elements (timestamp below the watermark) to `tag` instead of dropping them (Flink 1.18+). */
  sideOutputLeftLateData(tag: OutputTag<T1>): this {
    this.leftLateTag = tag;
    return this;
  }

  /** Sends late right elements (timestamp below the watermark) to `tag` instead of dropping them (Flink 1.18+). */
  sideOutputRightLateData(tag: OutputTag<T2>): this {
    this.rightLateTag = tag;
    return this;
  }

  /**
   * Calls `fn.processElement(left, right, ctx, out)` for every joined pair (operator "Interval
   * Join", keyed on both inputs).
   */
  process<R>(fn: ProcessJoinFunctionSpec<T1, T2, R>): SingleOutputStreamOperator<R> {
    const options = {
      lowerBound: this.lowerBound,
      upperBound: this.upperBound,
      lowerBoundInclusive: this.lowerInclusive,
      upperBoundInclusive: this.upperInclusive,
      leftLateDataTag: this.leftLateTag as OutputTag<unknown> | undefined,
      rightLateDataTag: this.rightLateTag as OutputTag<unknown> | undefined,
    };
    return twoInputTransform<R>(
      this.left.environment,
      'Interval Join',
      this.left.transformation,
      this.right.transformation,
      (ctx, out) => new IntervalJoinOperator<T1, T2, R>(ctx, out, fn, options),
      this.left.keySelector,
      this.right.keySelector,
    );
  }
}
