/**
 * User function shapes, named as Flink's. Every function may be given as
 * - a lambda (`(x) => x * 2`),
 * - an object with the method (`{ map: (x) => x * 2 }`), copied per subtask (shallow, as Flink's
 *   serialization gives each subtask its own copy), or
 * - a class (`RichMapFunction` subclasses, `@injectable()` classes with constructor-injected
 *   services), instantiated once per subtask through the job's tsyringe child container.
 * A function may return a Promise: the subtask awaits it before the next record, keeping order.
 *
 * @see org.apache.flink.api.common.functions.*, org.apache.flink.streaming.api.functions.*
 */
import type { RuntimeContext } from './runtime-context.js';
import type { OutputTag } from './output-tag.js';
import type { OperatorStateStore } from '../state/operator-state-store.js';
import type { KeyedStateStore } from '../window/window-functions.js';

/** Emits records downstream (Flink's `Collector`). */
export interface Collector<T> {
  collect(value: T): void;
}

/** Lifecycle shared by rich functions (Flink's `RichFunction`). */
export abstract class AbstractRichFunction {
  private runtimeContext: RuntimeContext | undefined;

  /** @internal set by the runtime before `open`. */
  setRuntimeContext(ctx: RuntimeContext): void {
    this.runtimeContext = ctx;
  }

  /**
   * The subtask's context: index, parallelism and keyed state.
   * @throws Error when called before `open` (outside a running subtask).
   */
  getRuntimeContext(): RuntimeContext {
    if (this.runtimeContext === undefined) throw new Error('getRuntimeContext() is only available once the function runs in a subtask (from open() on)');
    return this.runtimeContext;
  }

  /** Called once per subtask before the first record; may be async. */
  open(): void | Promise<void> {}

  /** Called once per subtask after the last record or on failure; may be async. */
  close(): void | Promise<void> {}
}

// ---- Checkpointing: CheckpointedFunction and CheckpointListener ----

/**
 * What {@link CheckpointedFunction.snapshotState} is called for (Flink's `FunctionSnapshotContext`).
 * @see org.apache.flink.runtime.state.FunctionSnapshotContext
 */
export interface FunctionSnapshotContext {
  /** The checkpoint's id: ascending within a job, starting at 1. */
  getCheckpointId(): number;
  /** When the checkpoint coordinator triggered the checkpoint, epoch ms. */
  getCheckpointTimestamp(): number;
}

/**
 * What {@link CheckpointedFunction.initializeState} gets to create or restore its state (Flink's
 * `FunctionInitializationContext`).
 * @see org.apache.flink.runtime.state.FunctionInitializationContext
 */
export interface FunctionInitializationContext {
  /**
   * True when the subtask was restored from a checkpoint or savepoint, also when that snapshot
   * held no state of this function (Flink's `isRestored()`).
   */
  isRestored(): boolean;
  /** The id of the checkpoint restored from, or undefined on a fresh start (Flink's `getRestoredCheckpointId()`). */
  getRestoredCheckpointId(): number | undefined;
  /**
   * The operator's non-keyed state (Flink's `getOperatorStateStore()`): list state (split evenly
   * over the subtasks on restore), union list state (every subtask gets all of it) and broadcast
   * state. Values must be plain data (they are encoded with cbor-x).
   */
  getOperatorStateStore(): OperatorStateStore;
  /**
   * Keyed state (Flink's `getKeyedStateStore()`), scoped to the current record's key when used;
   * the same state `getRuntimeContext().getState(…)` gives.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed stream (Flink returns null).
   */
  getKeyedStateStore(): KeyedStateStore;
}

/**
 * A user function that keeps state outside the keyed state of its runtime context and takes part
 * in checkpoints (Flink's `CheckpointedFunction`): `initializeState` runs once per subtask before
 * `open`, on a fresh start as after a restore (create the states there, and read them back when
 * `ctx.isRestored()`); `snapshotState` runs at every checkpoint barrier, between two records, to
 * move what the function holds in fields into the states of the context. Both may return a
 * Promise; the subtask awaits it.
 *
 * Any user function (map, filter, flatMap, process, co-functions, window functions, join
 * functions, reduce…) may implement it, as a class or as an object with the methods. Failures
 * surface as `UserFunctionError` (`WEIR_ERR_USER_FUNCTION`) and decline the checkpoint.
 *
 * @see org.apache.flink.streaming.api.checkpoint.CheckpointedFunction
 * @example
 * ```ts
 * // Buffers records and emits them in batches of 10; the buffer survives failures.
 * class Batcher extends RichFlatMapFunction<string, string[]> implements CheckpointedFunction {
 *   private buffer: string[] = [];
 *   private state!: ListState<string>;
 *   initializeState(ctx: FunctionInitializationContext): void {
 *     this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<string>('buffer'));
 *     if (ctx.isRestored()) this.buffer = this.state.get();
 *   }
 *   snapshotState(): void {
 *     this.state.update(this.buffer);
 *   }
 *   flatMap(v: string, out: Collector<string[]>): void {
 *     this.buffer.push(v);
 *     if (this.buffer.length === 10) out.collect(this.buffer.splice(0));
 *   }
 * }
 * ```
 */
export interface CheckpointedFunction {
  /** At a checkpoint barrier: write the function's state into the states of {@link initializeState}'s context. */
  snapshotState(ctx: FunctionSnapshotContext): void | Promise<void>;
  /** Once per subtask, before `open`: create (and, when restored, read back) the function's states. */
  initializeState(ctx: FunctionInitializationContext): void | Promise<void>;
}

/**
 * A user function told when checkpoints complete (Flink's `CheckpointListener`): after every
 * subtask acknowledged checkpoint `checkpointId` and its metadata is durable, the runtime calls
 * {@link notifyCheckpointComplete} on every subtask — the commit point of two-phase commit (publish
 * what was staged up to that checkpoint). Notifications may be skipped (a later one subsumes an
 * earlier one) and arrive after newer checkpoints started; never rely on getting every id.
 *
 * @see org.apache.flink.api.common.state.CheckpointListener
 */
export interface CheckpointListener {
  /** Checkpoint `checkpointId` completed. May return a Promise; the subtask awaits it. */
  notifyCheckpointComplete(checkpointId: number): void | Promise<void>;
  /** Checkpoint `checkpointId` was aborted (optional, as Flink's default method). */
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}

/**
 * The optional lifecycle methods any user function object may have besides its main method:
 * `open` / `close` (Flink's `RichFunction`), and those of {@link CheckpointedFunction} and
 * {@link CheckpointListener}. Object-form function types accept them.
 */
export interface UserFunctionHooks extends Partial<CheckpointedFunction>, Partial<CheckpointListener> {
  open?(): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** True when `fn` has both methods of {@link CheckpointedFunction}. */
export function isCheckpointedFunction(fn: unknown): fn is CheckpointedFunction {
  const f = fn as Partial<CheckpointedFunction> | null | undefined;
  return typeof f === 'object' && f !== null && typeof f.snapshotState === 'function' && typeof f.initializeState === 'function';
}

/** True when `fn` has {@link CheckpointListener.notifyCheckpointComplete}. */
export function isCheckpointListener(fn: unknown): fn is CheckpointListener {
  const f = fn as Partial<CheckpointListener> | null | undefined;
  return typeof f === 'object' && f !== null && typeof f.notifyCheckpointComplete === 'function';
}

// ---- Function shapes ----

export type MapFunction<IN, OUT> = ((value: IN) => OUT | Promise<OUT>) | ({ map(value: IN): OUT | Promise<OUT> } & UserFunctionHooks);
export type FilterFunction<IN> = ((value: IN) => boolean | Promise<boolean>) | ({ filter(value: IN): boolean | Promise<boolean> } & UserFunctionHooks);
/**
 * Flink's `FlatMapFunction`: emit with `out.collect`, or (a JS convenience) return an iterable
 * of results.
 */
export type FlatMapFunction<IN, OUT> =
  | ((value: IN, out: Collector<OUT>) => void | Iterable<OUT> | Promise<void | Iterable<OUT>>)
  | ({ flatMap(value: IN, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>> } & UserFunctionHooks);
export type ReduceFunction<T> = ((a: T, b: T) => T | Promise<T>) | ({ reduce(a: T, b: T): T | Promise<T> } & UserFunctionHooks);
/** Extracts the key of a record; keys are strings, numbers, bigints, booleans or arrays of those. */
export type KeySelector<IN, K> = (value: IN) => K;

export abstract class RichMapFunction<IN, OUT> extends AbstractRichFunction {
  abstract map(value: IN): OUT | Promise<OUT>;
}

export abstract class RichFilterFunction<IN> extends AbstractRichFunction {
  abstract filter(value: IN): boolean | Promise<boolean>;
}

export abstract class RichFlatMapFunction<IN, OUT> extends AbstractRichFunction {
  abstract flatMap(value: IN, out: Collector<OUT>): void | Iterable<OUT> | Promise<void | Iterable<OUT>>;
}

export abstract class RichReduceFunction<T> extends AbstractRichFunction {
  abstract reduce(a: T, b: T): T | Promise<T>;
}

/** Context of {@link ProcessFunction.processElement}. */
export interface ProcessContext {
  /** The record's timestamp (epoch ms), or `null` when it has none. */
  timestamp(): number | null;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Context of {@link KeyedProcessFunction.processElement} and `onTimer`. */
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
  /** Timers and the current watermark / processing time. */
  timerService(): TimerService;
}

/** Flink's `TimerService`; times are epoch ms. Timers are deduplicated per key and timestamp. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Context of `onTimer`. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'EVENT_TIME' | 'PROCESSING_TIME';
}

/** Flink's `ProcessFunction`: per record, with side outputs. */
export abstract class ProcessFunction<IN, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void | Promise<void>;
}

/** Flink's `KeyedProcessFunction`: per record of a keyed stream, with keyed state and timers. */
export abstract class KeyedProcessFunction<K, IN, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void | Promise<void>;
  /** Called when a registered timer fires. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void | Promise<void> {}
}

/** A class whose instances are user functions; constructor arguments are injected by tsyringe. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FunctionClass<F> = new (...args: any[]) => F;
