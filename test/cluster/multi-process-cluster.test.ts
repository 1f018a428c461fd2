/**
 * The acceptance test: a 3-server NATS cluster (own ports), a job manager and 3 task
 * managers as separate `weir` processes on loopback; the keyed, windowed taxi job with the
 * exactly-once FileSink is submitted with `weir run --cluster --detached`; mid-run one task manager
 * is SIGKILLed and one NATS server is killed. The committed output equals the plain-loop sums
 * (the failure-free result), with no loss and no duplicate, and the job failed over.
 * netns-cluster.test.ts is the variant with the hosts in network namespaces.
 */
import test from 'ava';
import { join } from 'node:path';
import { tempDir } from '../examples/example-helpers.js';
import { killLeftovers, startWeir, type WeirProcess } from '../fault/weir-process.js';
import { startNatsCluster, stopAllNatsServers } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { CLUSTER_POLL, exactlyOnceDiff, taskManagers, taxiRunArgs, waitForCheckpoints, waitForJobEnd, writeTripsSlice } from '../helpers/taxi-cluster-job.js';

const tmp = tempDir('weir-cluster-mp-');
test.after.always(async () => {
  killLeftovers();
  await stopAllNatsServers();
  tmp.remove();
});

const TRIPS = 20_000;

test.serial('JM + 3 TMs on a 3-server NATS cluster: SIGKILL a task manager and a NATS server mid-run, output exactly once', async (t) => {
  const { input, expected } = writeTripsSlice(tmp.dir, TRIPS);
  const output = join(tmp.dir, 'out');
  const servers = await startNatsCluster(3);
  const urls = servers.map((s) => s.url).join(',');
  const prefix = `weirt${process.pid}`;
  const c = { nats: { servers: [urls] }, subjectPrefix: prefix };
  const env = { WEIR_HOME: join(tmp.dir, 'home') };
  const procs: WeirProcess[] = [];
  procs.push(startWeir(['jobmanager', '--nats', urls, '--subject-prefix', prefix, '--heartbeat-interval', '250', '--heartbeat-timeout', '2500'], env));
  for (let i = 0; i < 3; i++) procs.push(startWeir(['taskmanager', '--nats', urls, '--subject-prefix', prefix, '--slots', '1', '--id', `tm${i}`], env));
  await waitFor('3 task managers', async () => ((await taskManagers(c)).length === 3 ? true : undefined), CLUSTER_POLL);
  const submit = await startWeir(taxiRunArgs({ cluster: urls, prefix, input, output }), env).exited;
  t.is(submit.code, 0, submit.stderr);
  const { jobId } = JSON.parse(submit.stdout) as { jobId: string };
  await waitForCheckpoints(c, jobId, 2);
  // The task managers are procs[1..3]; kill tm1 and the first NATS server.
  await procs[2]!.kill();
  await servers[0]!.kill();
  const done = await waitForJobEnd(c, jobId);
  t.is(done.status, 'finished', done.error);
  t.true(done.restarts >= 1, `the job failed over (${done.restarts} restarts)`);
  const diff = exactlyOnceDiff(expected, output);
  t.deepEqual(diff.badHeaders, []);
  t.deepEqual({ rows: diff.rows, wrong: diff.wrong }, { rows: expected.length, wrong: [] }, 'committed rows = the plain-loop sums, each once');
  for (const p of procs) if (!p.hasExited()) await p.kill();
});
