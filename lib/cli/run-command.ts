/**
 * `weir run <job> [--parallelism N] [--max-parallelism N] [--checkpoint-interval MS]
 * [--checkpoint-dir DIR] [--from-savepoint PATH | --from-checkpoint PATH]
 * [--allow-non-restored-state] [--json] [--quiet] [-- job args]`: runs a
 * TypeScript or JavaScript job file in this process. The file's default export builds the pipeline
 * (it must not call `env.execute()` itself); this command executes it, shows progress on stderr
 * (first after 2 s, then every second), and ends with a summary on stderr — or, with `--json`, the
 * `JobExecutionResult` as one line of JSON on stdout.
 *
 * Exit codes ({@link ExitCode}): 0 success, 1 job failed, 2 usage or configuration error
 * (`WEIR_ERR_CONFIG`, e.g. a job that defined no sinks), 3 job file could not be loaded.
 * `WEIR_DEBUG=1` adds stacks to failure reports.
 */
import { Option, type Command } from 'commander';
import type { CliIO } from './cli-io.js';
import { jobNameOf } from './job-context.js';
import { positiveInteger } from './options.js';
import { ExitCode } from './exit-codes.js';
import { createProgressReporter, exitCodeFor, formatFailure, formatSummary } from './run-report.js';

/** Parsed options of `weir run`. */
export interface RunCommandOptions {
  parallelism?: number;
  maxParallelism?: number;
  checkpointInterval?: number;
  checkpointDir?: string;
  fromSavepoint?: string;
  fromCheckpoint?: string;
  allowNonRestoredState?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * Adds the `run` sub-command to `program`; its action reports its exit code through `setExitCode`.
 * @returns the sub-command.
 */
export function registerRunCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): Command {
  return program
    .command('run')
    .description('run a job file (.ts or .js) whose default export builds the pipeline')
    .argument('<job>', 'job file, relative to the current directory')
    .argument('[args...]', 'arguments for the job (ctx.args); put them after --')
    .addOption(new Option('-p, --parallelism <n>', 'default parallelism of the job').argParser(positiveInteger))
    .addOption(new Option('--max-parallelism <n>', 'maximum parallelism (number of key groups)').argParser(positiveInteger))
    .addOption(new Option('--checkpoint-interval <ms>', 'checkpoint every <ms> milliseconds (overrides the job file)').argParser(positiveInteger))
    .option('--checkpoint-dir <dir>', 'write checkpoints to <dir>/<job id>/chk-<n> (overrides the job file)')
    .option('--from-savepoint <path>', 'start from a savepoint (its directory or _metadata file)')
    .option('--from-checkpoint <path>', 'start from a checkpoint: a chk-<n> directory, or a checkpoint directory (the newest readable checkpoint under it)')
    .option('--allow-non-restored-state', 'skip snapshot state of operators the job no longer has')
    .option('--json', 'print the job result as JSON on stdout instead of the summary')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', '\nExamples:\n  weir run examples/taxi/zone-revenue.ts -p 4 -- data/trips.csv\n  weir run job.ts --checkpoint-interval 1000 --checkpoint-dir /tmp/chk\n  weir run job.ts --from-checkpoint /tmp/chk')
    .action(async (job: string, args: string[], options: RunCommandOptions) => {
      setExitCode(await runCommand(job, args, options, io));
    });
}

/**
 * The `run` action: runs the job file and reports on `io`.
 * @returns the exit code (see the module doc); never throws.
 */
export async function runCommand(job: string, args: readonly string[], options: RunCommandOptions, io: CliIO): Promise<ExitCode> {
  const jobName = jobNameOf(job);
  if (options.fromSavepoint !== undefined && options.fromCheckpoint !== undefined) {
    io.stderr.write('weir: --from-savepoint and --from-checkpoint exclude each other\n');
    return ExitCode.USAGE;
  }
  const restoreFrom = options.fromSavepoint ?? options.fromCheckpoint;
  const progress = options.quiet === true ? undefined : createProgressReporter(io.stderr, jobName);
  try {
    // Loaded lazily so `weir --help` and usage errors do not pay for (or depend on) the runtime.
    const { runJobFile } = await import('./run-job-file.js');
    const result = await runJobFile(job, {
      args,
      jobName,
      progressIntervalMs: 1000,
      ...(options.parallelism !== undefined && { parallelism: options.parallelism }),
      ...(options.maxParallelism !== undefined && { maxParallelism: options.maxParallelism }),
      ...(progress !== undefined && { onProgress: progress.update }),
      ...(options.checkpointInterval !== undefined && { checkpointInterval: options.checkpointInterval }),
      ...(options.checkpointDir !== undefined && { checkpointDir: options.checkpointDir }),
      ...(restoreFrom !== undefined && { fromSavepoint: restoreFrom }),
      ...(options.allowNonRestoredState === true && { allowNonRestoredState: true }),
      onWarning: (m) => io.stderr.write(`weir: warning: ${m}\n`),
    });
    progress?.end();
    if (options.json === true) io.stdout.write(`${JSON.stringify(result)}\n`);
    else io.stderr.write(formatSummary(result));
    return ExitCode.OK;
  } catch (err) {
    progress?.end();
    io.stderr.write(formatFailure(jobName, err, io.env['WEIR_DEBUG'] === '1'));
    return exitCodeFor(err);
  }
}
