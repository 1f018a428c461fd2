/**
 * The worker threads of task slots (lib/cluster/slot-worker.ts), started and stopped together:
 * what a task manager (`weir taskmanager --slots N`) and an embedded job with worker-thread slots
 * (lib/runtime/worker-slots.ts) both run. A slot thread that exits after it started, while the
 * slots are not being stopped, is reported once through `onSlotDied`.
 */
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { SlotWorkerData } from './slot-worker.js';

/** How long a slot gets to stop cleanly before its thread is terminated, ms. */
const STOP_GRACE_MS = 5_000;

/** Running slot threads (see the module docstring). */
export class SlotThreads {
  private readonly workers = new Map<string, Worker>();
  private readonly dead = new Set<string>();
  private stopping = false;

  private constructor(private readonly onSlotDied: (address: string, reason: string) => void) {}

  /**
   * Starts one slot thread per entry of `slots` and resolves once every one listens.
   * @param slots per slot: its `workerData` (its address inside) and the MessagePorts to transfer.
   * @param onSlotDied told, once per slot, when a started slot's thread exits while not stopping.
   * @throws Error naming the slot when a thread fails to start (the others are stopped first).
   */
  static async start(slots: readonly { data: SlotWorkerData; transferList: readonly TransferListItem[] }[], onSlotDied: (address: string, reason: string) => void): Promise<SlotThreads> {
    // Every slot registers the TypeScript loader hooks (job modules may be .ts). Node 20 crashes
    // (SIGSEGV) when a worker registers hooks after earlier hook-registering workers exited,
    // unless the main thread registered first: so it does, once.
    await import('../cli/register-ts-loader.js');
    const threads = new SlotThreads(onSlotDied);
    try {
      await Promise.all(slots.map((s) => threads.startOne(s.data, s.transferList)));
    } catch (err) {
      await threads.close();
      throw err;
    }
    return threads;
  }

  /** True while the slot's thread runs. */
  isAlive(address: string): boolean {
    return this.workers.has(address) && !this.dead.has(address);
  }

  /** Stops every slot thread (terminated after 5 s if it does not stop). */
  async close(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.workers.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => void w.terminate().then(() => resolve()), STOP_GRACE_MS);
            w.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            w.postMessage('stop');
          }),
      ),
    );
    this.workers.clear();
  }

  private startOne(data: SlotWorkerData, transferList: readonly TransferListItem[]): Promise<void> {
    const address = data.address;
    return new Promise<void>((resolve, reject) => {
      const w = new Worker(new URL('./slot-worker.js', import.meta.url), { workerData: data, transferList: [...transferList] });
      this.workers.set(address, w);
      let ready = false;
      w.once('message', (m: { ready?: boolean; error?: string }) => {
        if (m.ready === true) {
          ready = true;
          resolve();
        } else reject(new Error(`task slot ${address} did not start: ${m.error}`));
      });
      w.once('error', (err) => {
        if (!ready) reject(new Error(`task slot ${address} did not start: ${err.message}`, { cause: err }));
      });
      w.once('exit', (code) => {
        this.workers.delete(address);
        if (!ready) return reject(new Error(`task slot ${address} exited with code ${code} while starting`));
        if (this.stopping || this.dead.has(address)) return;
        this.dead.add(address);
        this.onSlotDied(address, `its worker thread exited with code ${code}`);
      });
    });
  }
}
