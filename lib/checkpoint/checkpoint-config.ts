/**
 * Checkpoint settings of a job, as Flink's `CheckpointConfig`, set through
 * `env.enableCheckpointing(intervalMs[, mode])` and `env.getCheckpointConfig()`.
 *
 * Defaults are Flink's: timeout 10 min, no pause between checkpoints, one checkpoint at a time, no
 * tolerable checkpoint failures, one retained checkpoint, `EXACTLY_ONCE`.
 *
 * @see org.apache.flink.streaming.api.environment.CheckpointConfig
 * @see org.apache.flink.streaming.api.CheckpointingMode
 */
import { ConfigurationError } from '../errors.js';
import { parseStorageLocation } from './storage-location.js';

/**
 * `EXACTLY_ONCE`: operators with several input channels align barriers (records after a barrier on
 * one channel wait until the barrier arrived on every channel). `AT_LEAST_ONCE`: no alignment; the
 * snapshot is taken when the last barrier arrives, so records may be replayed into state twice.
 */
export type CheckpointingMode = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/** Plain-data form of the settings, handed to the runtime. */
export interface CheckpointSettings {
  /** ms between the start of two checkpoints; 0 = checkpointing disabled. */
  intervalMs: number;
  mode: CheckpointingMode;
  /** ms after which a checkpoint that has not completed is aborted. */
  timeoutMs: number;
  /** ms at least between the end of one checkpoint and the start of the next. */
  minPauseMs: number;
  /** Checkpoints in progress at once. */
  maxConcurrent: number;
  /** Consecutive failed checkpoints tolerated before the job fails. */
  tolerableFailures: number;
  /** Completed checkpoints kept in storage (the newest ones). */
  numRetained: number;
  /**
   * Checkpoint storage location: a directory path, or `jetstream://<bucket>[/<prefix>]` for a NATS
   * JetStream object store bucket (see storage-location.ts); undefined for in-memory storage
   * (Flink's JobManagerCheckpointStorage).
   */
  storagePath: string | undefined;
}

export class CheckpointConfig {
  private settings: CheckpointSettings = {
    intervalMs: 0,
    mode: 'EXACTLY_ONCE',
    timeoutMs: 10 * 60_000,
    minPauseMs: 0,
    maxConcurrent: 1,
    tolerableFailures: 0,
    numRetained: 1,
    storagePath: undefined,
  };

  /** True once an interval > 0 was set. */
  isCheckpointingEnabled(): boolean {
    return this.settings.intervalMs > 0;
  }

  /**
   * @param intervalMs ms between checkpoint starts, ≥ 10 (Flink's minimum); 0 disables checkpointing.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for other values.
   */
  setCheckpointInterval(intervalMs: number): this {
    if (!(intervalMs === 0 || (Number.isFinite(intervalMs) && intervalMs >= 10))) throw new ConfigurationError(`checkpoint interval must be 0 (disabled) or at least 10 ms, got ${intervalMs}`);
    this.settings.intervalMs = intervalMs;
    return this;
  }
  getCheckpointInterval(): number {
    return this.settings.intervalMs;
  }

  setCheckpointingMode(mode: CheckpointingMode): this {
    if (mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') throw new ConfigurationError(`checkpointing mode must be 'EXACTLY_ONCE' or 'AT_LEAST_ONCE', got '${String(mode)}'`);
    this.settings.mode = mode;
    return this;
  }
  getCheckpointingMode(): CheckpointingMode {
    return this.settings.mode;
  }

  /** @param timeoutMs ≥ 1 ms. */
  setCheckpointTimeout(timeoutMs: number): this {
    this.settings.timeoutMs = atLeast(timeoutMs, 1, 'checkpoint timeout (ms)');
    return this;
  }
  getCheckpointTimeout(): number {
    return this.settings.timeoutMs;
  }

  /** @param pauseMs ≥ 0 ms. */
  setMinPauseBetweenCheckpoints(pauseMs: number): this {
    this.settings.minPauseMs = atLeast(pauseMs, 0, 'min pause between checkpoints (ms)');
    return this;
  }
  getMinPauseBetweenCheckpoints(): number {
    return this.settings.minPauseMs;
  }

  /** @param n integer ≥ 1. */
  setMaxConcurrentCheckpoints(n: number): this {
    this.settings.maxConcurrent = integer(n, 1, 'max concurrent checkpoints');
    return this;
  }
  getMaxConcurrentCheckpoints(): number {
    return this.settings.maxConcurrent;
  }

  /** @param n integer ≥ 0: consecutive checkpoint failures tolerated (Flink's tolerableCheckpointFailureNumber). */
  setTolerableCheckpointFailureNumber(n: number): this {
    this.settings.tolerableFailures = integer(n, 0, 'tolerable checkpoint failure number');
    return this;
  }
  getTolerableCheckpointFailureNumber(): number {
    return this.settings.tolerableFailures;
  }

  /** @param n integer ≥ 1: completed checkpoints kept (Flink's `state.checkpoints.num-retained`, default 1). */
  setNumRetainedCheckpoints(n: number): this {
    this.settings.numRetained = integer(n, 1, 'retained checkpoints');
    return this;
  }
  getNumRetainedCheckpoints(): number {
    return this.settings.numRetained;
  }

  /**
   * Where completed checkpoints are written (Flink's FileSystemCheckpointStorage, whose location is
   * a URI with a scheme): a directory path (or `file://` URI) shared by every host, one
   * `<jobId>/chk-<id>/` folder per checkpoint; or `jetstream://<bucket>[/<prefix>]`, the same layout
   * as objects of the NATS JetStream object store bucket `<bucket>` (created on first use; the NATS
   * connection is chosen with `useNatsForCheckpointStorage`, default `$NATS_URL`). Unset: in memory.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an empty location, another URI scheme or an
   *   invalid bucket name.
   * @example env.getCheckpointConfig().setCheckpointStorage('jetstream://weir-checkpoints/prod')
   */
  setCheckpointStorage(path: string | undefined): this {
    if (path !== undefined && (typeof path !== 'string' || path.length === 0)) throw new ConfigurationError('checkpoint storage must be a non-empty directory path or jetstream:// URI');
    const location = path === undefined ? undefined : parseStorageLocation(path);
    // A file:// URI is kept as the (percent-decoded) path it names.
    this.settings.storagePath = location?.kind === 'file' ? location.path : path;
    return this;
  }
  getCheckpointStorage(): string | undefined {
    return this.settings.storagePath;
  }

  /** A copy of the settings. */
  toSettings(): CheckpointSettings {
    return { ...this.settings };
  }
}

function atLeast(v: number, min: number, what: string): number {
  if (!Number.isFinite(v) || v < min) throw new ConfigurationError(`${what} must be a finite number >= ${min}, got ${v}`);
  return v;
}

function integer(v: number, min: number, what: string): number {
  if (!Number.isInteger(v) || v < min) throw new ConfigurationError(`${what} must be an integer >= ${min}, got ${v}`);
  return v;
}
