/**
 * Worker thread of {@link SyncKeyScanner}: opens the backend's LevelDB database (shared with the
 * operator thread through classic-level's `multithreading` option) and streams the row keys of a
 * range into a shared buffer, one chunk at a time, while the operator thread waits on `Atomics`.
 *
 * Protocol on `ctrl[0]` (Int32): the caller writes a request and sets REQUEST; the worker answers
 * CHUNK (the caller reads and sets ACK) … then DONE (caller sets IDLE) or ERROR (message in the
 * data area). `ctrl[1]` is the payload length in bytes. Keys in a chunk: `[u32 BE length][bytes]`.
 */
import { workerData } from 'node:worker_threads';
import { Level } from 'level';
import { latin1String, skipKey } from './key-codec.js';
import { ACK, CHUNK, DONE, ERROR, REQUEST } from './sync-key-scanner.js';

const { location, sab } = workerData as { location: string; sab: SharedArrayBuffer };
const ctrl = new Int32Array(sab, 0, 4);
const data = new Uint8Array(sab, 16);
const view = new DataView(sab, 16);

const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', multithreading: true, createIfMissing: false } as ConstructorParameters<typeof Level<Uint8Array, Uint8Array>>[1]);
let openError: unknown;
try {
  await db.open();
} catch (err) {
  openError = err;
}

function send(state: number, length: number): void {
  Atomics.store(ctrl, 1, length);
  Atomics.store(ctrl, 0, state);
  Atomics.notify(ctrl, 0);
}

function fail(err: unknown): void {
  const n = Buffer.from(data.buffer, data.byteOffset, data.byteLength).write(String(err instanceof Error ? err.message : err).slice(0, 4000), 0, 'utf8');
  send(ERROR, n);
}

/** Hands a full chunk over and blocks this worker until the caller took it. */
function flushChunk(length: number): void {
  send(CHUNK, length);
  while (Atomics.load(ctrl, 0) === CHUNK) Atomics.wait(ctrl, 0, CHUNK);
  if (Atomics.load(ctrl, 0) !== ACK) throw new Error('scan protocol: expected ACK');
}

async function scan(): Promise<void> {
  let p = 0;
  const fromLen = view.getUint32(p);
  const from = data.slice(p + 4, p + 4 + fromLen);
  p += 4 + fromLen;
  const toLen = view.getUint32(p);
  const to = data.slice(p + 4, p + 4 + toLen);
  p += 4 + toLen;
  const indexOnly = data[p] === 1;
  const it = db.keys({ gte: from, lt: to });
  try {
    let len = 0;
    for (;;) {
      const keys = await it.nextv(1000);
      if (keys.length === 0) break;
      for (const k of keys) {
        if (indexOnly) {
          const s = latin1String(k);
          if (skipKey(s, 4) !== s.length) continue;
        }
        if (4 + k.byteLength > data.byteLength) throw new Error(`row key of ${k.byteLength} bytes exceeds the scan buffer`);
        if (len + 4 + k.byteLength > data.byteLength) {
          flushChunk(len);
          len = 0;
        }
        view.setUint32(len, k.byteLength);
        data.set(k, len + 4);
        len += 4 + k.byteLength;
      }
    }
    send(DONE, len);
  } finally {
    await it.close();
  }
}

// A pending Atomics.waitAsync does not keep a worker's event loop alive: without a handle the idle
// worker would exit between scans. The parent unrefs the worker, so this never keeps the process up.
setInterval(() => undefined, 1 << 30);

/** `Atomics.waitAsync` (Node 16+; not in the ES2023 lib typings). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

for (;;) {
  let s = Atomics.load(ctrl, 0);
  while (s !== REQUEST) {
    const w = waitAsync(ctrl, 0, s);
    if (w.async) await w.value;
    s = Atomics.load(ctrl, 0);
  }
  try {
    if (openError !== undefined) throw openError;
    await scan();
  } catch (err) {
    fail(err);
  }
}
