/**
 * The broadcast state pattern (Flink's `BroadcastStream` and `BroadcastConnectedStream`):
 * `rules.broadcast(rulesDescriptor)` sends every element to every parallel subtask of the operator
 * it is connected to (broadcast partitioner); `events.connect(broadcastRules).process(fn)` runs a
 * `BroadcastProcessFunction` (non-keyed `events`) or a `KeyedBroadcastProcessFunction` (keyed
 * `events`). Each subtask keeps its own copy of the broadcast state (one map per descriptor) in
 * memory; `processBroadcastElement` writes it, `processElement` only reads it.
 *
 * There is no order between the two inputs: events may be processed before rules sent earlier.
 *
 * @see org.apache.flink.streaming.api.datastream.BroadcastStream
 * @see org.apache.flink.streaming.api.datastream.BroadcastConnectedStream
 * @example
 * const rulesState = new MapStateDescriptor<string, Rule>('rules');
 * const alerts = events.keyBy((e) => e.user)
 *   .connect(rules.broadcast(rulesState))
 *   .process(new ApplyRules());
 */
import './keyed-stream.js'; // before data-stream.js: see the note in lib/index.ts
import { ConfigurationError } from '../errors.js';
import { CoBroadcastOperator } from '../operators/co-broadcast-operator.js';
import type { MapStateDescriptor } from '../state/descriptors.js';
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction, type BroadcastContext, type BroadcastReadOnlyContext, type KeyedBroadcastContext, type KeyedBroadcastReadOnlyContext } from './co-functions.js';
import { twoInputTransform } from './connected-streams.js';
import type { DataStream, SingleOutputStreamOperator } from './data-stream.js';
import type { StreamExecutionEnvironment } from './environment.js';
import type { Collector, FunctionClass } from './functions.js';
import { KeyedStream } from './keyed-stream.js';
import type { Transformation } from './transformation.js';

/**
 * A stream whose elements go to every parallel subtask, with the broadcast state descriptors they
 * maintain (Flink's `BroadcastStream`). Create with `stream.broadcast(descriptor, ...)`; use with
 * `otherStream.connect(broadcastStream)`.
 */
export class BroadcastStream<T> {
  declare readonly __type?: T;

  /** @internal use `stream.broadcast(...descriptors)`; `transformation` is the broadcast partitioning of the input. */
  constructor(
    readonly environment: StreamExecutionEnvironment,
    readonly transformation: Transformation,
    private readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {}

  /** The broadcast state descriptors given to `broadcast(...)` (Flink's `getBroadcastStateDescriptors`). */
  getBroadcastStateDescriptors(): readonly MapStateDescriptor<unknown, unknown>[] {
    return this.descriptors;
  }
}

/** A {@link BroadcastProcessFunction} as an object with both methods. */
export interface BroadcastProcessFunctionObject<IN1, IN2, OUT> {
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void | Promise<void>;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void | Promise<void>;
}

/** A {@link KeyedBroadcastProcessFunction} as an object with both methods (and optionally `onTimer`). */
export interface KeyedBroadcastProcessFunctionObject<K, IN1, IN2, OUT> {
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void | Promise<void>;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void | Promise<void>;
  onTimer?(timestamp: number, ctx: KeyedBroadcastReadOnlyContext<K> & { timeDomain(): 'EVENT_TIME' | 'PROCESSING_TIME' }, out: Collector<OUT>): void | Promise<void>;
}

/**
 * A (keyed or non-keyed) stream connected to a {@link BroadcastStream} (Flink's
 * `BroadcastConnectedStream`); finish it with {@link process}.
 */
export class BroadcastConnectedStream<IN1, IN2> {
  /** @internal use `stream.connect(broadcastStream)`. */
  constructor(
    private readonly input1: DataStream<IN1>,
    private readonly broadcastStream: BroadcastStream<IN2>,
  ) {
    if (input1.environment !== broadcastStream.environment) throw new ConfigurationError('connect() of streams from different environments');
  }

  /** The non-broadcast input (Flink's `getFirstInput`). */
  getFirstInput(): DataStream<IN1> {
    return this.input1;
  }

  /** The broadcast input (Flink's `getSecondInput`). */
  getSecondInput(): BroadcastStream<IN2> {
    return this.broadcastStream;
  }

  /**
   * Runs `fn` over both inputs: a `BroadcastProcessFunction` when the first input is not keyed
   * (operator "Co-Process-Broadcast"), a `KeyedBroadcastProcessFunction` when it is
   * ("Co-Process-Broadcast-Keyed"). Objects with the methods are taken as the kind the input needs.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a `KeyedBroadcastProcessFunction` on a
   *   non-keyed stream or a `BroadcastProcessFunction` on a keyed one (as Flink).
   */
  process<R>(
    fn:
      | BroadcastProcessFunction<IN1, IN2, R>
      | KeyedBroadcastProcessFunction<never, IN1, IN2, R>
      | FunctionClass<BroadcastProcessFunction<IN1, IN2, R> | KeyedBroadcastProcessFunction<never, IN1, IN2, R>>
      | BroadcastProcessFunctionObject<IN1, IN2, R>
      | KeyedBroadcastProcessFunctionObject<never, IN1, IN2, R>,
  ): SingleOutputStreamOperator<R> {
    const keyedInput = this.input1 instanceof KeyedStream;
    const isKind = (cls: abstract new (...args: never[]) => unknown): boolean => fn instanceof cls || (typeof fn === 'function' && fn.prototype instanceof cls);
    if (keyedInput && isKind(BroadcastProcessFunction)) throw new ConfigurationError('A BroadcastProcessFunction can only be used on a non-keyed stream.');
    if (!keyedInput && isKind(KeyedBroadcastProcessFunction)) throw new ConfigurationError('A KeyedBroadcastProcessFunction can only be used on a keyed stream.');
    const descriptors = this.broadcastStream.getBroadcastStateDescriptors();
    return twoInputTransform<R>(
      this.input1.environment,
      keyedInput ? 'Co-Process-Broadcast-Keyed' : 'Co-Process-Broadcast',
      this.input1.transformation,
      this.broadcastStream.transformation,
      (ctx, out) => new CoBroadcastOperator<IN1, IN2, R>(ctx, out, fn, descriptors),
      keyedInput ? (this.input1 as KeyedStream<IN1, unknown>).keySelector : undefined,
      undefined,
    );
  }
}
