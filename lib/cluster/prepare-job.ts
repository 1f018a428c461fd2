/**
 * Rebuilds a job from its {@link JobSpec} in this process: imports the job module, runs its
 * default-exported job function on a fresh environment and compiles the graph. The job manager
 * does it to plan the job, every task slot does it to instantiate its subtasks' operators — the
 * same module builds the same graph (node ids and uids are assigned in build order), as Flink
 * loads the same user jar on the JobManager and on every TaskManager. A spec with
 * `parallelismOverrides` (a rescaled job) compiles at that parallelism.
 */
import { StreamExecutionEnvironment } from '../index.js';
import type { ExecutionRequest, JobSpec } from '../api/executor.js';
import type { JobGraph } from '../graph/job-graph.js';
import { createJobContext } from '../cli/job-context.js';
import { loadJobFunction } from '../cli/run-job-file.js';

/** A job rebuilt from its spec: the graph and the runtime settings its environment chose. */
export interface PreparedJob {
  graph: JobGraph;
  request: ExecutionRequest;
}

/**
 * @throws JobLoadError (`WEIR_ERR_JOB_LOAD`) when the module is missing or has no job function.
 * @throws whatever the job function throws while building the pipeline, and ConfigurationError
 *   for an invalid graph.
 */
export async function prepareJob(spec: JobSpec): Promise<PreparedJob> {
  const job = await loadJobFunction(spec.file);
  const env = StreamExecutionEnvironment.create({
    ...(spec.parallelism !== undefined && { parallelism: spec.parallelism }),
    ...(spec.maxParallelism !== undefined && { maxParallelism: spec.maxParallelism }),
    jobName: spec.jobName,
  });
  await job(env, createJobContext(spec.file, spec.args, env.getParallelism()));
  if (spec.checkpointInterval !== undefined) env.enableCheckpointing(spec.checkpointInterval, env.getCheckpointConfig().getCheckpointingMode());
  if (spec.checkpointDir !== undefined) env.getCheckpointConfig().setCheckpointStorage(spec.checkpointDir);
  const prepared = env.prepare({ jobName: spec.jobName });
  const overrides = spec.parallelismOverrides;
  if (overrides === undefined || Object.keys(overrides).length === 0) return prepared;
  // A rescaled job (kept by the HA job store): the same graph at its rescaled parallelism.
  const request = { ...prepared.request, parallelismOverrides: { ...overrides } };
  return { graph: request.recompile!(request.defaultParallelism ?? 1, overrides), request };
}
