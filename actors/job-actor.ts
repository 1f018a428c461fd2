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
import { assignOperatorState, type OperatorRestoreState, type SubtaskRestoreState } from '../lib/checkpoint/state-assignment.js';
import type { CompletedCheckpoint } from '../lib/checkpoint/state-handles.js';
import { decodeError, WeirError } from '../lib/errors.js';
import { computeFailoverRegions, type FailoverRegion } from '../lib/failover/failover-regions.js';
import { createRestartBackoffTimeStrategy, type RestartBackoffTimeStrategy, type RestartStrategyConfiguration } from '../lib/failover/restart-strategies.js';
import type { JobGraph } from '../lib/graph/job-graph.js';
import type { CollectBatch, JobMessage, OperatorFigures, SubtaskFinished } from '../lib/runtime/messages.js';
import type { StateBackend } from '../lib/state/state-backend.js';
import type { CheckpointStats } from '../lib/telemetry/checkpoint-metrics.js';
import type { Clock } from '../lib/time/clock.js';
import type { DependencyContainer } from 'tsyringe';
import { CheckpointCoordinatorActor, type CheckpointCompleted, type CheckpointFailureThreshold, type CoordinatorFailover, type CoordinatorRegionStarted, type CoordinatorSubtaskFinished, type TriggerSavepoint } from './checkpoint-coordinator-actor.js';
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
  stats: CheckpointStats;
  onWarning: (message: string) => void;
  onTerminated: (outcome: JobOutcome) => void;
  /** Random source for restart backoff jitter (tests inject one). */
  random?: () => number;
}

/** Ask the job to stop (after an optional savepoint was taken by the caller). */
export interface StopJob {
  t: 'stop-job';
}

type JobActorMessage = JobMessage | CheckpointCompleted | CheckpointFailureThreshold | TriggerSavepoint | StopJob;

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
  private readonly regions: FailoverRegion[];
  private readonly regionOfVertex = new Map<number, number>();
  private readonly attempts: number[];
  /** The checkpoint each region was last deployed from. */
  private readonly restoredFrom: (CompletedCheckpoint | undefined)[];
  private readonly regionRefs: ActorRef[] = [];
  private coordinator!: ActorRef;
  private readonly store: CompletedCheckpointStore;
  private readonly restartStrategy: RestartBackoffTimeStrategy;
  private restarts = 0;
  private readonly warnings: string[] = [];
  private readonly checkpointingMode: CheckpointingMode;

  constructor(private readonly options: JobActorOptions) {
    super();
    this.regions = computeFailoverRegions(options.graph);
    for (const r of this.regions) for (const v of r.vertexIds) this.regionOfVertex.set(v, r.index);
    this.attempts = this.regions.map(() => 0);
    this.restoredFrom = this.regions.map(() => options.restoreFrom);
    const root = options.checkpoint.storagePath;
    this.store = new CompletedCheckpointStore(options.checkpoint.numRetained, root === undefined ? undefined : `${root.replace(/\/+$/, '')}/${options.jobId}`, (err) =>
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
    const { graph } = this.options;
    const self = this.context.self;
    for (const v of graph.vertices) this.totalSubtasks += v.parallelism;
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
            firstCheckpointId: (this.options.restoreFrom?.metadata.checkpointId ?? 0) + 1,
            refOf: (v, i) => this.refOf(v, i),
            attemptOf: (v) => this.attempts[this.regionOfVertex.get(v)!]!,
            jobActor: self,
          }),
      },
      'checkpoint-coordinator',
    );
    for (const r of this.regions) {
      const started = (): void => this.context.tellSystem(this.coordinator, { t: 'region-started', vertexIds: [...r.vertexIds] } satisfies CoordinatorRegionStarted);
      this.regionRefs.push(this.context.spawn({ create: () => new RegionActor(this.regionMembers(r), started) }, `r${r.index}`));
    }
  }

  /** The ref of subtask `index` of vertex `vertexId` in its region's current attempt. */
  private refOf(vertexId: number, index: number): ActorRef {
    const region = this.regionOfVertex.get(vertexId)!;
    const self = this.context.self;
    return { address: self.address, id: `${self.id}/r${region}/${JobActor.subtaskName(vertexId, index, this.attempts[region])}` };
  }

  /** The subtasks of region `r`'s current attempt, with the state they restore. */
  private regionMembers(r: FailoverRegion): RegionMember[] {
    const { graph } = this.options;
    const attempt = this.attempts[r.index]!;
    const from = this.restoredFrom[r.index];
    const members: RegionMember[] = [];
    for (const vertexId of r.vertexIds) {
      const vertex = graph.vertices.find((v) => v.id === vertexId)!;
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
        members.push({ name: JobActor.subtaskName(vertexId, i, attempt), props: { create: () => new SubtaskActor(deployment), mailbox: { capacity: this.options.mailboxCapacity } } });
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
        this.stopJob();
        return;
    }
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
    const region = this.regionOfVertex.get(msg.vertexId)!;
    if (msg.attempt !== this.attempts[region]) return;
    this.addFigures(msg.figures);
    for (const o of msg.outputs) if (!this.outputs.includes(o)) this.outputs.push(o);
    this.finished.add(`${msg.vertexId}.${msg.subtaskIndex}`);
    this.context.tellSystem(this.coordinator, { t: 'subtask-finished', vertexId: msg.vertexId, subtaskIndex: msg.subtaskIndex } satisfies CoordinatorSubtaskFinished);
    if (this.finished.size === this.totalSubtasks) this.stopJob();
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
        this.error ??= error;
        if (this.restarts > 0 || this.options.restartStrategy.type !== 'none') this.warn(`recovery is suppressed by the restart strategy (${this.restartStrategy.describe()}) after ${this.restarts} restart(s)`);
        this.stopJob();
        return { directive: 'stop', scope: 'one' };
      }
    }
    this.restarts++;
    this.options.stats.restarts = this.restarts;
    const region = this.regions[regionIndex]!;
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
