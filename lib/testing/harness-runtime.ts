/**
 * What an operator test harness provides around the operator under test, shared by the one- and
 * two-input harnesses: the {@link OperatorContext} built as `lib/runtime/operator-chain.ts` builds
 * it (keyed backend over the subtask's key-group range, one timer service per operator,
 * processing-time callbacks, user classes through a tsyringe child container), a manual
 * processing-time clock moved one due time at a step, and the key context check. Internal to
 * `weir/testing`.
 *
 * Checkpoints: the keyed backend (state and, through the timer service's storage, keyed timers)
 * and the operator state store are what the harness snapshots and restores.
 */
import { HeapOperatorStateStore } from '../state/heap-operator-state-store.js';
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { ConfigurationError, describeRecord } from '../errors.js';
import { OPERATOR_TIMERS_STATE_NAME, type OperatorContext } from '../operators/stream-operator.js';
import { userError } from '../operators/user-function.js';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.js';
import { computeDefaultMaxParallelism, computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
import { ManualClock } from '../time/clock.js';
import { TimerHeap } from '../time/timer-heap.js';
import { InternalTimerService, type TimerTarget } from '../time/timer-service.js';
import { SteppingClock } from './stepping-clock.js';

/** Where the operator under test sits, and the context it sees. */
export interface HarnessRuntimeOptions {
  /** Parallelism of the operator (default 1). */
  parallelism?: number | undefined;
  /** Number of key groups (default Flink's `computeDefaultMaxParallelism(parallelism)`, 128 for small parallelism). */
  maxParallelism?: number | undefined;
  /**
   * Index of the subtask the harness plays, in `[0, parallelism)` (default 0). A keyed harness
   * owns the key groups `computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism,
   * subtaskIndex)` and rejects records whose key falls outside them.
   */
  subtaskIndex?: number | undefined;
  /** Operator name in the context and in error messages (default: the DataStream API's name, `'Operator'` for {@link OneInputOperatorTestHarness.forOperator}). */
  operatorName?: string | undefined;
  /** Operator uid (default the operator name). */
  uid?: string | undefined;
  /** Job name seen by `getRuntimeContext().getJobName()` (default `'test-job'`). */
  jobName?: string | undefined;
  /** Attempt number in the context (default 0). */
  attemptNumber?: number | undefined;
  /** Initial processing time, epoch ms (default 0). */
  initialProcessingTime?: number | undefined;
  /** Parent container for user function classes; the harness resolves through a child of it (default tsyringe's root container). */
  container?: DependencyContainer | undefined;
}

type Callback = { timestamp: number; seq: number; run: () => void | Promise<void>; cancelled: boolean };

/** The context, clock, keyed backend and timers of one harnessed operator. */
export class HarnessRuntime {
  readonly context: OperatorContext;
  readonly clock: SteppingClock;
  /** Present when the harness is keyed. */
  readonly backend: HeapKeyedStateBackend | undefined;
  /** The operator's list, union-list and broadcast states. */
  readonly operatorStateStore = new HeapOperatorStateStore();
  readonly reportedOutputs: string[] = [];
  readonly messagesToJob: unknown[] = [];
  private readonly timerServices: { service: InternalTimerService; target: TimerTarget }[] = [];
  private readonly callbacks = new TimerHeap<Callback>();
  private callbackSeq = 0;
  private timersRequested = false;

  /**
   * @param keyed whether to keep a keyed-state backend (required for keyed state and timers).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an invalid parallelism, max parallelism or subtask index.
   */
  constructor(options: HarnessRuntimeOptions, keyed: boolean) {
    const parallelism = options.parallelism ?? 1;
    const maxParallelism = options.maxParallelism ?? computeDefaultMaxParallelism(parallelism);
    const subtaskIndex = options.subtaskIndex ?? 0;
    // Validates all three (integers, 1 ≤ p ≤ maxP, 0 ≤ index < p) even for non-keyed operators.
    const keyGroupRange = computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism, subtaskIndex);
    const operatorName = options.operatorName ?? 'Operator';
    this.clock = new SteppingClock(new ManualClock(options.initialProcessingTime ?? 0));
    // State TTL runs on the harness's processing time.
    this.backend = keyed ? new HeapKeyedStateBackend(maxParallelism, keyGroupRange, this.clock) : undefined;
    const container = (options.container ?? rootContainer).createChildContainer();
    const requestTimers = (): void => {
      this.timersRequested = true;
    };
    const backend = this.backend;
    let service: InternalTimerService | undefined;
    this.context = {
      jobName: options.jobName ?? 'test-job',
      operatorName,
      uid: options.uid ?? operatorName,
      subtaskIndex,
      parallelism,
      maxParallelism,
      attemptNumber: options.attemptNumber ?? 0,
      clock: this.clock,
      keyedBackend: backend,
      operatorStateStore: this.operatorStateStore,
      checkpointingEnabled: false,
      instantiate: <T>(cls: new (...args: never[]) => T): T => {
        try {
          return container.resolve(cls as never) as T;
        } catch (err) {
          throw new ConfigurationError(
            `operator '${operatorName}': cannot create ${cls.name} through dependency injection (is it decorated with @injectable() and are its constructor parameters classes or registered tokens?)`,
            { cause: err },
          );
        }
      },
      reportOutput: (location) => {
        this.reportedOutputs.push(location);
      },
      sendToJob: (message) => {
        this.messagesToJob.push(message);
      },
      registerProcessingTimeCallback: (time, run) => {
        const entry: Callback = { timestamp: time, seq: this.callbackSeq++, run, cancelled: false };
        this.callbacks.push(entry);
        const handle = this.clock.setTimeout(requestTimers, Math.max(0, time - this.clock.now()));
        return {
          cancel: () => {
            entry.cancelled = true;
            handle.cancel();
          },
        };
      },
      timerService: (target) => {
        if (backend === undefined) throw new ConfigurationError(`operator '${operatorName}': timers are only available on a keyed stream (use keyBy() first)`);
        if (service === undefined) {
          // The timers live in the keyed backend, so snapshots of the backend include them.
          service = new InternalTimerService(this.clock, requestTimers, { backend, name: OPERATOR_TIMERS_STATE_NAME });
          this.timerServices.push({ service, target });
        }
        return service;
      },
    };
  }

  /**
   * Moves processing time to `timeMs`, one due time at a step, firing due callbacks then keyed
   * processing-time timers at each step (see `OneInputOperatorTestHarness.setProcessingTime`).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `timeMs` is before the current time.
   */
  async advanceProcessingTime(timeMs: number): Promise<void> {
    if (!(timeMs >= this.clock.now())) throw new ConfigurationError(`processing time cannot go backwards: it is ${this.clock.now()}, asked for ${timeMs}`);
    // One step per due time, re-reading the next due time after each step: handlers may
    // register (or cancel) timers, also for the current time.
    for (let next = this.clock.nextDueAtOrBefore(timeMs); next !== undefined; next = this.clock.nextDueAtOrBefore(timeMs)) {
      this.clock.setTime(next);
      await this.fireRequestedTimers();
    }
    this.clock.setTime(timeMs);
  }

  /** Cancels pending timer wake-ups and callbacks (on close). */
  dispose(): void {
    for (const { service } of this.timerServices) service.dispose();
    for (let c = this.callbacks.pop(); c !== undefined; c = this.callbacks.pop()) c.cancelled = true;
  }

  /** Live event-time and processing-time timers over the operator's timer services. */
  timerCount(): { event: number; processing: number } {
    let event = 0;
    let processing = 0;
    for (const { service } of this.timerServices) {
      const c = service.timerCount();
      event += c.event;
      processing += c.processing;
    }
    return { event, processing };
  }

  /**
   * Number of (state, key) entries of the keyed backend.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) on a non-keyed harness.
   */
  keyedStateEntries(): number {
    if (this.backend === undefined) throw new ConfigurationError(`operator '${this.context.operatorName}': numKeyedStateEntries() needs a keyed harness (give a keySelector)`);
    return this.backend.entryCount();
  }

  /**
   * Flink's `setKeyContextElement`: the current key is `keyOf(value)`.
   * @throws UserFunctionError when the key selector throws; ConfigurationError when the key's
   *   group is not owned by this subtask.
   */
  setKeyContext<T>(keyOf: (v: T) => unknown, value: T): void {
    const backend = this.backend!;
    try {
      backend.setCurrentKey(keyOf(value));
    } catch (err) {
      throw userError(this.context, value, err);
    }
    const range = backend.keyGroupRange;
    if (!range.contains(backend.currentKeyGroup)) {
      throw new ConfigurationError(
        `operator '${this.context.operatorName}': key ${describeRecord(backend.currentKey)} is in key group ${backend.currentKeyGroup}, which subtask ${this.context.subtaskIndex} of ${this.context.parallelism} does not own (key groups ${range.startKeyGroup}..${range.endKeyGroup} of ${this.context.maxParallelism})`,
      );
    }
  }

  /** Fires due callbacks, then due keyed processing-time timers, while the clock asked for it. */
  private async fireRequestedTimers(): Promise<void> {
    while (this.timersRequested) {
      this.timersRequested = false;
      const now = this.clock.now();
      for (let c = this.callbacks.peek(); c !== undefined && c.timestamp <= now; c = this.callbacks.peek()) {
        this.callbacks.pop();
        if (!c.cancelled) await c.run();
      }
      for (const { service, target } of this.timerServices) await service.onProcessingTime(target);
    }
  }
}
