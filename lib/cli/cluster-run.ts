/**
 * `weir run <job> --cluster <nats urls>`: submits the job file to the cluster's job manager (the
 * same path must reach the module on every task manager: a shared directory, or the same checkout
 * on every host) and, unless `--detached`, follows its status until it ends (Flink's `flink run`
 * attached vs `-d`). Exit codes: 0 finished (or submitted, detached), 1 failed or cancelled or the
 * request failed, 2 bad options.
 */
import { resolve as resolvePath } from 'node:path';
import { absoluteLocation } from '../checkpoint/storage-location.js';
import type { CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { formatError } from './run-report.js';
import type { ClusterConnectOptions } from '../cluster/cluster-options.js';
import type { JobSpec } from '../api/executor.js';
import type { JobSummary } from '../../actors/job-manager-actor.js';
import { jobNameOf } from './job-context.js';

/**
 * How long an attached `weir run --cluster` keeps asking for its job while no job manager answers
 * or the job is unknown (a standby taking over and recovering it), ms.
 */
const FAILOVER_GRACE_MS = 60_000;

/** What `weir run --cluster` needs besides the connection. */
export interface ClusterRunOptions {
  parallelism?: number | undefined;
  maxParallelism?: number | undefined;
  checkpointInterval?: number | undefined;
  checkpointDir?: string | undefined;
  fromSavepoint?: string | undefined;
  allowNonRestoredState?: boolean | undefined;
  detached?: boolean | undefined;
  json?: boolean | undefined;
  /** Status poll interval while attached, ms (default 500). */
  pollMs?: number;
}

/** @returns the exit code; never throws. */
export async function runOnCluster(job: string, args: readonly string[], c: ClusterConnectOptions, o: ClusterRunOptions, io: CliIO): Promise<ExitCode> {
  const file = resolvePath(job);
  // Paths are made absolute here (the cluster runs elsewhere); storage URIs are kept.
  const checkpointDir = o.checkpointDir === undefined ? undefined : absoluteLocation(o.checkpointDir);
  const fromSavepoint = o.fromSavepoint === undefined ? undefined : absoluteLocation(o.fromSavepoint);
  const spec: JobSpec = {
    file,
    args: [...args],
    jobName: jobNameOf(file),
    ...(o.parallelism !== undefined && { parallelism: o.parallelism }),
    ...(o.maxParallelism !== undefined && { maxParallelism: o.maxParallelism }),
    ...(o.checkpointInterval !== undefined && { checkpointInterval: o.checkpointInterval }),
    ...(checkpointDir !== undefined && { checkpointDir }),
  };
  const { clusterRequest } = await import('../cluster/cluster-client.js');
  let jobId: string;
  try {
    const r = await clusterRequest<{ jobId: string }>(c, { op: 'submit', spec, ...(fromSavepoint !== undefined && { fromSavepoint }), ...(o.allowNonRestoredState === true && { allowNonRestoredState: true }) }, 120_000);
    jobId = r.jobId;
  } catch (err) {
    io.stderr.write(formatError(`cannot submit ${job}`, err, io.env['WEIR_DEBUG'] === '1'));
    return ExitCode.JOB_FAILED;
  }
  if (o.detached === true) {
    if (o.json === true) io.stdout.write(`${JSON.stringify({ jobId })}\n`);
    else io.stdout.write(`Job has been submitted with JobID ${jobId}\n`);
    return ExitCode.OK;
  }
  io.stderr.write(`weir: job ${jobId} submitted; following it (Ctrl-C stops following, not the job: weir cancel ${jobId} --cluster …)\n`);
  let failingSince: number | undefined;
  for (;;) {
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    let job: JobSummary;
    try {
      job = (await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job;
      failingSince = undefined;
    } catch (err) {
      // A highly available cluster may be between leaders: no job manager answers, or the new one
      // is still recovering the job. Keep asking for a while before giving up.
      const code = (err as { code?: unknown }).code;
      const failover = code === 'WEIR_ERR_NO_JOB_MANAGER' || code === 'WEIR_ERR_JOB_NOT_FOUND';
      failingSince ??= Date.now();
      if (failover && Date.now() - failingSince < FAILOVER_GRACE_MS) continue;
      io.stderr.write(formatError(`lost track of job ${jobId}`, err, false));
      return ExitCode.JOB_FAILED;
    }
    if (job.endedAt === undefined) continue;
    if (o.json === true) io.stdout.write(`${JSON.stringify(job)}\n`);
    else io.stderr.write(`weir: job ${jobId} ${job.status.toUpperCase()} after ${((job.endedAt - job.startedAt) / 1000).toFixed(1)} s, ${job.restarts} restart(s), ${job.checkpointsCompleted} checkpoint(s)${job.error !== undefined ? `: ${job.error}` : ''}\n`);
    return job.status === 'finished' ? ExitCode.OK : ExitCode.JOB_FAILED;
  }
}
