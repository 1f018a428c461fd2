/**
 * Instantiates one subtask's operator chain (Flink's OperatorChain): one operator per chained
 * node, wired tail-first so each operator's output calls its successors directly, plus a
 * {@link RecordWriter} per network edge. Opening runs tail to head and ending runs head to tail,
 * as in Flink, so an operator never emits into an unopened or finished successor.
 *
 * A two-input head (Flink's TwoInputStreamOperator) has one {@link Input} per logical input
 * ({@link OperatorChain.headInputs}); each sets the key from its own input's key selector when that
 * input is keyed. {@link OperatorChain.channelInputs} says which logical input each network input
 * channel feeds (input 1's channels come first, see `JobVertex.inputs`).
 */
import { HeapOperatorStateStore } from '../state/heap-operator-state-store.js';
import type { DependencyContainer } from 'tsyringe';
import type { ActorRef } from '../actor/actor-ref.js';
import type { ActorSystem } from '../actor/actor-system.js';
import { ConfigurationError } from '../errors.js';
import { connectedSources, connectedTargets, createChannelSelector } from '../graph/partitioners.js';
import type { JobVertex, StreamEdge, StreamNode } from '../graph/job-graph.js';
import { OPERATOR_TIMERS_STATE_NAME, isTwoInputOperator, type AnyStreamOperator, type OperatorContext, type Output, type StreamOperator, type TwoInputStreamOperator } from '../operators/stream-operator.js';
import { userError } from '../operators/user-function.js';
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
import type { KeyGroupSnapshotPart, KeyedStateBackend, RestoredKeyGroup } from '../state/keyed-state-backend.js';
import type { OperatorStateSnapshot } from '../state/operator-state-store.js';
import type { StateBackend } from '../state/state-backend.js';
import type { OperatorRestoreState, SubtaskRestoreState } from '../checkpoint/state-assignment.js';
import type { StateSnapshotContext } from '../operators/stream-operator.js';
import { OperatorIOMetrics, metricsRegistry } from '../telemetry/metrics.js';
import type { Clock } from '../time/clock.js';
import { TimerHeap } from '../time/timer-heap.js';
import { InternalTimerService, type TimerTarget } from '../time/timer-service.js';
import { createOutput, type Input, type Target } from './outputs.js';
import { RecordWriter, type BackPressureListener } from './record-writer.js';

/** What a subtask needs to build its chain. */
export interface ChainEnvironment {
  jobName: string;
  /** Unique per job run; metrics are registered under it. */
  jobId: string;
  vertex: JobVertex;
  subtaskIndex: number;
  attemptNumber: number;
  system: ActorSystem;
  self: ActorRef;
  jobActor: ActorRef;
  clock: Clock;
  container: DependencyContainer;
  batchSize: number;
  /** Periodic watermark emission interval, ms (Flink's autoWatermarkInterval; 0 disables). */
  autoWatermarkIntervalMs: number;
  /** Ref of subtask `index` of vertex `vertexId`. */
  refOf(vertexId: number, index: number): ActorRef;
  onBackPressure: BackPressureListener;
  reportOutput(location: string): void;
  /** Asks the subtask to fire due processing-time timers on its own thread (called from clock callbacks). */
  requestTimers(): void;
  /** Creates keyed backends (heap or LevelDB). */
  stateBackend: StateBackend;
  /** True when the job checkpoints periodically (2PC sinks then commit on checkpoint completion). */
  checkpointingEnabled: boolean;
}

/** One chained operator's state at a barrier (synchronous phase done). */
export interface OperatorSnapshot {
  readonly nodeId: number;
  readonly uid: string;
  /** Copy of the operator state store. */
  readonly operator: OperatorStateSnapshot;
  /** Keyed parts to write (keyed operators), from the backend's synchronous phase. */
  readonly parts: readonly KeyGroupSnapshotPart[] | undefined;
}

/** One chained operator with its metrics. */
export interface ChainMember {
  node: StreamNode;
  /** Undefined for a source head; a two-input operator only at the head. */
  operator: AnyStreamOperator | undefined;
  output: Output<unknown>;
  metrics: OperatorIOMetrics;
  /** Keyed operators: the backend holding their key groups. */
  keyedBackend: KeyedStateBackend | undefined;
  /** Operators: their list, union-list and broadcast state. */
  operatorStateStore: HeapOperatorStateStore | undefined;
}

/** One subtask's operators, their outputs and record writers, built from its vertex (see the module docstring). */
export class OperatorChain {
  readonly members: ChainMember[] = [];
  readonly writers: RecordWriter[] = [];
  private readonly timerServices: { service: InternalTimerService; target: TimerTarget }[] = [];
  private readonly callbacks = new TimerHeap<{ timestamp: number; seq: number; run: () => void | Promise<void>; cancelled: boolean }>();
  private callbackSeq = 0;
  private readonly clock: Clock;
  private readonly requestTimers: () => void;
  /** The head's input (undefined for a source head, which emits into `members[0].output`); input 1 of a two-input head. */
  readonly headInput: Input | undefined;
  /** The head's input per logical input (index 0 = input 1): one entry, two for a two-input head, none for a source. */
  readonly headInputs: Input[];
  /** Number of network input channels of this subtask. */
  readonly inputChannelCount: number;
  /** Per input channel: the logical input it feeds, 0-based (0 = input 1, 1 = input 2). */
  readonly channelInputs: number[];
  /** Per input channel: its index among the channels of its logical input. */
  readonly localChannels: number[];
  /** Number of input channels per logical input. */
  readonly inputChannelCounts: number[];
  private readonly endedHeadInputs = new Set<1 | 2>();
  /** Keyed backends that can ask for a pause (see {@link stateWriteStall}). */
  private readonly stallingBackends: KeyedStateBackend[] = [];

  constructor(env: ChainEnvironment) {
    const { vertex } = env;
    this.clock = env.clock;
    this.requestTimers = env.requestTimers;
    const byNode = new Map<StreamNode, ChainMember>();
    const inputs = new Map<StreamNode, Input>();
    let twoInputs: Input[] | undefined;
    // Tail first, so successors exist when an output is built.
    for (let i = vertex.nodes.length - 1; i >= 0; i--) {
      const node = vertex.nodes[i]!;
      const metrics = new OperatorIOMetrics(env.jobId, node.id, node.name, node.uid, env.subtaskIndex);
      metricsRegistry.register(metrics);
      const main: Target[] = [];
      const side = new Map<string, Target[]>();
      for (const e of node.outEdges) {
        const target: Target = e.chained
          ? { input: inputs.get(e.to)!, metrics: byNode.get(e.to)!.metrics }
          : { input: this.createWriter(env, e), metrics: undefined };
        if (e.tagId === undefined) main.push(target);
        else {
          const l = side.get(e.tagId) ?? [];
          l.push(target);
          side.set(e.tagId, l);
        }
      }
      const output = createOutput(metrics, main, side);
      let operator: AnyStreamOperator | undefined;
      let ctx: (OperatorContext & { operatorStateStore: HeapOperatorStateStore }) | undefined;
      if (node.factory !== undefined) {
        ctx = this.operatorContext(env, node);
        const op = node.factory(ctx, output);
        operator = op;
        inputs.set(node, node.stateKeySelector !== undefined ? keyedInput(op, ctx, node, output) : operatorInput(op, output));
      } else if (node.twoInputFactory !== undefined) {
        if (i !== 0) throw new Error(`two-input operator '${node.name}' must head its chain`);
        ctx = this.operatorContext(env, node);
        const op = node.twoInputFactory(ctx, output);
        operator = op;
        twoInputs = twoInputAdapters(op, ctx, node, output);
      }
      const member: ChainMember = { node, operator, output, metrics, keyedBackend: ctx?.keyedBackend, operatorStateStore: ctx?.operatorStateStore };
      if (ctx?.keyedBackend?.writeStall !== undefined) this.stallingBackends.push(ctx.keyedBackend);
      byNode.set(node, member);
      this.members.unshift(member);
    }
    const head = vertex.nodes[0]!;
    const single = inputs.get(head);
    this.headInputs = twoInputs ?? (single !== undefined ? [single] : []);
    this.headInput = this.headInputs[0];
    const layout = inputChannelLayout(vertex, env.subtaskIndex);
    this.channelInputs = layout.channelInputs;
    this.localChannels = layout.localChannels;
    this.inputChannelCounts = layout.counts;
    this.inputChannelCount = layout.channelInputs.length;
  }

  /** True when the head is a two-input operator. */
  get isTwoInput(): boolean {
    return this.headInputs.length === 2;
  }

  /**
   * Logical input `inputIndex` of a two-input head ended: calls its `endInput(inputIndex)` once
   * (Flink's BoundedMultiInput); the rest of the chain ends in {@link endInput}.
   */
  endHeadInput(inputIndex: 1 | 2): void | Promise<void> {
    const op = this.members[0]?.operator;
    if (op === undefined || !isTwoInputOperator(op) || this.endedHeadInputs.has(inputIndex)) return undefined;
    this.endedHeadInputs.add(inputIndex);
    return op.endInput(inputIndex);
  }

  /** Fires the due processing-time timers of every operator (on the subtask's thread). */
  fireProcessingTimers(): void | Promise<void> {
    let pending: Promise<void> | undefined;
    const now = this.clock.now();
    for (let c = this.callbacks.peek(); c !== undefined && c.timestamp <= now; c = this.callbacks.peek()) {
      this.callbacks.pop();
      if (c.cancelled) continue;
      if (pending !== undefined) pending = pending.then(() => c.run());
      else {
        const r = c.run();
        if (r !== undefined) pending = r;
      }
    }
    for (const { service, target } of this.timerServices) {
      if (pending !== undefined) pending = pending.then(() => service.onProcessingTime(target));
      else {
        const r = service.onProcessingTime(target);
        if (r !== undefined) pending = r;
      }
    }
    return pending;
  }

  /**
   * Restores the stores of every operator from `restore` (keyed key groups read through
   * `readKeyGroups`), then calls each operator's `initializeState` (Flink's
   * StreamOperatorStateHandler.initializeOperatorState), head to tail.
   */
  async initializeState(restore: SubtaskRestoreState | undefined, readKeyGroups: (member: ChainMember, state: OperatorRestoreState) => Promise<RestoredKeyGroup[]>): Promise<void> {
    for (const m of this.members) {
      const op = m.operator;
      if (op === undefined) continue;
      const state = restore?.operators[m.node.uid];
      if (state !== undefined) {
        if (m.keyedBackend !== undefined && state.keyed.length > 0) await m.keyedBackend.restore(await readKeyGroups(m, state));
        if (state.operator !== undefined) m.operatorStateStore!.restore(state.operator);
      }
      await op.initializeState?.({
        isRestored: restore !== undefined,
        restoredCheckpointId: restore?.checkpointId,
        operatorStateStore: m.operatorStateStore!,
        keyedStateBackend: m.keyedBackend,
      });
    }
  }

  /** Flink's prepareSnapshotPreBarrier on every operator, head to tail. */
  async prepareSnapshotPreBarrier(checkpointId: number): Promise<void> {
    for (const m of this.members) await m.operator?.prepareSnapshotPreBarrier?.(checkpointId);
    this.flush();
  }

  /**
   * Synchronous phase of a snapshot for every operator: its `snapshotState` hook, then a copy of
   * its operator state and its keyed backend's parts (incremental when `incremental`).
   */
  async snapshotState(ctx: StateSnapshotContext, incremental: boolean): Promise<OperatorSnapshot[]> {
    const out: OperatorSnapshot[] = [];
    for (const m of this.members) {
      const op = m.operator;
      if (op === undefined) continue;
      await op.snapshotState?.(ctx);
      out.push({
        nodeId: m.node.id,
        uid: m.node.uid,
        operator: m.operatorStateStore!.snapshot(),
        parts: m.keyedBackend?.snapshot(ctx.checkpointId, { incremental: incremental && !ctx.isSavepoint }),
      });
    }
    this.flush();
    return out;
  }

  /** Checkpoint `id` completed: operators (commit point), and backends for checkpoints (incremental bases). */
  async notifyCheckpointComplete(id: number, kind: 'checkpoint' | 'savepoint'): Promise<void> {
    for (const m of this.members) {
      if (kind === 'checkpoint') m.keyedBackend?.notifyCheckpointComplete(id);
      await m.operator?.notifyCheckpointComplete?.(id);
    }
    this.flush();
  }

  /** Checkpoint `id` was aborted. */
  async notifyCheckpointAborted(id: number): Promise<void> {
    for (const m of this.members) {
      m.keyedBackend?.notifyCheckpointAborted(id);
      await m.operator?.notifyCheckpointAborted?.(id);
    }
  }

  /**
   * A Promise when a keyed backend asks the subtask to wait before more input (its writes fell
   * behind; see `KeyedStateBackend.writeStall`), else undefined.
   */
  stateWriteStall(): Promise<void> | undefined {
    for (const b of this.stallingBackends) {
      const stall = b.writeStall!();
      if (stall !== undefined) return stall;
    }
    return undefined;
  }

  /** Opens operators tail to head. */
  async open(): Promise<void> {
    for (let i = this.members.length - 1; i >= 0; i--) await this.members[i]!.operator?.open();
  }

  /**
   * Ends input head to tail (each operator may still emit), then flushes writers. A two-input
   * head gets `endInput(i)` for each input not ended yet through {@link endHeadInput}.
   */
  async endInput(): Promise<void> {
    for (const m of this.members) {
      const op = m.operator;
      if (op === undefined) continue;
      if (isTwoInputOperator(op)) {
        await this.endHeadInput(1);
        await this.endHeadInput(2);
      } else await op.endInput();
    }
    this.flush();
  }

  /** Closes every operator; errors are collected, the first is thrown after all were closed. */
  async close(): Promise<void> {
    for (const { service } of this.timerServices) service.dispose();
    let first: unknown;
    for (const m of this.members) {
      try {
        await m.operator?.close();
      } catch (err) {
        first ??= err;
      }
    }
    for (const m of this.members) {
      try {
        await m.keyedBackend?.dispose();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  flush(): void {
    for (const w of this.writers) w.flush();
  }

  private createWriter(env: ChainEnvironment, e: StreamEdge): RecordWriter {
    const up = e.from;
    const down = e.to;
    const targetIdx = connectedTargets(e.partition.kind, env.subtaskIndex, up.parallelism, down.parallelism);
    const targets = targetIdx.map((j) => env.refOf(down.vertex!.id, j));
    const channels = targetIdx.map((j) => inputChannelIndex(down.vertex!, e, env.subtaskIndex, j));
    const selector = createChannelSelector(e.partition, env.subtaskIndex, targets.length, down.parallelism, down.maxParallelism);
    const w = new RecordWriter(env.system, env.self, targets, channels, selector, env.onBackPressure, env.batchSize);
    this.writers.push(w);
    return w;
  }

  private operatorContext(env: ChainEnvironment, node: StreamNode): OperatorContext & { operatorStateStore: HeapOperatorStateStore } {
    let service: InternalTimerService | undefined;
    const keyedBackend =
      node.stateKeySelector !== undefined || node.stateKeySelector2 !== undefined
        ? env.stateBackend.createKeyedStateBackend({
            jobId: env.jobId,
            operatorUid: node.uid,
            operatorName: node.name,
            subtaskIndex: env.subtaskIndex,
            maxParallelism: node.maxParallelism,
            keyGroupRange: computeKeyGroupRangeForOperatorIndex(node.maxParallelism, node.parallelism, env.subtaskIndex),
            clock: env.clock,
          })
        : undefined;
    return {
      jobName: env.jobName,
      operatorName: node.name,
      uid: node.uid,
      subtaskIndex: env.subtaskIndex,
      parallelism: node.parallelism,
      maxParallelism: node.maxParallelism,
      attemptNumber: env.attemptNumber,
      clock: env.clock,
      keyedBackend,
      operatorStateStore: new HeapOperatorStateStore(),
      checkpointingEnabled: env.checkpointingEnabled,
      instantiate: <T>(cls: new (...args: never[]) => T): T => {
        try {
          return env.container.resolve(cls as never) as T;
        } catch (err) {
          throw new ConfigurationError(`operator '${node.name}': cannot create ${cls.name} through dependency injection (is it decorated with @injectable() and are its constructor parameters classes or registered tokens?)`, { cause: err });
        }
      },
      reportOutput: env.reportOutput,
      sendToJob: (message) => env.system.tellSystem(env.jobActor, message, env.self),
      registerProcessingTimeCallback: (time, run) => {
        const entry = { timestamp: time, seq: this.callbackSeq++, run, cancelled: false };
        this.callbacks.push(entry);
        const handle = this.clock.setTimeout(this.requestTimers, Math.max(0, time - this.clock.now()));
        return {
          cancel: () => {
            entry.cancelled = true;
            handle.cancel();
          },
        };
      },
      timerService: (target) => {
        if (keyedBackend === undefined) throw new ConfigurationError(`operator '${node.name}': timers are only available on a keyed stream (use keyBy() first)`);
        if (service === undefined) {
          service = new InternalTimerService(env.clock, env.requestTimers, { backend: keyedBackend, name: OPERATOR_TIMERS_STATE_NAME });
          this.timerServices.push({ service, target });
        }
        return service;
      },
    };
  }
}

/** An operator as an {@link Input}; without its own processWatermark it forwards watermarks. */
function operatorInput(operator: StreamOperator<unknown>, output: Output<unknown>): Input {
  if (operator.processWatermark !== undefined) return operator as Input;
  return {
    processElement: (value, timestamp) => operator.processElement(value, timestamp),
    processWatermark: (watermark) => output.emitWatermark(watermark),
  };
}

/** Sets the key context before a keyed operator sees a record (Flink's setKeyContextElement). */
function keyedInput(operator: StreamOperator<unknown>, ctx: OperatorContext, node: StreamNode, output: Output<unknown>): Input {
  const watermark = operatorInput(operator, output);
  return withKeyContext(ctx, ctx.keyedBackend!, node.stateKeySelector!, (v, ts) => operator.processElement(v, ts), (wm) => watermark.processWatermark(wm));
}

/** An input that sets the current key from `keyOf(record)` (failures name the record) before `process`. */
function withKeyContext(
  ctx: OperatorContext,
  backend: NonNullable<OperatorContext['keyedBackend']>,
  keyOf: (v: unknown) => unknown,
  process: (v: unknown, ts: number) => void | Promise<void>,
  processWatermark: (wm: number) => void | Promise<void>,
): Input {
  return {
    processElement(value, timestamp) {
      try {
        backend.setCurrentKey(keyOf(value));
      } catch (err) {
        throw userError(ctx, value, err);
      }
      return process(value, timestamp);
    },
    processWatermark,
  };
}

/**
 * The two inputs of a two-input operator as {@link Input}s. Each keyed input sets the key from its
 * own key selector first (Flink's setKeyContextElement1/2); an input without a selector (the
 * broadcast side) leaves the key context alone. Both share one watermark entry: the subtask calls
 * it with the combined watermark of both inputs.
 */
function twoInputAdapters(operator: TwoInputStreamOperator<unknown, unknown>, ctx: OperatorContext, node: StreamNode, output: Output<unknown>): Input[] {
  const processWatermark = operator.processWatermark !== undefined ? (wm: number) => operator.processWatermark!(wm) : (wm: number) => output.emitWatermark(wm);
  const backend = ctx.keyedBackend;
  const adapter = (keyOf: ((v: unknown) => unknown) | undefined, process: (v: unknown, ts: number) => void | Promise<void>): Input => {
    if (keyOf === undefined || backend === undefined) return { processElement: process, processWatermark };
    return withKeyContext(ctx, backend, keyOf, process, processWatermark);
  };
  return [
    adapter(node.stateKeySelector, (v, ts) => operator.processElement1(v, ts)),
    adapter(node.stateKeySelector2, (v, ts) => operator.processElement2(v, ts)),
  ];
}

/** Input channels of subtask `j` of `vertex`: per network input edge, per connected upstream subtask. */
export function inputChannelCount(vertex: JobVertex, j: number): number {
  let n = 0;
  for (const e of vertex.inputs) n += connectedSources(e.partition.kind, j, e.from.parallelism, vertex.parallelism).length;
  return n;
}

/** How subtask `j`'s input channels map to logical inputs (see {@link OperatorChain.channelInputs}). */
export interface InputChannelLayout {
  /** Per channel, the 0-based logical input. */
  channelInputs: number[];
  /** Per channel, its index among its logical input's channels. */
  localChannels: number[];
  /** Channels per logical input (one entry, or two for a two-input head). */
  counts: number[];
}

/** The channel layout of subtask `j` of `vertex`, in {@link inputChannelIndex}'s numbering. */
export function inputChannelLayout(vertex: JobVertex, j: number): InputChannelLayout {
  const head = vertex.nodes[0]!;
  const counts = head.twoInputFactory !== undefined ? [0, 0] : [0];
  const channelInputs: number[] = [];
  const localChannels: number[] = [];
  for (const e of vertex.inputs) {
    const input = Math.min(e.inputIndex, counts.length) - 1;
    const n = connectedSources(e.partition.kind, j, e.from.parallelism, vertex.parallelism).length;
    for (let k = 0; k < n; k++) {
      channelInputs.push(input);
      localChannels.push(counts[input]!++);
    }
  }
  return { channelInputs, localChannels, counts };
}

/** The channel index at downstream subtask `j` of the records from upstream subtask `i` over `edge`. */
export function inputChannelIndex(vertex: JobVertex, edge: StreamEdge, i: number, j: number): number {
  let base = 0;
  for (const e of vertex.inputs) {
    const sources = connectedSources(e.partition.kind, j, e.from.parallelism, vertex.parallelism);
    if (e === edge) {
      const pos = sources.indexOf(i);
      if (pos < 0) throw new Error(`subtask ${i} of '${edge.from.name}' is not connected to subtask ${j} of '${edge.to.name}'`);
      return base + pos;
    }
    base += sources.length;
  }
  throw new Error(`edge ${edge.id} is not an input of vertex '${vertex.name}'`);
}
