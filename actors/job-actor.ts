/**
 * JobActor: runs one job in one actor system (the embedded job master; Flink's JobMaster in a
 * MiniCluster). Supervision tree: job → checkpoint coordinator, and job → one RegionActor per
 * failover region → that region's subtask actors (→ their key-group actors).
 *
 * Accepts (system lane): SubtaskFinished (a subtask closed), CollectBatch (records for
 * `executeAndCollect`), CheckpointCompleted / CheckpointFailureThreshold (from the coordinator),
 * TriggerSavepoint (forwarded to the coordinator), StopJob.
 * Owns: the job graph, the attempt number of each region, the finished subtasks, per-operator
 * figures, collected records (those of not yet completed checkpoints held back), the restart
 * strategy's state, the completed-checkpoint store (shared with the coordinator).
 *
 * Failures: a subtask failure escalates through its region to this actor. The restart strategy
 * (Flink's RestartBackoffTimeStrategy) decides: restart the region after a backoff — restored from
 * the latest completed checkpoint, or from the start when there is none — or fail the job with the
 * failure as the root cause. A checkpoint that cannot be read (corrupt or truncated file) is
 * dropped and the region restarts from the previous one, with a warning.
 */
import { Actor } from '../lib/actor/actor.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type { SupervisionDecision, SupervisorStrategy } from '../lib/actor/supervision.js';
import type { CheckpointSettings, CheckpointingMode } from '../lib/checkpoint/checkpoint-config.js';
import { CompletedCheckpointStore } from '../lib/checkpoint/completed-checkpoint-store.js';
import { resolveLocation } from '../lib/checkpoint/storage-location.js';
import { assignOperatorState, type OperatorRestoreState, type SubtaskRestoreState } from '../lib/checkpoint/state-assignment.js';
import type { CompletedCheckpoint } from '../lib/checkpoint/state-handles.js';
import { decodeError, WeirError } from '../lib/errors.js';
import { computeFailoverRegions, type FailoverRegion } from '../lib/failover/failover-regions.js';
import { createRestartBackoffTimeStrategy, type RestartBackoffTimeStrategy, type RestartStrategyConfiguration } from '../lib/failover/restart-strategies.js';
import type { JobGraph } from '../lib/graph/job-graph.js';
import type { CollectBatch, JobMessage, OperatorFigures, SubtaskFinished, SubtaskRunning } from '../lib/runtime/messages.js';
import type { JobSpec, RescaleResult } from '../lib/api/executor.js';
import { TASK_EXECUTOR_ID, type DeploySubtask, type JobGeneration } from '../lib/cluster/deployment-messages.js';
import { placeSubtasks } from '../lib/cluster/placement.js';
import { computeKeyGroupRangeForOperatorIndex } from '../lib/state/key-groups.js';
import { ConfigurationError, encodeError, type EncodedError } from '../lib/errors.js';
import type { StateBackend } from '../lib/state/state-backend.js';
import type { CheckpointStats } from '../lib/telemetry/checkpoint-metrics.js';
import type { Clock } from '../lib/time/clock.js';
import type { DependencyContainer } from 'tsyringe';
import { CheckpointCoordinatorActor, type SavepointResult, type CheckpointCompleted, type CheckpointFailureThreshold, type CoordinatorFailover, type CoordinatorRegionStarted, type CoordinatorSubtaskFinished, type TriggerSavepoint } from './checkpoint-coordinator-actor.js';
import { RegionActor, type FailRegion, type RegionMember } from './region-actor.js';
import { SubtaskActor, type SubtaskDeployment } from './subtask-actor.js';

/** How a job ended: figures per node, outputs, collected records, or the root cause. */
export interface JobOutcome {
  error: unknown;
  figures: Map<number, { recordsIn: number; recordsOut: number }>;
  outputs: string[];
  collected: unknown[];
  /** Restarts of failover regions. */
  restarts: number;
  /** What the runtime wanted the user to know (fallback to an older checkpoint…). */
  warnings: string[];
  /** Resolves when old checkpoints being discarded are deleted. */
  settled: Promise<void>;
}

export interface JobActorOptions {
  jobId: string;
  graph: JobGraph;
  clock: Clock;
  container: DependencyContainer;
  batchSize: number;
  mailboxCapacity: number;
  autoWatermarkIntervalMs: number;
  checkpoint: CheckpointSettings;
  stateBackend: StateBackend;
  restartStrategy: RestartStrategyConfiguration;
  /** A checkpoint or savepoint to start from. */
  restoreFrom: CompletedCheckpoint | undefined;
  /**
   * Attempt number of every region's first deployment (default 0). A job recovered by a new
   * leading job manager starts above every attempt its previous leader used, so mail of the old
   * subtasks (still running until their task manager cancels them) is dropped as another attempt's.
   */
  firstAttempt?: number | undefined;
  /**
   * Lowest id of the job's next checkpoint (default: the restored checkpoint's id + 1, or 1). A
   * recovered job starts above every id its previous leader could have used.
   */
  firstCheckpointId?: number | undefined;
  stats: CheckpointStats;
  onWarning: (message: string) => void;
  onTerminated: (outcome: JobOutcome) => void;
  /** Random source for restart backoff jitter (tests inject one). */
  random?: () => number;
  /** Run the subtasks on task slots (worker threads, task managers) instead of this actor system. */
  placement?: ClusterPlacement | undefined;
  /** Rebuilds the graph with another parallelism (live rescaling); without it `rescale` is refused. */
  recompile?: ((defaultParallelism: number, overrides: Readonly<Record<string, number>>) => JobGraph) | undefined;
  /** Default parallelism the graph was compiled with. */
  defaultParallelism?: number | undefined;
  /** Per-operator-uid parallelism the graph was compiled with on top of the default (a rescaled job recovered by a new leader). */
  parallelismOverrides?: Readonly<Record<string, number>> | undefined;
  /** Told on every job status change (the job manager's job list). */
  onStatus?: ((status: JobStatus) => void) | undefined;
}

/**
 * Where a job's subtasks run when they do not run in the job actor's own system: task slots, each
 * an actor system with a TaskExecutorActor, reached through the actor system's transports.
 */
export interface ClusterPlacement {
  /** Addresses of the live task slots, in placement order (spread over task managers). */
  slots(): string[];
  /** How a slot rebuilds the job. */
  spec: JobSpec;
}

/** Flink's JobStatus, as far as Weir has them. */
export type JobStatus = 'created' | 'running' | 'failing' | 'restarting' | 'finished' | 'cancelled' | 'failed';

/** Ask: change the parallelism while the job runs (see JobControl.rescale). Replies {@link RescaleReply}. */
export interface RescaleJob {
  t: 'rescale';
  parallelism: number;
  operatorUid?: string | undefined;
}

/** Reply to {@link RescaleJob}. */
export type RescaleReply = ({ ok: true } & RescaleResult) | { ok: false; error: EncodedError };

/** Job manager → job actor: these task slots are gone (their task manager stopped heartbeating). */
export interface SlotsLost {
  t: 'slots-lost';
  addresses: string[];
  reason: string;
}

/** Ask: where every subtask runs (`weir topology`). Replies {@link JobDescription}. */
export interface DescribeJob {
  t: 'describe';
}

/** One subtask's place in the topology. */
export interface SubtaskPlace {
  vertexId: number;
  subtaskIndex: number;
  attempt: number;
  /** Address of the actor system it runs in (a task slot, or the job's own system). */
  address: string;
  actorId: string;
  /** Key groups [start, end] of its keyed operators (undefined when the chain has none). */
  keyGroups: [number, number] | undefined;
}

/** What {@link DescribeJob} answers. */
export interface JobDescription {
  jobId: string;
  jobName: string;
  status: JobStatus;
  generation: number;
  restarts: number;
  vertices: { id: number; name: string; parallelism: number; maxParallelism: number; uids: string[] }[];
  subtasks: SubtaskPlace[];
}

/** Ask the job to stop (after an optional savepoint was taken by the caller). */
export interface StopJob {
  t: 'stop-job';
  /**
   * The stop follows a savepoint that stopped the sources (stop-with-savepoint): the job ends
   * FINISHED, as Flink's `flink stop`; otherwise CANCELLED (`flink cancel`).
   */
  afterSavepoint?: boolean;
}

type JobActorMessage = JobMessage | CheckpointCompleted | CheckpointFailureThreshold | TriggerSavepoint | StopJob | RescaleJob | SlotsLost | DescribeJob;

/** A rescale waiting for its new subtasks to run. */
interface RescaleInProgress {
  readonly replyTo: ActorRef | undefined;
  readonly startedAt: number;
  checkpointId: number;
  /** Subtasks of the new generation not yet running. */
  waiting: Set<string>;
}

export class JobActor extends Actor<JobActorMessage> {
  private error: unknown = undefined;
  private readonly figures = new Map<number, { recordsIn: number; recordsOut: number }>();
  private readonly outputs: string[] = [];
  private readonly collected: unknown[] = [];
  /** Collected records waiting for their checkpoint to complete: checkpoint id → (region, records). */
  private readonly heldBack = new Map<number, { region: number; values: unknown[] }[]>();
  private readonly finished = new Set<string>();
  private totalSubtasks = 0;
  private stopping = false;
  private graph: JobGraph;
  private regions: FailoverRegion[];
  private regionOfVertex = new Map<number, number>();
  private attempts: number[];
  /** The checkpoint each region was last deployed from. */
  private restoredFrom: (CompletedCheckpoint | undefined)[];
  private regionRefs: ActorRef[] = [];
  /** Slot address of each remote subtask (`<vertex>.<index>`), when the job runs on task slots. */
  private readonly placedAt = new Map<string, string>();
  /** Live-rescale generation and the parallelism it was compiled with. */
  private generation = 0;
  private defaultParallelism: number;
  private overrides: Record<string, number> = {};
  private rescaling: RescaleInProgress | undefined;
  private status: JobStatus = 'created';
  /** Subtasks of the current deployment not yet running (status turns `running` when empty). */
  private readonly notRunning = new Set<string>();
  private cancelled = false;
  private coordinator!: ActorRef;
  private readonly store: CompletedCheckpointStore;
  private readonly restartStrategy: RestartBackoffTimeStrategy;
  private restarts = 0;
  private readonly warnings: string[] = [];
  private readonly checkpointingMode: CheckpointingMode;

  constructor(private readonly options: JobActorOptions) {
    super();
    this.graph = options.graph;
    this.defaultParallelism = options.defaultParallelism ?? 1;
    this.overrides = { ...options.parallelismOverrides };
    this.regions = computeFailoverRegions(options.graph);
    for (const r of this.regions) for (const v of r.vertexIds) this.regionOfVertex.set(v, r.index);
    this.attempts = this.regions.map(() => options.firstAttempt ?? 0);
    this.restoredFrom = this.regions.map(() => options.restoreFrom);
    const root = options.checkpoint.storagePath;
    this.store = new CompletedCheckpointStore(options.checkpoint.numRetained, root === undefined ? undefined : resolveLocation(root, options.jobId), (err) =>
      this.warn(`could not delete an old checkpoint: ${(err as Error).message}`),
    );
    if (options.restoreFrom !== undefined) this.store.addRestored(options.restoreFrom);
    this.restartStrategy = createRestartBackoffTimeStrategy(options.restartStrategy, options.random);
    this.checkpointingMode = options.checkpoint.mode;
  }

  /** Actor name of subtask `index` of vertex `vertexId` in its attempt. */
  static subtaskName(vertexId: number, index: number, attempt = 0): string {
    return `v${vertexId}.${index}-${attempt}`;
  }

  override preStart(): void {
    this.deploy(Math.max(this.options.restoreFrom?.metadata.checkpointId ?? 0, (this.options.firstCheckpointId ?? 1) - 1));
  }

  /** Spawns the checkpoint coordinator and one region actor per failover region of `this.graph`. */
  private deploy(lastCheckpointId: number): void {
    const graph = this.graph;
    const self = this.context.self;
    this.totalSubtasks = 0;
    for (const v of graph.vertices) this.totalSubtasks += v.parallelism;
    this.notRunning.clear();
    for (const v of graph.vertices) for (let i = 0; i < v.parallelism; i++) this.notRunning.add(`${v.id}.${i}`);
    this.coordinator = this.context.spawn(
      {
        create: () =>
          new CheckpointCoordinatorActor({
            jobId: this.options.jobId,
            graph,
            settings: this.options.checkpoint,
            clock: this.options.clock,
            store: this.store,
            stats: this.options.stats,
            stateBackend: this.options.stateBackend.name,
            firstCheckpointId: lastCheckpointId + 1,
            refOf: (v, i) => this.refOf(v, i),
            attemptOf: (v) => this.attempts[this.regionOfVertex.get(v)!]!,
            jobActor: self,
          }),
      },
      'checkpoint-coordinator',
    );
    this.regionRefs = [];
    for (const r of this.regions) {
      const started = (): void => this.context.tellSystem(this.coordinator, { t: 'region-started', vertexIds: [...r.vertexIds] } satisfies CoordinatorRegionStarted);
      this.regionRefs.push(this.context.spawn({ create: () => new RegionActor(() => this.regionMembers(r), started) }, `r${r.index}`));
    }
  }

  /** The ref of subtask `index` of vertex `vertexId` in its region's current attempt. */
  private refOf(vertexId: number, index: number): ActorRef {
    const region = this.regionOfVertex.get(vertexId)!;
    const self = this.context.self;
    const name = JobActor.subtaskName(vertexId, index, this.attempts[region]);
    const slot = this.placedAt.get(`${vertexId}.${index}`);
    if (slot !== undefined) return { address: slot, id: `${TASK_EXECUTOR_ID}/${this.options.jobId}/r${region}/${name}` };
    return { address: self.address, id: `${self.id}/r${region}/${name}` };
  }

  /** What a task slot needs to rebuild this generation of the job. */
  private jobGeneration(spec: JobSpec): JobGeneration {
    return { jobId: this.options.jobId, spec, generation: this.generation, defaultParallelism: this.defaultParallelism, parallelismOverrides: { ...this.overrides } };
  }

  /**
   * The subtasks of region `r`'s current attempt, with the state they restore; on task slots when
   * the job has a placement (subtask i of every vertex on slot i mod slots: Flink's slot sharing).
   * @throws ConfigurationError when the job runs on task slots and none is alive.
   */
  private regionMembers(r: FailoverRegion): RegionMember[] {
    const graph = this.graph;
    const attempt = this.attempts[r.index]!;
    const from = this.restoredFrom[r.index];
    const placement = this.options.placement;
    const vertices = r.vertexIds.map((id) => graph.vertices.find((v) => v.id === id)!);
    if (placement !== undefined) {
      const slots = placement.slots();
      if (slots.length === 0) throw new ConfigurationError(`no task slot is available for job ${this.options.jobId} (start a task manager: weir taskmanager)`);
      for (const [key, slot] of placeSubtasks(vertices, slots)) this.placedAt.set(key, slot);
    }
    const refs: Record<number, ActorRef[]> = {};
    for (const v of vertices) refs[v.id] = Array.from({ length: v.parallelism }, (_, i) => this.refOf(v.id, i));
    const members: RegionMember[] = [];
    for (const vertex of vertices) {
      for (let i = 0; i < vertex.parallelism; i++) {
        let restore: SubtaskRestoreState | undefined;
        if (from !== undefined) {
          const operators: Record<string, OperatorRestoreState> = {};
          for (const node of vertex.nodes) {
            const s = assignOperatorState(from.metadata, node, i);
            if (s !== undefined) operators[node.uid] = s;
          }
          restore = { checkpointId: from.metadata.checkpointId, operators };
        }
        const name = JobActor.subtaskName(vertex.id, i, attempt);
        const slot = this.placedAt.get(`${vertex.id}.${i}`);
        if (placement !== undefined && slot !== undefined) {
          const job = this.jobGeneration(placement.spec);
          const deploy = (region: ActorRef): DeploySubtask => ({
            t: 'deploy',
            job,
            name: `${this.options.jobId}/r${r.index}/${name}`,
            vertexId: vertex.id,
            subtaskIndex: i,
            attempt,
            region,
            jobActor: this.context.self,
            coordinator: this.coordinator,
            refs,
            restore,
          });
          members.push({ name: `${this.options.jobId}/r${r.index}/${name}`, slot, deploy });
          continue;
        }
        const deployment: SubtaskDeployment = {
          jobName: graph.jobName,
          jobId: this.options.jobId,
          vertex,
          subtaskIndex: i,
          attemptNumber: attempt,
          jobActor: this.context.self,
          coordinator: this.coordinator,
          clock: this.options.clock,
          container: this.options.container,
          batchSize: this.options.batchSize,
          autoWatermarkIntervalMs: this.options.autoWatermarkIntervalMs,
          stateBackend: this.options.stateBackend,
          checkpointingEnabled: this.options.checkpoint.intervalMs > 0,
          checkpointingMode: this.checkpointingMode,
          restore,
          refOf: (v, j) => this.refOf(v, j),
        };
        members.push({ name, props: { create: () => new SubtaskActor(deployment), mailbox: { capacity: this.options.mailboxCapacity } } });
      }
    }
    return members;
  }

  receive(msg: JobActorMessage): void {
    switch (msg.t) {
      case 'collect':
        this.onCollect(msg);
        return;
      case 'finished':
        this.onSubtaskFinished(msg);
        return;
      case 'checkpoint-completed':
        if (msg.kind === 'checkpoint') this.release(msg.id);
        return;
      case 'checkpoint-failure-threshold':
        // Flink fails the job over when checkpoints keep failing: fail every region.
        for (const ref of this.regionRefs) this.context.tellSystem(ref, { t: 'fail-region', error: decodeError(msg.error) } satisfies FailRegion);
        return;
      case 'trigger-savepoint':
        this.context.system.tellSystem(this.coordinator, msg, this.context.sender);
        return;
      case 'stop-job':
        this.cancelled = msg.afterSavepoint !== true;
        this.stopJob();
        return;
      case 'running':
        this.onSubtaskRunning(msg);
        return;
      case 'rescale':
        this.startRescale(msg, this.context.sender);
        return;
      case 'slots-lost':
        this.onSlotsLost(msg);
        return;
      case 'describe':
        this.context.reply(this.describe());
        return;
    }
  }

  private setStatus(status: JobStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }

  private onSubtaskRunning(msg: SubtaskRunning): void {
    const region = this.regionOfVertex.get(msg.vertexId);
    if (region === undefined || msg.attempt !== this.attempts[region]) return;
    const k = `${msg.vertexId}.${msg.subtaskIndex}`;
    this.notRunning.delete(k);
    if (this.notRunning.size === 0 && !this.stopping) this.setStatus('running');
    const rs = this.rescaling;
    // Only the new generation's subtasks count: `waiting` is filled at redeploy, and a subtask of
    // the old one that reports late (it was still starting when the rescale began) is not in it.
    if (rs !== undefined && rs.waiting.delete(k) && rs.waiting.size === 0) this.finishRescale(rs);
  }

  /** Task slots died: their subtasks' regions fail over onto the remaining slots. */
  private onSlotsLost(msg: SlotsLost): void {
    const lost = new Set(msg.addresses);
    const failed = new Set<number>();
    for (const [key, slot] of this.placedAt) {
      if (!lost.has(slot)) continue;
      this.placedAt.delete(key);
      failed.add(this.regionOfVertex.get(Number(key.split('.')[0]))!);
    }
    for (const r of failed) {
      const ref = this.regionRefs[r];
      if (ref !== undefined) this.context.tellSystem(ref, { t: 'fail-region', error: new WeirError('WEIR_ERR_TASK_MANAGER_LOST', msg.reason) } satisfies FailRegion);
    }
  }

  private describe(): JobDescription {
    const subtasks: SubtaskPlace[] = [];
    for (const v of this.graph.vertices) {
      const keyed = v.nodes.some((n) => n.stateKeySelector !== undefined);
      for (let i = 0; i < v.parallelism; i++) {
        const ref = this.refOf(v.id, i);
        const range = keyed ? computeKeyGroupRangeForOperatorIndex(v.maxParallelism, v.parallelism, i) : undefined;
        subtasks.push({
          vertexId: v.id,
          subtaskIndex: i,
          attempt: this.attempts[this.regionOfVertex.get(v.id)!]!,
          address: ref.address,
          actorId: ref.id,
          keyGroups: range === undefined ? undefined : [range.startKeyGroup, range.endKeyGroup],
        });
      }
    }
    return {
      jobId: this.options.jobId,
      jobName: this.graph.jobName,
      status: this.status,
      generation: this.generation,
      restarts: this.restarts,
      vertices: this.graph.vertices.map((v) => ({ id: v.id, name: v.name, parallelism: v.parallelism, maxParallelism: v.maxParallelism, uids: v.nodes.map((n) => n.uid) })),
      subtasks,
    };
  }

  /**
   * Live rescaling: an aligned checkpoint whose barrier stops the sources (no record is emitted
   * after it, so nothing is in flight once it completed), then every subtask of the old
   * parallelism stops and the new ones start from that checkpoint — key groups (state and timers)
   * move to their new subtasks through the checkpoint's key-group parts; the job is not restarted
   * and nothing is replayed. The reply comes when every new subtask runs.
   */
  private startRescale(msg: RescaleJob, replyTo: ActorRef | undefined): void {
    const reply = (r: RescaleReply): void => {
      if (replyTo !== undefined) this.context.system.tellSystem(replyTo, r, this.context.self);
    };
    const refuse = (err: unknown): void => reply({ ok: false, error: encodeError(err) });
    if (this.rescaling !== undefined) return refuse(new ConfigurationError('a rescale of this job is already in progress'));
    if (this.stopping) return refuse(new ConfigurationError('the job is stopping'));
    const recompile = this.options.recompile;
    if (recompile === undefined) return refuse(new ConfigurationError('this job cannot be rescaled: its graph was not built from a job module or environment that can recompile it'));
    if (!Number.isInteger(msg.parallelism) || msg.parallelism < 1) return refuse(new ConfigurationError(`parallelism must be a positive integer, got ${msg.parallelism}`));
    let nextDefault = this.defaultParallelism;
    let nextOverrides: Record<string, number>;
    if (msg.operatorUid !== undefined) {
      if (!this.graph.nodes.some((n) => n.uid === msg.operatorUid)) return refuse(new ConfigurationError(`job ${this.options.jobId} has no operator with uid '${msg.operatorUid}' (uids: ${this.graph.nodes.map((n) => n.uid).join(', ')})`));
      nextOverrides = { ...this.overrides, [msg.operatorUid]: msg.parallelism };
    } else {
      nextDefault = msg.parallelism;
      nextOverrides = {};
    }
    let next: JobGraph;
    try {
      next = recompile(nextDefault, nextOverrides);
      for (const n of next.nodes) {
        const old = this.graph.nodes.find((o) => o.uid === n.uid);
        if (old !== undefined && old.stateKeySelector !== undefined && old.maxParallelism !== n.maxParallelism) {
          throw new ConfigurationError(`operator '${n.name}' (${n.uid}) would change its max parallelism ${old.maxParallelism} -> ${n.maxParallelism}; set env.setMaxParallelism() to rescale beyond ${old.maxParallelism}`);
        }
      }
      if (this.options.placement !== undefined && this.options.placement.slots().length === 0) throw new ConfigurationError('no task slot is available');
    } catch (err) {
      return refuse(err);
    }
    const rs: RescaleInProgress = { replyTo, startedAt: performance.now(), checkpointId: 0, waiting: new Set() };
    this.rescaling = rs;
    const trigger: TriggerSavepoint = { t: 'trigger-savepoint', directory: '', stop: true, asCheckpoint: true };
    this.context.system.ask<SavepointResult>(this.coordinator, trigger, this.options.checkpoint.timeoutMs + 5_000).then(
      (r) => {
        if (!r.ok) {
          this.rescaling = undefined;
          return refuse(decodeError(r.error));
        }
        rs.checkpointId = r.checkpointId;
        void this.redeploy(next, nextDefault, nextOverrides, rs);
      },
      (err: unknown) => {
        this.rescaling = undefined;
        refuse(err);
      },
    );
  }

  /** Stops the old generation's subtasks and starts the new graph from the rescale checkpoint. */
  private async redeploy(next: JobGraph, nextDefault: number, nextOverrides: Record<string, number>, rs: RescaleInProgress): Promise<void> {
    await Promise.all([this.coordinator, ...this.regionRefs].map((ref) => this.context.stop(ref)));
    if (this.stopping) return;
    const latest = this.store.latest();
    const base = Math.max(0, ...this.attempts) + 1;
    this.graph = next;
    this.generation++;
    this.defaultParallelism = nextDefault;
    this.overrides = nextOverrides;
    this.regions = computeFailoverRegions(next);
    this.regionOfVertex = new Map();
    for (const r of this.regions) for (const v of r.vertexIds) this.regionOfVertex.set(v, r.index);
    this.attempts = this.regions.map(() => base);
    this.restoredFrom = this.regions.map(() => latest);
    this.placedAt.clear();
    this.finished.clear();
    // Records collected after the rescale checkpoint belong to transactions that never commit.
    for (const cp of [...this.heldBack.keys()]) if (cp > rs.checkpointId) this.heldBack.delete(cp);
    for (const v of next.vertices) for (let i = 0; i < v.parallelism; i++) rs.waiting.add(`${v.id}.${i}`);
    this.deploy(latest?.metadata.checkpointId ?? rs.checkpointId);
  }

  private finishRescale(rs: RescaleInProgress): void {
    this.rescaling = undefined;
    const parallelism: Record<string, number> = {};
    for (const n of this.graph.nodes) parallelism[n.uid] = n.parallelism;
    if (rs.replyTo !== undefined) this.context.system.tellSystem(rs.replyTo, { ok: true, parallelism, checkpointId: rs.checkpointId, pauseMs: performance.now() - rs.startedAt } satisfies RescaleReply, this.context.self);
  }

  private onCollect(msg: CollectBatch): void {
    if (msg.checkpointId === undefined) {
      for (const v of msg.v) this.collected.push(v);
      return;
    }
    // Only the current attempt's records count: a batch still in flight from a failed attempt
    // belongs to a checkpoint that was aborted.
    const m = /\/r(\d+)\/v\d+\.\d+-(\d+)$/.exec(this.context.sender?.id ?? '');
    if (m === null) return;
    const region = Number(m[1]);
    if (Number(m[2]) !== this.attempts[region]) return;
    const l = this.heldBack.get(msg.checkpointId) ?? [];
    l.push({ region, values: msg.v });
    this.heldBack.set(msg.checkpointId, l);
  }

  /** Hands out the records of checkpoints up to `id` (they are now part of a completed checkpoint). */
  private release(id: number): void {
    for (const cp of [...this.heldBack.keys()].sort((a, b) => a - b)) {
      if (cp > id) break;
      for (const b of this.heldBack.get(cp)!) for (const v of b.values) this.collected.push(v);
      this.heldBack.delete(cp);
    }
  }

  private onSubtaskFinished(msg: SubtaskFinished): void {
    const region = this.regionOfVertex.get(msg.vertexId);
    if (region === undefined || msg.attempt !== this.attempts[region]) return;
    this.addFigures(msg.figures);
    for (const o of msg.outputs) if (!this.outputs.includes(o)) this.outputs.push(o);
    this.finished.add(`${msg.vertexId}.${msg.subtaskIndex}`);
    this.context.tellSystem(this.coordinator, { t: 'subtask-finished', vertexId: msg.vertexId, subtaskIndex: msg.subtaskIndex } satisfies CoordinatorSubtaskFinished);
    if (this.finished.size === this.totalSubtasks && this.rescaling === undefined) this.stopJob();
  }

  override supervisorStrategy(): SupervisorStrategy {
    return { withinMs: Infinity, decide: (info) => this.onChildFailure(info.child, info.error) };
  }

  /**
   * A region failed (a subtask's failure escalated): restart it from the last completed checkpoint,
   * or fail the job. The coordinator failing fails the job.
   */
  private onChildFailure(child: ActorRef, error: unknown): SupervisionDecision {
    const m = /\/r(\d+)$/.exec(child.id);
    if (this.rescaling !== undefined && this.rescaling.checkpointId > 0) {
      // The old generation is being stopped for a rescale: its failures no longer matter.
      return { directive: 'stop', scope: 'one' };
    }
    if (this.stopping || m === null) {
      this.error ??= error;
      this.stopJob();
      return { directive: 'stop', scope: 'one' };
    }
    const regionIndex = Number(m[1]);
    const from = this.restoredFrom[regionIndex];
    const unreadable = error instanceof WeirError && error.code === 'WEIR_ERR_SNAPSHOT_FORMAT' && from !== undefined;
    if (unreadable) {
      // The checkpoint it restored from cannot be read: drop it and use the previous one.
      this.store.remove(from.metadata.checkpointId);
      const previous = this.store.latest();
      this.warn(
        `${from.metadata.kind} ${from.metadata.checkpointId} cannot be restored (${(error as Error).message}); ` +
          (previous !== undefined ? `falling back to checkpoint ${previous.metadata.checkpointId}` : 'no older checkpoint is left: restarting from the beginning'),
      );
    } else {
      this.restartStrategy.notifyFailure(this.options.clock.now());
      if (!this.restartStrategy.canRestart()) {
        this.setStatus('failing');
        this.error ??= error;
        if (this.restarts > 0 || this.options.restartStrategy.type !== 'none') this.warn(`recovery is suppressed by the restart strategy (${this.restartStrategy.describe()}) after ${this.restarts} restart(s)`);
        this.stopJob();
        return { directive: 'stop', scope: 'one' };
      }
    }
    this.restarts++;
    this.options.stats.restarts = this.restarts;
    this.setStatus('restarting');
    const region = this.regions[regionIndex]!;
    for (const v of region.vertexIds) {
      const vertex = this.graph.vertices.find((x) => x.id === v)!;
      for (let i = 0; i < vertex.parallelism; i++) this.notRunning.add(`${v}.${i}`);
    }
    this.attempts[regionIndex]!++;
    this.restoredFrom[regionIndex] = this.store.latest();
    for (const v of region.vertexIds) for (const k of [...this.finished]) if (k.startsWith(`${v}.`)) this.finished.delete(k);
    for (const [cp, batches] of this.heldBack) {
      const kept = batches.filter((b) => b.region !== regionIndex);
      if (kept.length === 0) this.heldBack.delete(cp);
      else this.heldBack.set(cp, kept);
    }
    this.context.tellSystem(this.coordinator, { t: 'failover', vertexIds: [...region.vertexIds] } satisfies CoordinatorFailover);
    return { directive: 'restart', scope: 'one', delayMs: unreadable ? 0 : this.restartStrategy.getBackoffTimeMs() };
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning(message);
  }

  override postStop(): void {
    this.setStatus(this.error !== undefined ? 'failed' : this.cancelled ? 'cancelled' : 'finished');
    if (this.rescaling?.replyTo !== undefined) this.context.system.tellSystem(this.rescaling.replyTo, { ok: false, error: encodeError(new ConfigurationError('the job stopped during the rescale')) } satisfies RescaleReply);
    this.options.onTerminated({ error: this.error, figures: this.figures, outputs: this.outputs, collected: this.collected, restarts: this.restarts, warnings: this.warnings, settled: this.store.settled() });
  }

  private addFigures(figures: OperatorFigures[]): void {
    for (const f of figures) {
      const cur = this.figures.get(f.nodeId) ?? { recordsIn: 0, recordsOut: 0 };
      cur.recordsIn += f.recordsIn;
      cur.recordsOut += f.recordsOut;
      this.figures.set(f.nodeId, cur);
    }
  }

  private stopJob(): void {
    if (this.stopping) return;
    this.stopping = true;
    void this.context.stop(this.context.self);
  }
}
