/**
 * JobManagerActor: the cluster's job manager (Flink's Dispatcher + ResourceManager + the job
 * masters it starts), at `jobmanager@jm`. Task managers register their task slots with it and
 * heartbeat; it starts one JobActor per submitted job (as its child, in the same actor system),
 * whose subtasks it places on the registered slots; a task manager that misses heartbeats for
 * `heartbeatTimeoutMs` is declared lost and every job with subtasks on its slots fails those
 * regions over onto the remaining slots (Flink's heartbeat.timeout → TaskManager lost).
 *
 * Accepts: RegisterTaskManager, TaskManagerHeartbeat, SlotLost (from task managers); StartJob
 * (local, from the API handler, which prepared the job, or from the recovery of a new leader);
 * RecoveryFailed (local); CancelWaitingJob, ListJobs, ListTaskManagers (asks); its own heartbeat check tick. Sends:
 * TaskManagerRegistered / TaskManagerUnknown to task managers, SlotsLost to job actors. Owns: the
 * registered task managers and their slots, the jobs (spec, status, checkpoint figures, outcome),
 * recovered jobs waiting for slots.
 *
 * High availability: a recovered job (StartJob with `recovery`) keeps its id, deploys its subtasks
 * with attempt numbers above any its previous leader used, and waits until the task managers that
 * re-register (they do when this job manager answers `tm-unknown` to their heartbeats) offer as many
 * slots as its largest parallelism — or `slotWaitMs` passed and at least one slot is there — as
 * Flink's scheduler waits for slots instead of failing the recovered job at once.
 */
import { Actor } from '../lib/actor/actor.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type { SupervisorStrategy } from '../lib/actor/supervision.js';
import type { JobSpec } from '../lib/api/executor.js';
import type { CompletedCheckpoint } from '../lib/checkpoint/state-handles.js';
import type { RegisterTaskManager, SlotLost, TaskManagerHeartbeat, TaskManagerRegistered, TaskManagerUnknown } from '../lib/cluster/cluster-messages.js';
import { spreadSlots } from '../lib/cluster/placement.js';
import type { PreparedJob } from '../lib/cluster/prepare-job.js';
import { CheckpointStats, registerCheckpointStats, unregisterCheckpointStats } from '../lib/telemetry/checkpoint-metrics.js';
import type { TimerHandle } from '../lib/time/clock.js';
import { JobActor, type JobOutcome, type JobStatus, type SlotsLost } from './job-actor.js';

/** Options of the {@link JobManagerActor}. */
export interface JobManagerOptions {
  /** Interval task managers heartbeat at, ms (Flink's heartbeat.interval; default 10 000). */
  heartbeatIntervalMs: number;
  /** Missing heartbeats for this long declares a task manager lost, ms (Flink's heartbeat.timeout; default 50 000). */
  heartbeatTimeoutMs: number;
  /** Called when task slots are gone (the transport forgets those peers). */
  onSlotsLost?: (addresses: string[]) => void;
  /** Log lines (registrations, losses, job status changes). */
  log?: (line: string) => void;
  /**
   * Told once per job when it reached a terminal status (finished, cancelled, failed): the
   * high-availability job store forgets it. Also called for jobs stopped because this actor stops
   * (a job manager stepping down must ignore those: its jobs are not over).
   */
  onJobEnded?: (jobId: string, status: JobStatus) => void;
}

/** A registered task manager. */
export interface TaskManagerInfo {
  taskManagerId: string;
  host: string;
  pid: number;
  slots: string[];
  /** Wall-clock ms of the last heartbeat. */
  lastHeartbeat: number;
  registeredAt: number;
}

/** Local: start a prepared job (the API handler loaded its module and restore point). */
export interface StartJob {
  t: 'start-job';
  jobId: string;
  spec: JobSpec;
  prepared: PreparedJob;
  restoreFrom: CompletedCheckpoint | undefined;
  /** Set when a new leader recovers the job from the job store (high availability). */
  recovery?: JobRecovery | undefined;
}

/** How a recovered job starts (see the class docstring). */
export interface JobRecovery {
  /** Recoveries so far, this one included (shown by `weir list`). */
  recoveries: number;
  /** Attempt number of its subtasks' first deployment (see RECOVERY_ATTEMPT_STRIDE in job-store.ts). */
  firstAttempt: number;
  /** Lowest id of its next checkpoint (see RECOVERY_CHECKPOINT_STRIDE in job-store.ts). */
  firstCheckpointId: number;
  /** Wall-clock epoch ms of the original submission (the job's `startedAt`). */
  submittedAt: number;
  /** Registered slots to wait for before deploying (as many as it was placed on before, at most its largest parallelism). */
  minSlots: number;
  /** After this long, ms, the job deploys on the slots registered so far (at least one). */
  slotWaitMs: number;
}

/** Local: a stored job could not be recovered (its module or restore point failed to load): it is listed as failed. */
export interface RecoveryFailed {
  t: 'recovery-failed';
  jobId: string;
  jobName: string;
  file: string;
  submittedAt: number;
  recoveries: number;
  error: string;
}

/** Ask (local, from the API's `cancel`): cancel a recovered job still waiting for slots; replies true when it was waiting. */
export interface CancelWaitingJob {
  t: 'cancel-waiting';
  jobId: string;
}

/** A job as `weir list` shows it. */
export interface JobSummary {
  jobId: string;
  jobName: string;
  status: JobStatus;
  file: string;
  /** Wall-clock ms (of the submission, also for a recovered job). */
  startedAt: number;
  endedAt: number | undefined;
  /** Times a new leading job manager recovered the job (high availability). */
  recoveries: number;
  restarts: number;
  checkpointsCompleted: number;
  checkpointsFailed: number;
  /** Root cause of a failed job. */
  error: string | undefined;
  /** Where sinks wrote (finished jobs). */
  outputs: string[];
  /** Records in/out per operator node id (finished jobs). */
  figures: Record<string, { recordsIn: number; recordsOut: number }>;
}

/** Asks. */
export interface ListJobs {
  t: 'list-jobs';
}
export interface ListTaskManagers {
  t: 'list-tms';
}
export interface JobStatsRequest {
  t: 'job-stats';
  jobId: string;
}

interface JobEntry {
  summary: JobSummary;
  ref: ActorRef;
  stats: CheckpointStats;
  /** A recovered job waiting for slots: spawned once enough registered (see the class docstring). */
  waiting?: { start: StartJob; recovery: JobRecovery; since: number; logged: number } | undefined;
}

interface HeartbeatCheck {
  t: 'hb-check';
}

type JobManagerMessage = RegisterTaskManager | TaskManagerHeartbeat | SlotLost | StartJob | RecoveryFailed | CancelWaitingJob | ListJobs | ListTaskManagers | JobStatsRequest | HeartbeatCheck;

export class JobManagerActor extends Actor<JobManagerMessage> {
  private readonly tms = new Map<string, TaskManagerInfo & { ref: ActorRef }>();
  private readonly jobs = new Map<string, JobEntry>();
  private timer: TimerHandle | undefined;

  constructor(private readonly options: JobManagerOptions) {
    super();
  }

  override preStart(): void {
    this.scheduleCheck();
  }

  override postStop(): void {
    this.timer?.cancel();
    for (const j of this.jobs.values()) unregisterCheckpointStats(j.stats);
  }

  /** Live slots in placement order, spread over task managers. */
  slots(): string[] {
    return spreadSlots([...this.tms.values()].map((tm) => tm.slots));
  }

  receive(msg: JobManagerMessage): void {
    switch (msg.t) {
      case 'register-tm':
        return this.onRegister(msg);
      case 'tm-heartbeat': {
        const tm = this.tms.get(msg.taskManagerId);
        if (tm === undefined) this.context.reply({ t: 'tm-unknown' } satisfies TaskManagerUnknown);
        else tm.lastHeartbeat = Date.now();
        return;
      }
      case 'slot-lost': {
        const tm = this.tms.get(msg.taskManagerId);
        if (tm === undefined) return;
        tm.slots = tm.slots.filter((s) => s !== msg.address);
        this.slotsLost([msg.address], `task slot ${msg.address} of ${msg.taskManagerId} was lost: ${msg.reason}`);
        return;
      }
      case 'start-job':
        return this.startJob(msg);
      case 'recovery-failed':
        this.jobs.set(msg.jobId, {
          summary: { jobId: msg.jobId, jobName: msg.jobName, status: 'failed', file: msg.file, startedAt: msg.submittedAt, endedAt: Date.now(), recoveries: msg.recoveries, restarts: 0, checkpointsCompleted: 0, checkpointsFailed: 0, error: msg.error, outputs: [], figures: {} },
          ref: { address: this.context.self.address, id: `${this.context.self.id}/${msg.jobId}` },
          stats: new CheckpointStats(msg.jobId),
        });
        return;
      case 'cancel-waiting': {
        const j = this.jobs.get(msg.jobId);
        const waiting = j?.waiting !== undefined;
        if (j !== undefined && waiting) {
          j.waiting = undefined;
          j.summary.status = 'cancelled';
          j.summary.endedAt = Date.now();
          this.log(`job ${msg.jobId} (${j.summary.jobName}) is cancelled (it was waiting for task slots)`);
          this.options.onJobEnded?.(msg.jobId, 'cancelled');
        }
        this.context.reply(waiting);
        return;
      }
      case 'list-jobs':
        this.context.reply([...this.jobs.values()].map((j) => this.summaryOf(j)));
        return;
      case 'list-tms':
        this.context.reply([...this.tms.values()].map(({ ref: _ref, ...info }) => info));
        return;
      case 'job-stats': {
        const j = this.jobs.get(msg.jobId);
        this.context.reply(j === undefined ? undefined : { ...j.stats, history: j.stats.history.slice() });
        return;
      }
      case 'hb-check':
        this.checkHeartbeats();
        this.startWaitingJobs();
        this.scheduleCheck();
        return;
    }
  }

  private onRegister(msg: RegisterTaskManager): void {
    const existing = this.tms.get(msg.taskManagerId);
    const now = Date.now();
    const sender = this.context.sender ?? { address: msg.taskManagerId, id: 'taskmanager' };
    if (existing === undefined) this.log(`task manager ${msg.taskManagerId} registered (${msg.host}, pid ${msg.pid}, ${msg.slots.length} slot(s))`);
    this.tms.set(msg.taskManagerId, { taskManagerId: msg.taskManagerId, host: msg.host, pid: msg.pid, slots: [...msg.slots], lastHeartbeat: now, registeredAt: existing?.registeredAt ?? now, ref: sender });
    this.context.reply({ t: 'tm-registered', heartbeatIntervalMs: this.options.heartbeatIntervalMs } satisfies TaskManagerRegistered);
    this.startWaitingJobs();
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const [id, tm] of this.tms) {
      if (now - tm.lastHeartbeat <= this.options.heartbeatTimeoutMs) continue;
      this.tms.delete(id);
      this.slotsLost(tm.slots, `task manager ${id} (${tm.host}, pid ${tm.pid}) missed heartbeats for ${now - tm.lastHeartbeat} ms (timeout ${this.options.heartbeatTimeoutMs} ms)`);
    }
  }

  private slotsLost(addresses: string[], reason: string): void {
    this.log(reason);
    this.options.onSlotsLost?.(addresses);
    for (const j of this.jobs.values()) {
      if (isTerminal(j.summary.status) || j.waiting !== undefined) continue;
      this.context.tellSystem(j.ref, { t: 'slots-lost', addresses, reason } satisfies SlotsLost);
    }
  }

  private startJob(msg: StartJob): void {
    const { prepared, spec, jobId } = msg;
    const stats = new CheckpointStats(jobId);
    registerCheckpointStats(stats);
    const recovery = msg.recovery;
    const summary: JobSummary = { jobId, jobName: prepared.graph.jobName, status: 'created', file: spec.file, startedAt: recovery?.submittedAt ?? Date.now(), endedAt: undefined, recoveries: recovery?.recoveries ?? 0, restarts: 0, checkpointsCompleted: 0, checkpointsFailed: 0, error: undefined, outputs: [], figures: {} };
    const entry: JobEntry = { summary, ref: { address: this.context.self.address, id: `${this.context.self.id}/${jobId}` }, stats };
    if (recovery !== undefined && this.slots().length < recovery.minSlots) {
      entry.waiting = { start: msg, recovery, since: Date.now(), logged: 0 };
      this.jobs.set(jobId, entry);
      this.context.reply({ jobId });
      this.startWaitingJobs();
      return;
    }
    this.spawnJob(entry, msg);
    this.jobs.set(jobId, entry);
    this.context.reply({ jobId });
  }

  /** Starts the recovered jobs whose slots are there (or whose wait is over and that have one). */
  private startWaitingJobs(): void {
    const now = Date.now();
    const slots = this.slots().length;
    for (const j of this.jobs.values()) {
      const w = j.waiting;
      if (w === undefined) continue;
      const waited = now - w.since;
      if (slots >= w.recovery.minSlots || (waited >= w.recovery.slotWaitMs && slots > 0)) {
        j.waiting = undefined;
        if (slots < w.recovery.minSlots) this.log(`job ${j.summary.jobId}: deploying on ${slots} slot(s) after waiting ${waited} ms for ${w.recovery.minSlots}`);
        this.spawnJob(j, w.start);
      } else if (now - w.logged >= Math.max(1_000, w.recovery.slotWaitMs)) {
        w.logged = now;
        this.log(`job ${j.summary.jobId} (${j.summary.jobName}) waits for ${w.recovery.minSlots} task slot(s) to register (${slots} so far)`);
      }
    }
  }

  private spawnJob(entry: JobEntry, msg: StartJob): void {
    const { prepared, spec, jobId } = msg;
    const { summary, stats } = entry;
    const r = prepared.request;
    entry.ref = this.context.spawn(
      {
        create: () =>
          new JobActor({
            jobId,
            graph: prepared.graph,
            clock: r.clock,
            container: r.container,
            batchSize: r.batchSize,
            mailboxCapacity: r.mailboxCapacity,
            autoWatermarkIntervalMs: r.autoWatermarkIntervalMs,
            checkpoint: r.checkpoint,
            stateBackend: r.stateBackend,
            restartStrategy: r.restartStrategy,
            restoreFrom: msg.restoreFrom,
            firstAttempt: msg.recovery?.firstAttempt,
            firstCheckpointId: msg.recovery?.firstCheckpointId,
            stats,
            onWarning: (m) => this.log(`job ${jobId}: ${m}`),
            onTerminated: (o) => this.onJobTerminated(jobId, o),
            placement: { slots: () => this.slots(), spec },
            recompile: r.recompile,
            defaultParallelism: r.defaultParallelism,
            parallelismOverrides: r.parallelismOverrides,
            onStatus: (s) => {
              summary.status = s;
              this.log(`job ${jobId} (${summary.jobName}) is ${s}`);
            },
          }),
      },
      jobId,
    );
  }

  private onJobTerminated(jobId: string, o: JobOutcome): void {
    const j = this.jobs.get(jobId);
    if (j === undefined) return;
    j.summary.endedAt = Date.now();
    j.summary.outputs = o.outputs;
    if (o.error !== undefined) j.summary.error = o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error);
    for (const [id, f] of o.figures) j.summary.figures[String(id)] = f;
    this.options.onJobEnded?.(jobId, j.summary.status);
  }

  private summaryOf(j: JobEntry): JobSummary {
    // Restarts and checkpoint counts live in the job's CheckpointStats (the job actor updates them).
    return { ...j.summary, restarts: j.stats.restarts, checkpointsCompleted: j.stats.completed, checkpointsFailed: j.stats.failed };
  }

  /** A failing job actor stops itself; the job manager never restarts it (its restart strategy already decided). */
  override supervisorStrategy(): SupervisorStrategy {
    return { withinMs: Infinity, decide: () => ({ directive: 'stop', scope: 'one' }) };
  }

  private scheduleCheck(): void {
    const every = Math.max(50, Math.min(this.options.heartbeatIntervalMs, this.options.heartbeatTimeoutMs / 4));
    const { system, self } = this.context;
    this.timer = system.clock.setTimeout(() => system.tellSystem(self, { t: 'hb-check' } satisfies HeartbeatCheck, self), every);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** True for statuses a job never leaves. */
export function isTerminal(status: JobStatus): boolean {
  return status === 'finished' || status === 'cancelled' || status === 'failed';
}
