/**
 * Entry of a task slot's worker thread: the TypeScript loader (job modules may be .ts), an actor
 * system at the slot's address on its own NATS connection (plus MessagePorts to the sibling slots
 * of its task manager), or only on worker-thread ports for an embedded job with `--slots`, and the
 * {@link TaskExecutorActor} that deploys subtasks.
 * Posts `{ ready: true }` once it listens, `{ error }` when it could not start; stops on `'stop'`.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { NatsCliOptions } from '../transport/nats-connection-options.js';

/** What the parent passes as `workerData`. */
export interface SlotWorkerData {
  address: string;
  /** NATS mode: connection and prefix. */
  nats?: NatsCliOptions;
  subjectPrefix?: string;
  /**
   * One port per peer address: worker-thread mode (the only transport), or, with `nats`, the
   * sibling slots of the same task manager (the rest goes over NATS).
   */
  ports?: Record<string, MessagePort>;
  /** Worker-thread mode: the connection options of `jetstream://` checkpoint storage the parent chose. */
  checkpointNats?: NatsCliOptions;
}

async function main(): Promise<void> {
  await import('../cli/register-ts-loader.js');
  await import('reflect-metadata');
  const data = workerData as SlotWorkerData;
  const { ActorSystem } = await import('../actor/actor-system.js');
  const { TaskExecutorActor } = await import('../../actors/task-executor-actor.js');
  const { TASK_EXECUTOR_ID } = await import('./deployment-messages.js');
  const system = new ActorSystem({ address: data.address });
  let close: () => Promise<void>;
  if (data.nats !== undefined) {
    const { connect } = await import('nats');
    const { natsConnectionOptions } = await import('../transport/nats-connection-options.js');
    const { NatsTransport } = await import('../transport/nats-transport.js');
    const nc = await connect(natsConnectionOptions({ ...data.nats, name: data.nats.name ?? `weir-${data.address}` }));
    (await import('../checkpoint/checkpoint-storage-connection.js')).useNatsForCheckpointStorage(nc); // jetstream:// checkpoint parts go through the slot's connection
    system.attachTransport(new NatsTransport(data.address, nc, { subjectPrefix: data.subjectPrefix ?? 'weir' }), '*');
    // Sibling slots of the same task manager: MessagePorts (the per-address transport wins over NATS).
    if (data.ports !== undefined) {
      const { WorkerThreadTransport } = await import('../transport/worker-thread-transport.js');
      const local = new WorkerThreadTransport(data.address, new Map(Object.entries(data.ports)));
      for (const peer of Object.keys(data.ports)) system.attachTransport(local, peer);
    }
    close = async () => {
      await system.terminate();
      await nc.close();
    };
  } else {
    const { WorkerThreadTransport } = await import('../transport/worker-thread-transport.js');
    // The registry is per thread: use the parent's choice (`weir run --nats`) for jetstream:// parts,
    // and hold that connection while the slot lives (else every checkpoint would reconnect).
    let releaseStorage = (): void => {};
    if (data.checkpointNats !== undefined) {
      const storage = await import('../checkpoint/checkpoint-storage-connection.js');
      storage.useNatsForCheckpointStorage(data.checkpointNats);
      releaseStorage = storage.holdCheckpointStorage();
    }
    system.attachTransport(new WorkerThreadTransport(data.address, new Map(Object.entries(data.ports ?? {}))), '*');
    close = async () => {
      await system.terminate();
      releaseStorage();
    };
  }
  system.spawn({ create: () => new TaskExecutorActor() }, TASK_EXECUTOR_ID);
  parentPort!.on('message', (m: unknown) => {
    if (m === 'stop') void close().then(() => process.exit(0));
  });
  parentPort!.postMessage({ ready: true });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  process.exit(1);
});
