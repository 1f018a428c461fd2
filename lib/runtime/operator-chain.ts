/**
 * Instantiates one subtask's operator chain (Flink's OperatorChain): one operator per chained
 * node, wired tail-first so each operator's output calls its successors directly, plus a
 * {@link RecordWriter} per network edge. Opening runs tail to head and ending runs head to tail,
 * as in Flink, so an operator never emits into an unopened or finished successor.
 */
import type { DependencyContainer } from 'tsyringe';
import type { ActorRef } from '../actor/actor-ref.js';
import type { ActorSystem } from '../actor/actor-system.js';
import { ConfigurationError } from '../errors.js';
import { connectedSources, connectedTargets, createChannelSelector } from '../graph/partitioners.js';
import type { JobVertex, StreamEdge, StreamNode } from '../graph/job-graph.js';
import type { OperatorContext, Output, StreamOperator } from '../operators/stream-operator.js';
import { userError } from '../operators/user-function.js';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.js';
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';
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
}

/** One chained operator with its metrics. */
export interface ChainMember {
  node: StreamNode;
  operator: StreamOperator<unknown> | undefined;
  output: Output<unknown>;
  metrics: OperatorIOMetrics;
}

export class OperatorChain {
  readonly members: ChainMember[] = [];
  readonly writers: RecordWriter[] = [];
  private readonly timerServices: { service: InternalTimerService; target: TimerTarget }[] = [];
  private readonly callbacks = new TimerHeap<{ timestamp: number; seq: number; run: () => void | Promise<void>; cancelled: boolean }>();
  private callbackSeq = 0;
  private readonly clock: Clock;
  private readonly requestTimers: () => void;
  /** The head's input (undefined for a source head, which emits into `members[0].output`). */
  readonly headInput: Input | undefined;
  /** Number of network input channels of this subtask. */
  readonly inputChannelCount: number;

  constructor(env: ChainEnvironment) {
    const { vertex } = env;
    this.clock = env.clock;
    this.requestTimers = env.requestTimers;
    const byNode = new Map<StreamNode, ChainMember>();
    const inputs = new Map<StreamNode, Input>();
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
      let operator: StreamOperator<unknown> | undefined;
      if (node.factory !== undefined) {
        const ctx = this.operatorContext(env, node);
        operator = node.factory(ctx, output);
        inputs.set(node, node.stateKeySelector !== undefined ? keyedInput(operator, ctx, node, output) : operatorInput(operator, output));
      }
      const member: ChainMember = { node, operator, output, metrics };
      byNode.set(node, member);
      this.members.unshift(member);
    }
    const head = vertex.nodes[0]!;
    this.headInput = inputs.get(head);
    this.inputChannelCount = inputChannelCount(vertex, env.subtaskIndex);
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

  /** Opens operators tail to head. */
  async open(): Promise<void> {
    for (let i = this.members.length - 1; i >= 0; i--) await this.members[i]!.operator?.open();
  }

  /** Ends input head to tail (each operator may still emit), then flushes writers. */
  async endInput(): Promise<void> {
    for (const m of this.members) await m.operator?.endInput();
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

  private operatorContext(env: ChainEnvironment, node: StreamNode): OperatorContext {
    let service: InternalTimerService | undefined;
    const keyedBackend =
      node.stateKeySelector !== undefined
        ? new HeapKeyedStateBackend(node.maxParallelism, computeKeyGroupRangeForOperatorIndex(node.maxParallelism, node.parallelism, env.subtaskIndex))
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
          service = new InternalTimerService(env.clock, env.requestTimers);
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
  const backend = ctx.keyedBackend!;
  const keyOf = node.stateKeySelector!;
  const watermark = operatorInput(operator, output);
  return {
    processElement(value, timestamp) {
      try {
        backend.setCurrentKey(keyOf(value));
      } catch (err) {
        throw userError(ctx, value, err);
      }
      return operator.processElement(value, timestamp);
    },
    processWatermark: (wm) => watermark.processWatermark(wm),
  };
}

/** Input channels of subtask `j` of `vertex`: per network input edge, per connected upstream subtask. */
export function inputChannelCount(vertex: JobVertex, j: number): number {
  let n = 0;
  for (const e of vertex.inputs) n += connectedSources(e.partition.kind, j, e.from.parallelism, vertex.parallelism).length;
  return n;
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
