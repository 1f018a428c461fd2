/**
 * The jobs of a highly available cluster, kept in its JetStream KV bucket (Flink's JobGraphStore,
 * now ExecutionPlanStore): the leader writes every submitted job before it starts it, rewrites it
 * when a new leader recovers it, and deletes it once the job reached a globally terminal status
 * (finished, cancelled, failed). A job manager that becomes leader recovers every job still in the
 * store. One key per job, `jobs.<jobId>`, whose value is a {@link StoredJob} as JSON.
 *
 * @see Flink's `ExecutionPlanStore` (`putExecutionPlan`, `recoverExecutionPlan`, `globalCleanupAsync`).
 */
import type { KV } from 'nats';
import type { SubmittedJob } from './cluster-api.js';
import { HighAvailabilityError, isRevisionConflict } from './high-availability.js';

/**
 * Attempt numbers of a job's subtasks start at `recoveries × RECOVERY_ATTEMPT_STRIDE` (2^20), so the
 * subtasks a recovered job deploys never share a name or an attempt number with those the previous
 * leader deployed (which may still run, or have mail in flight, until their task manager cancels
 * them): the job actor and the checkpoint coordinator drop mail of other attempts. A job whose
 * regions restart more than 2^20 times under one leader would overlap the next recovery's range.
 */
export const RECOVERY_ATTEMPT_STRIDE = 1 << 20;

/**
 * Checkpoint ids of a recovered job start above `recoveries × RECOVERY_CHECKPOINT_STRIDE` (2^32),
 * as Flink's CheckpointIDCounter keeps ids increasing across job manager failovers: a checkpoint
 * the previous leader was still writing when it lost its lease (`chk-<n>` parts, a late
 * `_metadata`) never shares a location with one of the new leader's. 2^32 checkpoints per leader
 * (136 years at one a second) before ranges would meet; ids stay exact JavaScript integers for
 * 2^21 recoveries.
 */
export const RECOVERY_CHECKPOINT_STRIDE = 2 ** 32;

/** A job in the store: what the API accepted, and its recovery history. */
export interface StoredJob extends SubmittedJob {
  /** How many times a new leader recovered it (0 as submitted). */
  recoveries: number;
  /** The lease term of the leader that wrote this record. */
  leaderTerm: number;
}

/** A stored job and the revision to compare-and-set it against. */
export interface StoredJobEntry {
  job: StoredJob;
  revision: number;
}

const PREFIX = 'jobs.';

/** See the module docstring. Every method throws {@link HighAvailabilityError} `WEIR_ERR_JOB_STORE` with nats.js's error as the cause. */
export class JobStore {
  constructor(private readonly kv: KV) {}

  /** Writes a newly submitted job (refused when the job id exists already). */
  async add(job: StoredJob): Promise<void> {
    try {
      await this.kv.create(keyOf(job.jobId), encode(job));
    } catch (err) {
      throw storeError(`cannot write job ${job.jobId} into the job store`, err);
    }
  }

  /** Every stored job, in key order. Records that do not parse are skipped and reported to `onBad`. */
  async list(onBad: (key: string, reason: string) => void = () => {}): Promise<StoredJobEntry[]> {
    const out: StoredJobEntry[] = [];
    try {
      const keys: string[] = [];
      for await (const k of await this.kv.keys(`${PREFIX}>`)) keys.push(k);
      keys.sort();
      for (const key of keys) {
        const e = await this.kv.get(key);
        if (e === null || e.operation !== 'PUT') continue;
        try {
          const job = JSON.parse(new TextDecoder().decode(e.value)) as StoredJob;
          if (typeof job.jobId !== 'string' || typeof job.spec?.file !== 'string') throw new Error('not a stored job');
          out.push({ job: { ...job, recoveries: job.recoveries ?? 0 }, revision: e.revision });
        } catch (err) {
          onBad(key, (err as Error).message);
        }
      }
    } catch (err) {
      throw storeError('cannot list the job store', err);
    }
    return out;
  }

  /**
   * Records a recovery by the leader of `leaderTerm` (compare-and-set against `entry.revision`, so
   * two leaders never both recover one job from one record).
   * @returns the record as written (`recoveries` + 1).
   * @throws HighAvailabilityError `WEIR_ERR_JOB_STORE` also when the record changed meanwhile.
   */
  async markRecovered(entry: StoredJobEntry, leaderTerm: number): Promise<StoredJob> {
    const job: StoredJob = { ...entry.job, recoveries: entry.job.recoveries + 1, leaderTerm };
    try {
      await this.kv.update(keyOf(job.jobId), encode(job), entry.revision);
    } catch (err) {
      throw storeError(isRevisionConflict(err) ? `job ${job.jobId} changed in the job store while this leader recovered it (another leader?)` : `cannot update job ${job.jobId} in the job store`, err);
    }
    return job;
  }

  /**
   * Records a live rescale in the job's spec, with the rule the job actor applies (JobControl.rescale):
   * without `operatorUid`, `parallelism` becomes the default and per-operator overrides are dropped;
   * with it, that operator's override is set. A job recovered later comes back at this parallelism.
   * Compare-and-set on the record's revision (retried once when it changed meanwhile). A job no
   * longer in the store is left alone.
   * @throws HighAvailabilityError `WEIR_ERR_JOB_STORE` when the record cannot be read or written.
   */
  async recordRescale(jobId: string, parallelism: number, operatorUid?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let entry;
      try {
        entry = await this.kv.get(keyOf(jobId));
      } catch (err) {
        throw storeError(`cannot read job ${jobId} from the job store`, err);
      }
      if (entry === null || entry.operation !== 'PUT') return;
      const job = JSON.parse(new TextDecoder().decode(entry.value)) as StoredJob;
      const spec =
        operatorUid === undefined
          ? { ...job.spec, parallelism, parallelismOverrides: {} }
          : { ...job.spec, parallelismOverrides: { ...job.spec.parallelismOverrides, [operatorUid]: parallelism } };
      try {
        await this.kv.update(keyOf(jobId), encode({ ...job, spec }), entry.revision);
        return;
      } catch (err) {
        if (!isRevisionConflict(err) || attempt > 0) throw storeError(`cannot record the rescale of job ${jobId} in the job store`, err);
      }
    }
  }

  /** Deletes a job (it reached a terminal status). Deleting a job that is not there is fine. */
  async remove(jobId: string): Promise<void> {
    try {
      await this.kv.delete(keyOf(jobId));
    } catch (err) {
      throw storeError(`cannot delete job ${jobId} from the job store`, err);
    }
  }
}

function keyOf(jobId: string): string {
  return `${PREFIX}${jobId}`;
}

function encode(job: StoredJob): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(job));
}

function storeError(message: string, cause: unknown): HighAvailabilityError {
  return new HighAvailabilityError('WEIR_ERR_JOB_STORE', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
