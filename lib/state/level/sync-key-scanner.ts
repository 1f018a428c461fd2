/**
 * Synchronous range scans of a LevelDB database, for the one synchronous call of the keyed-state
 * contract that has to list keys (`applyToAllKeys`, Flink's `KeyedStateBackend.applyToAllKeys`):
 * classic-level iterates only asynchronously, so a helper worker thread (started on first use,
 * `unref`'d, stopped by {@link close}) opens the same database (classic-level `multithreading`)
 * and streams the keys through a `SharedArrayBuffer` while this thread blocks in `Atomics.wait`.
 *
 * Sees what is written to LevelDB; the caller merges its write buffer.
 */
import { Worker } from 'node:worker_threads';
import { latin1Bytes, latin1String } from './key-codec.js';
import { LevelStateError } from './row-store.js';

/** Protocol states of `ctrl[0]` (see key-scan-worker.ts). */
export const IDLE = 0;
export const REQUEST = 1;
export const CHUNK = 2;
export const DONE = 3;
export const ERROR = 4;
export const ACK = 5;

/** Bytes of the shared chunk buffer. */
const CAPACITY = 1 << 20;
/** Longest wait for one chunk (ms): the worker opens the database on the first scan. */
const CHUNK_TIMEOUT_MS = 60_000;

/** Blocking range scans of one database through a helper worker thread (see the module comment). */
export class SyncKeyScanner {
  private readonly sab = new SharedArrayBuffer(16 + CAPACITY);
  private readonly ctrl = new Int32Array(this.sab, 0, 4);
  private readonly data = new Uint8Array(this.sab, 16);
  private readonly view = new DataView(this.sab, 16);
  private worker: Worker | undefined;
  private failure: unknown;

  /** @param location directory of a database opened with `multithreading: true`. */
  constructor(private readonly location: string) {}

  /** The worker, (re)started when it is not running. */
  private ensureWorker(): void {
    if (this.worker !== undefined) return;
    this.failure = undefined;
    Atomics.store(this.ctrl, 0, IDLE);
    const w = new Worker(new URL('./key-scan-worker.js', import.meta.url), { workerData: { location: this.location, sab: this.sab } });
    w.unref();
    w.on('error', (err) => {
      this.failure = err;
    });
    w.on('exit', () => {
      if (this.worker === w) this.worker = undefined;
    });
    this.worker = w;
  }

  /**
   * Row keys (latin1 strings) in `[from, to)`; with `indexOnly`, only map-state index rows.
   * Blocks the calling thread until the scan is done.
   * @throws LevelStateError (`WEIR_ERR_LEVEL_STATE`) when the worker fails or does not answer.
   */
  scan(from: string, to: string, indexOnly: boolean): string[] {
    this.ensureWorker();
    const f = latin1Bytes(from);
    const t = latin1Bytes(to);
    let p = 0;
    this.view.setUint32(p, f.byteLength);
    this.data.set(f, p + 4);
    p += 4 + f.byteLength;
    this.view.setUint32(p, t.byteLength);
    this.data.set(t, p + 4);
    p += 4 + t.byteLength;
    this.data[p] = indexOnly ? 1 : 0;
    Atomics.store(this.ctrl, 0, REQUEST);
    Atomics.notify(this.ctrl, 0);
    const out: string[] = [];
    for (;;) {
      const s = Atomics.load(this.ctrl, 0);
      if (s === REQUEST || s === ACK) {
        if (Atomics.wait(this.ctrl, 0, s, CHUNK_TIMEOUT_MS) === 'timed-out') {
          // Events cannot be seen while blocked: assume the worker is gone, start a new one next time.
          void this.worker?.terminate();
          this.worker = undefined;
          throw new LevelStateError(`key scan worker did not answer within ${CHUNK_TIMEOUT_MS} ms${this.failure !== undefined ? `: ${String(this.failure)}` : ''}`);
        }
        continue;
      }
      const len = Atomics.load(this.ctrl, 1);
      if (s === ERROR) {
        const msg = Buffer.from(this.data.buffer, this.data.byteOffset, len).toString('utf8');
        Atomics.store(this.ctrl, 0, IDLE);
        throw new LevelStateError(`key scan failed: ${msg}`);
      }
      for (let i = 0; i < len; ) {
        const n = this.view.getUint32(i);
        out.push(latin1String(this.data.subarray(i + 4, i + 4 + n)));
        i += 4 + n;
      }
      if (s === DONE) {
        Atomics.store(this.ctrl, 0, IDLE);
        return out;
      }
      Atomics.store(this.ctrl, 0, ACK);
      Atomics.notify(this.ctrl, 0);
    }
  }

  /** Stops the worker (closing its database handle). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
