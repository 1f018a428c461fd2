/**
 * What `weir run` does on SIGINT and SIGTERM while its job runs — what a service manager or
 * Kubernetes sends before killing a process (Flink has no counterpart: a Flink client is not the
 * job; this plays the part of `flink stop` / `flink cancel` sent to the job by whoever stops the
 * process):
 *
 * 1. the first signal stops the job with a savepoint into `stopWithSavepoint` when that is set
 *    (`--stop-with-savepoint <dir>`), and cancels it otherwise. If that savepoint fails, the
 *    failure is reported and the job is cancelled;
 * 2. a further signal while the stop-with-savepoint is in progress cancels instead;
 * 3. a further signal while cancelling (or while the job file is still being loaded) gives up: the
 *    registration and socket are deleted synchronously, the listeners removed, and the signal
 *    raised again, so the process dies of it.
 *
 * Signals after the job ended are ignored (the process is about to exit). The job's ending records
 * the signal, from which `weir run` takes its exit code (0 when stopped with a savepoint,
 * 128 + the signal's number when cancelled).
 */
import type { CliOutput, ProcessSignals } from './cli-io.js';
import type { StopSignal } from './exit-codes.js';
import { formatError } from './run-report.js';
import type { RunningJob } from './running-job.js';

/** Options of {@link handleStopSignals}. */
export interface StopSignalOptions {
  /** Absolute directory for the savepoint of a stop on the first signal; cancel when undefined. */
  stopWithSavepoint?: string | undefined;
  /** The job's name, for messages. */
  jobName: string;
  /** Where to say what is happening (stderr). */
  out: CliOutput;
  /** Called synchronously before the process re-raises a signal on itself (step 3): delete files. */
  beforeForcedExit?: () => void;
  /** `WEIR_DEBUG=1`: stacks in failure reports. */
  debug?: boolean;
}

/** Installed signal handling; `dispose` removes the listeners (call it once the job has ended). */
export interface StopSignalHandling {
  dispose(): void;
}

/** Handles SIGINT and SIGTERM of `signals` for `job` as described in the module docstring. */
export function handleStopSignals(signals: ProcessSignals, job: RunningJob, options: StopSignalOptions): StopSignalHandling {
  const { out, jobName } = options;
  let stopRequested = false;
  const onSignal = (signal: StopSignal): void => {
    switch (job.state) {
      case 'ENDED':
        return;
      case 'STARTING':
        if (!stopRequested) break;
      // falls through: a second signal while the job is still being loaded gives up at once
      case 'CANCELLING':
        out.write(`weir: ${signal} again: exiting without waiting for job '${jobName}' to stop\n`);
        dispose();
        options.beforeForcedExit?.();
        signals.kill(signals.pid, signal);
        return;
      case 'STOPPING':
        out.write(`weir: ${signal} again: cancelling job '${jobName}' instead of waiting for its savepoint\n`);
        cancel(signal);
        return;
      default:
        break;
    }
    const dir = options.stopWithSavepoint;
    const first = !stopRequested;
    stopRequested = true;
    if (dir !== undefined && first) {
      out.write(`weir: ${signal}: stopping job '${jobName}' with a savepoint into ${dir} (${signal} again cancels it instead)\n`);
      job.stop(dir, signal).then(
        () => undefined, // the summary names the savepoint
        (err: unknown) => {
          if (job.state === 'ENDED' || job.state === 'CANCELLING') return;
          out.write(formatError(`the savepoint of job '${jobName}' failed; cancelling the job`, err, options.debug));
          cancel(signal);
        },
      );
      return;
    }
    out.write(`weir: ${signal}: cancelling job '${jobName}' (${signal} again exits without waiting)\n`);
    cancel(signal);
  };
  const cancel = (signal: StopSignal): void => {
    job.cancel(signal).catch(() => undefined); // refused only once the job has ended: nothing left to do
  };
  const dispose = (): void => {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  return { dispose };
}
