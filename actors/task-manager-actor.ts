/**
 * TaskManagerActor: the main-thread actor of a task manager process (Flink's TaskExecutor's
 * registration and heartbeat side), at `taskmanager@<taskManagerId>`. Its task slots are worker
 * threads, each an actor system with a TaskExecutorActor; this actor registers them with the job
 * manager (retrying until it answers), heartbeats, and reports a slot whose worker died. When the
 * job manager no longer knows it (restarted, or declared it lost), it cancels everything its slots
 * run and registers again: the jobs have failed over elsewhere already.
 *
 * Accepts: TaskManagerRegistered, TaskManagerUnknown (from the job manager), SlotDied (local, from
 * the process that watches the workers), its own register/heartbeat ticks. Sends: RegisterTaskManager,
 * TaskManagerHeartbeat, SlotLost to the job manager; CancelJobTasks('*') to its slots.
 * Owns: the registration state.
 */
import { Actor } from '../lib/actor/actor.js';
import { jobManagerRef, type RegisterTaskManager, type SlotLost, type TaskManagerHeartbeat, type TaskManagerRegistered, type TaskManagerUnknown } from '../lib/cluster/cluster-messages.js';
import { taskExecutorRef } from '../lib/cluster/deployment-messages.js';
import type { TimerHandle } from '../lib/time/clock.js';
import type { CancelJobTasks } from './task-executor-actor.js';

/** Options of the {@link TaskManagerActor}. */
export interface TaskManagerActorOptions {
  taskManagerId: string;
  host: string;
  pid: number;
  /** Addresses of its slots. */
  slots: string[];
  /** Registration retry interval, ms (Flink's cluster.registration.initial-timeout; default 1 000). */
  registrationRetryMs?: number;
  log?: (line: string) => void;
}

/** Local: a slot's worker thread exited. */
export interface SlotDied {
  t: 'slot-died';
  address: string;
  reason: string;
}

interface Tick {
  t: 'tm-tick';
}

type TaskManagerMessage = TaskManagerRegistered | TaskManagerUnknown | SlotDied | Tick;

export class TaskManagerActor extends Actor<TaskManagerMessage> {
  private registered = false;
  private heartbeatMs = 10_000;
  private timer: TimerHandle | undefined;
  private readonly slots: string[];

  constructor(private readonly options: TaskManagerActorOptions) {
    super();
    this.slots = [...options.slots];
  }

  override preStart(): void {
    this.register();
  }

  override postStop(): void {
    this.timer?.cancel();
  }

  receive(msg: TaskManagerMessage): void {
    switch (msg.t) {
      case 'tm-registered':
        if (!this.registered) this.options.log?.(`registered with the job manager (${this.slots.length} slot(s))`);
        this.registered = true;
        this.heartbeatMs = msg.heartbeatIntervalMs;
        return;
      case 'tm-unknown':
        if (!this.registered) return;
        this.options.log?.('the job manager does not know this task manager (restarted, or declared it lost): cancelling its subtasks and registering again');
        this.registered = false;
        for (const s of this.slots) this.context.tellSystem(taskExecutorRef(s), { t: 'cancel-job', jobId: '*' } satisfies CancelJobTasks);
        this.register();
        return;
      case 'slot-died': {
        const i = this.slots.indexOf(msg.address);
        if (i >= 0) this.slots.splice(i, 1);
        this.context.tellSystem(jobManagerRef, { t: 'slot-lost', taskManagerId: this.options.taskManagerId, address: msg.address, reason: msg.reason } satisfies SlotLost);
        return;
      }
      case 'tm-tick':
        if (this.registered) this.context.tellSystem(jobManagerRef, { t: 'tm-heartbeat', taskManagerId: this.options.taskManagerId } satisfies TaskManagerHeartbeat);
        else this.register();
        this.schedule();
        return;
    }
  }

  private register(): void {
    const msg: RegisterTaskManager = { t: 'register-tm', taskManagerId: this.options.taskManagerId, host: this.options.host, pid: this.options.pid, slots: [...this.slots] };
    this.context.tellSystem(jobManagerRef, msg);
    if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    const { system, self } = this.context;
    const delay = this.registered ? this.heartbeatMs : (this.options.registrationRetryMs ?? 1_000);
    this.timer = system.clock.setTimeout(() => system.tellSystem(self, { t: 'tm-tick' } satisfies Tick, self), delay);
  }
}
