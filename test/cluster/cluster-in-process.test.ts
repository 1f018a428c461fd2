/**
 * The cluster's actors — job manager, task managers, task slots — as separate actor systems on
 * one in-process network whose every envelope is cbor-encoded (what NATS and worker threads carry):
 * a job submitted through the API runs on the slots and its exactly-once file output holds every
 * key's total once; a task manager that stops heartbeating is declared lost and the job fails over
 * onto the remaining slots with the same output; `describe`/topology show the placement.
 */
import 'reflect-metadata';
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../../lib/actor/actor-system.js';
import { InProcessNetwork } from '../../lib/transport/in-process-transport.js';
import { JobManagerActor, type JobSummary } from '../../actors/job-manager-actor.js';
import { TaskManagerActor } from '../../actors/task-manager-actor.js';
import { TaskExecutorActor } from '../../actors/task-executor-actor.js';
import { JOB_MANAGER_ADDRESS, JOB_MANAGER_ID, jobManagerRef } from '../../lib/cluster/cluster-messages.js';
import { TASK_EXECUTOR_ID } from '../../lib/cluster/deployment-messages.js';
import { handleClusterRequest, type Topology } from '../../lib/cluster/cluster-api.js';
import { waitFor } from '../helpers/wait-for.js';
import { checkKeyedSums } from '../helpers/keyed-sum-output.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const JOB_FILE = resolve(here, '../fixtures/cluster/keyed-sum-job.js');
const dirs: string[] = [];
const systems: ActorSystem[] = [];
test.after.always(async () => {
  await Promise.all(systems.map((s) => s.terminate()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Cluster {
  jm: ActorSystem;
  tms: { tm: ActorSystem; slots: ActorSystem[] }[];
}

function startCluster(taskManagers: number, slotsPerTm: number, heartbeatTimeoutMs: number): Cluster {
  const net = new InProcessNetwork({ encode: true });
  const system = (address: string): ActorSystem => {
    const s = new ActorSystem({ address });
    s.attachTransport(net.connect(address), '*');
    systems.push(s);
    return s;
  };
  const jm = system(JOB_MANAGER_ADDRESS);
  jm.spawn({ create: () => new JobManagerActor({ heartbeatIntervalMs: 100, heartbeatTimeoutMs }) }, JOB_MANAGER_ID);
  const tms: Cluster['tms'] = [];
  for (let t = 0; t < taskManagers; t++) {
    const id = `tm${t}`;
    const slotAddresses = Array.from({ length: slotsPerTm }, (_, k) => `${id}-s${k}`);
    const slots = slotAddresses.map((a) => {
      const s = system(a);
      s.spawn({ create: () => new TaskExecutorActor() }, TASK_EXECUTOR_ID);
      return s;
    });
    const tm = system(id);
    tm.spawn({ create: () => new TaskManagerActor({ taskManagerId: id, host: 'localhost', pid: process.pid, slots: slotAddresses, registrationRetryMs: 50 }) }, 'taskmanager');
    tms.push({ tm, slots });
  }
  return { jm, tms };
}

async function api<T>(c: Cluster, req: Parameters<typeof handleClusterRequest>[2]): Promise<T> {
  const r = await handleClusterRequest(c.jm, jobManagerRef, req);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r as unknown as T;
}

async function statusOf(c: Cluster, jobId: string): Promise<JobSummary> {
  return (await api<{ job: JobSummary }>(c, { op: 'status', jobId })).job;
}

/** Waits for the job to end (any status) and returns its summary. */
function jobEnd(c: Cluster, jobId: string): Promise<JobSummary> {
  return waitFor('the job to finish', async () => {
    const s = await statusOf(c, jobId);
    return s.endedAt !== undefined ? s : undefined;
  });
}

function waitRegistered(c: Cluster, n: number): Promise<unknown> {
  return waitFor('task managers', async () => {
    const r = await api<{ taskManagers: unknown[] }>(c, { op: 'taskmanagers' });
    return r.taskManagers.length >= n ? true : undefined;
  });
}

test.serial('a job submitted to the job manager runs on the task slots with exactly-once output', async (t) => {
  const c = startCluster(2, 2, 5_000);
  await waitRegistered(c, 2);
  const out = mkdtempSync(join(tmpdir(), 'weir-cluster-'));
  dirs.push(out);
  const N = 8_000;
  const { jobId } = await api<{ jobId: string }>(c, { op: 'submit', spec: { file: JOB_FILE, args: [out, String(N), '13', '200', '1'], jobName: 'keyed-sum', parallelism: 3 } });
  const topo = await waitFor('topology', async () => {
    const r = await api<{ topology: Topology }>(c, { op: 'topology', jobId }).catch(() => undefined);
    return r !== undefined && r.topology.job.status === 'running' ? r.topology : undefined;
  });
  const addresses = new Set(topo.job.subtasks.map((s) => s.address));
  t.true(addresses.size >= 3, `subtasks spread over slots: ${[...addresses].join(', ')}`);
  t.false(addresses.has(JOB_MANAGER_ADDRESS), 'no subtask runs on the job manager');
  const keyed = topo.job.subtasks.filter((s) => s.keyGroups !== undefined);
  t.deepEqual(keyed.map((s) => s.keyGroups), [[0, 42], [43, 85], [86, 127]]);
  t.true(Object.keys(topo.slots).length >= 3, 'every slot answered with figures');
  const done = await jobEnd(c, jobId);
  t.is(done.status, 'finished', done.error);
  checkKeyedSums(t, out, N, 13);
});

test.serial('a task manager that stops heartbeating is declared lost and the job fails over to the other slots', async (t) => {
  const c = startCluster(3, 1, 600);
  await waitRegistered(c, 3);
  const out = mkdtempSync(join(tmpdir(), 'weir-cluster-'));
  dirs.push(out);
  const N = 12_000;
  const { jobId } = await api<{ jobId: string }>(c, { op: 'submit', spec: { file: JOB_FILE, args: [out, String(N), '13', '10', '5', '100'], jobName: 'keyed-sum', parallelism: 3 } });
  await waitFor('some checkpoints', async () => {
    const s = await statusOf(c, jobId);
    return s.checkpointsCompleted >= 2 ? s : undefined;
  });
  // Kill task manager 1: its main system and its slot stop answering (as a SIGKILLed process).
  const victim = c.tms[1]!;
  await Promise.all([victim.tm.terminate(), ...victim.slots.map((s) => s.terminate())]);
  const done = await jobEnd(c, jobId);
  t.is(done.status, 'finished', done.error);
  t.true(done.restarts >= 1, 'the job failed over');
  const tms = await api<{ taskManagers: { taskManagerId: string }[] }>(c, { op: 'taskmanagers' });
  t.deepEqual(tms.taskManagers.map((x) => x.taskManagerId).sort(), ['tm0', 'tm2']);
  checkKeyedSums(t, out, N, 13);
});

test.serial('a job on the cluster rescales 2 -> 4 -> 1 while running, without a restart', async (t) => {
  const c = startCluster(2, 2, 5_000);
  await waitRegistered(c, 2);
  const out = mkdtempSync(join(tmpdir(), 'weir-cluster-'));
  dirs.push(out);
  const N = 20_000;
  const { jobId } = await api<{ jobId: string }>(c, { op: 'submit', spec: { file: JOB_FILE, args: [out, String(N), '13', '20', '5', '150'], jobName: 'keyed-sum', parallelism: 2 } });
  await waitFor('running', async () => ((await statusOf(c, jobId)).status === 'running' ? true : undefined));
  await waitFor('a checkpoint', async () => ((await statusOf(c, jobId)).checkpointsCompleted >= 1 ? true : undefined));
  // Records per second, sampled every second by each slot: the keyed subtasks receive records.
  const rates = await waitFor('records/s of the keyed subtasks', async () => {
    const topo = (await api<{ topology: Topology }>(c, { op: 'topology', jobId })).topology;
    const keyedVertex = topo.job.subtasks.find((s) => s.keyGroups !== undefined)!.vertexId;
    const stats = Object.values(topo.slots).flat().filter((st) => st.vertexId === keyedVertex);
    return stats.length === 2 && stats.every((st) => st.recordsInPerSecond > 0 && st.lastCheckpointId !== undefined) ? stats : undefined;
  });
  // After a checkpoint, the keyed (reduce) subtasks report the full size of their keyed state.
  t.true(rates.every((st) => st.stateBytes > 0), `keyed state sizes: ${rates.map((st) => st.stateBytes).join(', ')}`);
  // Each at most what the source can have sent since it started (the records counted so far).
  t.true(rates.every((st) => st.recordsInPerSecond <= N && st.recordsIn <= N), rates.map((st) => `${st.recordsIn} (${st.recordsInPerSecond}/s)`).join(', '));
  const r4 = await api<{ parallelism: Record<string, number>; pauseMs: number }>(c, { op: 'rescale', jobId, parallelism: 4 });
  t.is(r4.parallelism['sum'], 4);
  const topo4 = (await api<{ topology: Topology }>(c, { op: 'topology', jobId })).topology;
  t.is(topo4.job.subtasks.filter((s) => s.keyGroups !== undefined).length, 4);
  const r1 = await api<{ parallelism: Record<string, number>; pauseMs: number }>(c, { op: 'rescale', jobId, parallelism: 1 });
  t.is(r1.parallelism['sum'], 1);
  const done = await jobEnd(c, jobId);
  t.is(done.status, 'finished', done.error);
  t.is(done.restarts, 0, 'no failover restart');
  checkKeyedSums(t, out, N, 13);
});
