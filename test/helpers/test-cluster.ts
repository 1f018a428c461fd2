/**
 * A small cluster in this process for cluster tests: a nats-server on a free port, a job manager
 * (heartbeats every 200 ms, lost after 5 s) and one task manager with `slots` worker-thread slots,
 * started with quiet logs; resolves once the task manager registered. `close()` stops the task
 * manager and the job manager (the server stops with `stopAllNatsServers`).
 */
import { startJobManager, type JobManagerHandle } from '../../lib/cluster/job-manager-process.js';
import { startTaskManager, type TaskManagerHandle } from '../../lib/cluster/task-manager-process.js';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import type { ClusterConnectOptions } from '../../lib/cluster/cluster-options.js';
import { NatsServer, type NatsServerOptions } from './nats-server.js';
import { waitFor } from './wait-for.js';

/** A running test cluster. */
export interface TestCluster {
  server: NatsServer;
  /** How clients reach it (`clusterRequest`, `--cluster`). */
  connect: ClusterConnectOptions;
  jm: JobManagerHandle;
  tm: TaskManagerHandle;
  close(): Promise<void>;
}

/** @param o.prefix subject prefix; o.slots task slots (default 2); o.taskManagerId; o.server nats-server options. */
export async function startTestCluster(o: { prefix: string; slots?: number; taskManagerId?: string; server?: NatsServerOptions }): Promise<TestCluster> {
  const server = await NatsServer.start(o.server ?? {});
  const connect = { nats: { servers: [server.url] }, subjectPrefix: o.prefix };
  const quiet = (): void => {};
  const jm = await startJobManager({ ...connect, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 5_000, log: quiet });
  const tm = await startTaskManager({ ...connect, slots: o.slots ?? 2, ...(o.taskManagerId !== undefined && { taskManagerId: o.taskManagerId }), log: quiet });
  await waitFor('the task manager to register', async () => ((await clusterRequest<{ taskManagers: unknown[] }>(connect, { op: 'taskmanagers' })).taskManagers.length === 1 ? true : undefined));
  return {
    server,
    connect,
    jm,
    tm,
    async close() {
      await tm.close();
      await jm.close();
    },
  };
}
