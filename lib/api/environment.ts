/**
 * The entry point of a job (Flink's StreamExecutionEnvironment): holds job-wide settings, creates
 * sources, collects the sinks that the DataStream API adds, and compiles and runs the graph on
 * `execute()`. Building a pipeline never runs it.
 *
 * @example
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * const out = await env.fromCollection([1, 2, 3, 4]).map((x) => x * 10)
 *   .keyBy((x) => x % 20).reduce((a, b) => a + b).executeAndCollect();
 */
import 'reflect-metadata';
import './keyed-stream.js'; // before data-stream.js: see the note in lib/index.ts
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { CollectionSource } from '../../connectors/collection/collection-source.js';
import { SequenceSource } from '../../connectors/collection/sequence-source.js';
import type { Source } from '../../connectors/source.js';
import { ConfigurationError } from '../errors.js';
import type { InspectionListener } from '../actor/inspection.js';
import { compileJobGraph, type JobGraph } from '../graph/job-graph.js';
import type { JobExecutionResult, JobProgress } from '../runtime/embedded-executor.js';
import { checkParallelismPreconditions, checkMaxParallelismPreconditions, UPPER_BOUND_MAX_PARALLELISM } from '../state/key-groups.js';
import { systemClock, type Clock } from '../time/clock.js';
import { SingleOutputStreamOperator } from './data-stream.js';
import { getPipelineExecutor, type ExecutionRequest } from './executor.js';
import { newTransformationId, type SourceTransformation, type Transformation } from './transformation.js';
import type { WatermarkStrategy } from './watermark-strategy.js';
import { CheckpointConfig, type CheckpointingMode } from '../checkpoint/checkpoint-config.js';
import { defaultRestartStrategy, type RestartStrategyConfiguration } from '../failover/restart-strategies.js';
import { HashMapStateBackend, type StateBackend } from '../state/state-backend.js';
import type { JobControl, TaskSlotsOptions } from './executor.js';

/** Options of {@link StreamExecutionEnvironment.create}. */
export interface EnvironmentOptions {
  /** Default parallelism of operators (default 1; Flink's embedded default is the core count). */
  parallelism?: number;
  /** Job-wide max parallelism = number of key groups (default: Flink's per-operator default, ≥ 128). */
  maxParallelism?: number;
  /** Job name (default `weir-job`). */
  jobName?: string;
  /** Processing-time clock (default the wall clock; tests pass a ManualClock). */
  clock?: Clock;
  /** Records per network batch between subtasks (default 1024). */
  batchSize?: number;
  /** Data-lane capacity of every subtask mailbox, in batches (default 16). */
  mailboxCapacity?: number;
  /** Interval of periodic watermark emission, ms (Flink's autoWatermarkInterval; default 200; 0 disables). */
  autoWatermarkInterval?: number;
  /** Parent DI container for operator classes (default tsyringe's root container). */
  container?: DependencyContainer;
}

/** Options of {@link StreamExecutionEnvironment.execute}. */
export interface ExecuteOptions {
  /**
   * Start from this savepoint or checkpoint (Flink's `-s` / `execution.savepoint.path`): a
   * savepoint or `chk-<id>` directory, its `_metadata` file, or a checkpoint root (the newest
   * readable checkpoint under it is used; unreadable ones are skipped with a warning); a path or a
   * `jetstream://<bucket>/<key>` location of the same.
   */
  fromSavepoint?: string;
  /** Skip snapshot state of operators the job no longer has (Flink's `--allowNonRestoredState`). Default false. */
  allowNonRestoredState?: boolean;
  /** Called once the job is deployed, with a handle to take savepoints or stop it. */
  onStarted?: (control: JobControl) => void;
  /** Called with runtime warnings (falling back to an older checkpoint, giving up restarts); default: none (they are in the result). */
  onWarning?: (message: string) => void;
  jobName?: string;
  /** Called every `progressIntervalMs` while the job runs. */
  onProgress?: (progress: JobProgress) => void;
  /** ms between progress samples (default 1000). */
  progressIntervalMs?: number;
  /**
   * Receives the job's actor inspection events (actor started/stopped/failed, supervision
   * decisions, dead letters), synchronously on the runtime's thread; must not throw.
   */
  inspect?: InspectionListener;
  /**
   * Run the subtasks on worker-thread task slots (see TaskSlotsOptions in lib/api/executor.ts;
   * `runJobFile(file, { slots })` fills it in). Default: every subtask on the calling thread.
   */
  taskSlots?: TaskSlotsOptions;
}

export class StreamExecutionEnvironment {
  private parallelism: number;
  private maxParallelism: number | undefined;
  private chainingEnabled = true;
  private jobName: string;
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly mailboxCapacity: number;
  private readonly container: DependencyContainer;
  private sinks: Transformation[] = [];
  private autoWatermarkInterval: number;
  private idSeq = 0;
  private readonly checkpointConfig = new CheckpointConfig();
  private stateBackend: StateBackend = new HashMapStateBackend();
  private restartStrategy: RestartStrategyConfiguration | undefined;

  /** @throws ConfigurationError for invalid parallelism settings. */
  static create(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /** Flink's name for {@link create}. */
  static getExecutionEnvironment(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  private constructor(options: EnvironmentOptions) {
    this.parallelism = 1;
    this.jobName = options.jobName ?? 'weir-job';
    this.clock = options.clock ?? systemClock;
    this.batchSize = positive(options.batchSize ?? 1024, 'batchSize');
    this.mailboxCapacity = positive(options.mailboxCapacity ?? 16, 'mailboxCapacity');
    this.container = (options.container ?? rootContainer).createChildContainer();
    this.autoWatermarkInterval = 200;
    if (options.autoWatermarkInterval !== undefined) this.setAutoWatermarkInterval(options.autoWatermarkInterval);
    if (options.parallelism !== undefined) this.setParallelism(options.parallelism);
    if (options.maxParallelism !== undefined) this.setMaxParallelism(options.maxParallelism);
  }

  /** Sets the default parallelism. @throws ConfigurationError unless an integer in [1, 32768]. */
  setParallelism(parallelism: number): this {
    checkParallelismPreconditions(parallelism);
    this.parallelism = parallelism;
    return this;
  }

  getParallelism(): number {
    return this.parallelism;
  }

  /** Sets the job-wide max parallelism (number of key groups). @throws ConfigurationError unless in [1, 32768]. */
  setMaxParallelism(maxParallelism: number): this {
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
      throw new ConfigurationError(`max parallelism must be an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}], got ${maxParallelism}`);
    }
    this.maxParallelism = maxParallelism;
    return this;
  }

  getMaxParallelism(): number | undefined {
    return this.maxParallelism;
  }

  /**
   * Sets how often sources and `assignTimestampsAndWatermarks` ask their watermark generator for a
   * periodic watermark, ms of processing time (Flink's ExecutionConfig.setAutoWatermarkInterval;
   * default 200; 0 disables periodic watermarks).
   * @throws ConfigurationError for a negative or non-finite interval.
   */
  setAutoWatermarkInterval(intervalMs: number): this {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new ConfigurationError(`autoWatermarkInterval must be a finite number of ms >= 0, got ${intervalMs}`);
    this.autoWatermarkInterval = intervalMs;
    return this;
  }

  getAutoWatermarkInterval(): number {
    return this.autoWatermarkInterval;
  }

  /** Flink's `env.getConfig()`: the execution settings (watermark interval). */
  getConfig(): { setAutoWatermarkInterval(ms: number): void; getAutoWatermarkInterval(): number } {
    return {
      setAutoWatermarkInterval: (ms) => void this.setAutoWatermarkInterval(ms),
      getAutoWatermarkInterval: () => this.autoWatermarkInterval,
    };
  }

  /** Turns operator chaining off for the whole job (every operator becomes its own subtask actor). */
  disableOperatorChaining(): this {
    this.chainingEnabled = false;
    return this;
  }

  /**
   * Turns on periodic checkpoints every `intervalMs` (Flink's `enableCheckpointing`): sources inject
   * barriers, every subtask snapshots its state, and a failed job restarts from the last completed
   * checkpoint. Further settings are on {@link getCheckpointConfig}.
   * @param intervalMs ms between checkpoint starts, ≥ 10.
   * @param mode `EXACTLY_ONCE` (default, barriers aligned) or `AT_LEAST_ONCE`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an invalid interval or mode.
   */
  enableCheckpointing(intervalMs: number, mode: CheckpointingMode = 'EXACTLY_ONCE'): this {
    if (!(intervalMs >= 10)) throw new ConfigurationError(`checkpoint interval must be at least 10 ms, got ${intervalMs}`);
    this.checkpointConfig.setCheckpointInterval(intervalMs).setCheckpointingMode(mode);
    return this;
  }

  /** The job's checkpoint settings (Flink's `getCheckpointConfig()`), changed in place. */
  getCheckpointConfig(): CheckpointConfig {
    return this.checkpointConfig;
  }

  /**
   * Where keyed state lives (Flink's `setStateBackend`): `new HashMapStateBackend()` (default, on the
   * heap) or `new LevelDBStateBackend({ path })` (on disk, for state larger than memory).
   */
  setStateBackend(backend: StateBackend): this {
    this.stateBackend = backend;
    return this;
  }

  getStateBackend(): StateBackend {
    return this.stateBackend;
  }

  /**
   * How a failed job restarts (Flink's `setRestartStrategy`), e.g.
   * `RestartStrategies.fixedDelayRestart(3, 1000)`. Default: no restart without checkpointing,
   * exponential delay with checkpointing (Flink ≥ 1.19).
   */
  setRestartStrategy(strategy: RestartStrategyConfiguration): this {
    this.restartStrategy = strategy;
    return this;
  }

  /** The strategy set, or the default for the current checkpoint settings. */
  getRestartStrategy(): RestartStrategyConfiguration {
    return this.restartStrategy ?? defaultRestartStrategy(this.checkpointConfig.isCheckpointingEnabled());
  }

  /** The job's dependency-injection container (a child of the configured parent), for registering services. */
  getContainer(): DependencyContainer {
    return this.container;
  }

  getClock(): Clock {
    return this.clock;
  }

  /** A stream of the collection's elements (non-parallel source, as Flink's). */
  fromCollection<T>(items: Iterable<T>, name = 'Collection Source'): SingleOutputStreamOperator<T> {
    return this.fromSource(new CollectionSource(items), name);
  }

  /** A stream of the given elements (non-parallel source). */
  fromElements<T>(...items: T[]): SingleOutputStreamOperator<T> {
    return this.fromSource(new CollectionSource(items), 'Collection Source');
  }

  /** A parallel stream of the integers `from..to` inclusive (Flink's fromSequence). */
  fromSequence(from: number, to: number): SingleOutputStreamOperator<number> {
    return this.fromSource(new SequenceSource(from, to), 'Sequence Source');
  }

  /**
   * A stream from a {@link Source} (Flink's `fromSource(source, watermarkStrategy, name)`); the
   * watermark strategy may be omitted: `fromSource(source, name)`.
   */
  fromSource<T>(source: Source<T>, strategyOrName?: WatermarkStrategy<T> | string, name?: string): SingleOutputStreamOperator<T> {
    const sourceName = typeof strategyOrName === 'string' ? strategyOrName : (name ?? 'Source');
    const t: SourceTransformation = {
      kind: 'source',
      id: this.nextId(),
      name: `Source: ${sourceName}`,
      uid: undefined,
      parallelism: undefined,
      maxParallelism: undefined,
      chaining: 'HEAD',
      source: source as Source<unknown>,
      watermarkStrategy: typeof strategyOrName === 'object' ? (strategyOrName as WatermarkStrategy<unknown>) : undefined,
    };
    return new SingleOutputStreamOperator<T>(this, t);
  }

  /** @internal ids in build order, so the same job module builds the same graph everywhere. */
  nextId(): number {
    newTransformationId();
    return ++this.idSeq;
  }

  /** @internal called by sinks. */
  addSink(t: Transformation): void {
    this.sinks.push(t);
  }

  /** Compiles the pipeline built so far into a job graph (for inspection and tests). */
  getJobGraph(jobName = this.jobName): JobGraph {
    return compileJobGraph(this.sinks, { jobName, defaultParallelism: this.parallelism, maxParallelism: this.maxParallelism, chainingEnabled: this.chainingEnabled });
  }

  /**
   * Runs the job to completion (bounded sources) and resolves with its figures; the sinks added so
   * far are consumed, so the environment can build and run another job afterwards.
   * @throws ConfigurationError when the job has no sinks or an invalid graph.
   * @throws JobExecutionError (`WEIR_ERR_JOB_FAILED`) with the root cause when the job fails.
   */
  async execute(options: string | ExecuteOptions = {}): Promise<JobExecutionResult> {
    const opts = typeof options === 'string' ? { jobName: options } : options;
    const { result } = await this.run(opts);
    return result;
  }

  /** @internal runs the job and returns the collect sink's records too. */
  async run(opts: ExecuteOptions): Promise<{ result: JobExecutionResult; collected: unknown[] }> {
    const { graph, request } = this.prepare(opts);
    return getPipelineExecutor()(graph, request);
  }

  /**
   * @internal Compiles the pipeline built so far and the runtime settings for it, and consumes the
   * sinks (as `execute()` does) — what a task manager does with a job module it loaded: the same
   * module builds the same graph on every host. `request.recompile` rebuilds the graph with another
   * parallelism (live rescaling).
   */
  prepare(opts: ExecuteOptions = {}): { graph: JobGraph; request: ExecutionRequest } {
    const jobName = opts.jobName ?? this.jobName;
    const graph = this.getJobGraph(jobName);
    const sinks = this.sinks;
    this.sinks = [];
    const compileOptions = { jobName, maxParallelism: this.maxParallelism, chainingEnabled: this.chainingEnabled };
    const request: ExecutionRequest = {
      clock: this.clock,
      container: this.container,
      batchSize: this.batchSize,
      mailboxCapacity: this.mailboxCapacity,
      autoWatermarkIntervalMs: this.autoWatermarkInterval,
      onProgress: opts.onProgress,
      progressIntervalMs: opts.progressIntervalMs,
      inspect: opts.inspect,
      checkpoint: this.checkpointConfig.toSettings(),
      stateBackend: this.stateBackend,
      restartStrategy: this.getRestartStrategy(),
      restore: opts.fromSavepoint !== undefined ? { path: opts.fromSavepoint, allowNonRestoredState: opts.allowNonRestoredState ?? false } : undefined,
      onStarted: opts.onStarted,
      onWarning: opts.onWarning,
      recompile: (defaultParallelism, parallelismOverrides) => compileJobGraph(sinks, { ...compileOptions, defaultParallelism, parallelismOverrides }),
      defaultParallelism: this.parallelism,
      taskSlots: opts.taskSlots,
    };
    return { graph, request };
  }

  /** @internal */
  checkMaxParallelism(maxParallelism: number, parallelism: number): void {
    checkMaxParallelismPreconditions(maxParallelism, parallelism);
  }
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new ConfigurationError(`${what} must be a positive integer, got ${n}`);
  return n;
}
