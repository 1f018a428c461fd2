/**
 * Starts a job manager in this process (`weir jobmanager`): an actor system at address `jm` on a
 * NATS transport, the {@link JobManagerActor}, and the request-reply API on `<prefix>.api`
 * (JSON, see cluster-api.ts).
 *
 * Without high availability there is one job manager per subject prefix, and its jobs die with it.
 * With `highAvailability` (Flink's `high-availability.type`), several job managers on one prefix
 * elect a leader through a JetStream KV bucket (leader-election.ts). Only the leader runs the
 * actor system at `jm`, its transport subscription and the API subscription: a standby neither
 * receives frames nor answers requests. The leader keeps every submitted job in the bucket's job
 * store (job-store.ts) until it ends; a job manager that becomes leader recovers those jobs
 * (job-recovery.ts). A leader that loses its lease steps down: it stops its actor system without
 * telling the task managers anything (the next leader takes their subtasks over) and
 * {@link JobManagerHandle.ended} resolves, upon which `weir jobmanager` exits with
 * `ExitCode.LEADERSHIP_LOST` (75), as Flink's JobManager process terminates when it loses leadership.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { ActorSystem } from '../actor/actor-system.js';
import { useNatsForCheckpointStorage } from '../checkpoint/checkpoint-storage-connection.js';
import { NatsTransport } from '../transport/nats-transport.js';
import { natsConnectionOptions } from '../transport/nats-connection-options.js';
import { WeirError } from '../errors.js';
import { JobManagerActor } from '../../actors/job-manager-actor.js';
import { JOB_MANAGER_ADDRESS, JOB_MANAGER_ID, jobManagerRef } from './cluster-messages.js';
import { handleClusterRequest, type ClusterApiHooks, type ClusterRequest } from './cluster-api.js';
import { apiSubject, type ClusterConnectOptions } from './cluster-options.js';
import { HighAvailabilityError, openHaBucket, resolveHighAvailability, type HighAvailabilityOptions } from './high-availability.js';
import { JobStore } from './job-store.js';
import { recoverJobs } from './job-recovery.js';
import { LeaderElection, type GrantedLease } from './leader-election.js';

/** Options of {@link startJobManager}. */
export interface JobManagerProcessOptions extends ClusterConnectOptions {
  /** Task manager heartbeat interval, ms (Flink's heartbeat.interval; default 10 000). */
  heartbeatIntervalMs?: number;
  /**
   * A task manager silent this long is lost, ms (Flink's heartbeat.timeout; default 50 000). A new
   * leader also waits this long at most for the slots of a recovered job before deploying it on
   * fewer (every live task manager has re-registered by then).
   */
  heartbeatTimeoutMs?: number;
  /** Log lines (default: stderr with a timestamp). */
  log?: (line: string) => void;
  /** Run as one of several job managers of the prefix, one leading (see the module docstring); default: alone. */
  highAvailability?: HighAvailabilityOptions | undefined;
}

/** Where a job manager is: `leader` (also always without HA), `standby`, or `stopped` (closed, or stepped down). */
export type JobManagerRole = 'leader' | 'standby' | 'stopped';

/** A running job manager. */
export interface JobManagerHandle {
  /**
   * The leader's actor system.
   * @throws WeirError `WEIR_ERR_NOT_LEADER` while this job manager is a standby or after it stepped down.
   */
  readonly system: ActorSystem;
  readonly nc: NatsConnection;
  /** Where it is now. */
  readonly role: JobManagerRole;
  /**
   * Resolves when the job manager stopped by itself: it lost its leadership, or could not take it up
   * (`WEIR_ERR_LEADERSHIP_LOST`); the process should {@link close} and exit. Never resolves without HA.
   */
  readonly ended: Promise<HighAvailabilityError>;
  /**
   * Stops it. Without HA the jobs are cancelled (their subtasks on the task managers too). With HA
   * they are suspended, as Flink's JobManager suspends its jobs on shutdown: they stay in the job
   * store, the task managers are told nothing, and the lease is released so a standby takes over
   * at once and recovers them.
   */
  close(): Promise<void>;
}

/** The leader's part: actor system, transport, API. */
interface LeaderServices {
  readonly system: ActorSystem;
  /** Subscribes the API (a new leader does once it recovered its jobs, so `weir list` never misses one). */
  openApi(): void;
  /** `cancel` stops the jobs everywhere; `suspend` closes the transport first so nothing reaches the task managers. */
  stop(mode: 'cancel' | 'suspend'): Promise<void>;
}

/** How long stepping down may take before the process gives up on a clean stop, ms (NATS may be unreachable). */
const STEP_DOWN_MS = 5_000;

/**
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for bad NATS or high-availability options, or a
 *   NATS server without JetStream under HA; nats.js errors when no server answers.
 * @example
 * const jm = await startJobManager({ nats: { servers: ['nats://127.0.0.1:4222'] }, highAvailability: {} });
 * const lost = await jm.ended; // only with HA
 */
export async function startJobManager(options: JobManagerProcessOptions): Promise<JobManagerHandle> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} jobmanager: ${line}\n`));
  const prefix = options.subjectPrefix ?? 'weir';
  const ha = options.highAvailability === undefined ? undefined : resolveHighAvailability(options.highAvailability, prefix);
  const nc = await connect(natsConnectionOptions({ ...options.nats, name: options.nats.name ?? 'weir-jobmanager' }));
  // jetstream:// checkpoint storage (metadata, restores, discards) goes through this connection.
  const forgetStorageConnection = useNatsForCheckpointStorage(nc);
  const notLeader = (): never => {
    throw new WeirError('WEIR_ERR_NOT_LEADER', 'this job manager is not the leader (standby, or stepped down)');
  };

  if (ha === undefined) {
    const leader = startLeaderServices(nc, prefix, options, log, undefined);
    leader.openApi();
    let closed = false;
    return {
      system: leader.system,
      nc,
      get role(): JobManagerRole {
        return closed ? 'stopped' : 'leader';
      },
      ended: new Promise<HighAvailabilityError>(() => {}),
      async close() {
        closed = true;
        await leader.stop('cancel');
        forgetStorageConnection();
        await nc.close();
      },
    };
  }

  // A KV request that takes longer than a renew interval is as good as failed (the lease deadline runs on its own timer).
  const kvTimeoutMs = Math.max(1_000, ha.renewIntervalMs);
  let election: LeaderElection;
  try {
    const kv = await openHaBucket(nc, ha, kvTimeoutMs);
    const store = new JobStore(kv);
    let leader: LeaderServices | undefined;
    let stopped = false;
    let resolveEnded!: (e: HighAvailabilityError) => void;
    const ended = new Promise<HighAvailabilityError>((r) => (resolveEnded = r));
    /** Stops leading (and, when this job manager still holds the lease, releases it afterwards), then ends. */
    const stepDown = async (error: HighAvailabilityError, release: boolean): Promise<void> => {
      if (stopped) return;
      stopped = true;
      const l = leader;
      leader = undefined;
      if (l !== undefined) {
        log('stepping down: stopping the actor system (the jobs stay in the job store; their subtasks keep running until the next leader takes them over)');
        if (!(await within(l.stop('suspend'), STEP_DOWN_MS))) log(`the actor system did not stop within ${STEP_DOWN_MS} ms; exiting anyway`);
      }
      if (release) await election.close(true);
      resolveEnded(error);
    };
    const becomeLeader = async (lease: GrantedLease): Promise<void> => {
      try {
        leader = startLeaderServices(nc, prefix, options, log, { store, term: lease.term });
        if (lease.previous !== undefined) log(`took over from job manager ${lease.previous.holder || '(released)'} (${lease.previous.host}, pid ${lease.previous.pid}, term ${lease.previous.term})`);
        await recoverJobs({ store, system: leader.system, jobManager: jobManagerRef, leaderTerm: lease.term, slotWaitMs: options.heartbeatTimeoutMs ?? 50_000, leading: () => !stopped, log });
        if (!stopped) leader.openApi();
      } catch (err) {
        if (stopped) return;
        const reason = err instanceof Error ? err.message : String(err);
        log(`cannot lead: ${reason}; releasing the lease for another job manager`);
        await stepDown(new HighAvailabilityError('WEIR_ERR_LEADERSHIP_LOST', `gave the leadership up: ${reason}`, { cause: err }), true);
      }
    };
    election = new LeaderElection({
      kv,
      contender: { id: `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`, host: hostname(), pid: process.pid },
      leaseDurationMs: ha.leaseDurationMs,
      renewIntervalMs: ha.renewIntervalMs,
      log,
      onGranted: (lease) => void becomeLeader(lease),
      onRevoked: (error) => void stepDown(error, false),
    });
    log(`high availability: contending for the leadership of '${prefix}' (bucket ${ha.bucket}, lease ${ha.leaseDurationMs} ms, renewed every ${ha.renewIntervalMs} ms); on standby until elected`);
    election.start();
    return {
      get system(): ActorSystem {
        return leader?.system ?? notLeader();
      },
      nc,
      get role(): JobManagerRole {
        return stopped ? 'stopped' : leader !== undefined ? 'leader' : 'standby';
      },
      ended,
      async close() {
        const l = leader;
        leader = undefined;
        stopped = true;
        // Stop leading before releasing the lease: a standby must not start while this one runs.
        if (l !== undefined && !(await within(l.stop('suspend'), STEP_DOWN_MS))) log(`the actor system did not stop within ${STEP_DOWN_MS} ms`);
        await election.close(true);
        forgetStorageConnection();
        await nc.close();
      },
    };
  } catch (err) {
    forgetStorageConnection();
    await nc.close();
    throw err;
  }
}

/** Starts the actor system at `jm`, its transport, the JobManagerActor and the API subscription. */
function startLeaderServices(nc: NatsConnection, prefix: string, options: JobManagerProcessOptions, log: (line: string) => void, ha: { store: JobStore; term: number } | undefined): LeaderServices {
  let suspended = false;
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
          // A job that ended is forgotten by the job store; one stopped by a step-down is not over.
          onJobEnded: ha === undefined ? undefined : (jobId, status) => void (suspended ? undefined : forgetJob(ha.store, jobId, status, log)),
        }),
    },
    JOB_MANAGER_ID,
  );
  const hooks: ClusterApiHooks =
    ha === undefined
      ? {}
      : {
          jobAccepted: (job) => ha.store.add({ ...job, recoveries: 0, leaderTerm: ha.term }),
          jobNotStarted: (jobId) => ha.store.remove(jobId),
          jobRescaled: (jobId, parallelism, operatorUid) =>
            ha.store.recordRescale(jobId, parallelism, operatorUid).catch((err: unknown) => {
              log(`job ${jobId}: ${(err as Error).message}; a failover would bring it back at its previous parallelism`);
              throw err;
            }),
        };
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
    void handleClusterRequest(system, jobManagerRef, req, hooks).then((reply) => {
      if (msg.reply !== undefined && !suspended) msg.respond(enc.encode(JSON.stringify(reply)));
    });
  };
  let sub: Subscription | undefined;
  return {
    system,
    openApi() {
      if (sub !== undefined || suspended) return;
      sub = nc.subscribe(apiSubject(prefix), { callback: (err, msg) => (err === null ? onRequest(msg) : log(`API subscription error: ${err.message}`)) });
      log(`listening on ${apiSubject(prefix)} (NATS ${nc.getServer()})`);
    },
    async stop(mode) {
      sub?.unsubscribe();
      if (mode === 'suspend') {
        suspended = true;
        // Closed first, the transport drops what stopping actors send (region actors cancel their
        // remote subtasks when they stop): the task managers keep running until the next leader.
        await transport.close();
      }
      await system.terminate();
    },
  };
}

/** Deletes an ended job from the store, retrying a few times (a job left there would be re-run by the next leader). */
async function forgetJob(store: JobStore, jobId: string, status: string, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.remove(jobId);
      log(`job ${jobId} is ${status}: removed from the job store`);
      return;
    } catch (err) {
      if (attempt >= 5) {
        log(`${(err as Error).message}; giving up: the next leader will recover the job again`);
        return;
      }
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
}

/** True when `p` settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
