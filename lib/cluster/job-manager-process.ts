/**
 * Starts a job manager in this process (`weir jobmanager`): an actor system at address `jm` on a
 * NATS transport, the {@link JobManagerActor}, and the request-reply API on `<prefix>.api`
 * (JSON, see cluster-api.ts). One job manager per subject prefix.
 */
import { connect, type Msg, type NatsConnection } from 'nats';
import { ActorSystem } from '../actor/actor-system.js';
import { NatsTransport } from '../transport/nats-transport.js';
import { natsConnectionOptions } from '../transport/nats-connection-options.js';
import { JobManagerActor } from '../../actors/job-manager-actor.js';
import { JOB_MANAGER_ADDRESS, JOB_MANAGER_ID, jobManagerRef } from './cluster-messages.js';
import { handleClusterRequest, type ClusterRequest } from './cluster-api.js';
import { apiSubject, type ClusterConnectOptions } from './cluster-options.js';

/** Options of {@link startJobManager}. */
export interface JobManagerProcessOptions extends ClusterConnectOptions {
  /** Task manager heartbeat interval, ms (Flink's heartbeat.interval; default 10 000). */
  heartbeatIntervalMs?: number;
  /** A task manager silent this long is lost, ms (Flink's heartbeat.timeout; default 50 000). */
  heartbeatTimeoutMs?: number;
  /** Log lines (default: stderr with a timestamp). */
  log?: (line: string) => void;
}

/** A running job manager. */
export interface JobManagerHandle {
  readonly system: ActorSystem;
  readonly nc: NatsConnection;
  /** Stops the jobs, unsubscribes and closes the connection. */
  close(): Promise<void>;
}

/**
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for bad NATS options; nats.js errors when no server answers.
 */
export async function startJobManager(options: JobManagerProcessOptions): Promise<JobManagerHandle> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} jobmanager: ${line}\n`));
  const prefix = options.subjectPrefix ?? 'weir';
  const nc = await connect(natsConnectionOptions({ ...options.nats, name: options.nats.name ?? 'weir-jobmanager' }));
  const system = new ActorSystem({ address: JOB_MANAGER_ADDRESS });
  const transport = new NatsTransport(JOB_MANAGER_ADDRESS, nc, { subjectPrefix: prefix });
  system.attachTransport(transport, '*');
  system.spawn(
    {
      create: () =>
        new JobManagerActor({
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 10_000,
          heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 50_000,
          onSlotsLost: (addresses) => {
            for (const a of addresses) transport.forgetPeer?.(a);
          },
          log,
        }),
    },
    JOB_MANAGER_ID,
  );
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const onRequest = (msg: Msg): void => {
    let req: ClusterRequest;
    try {
      req = JSON.parse(dec.decode(msg.data)) as ClusterRequest;
      if (req === null || typeof req !== 'object' || typeof req.op !== 'string') throw new Error('not a request object');
    } catch (err) {
      log(`dropped an API request that is not JSON {op, …} (${msg.data.byteLength} bytes): ${(err as Error).message}`);
      if (msg.reply !== undefined) msg.respond(enc.encode(JSON.stringify({ ok: false, error: { code: 'WEIR_ERR_BAD_REQUEST', message: 'requests are JSON objects with an "op" field' } })));
      return;
    }
    void handleClusterRequest(system, jobManagerRef, req).then((reply) => {
      if (msg.reply !== undefined) msg.respond(enc.encode(JSON.stringify(reply)));
    });
  };
  const sub = nc.subscribe(apiSubject(prefix), { callback: (err, msg) => (err === null ? onRequest(msg) : log(`API subscription error: ${err.message}`)) });
  log(`listening on ${apiSubject(prefix)} (NATS ${nc.getServer()})`);
  return {
    system,
    nc,
    async close() {
      sub.unsubscribe();
      await system.terminate();
      await nc.close();
    },
  };
}
