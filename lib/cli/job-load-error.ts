import { WeirError } from '../errors.js';

/**
 * A job file could not be loaded: it does not exist, does not compile or throws while being
 * imported, or has no default-exported job function. `weir run` exits with code 3 for it.
 * Code `WEIR_ERR_JOB_LOAD`; `file` is the absolute path; `cause` is the underlying error, if any.
 */
export class JobLoadError extends WeirError {
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_JOB_LOAD', message, options);
    this.file = file;
  }
}
