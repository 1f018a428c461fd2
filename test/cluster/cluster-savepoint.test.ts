/**
 * Flink's savepoint workflow on a cluster (job manager + task manager with 2 slots on a real NATS
 * server, driven through the `weir` CLI): `weir stop --cluster` takes a savepoint and stops the
 * job; `weir run --cluster --from-savepoint` resumes it at another parallelism; the committed
 * output of both runs together holds every record's running sum exactly once.
 */
import 'reflect-metadata';
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import type { JobSummary } from '../../actors/job-manager-actor.js';
import { killLeftovers, startWeir } from '../fault/weir-process.js';
import { stopAllNatsServers } from '../helpers/nats-server.js';
import { startTestCluster } from '../helpers/test-cluster.js';
import { waitFor } from '../helpers/wait-for.js';
import { checkKeyedSums, committedRows } from '../helpers/keyed-sum-output.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const JOB_FILE = resolve(here, '../fixtures/cluster/keyed-sum-job.js');
const dirs: string[] = [];
test.after.always(async () => {
  killLeftovers();
  await stopAllNatsServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.serial('weir stop --cluster takes a savepoint and stops; weir run --cluster --from-savepoint resumes at parallelism 3, exactly once', async (t) => {
  const prefix = 'weirsp';
  const cluster = await startTestCluster({ prefix });
  const c = cluster.connect;
  const server = cluster.server;
  const work = mkdtempSync(join(tmpdir(), 'weir-cluster-sp-'));
  dirs.push(work);
  const out = join(work, 'out');
  const N = 20_000;
  // 40 numbers per poll, 10 ms pauses: the job runs for seconds; checkpoints every 100 ms.
  const jobArgs = ['--', out, String(N), '13', '40', '10', '100'];
  const env = { WEIR_HOME: join(work, 'home'), WEIR_CLUSTER: server.url, WEIR_SUBJECT_PREFIX: prefix };
  try {
    const first = await startWeir(['run', JOB_FILE, '-p', '2', '--detached', '--json', ...jobArgs], env).exited;
    t.is(first.code, 0, first.stderr);
    const { jobId } = JSON.parse(first.stdout) as { jobId: string };
    await waitFor('two checkpoints', async () => ((await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job.checkpointsCompleted >= 2 ? true : undefined));
    const stop = await startWeir(['stop', jobId, '--savepoint-path', join(work, 'savepoints'), '--json'], env).exited;
    t.is(stop.code, 0, stop.stderr);
    const { path } = JSON.parse(stop.stdout) as { path: string };
    t.true(path.startsWith(join(work, 'savepoints', `savepoint-${jobId}-`)), path);
    const stopped = (await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job;
    t.is(stopped.status, 'finished', 'stopped with a savepoint: FINISHED, as Flink');
    const before = committedRows(out).length;
    t.true(before > 0 && before < N, `${before} rows committed before the stop`);

    const second = await startWeir(['run', JOB_FILE, '-p', '3', '--from-savepoint', path, '--json', ...jobArgs], env).exited;
    t.is(second.code, 0, second.stderr);
    checkKeyedSums(t, out, N, 13);
  } finally {
    await cluster.close();
  }
});
