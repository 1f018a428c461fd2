/**
 * Starts a task manager in this process (`weir taskmanager`): one worker thread per task slot,
 * each an actor system at `<taskManagerId>-s<k>` with its own NATS connection and a
 * TaskExecutorActor (slots of this task manager reach each other over MessagePorts, the rest of
 * the cluster over NATS); and, on the main thread, the {@link TaskManagerActor} that registers the
 * slots with the job manager and heartbeats. A slot whose worker dies is reported lost.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { connect, type NatsConnection } from 'nats';
import { ActorSystem } from '../actor/actor-system.js';
import { ConfigurationError } from '../errors.js';
import { NatsTransport } from '../transport/nats-transport.js';
import { WorkerThreadTransport } from '../transport/worker-thread-transport.js';
import { natsConnectionOptions } from '../transport/nats-connection-options.js';
import { TaskManagerActor, type SlotDied } from '../../actors/task-manager-actor.js';
import type { ClusterConnectOptions } from './cluster-options.js';
import type { SlotWorkerData } from './slot-worker.js';

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
  const workers: Worker[] = [];
  const stopping = { now: false };
  let system: ActorSystem | undefined;
  let nc: NatsConnection | undefined;
  try {
    // Each slot registers the TypeScript loader hooks; Node 20 crashes when a worker registers
    // hooks after hook-registering workers exited unless the main thread registered first.
    await import('../cli/register-ts-loader.js');
    // Slots of this task manager exchange records over MessagePorts, not through the NATS server
    // (Flink's local input channels between tasks of one TaskManager); other hosts over NATS.
    const mesh = slots > 1 ? WorkerThreadTransport.mesh(addresses) : undefined;
    await Promise.all(
      addresses.map(
        (address) =>
          new Promise<void>((resolve, reject) => {
            const ports = mesh?.get(address);
            const data: SlotWorkerData = { address, nats: options.nats, subjectPrefix: prefix, ...(ports !== undefined && { ports: Object.fromEntries(ports) }) };
            const w = new Worker(new URL('./slot-worker.js', import.meta.url), { workerData: data, transferList: ports === undefined ? [] : [...ports.values()] });
            workers.push(w);
            w.once('message', (m: { ready?: boolean; error?: string }) => (m.ready === true ? resolve() : reject(new Error(`task slot ${address} did not start: ${m.error}`))));
            w.once('error', reject);
            w.once('exit', (code) => {
              if (stopping.now) return;
              const reason = `its worker thread exited with code ${code}`;
              log(`task slot ${address}: ${reason}`);
              if (system !== undefined) system.tellSystem({ address: id, id: 'taskmanager' }, { t: 'slot-died', address, reason } satisfies SlotDied);
              reject(new Error(`task slot ${address} exited with code ${code} while starting`));
            });
          }),
      ),
    );
    nc = await connect(natsConnectionOptions({ ...options.nats, name: options.nats.name ?? `weir-${id}` }));
    system = new ActorSystem({ address: id });
    system.attachTransport(new NatsTransport(id, nc, { subjectPrefix: prefix }), '*');
    system.spawn({ create: () => new TaskManagerActor({ taskManagerId: id, host: hostname(), pid: process.pid, slots: addresses, log }) }, 'taskmanager');
  } catch (err) {
    stopping.now = true;
    await Promise.all(workers.map((w) => w.terminate()));
    await nc?.close();
    throw err;
  }
  log(`${slots} task slot(s) up: ${addresses.join(', ')}`);
  const sys = system;
  const conn = nc;
  return {
    taskManagerId: id,
    slots: addresses,
    async close() {
      stopping.now = true;
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              const t = setTimeout(() => void w.terminate().then(() => resolve()), 5_000);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              w.postMessage('stop');
            }),
        ),
      );
      await sys.terminate();
      await conn.close();
    },
  };
}
