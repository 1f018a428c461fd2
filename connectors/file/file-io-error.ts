import { WeirError } from '../../lib/errors.js';

/**
 * Reading or writing a file failed below the record level: an I/O error (`EACCES`, `ENOSPC`, …)
 * or a corrupt gzip stream. Code `WEIR_ERR_FILE_IO`; `file` is the path; `cause` is the Node error.
 * Malformed records are `RecordParseError`s instead, and a missing input path is a
 * `ConfigurationError`.
 */
export class FileIoError extends WeirError {
  readonly file: string;

  constructor(file: string, action: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('WEIR_ERR_FILE_IO', `cannot ${action} ${file}: ${reason}`, { cause });
    this.file = file;
  }
}
