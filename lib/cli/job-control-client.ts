/**
 * The client side of a running job's control endpoint (`job-control-protocol.ts`): what `weir
 * list`, `savepoint`, `stop` and `cancel` use to talk to a `weir run` process over its Unix socket.
 * Each call opens one connection (no keep-alive), so a finished command leaves nothing open.
 */
import { request } from 'node:http';
import { decodeError, type EncodedError } from '../errors.js';
import { JobControlError } from './job-control-error.js';
import type { CancelResponse, JobStatus, SavepointResponse } from './job-control-protocol.js';

/** Options of one {@link JobControlClient} call. */
export interface JobControlCallOptions {
  /**
   * Give up after this many ms without an answer (`JobControlError`; the operation may still
   * complete in the job). Default: no limit, since a savepoint of large state takes as long as it takes.
   */
  timeoutMs?: number;
}

/**
 * Talks to the control endpoint listening on `socket`.
 *
 * Every method rejects with `JobControlError` (`WEIR_ERR_JOB_CONTROL`): without `status` when the
 * endpoint cannot be reached or does not speak the protocol ({@link isUnreachable} tells whether
 * nothing listens there any more); with the HTTP `status` when the endpoint refused (409: the job
 * is stopping, cancelling or has ended) or the operation failed (500), the job's error as `cause`
 * (e.g. `CheckpointError`, `WEIR_ERR_CHECKPOINT`, when a savepoint did not complete).
 *
 * @example
 * const { path } = await new JobControlClient(registration.socket).triggerSavepoint('/data/savepoints');
 */
export class JobControlClient {
  /** @param socket absolute path of the endpoint's Unix socket (a registration's `socket`). */
  constructor(readonly socket: string) {}

  /** `GET /`: the job's registration and state. */
  status(options: JobControlCallOptions = {}): Promise<JobStatus> {
    return this.call<JobStatus>('GET', '/', undefined, options);
  }

  /**
   * `POST /savepoint`: takes a savepoint into `directory` (absolute) while the job keeps running
   * (Flink's `flink savepoint <jobId> <dir>`). Resolves once the savepoint is complete.
   */
  triggerSavepoint(directory: string, options: JobControlCallOptions = {}): Promise<SavepointResponse> {
    return this.call<SavepointResponse>('POST', '/savepoint', { directory }, options);
  }

  /**
   * `POST /stop`: takes a savepoint into `savepointDirectory` (absolute), then stops the job
   * (Flink's `flink stop --savepointPath <dir> <jobId>`). Resolves once the job has stopped.
   */
  stop(savepointDirectory: string, options: JobControlCallOptions = {}): Promise<SavepointResponse> {
    return this.call<SavepointResponse>('POST', '/stop', { savepointDirectory }, options);
  }

  /** `POST /cancel`: cancels the job (Flink's `flink cancel <jobId>`). Resolves once it has stopped. */
  cancel(options: JobControlCallOptions = {}): Promise<CancelResponse> {
    return this.call<CancelResponse>('POST', '/cancel', {}, options);
  }

  private call<T>(method: 'GET' | 'POST', path: string, body: unknown, options: JobControlCallOptions): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socket,
          method,
          path,
          agent: false,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new JobControlError(`the control endpoint at ${this.socket} broke off its answer: ${err.message}`, { cause: err })));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
            } catch (err) {
              reject(new JobControlError(`the control endpoint at ${this.socket} answered ${status} with a body that is not JSON`, { cause: err, status }));
              return;
            }
            if (status === 200) resolve(parsed as T);
            else reject(remoteFailure(status, parsed, this.socket));
          });
        },
      );
      if (options.timeoutMs !== undefined) {
        req.setTimeout(options.timeoutMs, () => req.destroy(new JobControlError(`no answer from the control endpoint at ${this.socket} within ${options.timeoutMs} ms`)));
      }
      req.on('error', (err) => {
        reject(err instanceof JobControlError ? err : new JobControlError(`cannot reach the control endpoint at ${this.socket}: ${err.message}`, { cause: err }));
      });
      req.end(payload);
    });
  }
}

/**
 * Whether `err` (from a {@link JobControlClient} call) means that nothing listens on the socket any
 * more (`ENOENT`, `ECONNREFUSED`): the job's process is gone, and its registration is stale.
 */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof JobControlError) || err.status !== undefined) return false;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/** The `JobControlError` for a non-200 answer carrying an {@link ErrorResponse}. */
function remoteFailure(status: number, body: unknown, socket: string): JobControlError {
  const encoded = (body as { error?: EncodedError } | null)?.error;
  if (typeof encoded !== 'object' || encoded === null || typeof encoded.message !== 'string') {
    return new JobControlError(`the control endpoint at ${socket} answered ${status} without an error description`, { status });
  }
  // The endpoint's own refusals are JobControlErrors already: keep their message, not a wrapper around it.
  if (encoded.code === 'WEIR_ERR_JOB_CONTROL') {
    return new JobControlError(encoded.message, { status, ...(encoded.cause !== undefined && { cause: decodeError(encoded.cause) }) });
  }
  return new JobControlError(encoded.message, { status, cause: decodeError(encoded) });
}
