/**
 * `npm run bench -- cluster [options]`: Weir across task managers over NATS (nats-server on
 * 127.0.0.1:4222 by default; every run uses its own subject prefix `bench-<random>`).
 *
 * 1. **Keyed exchange**: two actor systems (`bench-a` on this thread, `bench-b` in a worker
 *    thread), each on its own {@link NatsTransport} and NATS connection; the sender tells
 *    `{t:'rb', ch, v, ts}` batches of 1,024 Nexmark-bid-like records (~180 B each on the wire) to
 *    actor `counter` on `bench-b`, waiting for `onWritable` whenever `tell` returns false.
 *    Records/s from the first send until the receiving actor counted all. Against, in the same
 *    run and interleaved with it (one run of each per round, every other round in reverse
 *    order): raw nats.js publishing the same frame bytes (one batch encoded once with Weir's
 *    frame codec) from one connection to a subscription in a worker that counts messages × 1,024;
 *    the same with a subscriber that decodes each frame; and raw nats.js with Weir's codec but
 *    none of its protocol (each batch encoded into a frame when published, decoded on arrival),
 *    flushing every `--flush-every` messages. Each run also records the CPU time per record of
 *    the sending and the receiving thread (Linux), which says where the time goes.
 * 2. **Scaling 1 → 2 task slots**: a CPU-heavy keyed job (cpu-job.ts) submitted to an in-process
 *    job manager + task manager (startJobManager/startTaskManager) with 1 slot at parallelism 1,
 *    then 2 slots at parallelism 2 (one task manager: the keyBy crosses MessagePorts), then 2 task
 *    managers with 1 slot each (the keyBy crosses NATS); events/s from the job's own start/end times.
 * 3. **Latency across task managers**: `bench-a` tells one small record per 0.1 ms (10k/s, paced
 *    by a 1 ms timer) carrying its send time to actor `latency` on `bench-b`; p50/p99/max of
 *    receive − send over `--duration` s after 1 s of warm-up.
 *
 * Prints a markdown table and writes `bench/results/cluster-<date>-<host>.json` (or, when a run
 * of that day already wrote it, `cluster-<date>-<host>-2.json`, `-3`, …: results are never
 * overwritten).
 */
import { once } from 'node:events';
import { access, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { connect, type NatsConnection } from 'nats';
import { ActorSystem } from '../../lib/actor/actor-system.js';
import { actorRef, type ActorRef } from '../../lib/actor/actor-ref.js';
import { handleClusterRequest } from '../../lib/cluster/cluster-api.js';
import { jobManagerRef } from '../../lib/cluster/cluster-messages.js';
import { startJobManager } from '../../lib/cluster/job-manager-process.js';
import { startTaskManager } from '../../lib/cluster/task-manager-process.js';
import { encodeFrame, FrameBuilder } from '../../lib/transport/frame-codec.js';
import { NatsTransport } from '../../lib/transport/nats-transport.js';
import type { JobSummary } from '../../actors/job-manager-actor.js';
import { median } from '../measure.js';
import { machineInfo, type MachineInfo } from '../report.js';
import { tcpAnswers } from '../nexmark/micro-transport.js';
import type { ReceiverWorkerData } from './receiver-worker.js';
import { threadCpuMs } from './thread-cpu.js';

const BATCH = 1024;

interface Options {
  servers: string;
  records: number;
  runs: number;
  flushEvery: number;
  jobRecords: number;
  iterations: number;
  rate: number;
  durationS: number;
  warmupS: number;
  save: boolean;
  only: Set<string>;
}

const USAGE = `usage: npm run bench -- cluster [options]
  --servers URL          NATS server (default nats://127.0.0.1:4222)
  --records N            records per exchange run (default 2,000,000)
  --runs R               runs of the exchange and of each scaling case, median reported (default 5)
  --flush-every M        raw nats.js: flush every M messages (default 32)
  --job-records N        records of the scaling job (default 2,000,000)
  --iterations I         CPU rounds per record in the scaling job (default 200)
  --rate R               latency: records/s (default 10,000)
  --duration S           latency: measured seconds (default 5; after --latency-warmup, default 1)
  --only PART            exchange, scaling or latency (repeatable; default all)
  --no-save              do not write bench/results/cluster-*.json`;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function num(text: string | undefined, dflt: number, what: string): number {
  if (text === undefined) return dflt;
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got '${text}'`);
  return n;
}

function parse(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      servers: { type: 'string' },
      records: { type: 'string' },
      runs: { type: 'string' },
      'flush-every': { type: 'string' },
      'job-records': { type: 'string' },
      iterations: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'latency-warmup': { type: 'string' },
      only: { type: 'string', multiple: true },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help === true) return undefined;
  return {
    servers: values.servers ?? 'nats://127.0.0.1:4222',
    records: num(values.records, 2_000_000, 'records'),
    runs: num(values.runs, 5, 'runs'),
    flushEvery: num(values['flush-every'], 32, 'flush-every'),
    jobRecords: num(values['job-records'], 2_000_000, 'job-records'),
    iterations: num(values.iterations, 200, 'iterations'),
    rate: num(values.rate, 10_000, 'rate'),
    durationS: num(values.duration, 5, 'duration'),
    warmupS: num(values['latency-warmup'], 1, 'latency-warmup'),
    save: values['no-save'] !== true,
    only: new Set(values.only ?? ['exchange', 'scaling', 'latency']),
  };
}

// ---- the receiver worker --------------------------------------------------------------------

interface WorkerMsg {
  t: string;
  atMs?: number;
  records?: number;
  cpuMs?: number;
  samples?: Float64Array;
  error?: string;
}

class Receiver {
  private waiters: { t: string; resolve: (m: WorkerMsg) => void }[] = [];
  private constructor(readonly worker: Worker) {
    worker.on('message', (m: WorkerMsg) => {
      if (m.t === 'error') {
        log(`receiver worker failed: ${m.error}`);
        return;
      }
      const i = this.waiters.findIndex((w) => w.t === m.t);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
  }

  static async start(data: ReceiverWorkerData): Promise<Receiver> {
    const w = new Worker(new URL('./receiver-worker.js', import.meta.url), { workerData: data });
    const r = new Receiver(w);
    const ready = r.next('ready');
    const failed = once(w, 'error').then(([e]) => Promise.reject(e as Error));
    await Promise.race([ready, failed]);
    return r;
  }

  next(t: string): Promise<WorkerMsg> {
    return new Promise((resolve) => this.waiters.push({ t, resolve }));
  }

  async ask(msg: unknown, reply: string): Promise<WorkerMsg> {
    const p = this.next(reply);
    this.worker.postMessage(msg);
    return p;
  }

  async stop(): Promise<void> {
    const exited = once(this.worker, 'exit');
    const t = setTimeout(() => void this.worker.terminate(), 5_000);
    this.worker.postMessage({ t: 'stop' });
    await exited;
    clearTimeout(t);
  }
}

// ---- 1. exchange ----------------------------------------------------------------------------

interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

/** A batch of Nexmark-bid-like records, ~180 B each on the wire. */
function bidBatch(seed: number): { t: 'rb'; ch: number; v: Bid[]; ts: number[] } {
  const v: Bid[] = [];
  const ts: number[] = [];
  const base = 1_700_000_000_000;
  for (let i = 0; i < BATCH; i++) {
    const n = seed * BATCH + i;
    v.push({
      auction: 1000 + (n % 977),
      bidder: 2000 + ((n * 7) % 3331),
      price: 100 + ((n * 13) % 100_000),
      channel: `channel-${n % 10_000}`,
      url: `https://www.nexmark.com/item.htm?query=1&channel_id=${(n * 31) % 1_000_000}`,
      dateTime: base + n,
      extra: `extra-${n.toString(36)}-${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2)}-${(n * 17) % 997}`,
    });
    ts.push(base + n);
  }
  return { t: 'rb', ch: 0, v, ts };
}

/** One measured exchange: records/s, and CPU per record of the sending and receiving threads (µs; undefined off Linux). */
interface ExchangeRun {
  recordsPerSec: number;
  senderCpuUsPerRecord: number | undefined;
  receiverCpuUsPerRecord: number | undefined;
}

/** Arms the receiver, runs `send(frames)`, and times it from the first send to the last record counted. */
async function timeExchange(rx: Receiver, records: number, send: (frames: number) => Promise<void>): Promise<ExchangeRun> {
  const frames = Math.ceil(records / BATCH);
  const total = frames * BATCH;
  await rx.ask({ t: 'expect', records: total }, 'armed');
  const done = rx.next('done');
  const cpu0 = threadCpuMs();
  const t0 = performance.timeOrigin + performance.now();
  await send(frames);
  const m = await done;
  const cpu1 = threadCpuMs();
  return {
    recordsPerSec: (total * 1000) / (m.atMs! - t0),
    senderCpuUsPerRecord: cpu0 !== undefined && cpu1 !== undefined ? ((cpu1 - cpu0) * 1000) / total : undefined,
    receiverCpuUsPerRecord: m.cpuMs !== undefined ? (m.cpuMs * 1000) / total : undefined,
  };
}

/** Weir: `tell` each batch to the counter actor, waiting for `onWritable` whenever `tell` says so. */
function weirSend(system: ActorSystem, to: ActorRef, batches: ReturnType<typeof bidBatch>[]): (frames: number) => Promise<void> {
  return async (frames) => {
    for (let i = 0; i < frames; i++) {
      if (!system.tell(to, batches[i % batches.length]!)) await new Promise<void>((r) => system.onWritable(to, r));
    }
  };
}

/** Raw nats.js: publish the same frame bytes, flushing (a PING/PONG with the server) every `flushEvery` messages. */
function rawSend(nc: NatsConnection, subject: string, bytes: Uint8Array, flushEvery: number): (frames: number) => Promise<void> {
  return async (frames) => {
    for (let i = 0; i < frames; i++) {
      nc.publish(subject, bytes);
      if (i % flushEvery === flushEvery - 1) await nc.flush();
    }
  };
}

/**
 * Raw nats.js with Weir's codec and none of its protocol: each batch encoded into a frame at
 * publish time (the FrameBuilder the transport uses), decoded by the receiver.
 */
function rawCodecSend(nc: NatsConnection, subject: string, to: ActorRef, batches: ReturnType<typeof bidBatch>[], flushEvery: number): (frames: number) => Promise<void> {
  const builder = new FrameBuilder();
  return async (frames) => {
    for (let i = 0; i < frames; i++) {
      builder.append({ to, lane: 'data', body: batches[i % batches.length]! });
      nc.publish(subject, builder.finish({ from: 'bench-a', epoch: 'bench', seq: i + 1, first: 1 }).frame);
      if (i % flushEvery === flushEvery - 1) await nc.flush();
    }
  };
}

interface ExchangeSide {
  runs: ExchangeRun[];
  medianRecordsPerSec: number;
  medianSenderCpuUsPerRecord: number | undefined;
  medianReceiverCpuUsPerRecord: number | undefined;
}

interface ExchangeReport {
  records: number;
  runs: number;
  bytesPerRecord: number;
  frameBytes: number;
  /** 1-minute load average before the first and after the last exchange run. */
  loadBefore: number;
  loadAfter: number;
  weir: ExchangeSide;
  /** Raw nats.js, the same frame bytes, the receiver counts messages × 1,024. */
  raw: ExchangeSide;
  /** Raw nats.js, the same frame bytes, the receiver decodes each frame (decodeFrame). */
  rawDecode: ExchangeSide;
  /** Raw nats.js, each batch encoded with Weir's codec when published and decoded on arrival. */
  rawCodec: ExchangeSide;
  /** Weir median / raw median (the figure, target ≥ 0.5), and against the other references. */
  ratio: number;
  ratioToDecoding: number;
  ratioToCodec: number;
  /** Weir / raw of each run (the runs are interleaved, so this is less exposed to load drifting during the bench) and their median. */
  runRatios: number[];
  medianRunRatio: number;
  transportStats: unknown;
}

function side(runs: ExchangeRun[]): ExchangeSide {
  const m = (xs: (number | undefined)[]): number | undefined => (xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined);
  return {
    runs,
    medianRecordsPerSec: median(runs.map((r) => r.recordsPerSec)),
    medianSenderCpuUsPerRecord: m(runs.map((r) => r.senderCpuUsPerRecord)),
    medianReceiverCpuUsPerRecord: m(runs.map((r) => r.receiverCpuUsPerRecord)),
  };
}

async function runExchange(o: Options, prefix: string): Promise<ExchangeReport> {
  const batches = Array.from({ length: 8 }, (_, i) => bidBatch(i));
  const to = actorRef('bench-b', 'counter');
  const frameBytes = encodeFrame({ from: 'bench-a', epoch: 'bench', seq: 1, first: 1, envs: [{ to, lane: 'data', body: batches[0]! }] });
  log(`exchange: one ${BATCH}-record batch = ${frameBytes.byteLength.toLocaleString('en-US')} B as a frame (${(frameBytes.byteLength / BATCH).toFixed(0)} B/record)`);

  const weirRx = await Receiver.start({ mode: 'weir', servers: o.servers, address: 'bench-b', prefix });
  const rawSubject = `${prefix}.raw`;
  const rawRx = await Receiver.start({ mode: 'raw', servers: o.servers, subject: rawSubject, batch: BATCH });
  const decRx = await Receiver.start({ mode: 'raw', servers: o.servers, subject: `${rawSubject}-dec`, batch: BATCH, decode: true });
  const codecRx = await Receiver.start({ mode: 'raw', servers: o.servers, subject: `${rawSubject}-codec`, batch: BATCH, decode: true });
  const nc = await connect({ servers: o.servers, noAsyncTraces: true, name: 'weir-bench-sender' });
  const rawNc = await connect({ servers: o.servers, noAsyncTraces: true, name: 'weir-bench-raw-pub' });
  const system = new ActorSystem({ address: 'bench-a' });
  const transport = new NatsTransport('bench-a', nc, { subjectPrefix: prefix, ownsConnection: true });
  system.attachTransport(transport, '*');
  const modes: { name: string; rx: Receiver; send: (frames: number) => Promise<void>; runs: ExchangeRun[] }[] = [
    { name: 'Weir', rx: weirRx, send: weirSend(system, to, batches), runs: [] },
    { name: 'raw nats.js', rx: rawRx, send: rawSend(rawNc, rawSubject, frameBytes, o.flushEvery), runs: [] },
    { name: 'raw + decode', rx: decRx, send: rawSend(rawNc, `${rawSubject}-dec`, frameBytes, o.flushEvery), runs: [] },
    { name: 'raw + encode + decode', rx: codecRx, send: rawCodecSend(rawNc, `${rawSubject}-codec`, to, batches, o.flushEvery), runs: [] },
  ];
  const loadBefore = os.loadavg()[0]!;
  try {
    const warm = Math.min(o.records, 200_000);
    log(`exchange: warm-up, ${warm.toLocaleString('en-US')} records each; load average ${loadBefore.toFixed(2)}`);
    for (const m of modes) await timeExchange(m.rx, warm, m.send);
    for (let i = 1; i <= o.runs; i++) {
      // Every other round in reverse order, so no mode always runs right after another.
      for (const m of i % 2 === 1 ? modes : [...modes].reverse()) {
        gc();
        m.runs.push(await timeExchange(m.rx, o.records, m.send));
      }
      const [w, r, d, c] = modes.map((m) => m.runs[i - 1]!.recordsPerSec) as [number, number, number, number];
      log(`exchange: run ${i}/${o.runs}: Weir ${fmt(w)} records/s, raw nats.js ${fmt(r)} records/s (${((100 * w) / r).toFixed(0)}%), raw + decode ${fmt(d)}, raw + encode + decode ${fmt(c)}`);
    }
  } finally {
    await system.terminate();
    await rawNc.close();
    await Promise.all(modes.map((m) => m.rx.stop()));
  }
  const [weir, raw, rawDecode, rawCodec] = modes.map((m) => side(m.runs)) as [ExchangeSide, ExchangeSide, ExchangeSide, ExchangeSide];
  const runRatios = weir.runs.map((w, i) => w.recordsPerSec / raw.runs[i]!.recordsPerSec);
  return {
    records: Math.ceil(o.records / BATCH) * BATCH,
    runs: o.runs,
    bytesPerRecord: frameBytes.byteLength / BATCH,
    frameBytes: frameBytes.byteLength,
    loadBefore,
    loadAfter: os.loadavg()[0]!,
    weir,
    raw,
    rawDecode,
    rawCodec,
    ratio: weir.medianRecordsPerSec / raw.medianRecordsPerSec,
    ratioToDecoding: weir.medianRecordsPerSec / rawDecode.medianRecordsPerSec,
    ratioToCodec: weir.medianRecordsPerSec / rawCodec.medianRecordsPerSec,
    runRatios,
    medianRunRatio: median(runRatios),
    transportStats: transport.stats(),
  };
}

// ---- 2. scaling -----------------------------------------------------------------------------

interface ScalingRun {
  /** Task managers (processes' worth: each its own NATS connections) the slots are spread over. */
  taskManagers: number;
  slots: number;
  parallelism: number;
  records: number;
  jobMs: number;
  wallMs: number;
  eventsPerSec: number;
  status: string;
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `slots` in total on `taskManagers` task managers (slots / taskManagers each); parallelism = slots. */
async function runScalingCase(o: Options, slots: number, taskManagers = 1): Promise<ScalingRun[]> {
  const prefix = `bench-${Math.random().toString(36).slice(2, 10)}`;
  const nats = { servers: [o.servers] };
  const quiet = (who: string) => (line: string) => {
    if (/fail|error|lost/i.test(line)) log(`  ${who}: ${line}`);
  };
  const jm = await startJobManager({ nats, subjectPrefix: prefix, log: quiet('jobmanager') });
  const tms: Awaited<ReturnType<typeof startTaskManager>>[] = [];
  try {
    for (let i = 0; i < taskManagers; i++) tms.push(await startTaskManager({ nats, subjectPrefix: prefix, slots: slots / taskManagers, log: quiet('taskmanager') }));
  } catch (err) {
    await Promise.all(tms.map((tm) => tm.close()));
    await jm.close();
    throw err;
  }
  const file = fileURLToPath(new URL('./cpu-job.js', import.meta.url));
  const api = async <T>(req: Parameters<typeof handleClusterRequest>[2]): Promise<T> => {
    const r = await handleClusterRequest(jm.system, jobManagerRef, req);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r as unknown as T;
  };
  const runJob = async (records: number): Promise<ScalingRun> => {
    gc();
    const t0 = Date.now();
    const { jobId } = await api<{ jobId: string }>({ op: 'submit', spec: { file, args: [String(records), String(o.iterations)], jobName: `cpu-${slots}`, parallelism: slots } });
    const s = await waitFor('the job to end', async () => {
      const j = (await api<{ job: JobSummary }>({ op: 'status', jobId })).job;
      return j.endedAt !== undefined ? j : undefined;
    });
    const wallMs = Date.now() - t0;
    if (s.status !== 'finished') throw new Error(`scaling job on ${slots} slot(s) ended ${s.status}: ${s.error}`);
    const jobMs = s.endedAt! - s.startedAt;
    return { taskManagers, slots, parallelism: slots, records, jobMs, wallMs, eventsPerSec: (records * 1000) / jobMs, status: s.status };
  };
  const runs: ScalingRun[] = [];
  try {
    await waitFor('the task managers to register', async () => ((await api<{ taskManagers: unknown[] }>({ op: 'taskmanagers' })).taskManagers.length >= taskManagers ? true : undefined), 30_000);
    const warm = Math.max(10_000, Math.floor(o.jobRecords / 5));
    const where = `${slots} slot(s) on ${taskManagers} task manager(s)`;
    log(`scaling: ${where}, warm-up job of ${warm.toLocaleString('en-US')} records`);
    await runJob(warm);
    for (let i = 1; i <= o.runs; i++) {
      const r = await runJob(o.jobRecords);
      runs.push(r);
      log(`scaling: ${where}, parallelism ${slots}, run ${i}/${o.runs}: ${fmt(r.eventsPerSec)} events/s (job ${r.jobMs} ms, submit-to-end ${r.wallMs} ms)`);
    }
  } finally {
    await Promise.all(tms.map((tm) => tm.close()));
    await jm.close();
  }
  return runs;
}

interface ScalingReport {
  iterations: number;
  one: ScalingRun[];
  /** One task manager, 2 slots: the keyBy crosses MessagePorts (local channels). */
  two: ScalingRun[];
  /** Two task managers, 1 slot each: the keyBy crosses NATS. */
  twoTaskManagers: ScalingRun[];
  medianOne: number;
  medianTwo: number;
  medianTwoTaskManagers: number;
  speedUp: number;
  speedUpTwoTaskManagers: number;
}

async function runScaling(o: Options): Promise<ScalingReport> {
  const one = await runScalingCase(o, 1);
  const two = await runScalingCase(o, 2);
  const twoTaskManagers = await runScalingCase(o, 2, 2);
  const m1 = median(one.map((r) => r.eventsPerSec));
  const m2 = median(two.map((r) => r.eventsPerSec));
  const m2tm = median(twoTaskManagers.map((r) => r.eventsPerSec));
  return { iterations: o.iterations, one, two, twoTaskManagers, medianOne: m1, medianTwo: m2, medianTwoTaskManagers: m2tm, speedUp: m2 / m1, speedUpTwoTaskManagers: m2tm / m1 };
}

// ---- 3. latency -----------------------------------------------------------------------------

interface LatencyReport {
  rate: number;
  durationS: number;
  warmupS: number;
  sent: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

async function runLatency(o: Options, prefix: string): Promise<LatencyReport> {
  const rx = await Receiver.start({ mode: 'weir', servers: o.servers, address: 'bench-b', prefix });
  const system = new ActorSystem({ address: 'bench-a' });
  const nc = await connect({ servers: o.servers, noAsyncTraces: true, name: 'weir-bench-latency-sender' });
  system.attachTransport(new NatsTransport('bench-a', nc, { subjectPrefix: prefix, ownsConnection: true }), '*');
  const to = actorRef('bench-b', 'latency');
  const now = (): number => performance.timeOrigin + performance.now();
  try {
    const start = now();
    const measureFrom = start + o.warmupS * 1000;
    const end = measureFrom + o.durationS * 1000;
    await rx.ask({ t: 'lat-start', fromMs: measureFrom }, 'armed');
    log(`latency: ${o.rate.toLocaleString('en-US')} records/s for ${o.warmupS} s (warm-up) + ${o.durationS} s`);
    let sent = 0;
    let sentMeasured = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const t = now();
        const due = Math.floor(((Math.min(t, end) - start) * o.rate) / 1000);
        while (sent < due) {
          const s = now();
          system.tell(to, { t: 'lat', sent: s });
          if (s >= measureFrom) sentMeasured++;
          sent++;
        }
        if (t >= end) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await new Promise((r) => setTimeout(r, 500));
    const { samples } = await rx.ask({ t: 'lat-report' }, 'lat');
    const xs = Float64Array.from(samples!).sort();
    const q = (p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? Number.NaN;
    return { rate: o.rate, durationS: o.durationS, warmupS: o.warmupS, sent: sentMeasured, samples: xs.length, p50Ms: q(0.5), p99Ms: q(0.99), p999Ms: q(0.999), maxMs: xs[xs.length - 1] ?? Number.NaN };
  } finally {
    await system.terminate();
    await rx.stop();
  }
}

// ---- report ---------------------------------------------------------------------------------

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function fmt(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)}M` : `${(rate / 1e3).toFixed(1)}K`;
}

function table(m: MachineInfo, ex: ExchangeReport | undefined, sc: ScalingReport | undefined, lat: LatencyReport | undefined): string {
  const lines = [
    `## Weir cluster benchmark — ${m.cores} cores (os.availableParallelism()), ${m.cpuModel}, Node ${m.node}, load ${m.loadAverage1m.toFixed(2)}`,
    '',
    '| what | figure | reference | ratio |',
    '|---|---|---|---|',
  ];
  if (ex !== undefined) {
    const w = ex.weir.medianRecordsPerSec;
    lines.push(
      `| keyed exchange over NATS, actor → actor, ${BATCH}-record batches (~${ex.bytesPerRecord.toFixed(0)} B/record), median of ${ex.runs} × ${ex.records.toLocaleString('en-US')} records | ${fmt(w)} records/s | raw nats.js, same frame bytes, count only: ${fmt(ex.raw.medianRecordsPerSec)} records/s | ${(100 * ex.ratio).toFixed(0)}% (target ≥ 50%; per-run ratios ${ex.runRatios.map((r) => (100 * r).toFixed(0)).join(', ')}%) |`,
      `| (same) | | raw nats.js + frame decode: ${fmt(ex.rawDecode.medianRecordsPerSec)} records/s | ${(100 * ex.ratioToDecoding).toFixed(0)}% |`,
      `| (same) | | raw nats.js + Weir's codec (encode each batch, decode), no protocol: ${fmt(ex.rawCodec.medianRecordsPerSec)} records/s | ${(100 * ex.ratioToCodec).toFixed(0)}% |`,
    );
    const cpu = (x: ExchangeSide): string => (x.medianSenderCpuUsPerRecord === undefined ? 'n/a' : `${x.medianSenderCpuUsPerRecord.toFixed(3)} / ${x.medianReceiverCpuUsPerRecord?.toFixed(3) ?? 'n/a'}`);
    lines.push(
      `| CPU per record, sending / receiving thread (µs; load ${ex.loadBefore.toFixed(2)} → ${ex.loadAfter.toFixed(2)}) | Weir ${cpu(ex.weir)} | raw ${cpu(ex.raw)}; raw + decode ${cpu(ex.rawDecode)}; raw + codec ${cpu(ex.rawCodec)} | |`,
    );
  }
  if (sc !== undefined) {
    lines.push(
      `| keyed CPU job (${sc.iterations} mix rounds/record), 1 slot, p=1, median of ${sc.one.length} × ${sc.one[0]?.records.toLocaleString('en-US')} | ${fmt(sc.medianOne)} events/s | | |`,
      `| same job, 1 task manager × 2 slots (worker threads; keyBy over MessagePorts), p=2 | ${fmt(sc.medianTwo)} events/s | 1 slot | speed-up ×${sc.speedUp.toFixed(2)} |`,
      `| same job, 2 task managers × 1 slot (keyBy over NATS), p=2 | ${fmt(sc.medianTwoTaskManagers)} events/s | 1 slot | speed-up ×${sc.speedUpTwoTaskManagers.toFixed(2)} |`,
    );
  }
  if (lat !== undefined) {
    lines.push(
      `| one-way latency bench-a → bench-b (worker thread) over NATS, ${lat.rate.toLocaleString('en-US')} records/s, ${lat.durationS} s after ${lat.warmupS} s warm-up (${lat.samples.toLocaleString('en-US')}/${lat.sent.toLocaleString('en-US')} records) | p50 ${lat.p50Ms.toFixed(3)} ms, p99 ${lat.p99Ms.toFixed(3)} ms, p99.9 ${lat.p999Ms.toFixed(3)} ms, max ${lat.maxMs.toFixed(3)} ms | PERF-NOTES raw NATS at 1k/s: p50 ~0.062, p99 ~0.16 ms | |`,
    );
  }
  return lines.join('\n');
}

/** `<base>.json` in `dir`, or `<base>-2.json`, `-3`, … when taken: earlier results are never overwritten. */
async function freshFile(dir: string, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const file = path.join(dir, n === 1 ? `${base}.json` : `${base}-${n}.json`);
    try {
      await access(file);
    } catch {
      return file;
    }
  }
}

function localDate(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export async function runClusterCommand(argv: readonly string[]): Promise<number> {
  let o: Options | undefined;
  try {
    o = parse(argv);
  } catch (err) {
    log(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (o === undefined) {
    console.log(USAGE);
    return 0;
  }
  const url = new URL(o.servers.replace(/^nats:/, 'http:'));
  if (!(await tcpAnswers(url.hostname, Number(url.port || 4222)))) {
    log(`no NATS server answers on ${o.servers}`);
    return 1;
  }
  const machine = machineInfo();
  log(`${machine.cores} cores (${machine.cpuModel}), load average ${machine.loadAverage1m.toFixed(2)}`);
  const prefix = `bench-${Math.random().toString(36).slice(2, 10)}`;
  const ex = o.only.has('exchange') ? await runExchange(o, `${prefix}-x`) : undefined;
  const sc = o.only.has('scaling') ? await runScaling(o) : undefined;
  const lat = o.only.has('latency') ? await runLatency(o, `${prefix}-l`) : undefined;
  console.log(table(machine, ex, sc, lat));
  if (o.save) {
    const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    const file = await freshFile(dir, `cluster-${localDate()}-${machine.hostname.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    await writeFile(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), machine, servers: o.servers, exchange: ex, scaling: sc, latency: lat }, null, 2)}\n`);
    console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  }
  return 0;
}
