/**
 * TaskExecutorActor: the actor on every task slot (a worker thread of a task manager, or of an
 * embedded job with `--slots`) that runs subtasks for job actors elsewhere (Flink's TaskExecutor).
 * Its id is `tasks` on every slot, so a job actor addresses it by the slot's address alone.
 *
 * Accepts: DeploySubtask (rebuild the job's graph from its module once per job generation, spawn
 * the SubtaskActor as child `<jobId>/r<region>/v<vertex>.<index>-<attempt>`), CancelSubtasks,
 * TaskStatsRequest (ask), CancelJob (stop every subtask of a job: its job manager is gone).
 * Sends: SubtaskFailed to the subtask's region actor when a child fails (the child is stopped;
 * the region's job actor decides the restart, as for a local subtask), TaskStatsReply.
 * Owns: the prepared jobs (graph + settings per job generation) and its subtask children.
 */
import { Actor } from '../lib/actor/actor.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type { SupervisorStrategy } from '../lib/actor/supervision.js';
import { encodeError } from '../lib/errors.js';
import type { PreparedJob } from '../lib/cluster/prepare-job.js';
import type { CancelSubtasks, DeploySubtask, JobGeneration, SubtaskFailed, SubtaskStats, TaskStatsReply, TaskStatsRequest } from '../lib/cluster/deployment-messages.js';
import { SubtaskActor, type SubtaskDeployment } from './subtask-actor.js';
import { systemClock } from '../lib/time/clock.js';

/** Stop every subtask of a job on this slot (`'*'`: of every job — the task manager re-registers). */
export interface CancelJobTasks {
  t: 'cancel-job';
  jobId: string;
}

/** How long mail for a subtask that is not deployed yet is kept, ms. */
const HOLD_MAIL_MS = 60_000;

/** Interval of the records-per-second sampling, ms (Flink's MeterView updates every few seconds). */
const RATE_SAMPLE_MS = 1_000;

/** Self-message: sample every running subtask's record counters. */
interface SampleRates {
  t: 'sample-rates';
}

type TaskExecutorMessage = DeploySubtask | CancelSubtasks | TaskStatsRequest | CancelJobTasks | SampleRates;

/** A running subtask on this slot. */
interface RunningSubtask {
  readonly ref: ActorRef;
  readonly jobId: string;
  readonly region: ActorRef;
  readonly deploy: DeploySubtask;
  instance: SubtaskActor | undefined;
  /** Counters at the last sample, and the rates over the interval before it (records/s). */
  sample?: { at: number; recordsIn: number; recordsOut: number; inPerSecond: number; outPerSecond: number };
}

export class TaskExecutorActor extends Actor<TaskExecutorMessage> {
  /** Prepared graphs by `<jobId>#<generation>`. */
  private readonly jobs = new Map<string, Promise<PreparedJob>>();
  private readonly running = new Map<string, RunningSubtask>();

  /** @param prepare rebuilds a job from its spec (default: import the job module). */
  constructor(private readonly prepare: (job: JobGeneration) => Promise<PreparedJob> = defaultPrepare) {
    super();
  }

  private rateTimer: { cancel(): void } | undefined;

  /** Mail for subtasks not deployed yet waits for them (their upstreams may start first). */
  override preStart(): void {
    this.context.system.holdMailFor(`${this.context.self.id}/`, HOLD_MAIL_MS);
    this.scheduleSample();
  }

  override postStop(): void {
    this.rateTimer?.cancel();
  }

  async receive(msg: TaskExecutorMessage): Promise<void> {
    switch (msg.t) {
      case 'deploy':
        return this.deploy(msg);
      case 'cancel-subtasks':
        for (const name of msg.names) this.stopChild(name);
        return;
      case 'cancel-job':
        for (const [name, r] of this.running) if (r.jobId === msg.jobId || msg.jobId === '*') this.stopChild(name);
        for (const key of [...this.jobs.keys()]) if (key.startsWith(`${msg.jobId}#`) || msg.jobId === '*') this.jobs.delete(key);
        return;
      case 'task-stats':
        this.context.reply(this.stats(msg.jobId));
        return;
      case 'sample-rates':
        this.sampleRates();
        this.scheduleSample();
        return;
    }
  }

  private scheduleSample(): void {
    const { system, self } = this.context;
    this.rateTimer = system.clock.setTimeout(() => system.tellSystem(self, { t: 'sample-rates' } satisfies SampleRates, self), RATE_SAMPLE_MS);
  }

  /** Records in/out per second of every running subtask over the last sampling interval. */
  private sampleRates(): void {
    const now = performance.now();
    for (const r of this.running.values()) {
      const s = r.instance?.stats();
      if (s === undefined) continue;
      const prev = r.sample;
      const dt = prev === undefined ? 0 : (now - prev.at) / 1000;
      r.sample = {
        at: now,
        recordsIn: s.recordsIn,
        recordsOut: s.recordsOut,
        inPerSecond: prev !== undefined && dt > 0 ? (s.recordsIn - prev.recordsIn) / dt : 0,
        outPerSecond: prev !== undefined && dt > 0 ? (s.recordsOut - prev.recordsOut) / dt : 0,
      };
    }
  }

  private async deploy(msg: DeploySubtask): Promise<void> {
    const key = `${msg.job.jobId}#${msg.job.generation}`;
    let prepared = this.jobs.get(key);
    if (prepared === undefined) {
      prepared = this.prepare(msg.job);
      this.jobs.set(key, prepared);
      // An older generation of the job is no longer needed once a newer one deploys.
      for (const k of [...this.jobs.keys()]) if (k.startsWith(`${msg.job.jobId}#`) && k !== key) this.jobs.delete(k);
    }
    let job: PreparedJob;
    try {
      job = await prepared;
    } catch (err) {
      this.jobs.delete(key);
      return this.reportFailure(msg, err);
    }
    const vertex = job.graph.vertices.find((v) => v.id === msg.vertexId);
    if (vertex === undefined) {
      return this.reportFailure(msg, new Error(`job ${msg.job.jobId} generation ${msg.job.generation} has no vertex ${msg.vertexId} on ${this.context.self.address}: the job module built a different graph here`));
    }
    const r = job.request;
    const refs = msg.refs;
    const deployment: SubtaskDeployment = {
      jobName: job.graph.jobName,
      jobId: msg.job.jobId,
      vertex,
      subtaskIndex: msg.subtaskIndex,
      attemptNumber: msg.attempt,
      jobActor: msg.jobActor,
      coordinator: msg.coordinator,
      clock: systemClock,
      container: r.container,
      batchSize: r.batchSize,
      autoWatermarkIntervalMs: r.autoWatermarkIntervalMs,
      stateBackend: r.stateBackend,
      checkpointingEnabled: r.checkpoint.intervalMs > 0,
      checkpointingMode: r.checkpoint.mode,
      restore: msg.restore,
      refOf: (v, j) => {
        const ref = refs[v]?.[j];
        if (ref === undefined) throw new Error(`subtask ${msg.name} has no ref for vertex ${v} subtask ${j}`);
        return ref;
      },
    };
    if (this.running.has(msg.name)) return; // a duplicate deployment (retransmitted): already running
    const entry: RunningSubtask = { ref: this.childRef(msg.name), jobId: msg.job.jobId, region: msg.region, deploy: msg, instance: undefined };
    this.running.set(msg.name, entry);
    this.context.spawn(
      {
        create: () => {
          const a = new SubtaskActor(deployment);
          entry.instance = a;
          return a;
        },
        mailbox: { capacity: r.mailboxCapacity },
      },
      msg.name,
    );
  }

  private childRef(name: string): ActorRef {
    return { address: this.context.self.address, id: `${this.context.self.id}/${name}` };
  }

  /** A deployment that could not start fails its subtask: its region's job actor decides. */
  private reportFailure(msg: DeploySubtask, error: unknown): void {
    this.context.tellSystem(msg.region, { t: 'subtask-failed', subtask: this.childRef(msg.name), error: encodeError(error) } satisfies SubtaskFailed);
  }

  private stopChild(name: string): void {
    const r = this.running.get(name);
    if (r === undefined) return;
    this.running.delete(name);
    void this.context.stop(r.ref);
  }

  private stats(jobId: string): TaskStatsReply {
    const subtasks: SubtaskStats[] = [];
    for (const [name, r] of this.running) {
      if (r.jobId !== jobId) continue;
      const depth = this.context.system.mailboxDepth(r.ref);
      const s = r.instance?.stats();
      subtasks.push({
        name,
        vertexId: r.deploy.vertexId,
        subtaskIndex: r.deploy.subtaskIndex,
        attempt: r.deploy.attempt,
        mailboxDepth: depth === undefined ? 0 : depth.system + depth.data,
        recordsIn: s?.recordsIn ?? 0,
        recordsOut: s?.recordsOut ?? 0,
        recordsInPerSecond: r.sample?.inPerSecond ?? 0,
        recordsOutPerSecond: r.sample?.outPerSecond ?? 0,
        operators: s?.operators ?? [],
        backPressured: s?.backPressured ?? false,
        watermark: s?.watermark,
        lastCheckpointId: s?.lastCheckpointId,
        stateBytes: s?.stateBytes ?? 0,
      });
    }
    return { t: 'task-stats-reply', address: this.context.self.address, subtasks };
  }

  /** A failed subtask is reported to its region (whose job actor decides) and stopped here. */
  override supervisorStrategy(): SupervisorStrategy {
    return {
      withinMs: Infinity,
      decide: (info) => {
        const name = info.child.id.slice(this.context.self.id.length + 1);
        const r = this.running.get(name);
        if (r !== undefined) {
          this.running.delete(name);
          this.context.tellSystem(r.region, { t: 'subtask-failed', subtask: info.child, error: encodeError(info.error) } satisfies SubtaskFailed);
        }
        return { directive: 'stop', scope: 'one' };
      },
    };
  }
}

/**
 * Imports the job module (lazily: it imports the runtime, which imports the actors). Generation 0
 * is the spec's own graph; a rescaled generation recompiles it with that generation's parallelism.
 */
async function defaultPrepare(job: JobGeneration): Promise<PreparedJob> {
  const prepared = await (await import('../lib/cluster/prepare-job.js')).prepareJob(job.spec);
  if (job.generation === 0) return prepared;
  return { graph: prepared.request.recompile!(job.defaultParallelism, job.parallelismOverrides), request: prepared.request };
}
