/**
 * `weir cancel <job>`: cancels a running job (Flink's `flink cancel <jobId>`): its subtasks stop
 * where they are, without a savepoint; what exactly-once sinks had not committed is discarded.
 * `<job>` is a job id or a unique job name. Answers once the job has stopped; the job's `weir run`
 * then prints its summary and exits 1 (a cancelled job, as Flink's attached client reports it).
 * A stop-with-savepoint in progress is overridden.
 *
 * Exit codes ({@link ExitCode}): 0 cancelled; 1 the job refused (already ending) or could not be
 * reached; 2 usage error, or `<job>` names no running job or several (`WEIR_ERR_JOB_LOOKUP`).
 */
import type { Command } from 'commander';
import { addNatsOptions, clusterOptionsOf, type NatsFlags } from './cluster-options-cli.js';
import { clusterJobCommand } from './cluster-commands.js';
import type { CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { describeJob, operateJob } from './job-control-command.js';

/**
 * Adds the `cancel` sub-command to `program`; its action reports its exit code through `setExitCode`.
 * @returns the sub-command.
 */
export function registerCancelCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): Command {
  return addNatsOptions(program.command('cancel'), 'cluster', false)
    .description('cancel a running job, without a savepoint (flink cancel)')
    .argument('<job>', 'job id or unique job name (see weir list)')
    .option('--json', 'print {"jobId", "status"} as one line of JSON on stdout')
    .action(async (job: string, options: NatsFlags & { json?: boolean }) => {
      const cluster = clusterOptionsOf(options);
      if (cluster !== undefined) {
        setExitCode(
          await clusterJobCommand(io, cluster, { op: 'cancel', jobId: job }, (r: { job: { jobId: string; status: string } }) =>
            options.json === true ? `${JSON.stringify({ jobId: r.job.jobId, status: r.job.status })}\n` : `job ${r.job.jobId} ${r.job.status}\n`,
          ),
        );
        return;
      }
      setExitCode(await cancelCommand(job, io, options.json === true));
    });
}

/**
 * The `cancel` action.
 * @param json also print `{"jobId", "status": "cancelled"}` on stdout (`--json`).
 * @returns the exit code (see the module doc); never throws.
 */
export async function cancelCommand(ref: string, io: CliIO, json = false): Promise<ExitCode> {
  return operateJob(ref, 'cancel', io, async (job, client) => {
    io.stderr.write(`weir: cancelling job ${describeJob(job)}\n`);
    await client.cancel();
    io.stderr.write(`weir: job ${describeJob(job)} cancelled\n`);
    if (json) io.stdout.write(`${JSON.stringify({ jobId: job.jobId, status: 'cancelled' })}\n`);
    return ExitCode.OK;
  });
}
