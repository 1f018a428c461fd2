import { WeirError } from '../errors.js';

/**
 * A request to a running job's control endpoint was not carried out: the endpoint could not be
 * reached or answered something that is not the protocol, the job was not in a state for the request
 * (already stopping, cancelling or ended: HTTP 409), or the operation itself failed (a savepoint that
 * did not complete: HTTP 500, the job's error as `cause`, e.g. `CheckpointError` with code
 * `WEIR_ERR_CHECKPOINT`). The job-control commands exit with code 1 for it.
 * Code `WEIR_ERR_JOB_CONTROL`; `status` is the HTTP status when the endpoint answered.
 */
export class JobControlError extends WeirError {
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('WEIR_ERR_JOB_CONTROL', message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.status = options?.status;
  }
}
