/**
 * Job manager high availability with real processes: two `weir jobmanager --high-availability`
 * on one subject prefix (a JetStream nats-server of their own), short leases (1.5 s, renewed every
 * 300 ms).
 * - The leader is SIGKILLed while the fault-tolerant taxi job runs on 2 task managers: the standby
 *   takes the lease over, recovers the job from the job store (same id, restored from its newest
 *   checkpoint under --checkpoint-dir), redeploys it once the task managers re-registered, and the
 *   committed output equals the plain-loop sums exactly once; `status` from the new leader shows it
 *   finished and recovered once, and the job store forgets it.
 * - A standby does not answer API requests while the leader lives; a leader whose lease another
 *   holder took, and a leader cut off from NATS for longer than its lease, step down and exit with
 *   code 75 (ExitCode.LEADERSHIP_LOST).
 */
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { connect, type KV, type NatsConnection } from 'nats';
import { tempDir } from '../examples/example-helpers.js';
import { killLeftovers, startWeir, type WeirExit, type WeirProcess } from '../fault/weir-process.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { CLUSTER_POLL, exactlyOnceDiff, jobSummary, taskManagers, taxiRunArgs, waitForCheckpoints, waitForJobEnd, writeTripsSlice } from '../helpers/taxi-cluster-job.js';
import { haBucketName } from '../../lib/cluster/high-availability.js';
import { parseLease, type LeaseRecord } from '../../lib/cluster/leader-election.js';
import { ExitCode } from '../../lib/cli/exit-codes.js';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import type { Topology } from '../../lib/cluster/cluster-api.js';
import { RECOVERY_ATTEMPT_STRIDE } from '../../lib/cluster/job-store.js';

const tmp = tempDir('weir-standby-jm-');
const connections: NatsConnection[] = [];
test.after.always(async () => {
  killLeftovers();
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  await stopAllNatsServers();
  tmp.remove();
});

const HA = ['--high-availability', '--ha-lease-duration', '1500', '--ha-renew-interval', '300'];
const TRIPS = 20_000;

/** The job managers' HA bucket, read from the test (it creates it if the job managers did not yet). */
async function haBucket(url: string, prefix: string): Promise<KV> {
  const nc = await connect({ servers: url });
  connections.push(nc);
  return nc.jetstream().views.kv(haBucketName(prefix), { history: 1 });
}

/** The current lease, or undefined (none yet, released, unreadable). */
async function lease(kv: KV): Promise<LeaseRecord | undefined> {
  const e = await kv.get('leader');
  const r = e === null || e.operation !== 'PUT' ? undefined : parseLease(e.value);
  return r === undefined || r.released === true ? undefined : r;
}

/** Waits until one of `procs` holds the lease; returns it and the other ones. */
async function leaderAmong(kv: KV, procs: WeirProcess[], notPid?: number): Promise<{ leader: WeirProcess; others: WeirProcess[]; term: number }> {
  return waitFor('a leading job manager', async () => {
    const l = await lease(kv);
    const leader = procs.find((p) => p.pid === l?.pid && p.pid !== notPid);
    return leader === undefined || l === undefined ? undefined : { leader, others: procs.filter((p) => p !== leader), term: l.term };
  }, CLUSTER_POLL);
}

/** How `p` exited; fails (rather than hangs) when it is still running after `ms`. */
async function exitOf(p: WeirProcess, what: string, ms = 20_000): Promise<WeirExit> {
  await waitFor(what, async () => (p.hasExited() ? true : undefined), { timeoutMs: ms, everyMs: 50 });
  return p.exited;
}

function jobManager(url: string, prefix: string, env: Record<string, string>): WeirProcess {
  return startWeir(['jobmanager', '--nats', url, '--subject-prefix', prefix, '--heartbeat-interval', '250', '--heartbeat-timeout', '2500', ...HA], env);
}

/** On failure, the job managers' logs help: kill them and print their stderr. */
async function logOnFailure(t: ExecutionContext, procs: WeirProcess[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } finally {
    if (!t.passed) for (const p of procs) t.log(`--- pid ${p.pid}:\n${(await p.kill()).stderr.slice(-6000)}`);
    for (const p of procs) if (!p.hasExited()) await p.kill();
  }
}

test.serial('the standby takes over a SIGKILLed leader and recovers the running (rescaled) job from its newest checkpoint at its rescaled parallelism: output exactly once', async (t) => {
  const { input, expected } = writeTripsSlice(tmp.dir, TRIPS);
  const output = join(tmp.dir, 'out');
  const checkpointDir = join(tmp.dir, 'chk');
  const server = await NatsServer.start({ jetstream: true });
  const prefix = `weirha${process.pid}`;
  const c = { nats: { servers: [server.url] }, subjectPrefix: prefix };
  const env = { WEIR_HOME: join(tmp.dir, 'home') };
  const jms = [jobManager(server.url, prefix, env), jobManager(server.url, prefix, env)];
  const tms = [0, 1].map((i) => startWeir(['taskmanager', '--nats', server.url, '--subject-prefix', prefix, '--slots', '2', '--id', `tm${i}`], env));
  await logOnFailure(t, [...jms, ...tms], async () => {
    const kv = await haBucket(server.url, prefix);
    const first = await leaderAmong(kv, jms);
    await waitFor('2 task managers', async () => ((await taskManagers(c)).length === 2 ? true : undefined), CLUSTER_POLL);
    const submit = await startWeir(taxiRunArgs({ cluster: server.url, prefix, input, output, checkpointDir }), env).exited;
    t.is(submit.code, 0, submit.stderr);
    const { jobId } = JSON.parse(submit.stdout) as { jobId: string };
    t.not(await kv.get(`jobs.${jobId}`), null, 'the submitted job is in the job store');
    await waitForCheckpoints(c, jobId, 2);
    // A live rescale 3 -> 2 before the failover: the job store keeps it.
    const rescaled = await clusterRequest<{ parallelism: Record<string, number>; warning?: string }>(c, { op: 'rescale', jobId, parallelism: 2 }, 60_000);
    t.is(rescaled.warning, undefined);
    const rescaledTo = Math.max(...Object.values(rescaled.parallelism));
    t.is(rescaledTo, 2);
    await first.leader.kill();

    const second = await leaderAmong(kv, jms, first.leader.pid);
    t.is(second.leader.pid, first.others[0]?.pid);
    t.true(second.term > first.term, `term ${first.term} -> ${second.term}`);
    // Redeployed on the re-registered task managers, with attempt numbers above the old leader's.
    await waitFor('the recovered job to run', async () => {
      const s = await jobSummary(c, jobId);
      return s.recoveries === 1 && (s.status === 'running' || s.endedAt !== undefined) ? true : undefined;
    }, CLUSTER_POLL);
    const topology = await clusterRequest<{ topology: Topology }>(c, { op: 'topology', jobId });
    t.true(topology.topology.job.subtasks.length > 0, 'the recovered job has subtasks');
    t.is(Math.max(...topology.topology.job.vertices.map((v) => v.parallelism)), 2, 'recovered at the rescaled parallelism');
    t.true(topology.topology.job.subtasks.every((st) => st.attempt >= RECOVERY_ATTEMPT_STRIDE && /^tm[01]-s[01]$/.test(st.address)), JSON.stringify(topology.topology.job.subtasks));
    const done = await waitForJobEnd(c, jobId);
    t.is(done.status, 'finished', done.error);
    t.is(done.recoveries, 1, 'recovered once by the new leader');
    const diff = exactlyOnceDiff(expected, output);
    t.deepEqual(diff.badHeaders, []);
    t.deepEqual({ rows: diff.rows, wrong: diff.wrong }, { rows: expected.length, wrong: [] }, 'committed rows = the plain-loop sums, each once');
    const listed = await startWeir(['list', '--cluster', server.url, '--subject-prefix', prefix], env).exited;
    t.is(listed.code, 0, listed.stderr);
    t.is(listed.stdout.trim().split('\n').length, 1, listed.stdout);
    t.regex(listed.stdout, new RegExp(`^${jobId}  fault-tolerant-hourly-tips  FINISHED .*  recovered 1x$`, 'm'));
    await waitFor('the job store to forget the finished job', async () => ((await kv.get(`jobs.${jobId}`))?.operation === 'PUT' ? undefined : true), CLUSTER_POLL);
    const newLeaderLog = (await second.leader.kill()).stderr;
    t.regex(newLeaderLog, new RegExp(`recovered job ${jobId} \\(.*recovery 1\\) from checkpoint \\d+`), 'restored from a checkpoint, not from the beginning');
  });
});

test.serial('a standby does not answer API requests; a leader whose lease was taken, or that is cut off from NATS longer than its lease, exits with code 75', async (t) => {
  const server = await NatsServer.start({ jetstream: true });
  const prefix = `weirhb${process.pid}`;
  const env = { WEIR_HOME: join(tmp.dir, 'home2') };
  const jms = [jobManager(server.url, prefix, env), jobManager(server.url, prefix, env)];
  await logOnFailure(t, jms, async () => {
    const kv = await haBucket(server.url, prefix);
    const first = await leaderAmong(kv, jms);
    const standby = first.others[0]!;

    // Only the leader subscribes to the API and to frames for `jm` (the server's own view).
    const subscribers = async (subject: string): Promise<number> => {
      const connz = await server.monitor<{ connections?: { subscriptions_list?: string[] }[] }>('/connz?subs=1');
      return (connz.connections ?? []).filter((cn) => (cn.subscriptions_list ?? []).includes(subject)).length;
    };
    await waitFor('the leader to answer', async () => clusterRequest(c(server, prefix), { op: 'taskmanagers' }), CLUSTER_POLL);
    t.is(await subscribers(`${prefix}.api`), 1, 'one API subscriber');
    t.is(await subscribers(`${prefix}.frame.jm`), 1, 'one receiver of frames for jm');

    // Another holder takes the lease: the leader's next renewal is refused and it steps down.
    const now = Date.now();
    await kv.put('leader', new TextEncoder().encode(JSON.stringify({ holder: 'test-thief', host: 'test', pid: 0, term: first.term + 1, leaseDurationMs: 1500, acquiredAt: now, renewedAt: now } satisfies LeaseRecord)));
    const stolen = await exitOf(first.leader, 'the robbed leader to exit');
    t.is(stolen.code, ExitCode.LEADERSHIP_LOST, stolen.stderr);
    t.regex(stolen.stderr, /lost leadership.*test-thief/);

    // The thief never renews: the standby takes over once the lease ran out, and answers.
    const second = await leaderAmong(kv, [standby]);
    t.true(second.term > first.term + 1);
    await waitFor('the new leader to answer', async () => clusterRequest(c(server, prefix), { op: 'taskmanagers' }), CLUSTER_POLL);

    // NATS goes away for longer than the lease: the leader cannot renew and steps down.
    await server.kill();
    const cutOff = await exitOf(standby, 'the cut-off leader to exit');
    t.is(cutOff.code, ExitCode.LEADERSHIP_LOST, cutOff.stderr);
    t.regex(cutOff.stderr, /could not renew the lease/);
    await server.restart();
  });
});

function c(server: NatsServer, prefix: string): { nats: { servers: string[] }; subjectPrefix: string } {
  return { nats: { servers: [server.url] }, subjectPrefix: prefix };
}
