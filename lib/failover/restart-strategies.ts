/**
 * Restart strategies: whether and when a failed job (its failover region) restarts, as Flink's
 * `RestartStrategies` configurations and `RestartBackoffTimeStrategy` implementations.
 *
 * Defaults (Flink ≥ 1.19): without checkpointing, `none`; with checkpointing and no strategy set,
 * `exponential-delay` with initial backoff 1 s, max backoff 1 min, multiplier 1.5, reset threshold
 * 1 h, jitter 0.1 and unlimited attempts.
 *
 * @see org.apache.flink.api.common.restartstrategy.RestartStrategies
 * @see org.apache.flink.runtime.executiongraph.failover.RestartBackoffTimeStrategy
 */
import { ConfigurationError } from '../errors.js';

/** Plain-data configuration of a restart strategy. */
export type RestartStrategyConfiguration =
  | { type: 'none' }
  | { type: 'fixed-delay'; attempts: number; delayMs: number }
  | { type: 'exponential-delay'; initialBackoffMs: number; maxBackoffMs: number; multiplier: number; resetThresholdMs: number; jitter: number; attempts: number }
  | { type: 'failure-rate'; maxFailuresPerInterval: number; intervalMs: number; delayMs: number };

/** Factories for {@link RestartStrategyConfiguration}s, named as Flink's `RestartStrategies`. */
export const RestartStrategies = {
  /** Never restart: the first failure fails the job. */
  noRestart(): RestartStrategyConfiguration {
    return { type: 'none' };
  },
  /**
   * Restarts up to `attempts` times, waiting `delayMs` before each restart.
   * @throws ConfigurationError for attempts < 0 or delay < 0.
   */
  fixedDelayRestart(attempts: number, delayMs: number): RestartStrategyConfiguration {
    return { type: 'fixed-delay', attempts: nonNegative(attempts, 'attempts', true), delayMs: nonNegative(delayMs, 'delay (ms)') };
  },
  /**
   * Restarts with a backoff that starts at `initialBackoffMs`, grows by `multiplier` after each
   * failure up to `maxBackoffMs`, and resets to the initial backoff once the job ran
   * `resetThresholdMs` without failure; `jitter` ∈ [0, 1] spreads each backoff by ±jitter·backoff.
   */
  exponentialDelayRestart(initialBackoffMs = 1000, maxBackoffMs = 60_000, multiplier = 1.5, resetThresholdMs = 3_600_000, jitter = 0.1, attempts = Number.MAX_SAFE_INTEGER): RestartStrategyConfiguration {
    if (!(multiplier >= 1)) throw new ConfigurationError(`backoff multiplier must be >= 1, got ${multiplier}`);
    if (!(jitter >= 0 && jitter <= 1)) throw new ConfigurationError(`jitter factor must be in [0, 1], got ${jitter}`);
    const initial = nonNegative(initialBackoffMs, 'initial backoff (ms)');
    const max = nonNegative(maxBackoffMs, 'max backoff (ms)');
    if (max < initial) throw new ConfigurationError(`max backoff (${max} ms) must be >= initial backoff (${initial} ms)`);
    return { type: 'exponential-delay', initialBackoffMs: initial, maxBackoffMs: max, multiplier, resetThresholdMs: nonNegative(resetThresholdMs, 'reset threshold (ms)'), jitter, attempts: nonNegative(attempts, 'attempts', true) };
  },
  /** Restarts after `delayMs` unless more than `maxFailuresPerInterval` failures happened within `intervalMs`. */
  failureRateRestart(maxFailuresPerInterval: number, intervalMs: number, delayMs: number): RestartStrategyConfiguration {
    const n = nonNegative(maxFailuresPerInterval, 'max failures per interval', true);
    if (n < 1) throw new ConfigurationError('max failures per interval must be >= 1');
    return { type: 'failure-rate', maxFailuresPerInterval: n, intervalMs: nonNegative(intervalMs, 'failure rate interval (ms)'), delayMs: nonNegative(delayMs, 'delay (ms)') };
  },
};

/** The strategy used when none was set (see the module docstring). */
export function defaultRestartStrategy(checkpointingEnabled: boolean): RestartStrategyConfiguration {
  return checkpointingEnabled ? RestartStrategies.exponentialDelayRestart() : RestartStrategies.noRestart();
}

/**
 * The decision state of a configured strategy (Flink's RestartBackoffTimeStrategy): call
 * {@link notifyFailure} for each failure, then {@link canRestart} and {@link getBackoffTimeMs}.
 */
export interface RestartBackoffTimeStrategy {
  /** Records a failure at `nowMs` (epoch ms). */
  notifyFailure(nowMs: number): void;
  /** Whether the job may restart after the failures so far. */
  canRestart(): boolean;
  /** ms to wait before restarting. */
  getBackoffTimeMs(): number;
  /** A description for logs and the failure message ("fixed-delay: 3 attempts, 10 ms"). */
  describe(): string;
}

/**
 * Builds the decision state for `config`.
 * @param random uniform [0, 1) source for jitter (injected so tests are deterministic).
 */
export function createRestartBackoffTimeStrategy(config: RestartStrategyConfiguration, random: () => number = Math.random): RestartBackoffTimeStrategy {
  switch (config.type) {
    case 'none':
      return { notifyFailure() {}, canRestart: () => false, getBackoffTimeMs: () => 0, describe: () => 'none' };
    case 'fixed-delay': {
      let failures = 0;
      return {
        notifyFailure() {
          failures++;
        },
        canRestart: () => failures <= config.attempts,
        getBackoffTimeMs: () => config.delayMs,
        describe: () => `fixed-delay: ${config.attempts} attempts, ${config.delayMs} ms delay`,
      };
    }
    case 'failure-rate': {
      const times: number[] = [];
      return {
        notifyFailure(now) {
          times.push(now);
          while (times.length > 0 && times[0]! < now - config.intervalMs) times.shift();
        },
        canRestart: () => times.length <= config.maxFailuresPerInterval,
        getBackoffTimeMs: () => config.delayMs,
        describe: () => `failure-rate: at most ${config.maxFailuresPerInterval} failures per ${config.intervalMs} ms, ${config.delayMs} ms delay`,
      };
    }
    case 'exponential-delay': {
      // As Flink's ExponentialDelayRestartBackoffTimeStrategy: the backoff grows per failure and
      // resets after a failure-free stretch of resetThresholdMs.
      let backoff = 0;
      let lastFailure = -Infinity;
      let attempts = 0;
      return {
        notifyFailure(now) {
          if (now - lastFailure >= config.resetThresholdMs + backoff) {
            backoff = config.initialBackoffMs;
            attempts = 0;
          } else backoff = Math.min(backoff * config.multiplier, config.maxBackoffMs);
          attempts++;
          lastFailure = now;
        },
        canRestart: () => attempts <= config.attempts,
        getBackoffTimeMs: () => {
          const spread = backoff * config.jitter;
          return Math.max(0, Math.round(backoff + (random() * 2 - 1) * spread));
        },
        describe: () => `exponential-delay: ${config.initialBackoffMs}..${config.maxBackoffMs} ms x${config.multiplier}, reset after ${config.resetThresholdMs} ms`,
      };
    }
  }
}

function nonNegative(v: number, what: string, int = false): number {
  if (!Number.isFinite(v) || v < 0 || (int && !Number.isInteger(v))) throw new ConfigurationError(`${what} must be a ${int ? 'non-negative integer' : 'finite number >= 0'}, got ${v}`);
  return v;
}
