/**
 * Garbage on a running cluster's subjects: while a keyed job with the exactly-once file sink runs
 * on a job manager and a task manager with 2 slots (real NATS server), undecodable bytes,
 * truncated frames, frames of another wire format, well-formed frames for actors and jobs that do
 * not exist, forged credits and malformed API requests are published on `<prefix>.frame.<slot>`,
 * `<prefix>.frame.jm`, `<prefix>.credit.<slot>` and `<prefix>.api`. The job finishes without a
 * restart and its committed output equals the plain-loop sums, each once; the API answers a bad
 * request with an error and keeps serving.
 */
import 'reflect-metadata';
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import { Encoder } from 'cbor-x';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import { encodeFrame } from '../../lib/transport/frame-codec.js';
import type { JobSummary } from '../../actors/job-manager-actor.js';
import { stopAllNatsServers } from '../helpers/nats-server.js';
import { startTestCluster } from '../helpers/test-cluster.js';
import { waitFor } from '../helpers/wait-for.js';
import { checkKeyedSums } from '../helpers/keyed-sum-output.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const JOB_FILE = resolve(here, '../fixtures/cluster/keyed-sum-job.js');
const dirs: string[] = [];
test.after.always(async () => {
  await stopAllNatsServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.serial('garbage, truncated and foreign frames and bad API requests leave a running job correct', async (t) => {
  const prefix = 'weirgarbage';
  const cluster = await startTestCluster({ prefix, taskManagerId: 'tmg' });
  const c = cluster.connect;
  const nc: NatsConnection = await connect({ servers: cluster.server.url });
  const out = mkdtempSync(join(tmpdir(), 'weir-garbage-'));
  dirs.push(out);
  try {
    const N = 12_000;
    const { jobId } = await clusterRequest<{ jobId: string }>(c, { op: 'submit', spec: { file: JOB_FILE, args: [out, String(N), '13', '40', '10', '50'], jobName: 'keyed-sum', parallelism: 2 } });
    await waitFor('the job to run', async () => ((await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job.status === 'running' ? true : undefined));

    const plain = new Encoder({ useRecords: false, mapsAsObjects: true });
    const realLooking = encodeFrame({
      from: 'intruder',
      epoch: 'e1',
      seq: 1,
      first: 1,
      envs: [
        { to: { address: 'tmg-s0', id: `tasks/${jobId}/r0/v9.0-0` }, from: { address: 'intruder', id: 'x' }, lane: 'data', body: { t: 'rb', ch: 0, v: [1, 2, 3], ts: [0, 0, 0] } },
        { to: { address: 'tmg-s0', id: 'tasks/job-nope/r0/v1.0-0' }, from: { address: 'intruder', id: 'x' }, lane: 'system', body: { t: 'cp-complete', id: 99, kind: 'checkpoint' } },
      ],
    });
    const garbage: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.of(0xff, 0x00, 0x13, 0x37),
      new TextEncoder().encode('{"not":"cbor"}'),
      realLooking.subarray(0, Math.floor(realLooking.length / 2)),
      plain.encode({ from: 'old-weir', epoch: 'e', seq: 1, first: 1, envs: [] }), // wire format 1
      plain.encode({ wire: 2, from: 'intruder2', epoch: 'e', seq: 1, first: 1, envs: [{ to: { address: 'tmg-s1' }, lane: 'data', body: 1 }] }),
      realLooking,
    ];
    // Several rounds while the job runs: every subject the cluster listens on.
    for (let round = 0; round < 5; round++) {
      for (const g of garbage) {
        for (const subject of [`${prefix}.frame.tmg-s0`, `${prefix}.frame.tmg-s1`, `${prefix}.frame.jm`, `${prefix}.frame.tmg`, `${prefix}.credit.tmg-s0`, `${prefix}.credit.jm`]) nc.publish(subject, g);
      }
      await nc.flush();
      await new Promise((r) => setTimeout(r, 100));
    }
    // The API: a request that is not JSON, one with an unknown op; it answers errors and keeps serving.
    const bad = await nc.request(`${prefix}.api`, new TextEncoder().encode('not json'), { timeout: 5_000 });
    t.regex(new TextDecoder().decode(bad.data), /"ok":false/);
    const unknown = await nc.request(`${prefix}.api`, new TextEncoder().encode(JSON.stringify({ op: 'explode' })), { timeout: 5_000 });
    t.regex(new TextDecoder().decode(unknown.data), /"ok":false/);
    const job = await waitFor('the job to end', async () => {
      const j = (await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job;
      return j.endedAt !== undefined ? j : undefined;
    });
    t.is(job.status, 'finished', job.error);
    t.is(job.restarts, 0, 'no subtask failed');
    checkKeyedSums(t, out, N, 13);
  } finally {
    await nc.close();
    await cluster.close();
  }
});
