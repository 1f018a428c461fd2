import { WeirError } from '../errors.js';
import type { JobRegistration } from './job-registry.js';

/**
 * A job reference given to `weir savepoint`, `stop` or `cancel` names no running job, or (a job
 * name) more than one. The job-control commands exit with code 2 for it. Code `WEIR_ERR_JOB_LOOKUP`;
 * `ref` is the reference as given; `candidates` are the running jobs it could have meant (the ones
 * sharing the name when ambiguous, every running job when unknown), so the message can list them.
 */
export class JobLookupError extends WeirError {
  readonly ref: string;
  readonly candidates: readonly JobRegistration[];

  constructor(ref: string, message: string, candidates: readonly JobRegistration[]) {
    super('WEIR_ERR_JOB_LOOKUP', message);
    this.ref = ref;
    this.candidates = candidates;
  }
}
