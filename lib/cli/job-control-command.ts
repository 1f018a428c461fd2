/**
 * What `weir savepoint`, `stop` and `cancel` share: finding the job a reference names among the
 * registered running jobs, calling its control endpoint, and turning failures into a report and
 * an exit code. A registration whose endpoint no longer answers is removed on the way.
 */
import { absoluteLocation } from '../checkpoint/storage-location.js';
import type { CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { isUnreachable, JobControlClient } from './job-control-client.js';
import { JobLookupError } from './job-lookup-error.js';
import { findJob, removeStale, runningJobs, type JobRegistration } from './job-registry.js';
import { exitCodeFor, formatError } from './run-report.js';
import { weirHome } from './weir-home.js';

/** The savepoint directory used when the command line names none (relative to the current directory). */
export const DEFAULT_SAVEPOINT_DIR = 'savepoints';

/**
 * The absolute savepoint directory for `weir savepoint` / `weir stop`: `explicit` when given, else
 * `env.WEIR_SAVEPOINT_DIR` (Flink's `state.savepoints.dir`) when set and not empty, else
 * `./savepoints`; relative paths are resolved against the current directory (not the job's);
 * `jetstream://<bucket>[/<path>]` URIs are kept as given.
 */
export function savepointDirectory(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env['WEIR_SAVEPOINT_DIR'];
  return absoluteLocation(explicit ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_SAVEPOINT_DIR));
}

/** `'<name>' (<id>)`: how messages name a job. */
export function describeJob(job: JobRegistration): string {
  return `'${job.jobName}' (${job.jobId})`;
}

/**
 * Finds the running job `ref` names (its id, or a unique name) in `$WEIR_HOME` and runs `action`
 * with a client for its endpoint.
 * @param verb what is being done, for the failure headline (`cannot <verb> job '<name>' (<id>)`),
 *   e.g. `take a savepoint of`.
 * @returns `action`'s exit code; on failure, after reporting on `io.stderr`: 2 when `ref` names no
 *   running job or several (`WEIR_ERR_JOB_LOOKUP`; also when the job's endpoint no longer answers —
 *   its registration is then removed), 1 when the endpoint refused or the operation failed
 *   (`WEIR_ERR_JOB_CONTROL`, the job's error as cause). Never throws.
 */
export async function operateJob(ref: string, verb: string, io: CliIO, action: (job: JobRegistration, client: JobControlClient) => Promise<ExitCode>): Promise<ExitCode> {
  const home = weirHome(io.env);
  let label = `'${ref}'`;
  try {
    const job = findJob(await runningJobs(home), ref);
    label = describeJob(job);
    try {
      return await action(job, new JobControlClient(job.socket));
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      await removeStale(home, job);
      throw new JobLookupError(ref, `job ${label} is no longer running (nothing answers on ${job.socket}); its registration was removed`, []);
    }
  } catch (err) {
    io.stderr.write(formatError(`cannot ${verb} job ${label}`, err, io.env['WEIR_DEBUG'] === '1'));
    const code = exitCodeFor(err);
    return code === ExitCode.USAGE ? code : ExitCode.JOB_FAILED;
  }
}
