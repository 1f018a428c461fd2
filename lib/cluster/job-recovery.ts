/**
 * What a job manager does when it becomes the leader of a highly available cluster (Flink's
 * Dispatcher recovering the JobGraphs/ExecutionPlans of its store): every job in the job store is
 * started again under its own id, restored from the newest readable completed checkpoint under its
 * checkpoint storage (`<checkpoint storage>/<jobId>`, a directory or a `jetstream://` location),
 * with attempt numbers and checkpoint ids above every one its previous leader used; a job whose
 * storage holds no checkpoint restarts from the savepoint it was submitted from, or else from the beginning
 * (Flink does the same: without a checkpoint, a recovered job starts from scratch — sources re-read
 * their input, and only exactly-once sinks keep the output free of duplicates).
 *
 * @see Flink's `SessionDispatcherLeaderProcess` (recovering the stored jobs when leadership is granted).
 */
import type { ActorRef } from '../actor/actor-ref.js';
import type { ActorSystem } from '../actor/actor-system.js';
import { loadRestorePoint } from '../checkpoint/checkpoint-loader.js';
import { findCheckpointDirectories, prepareCheckpointStorage } from '../checkpoint/checkpoint-storage.js';
import { checkRestorable } from '../checkpoint/state-assignment.js';
import type { CompletedCheckpoint } from '../checkpoint/state-handles.js';
import { resolveLocation } from '../checkpoint/storage-location.js';
import { WeirError } from '../errors.js';
import { RECOVERY_ATTEMPT_STRIDE, RECOVERY_CHECKPOINT_STRIDE, type JobStore, type StoredJob } from './job-store.js';
import { prepareJob } from './prepare-job.js';
import type { RecoveryFailed, StartJob } from '../../actors/job-manager-actor.js';

/** Options of {@link recoverJobs}. */
export interface RecoverJobsOptions {
  store: JobStore;
  /** The leader's actor system and its JobManagerActor. */
  system: ActorSystem;
  jobManager: ActorRef;
  /** The leader's lease term (written into each recovered record). */
  leaderTerm: number;
  /** How long a recovered job waits for its slots before it deploys on fewer, ms. */
  slotWaitMs: number;
  /** False once this job manager stopped leading: pending retries give up (the next leader recovers the job). */
  leading: () => boolean;
  /** First wait before retrying a job whose checkpoint storage did not answer, ms (doubling up to 30 000; default 1 000). */
  retryDelayMs?: number;
  log: (line: string) => void;
}

/**
 * The checkpoint storage of a job could not be asked whether it holds checkpoints (unreachable
 * NATS, a listing that failed): not a reason to fail the job, nor to restart it from scratch.
 */
class StorageUnavailableError extends WeirError {
  constructor(message: string, cause: unknown) {
    super('WEIR_ERR_RESTORE', message, { cause });
  }
}

/** Longest wait between two recovery attempts of one job, ms. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Recovers every job of the store (see the module docstring). A job whose module cannot be loaded,
 * or whose checkpoints all fail to read, is listed as failed and deleted from the store (it would
 * fail again on every leader; restarting it from scratch would repeat its output). A job whose
 * checkpoint storage does not answer is retried in the background with backoff while this job
 * manager leads; it stays in the store.
 * @returns how many jobs were started now (retried ones start later).
 * @throws HighAvailabilityError `WEIR_ERR_JOB_STORE` when the store cannot be read or a record
 *   cannot be updated (the caller steps down: another job manager may do better).
 */
export async function recoverJobs(o: RecoverJobsOptions): Promise<number> {
  const entries = await o.store.list((key, reason) => o.log(`ignored ${key} in the job store: ${reason}`));
  if (entries.length === 0) return 0;
  o.log(`recovering ${entries.length} job(s) from the job store`);
  let started = 0;
  for (const entry of entries) {
    const job = await o.store.markRecovered(entry, o.leaderTerm);
    if (await recoverOrRetry(o, job, o.retryDelayMs ?? 1_000)) started++;
  }
  return started;
}

/** One attempt; on a storage outage, schedules the next one. @returns true when the job started. */
async function recoverOrRetry(o: RecoverJobsOptions, job: StoredJob, delayMs: number): Promise<boolean> {
  try {
    await recoverOne(o, job);
    return true;
  } catch (err) {
    const reason = err instanceof WeirError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    if (err instanceof StorageUnavailableError) {
      o.log(`job ${job.jobId} (${job.jobName}) cannot be recovered yet: ${reason}; retrying in ${delayMs} ms`);
      const timer = setTimeout(() => {
        if (o.leading()) void recoverOrRetry(o, job, Math.min(delayMs * 2, MAX_RETRY_DELAY_MS));
      }, delayMs);
      timer.unref();
      return false;
    }
    o.log(`job ${job.jobId} (${job.jobName}) cannot be recovered: ${reason}; it is failed and removed from the job store`);
    o.system.tellSystem(o.jobManager, { t: 'recovery-failed', jobId: job.jobId, jobName: job.jobName, file: job.spec.file, submittedAt: job.submittedAt, recoveries: job.recoveries, error: reason } satisfies RecoveryFailed);
    await o.store.remove(job.jobId).catch((e: unknown) => o.log(`job ${job.jobId}: could not remove it from the job store: ${(e as Error).message}`));
    return false;
  }
}

/**
 * @throws StorageUnavailableError when the checkpoint storage cannot be reached or listed.
 * @throws RestoreError when checkpoints exist but none is readable, or the submit savepoint is not;
 *   JobLoadError and the like when the module does not build.
 */
async function recoverOne(o: RecoverJobsOptions, job: StoredJob): Promise<void> {
  const prepared = await prepareJob(job.spec);
  const storage = prepared.request.checkpoint.storagePath;
  let restoreFrom: CompletedCheckpoint | undefined;
  let from = '';
  if (storage !== undefined) {
    const root = resolveLocation(storage, job.jobId);
    let found: string[];
    try {
      await prepareCheckpointStorage(storage);
      found = await findCheckpointDirectories(root);
    } catch (err) {
      throw new StorageUnavailableError(`checkpoint storage ${root} did not answer: ${(err as Error).message}`, err);
    }
    // Checkpoints exist: restore from the newest readable one; when none reads, the job fails (a
    // restart from scratch would repeat output the previous leader's sinks committed).
    if (found.length > 0) {
      restoreFrom = await loadRestorePoint(root, (w) => o.log(`job ${job.jobId}: ${w}`));
      from = `checkpoint ${restoreFrom.metadata.checkpointId} (${restoreFrom.directory})`;
    }
  }
  if (restoreFrom === undefined && job.fromSavepoint !== undefined) {
    restoreFrom = await loadRestorePoint(job.fromSavepoint, (w) => o.log(`job ${job.jobId}: ${w}`));
    from = `the savepoint it was submitted from (${restoreFrom.directory})`;
  }
  if (restoreFrom !== undefined) checkRestorable(restoreFrom.metadata, prepared.graph, job.allowNonRestoredState === true);
  else o.log(`job ${job.jobId} (${job.jobName}) has no checkpoint to restore${storage === undefined ? ' (it has no checkpoint storage)' : ''}: it restarts from the beginning, as Flink restarts a recovered job without checkpoints`);
  // As many slots as the job was placed on before (at most its largest parallelism); records of
  // older versions do not say, and wait for the largest parallelism.
  const largest = Math.max(1, ...prepared.graph.vertices.map((v) => v.parallelism));
  const minSlots = job.slots !== undefined && job.slots > 0 ? Math.min(job.slots, largest) : largest;
  const start: StartJob = {
    t: 'start-job',
    jobId: job.jobId,
    spec: job.spec,
    prepared,
    restoreFrom,
    recovery: {
      recoveries: job.recoveries,
      firstAttempt: job.recoveries * RECOVERY_ATTEMPT_STRIDE,
      firstCheckpointId: job.recoveries * RECOVERY_CHECKPOINT_STRIDE + 1,
      submittedAt: job.submittedAt,
      minSlots,
      slotWaitMs: o.slotWaitMs,
    },
  };
  await o.system.ask(o.jobManager, start, 10_000);
  o.log(`recovered job ${job.jobId} (${job.jobName}, recovery ${job.recoveries})${restoreFrom !== undefined ? ` from ${from}` : ''}; it deploys once ${minSlots} task slot(s) registered`);
}
