/**
 * The `weir run` side of one job: holds the job's {@link JobControl} once it is deployed, carries
 * out what the control endpoint and the process's signals ask for (savepoint, stop with savepoint,
 * cancel) in the states that allow it, and remembers how the job ended for the summary and the
 * exit code.
 *
 * States (a {@link RunningJobState}; `STARTING` until `attach`):
 * ```
 * STARTING ──attach──▶ RUNNING ──stop──▶ STOPPING ──savepoint failed──▶ RUNNING
 *     │                  │  ▲ savepoint        │
 *     │                  │  └─(stays RUNNING)  │ cancel (overrides the stop)
 *     │                  └──────cancel──────▶ CANCELLING
 *     └──────── end (the job's execute() returned or threw) ──────────▶ ENDED
 * ```
 * A stop or cancel asked for while `STARTING` (a signal during job loading) waits for `attach`.
 */
import type { JobControl } from '../index.js';
import type { StopSignal } from './exit-codes.js';
import { JobControlError } from './job-control-error.js';
import type { JobControlState, JobControlTarget, JobStatus, SavepointResponse } from './job-control-protocol.js';
import type { JobRegistration } from './job-registry.js';

/** {@link JobControlState} plus `STARTING`: the job is being loaded or deployed. */
export type RunningJobState = 'STARTING' | JobControlState;

/** Who ended the job: a job-control command (`weir stop` / `weir cancel`) or a signal to `weir run`. */
export type JobStopper = 'command' | StopSignal;

/**
 * How a job ended when it did not fail: `FINISHED` (its bounded input ended), `STOPPED` (with the
 * savepoint taken just before; Flink's stop-with-savepoint) or `CANCELED` (Flink's job status
 * names; a cancel overriding a stop in progress counts as `CANCELED`).
 */
export type JobEnding =
  | { readonly status: 'FINISHED' }
  | { readonly status: 'STOPPED'; readonly savepoint: SavepointResponse; readonly by: JobStopper }
  | { readonly status: 'CANCELED'; readonly by: JobStopper };

/** Options of {@link RunningJob}. */
export interface RunningJobOptions {
  /** The job's name. */
  jobName: string;
  /** Absolute path of the job file. */
  jobFile: string;
  /** Process id to register (default `process.pid`). */
  pid?: number;
  /** Wall clock for `startedAt`, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** See the module docstring. */
export class RunningJob implements JobControlTarget {
  private currentState: RunningJobState = 'STARTING';
  private control: JobControl | undefined;
  private startedAt = '';
  private socket = '';
  private ending: JobEnding | undefined;
  /** Stops and cancels in flight; `end` waits for them (bounded) so the ending is known. */
  private readonly operations = new Set<Promise<unknown>>();
  private cancelling: Promise<void> | undefined;
  private readonly attached: Promise<JobControl>;
  private resolveAttached!: (control: JobControl) => void;
  private rejectAttached!: (err: unknown) => void;
  /** Rejected by `end` once the grace period is over: what is still in flight then never completes. */
  private readonly abandoned: Promise<never>;
  private abandon!: (err: unknown) => void;

  constructor(private readonly options: RunningJobOptions) {
    this.attached = new Promise((resolve, reject) => {
      this.resolveAttached = resolve;
      this.rejectAttached = reject;
    });
    this.abandoned = new Promise<never>((_resolve, reject) => (this.abandon = reject));
    // Observed by whoever waits; no unhandled rejection when nobody does.
    this.attached.catch(() => undefined);
    this.abandoned.catch(() => undefined);
  }

  /** The current state. */
  get state(): RunningJobState {
    return this.currentState;
  }

  /** The job id, once attached. */
  get jobId(): string | undefined {
    return this.control?.jobId;
  }

  /**
   * The job is deployed (`ExecuteOptions.onStarted`): `STARTING` → `RUNNING`; a stop or cancel
   * asked for meanwhile proceeds now. Calls after the first are ignored.
   */
  attach(control: JobControl): void {
    if (this.control !== undefined || this.currentState !== 'STARTING') return;
    this.control = control;
    this.startedAt = new Date((this.options.now ?? Date.now)()).toISOString();
    this.currentState = 'RUNNING';
    this.resolveAttached(control);
  }

  /** Records the control socket's path, for {@link registration} and {@link status}. */
  setSocket(socket: string): void {
    this.socket = socket;
  }

  /**
   * What `$WEIR_HOME/jobs/<jobId>.json` holds for this job.
   * @throws Error before {@link attach}.
   */
  registration(): JobRegistration {
    if (this.control === undefined) throw new Error('the job has not started');
    return {
      jobId: this.control.jobId,
      jobName: this.options.jobName,
      pid: this.options.pid ?? process.pid,
      socket: this.socket,
      startedAt: this.startedAt,
      jobFile: this.options.jobFile,
    };
  }

  /** {@link registration} plus the state (`GET /`). */
  status(): JobStatus {
    const state = this.currentState === 'STARTING' ? 'RUNNING' : this.currentState;
    return { ...this.registration(), state };
  }

  /**
   * Takes a savepoint into `directory` while the job keeps running (Flink's `triggerSavepoint`).
   * A request made while the job's subtasks are still being deployed waits for them (the
   * checkpoint coordinator queues it).
   * @throws JobControlError (`WEIR_ERR_JOB_CONTROL`, status 409) unless `RUNNING`.
   * @throws the savepoint's failure (e.g. `CheckpointError`, `WEIR_ERR_CHECKPOINT`).
   */
  async triggerSavepoint(directory: string): Promise<SavepointResponse> {
    const control = this.require('take a savepoint', ['RUNNING']);
    return control.triggerSavepoint(directory);
  }

  /**
   * Takes a savepoint into `savepointDirectory`, then stops the job (Flink's `stopWithSavepoint`):
   * `RUNNING` → `STOPPING`; back to `RUNNING` when the savepoint fails (the job goes on, as in Flink).
   * Waits for {@link attach} when `STARTING`. No record is processed after the savepoint (the
   * sources stop at its barrier).
   * @param by who asks (for the ending); default `'command'`.
   * @returns the savepoint, once the job has stopped.
   * @throws JobControlError (`WEIR_ERR_JOB_CONTROL`, status 409) unless `RUNNING`, or when the job
   *   ends before it started; the savepoint's failure (e.g. `CheckpointError`).
   */
  async stop(savepointDirectory: string, by: JobStopper = 'command'): Promise<SavepointResponse> {
    if (this.currentState === 'STARTING') await this.attached;
    const control = this.require('stop it', ['RUNNING']);
    this.currentState = 'STOPPING';
    const op = Promise.race([control.stopWithSavepoint(savepointDirectory), this.abandoned]);
    this.track(op);
    try {
      const savepoint = await op;
      this.ending ??= { status: 'STOPPED', savepoint, by };
      return savepoint;
    } catch (err) {
      if (this.currentState === 'STOPPING') this.currentState = 'RUNNING';
      throw err;
    }
  }

  /**
   * Cancels the job (Flink's `cancel`): `RUNNING` or `STOPPING` → `CANCELLING`; a stop in progress
   * is overridden (its savepoint may still complete, but the job ends as `CANCELED`). Asking again
   * while `CANCELLING` joins the cancel in progress. Waits for {@link attach} when `STARTING`.
   * @param by who asks (for the ending); default `'command'`.
   * @throws JobControlError (`WEIR_ERR_JOB_CONTROL`, status 409) once `ENDED`, or when the job
   *   ends before it started.
   */
  async cancel(by: JobStopper = 'command'): Promise<void> {
    if (this.currentState === 'STARTING') await this.attached;
    if (this.currentState === 'CANCELLING' && this.cancelling !== undefined) return this.cancelling;
    const control = this.require('cancel it', ['RUNNING', 'STOPPING']);
    this.currentState = 'CANCELLING';
    this.ending = { status: 'CANCELED', by };
    this.cancelling = Promise.race([control.cancel(), this.abandoned]);
    this.track(this.cancelling);
    return this.cancelling;
  }

  /**
   * The job's `execute()` has returned or thrown: waits for the stop or cancel that decides the
   * ending (a stop in flight when no cancel overrode it, else the cancel), for at most `graceMs`
   * (default 5000 ms); enters `ENDED`; and says how the job ended (`FINISHED` unless stopped or
   * cancelled). Stops and cancels still in flight after that, or waiting for a job that never
   * started, are rejected with `JobControlError` (status 409): a savepoint that has not completed
   * when the job is gone never will. Never rejects.
   */
  async end(graceMs = 5000): Promise<JobEnding> {
    if (this.control === undefined) this.rejectAttached(new JobControlError('the job ended before it started', { status: 409 }));
    const deciding = this.ending !== undefined ? [this.cancelling] : [...this.operations];
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled(deciding), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.abandon(new JobControlError(`job '${this.options.jobName}' ended before the request completed`, { status: 409 }));
    this.currentState = 'ENDED';
    return this.ending ?? { status: 'FINISHED' };
  }

  private track(op: Promise<unknown>): void {
    const settled: Promise<unknown> = op.then(
      (): void => void this.operations.delete(settled),
      (): void => void this.operations.delete(settled),
    );
    this.operations.add(settled);
  }

  /** The control, when the state is one of `allowed`. @throws JobControlError 409 otherwise. */
  private require(action: string, allowed: readonly RunningJobState[]): JobControl {
    if (this.control === undefined || !allowed.includes(this.currentState)) {
      const why: Record<RunningJobState, string> = {
        STARTING: 'has not started yet',
        RUNNING: 'is running',
        STOPPING: 'is being stopped with a savepoint',
        CANCELLING: 'is being cancelled',
        ENDED: 'has ended',
      };
      throw new JobControlError(`cannot ${action}: job '${this.options.jobName}' ${why[this.currentState]}`, { status: 409 });
    }
    return this.control;
  }
}
