/**
 * The cluster sub-commands of `weir` (Flink's `jobmanager.sh`, `taskmanager.sh` and the `flink`
 * client against a cluster): `jobmanager`, `taskmanager` (long-running processes), and
 * `topology`, `checkpoints`, `rescale`, `taskmanagers`, which ask the job manager over NATS
 * request-reply. Every command takes `--json`. Exit codes: 0 success, 1 the request failed (job
 * manager unreachable, job not running, rescale refused), 2 usage or configuration error; 75
 * (`ExitCode.LEADERSHIP_LOST`) a `jobmanager --high-availability` that stepped down.
 */
import { Option, type Command } from 'commander';
import type { CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { formatError } from './run-report.js';
import { addNatsOptions, clusterOptionsOf, type NatsFlags } from './cluster-options-cli.js';
import { positiveInteger } from './options.js';
import type { ClusterConnectOptions } from '../cluster/cluster-options.js';
import type { ClusterRequest, CheckpointsView, Topology } from '../cluster/cluster-api.js';
import type { TaskManagerInfo } from '../../actors/job-manager-actor.js';
import { ConfigurationError } from '../errors.js';
import { formatTopology, formatCheckpoints } from './topology-format.js';

/** Registers `jobmanager`, `taskmanager`, `topology`, `checkpoints`, `rescale`, `taskmanagers`. */
export function registerClusterCommands(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  addNatsOptions(program.command('jobmanager').description('run the cluster job manager (until SIGINT/SIGTERM; with --high-availability, one of several: the leader works, the others stand by)'), 'nats', true)
    .addOption(new Option('--heartbeat-interval <ms>', 'task manager heartbeat interval (Flink heartbeat.interval)').argParser(positiveInteger).default(10_000))
    .addOption(new Option('--heartbeat-timeout <ms>', 'declare a silent task manager lost after this long (Flink heartbeat.timeout); a new leader waits this long at most for the slots of the jobs it recovers').argParser(positiveInteger).default(50_000))
    .option('--high-availability', 'elect a leader among the job managers of this subject prefix through the JetStream KV bucket <prefix>_ha and keep the jobs there; a standby takes over (and recovers the jobs from their latest checkpoints) when the leader stops renewing its lease. Needs JetStream. A leader that loses its lease exits with code 75 (Flink high-availability.type)')
    .addOption(new Option('--ha-lease-duration <ms>', 'a standby takes over when the lease was not renewed for this long (Flink …leader-election.lease-duration)').argParser(positiveInteger).default(15_000))
    .addOption(new Option('--ha-renew-interval <ms>', 'the leader renews its lease, and standbys look at it, this often; at most a third of the lease duration (Flink …leader-election.retry-period)').argParser(positiveInteger).default(5_000))
    .addOption(new Option('--ha-replicas <n>', 'JetStream replicas of the HA bucket when it is created (1, 3 or 5; use 3 on a 3-server NATS cluster)').argParser(positiveInteger).default(1))
    .option('--json', 'log lines as JSON objects {time, component, message} on stderr, for log collectors')
    .action(async (o: NatsFlags & { heartbeatInterval: number; heartbeatTimeout: number; highAvailability?: boolean; haLeaseDuration: number; haRenewInterval: number; haReplicas: number; json?: boolean }) => {
      setExitCode(
        await serve(io, 'jobmanager', async (c) => {
          const { startJobManager } = await import('../cluster/job-manager-process.js');
          return startJobManager({
            ...c,
            ...(o.json === true && { log: jsonLog(io, 'jobmanager') }),
            heartbeatIntervalMs: o.heartbeatInterval,
            heartbeatTimeoutMs: o.heartbeatTimeout,
            ...(o.highAvailability === true && { highAvailability: { leaseDurationMs: o.haLeaseDuration, renewIntervalMs: o.haRenewInterval, replicas: o.haReplicas } }),
          });
        }, o),
      );
    });
  addNatsOptions(program.command('taskmanager').description('run a task manager whose slots are worker threads (until SIGINT/SIGTERM)'), 'nats', true)
    .addOption(new Option('--slots <n>', 'task slots (worker threads)').argParser(positiveInteger).default(1))
    .option('--id <id>', 'task manager id (default tm-<host>-<pid>-<random>)')
    .option('--json', 'log lines as JSON objects {time, component, message} on stderr, for log collectors')
    .action(async (o: NatsFlags & { slots: number; id?: string; json?: boolean }) => {
      setExitCode(
        await serve(io, 'taskmanager', async (c) => {
          const { startTaskManager } = await import('../cluster/task-manager-process.js');
          return startTaskManager({ ...c, slots: o.slots, ...(o.id !== undefined && { taskManagerId: o.id }), ...(o.json === true && { log: jsonLog(io, `taskmanager ${o.id ?? ''}`.trim()) }) });
        }, o),
      );
    });
  addNatsOptions(program.command('topology').description('show where a job runs: task managers, slots, subtasks, key groups, live figures').argument('<job>', 'job id (or a unique prefix, or the job name)'), 'cluster', true)
    .option('--json', 'print the topology as JSON')
    .addOption(new Option('--watch [ms]', 'refresh every <ms> (default 2000) until interrupted').argParser(positiveInteger))
    .action(async (job: string, o: NatsFlags & { json?: boolean; watch?: number | true }) => {
      const every = o.watch === undefined ? undefined : o.watch === true ? 2000 : o.watch;
      setExitCode(
        await ask(io, o, { op: 'topology', jobId: job }, async (r: { topology: Topology }) => (o.json === true ? `${JSON.stringify(r.topology)}\n` : formatTopology(r.topology)), every),
      );
    });
  addNatsOptions(program.command('checkpoints').description("a job's checkpoint counts and recent history").argument('<job>', 'job id, prefix or name'), 'cluster', true)
    .option('--json', 'print as JSON')
    .action(async (job: string, o: NatsFlags & { json?: boolean }) => {
      setExitCode(await ask(io, o, { op: 'checkpoints', jobId: job }, async (r: { checkpoints: CheckpointsView }) => (o.json === true ? `${JSON.stringify(r.checkpoints)}\n` : formatCheckpoints(r.checkpoints))));
    });
  addNatsOptions(program.command('rescale').description('change the parallelism of a running job without restarting it').argument('<job>', 'job id, prefix or name'), 'cluster', true)
    .addOption(new Option('-p, --parallelism <n>', 'new parallelism').argParser(positiveInteger).makeOptionMandatory())
    .option('--operator <uid>', 'rescale only this operator (by uid)')
    .option('--json', 'print the result as JSON')
    .action(async (job: string, o: NatsFlags & { parallelism: number; operator?: string; json?: boolean }) => {
      const req: ClusterRequest = { op: 'rescale', jobId: job, parallelism: o.parallelism, ...(o.operator !== undefined && { operatorUid: o.operator }) };
      setExitCode(
        await ask(io, o, req, async (r: { parallelism: Record<string, number>; checkpointId: number; pauseMs: number; warning?: string }) => {
          if (r.warning !== undefined) io.stderr.write(`weir: warning: ${r.warning}\n`);
          return o.json === true
            ? `${JSON.stringify({ parallelism: r.parallelism, checkpointId: r.checkpointId, pauseMs: r.pauseMs, ...(r.warning !== undefined && { warning: r.warning }) })}\n`
            : `rescaled ${job} at checkpoint ${r.checkpointId}, sources paused ${r.pauseMs.toFixed(0)} ms\n${Object.entries(r.parallelism).map(([uid, p]) => `  ${uid}: ${p}`).join('\n')}\n`;
        }),
      );
    });
  addNatsOptions(program.command('taskmanagers').description('the task managers registered with the job manager'), 'cluster', true)
    .option('--json', 'print as JSON')
    .action(async (o: NatsFlags & { json?: boolean }) => {
      setExitCode(
        await ask(io, o, { op: 'taskmanagers' }, async (r: { taskManagers: TaskManagerInfo[] }) =>
          o.json === true ? `${JSON.stringify(r.taskManagers)}\n` : r.taskManagers.map((t) => `${t.taskManagerId}  ${t.host}  pid ${t.pid}  slots ${t.slots.join(',')}`).join('\n') + '\n',
        ),
      );
    });
}

/** One API request for an existing command (`list`, `cancel`, `savepoint` with `--cluster`). */
export function clusterJobCommand<R>(io: CliIO, c: ClusterConnectOptions, req: ClusterRequest, format: (reply: R) => string): Promise<ExitCode> {
  return ask(io, { cluster: 'given' }, req, async (r: R) => format(r), undefined, c);
}

/** Runs one API request and prints its formatted reply (again every `watchMs` with `--watch`). */
async function ask<R>(io: CliIO, flags: NatsFlags, req: ClusterRequest, format: (reply: R) => Promise<string>, watchMs?: number, given?: ClusterConnectOptions): Promise<ExitCode> {
  const c = given ?? connectOptions(io, flags);
  if (c === undefined) return ExitCode.USAGE;
  const { clusterRequest } = await import('../cluster/cluster-client.js');
  const timeout = req.op === 'rescale' || req.op === 'savepoint' ? 60 * 60_000 : 10_000;
  for (;;) {
    try {
      const text = await format((await clusterRequest(c, req, timeout)) as unknown as R);
      if (watchMs !== undefined) io.stdout.write('\x1b[2J\x1b[H');
      io.stdout.write(text);
    } catch (err) {
      io.stderr.write(formatError(`${req.op} failed`, err, io.env['WEIR_DEBUG'] === '1'));
      return err instanceof ConfigurationError ? ExitCode.USAGE : ExitCode.JOB_FAILED;
    }
    if (watchMs === undefined) return ExitCode.OK;
    await new Promise((r) => setTimeout(r, watchMs));
  }
}

function connectOptions(io: CliIO, flags: NatsFlags): ClusterConnectOptions | undefined {
  try {
    return clusterOptionsOf(flags);
  } catch (err) {
    io.stderr.write(formatError('bad NATS options', err, false));
    return undefined;
  }
}

/**
 * Starts a long-running cluster process and keeps it until SIGINT/SIGTERM (exit code 0), or until
 * its `ended` promise resolves (a job manager that stepped down: `ExitCode.LEADERSHIP_LOST`).
 */
/** A log sink writing one JSON object `{time, component, message}` per line on stderr. */
function jsonLog(io: CliIO, component: string): (line: string) => void {
  return (message) => io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component, message })}\n`);
}

async function serve(io: CliIO, what: string, start: (c: ClusterConnectOptions) => Promise<{ close(): Promise<void>; ended?: Promise<unknown> }>, flags: NatsFlags): Promise<ExitCode> {
  let handle: { close(): Promise<void>; ended?: Promise<unknown> };
  try {
    const c = clusterOptionsOf(flags);
    if (c === undefined) throw new ConfigurationError('--nats is required');
    handle = await start(c);
  } catch (err) {
    io.stderr.write(formatError(`cannot start the ${what}`, err, io.env['WEIR_DEBUG'] === '1'));
    return err instanceof ConfigurationError ? ExitCode.USAGE : ExitCode.JOB_FAILED;
  }
  let stop!: () => void;
  const signalled = new Promise<ExitCode>((resolve) => {
    stop = () => resolve(ExitCode.OK);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const ended = handle.ended?.then((reason) => {
    io.stderr.write(formatError(`the ${what} stepped down`, reason, false));
    return ExitCode.LEADERSHIP_LOST;
  });
  const code = await Promise.race([signalled, ...(ended !== undefined ? [ended] : [])]);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await handle.close();
  return code;
}
