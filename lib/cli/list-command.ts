/**
 * `weir list [--json]`: the jobs running on this machine (Flink's `flink list`, running jobs only:
 * a job exists only while its `weir run` process does). Reads the registry in `$WEIR_HOME/jobs/`
 * and asks each job's control endpoint for its state (2 s at most each); registrations whose
 * process is gone or whose endpoint no longer answers are stale and removed on the way.
 *
 * Prints an aligned table on stdout (`JOB ID  NAME  PID  UPTIME  STATE`, oldest job first), or
 * nothing on stdout and `weir: no running jobs` on stderr; with `--json`, an array of
 * {@link ListedJob} on one line (`[]` when none). STATE is `RUNNING`, `STOPPING` (a
 * stop-with-savepoint is in progress), `CANCELLING`, or `UNKNOWN` (the endpoint did not answer in time).
 *
 * Exit codes ({@link ExitCode}): 0 (also when no job runs); 1 the registry could not be read;
 * 2 usage error.
 */
import type { Command } from 'commander';
import { addNatsOptions, clusterOptionsOf, type NatsFlags } from './cluster-options-cli.js';
import { clusterJobCommand } from './cluster-commands.js';
import type { JobSummary } from '../../actors/job-manager-actor.js';
import type { CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { isUnreachable, JobControlClient } from './job-control-client.js';
import type { JobControlState } from './job-control-protocol.js';
import { removeStale, runningJobs, type JobRegistration } from './job-registry.js';
import { formatError } from './run-report.js';
import { weirHome } from './weir-home.js';

/** How long `weir list` waits for one job's endpoint to answer, ms. */
export const LIST_STATUS_TIMEOUT_MS = 2000;

/** One row of `weir list`: the registration, the job's state, and its uptime in ms. */
export interface ListedJob extends JobRegistration {
  readonly state: JobControlState | 'UNKNOWN';
  /** ms since `startedAt`, at the time of listing. */
  readonly uptimeMs: number;
}

/** Parsed options of `weir list`. */
export interface ListCommandOptions {
  /** Print a JSON array of {@link ListedJob} instead of the table. */
  json?: boolean;
}

/**
 * Adds the `list` sub-command to `program`; its action reports its exit code through `setExitCode`.
 * @returns the sub-command.
 */
export function registerListCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): Command {
  return addNatsOptions(program.command('list'), 'cluster', false)
    .description('list the jobs running on this machine (flink list)')
    .option('--json', 'print the jobs as a JSON array')
    .action(async (options: ListCommandOptions & NatsFlags) => {
      const cluster = clusterOptionsOf(options);
      if (cluster !== undefined) {
        setExitCode(
          await clusterJobCommand(io, cluster, { op: 'list' }, (r: { jobs: JobSummary[] }) =>
            options.json === true ? `${JSON.stringify(r.jobs)}\n` : r.jobs.map((j) => `${j.jobId}  ${j.jobName}  ${j.status.toUpperCase()}  restarts ${j.restarts}  checkpoints ${j.checkpointsCompleted}${j.recoveries > 0 ? `  recovered ${j.recoveries}x` : ''}`).join('\n') + '\n',
          ),
        );
        return;
      }
      setExitCode(await listCommand(options, io));
    });
}

/**
 * The `list` action.
 * @returns the exit code (see the module doc); never throws.
 */
export async function listCommand(options: ListCommandOptions, io: CliIO): Promise<ExitCode> {
  try {
    const jobs = await listJobs(io.env);
    if (options.json === true) io.stdout.write(`${JSON.stringify(jobs)}\n`);
    else if (jobs.length === 0) io.stderr.write('weir: no running jobs\n');
    else io.stdout.write(formatJobTable(jobs));
    return ExitCode.OK;
  } catch (err) {
    io.stderr.write(formatError('cannot list jobs', err, io.env['WEIR_DEBUG'] === '1'));
    return ExitCode.JOB_FAILED;
  }
}

/**
 * The running jobs registered in the Weir home of `env` (see `weir-home.ts`), with their state;
 * stale registrations are removed.
 * @param now wall clock, epoch ms (default `Date.now`), for `uptimeMs`.
 */
export async function listJobs(env: Readonly<Record<string, string | undefined>>, now: () => number = Date.now): Promise<ListedJob[]> {
  const home = weirHome(env);
  const rows = await Promise.all(
    (await runningJobs(home)).map(async (job): Promise<ListedJob | undefined> => {
      let state: ListedJob['state'];
      try {
        state = (await new JobControlClient(job.socket).status({ timeoutMs: LIST_STATUS_TIMEOUT_MS })).state;
      } catch (err) {
        if (isUnreachable(err)) {
          await removeStale(home, job); // the pid was reused by another process
          return undefined;
        }
        state = 'UNKNOWN';
      }
      return { ...job, state, uptimeMs: Math.max(0, now() - Date.parse(job.startedAt)) };
    }),
  );
  return rows.filter((r): r is ListedJob => r !== undefined);
}

/** The table of `weir list`, with a header line, columns aligned, ending with a newline. */
export function formatJobTable(jobs: readonly ListedJob[]): string {
  const header = ['JOB ID', 'NAME', 'PID', 'UPTIME', 'STATE'];
  const rows = jobs.map((j) => [j.jobId, j.jobName, String(j.pid), formatUptime(j.uptimeMs), j.state]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((cells) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n') + '\n';
}

/** `42s`, `3m 05s`, `2h 03m`, `4d 07h`: a duration in ms, in its two largest units (whole, rounded down). */
export function formatUptime(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor(s / 3600) % 24)}h`;
}
