/**
 * Job manager high availability over NATS JetStream (Flink's `high-availability.type`, with a
 * JetStream key-value bucket where Flink uses ZooKeeper or Kubernetes ConfigMaps): the options, the
 * bucket's name and how it is opened. The bucket holds the leader lease (see leader-election.ts)
 * and the job store (see job-store.ts).
 *
 * NATS permissions: besides `<prefix>.>`, an HA job manager needs the JetStream API
 * (`$JS.API.>`, or at least `$JS.API.STREAM.INFO.KV_<bucket>`, `$JS.API.STREAM.CREATE.KV_<bucket>`,
 * `$JS.API.STREAM.MSG.GET.KV_<bucket>`, `$JS.API.DIRECT.GET.KV_<bucket>.>`,
 * `$JS.API.CONSUMER.>` for listing keys) and `$KV.<bucket>.>`, plus replies on `_INBOX.>`.
 *
 * @see Flink's `HighAvailabilityServices` (leader election + job store + checkpoint recovery).
 */
import type { KV, NatsConnection } from 'nats';
import { ConfigurationError, WeirError } from '../errors.js';

/** How job managers on one subject prefix elect a leader and keep their jobs. */
export interface HighAvailabilityOptions {
  /**
   * A standby takes the lease over when the leader has not renewed it for this long, ms
   * (Kubernetes lease duration; Flink's `high-availability.kubernetes.leader-election.lease-duration`,
   * default 15 000). The leader itself gives up `renewIntervalMs` earlier.
   */
  leaseDurationMs?: number;
  /**
   * The leader renews its lease, and a standby looks at it, this often, ms (Flink's
   * `…leader-election.retry-period`, default 5 000). At most a third of `leaseDurationMs`.
   */
  renewIntervalMs?: number;
  /**
   * JetStream replicas of the bucket when this job manager creates it (1, 3 or 5; default 1). Use 3
   * on a 3-server NATS cluster, or the lease and the job store are lost with the one server holding
   * them. An existing bucket keeps its replicas.
   */
  replicas?: number;
  /** Bucket name (default `<prefix>_ha`, see {@link haBucketName}). */
  bucket?: string;
}

/** The defaults of {@link HighAvailabilityOptions}. */
export const HA_DEFAULTS = { leaseDurationMs: 15_000, renewIntervalMs: 5_000, replicas: 1 } as const;

/** {@link HighAvailabilityOptions} with every default applied and checked. */
export interface ResolvedHighAvailability {
  leaseDurationMs: number;
  renewIntervalMs: number;
  replicas: number;
  bucket: string;
}

/**
 * Applies the defaults and checks the options.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a non-positive duration, a renew interval above
 *   a third of the lease duration (the leader must have one renewal to spare before it gives up), replicas
 *   other than 1, 3, 5, or an invalid bucket name.
 */
export function resolveHighAvailability(o: HighAvailabilityOptions, subjectPrefix: string): ResolvedHighAvailability {
  const leaseDurationMs = o.leaseDurationMs ?? HA_DEFAULTS.leaseDurationMs;
  const renewIntervalMs = o.renewIntervalMs ?? HA_DEFAULTS.renewIntervalMs;
  const replicas = o.replicas ?? HA_DEFAULTS.replicas;
  const bucket = o.bucket ?? haBucketName(subjectPrefix);
  if (!(Number.isFinite(leaseDurationMs) && leaseDurationMs > 0)) throw new ConfigurationError(`--ha-lease-duration must be a positive number of ms, got ${leaseDurationMs}`);
  if (!(Number.isFinite(renewIntervalMs) && renewIntervalMs > 0)) throw new ConfigurationError(`--ha-renew-interval must be a positive number of ms, got ${renewIntervalMs}`);
  // The leader gives up (lease − renew) after its last confirmed renewal and renews every renew
  // interval: at a half, one late renewal already ends its leadership; a third leaves one to spare.
  if (renewIntervalMs * 3 > leaseDurationMs) {
    throw new ConfigurationError(`--ha-renew-interval (${renewIntervalMs} ms) must be at most a third of --ha-lease-duration (${leaseDurationMs} ms): the leader gives up one renew interval before its lease ends, and a renewal may be late by one interval`);
  }
  if (![1, 3, 5].includes(replicas)) throw new ConfigurationError(`--ha-replicas must be 1, 3 or 5, got ${replicas}`);
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(bucket)) throw new ConfigurationError(`invalid high-availability bucket name '${bucket}': use letters, digits, '_' and '-'`);
  return { leaseDurationMs, renewIntervalMs, replicas, bucket };
}

/**
 * The bucket of a subject prefix: `<prefix>_ha`, with every character a bucket name cannot hold
 * (`.`, `*`, `>`…) replaced by `_` (so `acme.weir` → `acme_weir_ha`).
 */
export function haBucketName(subjectPrefix: string): string {
  return `${subjectPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}_ha`;
}

/**
 * Opens (creating it when missing) the bucket: history 1 (the lease is compared by revision, job
 * records are replaced whole), file storage, no TTL — nats-server 2.9 has only a bucket-wide
 * `max_age`, which would expire the job records with the lease.
 * @param timeoutMs deadline of each KV request, ms.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the server has no JetStream, or refuses the
 *   bucket (permissions, replicas above the cluster size); the cause is nats.js's error.
 */
export async function openHaBucket(nc: NatsConnection, ha: ResolvedHighAvailability, timeoutMs: number): Promise<KV> {
  try {
    return await nc.jetstream({ timeout: timeoutMs }).views.kv(ha.bucket, { history: 1, replicas: ha.replicas, timeout: timeoutMs, description: 'weir job manager high availability: leader lease and job store' });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = /jetstream not enabled|503/i.test(message) ? ': --high-availability needs JetStream on the NATS servers (nats-server -js)' : '';
    throw new ConfigurationError(`cannot open the high-availability bucket '${ha.bucket}' (${message})${hint}`, { cause: err });
  }
}

/** True for a JetStream "wrong last sequence" refusal: a compare-and-set lost against another writer. */
export function isRevisionConflict(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: unknown };
  return e?.api_error?.err_code === 10071 || (typeof e?.message === 'string' && e.message.includes('wrong last sequence'));
}

/** A job manager's high-availability services failed (lease or job store). */
export class HighAvailabilityError extends WeirError {
  /** @param code `WEIR_ERR_LEADERSHIP_LOST` (the lease is gone) or `WEIR_ERR_JOB_STORE` (a job record could not be written). */
  constructor(code: 'WEIR_ERR_LEADERSHIP_LOST' | 'WEIR_ERR_JOB_STORE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
