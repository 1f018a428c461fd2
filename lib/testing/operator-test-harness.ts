/**
 * Drives one operator instance of one subtask without a job, actors or a mailbox: the test
 * pushes records and watermarks, moves processing time, and reads what the operator emitted.
 * Mirrors Flink's `OneInputStreamOperatorTestHarness` and, with a key selector,
 * `KeyedOneInputStreamOperatorTestHarness`.
 *
 * The harness builds the {@link OperatorContext} the way `lib/runtime/operator-chain.ts` does
 * (keyed backend over the subtask's key-group range, one timer service per operator whose
 * processing-time wake-ups are handled on the next {@link OneInputOperatorTestHarness.setProcessingTime},
 * processing-time callbacks on the clock, user classes through a tsyringe child container), and
 * keeps the subtask's contract: every call is awaited before the next may start, so no two
 * operator methods run concurrently.
 */
import 'reflect-metadata';
import type {
  FilterFunction,
  FlatMapFunction,
  FunctionClass,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ProcessFunction,
  ReduceFunction,
} from '../api/functions.js';
import { FilterOperator } from '../operators/filter-operator.js';
import { FlatMapOperator } from '../operators/flat-map-operator.js';
import { MapOperator } from '../operators/map-operator.js';
import { ProcessOperator } from '../operators/process-operator.js';
import { ReduceOperator } from '../operators/reduce-operator.js';
import type { OperatorContext, OperatorFactory, StreamOperator } from '../operators/stream-operator.js';
import { ManualClock } from '../time/clock.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';
import { named, OperatorTestHarnessBase, type HarnessedOperator } from './harness-base.js';
import { HarnessRuntime, type HarnessRuntimeOptions } from './harness-runtime.js';

/**
 * Where the operator under test sits and what it may use. Every field is optional.
 */
export interface OperatorTestHarnessOptions<IN = unknown> extends HarnessRuntimeOptions {
  /**
   * Makes the operator keyed (Flink's `KeyedOneInputStreamOperatorTestHarness`): the harness
   * keeps a heap keyed-state backend and sets the current key to `keySelector(value)` before each
   * record. Required for keyed state and timers.
   */
  keySelector?: KeySelector<IN, unknown> | undefined;
}

/** The harness's options without the key selector (passed separately to the keyed constructors). */
export type KeyedOperatorTestHarnessOptions = Omit<OperatorTestHarnessOptions, 'keySelector'>;

/**
 * The harness lifecycle: `created` (operator constructed, Flink's setup) → `initialized` (state
 * restored with `initializeState`) → `open` → `input-ended` → `closed`. Records and watermarks are
 * accepted only while `open`; snapshots while `open` or `input-ended`.
 */
export type { HarnessLifecycle } from './harness-base.js';

/**
 * Test harness for one one-input operator of one subtask (Flink's
 * `OneInputStreamOperatorTestHarness`; keyed — given a key selector — Flink's
 * `KeyedOneInputStreamOperatorTestHarness`).
 *
 * Build it from a user function with a static constructor ({@link forMap}, {@link forFilter},
 * {@link forFlatMap}, {@link forProcess}, {@link forKeyedProcess}, {@link forReduce}) or from any
 * operator factory ({@link forOperator}, or `new`). Then `await` each call in turn:
 * {@link open}, {@link processElement}, {@link processWatermark}, {@link setProcessingTime},
 * {@link endInput}, {@link close}, and read {@link extractOutput} / {@link extractOutputValues} /
 * {@link getSideOutput}. Operator methods that return a Promise are awaited, so async user
 * functions are tested the same way.
 *
 * Time: processing time is a {@link ManualClock} starting at `initialProcessingTime` (default 0)
 * that moves only with {@link setProcessingTime}; event time moves only with
 * {@link processWatermark}. The harness does not emit the maximal watermark at {@link endInput}
 * (the runtime's bounded sources do): pass `processWatermark(Infinity)` to fire every remaining
 * event-time timer.
 *
 * Checkpoints (Flink's harness `snapshot` / `initializeState` / `repartitionOperatorState`):
 * {@link snapshot} takes the operator's state partway as plain data; a fresh harness for the same
 * operator takes it with {@link initializeState} before {@link open} and goes on with the rest of
 * the input, so a test can check that the output of the two parts is that of an unbroken run
 * (keyed state, keyed timers, operator state and the user function's `CheckpointedFunction`
 * state all carry over). {@link OneInputOperatorTestHarness.repartitionOperatorState} cuts the
 * share of one subtask for a restore at another parallelism; {@link notifyOfCompletedCheckpoint}
 * drives `CheckpointListener`s.
 *
 * @typeParam IN records the operator takes.
 * @typeParam OUT records it emits on its main output.
 * @see org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness
 * @see org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness
 * @example
 * ```ts
 * import { KeyedProcessFunction, ValueStateDescriptor, type Collector, type KeyedProcessContext, type OnTimerContext } from 'weir';
 * import { OperatorTestHarness } from 'weir/testing';
 *
 * class CountUntilWatermark extends KeyedProcessFunction<string, string, string> {
 *   processElement(word: string, ctx: KeyedProcessContext<string>): void {
 *     const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
 *     count.update((count.value() ?? 0) + 1);
 *     ctx.timerService().registerEventTimeTimer(100);
 *   }
 *   override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
 *     out.collect(`${ctx.getCurrentKey()}=${this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count')).value()}`);
 *   }
 * }
 *
 * const h = OperatorTestHarness.forKeyedProcess(new CountUntilWatermark(), (w: string) => w);
 * await h.open();
 * await h.processElement('a', 10);
 * await h.processElement('b', 20);
 * await h.processElement('a', 30);
 * await h.processWatermark(100);
 * h.extractOutput();
 * // [{ kind: 'record', value: 'a=2', timestamp: 100 }, { kind: 'record', value: 'b=1', timestamp: 100 },
 * //  { kind: 'watermark', timestamp: 100 }]
 * await h.close();
 *
 * // Snapshot partway, restore into a fresh harness, go on:
 * const first = OperatorTestHarness.forKeyedProcess(new CountUntilWatermark(), (w: string) => w);
 * await first.open();
 * await first.processElement('a', 10);
 * const snapshot = await first.snapshot(); // keyed state and the timer a@100
 * await first.close();
 * const second = OperatorTestHarness.forKeyedProcess(new CountUntilWatermark(), (w: string) => w);
 * await second.initializeState(snapshot);
 * await second.open();
 * await second.processElement('a', 30);
 * await second.processWatermark(100);
 * second.extractOutputValues(); // ['a=2']
 * ```
 */
export class OneInputOperatorTestHarness<IN, OUT> extends OperatorTestHarnessBase<OUT> {
  private readonly operator: StreamOperator<IN>;
  private readonly keySelector: KeySelector<IN, unknown> | undefined;
  private watermark = NO_TIMESTAMP;

  /**
   * Builds the operator context and calls `factory` once, as a subtask does when it builds its
   * chain (Flink's harness `setup()`).
   *
   * @param factory creates the operator under test from the harness's context and output.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an invalid parallelism, max parallelism
   *   or subtask index, or whatever the factory throws.
   */
  constructor(factory: OperatorFactory<IN, OUT>, options: OperatorTestHarnessOptions<IN> = {}) {
    super(new HarnessRuntime(options, options.keySelector !== undefined));
    this.keySelector = options.keySelector;
    this.operator = factory(this.rt.context, this.output);
  }

  /**
   * A harness for any operator factory, e.g. a custom operator or the window operator.
   * The same as `new OneInputOperatorTestHarness(factory, options)`.
   */
  static forOperator<IN, OUT>(factory: OperatorFactory<IN, OUT>, options?: OperatorTestHarnessOptions<IN>): OneInputOperatorTestHarness<IN, OUT> {
    return new OneInputOperatorTestHarness(factory, options);
  }

  /** A harness for a map function (Flink's `StreamMap`), as `DataStream.map` runs it; operator name `'Map'`. */
  static forMap<IN, OUT>(
    fn: MapFunction<IN, OUT> | FunctionClass<{ map(value: IN): OUT | Promise<OUT> }>,
    options?: OperatorTestHarnessOptions<IN>,
  ): OneInputOperatorTestHarness<IN, OUT> {
    return new OneInputOperatorTestHarness<IN, OUT>((ctx, out) => new MapOperator<IN, OUT>(ctx, out, fn as MapFunction<IN, OUT>), named('Map', options));
  }

  /** A harness for a filter function (Flink's `StreamFilter`); operator name `'Filter'`. */
  static forFilter<T>(
    fn: FilterFunction<T> | FunctionClass<{ filter(value: T): boolean | Promise<boolean> }>,
    options?: OperatorTestHarnessOptions<T>,
  ): OneInputOperatorTestHarness<T, T> {
    return new OneInputOperatorTestHarness<T, T>((ctx, out) => new FilterOperator<T>(ctx, out, fn as FilterFunction<T>), named('Filter', options));
  }

  /** A harness for a flatMap function (Flink's `StreamFlatMap`); operator name `'Flat Map'`. */
  static forFlatMap<IN, OUT>(
    fn: FlatMapFunction<IN, OUT> | FunctionClass<{ flatMap: (...a: never[]) => unknown }>,
    options?: OperatorTestHarnessOptions<IN>,
  ): OneInputOperatorTestHarness<IN, OUT> {
    return new OneInputOperatorTestHarness<IN, OUT>((ctx, out) => new FlatMapOperator<IN, OUT>(ctx, out, fn as FlatMapFunction<IN, OUT>), named('Flat Map', options));
  }

  /**
   * A harness for a {@link ProcessFunction} on a non-keyed stream (Flink's `ProcessOperator`);
   * operator name `'Process'`. Side outputs go to {@link getSideOutput}; timers need
   * {@link forKeyedProcess}.
   */
  static forProcess<IN, OUT>(
    fn: ProcessFunction<IN, OUT> | FunctionClass<ProcessFunction<IN, OUT>>,
    options?: OperatorTestHarnessOptions<IN>,
  ): OneInputOperatorTestHarness<IN, OUT> {
    return new OneInputOperatorTestHarness<IN, OUT>((ctx, out) => new ProcessOperator<IN, OUT>(ctx, out, fn as never), named('Process', options));
  }

  /**
   * A keyed harness for a {@link KeyedProcessFunction} (Flink's `KeyedProcessOperator` in a
   * `KeyedOneInputStreamOperatorTestHarness`): keyed state, the current key and event- and
   * processing-time timers; operator name `'KeyedProcess'`.
   */
  static forKeyedProcess<K, IN, OUT>(
    fn: KeyedProcessFunction<K, IN, OUT> | FunctionClass<KeyedProcessFunction<K, IN, OUT>>,
    keySelector: KeySelector<IN, K>,
    options?: KeyedOperatorTestHarnessOptions,
  ): OneInputOperatorTestHarness<IN, OUT> {
    return new OneInputOperatorTestHarness<IN, OUT>((ctx, out) => new ProcessOperator<IN, OUT>(ctx, out, fn as never), { ...named('KeyedProcess', options), keySelector });
  }

  /**
   * A keyed harness for a rolling reduce (Flink's `StreamGroupedReduceOperator`): emits the new
   * reduced value of the record's key after every record; operator name `'Keyed Reduce'`.
   */
  static forReduce<T>(
    fn: ReduceFunction<T> | FunctionClass<{ reduce(a: T, b: T): T | Promise<T> }>,
    keySelector: KeySelector<T, unknown>,
    options?: KeyedOperatorTestHarnessOptions,
  ): OneInputOperatorTestHarness<T, T> {
    return new OneInputOperatorTestHarness<T, T>((ctx, out) => new ReduceOperator<T>(ctx, out, fn as ReduceFunction<T>), { ...named('Keyed Reduce', options), keySelector });
  }

  /**
   * Sends one record to the operator and awaits it. A keyed harness first sets the current key to
   * `keySelector(value)`.
   * @param timestamp the record's event time, epoch ms; omitted: the record has none.
   * @throws UserFunctionError (`WEIR_ERR_USER_FUNCTION`) naming the operator, subtask and record
   *   when the user function (or the key selector) throws or rejects.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the harness is not open, or the key
   *   belongs to a key group this subtask does not own.
   */
  async processElement(value: IN, timestamp?: number): Promise<void> {
    await this.run('processElement()', ['open'], async () => {
      if (this.keySelector !== undefined) this.rt.setKeyContext(this.keySelector, value);
      await this.operator.processElement(value, timestamp ?? NO_TIMESTAMP);
    });
  }

  /**
   * Sends a watermark (epoch ms; `Infinity` for end of input) to the operator, which fires its
   * event-time timers up to it (in timestamp order) and then forwards it; an operator without
   * `processWatermark` has it forwarded, as in the runtime. Watermarks are passed as given, even
   * when not advancing (the runtime's valve would drop those).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the harness is not open.
   */
  async processWatermark(watermark: number): Promise<void> {
    await this.run('processWatermark()', ['open'], async () => {
      if (watermark > this.watermark) this.watermark = watermark;
      const op = this.operator;
      await (op.processWatermark !== undefined ? op.processWatermark(watermark) : this.output.emitWatermark(watermark));
    });
  }

  /**
   * Tells the operator that its input ended (Flink's `BoundedOneInput.endInput`); it may still
   * emit. Does not send the maximal watermark.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the harness is not open.
   */
  async endInput(): Promise<void> {
    await this.run('endInput()', ['open'], async () => {
      await this.operator.endInput();
      this.lifecycle = 'input-ended';
    });
  }

  /** The highest watermark given to {@link processWatermark} (epoch ms); `-Infinity` (`NO_TIMESTAMP`) before the first. */
  getCurrentWatermark(): number {
    return this.watermark;
  }

  /** The operator under test (Flink's `getOneInputOperator()`). */
  getOperator(): StreamOperator<IN> {
    return this.operator;
  }

  protected harnessedOperator(): HarnessedOperator {
    return this.operator;
  }
}
