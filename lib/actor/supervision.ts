/**
 * Supervision as data: when a child actor fails, its parent's {@link SupervisorStrategy} returns a
 * {@link SupervisionDecision} for the failure. Directives are Akka's / protoactor's:
 * - `resume`: keep the actor and its state, drop the failing message, go on;
 * - `restart`: discard the actor instance and create a fresh one from its props (for Weir subtasks
 *   this later means "restore from the last completed checkpoint"); queued mail is kept;
 * - `stop`: stop the actor (and its children);
 * - `escalate`: fail the parent with the same error, so its own parent decides.
 * `scope` says whether the directive applies to the failed child only (one-for-one) or to all
 * siblings (all-for-one). `delayMs` delays a restart (exponential backoff).
 */
import type { ActorRef } from './actor-ref.js';

export type Directive = 'resume' | 'restart' | 'stop' | 'escalate';

export interface SupervisionDecision {
  directive: Directive;
  scope: 'one' | 'all';
  /** Delay before a restart, ms (default 0). */
  delayMs?: number;
}

/** What a strategy knows about one failure. */
export interface FailureInfo {
  /** The thrown value. */
  error: unknown;
  /** The failed child. */
  child: ActorRef;
  /** How many times this child failed within the strategy's window before this failure. */
  failuresInWindow: number;
  /** Total restarts of this child so far. */
  restarts: number;
  /** Processing time of the failure, epoch ms. */
  now: number;
}

/** A function of (failure, statistics) deciding what happens to the failed child. */
export type SupervisorStrategy = {
  /** Window (ms) over which `failuresInWindow` is counted; Infinity counts all. */
  readonly withinMs: number;
  decide(info: FailureInfo): SupervisionDecision;
};

/** Chooses a directive from the error alone; the strategy adds retry limits. */
export type Decider = (error: unknown) => Directive;

/** The default decider: restart on any error (Akka's default). */
export const restartDecider: Decider = () => 'restart';

/** Options shared by the built-in strategies. */
export interface StrategyOptions {
  /** Directive per error (default: always `restart`). */
  decider?: Decider;
  /** Restarts allowed within `withinMs` before the child is stopped (default Infinity). */
  maxRetries?: number;
  /** Window for `maxRetries`, ms (default Infinity: all failures count). */
  withinMs?: number;
}

function limited(opts: StrategyOptions, scope: 'one' | 'all'): SupervisorStrategy {
  const decider = opts.decider ?? restartDecider;
  const maxRetries = opts.maxRetries ?? Infinity;
  return {
    withinMs: opts.withinMs ?? Infinity,
    decide(info) {
      const directive = decider(info.error);
      if (directive === 'restart' && info.failuresInWindow >= maxRetries) return { directive: 'stop', scope };
      return { directive, scope };
    },
  };
}

/** One-for-one: the directive applies to the failed child only. */
export function oneForOne(opts: StrategyOptions = {}): SupervisorStrategy {
  return limited(opts, 'one');
}

/** All-for-one: a restart or stop applies to every child of the parent (resume stays local). */
export function allForOne(opts: StrategyOptions = {}): SupervisorStrategy {
  return limited(opts, 'all');
}

/** Options of {@link exponentialBackoff}. */
export interface BackoffOptions extends StrategyOptions {
  /** First restart delay, ms (default 100). */
  minBackoffMs?: number;
  /** Largest restart delay, ms (default 10 000). */
  maxBackoffMs?: number;
  /** Jitter: the delay is multiplied by 1 + random·randomFactor (default 0.2; 0 for none). */
  randomFactor?: number;
  /** Source of randomness in [0, 1) (default Math.random), injectable for tests. */
  random?: () => number;
}

/**
 * One-for-one restarts delayed by min(maxBackoff, minBackoff·2^(n)) · (1 + random·randomFactor),
 * where n is the number of failures in the window (Akka's BackoffSupervisor; Flink's
 * exponential-delay restart strategy uses the same shape).
 */
export function exponentialBackoff(opts: BackoffOptions = {}): SupervisorStrategy {
  const base = limited(opts, 'one');
  const min = opts.minBackoffMs ?? 100;
  const max = opts.maxBackoffMs ?? 10_000;
  const factor = opts.randomFactor ?? 0.2;
  const random = opts.random ?? Math.random;
  return {
    withinMs: base.withinMs,
    decide(info) {
      const d = base.decide(info);
      if (d.directive !== 'restart') return d;
      const delay = Math.min(max, min * 2 ** info.failuresInWindow) * (1 + random() * factor);
      return { ...d, delayMs: delay };
    },
  };
}

/** Stop the failed child, whatever the error. */
export const stoppingStrategy: SupervisorStrategy = oneForOne({ decider: () => 'stop' });

/** Escalate every failure to the parent's parent. */
export const escalatingStrategy: SupervisorStrategy = oneForOne({ decider: () => 'escalate' });
