/**
 * Exchange micro-benchmarks beyond one thread. Weir has **no worker-thread or NATS transport yet**
 * (lib/transport has the interface and the in-process one): these measure what one would carry,
 * with the same batches and encoding, so the figures bound what such a transport can reach.
 *
 * - {@link workerExchange}: records/s of Nexmark events in 1,024-record batches, each a Weir
 *   `RecordBatch` envelope encoded with cbor-x as `EnvelopeCodec` does (exchange-codec.ts), copied
 *   into its own buffer and transferred over a raw `worker_threads` MessagePort; the worker decodes
 *   it, checksums it and acknowledges it; at most `window` frames are unacknowledged (credit-based
 *   flow control). Also the encode-only and decode-only rates on this thread, for reference.
 * - {@link natsExchange}: the same frames published with nats.js core publish and received by a
 *   subscription on a second connection of this process, through a nats-server on 127.0.0.1:4222,
 *   at most `window` frames in flight (core NATS has no flow control: it disconnects slow
 *   consumers). Skipped, with a note, when no server answers there. The server's CPU time is not in
 *   "cores used" (another process).
 */
import { once } from 'node:events';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { eventTime, generateEvent, resolveNexmarkConfig, type NexmarkEvent } from '../../connectors/nexmark/index.js';
import { measure } from '../measure.js';
import { batchEnvelope, batchSum, encodeFrame, envelopeEncoder, type ExchangeAck, type ExchangeFrame } from './exchange-codec.js';
import type { MicroFigure } from './micro-actors.js';

/** Records per batch, as Weir's default `batchSize`. */
export const EXCHANGE_BATCH = 1024;

/** Distinct batches cycled through (so the encoder sees varying content, as from a real stream). */
const POOL = 32;

interface Batch {
  records: NexmarkEvent[];
  timestamps: number[];
  sum: number;
}

/** `POOL` batches of consecutive Nexmark events (persons, auctions and bids in the stream's proportions). */
function eventBatches(): Batch[] {
  const config = resolveNexmarkConfig({});
  const out: Batch[] = [];
  for (let b = 0; b < POOL; b++) {
    const records: NexmarkEvent[] = [];
    for (let i = 0; i < EXCHANGE_BATCH; i++) records.push(generateEvent(config, b * EXCHANGE_BATCH + i));
    out.push({ records, timestamps: records.map(eventTime), sum: batchSum(records) });
  }
  return out;
}

/** Encoder and decoder rates on this thread, and the mean encoded size of a record. */
function codecRates(pool: Batch[], frames: number): { encodePerSec: number; decodePerSec: number; bytesPerRecord: number } {
  const enc = envelopeEncoder();
  const bytes: Uint8Array[] = [];
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const b = pool[i % POOL]!;
    const f = enc.encode(batchEnvelope(b.records, b.timestamps));
    if (i < POOL) bytes.push(new Uint8Array(f));
  }
  const encodeMs = performance.now() - t0;
  const dec = envelopeEncoder();
  dec.structures = enc.structures.map((s) => (Array.isArray(s) ? [...(s as unknown[])] : s));
  const t1 = performance.now();
  let n = 0;
  for (let i = 0; i < frames; i++) n += (dec.decode(bytes[i % POOL]!) as { body: { v: unknown[] } }).body.v.length;
  const decodeMs = performance.now() - t1;
  if (n !== frames * EXCHANGE_BATCH) throw new Error(`codec: decoded ${n} records, expected ${frames * EXCHANGE_BATCH}`);
  const total = bytes.reduce((a, x) => a + x.byteLength, 0);
  return {
    encodePerSec: (frames * EXCHANGE_BATCH * 1000) / encodeMs,
    decodePerSec: (frames * EXCHANGE_BATCH * 1000) / decodeMs,
    bytesPerRecord: total / (bytes.length * EXCHANGE_BATCH),
  };
}

/**
 * Sends `frames` frames through `send`, keeping at most `window` unacknowledged; `acks` is fed by
 * the receiver. Checks every acknowledgement's count and checksum.
 */
function pump(pool: Batch[], frames: number, window: number, send: (frame: ExchangeFrame) => void, onAck: (handler: (ack: ExchangeAck) => void) => void): Promise<number> {
  const encoder = envelopeEncoder();
  let known = 0;
  let sent = 0;
  let acked = 0;
  let records = 0;
  return new Promise<number>((resolve, reject) => {
    const sendOne = (): void => {
      const b = pool[sent % POOL]!;
      const r = encodeFrame(encoder, batchEnvelope(b.records, b.timestamps), known);
      known = r.known;
      sent++;
      send(r.frame);
    };
    onAck((ack) => {
      const b = pool[acked % POOL]!;
      acked++;
      if (ack.records !== b.records.length || ack.sum !== b.sum) {
        reject(new Error(`exchange: frame ${acked} came back with ${ack.records} records summing to ${ack.sum}, sent ${b.records.length} summing to ${b.sum}`));
        return;
      }
      records += ack.records;
      if (acked === frames) resolve(records);
      else if (sent < frames) sendOne();
    });
    while (sent < Math.min(window, frames)) sendOne();
  });
}

/**
 * Records/s over a raw `worker_threads` MessagePort: `records` records (rounded up to whole
 * batches), at most `window` frames unacknowledged, after a warm-up of 10% of them.
 */
export async function workerExchange(records: number, window = 16): Promise<MicroFigure> {
  const pool = eventBatches();
  const frames = Math.ceil(records / EXCHANGE_BATCH);
  const codec = codecRates(pool, Math.min(frames, 2000));
  const worker = new Worker(new URL('./exchange-worker.js', import.meta.url));
  try {
    await once(worker, 'online');
    let handler: (ack: ExchangeAck) => void = () => {};
    worker.on('message', (ack: ExchangeAck) => handler(ack));
    const send = (f: ExchangeFrame): void => worker.postMessage(f, [f.bytes.buffer as ArrayBuffer]);
    const onAck = (h: (ack: ExchangeAck) => void): void => {
      handler = h;
    };
    // A fresh encoder per pump: the worker adopts the structures the first frame carries.
    await pump(pool, Math.max(1, Math.ceil(frames / 10)), window, send, onAck);
    const m = await measure(() => pump(pool, frames, window, send, onAck));
    return {
      name: 'exchange-worker-thread',
      what: `records/s of Nexmark events in ${EXCHANGE_BATCH}-record RecordBatch envelopes, cbor-x encoded as EnvelopeCodec does (shared structures sent once), transferred over a raw worker_threads MessagePort, decoded and checksummed in the worker, ${window} frames of credit`,
      unit: 'records/s',
      value: (m.result * 1000) / m.wallMs,
      coresUsed: m.cpuMs / m.wallMs,
      details: {
        records: m.result,
        window,
        bytesPerRecord: Math.round(codec.bytesPerRecord * 10) / 10,
        encodeOnlyRecordsPerSec: Math.round(codec.encodePerSec),
        decodeOnlyRecordsPerSec: Math.round(codec.decodePerSec),
      },
      note: `Weir has no worker-thread transport yet: this is a raw MessagePort with Weir's encoding, the ceiling for one. Encode alone ${(codec.encodePerSec / 1e6).toFixed(2)} M records/s, decode alone ${(codec.decodePerSec / 1e6).toFixed(2)} M records/s on one thread, ${codec.bytesPerRecord.toFixed(0)} B per record`,
    };
  } finally {
    await worker.terminate();
  }
}

/** Whether something accepts TCP connections on `host:port` within `timeoutMs`. */
export function tcpAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Header that carries the shared structure table (JSON) on the frames where it changed. */
const STRUCTURES_HEADER = 'Weir-Structures';

/**
 * Records/s through nats-server on `server` (default 127.0.0.1:4222) with nats.js core
 * publish/subscribe, two connections of this process; skipped when nothing answers there.
 */
export async function natsExchange(records: number, window = 16, server = '127.0.0.1:4222'): Promise<MicroFigure> {
  const [host, portText] = server.split(':');
  const name = 'exchange-nats';
  const what = `records/s of the same ${EXCHANGE_BATCH}-record cbor-x envelopes published with nats.js (core NATS) to a subscription on a second connection of this process via nats-server ${server}, decoded and checksummed, ${window} frames in flight`;
  if (!(await tcpAnswers(host ?? '127.0.0.1', Number(portText ?? 4222)))) {
    return { name, what, unit: 'records/s', value: Number.NaN, note: `skipped: no NATS server answers on ${server} (start one with \`nats-server -a 127.0.0.1 -p 4222\`)` };
  }
  const { connect, headers } = await import('nats');
  const pub = await connect({ servers: server, noAsyncTraces: true, name: 'weir-bench-pub' });
  const sub = await connect({ servers: server, noAsyncTraces: true, name: 'weir-bench-sub' });
  try {
    const pool = eventBatches();
    const frames = Math.ceil(records / EXCHANGE_BATCH);
    const subject = `weir.bench.exchange.${process.pid}`;
    const decoder = envelopeEncoder();
    let handler: (ack: ExchangeAck) => void = () => {};
    let failure: Error | undefined;
    sub.subscribe(subject, {
      callback: (err, msg) => {
        if (err !== null) {
          failure = err;
          return;
        }
        const s = msg.headers?.get(STRUCTURES_HEADER);
        if (s !== undefined && s !== '') decoder.structures = JSON.parse(s) as unknown[];
        const body = (decoder.decode(msg.data) as { body: { v: NexmarkEvent[] } }).body;
        handler({ records: body.v.length, sum: batchSum(body.v) });
      },
    });
    await sub.flush();
    const send = (f: ExchangeFrame): void => {
      if (f.structures === undefined) {
        pub.publish(subject, f.bytes);
        return;
      }
      const h = headers();
      h.set(STRUCTURES_HEADER, JSON.stringify(f.structures));
      pub.publish(subject, f.bytes, { headers: h });
    };
    const onAck = (h: (ack: ExchangeAck) => void): void => {
      handler = h;
    };
    // The subscriber keeps the structures it adopted; a fresh sending encoder sends them again on its first frame.
    await pump(pool, Math.max(1, Math.ceil(frames / 10)), window, send, onAck);
    const m = await measure(() => pump(pool, frames, window, send, onAck));
    if (failure !== undefined) throw failure;
    return {
      name,
      what,
      unit: 'records/s',
      value: (m.result * 1000) / m.wallMs,
      coresUsed: m.cpuMs / m.wallMs,
      details: { records: m.result, window },
      note: 'Weir has no NATS transport yet: nats.js with Weir\'s encoding, the ceiling for one; cores used counts this process only (not nats-server)',
    };
  } finally {
    await pub.close();
    await sub.close();
  }
}
