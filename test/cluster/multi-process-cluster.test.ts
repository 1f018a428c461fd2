/**
 * The acceptance test: a 3-server NATS cluster (own ports), a job manager and 3 task
 * managers as separate `weir` processes on loopback; the keyed, windowed taxi job with the
 * exactly-once FileSink is submitted with `weir run --cluster --detached`; mid-run one task manager
 * is SIGKILLed and one NATS server is killed. The committed output equals the plain-loop sums
 * (the failure-free result), with no loss and no duplicate, and the job failed over.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataFile, readLines, tempDir } from '../examples/example-helpers.js';
import { committedRows, tipsPerHourAndZone } from '../examples/tips-per-hour-and-zone.js';
import { killLeftovers, startWeir, type WeirProcess } from '../fault/weir-process.js';
import { startNatsCluster, stopAllNatsServers } from '../helpers/nats-server.js';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import { waitFor } from '../helpers/wait-for.js';
import type { JobSummary, TaskManagerInfo } from '../../actors/job-manager-actor.js';

const tmp = tempDir('weir-cluster-mp-');
test.after.always(async () => {
  killLeftovers();
  await stopAllNatsServers();
  tmp.remove();
});

const TRIPS = 20_000;
const JOB_TS = 'examples/taxi/fault-tolerant-hourly-tips.ts';
/** The job manager may be reconnecting (a NATS server is killed): a failed request means "not yet". */
const POLL = { timeoutMs: 90_000, everyMs: 100, ignoreErrors: true };

test.serial('JM + 3 TMs on a 3-server NATS cluster: SIGKILL a task manager and a NATS server mid-run, output exactly once', async (t) => {
  const lines = readLines(dataFile('nyc_green_taxi_trips_2023-01_2023-03.csv.gz')).slice(0, TRIPS + 1);
  const input = join(tmp.dir, 'trips.csv');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const expected = tipsPerHourAndZone(lines.join('\n'));
  const output = join(tmp.dir, 'out');
  const servers = await startNatsCluster(3);
  const urls = servers.map((s) => s.url).join(',');
  const prefix = `weirt${process.pid}`;
  const c = { nats: { servers: [urls] }, subjectPrefix: prefix };
  const env = { WEIR_HOME: join(tmp.dir, 'home') };
  const procs: WeirProcess[] = [];
  procs.push(startWeir(['jobmanager', '--nats', urls, '--subject-prefix', prefix, '--heartbeat-interval', '250', '--heartbeat-timeout', '2500'], env));
  for (let i = 0; i < 3; i++) procs.push(startWeir(['taskmanager', '--nats', urls, '--subject-prefix', prefix, '--slots', '1', '--id', `tm${i}`], env));
  await waitFor('3 task managers', async () => {
    const r = await clusterRequest<{ taskManagers: TaskManagerInfo[] }>(c, { op: 'taskmanagers' });
    return r.taskManagers.length === 3 ? r : undefined;
  }, POLL);
  const submit = await startWeir(
    ['run', JOB_TS, '--cluster', urls, '--subject-prefix', prefix, '-p', '3', '--detached', '--json', '--checkpoint-interval', '100', '--', '--input', input, '--output', output, '--throttle', '4000', '--restart-delay', '200'],
    env,
  ).exited;
  t.is(submit.code, 0, submit.stderr);
  const { jobId } = JSON.parse(submit.stdout) as { jobId: string };
  const status = async (): Promise<JobSummary> => (await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job;
  await waitFor('two checkpoints', async () => ((await status()).checkpointsCompleted >= 2 ? true : undefined), POLL);
  // The task managers are procs[1..3]; kill tm1 and the first NATS server.
  await procs[2]!.kill();
  await servers[0]!.kill();
  const done = await waitFor('the job to end', async () => {
    const s = await status();
    return s.endedAt !== undefined ? s : undefined;
  }, { ...POLL, timeoutMs: 180_000 });
  t.is(done.status, 'finished', done.error);
  t.true(done.restarts >= 1, `the job failed over (${done.restarts} restarts)`);
  const committed = committedRows(output);
  t.deepEqual(committed.badHeaders, []);
  const balance = new Map<string, number>();
  for (const r of expected) balance.set(r.join(','), (balance.get(r.join(',')) ?? 0) + 1);
  for (const r of committed.rows) balance.set(r.join(','), (balance.get(r.join(',')) ?? 0) - 1);
  const wrong = [...balance].filter(([, n]) => n !== 0);
  t.deepEqual({ rows: committed.rows.length, wrong: wrong.slice(0, 5) }, { rows: expected.length, wrong: [] }, 'committed rows = the plain-loop sums, each once');
  for (const p of procs) if (!p.hasExited()) await p.kill();
});
