/**
 * What a job manager does when it becomes the leader of a highly available cluster (Flink's
 * Dispatcher recovering the JobGraphs/ExecutionPlans of its store): every job in the job store is
 * started again under its own id, restored from the newest readable completed checkpoint under its
 * checkpoint storage (`<checkpoint storage>/<jobId>`, a directory or a `jetstream://` location); a
 * job that has none restarts from the savepoint it was submitted from, or else from the beginning
 * (Flink does the same: without a checkpoint, a recovered job starts from scratch — sources re-read
 * their input, and only exactly-once sinks keep the output free of duplicates).
 *
 * @see Flink's `SessionDispatcherLeaderProcess` (recovering the stored jobs when leadership is granted).
 */
import type { ActorRef } from '../actor/actor-ref.js';
import type { ActorSystem } from '../actor/actor-system.js';
import { loadRestorePoint } from '../checkpoint/checkpoint-loader.js';
import { prepareCheckpointStorage } from '../checkpoint/checkpoint-storage.js';
import { checkRestorable } from '../checkpoint/state-assignment.js';
import type { CompletedCheckpoint } from '../checkpoint/state-handles.js';
import { resolveLocation } from '../checkpoint/storage-location.js';
import { WeirError } from '../errors.js';
import { RECOVERY_ATTEMPT_STRIDE, type JobStore, type StoredJob } from './job-store.js';
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
  log: (line: string) => void;
}

/**
 * Recovers every job of the store (see the module docstring). A job whose module or restore point
 * cannot be loaded is listed as failed and deleted from the store (it would fail again on every
 * leader).
 * @returns how many jobs were started.
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
    try {
      await recoverOne(o, job);
      started++;
    } catch (err) {
      const reason = err instanceof WeirError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
      o.log(`job ${job.jobId} (${job.jobName}) cannot be recovered: ${reason}; it is failed and removed from the job store`);
      o.system.tellSystem(o.jobManager, { t: 'recovery-failed', jobId: job.jobId, jobName: job.jobName, file: job.spec.file, submittedAt: job.submittedAt, recoveries: job.recoveries, error: reason } satisfies RecoveryFailed);
      await o.store.remove(job.jobId);
    }
  }
  return started;
}

async function recoverOne(o: RecoverJobsOptions, job: StoredJob): Promise<void> {
  const prepared = await prepareJob(job.spec);
  const storage = prepared.request.checkpoint.storagePath;
  let restoreFrom: CompletedCheckpoint | undefined;
  let from = '';
  if (storage !== undefined) {
    await prepareCheckpointStorage(storage);
    const root = resolveLocation(storage, job.jobId);
    try {
      restoreFrom = await loadRestorePoint(root, (w) => o.log(`job ${job.jobId}: ${w}`));
      from = `checkpoint ${restoreFrom.metadata.checkpointId} (${restoreFrom.directory})`;
    } catch (err) {
      o.log(`job ${job.jobId}: no completed checkpoint to restore under ${root} (${(err as Error).message})`);
    }
  }
  if (restoreFrom === undefined && job.fromSavepoint !== undefined) {
    restoreFrom = await loadRestorePoint(job.fromSavepoint, (w) => o.log(`job ${job.jobId}: ${w}`));
    from = `the savepoint it was submitted from (${restoreFrom.directory})`;
  }
  if (restoreFrom !== undefined) checkRestorable(restoreFrom.metadata, prepared.graph, job.allowNonRestoredState === true);
  else o.log(`job ${job.jobId} (${job.jobName}) has no checkpoint to restore${storage === undefined ? ' (it has no checkpoint storage)' : ''}: it restarts from the beginning, as Flink restarts a recovered job without checkpoints`);
  const minSlots = Math.max(1, ...prepared.graph.vertices.map((v) => v.parallelism));
  const start: StartJob = {
    t: 'start-job',
    jobId: job.jobId,
    spec: job.spec,
    prepared,
    restoreFrom,
    recovery: { recoveries: job.recoveries, firstAttempt: job.recoveries * RECOVERY_ATTEMPT_STRIDE, submittedAt: job.submittedAt, minSlots, slotWaitMs: o.slotWaitMs },
  };
  await o.system.ask(o.jobManager, start, 10_000);
  o.log(`recovered job ${job.jobId} (${job.jobName}, recovery ${job.recoveries})${restoreFrom !== undefined ? ` from ${from}` : ''}; it deploys once ${minSlots} task slot(s) registered`);
}
