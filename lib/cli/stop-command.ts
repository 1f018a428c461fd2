/**
 * `weir stop <job> [--savepoint-path DIR] [--json]`: stops a running job with a savepoint (Flink's
 * `flink stop --savepointPath <dir> <jobId>`): a savepoint is taken into
 * `<dir>/savepoint-<jobId>-<checkpointId>/`, then the job stops without draining (no final
 * watermark; Flink's `--drain` does not exist here). `<job>` is a job id or a unique job name.
 * `<dir>` is `--savepoint-path`, else `$WEIR_SAVEPOINT_DIR`, else `./savepoints`, relative to the
 * current directory. Answers once the job has stopped; prints the savepoint's path on stdout (with
 * `--json`: `{jobId, jobName, path, checkpointId}`). The job's `weir run` then prints its summary,
 * naming the savepoint, and exits 0. Resume with `weir run <job file> --from-savepoint <path>`,
 * at any parallelism. With `--cluster` (or `$WEIR_CLUSTER`) it asks the cluster's job manager; the
 * savepoint directory must be one every host reaches (or `jetstream://…`).
 *
 * Exit codes ({@link ExitCode}): 0 stopped; 1 the savepoint failed (the job keeps running, as in
 * Flink) or the job refused (already stopping or ending); 2 usage error, or `<job>` names no
 * running job or several (`WEIR_ERR_JOB_LOOKUP`).
 */
import type { Command } from 'commander';
import type { CliIO } from './cli-io.js';
import { addNatsOptions, clusterOptionsOf, type NatsFlags } from './cluster-options-cli.js';
import { clusterJobCommand } from './cluster-commands.js';
import { ExitCode } from './exit-codes.js';
import { describeJob, operateJob, savepointDirectory } from './job-control-command.js';

/** Parsed options of `weir stop`. */
export interface StopCommandOptions {
  /** Directory for the savepoint (default `$WEIR_SAVEPOINT_DIR`, else `./savepoints`). */
  savepointPath?: string;
  /** Print `{jobId, jobName, path, checkpointId}` instead of the bare path. */
  json?: boolean;
}

/**
 * Adds the `stop` sub-command to `program`; its action reports its exit code through `setExitCode`.
 * @returns the sub-command.
 */
export function registerStopCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): Command {
  return addNatsOptions(program.command('stop'), 'cluster', false)
    .description('stop a running job with a savepoint; prints the savepoint path (flink stop)')
    .argument('<job>', 'job id or unique job name (see weir list)')
    .option('-p, --savepoint-path <dir>', 'directory to put the savepoint in (default: $WEIR_SAVEPOINT_DIR, ./savepoints)')
    .option('--json', 'print {jobId, jobName, path, checkpointId} as JSON instead of the path')
    .addHelpText('after', '\nExamples:\n  weir stop zone-revenue --savepoint-path /data/savepoints\n  weir run examples/taxi/zone-revenue.ts -p 8 --from-savepoint /data/savepoints/savepoint-job-1-1a2b3c4d-7\n  weir stop <job> --savepoint-path /shared/savepoints --cluster nats://127.0.0.1:4222')
    .action(async (job: string, options: StopCommandOptions & NatsFlags) => {
      const cluster = clusterOptionsOf(options);
      if (cluster !== undefined) {
        // Absolute (the cluster runs elsewhere); a jetstream:// location is kept as is.
        const directory = savepointDirectory(options.savepointPath, io.env);
        setExitCode(
          await clusterJobCommand(io, cluster, { op: 'savepoint', jobId: job, directory, stop: true }, (r: { path: string; checkpointId: number }) =>
            options.json === true ? `${JSON.stringify({ jobId: job, path: r.path, checkpointId: r.checkpointId })}\n` : `${r.path}\n`,
          ),
        );
        return;
      }
      setExitCode(await stopCommand(job, options, io));
    });
}

/**
 * The `stop` action.
 * @returns the exit code (see the module doc); never throws.
 */
export async function stopCommand(ref: string, options: StopCommandOptions, io: CliIO): Promise<ExitCode> {
  const directory = savepointDirectory(options.savepointPath, io.env);
  return operateJob(ref, 'stop', io, async (job, client) => {
    io.stderr.write(`weir: stopping job ${describeJob(job)} with a savepoint into ${directory}\n`);
    const savepoint = await client.stop(directory);
    io.stderr.write(`weir: job ${describeJob(job)} stopped after savepoint ${savepoint.checkpointId}; resume with: weir run ${job.jobFile} --from-savepoint <path>\n`);
    io.stdout.write(options.json === true ? `${JSON.stringify({ jobId: job.jobId, jobName: job.jobName, ...savepoint })}\n` : `${savepoint.path}\n`);
    return ExitCode.OK;
  });
}
