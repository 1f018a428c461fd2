/**
 * Weir's error hierarchy. Every error Weir throws is a {@link WeirError} with a stable `code`
 * (`WEIR_ERR_…`) that callers match on; `cause` is chained. Errors crossing threads or hosts are
 * encoded with {@link encodeError} as `{code, name, message, cause}` and rebuilt with {@link decodeError}.
 *
 * @see Flink's `JobExecutionException` / `CheckpointFailureReason` for the idea of stable failure codes.
 */
export class WeirError extends Error {
  /** Stable machine-readable code, e.g. `WEIR_ERR_RECORD_PARSE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A job or API call was configured wrongly (bad parallelism, unknown option, invalid key). */
export class ConfigurationError extends WeirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_CONFIG', message, options);
  }
}

/** A key could not be hashed: only strings, numbers, bigints, booleans and arrays of those are keys. */
export class InvalidKeyError extends WeirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_INVALID_KEY', message, options);
  }
}

/**
 * A record in an input file could not be parsed.
 * `file` is the path, `line` 1-based (header is line 1), `field` the column name (or `undefined`
 * when the whole row is malformed), `offset` the byte offset of the row's start in the
 * (decompressed) file.
 */
export class RecordParseError extends WeirError {
  readonly file: string;
  readonly line: number;
  readonly field: string | undefined;
  readonly offset: number;

  constructor(detail: { file: string; line: number; field?: string; offset: number; reason: string; raw?: string }, options?: { cause?: unknown }) {
    const where = `${detail.file}:${detail.line}${detail.field !== undefined ? ` field '${detail.field}'` : ''}`;
    const raw = detail.raw !== undefined ? `: ${truncate(detail.raw, 200)}` : '';
    super('WEIR_ERR_RECORD_PARSE', `malformed record at ${where}: ${detail.reason}${raw}`, options);
    this.file = detail.file;
    this.line = detail.line;
    this.field = detail.field;
    this.offset = detail.offset;
  }
}

/**
 * A user function threw (or its promise rejected). Names the operator, the subtask index and the
 * record being processed, as Flink's task failure message does.
 */
export class UserFunctionError extends WeirError {
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly record: unknown;

  constructor(operatorName: string, subtaskIndex: number, record: unknown, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'WEIR_ERR_USER_FUNCTION',
      `operator '${operatorName}' (subtask ${subtaskIndex}) failed on record ${describeRecord(record)}: ${reason}`,
      { cause },
    );
    this.operatorName = operatorName;
    this.subtaskIndex = subtaskIndex;
    this.record = record;
  }
}

/** The job failed; `cause` is the root cause (often a {@link UserFunctionError} or {@link RecordParseError}). */
export class JobExecutionError extends WeirError {
  readonly jobName: string;

  constructor(jobName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('WEIR_ERR_JOB_FAILED', `job '${jobName}' failed: ${reason}`, { cause });
    this.jobName = jobName;
  }
}

/** An `ask` got no reply within its timeout (ms). */
export class AskTimeoutError extends WeirError {
  constructor(target: string, timeoutMs: number) {
    super('WEIR_ERR_ASK_TIMEOUT', `no reply from ${target} within ${timeoutMs} ms`);
  }
}

/** A message was sent to an actor that does not exist or has stopped; it went to dead letters. */
export class ActorNotFoundError extends WeirError {
  constructor(target: string) {
    super('WEIR_ERR_ACTOR_NOT_FOUND', `no actor ${target}`);
  }
}

/**
 * A snapshot (checkpoint or savepoint file, metadata or state part) is unreadable: wrong magic or
 * format version, checksum mismatch (corruption, truncation) or undecodable content. `path` names
 * the file when there is one.
 */
export class SnapshotFormatError extends WeirError {
  readonly path: string | undefined;
  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_SNAPSHOT_FORMAT', path !== undefined ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/**
 * A checkpoint could not complete (Flink's `CheckpointException` with a `CheckpointFailureReason`):
 * `reason` is one of `'CHECKPOINT_EXPIRED'` (timeout), `'CHECKPOINT_DECLINED'` (a subtask failed to
 * snapshot), `'IO_EXCEPTION'` (storage), `'JOB_FAILOVER'` (the job restarted meanwhile),
 * `'TOO_MANY_CHECKPOINT_REQUESTS'`, `'CHECKPOINT_SUBSUMED'`.
 */
export class CheckpointError extends WeirError {
  constructor(
    readonly reason: 'CHECKPOINT_EXPIRED' | 'CHECKPOINT_DECLINED' | 'IO_EXCEPTION' | 'JOB_FAILOVER' | 'TOO_MANY_CHECKPOINT_REQUESTS' | 'CHECKPOINT_SUBSUMED' | 'TOO_MANY_FAILURES',
    message: string,
    options?: { cause?: unknown },
  ) {
    super('WEIR_ERR_CHECKPOINT', `${reason}: ${message}`, options);
  }
}

/**
 * Restoring a savepoint or checkpoint failed: state of an operator `uid` that the job no longer has
 * (without `allowNonRestoredState`), a max-parallelism change, or no readable checkpoint.
 */
export class RestoreError extends WeirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_RESTORE', message, options);
  }
}

/**
 * LevelDB failed underneath the LevelDB state backend (open, background write, read, key scan), or
 * the backend was used after `dispose()`. Code `WEIR_ERR_LEVEL_STATE`; `cause` holds LevelDB's error.
 */
export class LevelStateError extends WeirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEIR_ERR_LEVEL_STATE', message, options);
  }
}

/** Plain-data form of an error, safe to encode with cbor-x across threads and hosts. */
export interface EncodedError {
  code: string;
  name: string;
  message: string;
  stack?: string;
  cause?: EncodedError;
}

/** Encodes any thrown value as plain data (code `WEIR_ERR_UNKNOWN` for non-Weir errors). */
export function encodeError(err: unknown, depth = 0): EncodedError {
  if (err instanceof Error) {
    const out: EncodedError = {
      code: err instanceof WeirError ? err.code : 'WEIR_ERR_UNKNOWN',
      name: err.name,
      message: err.message,
    };
    if (err.stack !== undefined) out.stack = err.stack;
    if (err.cause !== undefined && depth < 8) out.cause = encodeError(err.cause, depth + 1);
    return out;
  }
  return { code: 'WEIR_ERR_UNKNOWN', name: 'Error', message: String(err) };
}

/** Rebuilds a {@link WeirError} from {@link encodeError}'s output; `code` and the cause chain survive. */
export function decodeError(e: EncodedError): WeirError {
  const err = new WeirError(e.code, e.message, e.cause !== undefined ? { cause: decodeError(e.cause) } : undefined);
  err.name = e.name;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

/** A short, safe rendering of a record for error messages (JSON, at most 300 characters). */
export function describeRecord(record: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(record);
  } catch {
    s = String(record);
  }
  return truncate(s, 300);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
