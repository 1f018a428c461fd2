/**
 * What the one- and two-input operator test harnesses share (Flink's AbstractStreamOperatorTestHarness):
 * the harness runtime (context, manual clock, keyed backend, timers), the recorded output, the
 * lifecycle and the one-call-at-a-time guard, processing time, closing, and the read-out methods.
 */
import type { OutputTag } from '../api/output-tag.js';
import { ConfigurationError } from '../errors.js';
import type { OperatorContext } from '../operators/stream-operator.js';
import { RecordingOutput, type HarnessOutputElement, type HarnessRecord } from './harness-output.js';
import type { HarnessRuntime } from './harness-runtime.js';

/** Where a harness is in the operator lifecycle. */
export type HarnessLifecycle = 'created' | 'open' | 'input-ended' | 'closed';

export abstract class OperatorTestHarnessBase<OUT> {
  protected readonly output = new RecordingOutput<OUT>();
  protected lifecycle: HarnessLifecycle = 'created';
  private busy: string | undefined;

  constructor(protected readonly rt: HarnessRuntime) {}

  /** Closes the operator under test. */
  protected abstract closeOperator(): void | Promise<void>;

  /**
   * Moves processing time to `timeMs` (epoch ms) and fires, in time order, every
   * processing-time timer and callback due on the way: time stops at each due time, where the
   * due callbacks run first (in registration order), then the operator's keyed processing-time
   * timers (in timestamp order, key context set); async handlers are awaited before time moves
   * on, and timers registered while firing fire too if due by `timeMs`. Each handler sees
   * `currentProcessingTime()` equal to its step's time. Flink's harness `setProcessingTime`.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `timeMs` is before the current processing
   *   time or the harness is closed.
   */
  async setProcessingTime(timeMs: number): Promise<void> {
    await this.run('setProcessingTime()', ['created', 'open', 'input-ended'], () => this.rt.advanceProcessingTime(timeMs));
  }

  /**
   * Cancels pending timers and callbacks and closes the operator (and its rich function). Safe to
   * call in any state, also after a failure (as the runtime does); a second call does nothing.
   */
  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    await this.run('close()', ['created', 'open', 'input-ended'], async () => {
      this.lifecycle = 'closed';
      this.rt.dispose();
      await this.closeOperator();
    });
  }

  /**
   * Everything emitted on the main output so far, records and watermarks in emission order
   * (Flink's `getOutput()`). A copy: later emissions do not change it; see {@link clearOutput}.
   */
  extractOutput(): HarnessOutputElement<OUT>[] {
    return this.output.main.slice();
  }

  /** The records (with timestamps) of the main output, without watermarks (Flink's `extractOutputStreamRecords()`). */
  extractOutputRecords(): HarnessRecord<OUT>[] {
    return this.output.main.filter((e): e is HarnessRecord<OUT> => e.kind === 'record');
  }

  /** The values of the main output's records, in order (Flink's `extractOutputValues()`). */
  extractOutputValues(): OUT[] {
    return this.extractOutputRecords().map((r) => r.value);
  }

  /** Records sent to side output `tag` (matched by id), in order; `[]` when none (Flink's `getSideOutput(tag)`). */
  getSideOutput<X>(tag: OutputTag<X>): HarnessRecord<X>[] {
    return ((this.output.side.get(tag.id) ?? []) as HarnessRecord<X>[]).slice();
  }

  /** Forgets the main and side output recorded so far (Flink's `getOutput().clear()`). */
  clearOutput(): void {
    this.output.clear();
  }

  /**
   * Number of (state, key) entries in the keyed state backend (Flink's `numKeyedStateEntries()`);
   * cleared state does not count.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed harness.
   */
  numKeyedStateEntries(): number {
    return this.rt.keyedStateEntries();
  }

  /** Number of registered, not yet fired or deleted, event-time timers (Flink's `numEventTimeTimers()`). */
  numEventTimeTimers(): number {
    return this.rt.timerCount().event;
  }

  /** Number of registered, not yet fired or deleted, processing-time timers (Flink's `numProcessingTimeTimers()`). */
  numProcessingTimeTimers(): number {
    return this.rt.timerCount().processing;
  }

  /** Current processing time, epoch ms. */
  getProcessingTime(): number {
    return this.rt.clock.now();
  }

  /** The harness's lifecycle state. */
  getLifecycle(): HarnessLifecycle {
    return this.lifecycle;
  }

  /** The context the operator was built with (subtask index, parallelism, clock, keyed backend…). */
  getOperatorContext(): OperatorContext {
    return this.rt.context;
  }

  /** Locations the operator reported with `ctx.reportOutput` (sinks), in order. */
  getReportedOutputs(): string[] {
    return this.rt.reportedOutputs.slice();
  }

  /** Messages the operator sent to the job with `ctx.sendToJob` (the collect sink), in order. */
  getMessagesToJob(): unknown[] {
    return this.rt.messagesToJob.slice();
  }

  /**
   * Runs `body` as the only call in progress, in one of the `allowed` lifecycle states.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an overlapping call or a call in the wrong state.
   */
  protected async run(method: string, allowed: HarnessLifecycle[], body: () => void | Promise<void>): Promise<void> {
    const name = this.rt.context.operatorName;
    if (this.busy !== undefined) throw new ConfigurationError(`operator '${name}': ${method} called while ${this.busy} is still running; await each harness call`);
    if (!allowed.includes(this.lifecycle)) throw new ConfigurationError(`operator '${name}': ${method} is not allowed when the harness is ${this.lifecycle} (allowed: ${allowed.join(', ')})`);
    this.busy = method;
    try {
      await body();
    } finally {
      this.busy = undefined;
    }
  }
}

/** The static constructors' default operator name, unless the options give one. */
export function named<O extends { operatorName?: string | undefined }>(name: string, options: O | undefined): O & { operatorName: string } {
  return { ...(options ?? ({} as O)), operatorName: options?.operatorName ?? name };
}
