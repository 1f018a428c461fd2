/**
 * The receiving "task manager" of the cluster benchmark (cluster-bench.ts), run in a worker thread
 * so that sender and receiver use separate cores. `workerData.mode`:
 * - `weir`: an {@link ActorSystem} at `workerData.address` on its own {@link NatsTransport} and
 *   NATS connection, with actor `counter` counting the records of `{t:'rb', v}` batches, and
 *   actor `latency` recording `now - sent` of `{t:'lat', sent}` records (absolute ms, from
 *   `performance.timeOrigin + performance.now()`).
 * - `raw`: a plain nats.js subscription on `workerData.subject` counting messages × `batch`
 *   records (and decoding each frame with Weir's frame codec when `decode` is set).
 *
 * Protocol with the parent (MessagePort): the worker posts `{t:'ready'}` once it listens; the
 * parent posts `{t:'expect', records}` and gets `{t:'armed'}`, then `{t:'done', atMs, cpuMs}` once
 * that many records were counted (`cpuMs`: this thread's CPU time since `expect`, Linux only); `{t:'lat-start', fromMs}` / `{t:'lat-report'}` collect latencies
 * of records sent at or after `fromMs` (answered by `{t:'lat', samples: Float64Array}`);
 * `{t:'stop'}` closes everything and answers `{t:'stopped'}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { threadCpuMs } from './thread-cpu.js';
import { connect, type NatsConnection } from 'nats';
import { Actor } from '../../lib/actor/actor.js';
import { ActorSystem } from '../../lib/actor/actor-system.js';
import { decodeFrame } from '../../lib/transport/frame-codec.js';
import { NatsTransport } from '../../lib/transport/nats-transport.js';

export interface ReceiverWorkerData {
  mode: 'weir' | 'raw';
  servers: string;
  /** weir: this system's address and the subject prefix. */
  address?: string;
  prefix?: string;
  /** raw: the subject, records per message, and whether to decode each frame. */
  subject?: string;
  batch?: number;
  decode?: boolean;
}

type Parent = { t: 'expect'; records: number } | { t: 'lat-start'; fromMs: number } | { t: 'lat-report' } | { t: 'stop' };

const port = parentPort!;
const data = workerData as ReceiverWorkerData;

let counted = 0;
let target = Number.POSITIVE_INFINITY;
let cpuAtExpect: number | undefined;
function count(n: number): void {
  counted += n;
  if (counted >= target) {
    target = Number.POSITIVE_INFINITY;
    const atMs = performance.timeOrigin + performance.now();
    const cpu = threadCpuMs();
    port.postMessage({ t: 'done', atMs, records: counted, cpuMs: cpu !== undefined && cpuAtExpect !== undefined ? cpu - cpuAtExpect : undefined });
  }
}

let latFrom = Number.POSITIVE_INFINITY;
let samples = new Float64Array(1 << 17);
let nSamples = 0;
function latency(sent: number): void {
  if (sent < latFrom) return;
  if (nSamples === samples.length) {
    const bigger = new Float64Array(samples.length * 2);
    bigger.set(samples);
    samples = bigger;
  }
  samples[nSamples++] = performance.timeOrigin + performance.now() - sent;
}

class CounterActor extends Actor<{ t: 'rb'; v: unknown[] }> {
  receive(m: { t: 'rb'; v: unknown[] }): void {
    count(m.v.length);
  }
}

class LatencyActor extends Actor<{ t: 'lat'; sent: number }> {
  receive(m: { t: 'lat'; sent: number }): void {
    latency(m.sent);
  }
}

async function main(): Promise<void> {
  const nc: NatsConnection = await connect({ servers: data.servers, noAsyncTraces: true, name: `weir-bench-${data.mode}-receiver` });
  let system: ActorSystem | undefined;
  if (data.mode === 'weir') {
    system = new ActorSystem({ address: data.address! });
    system.attachTransport(new NatsTransport(data.address!, nc, { subjectPrefix: data.prefix! }), '*');
    system.spawn({ create: () => new CounterActor() }, 'counter');
    system.spawn({ create: () => new LatencyActor() }, 'latency');
  } else {
    const batch = data.batch!;
    const decode = data.decode === true;
    nc.subscribe(data.subject!, {
      callback: (err, msg) => {
        if (err !== null) throw err;
        if (decode) {
          let n = 0;
          for (const e of decodeFrame(msg.data).envs) n += (e.body as { v: unknown[] }).v.length;
          count(n);
        } else count(batch);
      },
    });
  }
  await nc.flush();
  port.on('message', (m: Parent) => {
    switch (m.t) {
      case 'expect':
        counted = 0;
        target = m.records;
        cpuAtExpect = threadCpuMs();
        port.postMessage({ t: 'armed' });
        break;
      case 'lat-start':
        latFrom = m.fromMs;
        nSamples = 0;
        port.postMessage({ t: 'armed' });
        break;
      case 'lat-report': {
        const out = samples.slice(0, nSamples);
        latFrom = Number.POSITIVE_INFINITY;
        port.postMessage({ t: 'lat', samples: out }, [out.buffer]);
        break;
      }
      case 'stop':
        void (async () => {
          if (system !== undefined) await system.terminate();
          if (!nc.isClosed()) await nc.close();
          port.postMessage({ t: 'stopped' });
          port.close();
        })();
        break;
    }
  });
  port.postMessage({ t: 'ready' });
}

main().catch((err: unknown) => {
  port.postMessage({ t: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
});
