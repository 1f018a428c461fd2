/**
 * Drives one two-input operator of one subtask without a job (Flink's
 * `TwoInputStreamOperatorTestHarness` and, with key selectors, `KeyedTwoInputStreamOperatorTestHarness`):
 * the test pushes records into either input, watermarks into either input (combined as the runtime
 * combines them: minimum of both, emitted when it advances), moves processing time and reads what
 * the operator emitted. Every call is awaited before the next may start. Checkpoints as in the
 * one-input harness: `snapshot()`, then `initializeState(snapshot)` on a fresh harness before
 * `open()`; `TwoInputOperatorTestHarness.repartitionOperatorState` for another parallelism.
 *
 * @see org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness
 * @see org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness
 * @example
 * ```ts
 * const h = TwoInputOperatorTestHarness.forKeyedCoProcess(new EnrichRides(), (r: Ride) => r.rideId, (f: Fare) => f.rideId);
 * await h.open();
 * await h.processElement1(ride, 1000);
 * await h.processElement2(fare, 1200);
 * h.extractOutputValues(); // [[ride, fare]]
 * await h.processBothWatermarks(5000);
 * ```
 */
import type { CoFlatMapFunction, CoMapFunction, ProcessJoinFunctionSpec } from '../api/co-functions.js';
import type { FunctionClass, KeySelector } from '../api/functions.js';
import { ConfigurationError } from '../errors.js';
import { CoBroadcastOperator } from '../operators/co-broadcast-operator.js';
import { CoFlatMapOperator, CoMapOperator } from '../operators/co-map-operator.js';
import { CoProcessOperator } from '../operators/co-process-operator.js';
import { IntervalJoinOperator, type IntervalJoinOptions } from '../operators/interval-join-operator.js';
import type { TwoInputOperatorFactory, TwoInputStreamOperator } from '../operators/stream-operator.js';
import type { MapStateDescriptor } from '../state/descriptors.js';
import { CombinedWatermarkStatus } from '../time/combined-watermark.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import { HarnessRuntime, type HarnessRuntimeOptions } from './harness-runtime.js';
import { named, OperatorTestHarnessBase, type HarnessedOperator } from './harness-base.js';

/** Options of a two-input harness: where the operator sits and, for a keyed one, each input's key. */
export interface TwoInputOperatorTestHarnessOptions<IN1 = unknown, IN2 = unknown> extends HarnessRuntimeOptions {
  /** Key of input 1's records (keyed harness). */
  keySelector1?: KeySelector<IN1, unknown> | undefined;
  /** Key of input 2's records; undefined on a keyed harness leaves input 2 unkeyed (the broadcast side). */
  keySelector2?: KeySelector<IN2, unknown> | undefined;
}

/**
 * Test harness for one two-input operator; see the module docstring. Build it from a user
 * function ({@link forCoMap}, {@link forCoFlatMap}, {@link forCoProcess}, {@link forKeyedCoProcess},
 * {@link forBroadcastProcess}, {@link forKeyedBroadcastProcess}, {@link forIntervalJoin}) or any
 * factory ({@link forOperator}).
 *
 * @typeParam IN1 records of input 1. @typeParam IN2 records of input 2. @typeParam OUT main output.
 */
export class TwoInputOperatorTestHarness<IN1, IN2, OUT> extends OperatorTestHarnessBase<OUT> {
  private readonly operator: TwoInputStreamOperator<IN1, IN2>;
  private readonly keySelector1: KeySelector<IN1, unknown> | undefined;
  private readonly keySelector2: KeySelector<IN2, unknown> | undefined;
  private readonly combined = new CombinedWatermarkStatus(2);
  private readonly ended = new Set<1 | 2>();

  /**
   * Builds the operator context and calls `factory` once (Flink's harness `setup()`); keyed when a
   * key selector is given for either input.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an invalid parallelism, max parallelism or subtask index.
   */
  constructor(factory: TwoInputOperatorFactory<IN1, IN2, OUT>, options: TwoInputOperatorTestHarnessOptions<IN1, IN2> = {}) {
    super(new HarnessRuntime(options, options.keySelector1 !== undefined || options.keySelector2 !== undefined));
    this.keySelector1 = options.keySelector1;
    this.keySelector2 = options.keySelector2;
    this.operator = factory(this.rt.context, this.output);
  }

  /** A harness for any two-input operator factory. */
  static forOperator<IN1, IN2, OUT>(factory: TwoInputOperatorFactory<IN1, IN2, OUT>, options?: TwoInputOperatorTestHarnessOptions<IN1, IN2>): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness(factory, options);
  }

  /** A harness for a CoMapFunction (Flink's `CoStreamMap`); operator name `'Co-Map'`. */
  static forCoMap<IN1, IN2, OUT>(fn: CoMapFunction<IN1, IN2, OUT> | FunctionClass<CoMapFunction<IN1, IN2, OUT>>, options?: TwoInputOperatorTestHarnessOptions<IN1, IN2>): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new CoMapOperator<IN1, IN2, OUT>(ctx, out, fn), named('Co-Map', options));
  }

  /** A harness for a CoFlatMapFunction (Flink's `CoStreamFlatMap`); operator name `'Co-Flat Map'`. */
  static forCoFlatMap<IN1, IN2, OUT>(fn: CoFlatMapFunction<IN1, IN2, OUT> | FunctionClass<CoFlatMapFunction<IN1, IN2, OUT>>, options?: TwoInputOperatorTestHarnessOptions<IN1, IN2>): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new CoFlatMapOperator<IN1, IN2, OUT>(ctx, out, fn), named('Co-Flat Map', options));
  }

  /** A harness for a non-keyed CoProcessFunction (Flink's `CoProcessOperator`); operator name `'Co-Process'`. */
  static forCoProcess<IN1, IN2, OUT>(fn: unknown, options?: TwoInputOperatorTestHarnessOptions<IN1, IN2>): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new CoProcessOperator<IN1, IN2, OUT>(ctx, out, fn), named('Co-Process', options));
  }

  /**
   * A keyed harness for a KeyedCoProcessFunction (Flink's `KeyedCoProcessOperator` in a
   * `KeyedTwoInputStreamOperatorTestHarness`): keyed state shared by both inputs, timers;
   * operator name `'Co-Keyed-Process'`.
   */
  static forKeyedCoProcess<K, IN1, IN2, OUT>(fn: unknown, keySelector1: KeySelector<IN1, K>, keySelector2: KeySelector<IN2, K>, options?: HarnessRuntimeOptions): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new CoProcessOperator<IN1, IN2, OUT>(ctx, out, fn), { ...named('Co-Keyed-Process', options), keySelector1, keySelector2 });
  }

  /** A harness for a BroadcastProcessFunction; input 2 is the broadcast side. Operator name `'Co-Process-Broadcast'`. */
  static forBroadcastProcess<IN1, IN2, OUT>(fn: unknown, descriptors: MapStateDescriptor<unknown, unknown>[], options?: HarnessRuntimeOptions): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new CoBroadcastOperator<IN1, IN2, OUT>(ctx, out, fn, descriptors), named('Co-Process-Broadcast', options));
  }

  /** A keyed harness for a KeyedBroadcastProcessFunction (input 1 keyed, input 2 the broadcast side). */
  static forKeyedBroadcastProcess<K, IN1, IN2, OUT>(fn: unknown, keySelector1: KeySelector<IN1, K>, descriptors: MapStateDescriptor<unknown, unknown>[], options?: HarnessRuntimeOptions): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new CoBroadcastOperator<IN1, IN2, OUT>(ctx, out, fn, descriptors), { ...named('Co-Process-Broadcast-Keyed', options), keySelector1 });
  }

  /**
   * A keyed harness for an interval join (Flink's `IntervalJoinOperator`); `bounds` default to
   * inclusive, no late-data tags. Operator name `'Interval Join'`.
   */
  static forIntervalJoin<K, IN1, IN2, OUT>(
    fn: ProcessJoinFunctionSpec<IN1, IN2, OUT>,
    keySelector1: KeySelector<IN1, K>,
    keySelector2: KeySelector<IN2, K>,
    bounds: Pick<IntervalJoinOptions, 'lowerBound' | 'upperBound'> & Partial<IntervalJoinOptions>,
    options?: HarnessRuntimeOptions,
  ): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
    const o: IntervalJoinOptions = { lowerBoundInclusive: true, upperBoundInclusive: true, leftLateDataTag: undefined, rightLateDataTag: undefined, ...bounds };
    return new TwoInputOperatorTestHarness<IN1, IN2, OUT>((ctx, out) => new IntervalJoinOperator<IN1, IN2, OUT>(ctx, out, fn, o), { ...named('Interval Join', options), keySelector1, keySelector2 });
  }

  /**
   * Sends a record to input 1 (setting the key from `keySelector1` on a keyed harness).
   * @param timestamp event time, epoch ms; omitted: none.
   * @throws UserFunctionError when the user function throws; ConfigurationError when input 1 ended or the harness is not open.
   */
  async processElement1(value: IN1, timestamp?: number): Promise<void> {
    await this.run('processElement1()', ['open'], async () => {
      this.checkOpen(1);
      if (this.keySelector1 !== undefined) this.rt.setKeyContext(this.keySelector1, value);
      await this.operator.processElement1(value, timestamp ?? NO_TIMESTAMP);
    });
  }

  /** Sends a record to input 2; see {@link processElement1}. */
  async processElement2(value: IN2, timestamp?: number): Promise<void> {
    await this.run('processElement2()', ['open'], async () => {
      this.checkOpen(2);
      if (this.keySelector2 !== undefined) this.rt.setKeyContext(this.keySelector2, value);
      await this.operator.processElement2(value, timestamp ?? NO_TIMESTAMP);
    });
  }

  /**
   * Input 1's watermark (epoch ms). The operator sees the combined watermark — the minimum of both
   * inputs' — only when it advances (as in the runtime; Flink's `processWatermark1`).
   */
  async processWatermark1(watermark: number): Promise<void> {
    await this.run('processWatermark1()', ['open', 'input-ended'], () => this.watermark(0, watermark));
  }

  /** Input 2's watermark; see {@link processWatermark1}. */
  async processWatermark2(watermark: number): Promise<void> {
    await this.run('processWatermark2()', ['open', 'input-ended'], () => this.watermark(1, watermark));
  }

  /** The same watermark on both inputs (Flink's `processBothWatermarks`). */
  async processBothWatermarks(watermark: number): Promise<void> {
    await this.run('processBothWatermarks()', ['open', 'input-ended'], async () => {
      await this.watermark(0, watermark);
      await this.watermark(1, watermark);
    });
  }

  /** Ends input `inputIndex` (Flink's `BoundedMultiInput.endInput`); once per input. Sends no watermark. */
  async endInput(inputIndex: 1 | 2): Promise<void> {
    await this.run(`endInput(${inputIndex})`, ['open'], async () => {
      this.checkOpen(inputIndex);
      this.ended.add(inputIndex);
      await this.operator.endInput(inputIndex);
      if (this.ended.size === 2) this.lifecycle = 'input-ended';
    });
  }

  /** The combined watermark the operator has seen (-Infinity before the first). */
  getCurrentWatermark(): number {
    return this.combined.combinedWatermark;
  }

  /** The operator under test (Flink's `getTwoInputOperator()`). */
  getOperator(): TwoInputStreamOperator<IN1, IN2> {
    return this.operator;
  }

  protected harnessedOperator(): HarnessedOperator {
    return this.operator;
  }

  private async watermark(input: 0 | 1, watermark: number): Promise<void> {
    if (!this.combined.updateWatermark(input, watermark)) return;
    const wm = this.combined.combinedWatermark;
    const op = this.operator;
    await (op.processWatermark !== undefined ? op.processWatermark(wm) : this.output.emitWatermark(wm));
  }

  private checkOpen(inputIndex: 1 | 2): void {
    if (this.ended.has(inputIndex)) throw new ConfigurationError(`operator '${this.rt.context.operatorName}': input ${inputIndex} has ended`);
  }
}
