/**
 * RegionActor: the supervisor of one failover region's subtask actors (job → failover region →
 * subtasks). It starts the region's subtasks in preStart from deployments the job actor computes
 * (current attempt, state to restore, placement): a local subtask is spawned as its child; a
 * subtask placed on a task slot elsewhere (a worker thread or a task manager on another host) is
 * deployed through that slot's TaskExecutorActor, which reports its failure back here. Any subtask
 * failure escalates to the job actor, whose restart strategy decides; a restart directive recreates
 * this actor, which stops the failed attempt's subtasks (local children stop with it, remote ones
 * are cancelled on their slots) and starts the next attempt restored from the last checkpoint.
 *
 * Accepts: FailRegion (the job actor fails the region on purpose: a checkpoint failure threshold, a
 * lost task manager, a global failover), SubtaskFailed (from a task executor).
 * Owns: its local children and the list of its remote subtasks (to cancel them when it stops).
 */
import { Actor, type Props } from '../lib/actor/actor.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import { oneForOne, type SupervisorStrategy } from '../lib/actor/supervision.js';
import { taskExecutorRef, type CancelSubtasks, type DeploySubtask, type SubtaskFailed } from '../lib/cluster/deployment-messages.js';
import { decodeError } from '../lib/errors.js';

/** Makes the region fail with `error` (so the job's restart strategy handles it like a task failure). */
export interface FailRegion {
  t: 'fail-region';
  error: unknown;
}

/** A subtask to start: spawned here (`props`), or deployed on the task slot at `slot`. */
export type RegionMember =
  | { readonly name: string; readonly props: Props; readonly slot?: undefined }
  | { readonly name: string; readonly slot: string; readonly deploy: (region: ActorRef) => DeploySubtask };

export class RegionActor extends Actor<FailRegion | SubtaskFailed> {
  private readonly remote = new Map<string, string[]>();

  /**
   * @param members computes the subtasks of this attempt when the region starts or restarts (a
   *   throw fails the region, e.g. when no task slot is left).
   * @param onStarted told once the subtasks were spawned or their deployments sent.
   */
  constructor(
    private readonly members: () => readonly RegionMember[],
    private readonly onStarted: () => void,
  ) {
    super();
  }

  override preStart(): void {
    for (const m of this.members()) {
      if (m.slot === undefined) {
        this.context.spawn(m.props, m.name);
        continue;
      }
      this.context.tellSystem(taskExecutorRef(m.slot), m.deploy(this.context.self));
      const names = this.remote.get(m.slot) ?? [];
      names.push(m.name);
      this.remote.set(m.slot, names);
    }
    this.onStarted();
  }

  receive(msg: FailRegion | SubtaskFailed): void {
    if (msg.t === 'subtask-failed') {
      // Only this attempt's subtasks fail it: a subtask of an earlier attempt (or of the previous
      // leading job manager, whose region actor had this path) that fails late is already replaced.
      const name = msg.subtask.id.slice(msg.subtask.id.indexOf('/') + 1);
      if (!(this.remote.get(msg.subtask.address)?.includes(name) ?? false)) return;
      throw decodeError(msg.error);
    }
    throw msg.error;
  }

  /** Remote subtasks are not children: cancel them on their slots (old-attempt mail then goes to dead letters). */
  override postStop(): void {
    for (const [slot, names] of this.remote) this.context.tellSystem(taskExecutorRef(slot), { t: 'cancel-subtasks', names } satisfies CancelSubtasks);
    this.remote.clear();
  }

  override supervisorStrategy(): SupervisorStrategy {
    return escalateAll;
  }
}

const escalateAll = oneForOne({ decider: () => 'escalate' });
