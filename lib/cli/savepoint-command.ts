/**
 * `weir savepoint <job> [targetDirectory] [--savepoint-dir DIR] [--json]`: takes a savepoint of a
 * running job while it keeps running (Flink's `flink savepoint <jobId> [targetDirectory]`). `<job>`
 * is a job id or a unique job name (see `weir list`). The savepoint goes to
 * `<dir>/savepoint-<jobId>-<checkpointId>/` (with `_metadata`), where `<dir>` is `targetDirectory`,
 * else `--savepoint-dir`, else `$WEIR_SAVEPOINT_DIR`, else `./savepoints` — relative to the current
 * directory. Prints the savepoint's path on stdout (with `--json`: `{jobId, jobName, path,
 * checkpointId}`), progress on stderr. Resume from it with `weir run <job file> --from-savepoint <path>`.
 *
 * Exit codes ({@link ExitCode}): 0 the savepoint completed; 1 it failed (the reason, e.g.
 * `WEIR_ERR_CHECKPOINT`, is reported) or the job refused (it is stopping or ending); 2 usage error,
 * or `<job>` names no running job or several (`WEIR_ERR_JOB_LOOKUP`, candidates listed).
 */
import type { Command } from 'commander';
import { addNatsOptions, clusterOptionsOf, type NatsFlags } from './cluster-options-cli.js';
import { clusterJobCommand } from './cluster-commands.js';
import type { CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { describeJob, operateJob, savepointDirectory } from './job-control-command.js';

/** Parsed options of `weir savepoint`. */
export interface SavepointCommandOptions {
  /** The savepoint directory when no `targetDirectory` argument is given. */
  savepointDir?: string;
  /** Print `{jobId, jobName, path, checkpointId}` instead of the bare path. */
  json?: boolean;
}

/**
 * Adds the `savepoint` sub-command to `program`; its action reports its exit code through `setExitCode`.
 * @returns the sub-command.
 */
export function registerSavepointCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): Command {
  return addNatsOptions(program.command('savepoint'), 'cluster', false)
    .description('take a savepoint of a running job; prints its path (flink savepoint)')
    .argument('<job>', 'job id or unique job name (see weir list)')
    .argument('[targetDirectory]', 'directory to put the savepoint in (default: --savepoint-dir, $WEIR_SAVEPOINT_DIR, ./savepoints)')
    .option('-d, --savepoint-dir <dir>', 'directory to put the savepoint in, when no targetDirectory is given')
    .option('--json', 'print {jobId, jobName, path, checkpointId} as JSON instead of the path')
    .addHelpText('after', '\nExamples:\n  weir savepoint zone-revenue /data/savepoints\n  weir run examples/taxi/zone-revenue.ts --from-savepoint "$(weir savepoint zone-revenue)"')
    .action(async (job: string, targetDirectory: string | undefined, options: SavepointCommandOptions & NatsFlags) => {
      const cluster = clusterOptionsOf(options);
      if (cluster !== undefined) {
        const directory = savepointDirectory(targetDirectory ?? options.savepointDir, io.env);
        setExitCode(await clusterJobCommand(io, cluster, { op: 'savepoint', jobId: job, directory }, (r: { path: string; checkpointId: number }) => (options.json === true ? `${JSON.stringify({ jobId: job, path: r.path, checkpointId: r.checkpointId })}\n` : `${r.path}\n`)));
        return;
      }
      setExitCode(await savepointCommand(job, targetDirectory, options, io));
    });
}

/**
 * The `savepoint` action.
 * @returns the exit code (see the module doc); never throws.
 */
export async function savepointCommand(ref: string, targetDirectory: string | undefined, options: SavepointCommandOptions, io: CliIO): Promise<ExitCode> {
  if (targetDirectory !== undefined && options.savepointDir !== undefined) {
    io.stderr.write('weir: give the savepoint directory once: as targetDirectory or with --savepoint-dir\n');
    return ExitCode.USAGE;
  }
  const directory = savepointDirectory(targetDirectory ?? options.savepointDir, io.env);
  return operateJob(ref, 'take a savepoint of', io, async (job, client) => {
    io.stderr.write(`weir: triggering a savepoint of job ${describeJob(job)} into ${directory}\n`);
    const savepoint = await client.triggerSavepoint(directory);
    io.stderr.write(`weir: savepoint ${savepoint.checkpointId} completed; resume with: weir run ${job.jobFile} --from-savepoint <path>\n`);
    io.stdout.write(options.json === true ? `${JSON.stringify({ jobId: job.jobId, jobName: job.jobName, ...savepoint })}\n` : `${savepoint.path}\n`);
    return ExitCode.OK;
  });
}
