/**
 * Flink's DataStream API. A {@link DataStream} is a node of the transformation graph; every method
 * returns a new stream and only records a transformation: nothing runs until `execute()`.
 *
 * Function arguments may be lambdas, objects with the method, or classes (instantiated once per
 * subtask through the job's tsyringe container, so constructor injection works).
 *
 * @see org.apache.flink.streaming.api.datastream.DataStream, SingleOutputStreamOperator
 */
import type { Sink } from '../../connectors/sink.js';
import { PrintSink } from '../../connectors/print/print-sink.js';
import { ConfigurationError } from '../errors.js';
import type { PartitionSpec, PartitionerKind } from '../graph/partitioners.js';
import { CollectSinkOperator } from '../operators/collect-sink-operator.js';
import { FilterOperator } from '../operators/filter-operator.js';
import { FlatMapOperator } from '../operators/flat-map-operator.js';
import { MapOperator } from '../operators/map-operator.js';
import { ProcessOperator } from '../operators/process-operator.js';
import { SinkOperator } from '../operators/sink-operator.js';
import type { OperatorFactory } from '../operators/stream-operator.js';
import { TimestampsOperator } from '../operators/timestamps-operator.js';
import type { StreamExecutionEnvironment } from './environment.js';
import { BroadcastConnectedStream, BroadcastStream } from './broadcast-stream.js';
import { CoGroupedStreams, JoinedStreams } from './co-grouped-streams.js';
import { ConnectedStreams } from './connected-streams.js';
import type { MapStateDescriptor } from '../state/descriptors.js';
import type { FilterFunction, FlatMapFunction, FunctionClass, KeySelector, MapFunction, ProcessFunction } from './functions.js';
import { KeyedStream } from './keyed-stream.js';
import type { OutputTag } from './output-tag.js';
import type { OneInputTransformation, Transformation } from './transformation.js';
import type { WatermarkStrategy } from './watermark-strategy.js';
import { GlobalWindows, type WindowAssigner } from '../window/assigners.js';
import { CountEvictor } from '../window/evictors.js';
import type { GlobalWindow, Window } from '../window/time-window.js';
import { CountTrigger, PurgingTrigger } from '../window/triggers.js';
import { AllWindowedStream, WindowedStream } from './windowed-stream.js';

/** A key: a field name of object records, or a function. */
export type KeySpec<T, K> = KeySelector<T, K> | (keyof T & string);

export class DataStream<T> {
  /** @internal */
  constructor(
    readonly environment: StreamExecutionEnvironment,
    readonly transformation: Transformation,
  ) {}

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }

  /** One output per record. */
  map<R>(fn: MapFunction<T, R> | FunctionClass<{ map(value: T): R | Promise<R> }>): SingleOutputStreamOperator<R> {
    return this.transform<R>('Map', (ctx, out) => new MapOperator(ctx, out, fn as MapFunction<unknown, unknown>));
  }

  /** Keeps records for which `fn` returns true. */
  filter(fn: FilterFunction<T> | FunctionClass<{ filter(value: T): boolean | Promise<boolean> }>): SingleOutputStreamOperator<T> {
    return this.transform<T>('Filter', (ctx, out) => new FilterOperator(ctx, out, fn as FilterFunction<unknown>));
  }

  /** Zero or more outputs per record, via `out.collect` or a returned iterable. */
  flatMap<R>(fn: FlatMapFunction<T, R> | FunctionClass<{ flatMap: (...a: never[]) => unknown }>): SingleOutputStreamOperator<R> {
    return this.transform<R>('Flat Map', (ctx, out) => new FlatMapOperator(ctx, out, fn as FlatMapFunction<unknown, unknown>));
  }

  /** Runs a {@link ProcessFunction} (with side outputs via `ctx.output`). */
  process<R>(fn: ProcessFunction<T, R> | FunctionClass<ProcessFunction<T, R>>): SingleOutputStreamOperator<R> {
    return this.transform<R>('Process', (ctx, out) => new ProcessOperator(ctx, out, fn as never));
  }

  /** Assigns timestamps (and, with event time, watermarks) to the records. */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): SingleOutputStreamOperator<T> {
    const interval = this.environment.getAutoWatermarkInterval();
    return this.transform<T>('Timestamps/Watermarks', (ctx, out) => new TimestampsOperator(ctx, out, strategy as WatermarkStrategy<unknown>, interval));
  }

  /** Merges streams of the same type (no deduplication, no order across inputs). */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) if (o.environment !== this.environment) throw new ConfigurationError('union() of streams from different environments');
    return new DataStream<T>(this.environment, {
      kind: 'union',
      id: this.environment.nextId(),
      name: 'Union',
      uid: undefined,
      parallelism: undefined,
      maxParallelism: undefined,
      chaining: 'ALWAYS',
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
  }

  /**
   * Partitions by key: records with equal keys go to the same subtask, which holds their keyed
   * state. Keys are strings, numbers, bigints, booleans or arrays of those; equal keys give equal
   * key groups, as Flink's KeyGroupStreamPartitioner with Java hashCodes (see lib/state/key-hash.ts).
   */
  keyBy<K>(key: KeySpec<T, K>): KeyedStream<T, K> {
    const selector: KeySelector<T, K> = typeof key === 'function' ? key : (v: T) => (v as Record<string, unknown>)[key] as K;
    return new KeyedStream<T, K>(this.environment, this.partitionTransformation({ kind: 'hash', keySelector: selector as KeySelector<unknown, unknown> }), selector);
  }

  /**
   * Windows over the whole stream (Flink's `windowAll`): a keyed window with one constant key, run
   * by a single subtask (parallelism 1). Finish with `reduce`, `aggregate`, `process` or `apply`.
   * @example
   * scores.windowAll(TumblingEventTimeWindows.of(60_000)).reduce((a, b) => (b.score > a.score ? b : a));
   */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    return new AllWindowedStream<T, W>(new WindowedStream<T, number, W>(this.keyBy<number>(() => 0), assigner));
  }

  /**
   * Count windows over the whole stream (Flink's `countWindowAll`), non-parallel; see
   * `KeyedStream.countWindow` for the tumbling and sliding forms.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless `size` (and `slide`) are integers ≥ 1.
   */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    const w = this.windowAll(GlobalWindows.create() as WindowAssigner<T, GlobalWindow>);
    if (slide === undefined) return w.trigger(PurgingTrigger.of(CountTrigger.of(size)));
    CountTrigger.of(size);
    return w.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
  }

  /** Subtask i sends to subtask i (parallelisms must be equal); the default between equal parallelisms. */
  forward(): DataStream<T> {
    return this.partition('forward');
  }
  /** Uniformly random target subtask. */
  shuffle(): DataStream<T> {
    return this.partition('shuffle');
  }
  /** Round-robin over all target subtasks; the default between different parallelisms. */
  rebalance(): DataStream<T> {
    return this.partition('rebalance');
  }
  /** Round-robin over a local subset of target subtasks (pointwise). */
  rescale(): DataStream<T> {
    return this.partition('rescale');
  }
  /**
   * Without arguments: every record to every target subtask (the broadcast partitioner). With
   * broadcast state descriptors: a {@link BroadcastStream} for the broadcast state pattern — connect
   * a keyed or non-keyed stream to it and `process` with a (Keyed)BroadcastProcessFunction; each
   * parallel subtask keeps one map per descriptor (Flink's `broadcast(MapStateDescriptor...)`).
   * @example
   * const rules = new MapStateDescriptor<string, Rule>('rules');
   * events.keyBy((e) => e.user).connect(ruleStream.broadcast(rules)).process(new ApplyRules());
   */
  broadcast(): DataStream<T>;
  broadcast(descriptor: MapStateDescriptor<unknown, unknown>, ...more: MapStateDescriptor<unknown, unknown>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    const partitioned = this.partition('broadcast');
    if (descriptors.length === 0) return partitioned;
    return new BroadcastStream<T>(this.environment, partitioned.transformation, descriptors);
  }

  /**
   * Connects this stream with another for one two-input operator (Flink's `connect`): a
   * {@link ConnectedStreams} (CoMap, CoFlatMap, CoProcess; keyed when both are keyed streams), or,
   * with a {@link BroadcastStream}, a {@link BroadcastConnectedStream}.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a stream of another environment.
   */
  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, T2>(this, other);
    return new ConnectedStreams<T, T2>(this.environment, this, other);
  }

  /**
   * A window join with `other` (Flink's `join`): `.where(key).equalTo(otherKey).window(assigner).apply(fn)`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a stream of another environment.
   */
  join<T2>(other: DataStream<T2>): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other);
  }

  /**
   * A window co-group with `other` (Flink's `coGroup`): `.where(key).equalTo(otherKey).window(assigner).apply(fn)`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a stream of another environment.
   */
  coGroup<T2>(other: DataStream<T2>): CoGroupedStreams<T, T2> {
    return new CoGroupedStreams<T, T2>(this, other);
  }
  /** Every record to the first target subtask. */
  global(): DataStream<T> {
    return this.partition('global');
  }

  /** Writes the stream to a sink. */
  sinkTo(sink: Sink<T>, name = 'Sink'): DataStreamSink<T> {
    const t = this.oneInput(`Sink: ${name}`, (ctx) => new SinkOperator(ctx, sink as Sink<unknown>, ctx.reportOutput), true, sink.maxParallelism);
    this.environment.addSink(t);
    return new DataStreamSink<T>(t);
  }

  /** Prints records to stdout, prefixed with the subtask number when parallelism > 1 (Flink's print()). */
  print(identifier?: string): DataStreamSink<T> {
    const opts = identifier !== undefined ? { identifier } : {};
    return this.sinkTo(new PrintSink<T>(opts), 'Print to Std. Out');
  }

  /**
   * Runs the job and resolves with every record of this stream (Flink's executeAndCollect); with
   * `limit`, at most that many. Records from parallel subtasks interleave in no fixed order.
   * @throws JobExecutionError when the job fails.
   */
  async executeAndCollect(limit?: number): Promise<T[]> {
    const t = this.oneInput('Sink: Collect', (ctx) => new CollectSinkOperator(ctx), true, undefined);
    this.environment.addSink(t);
    const { collected } = await this.environment.run({});
    return (limit === undefined ? collected : collected.slice(0, limit)) as T[];
  }

  /**
   * @internal adds a one-input operator; with `inheritParallelism`, it takes its input's
   * parallelism unless one is set.
   */
  transform<R>(name: string, factory: OperatorFactory<unknown, unknown>, options?: { inheritParallelism?: boolean }): SingleOutputStreamOperator<R> {
    const t = this.oneInput(name, factory, false, undefined);
    return new SingleOutputStreamOperator<R>(this.environment, options?.inheritParallelism === true ? { ...t, inheritParallelism: true } : t);
  }

  /** @internal the key selector that scopes keyed state of operators on this stream. */
  protected stateKeySelector(): KeySelector<unknown, unknown> | undefined {
    return undefined;
  }

  private oneInput(name: string, factory: OperatorFactory<unknown, unknown>, isSink: boolean, sinkMaxParallelism: number | undefined): OneInputTransformation {
    return {
      kind: 'one-input',
      id: this.environment.nextId(),
      name,
      uid: undefined,
      parallelism: undefined,
      maxParallelism: undefined,
      chaining: 'ALWAYS',
      input: this.transformation,
      factory,
      stateKeySelector: this.stateKeySelector(),
      isSink,
      sinkMaxParallelism,
    };
  }

  private partition(kind: PartitionerKind): DataStream<T> {
    return new DataStream<T>(this.environment, this.partitionTransformation({ kind }));
  }

  private partitionTransformation(partition: PartitionSpec): Transformation {
    return {
      kind: 'partition',
      id: this.environment.nextId(),
      name: partition.kind,
      uid: undefined,
      parallelism: undefined,
      maxParallelism: undefined,
      chaining: 'ALWAYS',
      input: this.transformation,
      partition,
    };
  }
}

/** A stream produced by an operator: its name, uid, parallelism and chaining can be set. */
export class SingleOutputStreamOperator<T> extends DataStream<T> {
  /** Sets the operator's name (shown in the job graph, metrics and errors). */
  name(name: string): this {
    (this.transformation as { name: string }).name = name;
    return this;
  }

  /** Sets the operator's stable id, used to map state on restore (Flink's uid). */
  uid(uid: string): this {
    (this.transformation as { uid: string | undefined }).uid = uid;
    return this;
  }

  /** Sets this operator's parallelism. @throws ConfigurationError unless an integer in [1, 32768]. */
  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 32768) throw new ConfigurationError(`parallelism must be an integer in [1, 32768], got ${parallelism}`);
    (this.transformation as { parallelism: number | undefined }).parallelism = parallelism;
    return this;
  }

  /** Sets this operator's max parallelism (key groups). */
  setMaxParallelism(maxParallelism: number): this {
    this.environment.checkMaxParallelism(maxParallelism, 1);
    (this.transformation as { maxParallelism: number | undefined }).maxParallelism = maxParallelism;
    return this;
  }

  /** Starts a new chain at this operator (it is not chained to its input). */
  startNewChain(): this {
    (this.transformation as { chaining: string }).chaining = 'HEAD';
    return this;
  }

  /** Chains this operator to neither its input nor its successors. */
  disableChaining(): this {
    (this.transformation as { chaining: string }).chaining = 'NEVER';
    return this;
  }

  /** The records this operator emitted to side output `tag`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    return new DataStream<X>(this.environment, {
      kind: 'side-output',
      id: this.environment.nextId(),
      name: `side-output ${tag.id}`,
      uid: undefined,
      parallelism: undefined,
      maxParallelism: undefined,
      chaining: 'ALWAYS',
      input: this.transformation,
      tagId: tag.id,
    });
  }
}

/** The end of a pipeline (Flink's DataStreamSink). */
export class DataStreamSink<T> {
  declare readonly __type?: T;
  constructor(private readonly transformation: OneInputTransformation) {}

  name(name: string): this {
    this.transformation.name = name;
    return this;
  }

  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }

  /** @throws ConfigurationError unless an integer in [1, 32768]. */
  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 32768) throw new ConfigurationError(`parallelism must be an integer in [1, 32768], got ${parallelism}`);
    this.transformation.parallelism = parallelism;
    return this;
  }
}
