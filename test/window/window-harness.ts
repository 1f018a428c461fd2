/**
 * A one-operator test harness for window operators (after Flink's KeyedOneInputStreamOperatorTestHarness):
 * takes the operator factory a `WindowedStream` put in the graph, runs it against a real heap keyed
 * backend, a real InternalTimerService and a ManualClock, and records what it emits. Tests drive it
 * with elements, watermarks and processing-time advances, and inspect state and timers.
 */
import { HeapOperatorStateStore } from '../../lib/state/heap-operator-state-store.js';
import { KeyGroupRange, ManualClock, type SingleOutputStreamOperator } from '../../lib/index.js';
import type { OneInputTransformation } from '../../lib/api/transformation.js';
import type { OperatorContext, Output, StreamOperator } from '../../lib/operators/stream-operator.js';
import type { WindowOperator } from '../../lib/operators/window-operator.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { InternalTimerService, type TimerTarget } from '../../lib/time/timer-service.js';

export interface Emitted<T> {
  value: T;
  timestamp: number;
}

const MAX_PARALLELISM = 128;

export class WindowHarness<IN, OUT> {
  readonly clock: ManualClock;
  readonly backend = new HeapKeyedStateBackend(MAX_PARALLELISM, new KeyGroupRange(0, MAX_PARALLELISM - 1));
  /** Main output, in emission order. */
  readonly output: Emitted<OUT>[] = [];
  /** Side outputs by tag id. */
  readonly side = new Map<string, Emitted<unknown>[]>();
  readonly watermarks: number[] = [];
  readonly operator: WindowOperator<IN, never> & StreamOperator<IN>;
  private service: InternalTimerService | undefined;
  private target: TimerTarget | undefined;
  private readonly keyOf: (v: unknown) => unknown;

  /** @param stream the result of `….window(…).reduce/aggregate/process/apply(…)` (not executed). */
  constructor(stream: SingleOutputStreamOperator<OUT>, startMs = 0) {
    this.clock = new ManualClock(startMs);
    const t = stream.transformation as OneInputTransformation;
    this.keyOf = t.stateKeySelector!;
    const output: Output<unknown> = {
      collect: (value, timestamp) => {
        this.output.push({ value: value as OUT, timestamp });
      },
      collectSide: (tagId, value, timestamp) => {
        const l = this.side.get(tagId) ?? [];
        l.push({ value, timestamp });
        this.side.set(tagId, l);
      },
      emitWatermark: (wm) => {
        this.watermarks.push(wm);
      },
    };
    const ctx: OperatorContext = {
      jobName: 'harness',
      operatorName: t.name,
      uid: 'window',
      subtaskIndex: 0,
      parallelism: 1,
      maxParallelism: MAX_PARALLELISM,
      attemptNumber: 0,
      clock: this.clock,
      keyedBackend: this.backend,
      operatorStateStore: new HeapOperatorStateStore(),
      checkpointingEnabled: false,
      instantiate: <T>(cls: new (...args: never[]) => T): T => new cls(),
      reportOutput: () => {},
      sendToJob: () => {},
      timerService: (target) => {
        this.target = target;
        this.service ??= new InternalTimerService(this.clock, () => {});
        return this.service;
      },
      registerProcessingTimeCallback: () => {
        throw new Error('not used by window operators');
      },
    };
    this.operator = t.factory(ctx, output) as WindowOperator<IN, never> & StreamOperator<IN>;
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  /** Sets the key from the stream's key selector, then processes `value` with `timestamp` (epoch ms). */
  async element(value: IN, timestamp: number): Promise<void> {
    this.backend.setCurrentKey(this.keyOf(value));
    await this.operator.processElement(value, timestamp);
  }

  async watermark(wm: number): Promise<void> {
    await this.operator.processWatermark!(wm);
  }

  /** Moves the clock to `timeMs` and fires the processing-time timers due (as the subtask's TimersDue). */
  async setProcessingTime(timeMs: number): Promise<void> {
    this.clock.setTime(timeMs);
    if (this.service !== undefined) await this.service.onProcessingTime(this.target!);
  }

  /** Main output values, and clears them. */
  take(): OUT[] {
    return this.output.splice(0).map((e) => e.value);
  }

  /** Number of (state, key) entries in the backend: 0 once every window was cleaned up. */
  stateEntries(): number {
    return this.backend.entryCount();
  }

  timerCount(): { event: number; processing: number } {
    return this.operator.timerCount();
  }

  async close(): Promise<void> {
    this.service?.dispose();
    await this.operator.close();
  }
}
