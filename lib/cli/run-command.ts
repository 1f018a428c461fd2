/**
 * `weir run <job> [--parallelism N] [--max-parallelism N] [--json] [--quiet] [-- job args]`: runs a
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
    .option('--json', 'print the job result as JSON on stdout instead of the summary')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', '\nExample:\n  weir run examples/taxi/zone-revenue.ts -p 4 -- data/trips.csv')
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
