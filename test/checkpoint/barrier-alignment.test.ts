/**
 * Barrier alignment on a two-input operator (Flink's SingleCheckpointBarrierHandler vs
 * CheckpointBarrierTracker): one co-process subtask is deployed alone in an actor system and fed
 * records and barriers on its two input channels by hand, so the interleaving is exact.
 * - EXACTLY_ONCE: records behind the barrier on input 1 wait until the barrier arrived on input 2;
 *   the snapshot holds exactly the records before the barriers.
 * - AT_LEAST_ONCE: nothing waits; the snapshot is taken when the last barrier arrives and may hold
 *   records that came after the first barrier.
 */
import 'reflect-metadata';
import test from 'ava';
import { container } from 'tsyringe';
import { Actor, ActorSystem, CoProcessFunction, HashMapStateBackend, ListStateDescriptor, StreamExecutionEnvironment, type ActorRef, type CheckpointingMode, type Collector, type FunctionInitializationContext, type ListState } from 'weir';
import { SubtaskActor, type SubtaskDeployment } from '../../actors/subtask-actor.js';
import { CheckpointBarrierHandler } from '../../lib/checkpoint/barrier-handler.js';
import { checkpointTarget } from '../../lib/checkpoint/checkpoint-storage.js';
import type { AcknowledgeCheckpoint, CheckpointBarrier, EndOfPartition, RecordBatch } from '../../lib/runtime/messages.js';
import { ManualClock } from '../../lib/time/clock.js';
import { Probe } from '../helpers/async-probe.js';

/** Logs every element it processes and snapshots that log in operator list state. */
class LoggingCoProcess extends CoProcessFunction<string, string, string> {
  private processed: string[] = [];
  private state!: ListState<string>;
  constructor(private readonly log: string[]) {
    super();
  }
  processElement1(value: string, _ctx: unknown, out: Collector<string>): void {
    this.processed.push(value);
    this.log.push(value);
    out.collect(value);
  }
  processElement2(value: string, _ctx: unknown, out: Collector<string>): void {
    this.processed.push(value);
    this.log.push(value);
    out.collect(value);
  }
  initializeState(ctx: FunctionInitializationContext): void {
    this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<string>('processed'));
  }
  snapshotState(): void {
    this.log.push('|snapshot|');
    this.state.update(this.processed);
  }
}

/** Stands in for the checkpoint coordinator: records acknowledgements. */
class AckRecorder extends Actor<AcknowledgeCheckpoint> {
  constructor(private readonly acks: Probe<AcknowledgeCheckpoint>) {
    super();
  }
  receive(msg: AcknowledgeCheckpoint): void {
    if (msg.t === 'ack') this.acks.push(msg);
  }
}

async function alignment(mode: CheckpointingMode): Promise<{ log: string[]; snapshot: unknown[] }> {
  const log: string[] = [];
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const a = env.fromElements('unused');
  const b = env.fromElements('unused');
  a.connect(b)
    .process(new LoggingCoProcess(log))
    .sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  const graph = env.getJobGraph();
  const vertex = graph.vertices.find((v) => v.nodes[0]!.twoInputFactory !== undefined)!;
  const system = new ActorSystem();
  const acks = new Probe<AcknowledgeCheckpoint>();
  const coordinator = system.spawn({ create: () => new AckRecorder(acks) }, 'coordinator');
  const deployment: SubtaskDeployment = {
    jobName: 'alignment',
    jobId: 'alignment-job',
    vertex,
    subtaskIndex: 0,
    attemptNumber: 0,
    jobActor: coordinator,
    coordinator,
    clock: new ManualClock(0),
    container: container.createChildContainer(),
    batchSize: 1024,
    autoWatermarkIntervalMs: 0,
    stateBackend: new HashMapStateBackend(),
    checkpointingEnabled: true,
    checkpointingMode: mode,
    restore: undefined,
    refOf: (): ActorRef => coordinator,
  };
  const subtask = system.spawn({ create: () => new SubtaskActor(deployment) }, 'co-process');
  const target = checkpointTarget(undefined, 'alignment-job', 1);
  const rb = (ch: number, v: string): RecordBatch => ({ t: 'rb', ch, v: [v], ts: [0] });
  const cb = (ch: number): CheckpointBarrier => ({ t: 'cb', ch, id: 1, ts: 0, target });
  const eop = (ch: number): EndOfPartition => ({ t: 'eop', ch });
  // Channel 0 feeds input 1, channel 1 input 2 (input 1's channels come first).
  for (const m of [rb(0, 'a1'), cb(0), rb(0, 'a2'), rb(1, 'b1'), cb(1), rb(1, 'b2'), eop(0), eop(1)]) system.tell(subtask, m);
  const ack = await acks.next();
  const snapshot = Object.values(ack.operators)[0]?.operator?.list['processed'] ?? [];
  await system.terminate();
  return { log, snapshot };
}

test('EXACTLY_ONCE: records after a barrier on input 1 wait for the barrier on input 2', async (t) => {
  const { log, snapshot } = await alignment('EXACTLY_ONCE');
  t.deepEqual(log.slice(0, 5), ['a1', 'b1', '|snapshot|', 'a2', 'b2']);
  t.deepEqual(snapshot, ['a1', 'b1']);
});

test('AT_LEAST_ONCE: nothing waits; the snapshot includes a record that came after the first barrier', async (t) => {
  const { log, snapshot } = await alignment('AT_LEAST_ONCE');
  t.deepEqual(log.slice(0, 5), ['a1', 'a2', 'b1', '|snapshot|', 'b2']);
  t.deepEqual(snapshot, ['a1', 'a2', 'b1']);
});

// The handler alone (pure state machine).
const barrier = (ch: number, id: number): CheckpointBarrier => ({ t: 'cb', ch, id, ts: 0, target: checkpointTarget(undefined, 'j', id) });

test('barrier handler: an ended channel counts as aligned', (t) => {
  const h = new CheckpointBarrierHandler(3, 'EXACTLY_ONCE', () => 0);
  t.deepEqual(h.onBarrier(barrier(0, 1)), {});
  t.true(h.isBlocked(0));
  t.false(h.isBlocked(1));
  t.deepEqual(h.onEndOfPartition(2), {});
  const d = h.onBarrier(barrier(1, 1));
  t.is(d.trigger?.id, 1);
  t.true(d.release);
  t.false(h.anyBlocked);
  t.is(h.state, 'waiting-for-first-barrier');
});

test('barrier handler: a newer barrier during alignment aborts the older checkpoint', (t) => {
  const h = new CheckpointBarrierHandler(2, 'EXACTLY_ONCE', () => 0);
  h.onBarrier(barrier(0, 1));
  const d = h.onBarrier(barrier(1, 2));
  t.is(d.aborted, 1);
  t.true(h.isBlocked(1));
  t.false(h.isBlocked(0));
  t.is(h.onBarrier(barrier(0, 2)).trigger?.id, 2);
  // A late barrier of the aborted checkpoint is ignored.
  t.deepEqual(h.onBarrier(barrier(1, 1)), {});
});

test('barrier handler: at-least-once triggers on the last barrier and drops older pending ones', (t) => {
  const h = new CheckpointBarrierHandler(2, 'AT_LEAST_ONCE', () => 0);
  t.deepEqual(h.onBarrier(barrier(0, 1)), {});
  t.false(h.isBlocked(0));
  t.deepEqual(h.onBarrier(barrier(0, 2)), {});
  const d = h.onBarrier(barrier(1, 2));
  t.is(d.trigger?.id, 2);
  t.is(d.aborted, 1);
});
