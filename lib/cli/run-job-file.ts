/**
 * Runs a job file in this process: the programmatic core of `weir run`, also used by tests.
 * TypeScript job files need the loader hooks registered first (`bin/weir.js` does that; elsewhere
 * use `node --import weir/dist/lib/cli/register-ts-loader.js`).
 */
import 'reflect-metadata'; // before any job module, so tsyringe decorators find Reflect.metadata
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamExecutionEnvironment, type JobControl, type JobExecutionResult, type JobProgress } from '../index.js';
import { createJobContext, jobNameOf, type JobContext } from './job-context.js';
import { JobLoadError } from './job-load-error.js';

/**
 * The shape of a job file's default export: builds the pipeline on `env` and returns (or resolves)
 * without calling `env.execute()` — the runner executes the graph afterwards.
 *
 * @example
 * export default function job(env: StreamExecutionEnvironment, ctx: JobContext) {
 *   env.fromCollection(ctx.args).map((s) => s.toUpperCase()).print();
 * }
 */
export type JobFunction = (env: StreamExecutionEnvironment, ctx: JobContext) => void | Promise<void>;

/** Options of {@link runJobFile}. */
export interface RunJobFileOptions {
  /** Default parallelism of the job's operators (≥ 1); the environment's default when omitted. */
  parallelism?: number;
  /** Upper bound for rescaling, i.e. the number of key groups (≥ 1); the environment's default when omitted. */
  maxParallelism?: number;
  /** The job's own arguments, exposed as `ctx.args`. Default `[]`. */
  args?: readonly string[];
  /** Job name; default the job file's name without its extension (`zone-revenue.ts` → `zone-revenue`). */
  jobName?: string;
  /** Called periodically while the job runs (see `progressIntervalMs`). */
  onProgress?: (progress: JobProgress) => void;
  /** Interval of `onProgress` calls in ms. Default: the environment's. */
  progressIntervalMs?: number;
  /** Checkpoint every this many ms (overrides the job's `enableCheckpointing`; Flink's `execution.checkpointing.interval`). */
  checkpointInterval?: number;
  /** Checkpoint storage: a directory or `jetstream://<bucket>[/<prefix>]` (overrides the job's; Flink's `state.checkpoints.dir`). */
  checkpointDir?: string;
  /** Savepoint or checkpoint to start from (see `ExecuteOptions.fromSavepoint`). */
  fromSavepoint?: string;
  /** Skip snapshot state of operators the job no longer has. */
  allowNonRestoredState?: boolean;
  /** Called with the running job's control handle (savepoints, stop). */
  onStarted?: (control: JobControl) => void;
  /** Called with runtime warnings. */
  onWarning?: (message: string) => void;
  /**
   * Run the subtasks on this many worker-thread task slots (Flink's MiniCluster with
   * `taskmanager.numberOfTaskSlots`; subtask i on slot i mod slots), each slot loading this job
   * file. Default: every subtask on the calling thread. See TaskSlotsOptions.
   */
  slots?: number;
}

/**
 * Loads `file` (resolved against `process.cwd()`), calls its default-exported {@link JobFunction}
 * with a fresh environment and a {@link JobContext}, then executes the graph it built.
 *
 * @returns the job's result: runtime in ms, per-operator record counts and output locations.
 * @throws JobLoadError (`WEIR_ERR_JOB_LOAD`) when the file is missing, fails to compile or import,
 *   or has no default-exported function.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a bad configuration, e.g. a job without sinks.
 * @throws whatever the job function throws while building the graph, and JobExecutionError
 *   (`WEIR_ERR_JOB_FAILED`, cause chained) when the job fails while running.
 *
 * @example const result = await runJobFile('examples/taxi/zone-revenue.ts', { parallelism: 4, args: ['2024-01'] });
 */
export async function runJobFile(file: string, options: RunJobFileOptions = {}): Promise<JobExecutionResult> {
  const jobFile = resolvePath(file);
  const jobName = options.jobName ?? jobNameOf(jobFile);
  const job = await loadJobFunction(jobFile);

  const env = StreamExecutionEnvironment.create({
    ...(options.parallelism !== undefined && { parallelism: options.parallelism }),
    ...(options.maxParallelism !== undefined && { maxParallelism: options.maxParallelism }),
    jobName,
  });
  const ctx = createJobContext(jobFile, options.args ?? [], env.getParallelism());
  await job(env, ctx);
  // Command-line settings win over the job file's, as Flink's -D options over the program's defaults.
  if (options.checkpointInterval !== undefined) env.enableCheckpointing(options.checkpointInterval, env.getCheckpointConfig().getCheckpointingMode());
  if (options.checkpointDir !== undefined) env.getCheckpointConfig().setCheckpointStorage(options.checkpointDir);
  return env.execute({
    jobName,
    ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
    ...(options.progressIntervalMs !== undefined && { progressIntervalMs: options.progressIntervalMs }),
    ...(options.fromSavepoint !== undefined && { fromSavepoint: options.fromSavepoint }),
    ...(options.allowNonRestoredState === true && { allowNonRestoredState: true }),
    ...(options.onStarted !== undefined && { onStarted: options.onStarted }),
    ...(options.onWarning !== undefined && { onWarning: options.onWarning }),
    ...(options.slots !== undefined && {
      taskSlots: {
        count: options.slots,
        // What a slot needs to build the same graph: the settings given here, not the job file's.
        job: {
          file: jobFile,
          args: [...(options.args ?? [])],
          jobName,
          parallelism: options.parallelism,
          maxParallelism: options.maxParallelism,
          checkpointInterval: options.checkpointInterval,
          checkpointDir: options.checkpointDir,
        },
      },
    }),
  });
}

/**
 * Imports `jobFile` (an absolute path) and returns its default export.
 * @throws JobLoadError (`WEIR_ERR_JOB_LOAD`) as described on {@link runJobFile}.
 */
export async function loadJobFunction(jobFile: string): Promise<JobFunction> {
  if (!existsSync(jobFile)) throw new JobLoadError(jobFile, `job file not found: ${jobFile}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(jobFile).href)) as { default?: unknown };
  } catch (err) {
    // The cause carries the detail (compiler diagnostic, missing module, top-level throw).
    throw new JobLoadError(jobFile, `could not import ${jobFile}`, { cause: err });
  }
  if (typeof mod.default !== 'function') {
    const found = mod.default === undefined ? 'no default export' : `a default export of type ${typeof mod.default}`;
    throw new JobLoadError(
      jobFile,
      `${jobFile} has ${found}; a job file must \`export default function (env, ctx) { … }\` that builds the pipeline`,
    );
  }
  return mod.default as JobFunction;
}
