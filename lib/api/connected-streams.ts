/**
 * Two streams of possibly different types, connected for one two-input operator (Flink's
 * `ConnectedStreams`): `a.connect(b)` then `map` (CoMapFunction), `flatMap` (CoFlatMapFunction) or
 * `process` (CoProcessFunction / KeyedCoProcessFunction). Records of both inputs reach the same
 * operator instance, in no particular order across the inputs; its watermark is the minimum of both
 * inputs' watermarks.
 *
 * Keyed: when both inputs are `KeyedStream`s (connect two keyed streams, or call
 * {@link ConnectedStreams.keyBy}), records with equal keys from either side go to the same subtask,
 * and the operator is keyed: keyed state is shared by both inputs for a key, timers are available.
 * Keys of both sides must be of the same kind (equal keys hash equally).
 *
 * @see org.apache.flink.streaming.api.datastream.ConnectedStreams
 * @example
 * const enriched = rides.keyBy((r) => r.rideId).connect(fares.keyBy((f) => f.rideId)).process(new EnrichRides());
 */
import './keyed-stream.js'; // before data-stream.js: see the note in lib/index.ts
import { ConfigurationError } from '../errors.js';
import { CoFlatMapOperator, CoMapOperator } from '../operators/co-map-operator.js';
import { CoProcessOperator } from '../operators/co-process-operator.js';
import type { TwoInputOperatorFactory } from '../operators/stream-operator.js';
import { KeyedCoProcessFunction, type CoFlatMapFunction, type CoMapFunction, type CoProcessFunction, type CoProcessFunctionObject } from './co-functions.js';
import { SingleOutputStreamOperator, type DataStream, type KeySpec } from './data-stream.js';
import type { StreamExecutionEnvironment } from './environment.js';
import type { FunctionClass, KeyedProcessContext, KeySelector } from './functions.js';
import { KeyedStream } from './keyed-stream.js';
import type { Transformation, TwoInputTransformation } from './transformation.js';

/** Two connected streams; see the module docstring. Create with `stream1.connect(stream2)`. */
export class ConnectedStreams<IN1, IN2> {
  /** @internal use `stream1.connect(stream2)`. */
  constructor(
    readonly environment: StreamExecutionEnvironment,
    private readonly input1: DataStream<IN1>,
    private readonly input2: DataStream<IN2>,
  ) {
    if (input1.environment !== input2.environment) throw new ConfigurationError('connect() of streams from different environments');
  }

  /** The first input (Flink's `getFirstInput`). */
  getFirstInput(): DataStream<IN1> {
    return this.input1;
  }

  /** The second input (Flink's `getSecondInput`). */
  getSecondInput(): DataStream<IN2> {
    return this.input2;
  }

  /** True when both inputs are keyed: the operators are keyed then. */
  isKeyed(): boolean {
    return this.input1 instanceof KeyedStream && this.input2 instanceof KeyedStream;
  }

  /**
   * Keys both inputs (Flink's `ConnectedStreams.keyBy(key1, key2)`): records whose keys are equal go
   * to the same subtask whichever input they come from, and the operators are keyed.
   */
  keyBy<K>(key1: KeySpec<IN1, K>, key2: KeySpec<IN2, K>): ConnectedStreams<IN1, IN2> {
    return new ConnectedStreams<IN1, IN2>(this.environment, this.input1.keyBy(key1), this.input2.keyBy(key2));
  }

  /** One output per record: `map1` for the first input, `map2` for the second (Flink's CoStreamMap). */
  map<R>(fn: CoMapFunction<IN1, IN2, R> | FunctionClass<CoMapFunction<IN1, IN2, R>>): SingleOutputStreamOperator<R> {
    return this.transform<R>('Co-Map', (ctx, out) => new CoMapOperator<IN1, IN2, R>(ctx, out, fn));
  }

  /** Zero or more outputs per record, with `flatMap1` / `flatMap2` (Flink's CoStreamFlatMap). */
  flatMap<R>(fn: CoFlatMapFunction<IN1, IN2, R> | FunctionClass<CoFlatMapFunction<IN1, IN2, R>>): SingleOutputStreamOperator<R> {
    return this.transform<R>('Co-Flat Map', (ctx, out) => new CoFlatMapOperator<IN1, IN2, R>(ctx, out, fn));
  }

  /**
   * Runs a `CoProcessFunction` (side outputs; keyed state and timers when keyed) or, on keyed
   * connected streams, a `KeyedCoProcessFunction` (Flink's CoProcessOperator /
   * KeyedCoProcessOperator).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a `KeyedCoProcessFunction` on connected
   *   streams that are not keyed on both sides (Flink: "KeyedCoProcessFunction can only be used when
   *   both input streams are of type KeyedStream.").
   */
  process<R>(
    fn:
      | CoProcessFunction<IN1, IN2, R>
      | KeyedCoProcessFunction<unknown, IN1, IN2, R>
      | FunctionClass<CoProcessFunction<IN1, IN2, R> | KeyedCoProcessFunction<unknown, IN1, IN2, R>>
      | CoProcessFunctionObject<IN1, IN2, R>
      | CoProcessFunctionObject<IN1, IN2, R, KeyedProcessContext<never>>,
  ): SingleOutputStreamOperator<R> {
    const keyedFunction = fn instanceof KeyedCoProcessFunction || (typeof fn === 'function' && fn.prototype instanceof KeyedCoProcessFunction);
    if (keyedFunction && !this.isKeyed()) throw new ConfigurationError('KeyedCoProcessFunction can only be used when both input streams are of type KeyedStream.');
    return this.transform<R>(keyedFunction ? 'Co-Keyed-Process' : 'Co-Process', (ctx, out) => new CoProcessOperator<IN1, IN2, R>(ctx, out, fn));
  }

  /**
   * @internal adds a two-input operator over both inputs; keyed when both inputs are keyed (as
   * Flink's ConnectedStreams.transform sets the state key selectors only then).
   */
  transform<R>(name: string, factory: TwoInputOperatorFactory<IN1, IN2, R>): SingleOutputStreamOperator<R> {
    const keyed = this.isKeyed();
    return twoInputTransform<R>(
      this.environment,
      name,
      this.input1.transformation,
      this.input2.transformation,
      factory,
      keyed ? (this.input1 as KeyedStream<IN1, unknown>).keySelector : undefined,
      keyed ? (this.input2 as KeyedStream<IN2, unknown>).keySelector : undefined,
    );
  }
}

/**
 * @internal adds a two-input transformation to the graph and returns its output stream.
 * `key1` / `key2` set the key context before `processElement1` / `processElement2` (undefined:
 * that input is not keyed).
 */
export function twoInputTransform<R>(
  env: StreamExecutionEnvironment,
  name: string,
  input1: Transformation,
  input2: Transformation,
  factory: TwoInputOperatorFactory<never, never, R>,
  key1: KeySelector<never, unknown> | undefined,
  key2: KeySelector<never, unknown> | undefined,
): SingleOutputStreamOperator<R> {
  const t: TwoInputTransformation = {
    kind: 'two-input',
    id: env.nextId(),
    name,
    uid: undefined,
    parallelism: undefined,
    maxParallelism: undefined,
    chaining: 'ALWAYS',
    input1,
    input2,
    factory: factory as TwoInputOperatorFactory<unknown, unknown, unknown>,
    stateKeySelector1: key1 as KeySelector<unknown, unknown> | undefined,
    stateKeySelector2: key2 as KeySelector<unknown, unknown> | undefined,
  };
  return new SingleOutputStreamOperator<R>(env, t);
}
