/**
 * Task slots as worker threads of this process, for an embedded job run with `slots` (`weir run
 * job.ts --slots 2`): Flink's MiniCluster with several TaskManager slots, where each slot is a
 * thread of its own and so a core of its own. Every slot is an actor system in a worker thread
 * (lib/cluster/slot-worker.ts) with a TaskExecutorActor, joined to the job's actor system on the
 * main thread by {@link WorkerThreadTransport} (a full mesh of MessagePorts: subtasks on two slots
 * exchange records directly, not through the main thread). The job actor, its regions and the
 * checkpoint coordinator stay on the main thread, as on a job manager.
 *
 * A slot thread that exits while the job runs is reported through `onSlotDied` (the job actor
 * fails over the subtasks it held, as for a lost task manager).
 */
import { randomBytes } from 'node:crypto';
import { Worker, type MessagePort } from 'node:worker_threads';
import { ConfigurationError } from '../errors.js';
import { WorkerThreadTransport } from '../transport/worker-thread-transport.js';
import type { SlotWorkerData } from '../cluster/slot-worker.js';
import { checkpointStorageNatsOptions } from '../checkpoint/checkpoint-storage-connection.js';

/** How long a slot gets to stop cleanly before its thread is terminated, ms. */
const STOP_GRACE_MS = 5_000;

/** Running worker-thread slots (see the module docstring). */
export class WorkerSlots {
  private readonly dead = new Set<string>();
  private stopping = false;

  /**
   * Starts `count` slot threads and the main thread's transport to them.
   * @param count slots (worker threads), ≥ 1.
   * @param onSlotDied told, once per slot, when a slot's thread exits while the job runs.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a count that is not a positive integer.
   * @throws Error naming the slot when a worker thread fails to start (the others are stopped).
   */
  static async start(count: number, onSlotDied: (address: string, reason: string) => void): Promise<WorkerSlots> {
    if (!Number.isInteger(count) || count < 1) throw new ConfigurationError(`slots must be a positive integer, got ${count}`);
    // Every slot registers the TypeScript loader hooks (job modules may be .ts). Node 20 crashes
    // (SIGSEGV) when a worker registers hooks after earlier hook-registering workers exited,
    // unless the main thread registered first: so it does, once.
    await import('../cli/register-ts-loader.js');
    // Unique per run: several embedded jobs may run in one process, each with its own slots.
    const host = `embedded-${randomBytes(3).toString('hex')}`;
    const addresses = Array.from({ length: count }, (_, k) => `${host}-s${k}`);
    const mesh = WorkerThreadTransport.mesh([host, ...addresses]);
    const slots = new WorkerSlots(host, addresses, WorkerThreadTransport.connect(host, mesh.get(host)!), onSlotDied);
    try {
      await Promise.all(addresses.map((address) => slots.startWorker(address, mesh.get(address)!)));
    } catch (err) {
      await slots.close();
      throw err;
    }
    return slots;
  }

  private readonly workers = new Map<string, Worker>();

  private constructor(
    /** Address of the main thread's actor system. */
    readonly hostAddress: string,
    /** Addresses of the slots, `<host>-s<k>`. */
    readonly addresses: readonly string[],
    /** The main thread's transport to the slots (attach it to the job's actor system). */
    readonly transport: WorkerThreadTransport,
    private readonly onSlotDied: (address: string, reason: string) => void,
  ) {}

  /** Slots whose thread is still running, in placement order. */
  alive(): string[] {
    return this.addresses.filter((a) => !this.dead.has(a));
  }

  /** Stops every slot thread (terminated after 5 s if it does not stop) and closes the transport. */
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
    await this.transport.close();
  }

  private startWorker(address: string, ports: Map<string, MessagePort>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const data: SlotWorkerData = { address, ports: Object.fromEntries(ports), checkpointNats: checkpointStorageNatsOptions() };
      const w = new Worker(new URL('../cluster/slot-worker.js', import.meta.url), { workerData: data, transferList: [...ports.values()] });
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
