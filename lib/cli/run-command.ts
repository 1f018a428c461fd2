/**
 * `weir run <job> [--parallelism N] [--max-parallelism N] [--checkpoint-interval MS]
 * [--checkpoint-dir DIR|jetstream://BUCKET[/PATH]] [--nats URLS] [--from-savepoint PATH | --from-checkpoint PATH]
 * [--allow-non-restored-state] [--stop-with-savepoint DIR] [--json] [--quiet] [-- job args]`: runs a
 * TypeScript or JavaScript job file in this process (Flink's attached `flink run`). The file's
 * default export builds the pipeline (it must not call `env.execute()` itself); this command
 * executes it, shows progress on stderr (first after 2 s, then every second), and ends with a
 * summary on stderr — or, with `--json`, the `JobExecutionResult` (plus `status`, `stoppedBy`,
 * `savepoint`) as one line of JSON on stdout.
 *
 * While the job runs, `weir list` shows it and `weir savepoint` / `stop` / `cancel` operate it
 * through its control endpoint (a Unix socket under `$WEIR_HOME/run/`, registered in
 * `$WEIR_HOME/jobs/<jobId>.json`; both are removed when the job ends). SIGINT/SIGTERM cancel the job
 * or, with `--stop-with-savepoint DIR`, stop it with a savepoint into DIR (a second signal cancels,
 * a third exits at once; see `stop-signals.ts`).
 *
 * Exit codes ({@link ExitCode}): 0 the job finished, or was stopped with a savepoint (`weir stop`,
 * a signal with `--stop-with-savepoint`); 1 the job failed, or was cancelled by `weir cancel`;
 * 2 usage or configuration error (`WEIR_ERR_CONFIG`, e.g. a job that defined no sinks;
 * `WEIR_ERR_RESTORE`); 3 job file could not be loaded; 130 / 143 the job was cancelled on SIGINT /
 * SIGTERM. `WEIR_DEBUG=1` adds stacks to failure reports.
 *
 * Checkpoint storage, savepoint and restore locations may be `jetstream://<bucket>[/<path>]` (a NATS
 * JetStream object store bucket) instead of directories: the run connects to `--nats` (with the
 * `--nats-user`… credentials), else `$NATS_URL`, else nats://127.0.0.1:4222, and closes that
 * connection when the job ends. With `--cluster`, the cluster's processes use their own connections.
 */
import { resolve as resolvePath } from 'node:path';
import { Option, type Command } from 'commander';
import { absoluteLocation } from '../checkpoint/storage-location.js';
import type { NatsCliOptions } from '../transport/nats-connection-options.js';
import type { JobControl, JobExecutionResult } from '../index.js';
import type { CliIO } from './cli-io.js';
import { ExitCode, exitCodeForSignal } from './exit-codes.js';
import { jobNameOf } from './job-context.js';
import type { SavepointResponse } from './job-control-protocol.js';
import { publishJob, type PublishedJob } from './job-endpoint.js';
import { positiveInteger } from './options.js';
import { addNatsOptions, clusterOptionsOf, type NatsFlags } from './cluster-options-cli.js';
import { createProgressReporter, exitCodeFor, formatFailure, formatSummary } from './run-report.js';
import { RunningJob, type JobEnding, type JobStopper } from './running-job.js';
import { handleStopSignals } from './stop-signals.js';
import { weirHome } from './weir-home.js';

/** Parsed options of `weir run` (commander's camel-cased flags). */
export interface RunCommandOptions {
  /** `-p`: default parallelism of the job's operators, ≥ 1 (default: the environment's, 1). */
  parallelism?: number;
  /** `--max-parallelism`: number of key groups, the upper bound for rescaling, ≥ 1. */
  maxParallelism?: number;
  /** `--checkpoint-interval`: checkpoint every this many ms (overrides the job file). */
  checkpointInterval?: number;
  /**
   * `--checkpoint-dir`: write checkpoints to `<dir>/<jobId>/chk-<n>` (overrides the job file); a
   * directory or `jetstream://<bucket>[/<path>]`.
   */
  checkpointDir?: string;
  /**
   * `--nats` (with the NATS credential flags): the connection of `jetstream://` checkpoint storage
   * and savepoints of this embedded run (default `$NATS_URL`, else nats://127.0.0.1:4222).
   */
  checkpointStorageNats?: NatsCliOptions;
  /** `--from-savepoint`: a savepoint directory or its `_metadata` file to start from (Flink's `-s`). */
  fromSavepoint?: string;
  /** `--from-checkpoint`: a `chk-<n>` directory, or a checkpoint directory (its newest readable checkpoint). */
  fromCheckpoint?: string;
  /** `--allow-non-restored-state`: skip snapshot state of operators the job no longer has. */
  allowNonRestoredState?: boolean;
  /**
   * `--stop-with-savepoint`: on SIGINT/SIGTERM, stop the job with a savepoint into this directory
   * (relative to the current directory, or a `jetstream://` URI) and exit 0, instead of cancelling
   * it (exit 130/143).
   */
  stopWithSavepoint?: string;
  /** `--json`: print the result as one line of JSON on stdout instead of the summary on stderr. */
  json?: boolean;
  /** `-q`: no progress lines. */
  quiet?: boolean;
  /** `--slots`: run the subtasks on this many worker-thread task slots (embedded only; see RunJobFileOptions.slots). */
  slots?: number;
}

/**
 * Adds the `run` sub-command to `program`; its action reports its exit code through `setExitCode`.
 * @returns the sub-command.
 */
export function registerRunCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): Command {
  return addNatsOptions(program.command('run'), 'cluster', false)
    .description('run a job file (.ts or .js) whose default export builds the pipeline')
    .argument('<job>', 'job file, relative to the current directory')
    .argument('[args...]', 'arguments for the job (ctx.args); put them after --')
    .addOption(new Option('-p, --parallelism <n>', 'default parallelism of the job').argParser(positiveInteger))
    .addOption(new Option('--max-parallelism <n>', 'maximum parallelism (number of key groups)').argParser(positiveInteger))
    .addOption(new Option('--checkpoint-interval <ms>', 'checkpoint every <ms> milliseconds (overrides the job file)').argParser(positiveInteger))
    .option('--checkpoint-dir <dir>', 'write checkpoints to <dir>/<job id>/chk-<n> (overrides the job file); <dir> may be jetstream://<bucket>[/<path>] (NATS JetStream object store)')
    .option('--nats <urls>', 'without --cluster: NATS server(s) for jetstream:// checkpoint storage and savepoints (default $NATS_URL, else nats://127.0.0.1:4222)')
    .option('--from-savepoint <path>', 'start from a savepoint (its directory or _metadata file)')
    .option('--from-checkpoint <path>', 'start from a checkpoint: a chk-<n> directory, or a checkpoint directory (the newest readable checkpoint under it)')
    .option('--allow-non-restored-state', 'skip snapshot state of operators the job no longer has')
    .option('--stop-with-savepoint <dir>', 'on SIGINT/SIGTERM, stop the job with a savepoint into <dir> and exit 0 (default: cancel it and exit 130/143)')
    .option('--json', 'print the job result as JSON on stdout instead of the summary')
    .option('-q, --quiet', 'no progress output')
    .option('--detached', 'with --cluster: return once the job is submitted (flink run -d)')
    .addOption(new Option('--slots <n>', 'embedded: run the subtasks on <n> worker-thread task slots (subtask i on slot i mod n), to use <n> cores').argParser(positiveInteger))
    .addHelpText('after', '\nExamples:\n  weir run examples/taxi/zone-revenue.ts -p 4 -- data/trips.csv\n  weir run job.ts --checkpoint-interval 1000 --checkpoint-dir /tmp/chk\n  weir run job.ts --from-checkpoint /tmp/chk\n  weir run job.ts --checkpoint-interval 1000 --checkpoint-dir jetstream://weir-chk --nats nats://nats:4222\n  weir run job.ts --from-checkpoint jetstream://weir-chk/<job id>\n  weir run job.ts -p 2 --slots 2                           # two worker threads\n  weir run job.ts --stop-with-savepoint /data/savepoints   # SIGTERM → savepoint, exit 0')
    .action(async (job: string, args: string[], options: RunCommandOptions & NatsFlags) => {
      // --nats names the checkpoint storage's servers of an embedded run; --cluster a cluster.
      const cluster = clusterOptionsOf({ ...options, nats: undefined });
      const storageNats = options.nats !== undefined || hasNatsCredentials(options) ? clusterOptionsOf({ ...options, cluster: undefined, nats: options.nats ?? defaultNatsUrl(io.env) })?.nats : undefined;
      if (cluster !== undefined) {
        if (options.slots !== undefined) {
          io.stderr.write('weir: --slots is for embedded runs; on a cluster the task managers own the slots (weir taskmanager --slots)\n');
          setExitCode(ExitCode.USAGE);
          return;
        }
        const { runOnCluster } = await import('./cluster-run.js');
        setExitCode(await runOnCluster(job, args, cluster, { ...options, fromSavepoint: options.fromSavepoint ?? options.fromCheckpoint }, io));
        return;
      }
      setExitCode(await runCommand(job, args, { ...options, ...(storageNats !== undefined && { checkpointStorageNats: storageNats }) }, io));
    });
}

function hasNatsCredentials(f: NatsFlags): boolean {
  return [f.natsUser, f.natsPassword, f.natsToken, f.natsNkey, f.natsCreds, f.tlsCa, f.tlsCert, f.tlsKey].some((x) => x !== undefined);
}

function defaultNatsUrl(env: Readonly<Record<string, string | undefined>>): string {
  const url = env['NATS_URL'];
  return url !== undefined && url !== '' ? url : 'nats://127.0.0.1:4222';
}

/**
 * The `run` action: runs the job file and reports on `io`. While the job runs it is published for
 * the job-control commands (control endpoint on a Unix socket, registration in `$WEIR_HOME/jobs/`;
 * a failure to publish is a warning, the job runs anyway), and, when `io.signals` is given,
 * SIGINT/SIGTERM stop it with a savepoint (`--stop-with-savepoint`) or cancel it (see
 * `stop-signals.ts`). Registration and socket are gone before this resolves.
 * @returns the exit code (see the module doc); never throws.
 */
export async function runCommand(job: string, args: readonly string[], options: RunCommandOptions, io: CliIO): Promise<ExitCode> {
  const jobName = jobNameOf(job);
  if (options.fromSavepoint !== undefined && options.fromCheckpoint !== undefined) {
    io.stderr.write('weir: --from-savepoint and --from-checkpoint exclude each other\n');
    return ExitCode.USAGE;
  }
  const debug = io.env['WEIR_DEBUG'] === '1';
  const restoreFrom = options.fromSavepoint ?? options.fromCheckpoint;
  const progress = options.quiet === true ? undefined : createProgressReporter(io.stderr, jobName);
  const running = new RunningJob({ jobName, jobFile: resolvePath(job) });
  const home = weirHome(io.env);
  let published: Promise<PublishedJob | undefined> | undefined;
  let publishedJob: PublishedJob | undefined;
  const onStarted = (control: JobControl): void => {
    running.attach(control);
    published = publishJob(running, home).then(
      (p) => (publishedJob = p),
      (err: unknown) => {
        io.stderr.write(`weir: warning: weir list/savepoint/stop/cancel will not find this job: cannot publish its control endpoint under ${home.root}: ${(err as Error).message}\n`);
        return undefined;
      },
    );
  };
  const signals =
    io.signals === undefined
      ? undefined
      : handleStopSignals(io.signals, running, {
          jobName,
          out: io.stderr,
          debug,
          stopWithSavepoint: options.stopWithSavepoint === undefined ? undefined : absoluteLocation(options.stopWithSavepoint),
          beforeForcedExit: () => publishedJob?.closeSync(),
        });
  // Ends the job's life on this side: waits for stops/cancels in flight, unpublishes.
  const shutdown = async (): Promise<JobEnding> => {
    const ending = await running.end();
    await (await published)?.close();
    signals?.dispose();
    return ending;
  };
  let restoreNats: (() => void) | undefined;
  try {
    if (options.checkpointStorageNats !== undefined) {
      const { useNatsForCheckpointStorage } = await import('../checkpoint/checkpoint-storage-connection.js');
      restoreNats = useNatsForCheckpointStorage(options.checkpointStorageNats);
    }
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
      ...(options.slots !== undefined && { slots: options.slots }),
      onStarted,
      onWarning: (m) => io.stderr.write(`weir: warning: ${m}\n`),
    });
    const ending = await shutdown();
    progress?.end();
    if (options.json === true) io.stdout.write(`${JSON.stringify(jsonResult(result, ending))}\n`);
    else io.stderr.write(formatSummary(result, ending));
    return exitCodeForEnding(ending);
  } catch (err) {
    await shutdown();
    progress?.end();
    io.stderr.write(formatFailure(jobName, err, debug));
    return exitCodeFor(err);
  } finally {
    restoreNats?.();
  }
}

/**
 * What `weir run --json` prints: the `JobExecutionResult` plus `status` (`FINISHED`, `STOPPED`,
 * `CANCELED`), `stoppedBy` / `savepoint` (`{path, checkpointId}`) when it did not finish by itself.
 */
export function jsonResult(result: JobExecutionResult, ending: JobEnding): JobExecutionResult & { status: JobEnding['status']; stoppedBy?: JobStopper; savepoint?: SavepointResponse } {
  if (ending.status === 'FINISHED') return { ...result, status: 'FINISHED' };
  if (ending.status === 'STOPPED') return { ...result, status: 'STOPPED', stoppedBy: ending.by, savepoint: ending.savepoint };
  return { ...result, status: 'CANCELED', stoppedBy: ending.by };
}

/**
 * The exit code of a job that did not fail: 0 when it finished or was stopped with a savepoint;
 * when cancelled, 1 (by `weir cancel`, as Flink's attached client exits for a cancelled job) or
 * 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
 */
export function exitCodeForEnding(ending: JobEnding): ExitCode {
  if (ending.status !== 'CANCELED') return ExitCode.OK;
  return ending.by === 'command' ? ExitCode.JOB_FAILED : exitCodeForSignal(ending.by);
}
