/**
 * JobActor: runs one job in one actor system (the embedded job master; Flink's JobMaster in a
 * MiniCluster). It supervises every subtask actor of the job.
 *
 * Accepts (system lane): SubtaskFinished (a subtask ended its input), CollectBatch (records for
 * `executeAndCollect`).
 * Sends: nothing to subtasks but lifecycle (spawn / stop).
 * Owns: the job graph, the set of unfinished subtasks, per-operator figures, collected records.
 * Supervision: a failing subtask fails the job (restart strategies come with checkpointing):
 * the failure is recorded as the root cause, every subtask is stopped (closing their files and
 * readers), then the job's completion callback gets the error.
 */
import { Actor } from '../lib/actor/actor.js';
import { oneForOne, type SupervisorStrategy } from '../lib/actor/supervision.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type { DependencyContainer } from 'tsyringe';
import type { JobGraph } from '../lib/graph/job-graph.js';
import type { JobMessage, OperatorFigures } from '../lib/runtime/messages.js';
import type { Clock } from '../lib/time/clock.js';
import { SubtaskActor } from './subtask-actor.js';

/** How a job ended: figures per node, outputs, collected records, or the root cause. */
export interface JobOutcome {
  error: unknown;
  figures: Map<number, { recordsIn: number; recordsOut: number }>;
  outputs: string[];
  collected: unknown[];
}

export interface JobActorOptions {
  jobId: string;
  graph: JobGraph;
  clock: Clock;
  container: DependencyContainer;
  batchSize: number;
  mailboxCapacity: number;
  autoWatermarkIntervalMs: number;
  onTerminated: (outcome: JobOutcome) => void;
}

export class JobActor extends Actor<JobMessage> {
  private remaining = 0;
  private error: unknown = undefined;
  private readonly figures = new Map<number, { recordsIn: number; recordsOut: number }>();
  private readonly outputs: string[] = [];
  private readonly collected: unknown[] = [];
  private stopping = false;

  constructor(private readonly options: JobActorOptions) {
    super();
  }

  /** The id of subtask `index` of vertex `vertexId` under job actor `jobActorId`. */
  static subtaskName(vertexId: number, index: number): string {
    return `v${vertexId}.${index}`;
  }

  override preStart(): void {
    const { graph } = this.options;
    const self = this.context.self;
    const refOf = (vertexId: number, index: number): ActorRef => ({ address: self.address, id: `${self.id}/${JobActor.subtaskName(vertexId, index)}` });
    for (const v of graph.vertices) this.remaining += v.parallelism;
    for (const vertex of graph.vertices) {
      for (let i = 0; i < vertex.parallelism; i++) {
        const deployment = {
          jobName: graph.jobName,
          jobId: this.options.jobId,
          vertex,
          subtaskIndex: i,
          attemptNumber: 0,
          jobActor: self,
          clock: this.options.clock,
          container: this.options.container,
          batchSize: this.options.batchSize,
          autoWatermarkIntervalMs: this.options.autoWatermarkIntervalMs,
          refOf,
        };
        this.context.spawn({ create: () => new SubtaskActor(deployment), mailbox: { capacity: this.options.mailboxCapacity } }, JobActor.subtaskName(vertex.id, i));
      }
    }
  }

  receive(msg: JobMessage): void {
    if (msg.t === 'collect') {
      for (const v of msg.v) this.collected.push(v);
      return;
    }
    this.addFigures(msg.figures);
    for (const o of msg.outputs) if (!this.outputs.includes(o)) this.outputs.push(o);
    if (--this.remaining === 0) this.stopJob();
  }

  override supervisorStrategy(): SupervisorStrategy {
    return oneForOne({
      decider: (error) => {
        this.error ??= error;
        this.stopJob();
        return 'stop';
      },
    });
  }

  override postStop(): void {
    this.options.onTerminated({ error: this.error, figures: this.figures, outputs: this.outputs, collected: this.collected });
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
