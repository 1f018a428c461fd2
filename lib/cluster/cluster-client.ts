/**
 * The CLI side of the job manager's API: one NATS request per command on `<prefix>.api`.
 */
import { connect, ErrorCode, NatsError } from 'nats';
import { WeirError } from '../errors.js';
import { natsConnectionOptions } from '../transport/nats-connection-options.js';
import type { ClusterRequest } from './cluster-api.js';
import { apiSubject, type ClusterConnectOptions } from './cluster-options.js';

/** A cluster request that failed: `code` is the job manager's (`WEIR_ERR_JOB_NOT_FOUND`…) or `WEIR_ERR_NO_JOB_MANAGER`. */
export class ClusterRequestError extends WeirError {}

/**
 * Sends `req` to the job manager and returns its reply's fields.
 * @param timeoutMs reply deadline, ms (default 10 000; savepoints and rescales pass more).
 * @throws ClusterRequestError `WEIR_ERR_NO_JOB_MANAGER` when nothing answers on the API subject,
 *   or with the job manager's code when it refused.
 */
export async function clusterRequest<T extends Record<string, unknown>>(options: ClusterConnectOptions, req: ClusterRequest, timeoutMs = 10_000): Promise<T> {
  const nc = await connect({ ...natsConnectionOptions({ ...options.nats, name: options.nats.name ?? 'weir-cli' }), maxReconnectAttempts: 2 });
  const subject = apiSubject(options.subjectPrefix);
  try {
    const msg = await nc.request(subject, new TextEncoder().encode(JSON.stringify(req)), { timeout: timeoutMs });
    const reply = JSON.parse(new TextDecoder().decode(msg.data)) as { ok: boolean; error?: { code: string; message: string } } & T;
    if (!reply.ok) throw new ClusterRequestError(reply.error?.code ?? 'WEIR_ERR_INTERNAL', reply.error?.message ?? 'the job manager refused the request');
    return reply;
  } catch (err) {
    if (err instanceof NatsError && (err.code === ErrorCode.NoResponders || err.code === ErrorCode.Timeout)) {
      throw new ClusterRequestError('WEIR_ERR_NO_JOB_MANAGER', `no job manager answered on ${subject} (${err.code === ErrorCode.Timeout ? `timeout after ${timeoutMs} ms` : 'no responders'}): start one with weir jobmanager --nats …`, { cause: err });
    }
    throw err;
  } finally {
    await nc.close();
  }
}
