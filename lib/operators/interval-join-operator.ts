/**
 * Flink's IntervalJoinOperator: joins the elements of two keyed streams whose timestamps lie within
 * an interval of each other. A left element at `l` and a right element at `r` with the same key
 * are joined when
 *
 *     l + lowerBound <= r <= l + upperBound        (bounds inclusive; each may be made exclusive)
 *
 * which, as in Flink, is implemented with inclusive bounds after `lower + 1` / `upper - 1` for
 * exclusive ones (timestamps are whole ms). Each result is emitted by the user's
 * `ProcessJoinFunction` with timestamp `max(l, r)`.
 *
 * State: per key, a buffer per side in keyed map state, `timestamp → elements`. Each element is
 * first checked for lateness (`timestamp < current watermark`: dropped, or sent to the side's late
 * data tag), then added to its buffer, joined with every bucket of the other buffer in range, and a
 * cleanup timer is registered:
 *
 *     left element at l:  cleanup at l + upperBound   (at l when upperBound <= 0)
 *     right element at r: cleanup at r - lowerBound   (at r when lowerBound >= 0)
 *
 * When the (combined) watermark reaches a cleanup time the bucket is removed: no later element can
 * join it, since later elements below the watermark are late. Flink keeps one timer namespace per
 * side; Weir's timer service has none, so a timer at `t` removes both the left bucket and the right
 * bucket whose cleanup time is `t` (each bucket's cleanup time is a bijection of its timestamp, so
 * this removes exactly what Flink's two timers at `t` would).
 *
 * Checkpoints: both buffers are keyed map state and the cleanup timers live in the keyed
 * backend's timer storage, so the backend's snapshot is the whole join state; the checkpoint
 * hooks go to the `ProcessJoinFunction` ({@link AbstractUdfOperator}).
 *
 * @see org.apache.flink.streaming.api.operators.co.IntervalJoinOperator
 */
import type { ProcessJoinContext } from '../api/co-functions.js';
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError, WeirError } from '../errors.js';
import { MapStateDescriptor } from '../state/descriptors.js';
import type { MapState } from '../state/keyed-state.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import type { InternalTimer, InternalTimerService, TimerTarget } from '../time/timer-service.js';
import type { OperatorContext, Output, TwoInputStreamOperator } from './stream-operator.js';
import { SerialCollector } from './serial-collector.js';
import { AbstractUdfOperator } from './abstract-udf-operator.js';
import { resolveFunction, userError } from './user-function.js';

/** Configuration of an {@link IntervalJoinOperator}; bounds in ms relative to the left element. */
export interface IntervalJoinOptions {
  lowerBound: number;
  upperBound: number;
  lowerBoundInclusive: boolean;
  upperBoundInclusive: boolean;
  /** Late left elements go here (Flink 1.18's `sideOutputLeftLateData`); dropped when undefined. */
  leftLateDataTag: OutputTag<unknown> | undefined;
  /** Late right elements go here (Flink 1.18's `sideOutputRightLateData`); dropped when undefined. */
  rightLateDataTag: OutputTag<unknown> | undefined;
}

type JoinCall = (left: unknown, right: unknown, ctx: ProcessJoinContext, out: SerialCollector<unknown>) => void | Promise<void>;

/** Runs a `ProcessJoinFunction` over the pairs of an interval join (keyed on both inputs). */
export class IntervalJoinOperator<IN1, IN2, OUT> extends AbstractUdfOperator implements TwoInputStreamOperator<IN1, IN2>, TimerTarget {
  /** Elements dropped for being late (timestamp below the watermark), when no late tag is set. */
  lateRecordsDropped = 0;
  private readonly lowerBound: number;
  private readonly upperBound: number;
  private readonly call: JoinCall;
  private readonly collector: SerialCollector<unknown>;
  private readonly context: ProcessJoinContext;
  private readonly left: MapState<number, unknown[]>;
  private readonly right: MapState<number, unknown[]>;
  private leftTs = NO_TIMESTAMP;
  private rightTs = NO_TIMESTAMP;
  private resultTs = NO_TIMESTAMP;
  private service: InternalTimerService | undefined;

  /**
   * Bounds made inclusive may leave an empty interval (e.g. `between(0, 0)` with an exclusive bound):
   * then nothing joins, as in Flink.
   * @throws ConfigurationError when the operator is not keyed.
   */
  constructor(
    private readonly ctx: OperatorContext,
    private readonly out: Output<OUT>,
    spec: unknown,
    private readonly options: IntervalJoinOptions,
  ) {
    const backend = ctx.keyedBackend;
    if (backend === undefined) throw new ConfigurationError(`operator '${ctx.operatorName}': an interval join needs two keyed streams`);
    const fn = resolveFunction<JoinCall>(spec, 'processElement', ctx);
    super(fn);
    this.lowerBound = options.lowerBoundInclusive ? options.lowerBound : options.lowerBound + 1;
    this.upperBound = options.upperBoundInclusive ? options.upperBound : options.upperBound - 1;
    this.call = fn.call;
    const collector = (this.collector = new SerialCollector(out as Output<unknown>));
    this.left = backend.getMapState(new MapStateDescriptor<number, unknown[]>('_interval-join-left'));
    this.right = backend.getMapState(new MapStateDescriptor<number, unknown[]>('_interval-join-right'));
    const op = this;
    this.context = {
      getLeftTimestamp: () => op.leftTs,
      getRightTimestamp: () => op.rightTs,
      getTimestamp: () => op.resultTs,
      output<X>(tag: OutputTag<X>, value: X) {
        collector.collectSide(tag.id, value);
      },
    };
  }

  /** Creates the timer service (restored cleanup timers are handed to it), then opens the function. */
  override open(): void | Promise<void> {
    this.timers();
    return super.open();
  }

  /** A left element (key context set). */
  processElement1(value: IN1, timestamp: number): void | Promise<void> {
    return this.process(value, timestamp, true);
  }

  /** A right element (key context set). */
  processElement2(value: IN2, timestamp: number): void | Promise<void> {
    return this.process(value, timestamp, false);
  }

  /** Removes buffers whose cleanup time the combined watermark reached, then forwards it. */
  processWatermark(watermark: number): void | Promise<void> {
    const r = this.timers().advanceWatermark(watermark, this);
    if (r !== undefined) return r.then(() => this.out.emitWatermark(watermark));
    return this.out.emitWatermark(watermark);
  }

  endInput(): void {}

  /** @internal TimerTarget */
  setCurrentKey(key: unknown): void {
    this.ctx.keyedBackend!.setCurrentKey(key);
  }

  /** @internal TimerTarget: the cleanup timer at `t` (see the module docstring). */
  onEventTime(timer: InternalTimer): void {
    const t = timer.timestamp;
    this.left.remove(this.upperBound <= 0 ? t : t - this.upperBound);
    this.right.remove(this.lowerBound <= 0 ? t + this.lowerBound : t);
  }

  /** @internal TimerTarget: the operator registers no processing-time timers. */
  onProcessingTime(): void {}

  /** Number of buffered elements of the current key, per side (for tests). */
  bufferedCounts(): { left: number; right: number } {
    const count = (s: MapState<number, unknown[]>): number => {
      let n = 0;
      for (const b of s.values()) n += b.length;
      return n;
    };
    return { left: count(this.left), right: count(this.right) };
  }

  private process(value: unknown, timestamp: number, isLeft: boolean): void | Promise<void> {
    if (timestamp === NO_TIMESTAMP) {
      throw userError(this.ctx, value, new WeirError('WEIR_ERR_NO_TIMESTAMP', 'Long.MIN_VALUE timestamp: Elements used in interval stream joins need to have timestamps meaningful timestamps (assign timestamps with a WatermarkStrategy).'));
    }
    const service = this.timers();
    if (timestamp < service.currentWatermark()) {
      const tag = isLeft ? this.options.leftLateDataTag : this.options.rightLateDataTag;
      if (tag === undefined) this.lateRecordsDropped++;
      else {
        this.collector.timestamp = timestamp;
        this.collector.collectSide(tag.id, value);
        return this.collector.takePending();
      }
      return undefined;
    }
    const ours = isLeft ? this.left : this.right;
    const other = isLeft ? this.right : this.left;
    const relLower = isLeft ? this.lowerBound : -this.upperBound;
    const relUpper = isLeft ? this.upperBound : -this.lowerBound;
    const bucket = ours.get(timestamp) ?? [];
    bucket.push(value);
    ours.put(timestamp, bucket);
    // Pairs first, then user calls: an async user function must not see the buffers change under it.
    const pairs: [unknown, number][] = [];
    for (const [ts, elements] of other.entries()) {
      if (ts < timestamp + relLower || ts > timestamp + relUpper) continue;
      for (const e of elements) pairs.push([e, ts]);
    }
    const cleanupTime = relUpper > 0 ? timestamp + relUpper : timestamp;
    service.registerEventTimeTimer(this.ctx.keyedBackend!.currentKey, cleanupTime);
    return this.emitPairs(value, timestamp, isLeft, pairs, 0);
  }

  private emitPairs(value: unknown, timestamp: number, isLeft: boolean, pairs: [unknown, number][], from: number): void | Promise<void> {
    for (let i = from; i < pairs.length; i++) {
      const [otherValue, otherTs] = pairs[i]!;
      const r = isLeft ? this.collect(value, otherValue, timestamp, otherTs) : this.collect(otherValue, value, otherTs, timestamp);
      if (r !== undefined) return r.then(() => this.emitPairs(value, timestamp, isLeft, pairs, i + 1));
    }
    return undefined;
  }

  /** Flink's `collect`: result timestamp = max of both, then the user function. */
  private collect(left: unknown, right: unknown, leftTs: number, rightTs: number): void | Promise<void> {
    const resultTs = Math.max(leftTs, rightTs);
    this.leftTs = leftTs;
    this.rightTs = rightTs;
    this.resultTs = resultTs;
    this.collector.timestamp = resultTs;
    const record = { left, right };
    let r: void | Promise<void>;
    try {
      r = this.call(left, right, this.context, this.collector);
    } catch (err) {
      throw userError(this.ctx, record, err);
    }
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

  private timers(): InternalTimerService {
    this.service ??= this.ctx.timerService(this);
    return this.service;
  }
}
