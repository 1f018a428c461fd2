/**
 * SubtaskActor: one parallel subtask of one operator chain (Flink's StreamTask).
 *
 * Accepts (data lane, in order per channel): RecordBatch, Watermark, WatermarkStatus,
 * CheckpointBarrier, EndOfPartition; Poll (sources, to self).
 * Accepts (system lane): OutputWritable (a downstream mailbox it waited on drained);
 * TriggerCheckpoint, CheckpointComplete, CheckpointAborted (from the checkpoint coordinator);
 * KeyGroupPersisted (from its key-group actors).
 * Sends: RecordBatch / Watermark / CheckpointBarrier / EndOfPartition to downstream subtasks;
 * AcknowledgeCheckpoint / DeclineCheckpoint / InputEnded to the coordinator; KeyGroupPersist to its
 * key-group actors; SubtaskFinished (and, for the collect sink, CollectBatch) to its job actor.
 * Owns: its operator instances and their keyed and operator state, its source reader, its record
 * writers; its children are one KeyGroupActor per key group of each keyed operator.
 *
 * Checkpoints (Flink's asynchronous barrier snapshotting): a source snapshots when the coordinator
 * triggers it and injects a barrier into each output; other subtasks snapshot when the barrier has
 * arrived on every input channel ({@link CheckpointBarrierHandler}: aligned in `EXACTLY_ONCE`, with
 * the channels that already delivered the barrier blocked; tracked in `AT_LEAST_ONCE`). The
 * snapshot's synchronous phase (operator hooks, operator-state copy, the keyed backends' parts)
 * runs between two records; the asynchronous phase (writing parts) runs in the key-group actors
 * while the subtask goes on; the acknowledgement goes out when every key group is durable. With
 * checkpointing on, a subtask whose input ended waits for one more completed checkpoint before it
 * closes (Flink's final checkpoint), so two-phase-commit sinks commit everything.
 *
 * Lifecycle: preStart builds and opens the chain (tail to head) and, for a source, starts the
 * reader and polls itself; when every input channel has ended (or the reader reports
 * END_OF_INPUT) it ends input head to tail, flushes, sends EndOfPartition downstream, closes its
 * operators and reports SubtaskFinished. postStop closes whatever is still open (after a failure).
 *
 * Back-pressure: a send that finds a downstream mailbox full suspends this actor's data lane
 * (no new input, no new poll) until every such mailbox signals it drained.
 *
 * Two inputs (a two-input head, Flink's StreamTwoInputProcessor): each input channel belongs to
 * one logical input (`chain.channelInputs`); records go to that input's head entry; each logical
 * input has its own StatusWatermarkValve, and the two valve outputs are combined as Flink's
 * AbstractStreamOperator does (minimum over non-idle inputs, {@link CombinedWatermarkStatus}).
 * When every channel of one input has ended, the head gets `endInput(inputIndex)`.
 */
import { Actor } from '../lib/actor/actor.js';
import { decodeError, encodeError, UserFunctionError } from '../lib/errors.js';
import { CheckpointBarrierHandler, type BarrierDecision } from '../lib/checkpoint/barrier-handler.js';
import type { CheckpointingMode } from '../lib/checkpoint/checkpoint-config.js';
import type { SnapshotTarget } from '../lib/checkpoint/checkpoint-storage.js';
import type { OperatorRestoreState, SubtaskRestoreState } from '../lib/checkpoint/state-assignment.js';
import type { KeyGroupStateHandle, OperatorSubtaskState } from '../lib/checkpoint/state-handles.js';
import type { RestoredKeyGroup } from '../lib/state/keyed-state-backend.js';
import { KeyGroupActor, type KeyGroupCheckpointDone, type KeyGroupRead, type KeyGroupReadResult } from './key-group-actor.js';
import { MAX_WATERMARK } from '../lib/time/timestamps.js';
import type { SourceReader, InputStatus } from '../connectors/source.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type {
  AcknowledgeCheckpoint,
  ChannelMessage,
  CheckpointBarrier,
  DeclineCheckpoint,
  EndOfPartition,
  InputEnded,
  KeyGroupPersist,
  KeyGroupPersisted,
  OperatorFigures,
  OutputWritable,
  Poll,
  RecordBatch,
  SubtaskFinished,
  SubtaskMessage,
  SubtaskRunning,
  TimersDue,
  WatermarkStatus,
  WatermarkTick,
} from '../lib/runtime/messages.js';
import { WatermarkEmitter } from '../lib/runtime/watermark-emitter.js';
import { StatusWatermarkValve } from '../lib/time/watermark-valve.js';
import { CombinedWatermarkStatus } from '../lib/time/combined-watermark.js';
import type { WatermarkGenerator } from '../lib/time/watermark-generators.js';
import type { TimerHandle } from '../lib/time/clock.js';
import { OperatorChain, type ChainEnvironment, type ChainMember } from '../lib/runtime/operator-chain.js';
import { SourceOutput } from '../lib/runtime/source-output.js';
import type { Input } from '../lib/runtime/outputs.js';

/** Records a source emits per Poll message before yielding its turn. */
const POLL_BUDGET = 4096;
/** How long a key-group actor may take to read its restored chain, ms. */
const RESTORE_READ_TIMEOUT_MS = 10 * 60_000;
const POLL: Poll = { t: 'poll' };
const WRITABLE: OutputWritable = { t: 'writable' };
const TIMERS_DUE: TimersDue = { t: 'timers' };
const WATERMARK_TICK: WatermarkTick = { t: 'wm-tick' };

/** Name of the operator list state holding a source reader's splits (Flink's SourceOperator "SourceReaderState"). */
export const SOURCE_SPLITS_STATE = '_source-splits';

/** Everything a subtask needs, except what the chain environment holds. */
export type SubtaskDeployment = Omit<ChainEnvironment, 'self' | 'onBackPressure' | 'reportOutput' | 'system' | 'requestTimers'> & {
  /** The job's checkpoint coordinator. */
  coordinator: ActorRef;
  /** Barrier handling of this job (matters for subtasks with several input channels). */
  checkpointingMode: CheckpointingMode;
  /** State to restore (a restart or a start from a checkpoint or savepoint). */
  restore: SubtaskRestoreState | undefined;
};

/** A snapshot whose asynchronous phase is running. */
interface SnapshotInProgress {
  readonly id: number;
  readonly operators: Record<string, OperatorSubtaskState>;
  readonly keyed: Map<number, KeyGroupStateHandle[]>;
  awaiting: number;
  bytes: number;
  readonly syncMs: number;
  readonly asyncStart: number;
  readonly alignmentMs: number;
  failed: boolean;
}

export class SubtaskActor extends Actor<SubtaskMessage> {
  private chain!: OperatorChain;
  private headInput: Input | undefined;
  /** Per logical input (0-based), the head's input; one entry unless the head has two inputs. */
  private headInputs: Input[] = [];
  /** Per channel, its logical input and its index among that input's channels. */
  private channelInputs: number[] = [];
  private localChannels: number[] = [];
  /** Per logical input, channels not yet ended. */
  private openChannelsPerInput: number[] = [];
  private reader: SourceReader<unknown> | undefined;
  private sourceOutput: SourceOutput<unknown> | undefined;
  private endedChannels!: boolean[];
  private openChannels = 0;
  private blockedOn = 0;
  private finished = false;
  private closed = false;
  private readonly outputs: string[] = [];
  /** One valve per logical input. */
  private valves: StatusWatermarkValve[] = [];
  /** Two-input heads only: combines the valves' outputs (Flink's input1Watermark / input2Watermark). */
  private combined: CombinedWatermarkStatus | undefined;
  private valveOutput: ({ input: number; watermark: number } | { input: number; idle: boolean })[] = [];
  private emitter: WatermarkEmitter | undefined;
  private generator: WatermarkGenerator<unknown> | undefined;
  private tickTimer: TimerHandle | undefined;
  private barriers!: CheckpointBarrierHandler;
  /** Channel messages held back behind a barrier (exactly-once alignment), in arrival order. */
  private blocked: ChannelMessage[] = [];
  private lastSnapshotId = 0;
  private readonly snapshots = new Map<number, SnapshotInProgress>();
  /** Input ended and end-of-partition sent; waiting for a completed checkpoint (checkpointing on). */
  private awaitingFinalCheckpoint = false;
  /** First checkpoint snapshotted after the input ended. */
  private finalSnapshotId: number | undefined;
  /** The states of the last acknowledgement, re-sent for triggers after this subtask finished. */
  private lastAck: AcknowledgeCheckpoint | undefined;
  /** The last watermark this subtask's chain received (sources: emitted), for `weir topology`. */
  private currentWatermark: number | undefined;
  /** Stop with savepoint: the savepoint after whose barrier this source emits nothing (until it is aborted). */
  private sourceStoppedFor: number | undefined;
  /** Per keyed chain member (node id): its key-group actors by key group. */
  private readonly keyGroupActors = new Map<number, Map<number, ActorRef>>();

  constructor(private readonly deployment: SubtaskDeployment) {
    super();
  }

  override async preStart(): Promise<void> {
    const { system, self } = this.context;
    this.chain = new OperatorChain({
      ...this.deployment,
      system,
      self,
      onBackPressure: (target) => this.onBackPressure(target),
      requestTimers: () => system.tellSystem(self, TIMERS_DUE, self),
      reportOutput: (location) => {
        if (!this.outputs.includes(location)) this.outputs.push(location);
      },
    });
    const chain = this.chain;
    this.headInput = chain.headInput;
    this.headInputs = chain.headInputs;
    this.channelInputs = chain.channelInputs;
    this.localChannels = chain.localChannels;
    this.openChannels = chain.inputChannelCount;
    this.openChannelsPerInput = chain.inputChannelCounts.slice();
    this.endedChannels = new Array<boolean>(this.openChannels).fill(false);
    this.valves = chain.inputChannelCounts.map(
      (count, input) =>
        new StatusWatermarkValve(Math.max(1, count), {
          emitWatermark: (wm) => this.valveOutput.push({ input, watermark: wm }),
          emitStatus: (idle) => this.valveOutput.push({ input, idle }),
        }),
    );
    if (chain.isTwoInput) this.combined = new CombinedWatermarkStatus(2);
    this.barriers = new CheckpointBarrierHandler(this.openChannels, this.deployment.checkpointingMode);
    this.spawnKeyGroupActors();
    await this.chain.initializeState(this.deployment.restore, (m, state) => this.readKeyGroups(m, state));
    await this.chain.open();
    const head = this.chain.members[0]!;
    if (head.node.source !== undefined) {
      const name = head.node.name;
      const index = this.deployment.subtaskIndex;
      const strategy = head.node.watermarkStrategy;
      const generator = strategy?.createWatermarkGenerator({ clock: this.deployment.clock });
      this.emitter = new WatermarkEmitter(
        (wm) => {
          this.currentWatermark = wm;
          this.sourceOutput!.emitWatermark(wm);
        },
        (idle) => this.broadcastStatus(idle),
      );
      this.generator = generator;
      this.sourceOutput = new SourceOutput(head.output, strategy?.timestampAssigner, (record, err) => new UserFunctionError(name, index, record, err), generator, this.emitter);
      this.scheduleWatermarkTick();
      // A source the snapshot knows resumes its splits (none left: it ends at once); a source
      // added since starts afresh.
      const restoredSource = this.deployment.restore?.operators[head.node.uid];
      const restoredSplits = restoredSource === undefined ? undefined : (restoredSource.operator?.list[SOURCE_SPLITS_STATE] ?? []);
      this.reader = head.node.source.createReader({
        subtaskIndex: this.deployment.subtaskIndex,
        parallelism: head.node.parallelism,
        operatorName: head.node.name,
        ...(restoredSplits !== undefined ? { restoredSplits } : {}),
      });
      await this.reader.start();
      system.tell(self, POLL, self);
    }
    const running: SubtaskRunning = { t: 'running', vertexId: this.deployment.vertex.id, subtaskIndex: this.deployment.subtaskIndex, attempt: this.deployment.attemptNumber };
    this.context.tellSystem(this.deployment.jobActor, running);
    if (this.reader === undefined && this.openChannels === 0) await this.finish();
  }

  receive(msg: SubtaskMessage): void | Promise<void> {
    switch (msg.t) {
      case 'rb':
      case 'eop':
      case 'wm':
      case 'ws':
      case 'cb':
        if (this.barriers.anyBlocked && this.barriers.isBlocked(msg.ch)) {
          this.blocked.push(msg);
          return undefined;
        }
        return this.onChannelMessage(msg);
      case 'trigger':
        if (msg.stopSources === true && this.reader !== undefined && !this.finished) this.sourceStoppedFor = msg.id;
        return this.onTrigger(msg.id, msg.ts, msg.target);
      case 'cp-complete':
        return this.onCheckpointComplete(msg.id, msg.kind);
      case 'cp-aborted':
        return this.onCheckpointAborted(msg.id);
      case 'kg-persisted':
        this.onKeyGroupPersisted(msg);
        return undefined;
      case 'poll':
        return this.onPoll();
      case 'writable':
        this.onWritable();
        return undefined;
      case 'timers':
        return this.afterAsync(this.finished ? undefined : this.chain.fireProcessingTimers());
      case 'wm-tick':
        return this.onWatermarkTick();
    }
  }

  /** A message of an input channel that is not blocked. */
  private onChannelMessage(msg: ChannelMessage): void | Promise<void> {
    switch (msg.t) {
      case 'rb':
        return this.onBatch(msg);
      case 'eop':
        return this.onEndOfPartition(msg);
      case 'wm':
        this.valves[this.channelInputs[msg.ch]!]!.inputWatermark(msg.ts, this.localChannels[msg.ch]!);
        return this.drainValve();
      case 'ws':
        this.valves[this.channelInputs[msg.ch]!]!.inputStatus(msg.idle, this.localChannels[msg.ch]!);
        return this.drainValve();
      case 'cb':
        return this.onBarrierDecision(this.barriers.onBarrier(msg));
    }
  }

  /** Applies what the barrier handler decided: snapshot and forward, then replay held-back messages. */
  private onBarrierDecision(d: BarrierDecision): void | Promise<void> {
    const snap = d.trigger !== undefined ? this.performCheckpoint(d.trigger.id, d.trigger.ts, d.trigger.target, d.alignmentMs ?? 0) : undefined;
    if (d.release !== true) return snap;
    return snap !== undefined ? snap.then(() => this.replayBlocked()) : this.replayBlocked();
  }

  /** Re-dispatches the messages held back during alignment, in arrival order (they may block again). */
  private replayBlocked(): void | Promise<void> {
    const queue = this.blocked;
    if (queue.length === 0) return undefined;
    this.blocked = [];
    const next = (i: number): void | Promise<void> => {
      for (; i < queue.length; i++) {
        const msg = queue[i]!;
        if (this.barriers.anyBlocked && this.barriers.isBlocked(msg.ch)) {
          this.blocked.push(msg);
          continue;
        }
        const r = this.onChannelMessage(msg);
        if (r !== undefined) {
          const from = i + 1;
          return r.then(() => next(from));
        }
      }
      return undefined;
    };
    return next(0);
  }

  /** Coordinator trigger: sources and subtasks whose input ended snapshot now. */
  private onTrigger(id: number, ts: number, target: SnapshotTarget): void | Promise<void> {
    if (this.closed) {
      // Finished: its state is that of its last acknowledgement.
      if (this.lastAck !== undefined && id > this.lastAck.id) this.context.tellSystem(this.deployment.coordinator, { ...this.lastAck, id, syncMs: 0, asyncMs: 0, alignmentMs: 0, bytes: 0 });
      return undefined;
    }
    if (this.reader === undefined && !this.awaitingFinalCheckpoint) return undefined;
    return this.performCheckpoint(id, ts, target, 0);
  }

  /**
   * Takes this subtask's part of checkpoint `id`: prepareSnapshotPreBarrier, barrier downstream,
   * synchronous phase, then the key-group actors' asynchronous phase (see the module docstring).
   */
  private async performCheckpoint(id: number, ts: number, target: SnapshotTarget, alignmentMs: number): Promise<void> {
    if (id <= this.lastSnapshotId) return;
    this.lastSnapshotId = id;
    if (this.awaitingFinalCheckpoint) this.finalSnapshotId ??= id;
    const isSavepoint = target.kind === 'savepoint';
    const { coordinator } = this.deployment;
    try {
      await this.chain.prepareSnapshotPreBarrier(id);
      if (!this.finished) for (const w of this.chain.writers) w.broadcastEvent((ch): CheckpointBarrier => ({ t: 'cb', ch, id, ts, target }));
      const t0 = performance.now();
      const snapshots = await this.chain.snapshotState({ checkpointId: id, checkpointTimestamp: ts, isSavepoint }, this.deployment.stateBackend.incremental);
      const operators: Record<string, OperatorSubtaskState> = {};
      for (const s of snapshots) if (!isEmptyOperatorState(s.operator)) operators[s.uid] = { operator: s.operator };
      if (this.reader !== undefined) {
        const head = this.chain.members[0]!.node;
        const splits = this.reader.snapshotState?.(id) ?? [];
        operators[head.uid] = { operator: { list: { [SOURCE_SPLITS_STATE]: splits }, union: {}, broadcast: {} } };
      }
      const syncMs = performance.now() - t0;
      const snap: SnapshotInProgress = { id, operators, keyed: new Map(), awaiting: 0, bytes: 0, syncMs, asyncStart: performance.now(), alignmentMs, failed: false };
      this.snapshots.set(id, snap);
      const incremental = this.deployment.stateBackend.incremental && !isSavepoint;
      for (const s of snapshots) {
        const actors = this.keyGroupActors.get(s.nodeId);
        if (actors === undefined || s.parts === undefined) continue;
        snap.keyed.set(s.nodeId, []);
        const parts = new Map(s.parts.map((p) => [p.keyGroup, p] as const));
        for (const [kg, ref] of actors) {
          const part = parts.get(kg);
          if (part === undefined && !incremental) continue;
          snap.awaiting++;
          this.context.tellSystem(ref, { t: 'kg-persist', id, target, part, incremental } satisfies KeyGroupPersist);
        }
      }
      if (snap.awaiting === 0) this.acknowledge(snap);
    } catch (err) {
      this.snapshots.delete(id);
      const decline: DeclineCheckpoint = { t: 'decline', id, vertexId: this.deployment.vertex.id, subtaskIndex: this.deployment.subtaskIndex, attempt: this.deployment.attemptNumber, error: encodeError(err) };
      this.context.tellSystem(coordinator, decline);
    }
  }

  private onKeyGroupPersisted(msg: KeyGroupPersisted): void {
    const snap = this.snapshots.get(msg.id);
    if (snap === undefined) return;
    if (msg.error !== undefined && !snap.failed) {
      snap.failed = true;
      this.snapshots.delete(msg.id);
      const decline: DeclineCheckpoint = { t: 'decline', id: msg.id, vertexId: this.deployment.vertex.id, subtaskIndex: this.deployment.subtaskIndex, attempt: this.deployment.attemptNumber, error: msg.error };
      this.context.tellSystem(this.deployment.coordinator, decline);
      return;
    }
    if (msg.handle !== null) snap.keyed.get(msg.nodeId)?.push(msg.handle);
    snap.bytes += msg.bytes;
    if (--snap.awaiting === 0) this.acknowledge(snap);
  }

  private acknowledge(snap: SnapshotInProgress): void {
    this.snapshots.delete(snap.id);
    const operators = snap.operators;
    for (const [nodeId, handles] of snap.keyed) {
      if (handles.length === 0) continue;
      const uid = this.chain.members.find((m) => m.node.id === nodeId)!.node.uid;
      handles.sort((a, b) => a.keyGroup - b.keyGroup);
      operators[uid] = { ...operators[uid], keyed: handles };
    }
    const ack: AcknowledgeCheckpoint = {
      t: 'ack',
      id: snap.id,
      vertexId: this.deployment.vertex.id,
      subtaskIndex: this.deployment.subtaskIndex,
      attempt: this.deployment.attemptNumber,
      operators,
      bytes: snap.bytes,
      syncMs: snap.syncMs,
      asyncMs: performance.now() - snap.asyncStart,
      alignmentMs: snap.alignmentMs,
    };
    this.lastAck = ack;
    this.context.tellSystem(this.deployment.coordinator, ack);
  }

  private async onCheckpointComplete(id: number, kind: 'checkpoint' | 'savepoint'): Promise<void> {
    if (this.closed) return;
    if (kind === 'checkpoint') this.tellKeyGroupActors({ t: 'kg-done', id, completed: true });
    await this.chain.notifyCheckpointComplete(id, kind);
    await this.reader?.notifyCheckpointComplete?.(id);
    if (this.awaitingFinalCheckpoint && this.finalSnapshotId !== undefined && id >= this.finalSnapshotId && kind === 'checkpoint') await this.closeAndReport();
  }

  private async onCheckpointAborted(id: number): Promise<void> {
    if (this.closed) return;
    if (this.sourceStoppedFor === id) {
      // The stop-with-savepoint failed: the job goes on.
      this.sourceStoppedFor = undefined;
      this.context.system.tell(this.context.self, POLL, this.context.self);
    }
    this.snapshots.delete(id);
    this.tellKeyGroupActors({ t: 'kg-done', id, completed: false });
    await this.chain.notifyCheckpointAborted(id);
    // The final checkpoint failed: the next one will do.
    if (this.finalSnapshotId === id) this.finalSnapshotId = undefined;
  }

  private tellKeyGroupActors(msg: KeyGroupCheckpointDone): void {
    for (const actors of this.keyGroupActors.values()) for (const ref of actors.values()) this.context.tellSystem(ref, msg);
  }

  /** One KeyGroupActor per key group of every keyed operator of the chain (with its restored chain). */
  private spawnKeyGroupActors(): void {
    const restore = this.deployment.restore;
    for (const m of this.chain.members) {
      const backend = m.keyedBackend;
      if (backend === undefined) continue;
      const restored = new Map((restore?.operators[m.node.uid]?.keyed ?? []).map((h) => [h.keyGroup, h] as const));
      const actors = new Map<number, ActorRef>();
      for (const kg of backend.keyGroupRange) {
        const handle = restored.get(kg);
        const nodeId = m.node.id;
        const uid = m.node.uid;
        const ref = this.context.spawn({ create: () => new KeyGroupActor(nodeId, uid, kg, handle, restore?.checkpointId ?? 0) }, `kg-${nodeId}-${kg}`);
        actors.set(kg, ref);
      }
      this.keyGroupActors.set(m.node.id, actors);
    }
  }

  /** Asks the key-group actors of `m` for their restored chains (each reads and checks its files). */
  private async readKeyGroups(m: ChainMember, state: OperatorRestoreState): Promise<RestoredKeyGroup[]> {
    const actors = this.keyGroupActors.get(m.node.id)!;
    const replies = await Promise.all(
      state.keyed.map(async (h) => {
        const ref = actors.get(h.keyGroup)!;
        const r = await this.context.system.ask<KeyGroupReadResult>(ref, { t: 'kg-read' } satisfies KeyGroupRead, RESTORE_READ_TIMEOUT_MS);
        if ('error' in r) throw decodeError(r.error);
        return { keyGroup: h.keyGroup, chain: r.chain };
      }),
    );
    return replies;
  }

  override async postStop(): Promise<void> {
    this.tickTimer?.cancel();
    await this.closeAll();
  }

  private onBatch(batch: RecordBatch): void | Promise<void> {
    const head = this.chain.members[0]!;
    head.metrics.recordsIn += batch.v.length;
    const input = this.combined === undefined ? this.headInput! : this.headInputs[this.channelInputs[batch.ch]!]!;
    return this.processFrom(input, batch, 0, 0);
  }

  /**
   * Runs records from index `start`, and the batch's in-band watermarks (`batch.wm`, pairs
   * [records before it, watermark]) from pair `mark` on, each at its place between the records; on
   * an async step, continues after it settles.
   */
  private processFrom(input: Input, batch: RecordBatch, start: number, mark: number): void | Promise<void> {
    const values = batch.v;
    const timestamps = batch.ts;
    const wm = batch.wm;
    const n = values.length;
    let i = start;
    for (let k = mark; ; k += 2) {
      const end = wm !== undefined && k < wm.length ? wm[k]! : n;
      for (; i < end; i++) {
        const r = input.processElement(values[i], timestamps[i]!);
        if (r !== undefined) {
          const next = i + 1;
          return r.then(() => this.processFrom(input, batch, next, k));
        }
      }
      if (wm === undefined || k >= wm.length) break;
      this.valves[this.channelInputs[batch.ch]!]!.inputWatermark(wm[k + 1]!, this.localChannels[batch.ch]!);
      const r = this.drainValve(false);
      if (r !== undefined) {
        const next = i;
        return r.then(() => this.processFrom(input, batch, next, k + 2));
      }
    }
    this.chain.flush();
    // A state backend whose writes fell behind holds back the next input (LevelDB write stall).
    return this.chain.stateWriteStall();
  }

  /** Flushes output once `r` (a possibly async step) has completed. */
  private afterAsync(r: void | Promise<void>): void | Promise<void> {
    if (r !== undefined) return r.then(() => this.chain.flush());
    this.chain.flush();
    return undefined;
  }

  private onEndOfPartition(msg: EndOfPartition): void | Promise<void> {
    if (this.endedChannels[msg.ch] === true) return undefined;
    this.endedChannels[msg.ch] = true;
    // An ended channel counts as aligned: this may complete a pending alignment first.
    const aligned = this.barriers.onEndOfPartition(msg.ch);
    if (aligned.trigger !== undefined || aligned.release === true) {
      const r0 = this.onBarrierDecision(aligned);
      if (r0 !== undefined) return r0.then(() => this.afterEndOfPartition(msg));
    }
    return this.afterEndOfPartition(msg);
  }

  private afterEndOfPartition(msg: EndOfPartition): void | Promise<void> {
    const input = this.channelInputs[msg.ch]!;
    // An ended channel holds nothing back (its upstream sent the maximal watermark already).
    this.valves[input]!.endOfInput(this.localChannels[msg.ch]!);
    let r = this.drainValve();
    // Flink's BoundedMultiInput: a two-input head learns when each of its inputs has ended.
    if (--this.openChannelsPerInput[input]! === 0 && this.combined !== undefined) {
      const inputIndex = (input + 1) as 1 | 2;
      r = r !== undefined ? r.then(() => this.afterAsync(this.chain.endHeadInput(inputIndex))) : this.afterAsync(this.chain.endHeadInput(inputIndex));
    }
    if (--this.openChannels === 0) return r !== undefined ? r.then(() => this.finish()) : this.finish();
    return r;
  }

  /** Applies what the valves decided: new input watermarks to the chain, idleness downstream. */
  /**
   * Passes on what the watermark valves decided, then flushes the output — unless `flush` is
   * false (a watermark inside a batch: the batch's end flushes, so records and watermarks that
   * follow share the messages).
   */
  private drainValve(flush = true): void | Promise<void> {
    const actions = this.valveOutput;
    if (actions.length === 0) return undefined;
    this.valveOutput = [];
    let pending: Promise<void> | undefined;
    const head = this.headInput!;
    const combined = this.combined;
    for (const a of actions) {
      if ('watermark' in a) this.currentWatermark = a.watermark;
      const step =
        combined !== undefined
          ? (): void | Promise<void> => this.combine(combined, head, a)
          : (): void | Promise<void> => ('watermark' in a ? head.processWatermark(a.watermark) : this.broadcastStatus(a.idle));
      if (pending !== undefined) pending = pending.then(step);
      else {
        const r = step();
        if (r !== undefined) pending = r;
      }
    }
    return flush ? this.afterAsync(pending) : pending;
  }

  /**
   * Two-input heads: folds one valve output into the combined watermark and status (Flink's
   * AbstractStreamOperator.processWatermark1/2 and processWatermarkStatus1/2). Going idle emits
   * the watermark, then the status; going active emits the status first, so downstream valves
   * never see a watermark on a channel they consider idle.
   */
  private combine(combined: CombinedWatermarkStatus, head: Input, a: { input: number; watermark: number } | { input: number; idle: boolean }): void | Promise<void> {
    if ('watermark' in a) return combined.updateWatermark(a.input, a.watermark) ? head.processWatermark(combined.combinedWatermark) : undefined;
    const wasIdle = combined.isIdle;
    const advanced = combined.updateStatus(a.input, a.idle);
    const nowIdle = combined.isIdle;
    if (wasIdle && !nowIdle) this.broadcastStatus(false);
    const r = advanced ? head.processWatermark(combined.combinedWatermark) : undefined;
    if (!wasIdle && nowIdle) {
      if (r !== undefined) return r.then(() => this.broadcastStatus(true));
      this.broadcastStatus(true);
    }
    return r;
  }

  /** Tells every downstream subtask that this subtask's output became idle or active. */
  private broadcastStatus(idle: boolean): void {
    for (const w of this.chain.writers) w.broadcastEvent((ch): WatermarkStatus => ({ t: 'ws', ch, idle }));
  }

  private scheduleWatermarkTick(): void {
    const interval = this.deployment.autoWatermarkIntervalMs;
    if (this.generator === undefined || interval <= 0 || this.finished) return;
    const { system, self } = this.context;
    this.tickTimer = this.deployment.clock.setTimeout(() => system.tellSystem(self, WATERMARK_TICK, self), interval);
  }

  /** Periodic watermark emission (Flink's autoWatermarkInterval). */
  private onWatermarkTick(): void | Promise<void> {
    if (this.finished || this.generator === undefined) return undefined;
    // A source stopped at a stop-with-savepoint barrier emits nothing after it, watermarks included.
    if (this.sourceStoppedFor !== undefined) return this.scheduleWatermarkTick();
    this.generator.onPeriodicEmit(this.emitter!);
    this.scheduleWatermarkTick();
    return this.afterAsync(this.sourceOutput!.takePending());
  }

  private onPoll(): void | Promise<void> {
    if (this.finished || this.sourceStoppedFor !== undefined) return undefined;
    const reader = this.reader!;
    const out = this.sourceOutput!;
    const start = out.count;
    let status: InputStatus = 'MORE_AVAILABLE';
    while (out.count - start < POLL_BUDGET && this.blockedOn === 0) {
      status = reader.pollNext(out);
      if (out.pending !== undefined || status !== 'MORE_AVAILABLE') break;
    }
    // Records and watermarks share the source output's pending chain, so one await covers both.
    const pending = out.takePending();
    if (pending !== undefined) return pending.then(() => this.afterPoll(status));
    return this.afterPoll(status);
  }

  private afterPoll(status: InputStatus): void | Promise<void> {
    this.chain.flush();
    const { system, self } = this.context;
    if (status === 'END_OF_INPUT') return this.finish();
    if (status === 'MORE_AVAILABLE') system.tell(self, POLL, self);
    else {
      this.reader!.isAvailable().then(
        () => system.tell(self, POLL, self),
        () => system.tell(self, POLL, self),
      );
    }
    return undefined;
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // A bounded source ends with the maximal watermark, which fires every event-time timer and
    // window downstream before end of input (Flink's SourceOperator at END_OF_INPUT).
    this.tickTimer?.cancel();
    if (this.reader !== undefined) {
      this.emitter!.emitWatermark(MAX_WATERMARK);
      await this.sourceOutput!.takePending();
    }
    await this.chain.endInput();
    for (const w of this.chain.writers) w.broadcastEvent((ch): EndOfPartition => ({ t: 'eop', ch }));
    if (this.deployment.checkpointingEnabled) {
      // Flink's final checkpoint: stay open until a checkpoint taken from now on completes.
      this.awaitingFinalCheckpoint = true;
      const ended: InputEnded = { t: 'input-ended', vertexId: this.deployment.vertex.id, subtaskIndex: this.deployment.subtaskIndex, attempt: this.deployment.attemptNumber };
      this.context.tellSystem(this.deployment.coordinator, ended);
      return;
    }
    await this.closeAndReport();
  }

  private async closeAndReport(): Promise<void> {
    await this.closeAll(true);
    const figures: OperatorFigures[] = this.chain.members.map((m) => ({ nodeId: m.node.id, recordsIn: m.metrics.recordsIn, recordsOut: m.metrics.recordsOut }));
    const done: SubtaskFinished = { t: 'finished', vertexId: this.deployment.vertex.id, subtaskIndex: this.deployment.subtaskIndex, attempt: this.deployment.attemptNumber, figures, outputs: this.outputs };
    this.context.tellSystem(this.deployment.jobActor, done);
  }

  /** Closes operators and the reader once; rethrows the first error only when asked. */
  private async closeAll(rethrow = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    try {
      await this.reader?.close();
    } catch (err) {
      first = err;
    }
    try {
      await this.chain?.close();
    } catch (err) {
      first ??= err;
    }
    if (first !== undefined && rethrow) throw first;
  }

  /** Live figures of this subtask (read by its task executor for `weir topology`). */
  stats(): { recordsIn: number; recordsOut: number; operators: OperatorFigures[]; backPressured: boolean; watermark: number | undefined; lastCheckpointId: number | undefined; stateBytes: number } {
    const members = this.chain?.members ?? [];
    return {
      recordsIn: members[0]?.metrics.recordsIn ?? 0,
      recordsOut: members[members.length - 1]?.metrics.recordsOut ?? 0,
      operators: members.map((m) => ({ nodeId: m.node.id, recordsIn: m.metrics.recordsIn, recordsOut: m.metrics.recordsOut })),
      backPressured: this.blockedOn > 0,
      watermark: this.currentWatermark,
      lastCheckpointId: this.lastAck?.id,
      stateBytes: this.lastAck === undefined ? 0 : keyedStateBytes(this.lastAck),
    };
  }

  private onBackPressure(target: ActorRef): void {
    const { system, self } = this.context;
    if (this.blockedOn++ === 0) system.setDataSuspended(self, true);
    system.onWritable(target, () => system.tellSystem(self, WRITABLE, self));
  }

  private onWritable(): void {
    if (this.blockedOn > 0 && --this.blockedOn === 0) this.context.system.setDataSuspended(this.context.self, false);
  }
}

function isEmptyOperatorState(s: { list: Record<string, unknown[]>; union: Record<string, unknown[]>; broadcast: Record<string, unknown[]> }): boolean {
  return Object.keys(s.list).length === 0 && Object.keys(s.union).length === 0 && Object.keys(s.broadcast).length === 0;
}

/**
 * Full size of the keyed state an acknowledgement refers to, bytes: every part of every key
 * group's chain, inline or in storage (Flink's checkpointed "full state size", not only what this
 * checkpoint added).
 */
function keyedStateBytes(ack: AcknowledgeCheckpoint): number {
  let bytes = 0;
  for (const op of Object.values(ack.operators)) for (const kg of op?.keyed ?? []) for (const h of kg.chain) bytes += 'inline' in h ? h.inline.length : h.size;
  return bytes;
}
