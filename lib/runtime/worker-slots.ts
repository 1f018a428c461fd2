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
import { ConfigurationError } from '../errors.js';
import { WorkerThreadTransport } from '../transport/worker-thread-transport.js';
import { SlotThreads } from '../cluster/slot-threads.js';
import { checkpointStorageNatsOptions } from '../checkpoint/checkpoint-storage-connection.js';

/** Running worker-thread slots (see the module docstring). */
export class WorkerSlots {
  /**
   * Starts `count` slot threads and the main thread's transport to them.
   * @param count slots (worker threads), ≥ 1.
   * @param onSlotDied told, once per slot, when a slot's thread exits while the job runs.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a count that is not a positive integer.
   * @throws Error naming the slot when a worker thread fails to start (the others are stopped).
   */
  static async start(count: number, onSlotDied: (address: string, reason: string) => void): Promise<WorkerSlots> {
    if (!Number.isInteger(count) || count < 1) throw new ConfigurationError(`slots must be a positive integer, got ${count}`);
    // Unique per run: several embedded jobs may run in one process, each with its own slots.
    const host = `embedded-${randomBytes(3).toString('hex')}`;
    const addresses = Array.from({ length: count }, (_, k) => `${host}-s${k}`);
    const mesh = WorkerThreadTransport.mesh([host, ...addresses]);
    const transport = WorkerThreadTransport.connect(host, mesh.get(host)!);
    // The registry of jetstream:// storage connections is per thread: slots use the parent's choice.
    const checkpointNats = checkpointStorageNatsOptions();
    let threads: SlotThreads;
    try {
      threads = await SlotThreads.start(
        addresses.map((address) => {
          const ports = mesh.get(address)!;
          return { data: { address, ports: Object.fromEntries(ports), checkpointNats }, transferList: [...ports.values()] };
        }),
        onSlotDied,
      );
    } catch (err) {
      await transport.close();
      throw err;
    }
    return new WorkerSlots(host, addresses, transport, threads);
  }

  private constructor(
    /** Address of the main thread's actor system. */
    readonly hostAddress: string,
    /** Addresses of the slots, `<host>-s<k>`. */
    readonly addresses: readonly string[],
    /** The main thread's transport to the slots (attach it to the job's actor system). */
    readonly transport: WorkerThreadTransport,
    private readonly threads: SlotThreads,
  ) {}

  /** Slots whose thread is still running, in placement order. */
  alive(): string[] {
    return this.addresses.filter((a) => this.threads.isAlive(a));
  }

  /** Stops every slot thread (terminated after 5 s if it does not stop) and closes the transport. */
  async close(): Promise<void> {
    await this.threads.close();
    await this.transport.close();
  }
}
