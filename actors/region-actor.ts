/**
 * RegionActor: the supervisor of one failover region's subtask actors (job → failover region →
 * subtasks). It spawns the region's subtasks in preStart from deployments the job actor computes
 * (current attempt, state to restore) and escalates any subtask failure to the job actor, whose
 * restart strategy decides; a restart directive recreates this actor, which stops the failed
 * attempt's subtasks and spawns the next attempt restored from the last completed checkpoint.
 *
 * Accepts: FailRegion (the job actor fails the region on purpose: a checkpoint failure threshold or
 * a global failover). Owns: nothing but its children.
 */
import { Actor, type Props } from '../lib/actor/actor.js';
import { oneForOne, type SupervisorStrategy } from '../lib/actor/supervision.js';

/** Makes the region fail with `error` (so the job's restart strategy handles it like a task failure). */
export interface FailRegion {
  t: 'fail-region';
  error: unknown;
}

/** A subtask to spawn: its actor name and props. */
export interface RegionMember {
  readonly name: string;
  readonly props: Props;
}

export class RegionActor extends Actor<FailRegion> {
  /**
   * @param members the subtasks of this attempt (computed when the region is created or recreated).
   * @param onStarted told once the subtasks were spawned.
   */
  constructor(
    private readonly members: readonly RegionMember[],
    private readonly onStarted: () => void,
  ) {
    super();
  }

  override preStart(): void {
    for (const m of this.members) this.context.spawn(m.props, m.name);
    this.onStarted();
  }

  receive(msg: FailRegion): void {
    throw msg.error;
  }

  override supervisorStrategy(): SupervisorStrategy {
    return escalateAll;
  }
}

const escalateAll = oneForOne({ decider: () => 'escalate' });
