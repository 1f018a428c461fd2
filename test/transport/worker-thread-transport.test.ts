import test from 'ava';
import { Worker } from 'node:worker_threads';
import { Actor, ActorSystem } from '../../lib/index.js';
import { encodeFrame } from '../../lib/transport/frame-codec.js';
import { WorkerThreadTransport } from '../../lib/transport/worker-thread-transport.js';
import type { TransportStats } from '../../lib/transport/transport.js';
import { Deferred, Probe } from '../helpers/async-probe.js';
import { Collector, CollectorState, Producer, producerStats } from '../helpers/record-stream.js';
import type { WorkerPlan } from '../fixtures/transport-worker.js';

const ENTRY = new URL('../fixtures/transport-worker.js', import.meta.url);
const workers: Worker[] = [];

test.after.always(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
});

interface Report {
  address: string;
  sink: string;
  count: number;
  lastIds: [string, number][];
  violation: string | undefined;
  stats: TransportStats;
}

test('(f) main and two workers exchange records over MessagePorts; a slow worker back-pressures both senders, nothing is lost', async (t) => {
  const creditBytes = 128 * 1024;
  const mesh = WorkerThreadTransport.mesh(['main', 'w1', 'w2']);
  const plans: Record<'w1' | 'w2', WorkerPlan> = {
    // w1 is slow: 1 ms per batch; main and w2 both send to it.
    w1: { creditBytes, sinks: [{ name: 'sink', expected: 60_000, delayMs: 1 }], producers: [] },
    // w2 collects from main at full speed and sends to w1.
    w2: { creditBytes, sinks: [{ name: 'sink', expected: 100_000, delayMs: 0 }], producers: [{ name: 'from-w2', to: { address: 'w1', id: 'sink' }, total: 30_000, batchSize: 100 }] },
  };
  const exited = new Map<string, Deferred<number>>();
  for (const addr of ['w1', 'w2'] as const) {
    const ports = mesh.get(addr)!;
    const w = new Worker(ENTRY, { workerData: { address: addr, ports, plan: plans[addr] }, transferList: [...ports.values()] });
    workers.push(w);
    const d = new Deferred<number>();
    exited.set(addr, d);
    w.on('exit', (code) => d.resolve(code));
    w.on('error', (err) => t.fail(`worker ${addr}: ${String(err)}`));
  }
  const main = new ActorSystem({ address: 'main' });
  const transport = WorkerThreadTransport.connect('main', mesh.get('main')!, { creditBytes });
  main.attachTransport(transport, '*');
  const reports = new Probe<Report>();
  class ReportActor extends Actor {
    receive(m: unknown): void {
      reports.push(m as Report);
    }
  }
  main.spawn({ create: () => new ReportActor() }, 'report');
  const toSlow = producerStats();
  const toFast = producerStats();
  main.tell(main.spawn({ create: () => new Producer({ address: 'w1', id: 'sink' }, 'from-main', 30_000, 100, toSlow) }, 'to-w1'), 'go');
  main.tell(main.spawn({ create: () => new Producer({ address: 'w2', id: 'sink' }, 'from-main', 100_000, 1_000, toFast) }, 'to-w2'), 'go');
  try {
    const got = await reports.until((r) => r.length === 2);
    const by = new Map(got.map((r) => [r.address, r]));
    t.is(by.get('w1')?.violation, undefined);
    t.is(by.get('w2')?.violation, undefined);
    t.is(by.get('w1')?.count, 60_000);
    t.deepEqual(new Map(by.get('w1')?.lastIds), new Map([['from-main', 30_000], ['from-w2', 30_000]]));
    t.deepEqual(by.get('w2')?.lastIds, [['from-main', 100_000]]);
    t.true(toSlow.paused > 0 && toSlow.resumed > 0, 'main waited for the slow worker');
    const { maxBytes } = transport.inFlight('w1');
    t.true(maxBytes <= creditBytes + 100 * 140, `in flight to w1 ${maxBytes} ≤ window + one batch`);
    t.is(by.get('w1')?.stats.retransmits, 0);
    t.is(by.get('w1')?.stats.framesDropped, 0);
    // Stop the workers: once their systems terminated, their closed ports must let the threads exit.
    for (const addr of ['w1', 'w2']) main.tellSystem({ address: addr, id: 'control' }, 'stop');
    t.is(await exited.get('w1')!.promise, 0);
    t.is(await exited.get('w2')!.promise, 0);
  } finally {
    await main.terminate();
  }
});

test('worker transport between two systems in one thread: order, credits, garbage on a port is counted', async (t) => {
  const mesh = WorkerThreadTransport.mesh(['x', 'y']);
  const x = new ActorSystem({ address: 'x' });
  const y = new ActorSystem({ address: 'y' });
  const tx = WorkerThreadTransport.connect('x', mesh.get('x')!, { creditBytes: 64 * 1024 });
  const ty = WorkerThreadTransport.connect('y', mesh.get('y')!, { creditBytes: 64 * 1024 });
  x.attachTransport(tx, '*');
  y.attachTransport(ty, '*');
  try {
    const state = new CollectorState(20_000);
    const sink = y.spawn({ create: () => new Collector(state, 1), mailbox: { capacity: 2 } }, 'sink');
    const stats = producerStats();
    x.tell(x.spawn({ create: () => new Producer(sink, 'p', 20_000, 50, stats) }, 'p'), 'go');
    // Garbage straight into y's port from x's end.
    const portXY = mesh.get('x')!.get('y')!;
    portXY.postMessage('hello');
    portXY.postMessage([0, new Uint8Array([1, 2, 3])]);
    portXY.postMessage([1, new Uint8Array([0xff])]);
    portXY.postMessage([0, encodeFrame({ from: 'x', epoch: 'forged', seq: 5, first: 9, envs: [] })]);
    await state.done.promise;
    t.is(state.lastId.get('p'), 20_000);
    t.true(stats.paused > 0);
    t.is(ty.stats().framesDropped, 4);
    t.true(tx.inFlight('y').maxBytes <= 64 * 1024 + 50 * 140);
  } finally {
    await Promise.all([x.terminate(), y.terminate()]);
  }
});
