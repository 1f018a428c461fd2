/**
 * State time-to-live configuration, as Flink's `StateTtlConfig`: keyed state written (or read) more
 * than `ttl` ms of **processing time** ago expires; expired state is invisible (by default) and is
 * removed on access, left out of full snapshots and, on the heap backend, swept incrementally.
 *
 * Enable it per state with {@link StateDescriptor.enableTimeToLive}. Value, reducing and
 * aggregating state expire as a whole; list state per element and map state per entry, as in Flink.
 *
 * Differences from Flink, on purpose:
 * - Only processing time exists (as in Flink, where `TtlTimeCharacteristic` has only
 *   `ProcessingTime`), read from the job's injected `Clock`.
 * - There is no `cleanupInRocksdbCompactFilter`: background cleanup by a compaction filter does not
 *   apply to any Weir backend. On the heap backend, background cleanup means incremental cleanup
 *   (Flink's default for heap: 5 entries per state access); the LevelDB backend cleans up on
 *   access and in full snapshots only.
 * - `UpdateType.Disabled` and `StateTtlConfig.DISABLED` do not exist: a descriptor without a TTL
 *   config has no TTL.
 *
 * @see org.apache.flink.api.common.state.StateTtlConfig
 * @example
 * const ttl = StateTtlConfig.newBuilder(60_000) // 1 minute
 *   .setUpdateType(UpdateType.OnReadAndWrite)
 *   .setStateVisibility(StateVisibility.NeverReturnExpired)
 *   .cleanupFullSnapshot()
 *   .build();
 * const d = new ValueStateDescriptor<number>('last-seen');
 * d.enableTimeToLive(ttl);
 */
import { ConfigurationError } from '../errors.js';

/**
 * When the last-access timestamp of a state entry is refreshed, prolonging its life
 * (Flink's `StateTtlConfig.UpdateType`):
 * - `'OnCreateAndWrite'` (default): on creation and on every write.
 * - `'OnReadAndWrite'`: also on every read.
 */
export type UpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite';

/** The {@link UpdateType} values by name, for Java-like code: `UpdateType.OnReadAndWrite`. */
export const UpdateType = {
  OnCreateAndWrite: 'OnCreateAndWrite',
  OnReadAndWrite: 'OnReadAndWrite',
} as const satisfies Record<UpdateType, UpdateType>;

/**
 * Whether an expired entry that was not cleaned up yet may still be returned
 * (Flink's `StateTtlConfig.StateVisibility`):
 * - `'NeverReturnExpired'` (default): expired state reads as absent.
 * - `'ReturnExpiredIfNotCleanedUp'`: an expired entry is returned once (the read cleans it up).
 */
export type StateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';

/** The {@link StateVisibility} values by name: `StateVisibility.NeverReturnExpired`. */
export const StateVisibility = {
  NeverReturnExpired: 'NeverReturnExpired',
  ReturnExpiredIfNotCleanedUp: 'ReturnExpiredIfNotCleanedUp',
} as const satisfies Record<StateVisibility, StateVisibility>;

/**
 * Incremental cleanup (heap backend only, Flink's `IncrementalCleanupStrategy`): the backend keeps
 * a lazy cursor over all entries of the state; every access to the state (and, with
 * `runCleanupForEveryRecord`, every record of the operator) checks `cleanupSize` more entries and
 * removes the expired ones.
 */
export interface IncrementalCleanupStrategy {
  /** Entries checked per trigger, > 0. */
  readonly cleanupSize: number;
  /** Also trigger on every record (every key change), not only on state access. */
  readonly runCleanupForEveryRecord: boolean;
}

/** Flink's default incremental cleanup for heap state with background cleanup on: 5 entries per access. */
export const DEFAULT_INCREMENTAL_CLEANUP: IncrementalCleanupStrategy = Object.freeze({ cleanupSize: 5, runCleanupForEveryRecord: false });

/** An immutable TTL configuration; build one with {@link StateTtlConfig.newBuilder}. */
export class StateTtlConfig {
  /** `StateTtlConfig.UpdateType.OnReadAndWrite`, as in Java. */
  static readonly UpdateType = UpdateType;
  /** `StateTtlConfig.StateVisibility.NeverReturnExpired`, as in Java. */
  static readonly StateVisibility = StateVisibility;

  /** Time to live, ms of processing time (> 0). */
  readonly ttl: number;
  readonly updateType: UpdateType;
  readonly stateVisibility: StateVisibility;
  /** Leave expired entries out of full snapshots (checkpoint full parts and savepoints). */
  readonly cleanupFullSnapshot: boolean;
  /** Explicit incremental cleanup, or `undefined` (then the background default applies, see {@link incrementalCleanup}). */
  readonly incrementalCleanupStrategy: IncrementalCleanupStrategy | undefined;
  /** Whether backends may clean up in the background (default true; Flink `isCleanupInBackground`). */
  readonly cleanupInBackground: boolean;

  /** Use {@link StateTtlConfig.newBuilder}. */
  private constructor(b: StateTtlConfigBuilder) {
    this.ttl = b.ttlMs;
    this.updateType = b.updateType;
    this.stateVisibility = b.stateVisibility;
    this.cleanupFullSnapshot = b.fullSnapshot;
    this.incrementalCleanupStrategy = b.incremental;
    this.cleanupInBackground = b.background;
    Object.freeze(this);
  }

  /**
   * Starts a builder.
   * @param ttlMs time to live, ms of processing time; a finite number > 0.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for any other `ttlMs`.
   */
  static newBuilder(ttlMs: number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(ttlMs);
  }

  /** @internal Used by the builder. */
  static fromBuilder(b: StateTtlConfigBuilder): StateTtlConfig {
    return new StateTtlConfig(b);
  }

  /**
   * The incremental cleanup the heap backend runs: the explicit strategy, else
   * {@link DEFAULT_INCREMENTAL_CLEANUP} when background cleanup is on, else `undefined`
   * (Flink `getIncrementalCleanupStrategy`).
   */
  get incrementalCleanup(): IncrementalCleanupStrategy | undefined {
    if (this.incrementalCleanupStrategy !== undefined) return this.incrementalCleanupStrategy;
    return this.cleanupInBackground ? DEFAULT_INCREMENTAL_CLEANUP : undefined;
  }

  /** A builder with this config's settings, to derive a variant. */
  toBuilder(): StateTtlConfigBuilder {
    const b = new StateTtlConfigBuilder(this.ttl).setUpdateType(this.updateType).setStateVisibility(this.stateVisibility);
    if (this.cleanupFullSnapshot) b.cleanupFullSnapshot();
    if (this.incrementalCleanupStrategy !== undefined) b.cleanupIncrementally(this.incrementalCleanupStrategy.cleanupSize, this.incrementalCleanupStrategy.runCleanupForEveryRecord);
    if (!this.cleanupInBackground) b.disableCleanupInBackground();
    return b;
  }
}

/** Builds a {@link StateTtlConfig} (Flink's `StateTtlConfig.Builder`); every setter returns the builder. */
export class StateTtlConfigBuilder {
  /** @internal */ ttlMs: number;
  /** @internal */ updateType: UpdateType = 'OnCreateAndWrite';
  /** @internal */ stateVisibility: StateVisibility = 'NeverReturnExpired';
  /** @internal */ fullSnapshot = false;
  /** @internal */ incremental: IncrementalCleanupStrategy | undefined = undefined;
  /** @internal */ background = true;

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless `ttlMs` is a finite number > 0. */
  constructor(ttlMs: number) {
    this.ttlMs = checkTtl(ttlMs);
  }

  /** Sets the time to live, ms. @throws ConfigurationError (`WEIR_ERR_CONFIG`) unless finite and > 0. */
  setTtl(ttlMs: number): this {
    this.ttlMs = checkTtl(ttlMs);
    return this;
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an unknown update type. */
  setUpdateType(updateType: UpdateType): this {
    if (updateType !== 'OnCreateAndWrite' && updateType !== 'OnReadAndWrite') throw new ConfigurationError(`unknown TTL update type '${String(updateType)}' (expected OnCreateAndWrite or OnReadAndWrite)`);
    this.updateType = updateType;
    return this;
  }

  /** Same as `setUpdateType('OnCreateAndWrite')`. */
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType('OnCreateAndWrite');
  }

  /** Same as `setUpdateType('OnReadAndWrite')`. */
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType('OnReadAndWrite');
  }

  /** @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an unknown visibility. */
  setStateVisibility(visibility: StateVisibility): this {
    if (visibility !== 'NeverReturnExpired' && visibility !== 'ReturnExpiredIfNotCleanedUp') throw new ConfigurationError(`unknown TTL state visibility '${String(visibility)}' (expected NeverReturnExpired or ReturnExpiredIfNotCleanedUp)`);
    this.stateVisibility = visibility;
    return this;
  }

  /** Same as `setStateVisibility('ReturnExpiredIfNotCleanedUp')`. */
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility('ReturnExpiredIfNotCleanedUp');
  }

  /** Same as `setStateVisibility('NeverReturnExpired')`. */
  neverReturnExpired(): this {
    return this.setStateVisibility('NeverReturnExpired');
  }

  /**
   * Leaves expired entries out of full snapshots (full checkpoint parts and savepoints), so a
   * restore does not bring them back; live state is not cleaned by it (Flink `cleanupFullSnapshot`).
   */
  cleanupFullSnapshot(): this {
    this.fullSnapshot = true;
    return this;
  }

  /**
   * Incremental cleanup on the heap backend (ignored by other backends, as in Flink): each state
   * access, and with `runCleanupForEveryRecord` each record, checks `cleanupSize` more entries.
   * @param cleanupSize entries checked per trigger, an integer > 0.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `cleanupSize` is not an integer > 0.
   */
  cleanupIncrementally(cleanupSize: number, runCleanupForEveryRecord: boolean): this {
    if (!Number.isInteger(cleanupSize) || cleanupSize <= 0) throw new ConfigurationError(`TTL incremental cleanup size must be an integer > 0, got ${cleanupSize}`);
    this.incremental = Object.freeze({ cleanupSize, runCleanupForEveryRecord });
    return this;
  }

  /** Turns off the default background cleanup (the heap backend's default incremental cleanup). */
  disableCleanupInBackground(): this {
    this.background = false;
    return this;
  }

  /** The immutable config. */
  build(): StateTtlConfig {
    return StateTtlConfig.fromBuilder(this);
  }
}

function checkTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) throw new ConfigurationError(`state TTL must be a finite number of ms > 0, got ${String(ttlMs)}`);
  return ttlMs;
}
