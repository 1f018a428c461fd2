/**
 * The receiving end of the worker-thread exchange micro-benchmark (micro-transport.ts): decodes
 * each cbor-x envelope (a `RecordBatch` body) with the encoder options of Weir's `EnvelopeCodec`,
 * adopting the sender's shared record structures whenever a frame carries them, counts the records
 * and sums a field of each (so decoding cannot be skipped), and acknowledges every frame with its
 * record count (the sender's credit).
 */
import { parentPort } from 'node:worker_threads';
import { envelopeEncoder, type ExchangeAck, type ExchangeFrame } from './exchange-codec.js';

const port = parentPort;
if (port === null) throw new Error('exchange-worker.js must run in a worker thread');
const decoder = envelopeEncoder();

port.on('message', (frame: ExchangeFrame) => {
  if (frame.structures !== undefined) decoder.structures = frame.structures;
  port.postMessage(checkBatch(decoder.decode(frame.bytes)));
});

/** Counts a decoded envelope's records and sums their prices (or types). */
function checkBatch(env: unknown): ExchangeAck {
  const body = (env as { body: { v: { type: number; bid?: { price: number } }[] } }).body;
  let sum = 0;
  for (const e of body.v) sum = (sum + (e.bid?.price ?? e.type)) >>> 0;
  return { records: body.v.length, sum };
}
