/**
 * The job manager's request-reply API, which the `weir` CLI reaches over NATS on
 * `<prefix>.api` (Flink's REST API of the JobManager, over NATS instead of HTTP). Requests and
 * replies are JSON, so `nats req weir.api '{"op":"list"}'` works too. Every reply is
 * `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`.
 */
import { randomUUID } from 'node:crypto';
import type { ActorSystem } from '../actor/actor-system.js';
import type { ActorRef } from '../actor/actor-ref.js';
import type { JobSpec } from '../api/executor.js';
import { loadRestorePoint } from '../checkpoint/checkpoint-loader.js';
import { prepareCheckpointStorage } from '../checkpoint/checkpoint-storage.js';
import { checkRestorable } from '../checkpoint/state-assignment.js';
import type { CompletedCheckpoint } from '../checkpoint/state-handles.js';
import { AskTimeoutError, decodeError, WeirError } from '../errors.js';
import { prepareJob } from './prepare-job.js';
import { taskExecutorRef, type TaskStatsReply } from './deployment-messages.js';
import type { CancelWaitingJob, JobSummary, ListJobs, ListTaskManagers, StartJob, TaskManagerInfo, JobStatsRequest } from '../../actors/job-manager-actor.js';
import type { DescribeJob, JobDescription, RescaleJob, RescaleReply, StopJob } from '../../actors/job-actor.js';
import type { SavepointResult, TriggerSavepoint } from '../../actors/checkpoint-coordinator-actor.js';
import type { CheckpointRecord } from '../telemetry/checkpoint-metrics.js';

/** What the CLI can ask the job manager. */
export type ClusterRequest =
  | { op: 'submit'; spec: JobSpec; fromSavepoint?: string; allowNonRestoredState?: boolean }
  | { op: 'list' }
  | { op: 'status'; jobId: string }
  | { op: 'cancel'; jobId: string }
  | { op: 'savepoint'; jobId: string; directory: string; stop?: boolean }
  | { op: 'rescale'; jobId: string; parallelism: number; operatorUid?: string }
  | { op: 'topology'; jobId: string }
  | { op: 'checkpoints'; jobId: string }
  | { op: 'taskmanagers' };

/** `weir topology`: the job's placement with each subtask's live figures. */
export interface Topology {
  job: JobDescription;
  taskManagers: TaskManagerInfo[];
  /** Live figures per slot address (a slot that did not answer in time is missing). */
  slots: Record<string, TaskStatsReply['subtasks']>;
}

/** `weir checkpoints`: counts and the recent history (oldest first). */
export interface CheckpointsView {
  completed: number;
  failed: number;
  restarts: number;
  history: CheckpointRecord[];
}

type Reply = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; message: string } };

/** A job the API accepted, as the high-availability job store keeps it (see job-store.ts). */
export interface SubmittedJob {
  jobId: string;
  jobName: string;
  spec: JobSpec;
  /** Wall-clock epoch ms. */
  submittedAt: number;
  /**
   * Task slots its subtasks were placed on when it started (min(registered slots, largest
   * parallelism)): a new leader waits for that many before redeploying it.
   */
  slots?: number;
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
}

/**
 * What a job manager adds to the API (Flink's Dispatcher persisting the JobGraph before it runs
 * it). Both optional.
 */
export interface ClusterApiHooks {
  /** Called once a submitted job is prepared, before it starts; a rejection fails the submission (nothing runs). */
  jobAccepted?(job: SubmittedJob): Promise<void>;
  /** Called when a job accepted by {@link jobAccepted} could not be started after all. */
  jobNotStarted?(jobId: string): Promise<void>;
  /** Called after a live rescale succeeded (as asked: `operatorUid` undefined = the default parallelism). */
  jobRescaled?(jobId: string, parallelism: number, operatorUid: string | undefined): Promise<void>;
}

/** Ask timeouts of the API, ms: savepoints and rescales may take long with large state. */
const QUICK_MS = 5_000;
const SLOW_MS = 60 * 60_000;

/**
 * Answers one API request on the job manager's actor system.
 * @param jobManager the JobManagerActor's ref. Never throws: failures become `{ ok: false }` replies.
 * @param hooks the high-availability job store's part in submissions (none without HA).
 */
export async function handleClusterRequest(system: ActorSystem, jobManager: ActorRef, req: ClusterRequest, hooks: ClusterApiHooks = {}): Promise<Reply> {
  try {
    return await dispatch(system, jobManager, req, hooks);
  } catch (err) {
    const code = err instanceof WeirError ? err.code : 'WEIR_ERR_INTERNAL';
    const message = err instanceof Error ? err.message + (err.cause instanceof Error ? ` (caused by: ${err.cause.message})` : '') : String(err);
    return { ok: false, error: { code, message } };
  }
}

async function dispatch(system: ActorSystem, jm: ActorRef, req: ClusterRequest, hooks: ClusterApiHooks): Promise<Reply> {
  switch (req.op) {
    case 'submit': {
      const prepared = await prepareJob(req.spec);
      // A jetstream:// checkpoint storage is reached (and its bucket created) before the job starts.
      if (prepared.request.checkpoint.storagePath !== undefined) await prepareCheckpointStorage(prepared.request.checkpoint.storagePath);
      let restoreFrom: CompletedCheckpoint | undefined;
      if (req.fromSavepoint !== undefined) {
        restoreFrom = await loadRestorePoint(req.fromSavepoint, () => {});
        checkRestorable(restoreFrom.metadata, prepared.graph, req.allowNonRestoredState === true);
      }
      const jobId = `job-${randomUUID().slice(0, 8)}`;
      const registeredSlots = hooks.jobAccepted === undefined ? 0 : (await system.ask<TaskManagerInfo[]>(jm, { t: 'list-tms' } satisfies ListTaskManagers, QUICK_MS)).reduce((n, tm) => n + tm.slots.length, 0);
      await hooks.jobAccepted?.({
        jobId,
        jobName: prepared.graph.jobName,
        spec: req.spec,
        submittedAt: Date.now(),
        slots: Math.min(registeredSlots, Math.max(1, ...prepared.graph.vertices.map((v) => v.parallelism))),
        ...(req.fromSavepoint !== undefined && { fromSavepoint: req.fromSavepoint }),
        ...(req.allowNonRestoredState === true && { allowNonRestoredState: true }),
      });
      try {
        await system.ask(jm, { t: 'start-job', jobId, spec: req.spec, prepared, restoreFrom } satisfies StartJob, QUICK_MS);
      } catch (err) {
        // A timed-out ask may still have started the job: it stays in the job store (the job
        // manager removes it when it ends; a next leader would otherwise recover it).
        if (err instanceof AskTimeoutError) throw new WeirError('WEIR_ERR_ASK_TIMEOUT', `job ${jobId} was submitted but the job manager did not confirm its start in ${QUICK_MS} ms: see weir list`, { cause: err });
        await hooks.jobNotStarted?.(jobId).catch(() => undefined);
        throw err;
      }
      return { ok: true, jobId, jobName: prepared.graph.jobName };
    }
    case 'list':
      return { ok: true, jobs: await system.ask<JobSummary[]>(jm, { t: 'list-jobs' } satisfies ListJobs, QUICK_MS) };
    case 'taskmanagers':
      return { ok: true, taskManagers: await system.ask<TaskManagerInfo[]>(jm, { t: 'list-tms' } satisfies ListTaskManagers, QUICK_MS) };
    case 'status':
      return { ok: true, job: await findJob(system, jm, req.jobId) };
    case 'cancel': {
      const job = await findJob(system, jm, req.jobId);
      const ref = jobRef(jm, job.jobId);
      if (system.isAlive(ref)) {
        system.tellSystem(ref, { t: 'stop-job' } satisfies StopJob);
        await system.whenStopped(ref);
      } else if (job.endedAt === undefined) {
        // A recovered job still waiting for its task slots has no job actor yet.
        await system.ask<boolean>(jm, { t: 'cancel-waiting', jobId: job.jobId } satisfies CancelWaitingJob, QUICK_MS);
      }
      return { ok: true, job: await findJob(system, jm, req.jobId) };
    }
    case 'savepoint': {
      const job = await runningJob(system, jm, req.jobId);
      const msg: TriggerSavepoint = req.stop === true ? { t: 'trigger-savepoint', directory: req.directory, stop: true } : { t: 'trigger-savepoint', directory: req.directory };
      const r = await system.ask<SavepointResult>(jobRef(jm, job.jobId), msg, SLOW_MS);
      if (!r.ok) throw decodeError(r.error);
      if (req.stop === true) {
        const ref = jobRef(jm, job.jobId);
        system.tellSystem(ref, { t: 'stop-job', afterSavepoint: true } satisfies StopJob);
        await system.whenStopped(ref);
      }
      return { ok: true, path: r.path, checkpointId: r.checkpointId };
    }
    case 'rescale': {
      const job = await runningJob(system, jm, req.jobId);
      const r = await system.ask<RescaleReply>(jobRef(jm, job.jobId), { t: 'rescale', parallelism: req.parallelism, operatorUid: req.operatorUid } satisfies RescaleJob, SLOW_MS);
      if (!r.ok) throw decodeError(r.error);
      // The rescale happened; keeping it for a later job-manager failover is best effort.
      const kept = await hooks.jobRescaled?.(job.jobId, req.parallelism, req.operatorUid).then(
        () => true,
        () => false,
      );
      return { ok: true, parallelism: r.parallelism, checkpointId: r.checkpointId, pauseMs: r.pauseMs, ...(kept === false && { warning: 'the new parallelism could not be recorded in the job store: a job manager failover would bring the job back at its previous parallelism' }) };
    }
    case 'topology': {
      const job = await runningJob(system, jm, req.jobId);
      const description = await system.ask<JobDescription>(jobRef(jm, job.jobId), { t: 'describe' } satisfies DescribeJob, QUICK_MS);
      const taskManagers = await system.ask<TaskManagerInfo[]>(jm, { t: 'list-tms' } satisfies ListTaskManagers, QUICK_MS);
      const addresses = [...new Set(description.subtasks.map((s) => s.address))];
      const slots: Topology['slots'] = {};
      await Promise.all(
        addresses.map(async (a) => {
          try {
            const r = await system.ask<TaskStatsReply>(taskExecutorRef(a), { t: 'task-stats', jobId: job.jobId }, 2_000);
            slots[a] = r.subtasks;
          } catch {
            // A slot that does not answer shows without figures.
          }
        }),
      );
      return { ok: true, topology: { job: description, taskManagers, slots } satisfies Topology };
    }
    case 'checkpoints': {
      const job = await findJob(system, jm, req.jobId);
      const stats = await system.ask<CheckpointsView | undefined>(jm, { t: 'job-stats', jobId: job.jobId } satisfies JobStatsRequest, QUICK_MS);
      return { ok: true, checkpoints: stats };
    }
    default:
      throw new WeirError('WEIR_ERR_BAD_REQUEST', `unknown operation '${(req as { op?: unknown }).op}'`);
  }
}

function jobRef(jm: ActorRef, jobId: string): ActorRef {
  return { address: jm.address, id: `${jm.id}/${jobId}` };
}

/** @throws WeirError `WEIR_ERR_JOB_NOT_FOUND` when no job id or name matches (a unique prefix is enough). */
async function findJob(system: ActorSystem, jm: ActorRef, idOrName: string): Promise<JobSummary> {
  const jobs = await system.ask<JobSummary[]>(jm, { t: 'list-jobs' } satisfies ListJobs, QUICK_MS);
  const exact = jobs.find((j) => j.jobId === idOrName);
  if (exact !== undefined) return exact;
  const matches = jobs.filter((j) => j.jobId.startsWith(idOrName) || j.jobName === idOrName);
  const live = matches.filter((j) => j.endedAt === undefined);
  const pick = live.length === 1 ? live[0] : matches.length === 1 ? matches[0] : undefined;
  if (pick !== undefined) return pick;
  if (matches.length > 1) throw new WeirError('WEIR_ERR_JOB_NOT_FOUND', `'${idOrName}' matches ${matches.length} jobs (${matches.map((j) => j.jobId).join(', ')}): give the job id`);
  throw new WeirError('WEIR_ERR_JOB_NOT_FOUND', `no job '${idOrName}' on this cluster (weir list --cluster … shows the jobs)`);
}

async function runningJob(system: ActorSystem, jm: ActorRef, idOrName: string): Promise<JobSummary> {
  const job = await findJob(system, jm, idOrName);
  if (job.endedAt !== undefined || !system.isAlive(jobRef(jm, job.jobId))) throw new WeirError('WEIR_ERR_JOB_NOT_RUNNING', `job ${job.jobId} is ${job.status}`);
  return job;
}
