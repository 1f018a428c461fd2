/**
 * CheckpointCoordinatorActor: triggers, collects and completes the checkpoints and savepoints of
 * one job (Flink's CheckpointCoordinator), as a child of the job actor.
 *
 * Accepts (system lane):
 * - AcknowledgeCheckpoint / DeclineCheckpoint from subtasks;
 * - InputEnded from subtasks (they now wait for a final checkpoint; pending checkpoints are
 *   triggered on them directly, and a checkpoint is requested at once so bounded jobs end soon);
 * - TriggerSavepoint (an ask, from the job's control side; replies SavepointResult);
 * - CoordinatorSubtaskFinished, CoordinatorFailover (from the job actor); its own ticks and timeouts.
 * Sends: TriggerCheckpoint to source subtasks (which inject barriers) and to subtasks whose input
 * ended; CheckpointComplete / CheckpointAborted to every live subtask; CheckpointCompleted and
 * CheckpointFailureThreshold to the job actor.
 * Owns: pending checkpoints (expected and received acknowledgements, timeout), per-subtask status
 * (source, input ended, finished, last acknowledged state), the checkpoint id counter; writes
 * `_metadata` and adds completed checkpoints to the {@link CompletedCheckpointStore}.
 *
 * Timing as Flink's CheckpointConfig: a checkpoint starts every `intervalMs`, not before
 * `minPauseMs` after the previous one completed, with at most `maxConcurrent` in progress; one that
 * takes longer than `timeoutMs` is aborted (CHECKPOINT_EXPIRED); after more than `tolerableFailures`
 * consecutive failures the job actor fails the job over.
 */
import { Actor } from '../lib/actor/actor.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type { CheckpointSettings } from '../lib/checkpoint/checkpoint-config.js';
import { checkpointTarget, savepointTarget, writeMetadata, type SnapshotTarget } from '../lib/checkpoint/checkpoint-storage.js';
import type { CompletedCheckpointStore } from '../lib/checkpoint/completed-checkpoint-store.js';
import type { CheckpointMetadata, CompletedCheckpoint, OperatorCheckpointState, OperatorSubtaskState } from '../lib/checkpoint/state-handles.js';
import { CheckpointError, decodeError, encodeError, type EncodedError } from '../lib/errors.js';
import type { JobGraph } from '../lib/graph/job-graph.js';
import type { AcknowledgeCheckpoint, CheckpointAborted, CheckpointComplete, CoordinatorMessage, DeclineCheckpoint, InputEnded, TriggerCheckpoint } from '../lib/runtime/messages.js';
import type { CheckpointStats } from '../lib/telemetry/checkpoint-metrics.js';
import type { Clock, TimerHandle } from '../lib/time/clock.js';

/** Ask: take a savepoint into `directory` (Flink's triggerSavepoint). */
export interface TriggerSavepoint {
  t: 'trigger-savepoint';
  directory: string;
  /**
   * Stop with savepoint (Flink's `stopWithSavepoint`): sources emit nothing after their barrier,
   * so no record is processed after the savepoint; they resume if the savepoint fails.
   */
  stop?: boolean;
  /**
   * Take a checkpoint (into the checkpoint storage, kept as the latest restore point) rather than a
   * savepoint into `directory`: live rescaling restores its new subtasks from it.
   */
  asCheckpoint?: boolean;
}

/** Reply to {@link TriggerSavepoint}. */
export type SavepointResult = { ok: true; checkpointId: number; path: string } | { ok: false; error: EncodedError };

/** Job actor → coordinator: a subtask closed after its final checkpoint (or without checkpointing). */
export interface CoordinatorSubtaskFinished {
  t: 'subtask-finished';
  vertexId: number;
  subtaskIndex: number;
}

/** Job actor → coordinator: these vertices restart (a failover region); pending checkpoints are void. */
export interface CoordinatorFailover {
  t: 'failover';
  vertexIds: number[];
}

/** Job actor → coordinator: the subtasks of these vertices were (re)deployed; checkpoints may include them again. */
export interface CoordinatorRegionStarted {
  t: 'region-started';
  vertexIds: number[];
}

/** Coordinator → job actor. */
export interface CheckpointCompleted {
  t: 'checkpoint-completed';
  id: number;
  kind: 'checkpoint' | 'savepoint';
}

/** Coordinator → job actor: more consecutive checkpoint failures than tolerated. */
export interface CheckpointFailureThreshold {
  t: 'checkpoint-failure-threshold';
  error: EncodedError;
}

interface Tick {
  t: 'cc-tick';
}
interface Timeout {
  t: 'cc-timeout';
  id: number;
}

export type CheckpointCoordinatorMessage = CoordinatorMessage | TriggerSavepoint | CoordinatorSubtaskFinished | CoordinatorFailover | CoordinatorRegionStarted | Tick | Timeout;

export interface CheckpointCoordinatorOptions {
  jobId: string;
  graph: JobGraph;
  settings: CheckpointSettings;
  clock: Clock;
  store: CompletedCheckpointStore;
  stats: CheckpointStats;
  stateBackend: string;
  /** First checkpoint id (the restored checkpoint's id + 1, as Flink continues the counter). */
  firstCheckpointId: number;
  /** The current ref of a subtask (its attempt changes on failover). */
  refOf(vertexId: number, index: number): ActorRef;
  /** The current attempt of a vertex's subtasks. */
  attemptOf(vertexId: number): number;
  jobActor: ActorRef;
}

interface SubtaskStatus {
  readonly vertexId: number;
  readonly index: number;
  readonly isSource: boolean;
  ended: boolean;
  finished: boolean;
  /** The operator states of its last acknowledgement (stand in for it once it finished). */
  lastAck: Record<string, OperatorSubtaskState> | undefined;
}

interface PendingCheckpoint {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly startedAt: number;
  readonly target: SnapshotTarget;
  readonly expected: Set<string>;
  readonly acks: Map<string, AcknowledgeCheckpoint>;
  readonly timer: TimerHandle;
  readonly replyTo: ActorRef | undefined;
  completing: boolean;
}

const TICK: Tick = { t: 'cc-tick' };

export class CheckpointCoordinatorActor extends Actor<CheckpointCoordinatorMessage> {
  private nextId: number;
  private readonly subtasks = new Map<string, SubtaskStatus>();
  private readonly pending = new Map<number, PendingCheckpoint>();
  private tickTimer: TimerHandle | undefined;
  private lastCompletedAt = -Infinity;
  private consecutiveFailures = 0;
  private finalRequested = false;
  /** Vertices whose subtasks are not deployed (start-up, or restarting after a failure): no checkpoint starts meanwhile. */
  private readonly undeployed = new Set<number>();
  /** Savepoint requests that came while subtasks were not deployed; started once they are. */
  private readonly queuedSavepoints: { directory: string; stop: boolean; replyTo: ActorRef | undefined; asCheckpoint: boolean }[] = [];

  constructor(private readonly options: CheckpointCoordinatorOptions) {
    super();
    this.nextId = options.firstCheckpointId;
    for (const v of options.graph.vertices) this.undeployed.add(v.id);
    for (const v of options.graph.vertices) {
      for (let i = 0; i < v.parallelism; i++) this.subtasks.set(key(v.id, i), { vertexId: v.id, index: i, isSource: v.isSource, ended: false, finished: false, lastAck: undefined });
    }
  }

  private get enabled(): boolean {
    return this.options.settings.intervalMs > 0;
  }

  override preStart(): void {
    if (this.enabled) this.scheduleTick(this.options.settings.intervalMs);
  }

  override postStop(): void {
    this.tickTimer?.cancel();
    for (const q of this.queuedSavepoints.splice(0)) {
      if (q.replyTo !== undefined) this.context.system.tellSystem(q.replyTo, { ok: false, error: encodeError(new CheckpointError('JOB_FAILOVER', 'the savepoint did not start: the job stopped')) } satisfies SavepointResult);
    }
    for (const p of this.pending.values()) {
      p.timer.cancel();
      this.replySavepoint(p, new CheckpointError('JOB_FAILOVER', `savepoint ${p.id} did not complete: the job stopped`));
    }
    this.pending.clear();
  }

  receive(msg: CheckpointCoordinatorMessage): void | Promise<void> {
    switch (msg.t) {
      case 'cc-tick':
        return this.onTick();
      case 'cc-timeout': {
        const p = this.pending.get(msg.id);
        if (p !== undefined && !p.completing) this.abort(p, new CheckpointError('CHECKPOINT_EXPIRED', `checkpoint ${p.id} expired before completing (timeout ${this.options.settings.timeoutMs} ms)`), true);
        return undefined;
      }
      case 'ack':
        return this.onAck(msg);
      case 'decline':
        return this.onDecline(msg);
      case 'input-ended':
        return this.onInputEnded(msg);
      case 'subtask-finished':
        return this.onSubtaskFinished(msg);
      case 'failover':
        this.onFailover(msg);
        return undefined;
      case 'region-started':
        for (const v of msg.vertexIds) this.undeployed.delete(v);
        if (this.undeployed.size === 0) for (const q of this.queuedSavepoints.splice(0)) this.trigger(q.asCheckpoint ? 'checkpoint' : 'savepoint', q.directory, q.replyTo, q.stop);
        return undefined;
      case 'trigger-savepoint':
        if (this.undeployed.size > 0) this.queuedSavepoints.push({ directory: msg.directory, stop: msg.stop === true, replyTo: this.context.sender, asCheckpoint: msg.asCheckpoint === true });
        else this.trigger(msg.asCheckpoint === true ? 'checkpoint' : 'savepoint', msg.directory, this.context.sender, msg.stop === true);
        return undefined;
    }
  }

  private scheduleTick(delayMs: number): void {
    this.tickTimer?.cancel();
    const { system, self } = this.context;
    this.tickTimer = this.options.clock.setTimeout(() => system.tellSystem(self, TICK, self), Math.max(0, delayMs));
  }

  private onTick(): void {
    this.tickTimer = undefined;
    const s = this.options.settings;
    if (this.undeployed.size > 0) {
      // Triggers would reach no one: wait for the (re)deployment.
      this.scheduleTick(Math.min(s.intervalMs, 10));
      return;
    }
    if (this.runningCheckpoints() >= s.maxConcurrent) {
      // Tried again when one completes (Flink queues the request).
      this.finalRequested = true;
      return;
    }
    const wait = this.lastCompletedAt + s.minPauseMs - this.options.clock.now();
    if (wait > 0) {
      this.scheduleTick(wait);
      return;
    }
    this.trigger('checkpoint', undefined, undefined);
    this.scheduleTick(s.intervalMs);
  }

  private runningCheckpoints(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.kind === 'checkpoint') n++;
    return n;
  }

  /** Starts a checkpoint or savepoint (see the module docstring). */
  private trigger(kind: 'checkpoint' | 'savepoint', savepointDir: string | undefined, replyTo: ActorRef | undefined, stop = false): void {
    if (this.undeployed.size > 0) return;
    const expected = new Set<string>();
    const targets: SubtaskStatus[] = [];
    for (const [k, st] of this.subtasks) {
      if (st.finished) continue;
      expected.add(k);
      if (st.ended || st.isSource) targets.push(st);
    }
    const id = this.nextId++;
    const ts = this.options.clock.now();
    if (expected.size === 0) {
      if (replyTo !== undefined) this.context.system.tellSystem(replyTo, { ok: false, error: encodeError(new CheckpointError('CHECKPOINT_DECLINED', 'the job has finished: nothing to snapshot')) } satisfies SavepointResult);
      return;
    }
    let target: SnapshotTarget;
    try {
      target = kind === 'savepoint' ? savepointTarget(savepointDir!, this.options.jobId, id) : checkpointTarget(this.options.settings.storagePath, this.options.jobId, id);
    } catch (err) {
      // A savepoint location with an unsupported scheme or bucket name: the request fails, the job goes on.
      if (replyTo !== undefined) this.context.system.tellSystem(replyTo, { ok: false, error: encodeError(err) } satisfies SavepointResult);
      return;
    }
    const { system, self } = this.context;
    const timer = this.options.clock.setTimeout(() => system.tellSystem(self, { t: 'cc-timeout', id } satisfies Timeout, self), this.options.settings.timeoutMs);
    const p: PendingCheckpoint = { id, kind, timestamp: ts, startedAt: performance.now(), target, expected, acks: new Map(), timer, replyTo, completing: false };
    this.pending.set(id, p);
    const msg: TriggerCheckpoint = stop ? { t: 'trigger', id, ts, target, stopSources: true } : { t: 'trigger', id, ts, target };
    for (const st of targets) system.tellSystem(this.options.refOf(st.vertexId, st.index), msg, self);
  }

  private onAck(a: AcknowledgeCheckpoint): void | Promise<void> {
    const p = this.pending.get(a.id);
    const k = key(a.vertexId, a.subtaskIndex);
    if (p === undefined || p.completing || a.attempt !== this.options.attemptOf(a.vertexId) || !p.expected.has(k) || p.acks.has(k)) return undefined;
    p.acks.set(k, a);
    const st = this.subtasks.get(k);
    if (st !== undefined) st.lastAck = a.operators;
    return this.maybeComplete(p);
  }

  private onDecline(d: DeclineCheckpoint): void {
    const p = this.pending.get(d.id);
    if (p === undefined || p.completing || d.attempt !== this.options.attemptOf(d.vertexId)) return;
    this.abort(p, new CheckpointError('CHECKPOINT_DECLINED', `checkpoint ${d.id} was declined by subtask ${d.subtaskIndex} of vertex ${d.vertexId}`, { cause: decodeError(d.error) }), true);
  }

  private onInputEnded(m: InputEnded): void {
    if (m.attempt !== this.options.attemptOf(m.vertexId)) return;
    const k = key(m.vertexId, m.subtaskIndex);
    const st = this.subtasks.get(k);
    if (st === undefined) return;
    st.ended = true;
    // No barrier can reach it any more: trigger what is pending on it directly.
    const ref = this.options.refOf(m.vertexId, m.subtaskIndex);
    for (const p of this.pending.values()) {
      if (p.expected.has(k) && !p.acks.has(k)) this.context.system.tellSystem(ref, { t: 'trigger', id: p.id, ts: p.timestamp, target: p.target } satisfies TriggerCheckpoint, this.context.self);
    }
    // It finishes after the next completed checkpoint: ask for one now rather than at the next interval.
    if (this.enabled) this.requestFinalCheckpoint();
  }

  private requestFinalCheckpoint(): void {
    if (this.runningCheckpoints() > 0) {
      this.finalRequested = true;
      return;
    }
    this.finalRequested = false;
    const wait = this.lastCompletedAt + this.options.settings.minPauseMs - this.options.clock.now();
    if (wait > 0) this.scheduleTick(wait);
    else this.scheduleTick(0);
  }

  private onSubtaskFinished(m: CoordinatorSubtaskFinished): void | Promise<void> {
    const k = key(m.vertexId, m.subtaskIndex);
    const st = this.subtasks.get(k);
    if (st === undefined) return undefined;
    st.finished = true;
    let r: Promise<void> | undefined;
    for (const p of [...this.pending.values()]) {
      if (!p.expected.has(k) || p.acks.has(k)) continue;
      p.expected.delete(k);
      const x = this.maybeComplete(p);
      if (x !== undefined) r = r === undefined ? x : r.then(() => x);
    }
    if (this.enabled && [...this.subtasks.values()].every((s) => s.finished)) this.tickTimer?.cancel();
    return r;
  }

  private onFailover(m: CoordinatorFailover): void {
    for (const p of [...this.pending.values()]) this.abort(p, new CheckpointError('JOB_FAILOVER', `checkpoint ${p.id} aborted: the job is restarting`), false);
    const vertices = new Set(m.vertexIds);
    for (const v of vertices) this.undeployed.add(v);
    for (const st of this.subtasks.values()) {
      if (!vertices.has(st.vertexId)) continue;
      st.ended = false;
      st.finished = false;
      st.lastAck = undefined;
    }
    if (this.enabled && this.tickTimer === undefined) this.scheduleTick(this.options.settings.intervalMs);
  }

  private maybeComplete(p: PendingCheckpoint): void | Promise<void> {
    if (p.completing || p.acks.size < p.expected.size) return undefined;
    p.completing = true;
    return this.complete(p);
  }

  private async complete(p: PendingCheckpoint): Promise<void> {
    const { graph, jobId, stateBackend } = this.options;
    const operators: Record<string, OperatorCheckpointState> = {};
    let bytes = 0;
    let maxSync = 0;
    let maxAsync = 0;
    let maxAlign = 0;
    for (const a of p.acks.values()) {
      bytes += a.bytes;
      maxSync = Math.max(maxSync, a.syncMs);
      maxAsync = Math.max(maxAsync, a.asyncMs);
      maxAlign = Math.max(maxAlign, a.alignmentMs);
    }
    for (const v of graph.vertices) {
      for (const node of v.nodes) {
        const subtasks: (OperatorSubtaskState | null)[] = [];
        for (let i = 0; i < v.parallelism; i++) {
          const k = key(v.id, i);
          const states = p.acks.get(k)?.operators ?? this.subtasks.get(k)?.lastAck;
          subtasks.push(states?.[node.uid] ?? null);
        }
        operators[node.uid] = { name: node.name, parallelism: node.parallelism, maxParallelism: node.maxParallelism, subtasks };
      }
    }
    const metadata: CheckpointMetadata = { version: 1, checkpointId: p.id, kind: p.kind, timestamp: p.timestamp, completedAt: this.options.clock.now(), jobName: graph.jobName, jobId, stateBackend, operators };
    let written: { path: string | undefined; size: number };
    try {
      written = await writeMetadata(p.target, metadata);
    } catch (err) {
      p.completing = false;
      this.abort(p, new CheckpointError('IO_EXCEPTION', `cannot write the metadata of ${p.kind} ${p.id}: ${(err as Error).message}`, { cause: err }), true);
      return;
    }
    if (!this.pending.has(p.id)) return; // aborted meanwhile (failover)
    p.timer.cancel();
    this.pending.delete(p.id);
    const cp: CompletedCheckpoint = { metadata, directory: p.target.directory, sizeBytes: bytes + written.size };
    if (p.kind === 'checkpoint') {
      this.options.store.add(cp);
      this.consecutiveFailures = 0;
      this.lastCompletedAt = this.options.clock.now();
    }
    this.options.stats.record({
      id: p.id,
      kind: p.kind,
      status: 'completed',
      durationMs: performance.now() - p.startedAt,
      sizeBytes: cp.sizeBytes,
      maxSyncMs: maxSync,
      maxAsyncMs: maxAsync,
      maxAlignmentMs: maxAlign,
      ...(written.path !== undefined ? { path: written.path } : {}),
    });
    this.broadcast({ t: 'cp-complete', id: p.id, kind: p.kind } satisfies CheckpointComplete);
    this.context.tellSystem(this.options.jobActor, { t: 'checkpoint-completed', id: p.id, kind: p.kind } satisfies CheckpointCompleted);
    if (p.replyTo !== undefined) this.context.system.tellSystem(p.replyTo, { ok: true, checkpointId: p.id, path: p.target.directory ?? '' } satisfies SavepointResult);
    if (this.finalRequested && p.kind === 'checkpoint') this.requestFinalCheckpoint();
  }

  private abort(p: PendingCheckpoint, error: CheckpointError, counts: boolean): void {
    p.timer.cancel();
    this.pending.delete(p.id);
    this.broadcast({ t: 'cp-aborted', id: p.id } satisfies CheckpointAborted);
    this.options.stats.record({ id: p.id, kind: p.kind, status: 'failed', durationMs: performance.now() - p.startedAt, sizeBytes: 0, maxSyncMs: 0, maxAsyncMs: 0, maxAlignmentMs: 0, failure: error.message });
    this.replySavepoint(p, error);
    if (p.kind === 'checkpoint' && counts && ++this.consecutiveFailures > this.options.settings.tolerableFailures) {
      this.consecutiveFailures = 0;
      const e = new CheckpointError('TOO_MANY_FAILURES', `exceeded the checkpoint tolerable failure threshold (${this.options.settings.tolerableFailures})`, { cause: error });
      this.context.tellSystem(this.options.jobActor, { t: 'checkpoint-failure-threshold', error: encodeError(e) } satisfies CheckpointFailureThreshold);
    }
    if (this.finalRequested && p.kind === 'checkpoint') this.requestFinalCheckpoint();
  }

  private replySavepoint(p: PendingCheckpoint, error: unknown): void {
    if (p.replyTo !== undefined) this.context.system.tellSystem(p.replyTo, { ok: false, error: encodeError(error) } satisfies SavepointResult);
  }

  /** Tells every subtask that has not finished. */
  private broadcast(msg: CheckpointComplete | CheckpointAborted): void {
    const { system, self } = this.context;
    for (const st of this.subtasks.values()) if (!st.finished) system.tellSystem(this.options.refOf(st.vertexId, st.index), msg, self);
  }
}

function key(vertexId: number, index: number): string {
  return `${vertexId}.${index}`;
}
