/**
 * Starts a task manager in this process (`weir taskmanager`): one worker thread per task slot,
 * each an actor system at `<taskManagerId>-s<k>` with its own NATS connection and a
 * TaskExecutorActor (slots of this task manager reach each other over MessagePorts, the rest of
 * the cluster over NATS); and, on the main thread, the {@link TaskManagerActor} that registers the
 * slots with the job manager and heartbeats. A slot whose worker dies is reported lost.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { connect, type NatsConnection } from 'nats';
import { ActorSystem } from '../actor/actor-system.js';
import { ConfigurationError } from '../errors.js';
import { NatsTransport } from '../transport/nats-transport.js';
import { WorkerThreadTransport } from '../transport/worker-thread-transport.js';
import { natsConnectionOptions } from '../transport/nats-connection-options.js';
import { TaskManagerActor, type SlotDied } from '../../actors/task-manager-actor.js';
import type { ClusterConnectOptions } from './cluster-options.js';
import type { SlotWorkerData } from './slot-worker.js';
import { SlotThreads } from './slot-threads.js';

/** Options of {@link startTaskManager}. */
export interface TaskManagerProcessOptions extends ClusterConnectOptions {
  /** Task slots = worker threads (Flink's taskmanager.numberOfTaskSlots; default 1). */
  slots?: number;
  /** Id (letters, digits, `-`, `_`); default `tm-<host>-<pid>-<random>`. */
  taskManagerId?: string;
  log?: (line: string) => void;
}

/** A running task manager. */
export interface TaskManagerHandle {
  readonly taskManagerId: string;
  readonly slots: string[];
  /** Stops the slots' workers and the main system. */
  close(): Promise<void>;
}

/** @throws ConfigurationError for bad options; nats.js errors when no server answers; an Error when a slot fails to start. */
export async function startTaskManager(options: TaskManagerProcessOptions): Promise<TaskManagerHandle> {
  const slots = options.slots ?? 1;
  if (!Number.isInteger(slots) || slots < 1) throw new ConfigurationError(`--slots must be a positive integer, got ${slots}`);
  const id = options.taskManagerId ?? `tm-${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} taskmanager ${id}: ${line}\n`));
  const prefix = options.subjectPrefix ?? 'weir';
  const addresses = Array.from({ length: slots }, (_, k) => `${id}-s${k}`);
  let system: ActorSystem | undefined;
  let nc: NatsConnection | undefined;
  let threads: SlotThreads | undefined;
  try {
    // Slots of this task manager exchange records over MessagePorts, not through the NATS server
    // (Flink's local input channels between tasks of one TaskManager); other hosts over NATS.
    const mesh = slots > 1 ? WorkerThreadTransport.mesh(addresses) : undefined;
    threads = await SlotThreads.start(
      addresses.map((address) => {
        const ports = mesh?.get(address);
        const data: SlotWorkerData = { address, nats: options.nats, subjectPrefix: prefix, ...(ports !== undefined && { ports: Object.fromEntries(ports) }) };
        return { data, transferList: ports === undefined ? [] : [...ports.values()] };
      }),
      (address, reason) => {
        log(`task slot ${address}: ${reason}`);
        system?.tellSystem({ address: id, id: 'taskmanager' }, { t: 'slot-died', address, reason } satisfies SlotDied);
      },
    );
    nc = await connect(natsConnectionOptions({ ...options.nats, name: options.nats.name ?? `weir-${id}` }));
    system = new ActorSystem({ address: id });
    system.attachTransport(new NatsTransport(id, nc, { subjectPrefix: prefix }), '*');
    system.spawn({ create: () => new TaskManagerActor({ taskManagerId: id, host: hostname(), pid: process.pid, slots: addresses, log }) }, 'taskmanager');
  } catch (err) {
    await threads?.close();
    await nc?.close();
    throw err;
  }
  log(`${slots} task slot(s) up: ${addresses.join(', ')}`);
  const sys = system;
  const conn = nc;
  const slotThreads = threads;
  return {
    taskManagerId: id,
    slots: addresses,
    async close() {
      await slotThreads.close();
      await sys.terminate();
      await conn.close();
    },
  };
}
