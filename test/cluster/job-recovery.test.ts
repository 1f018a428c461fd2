/**
 * What a new leading job manager does with each job of the high-availability job store
 * (lib/cluster/job-recovery.ts), against a real JetStream KV job store and an actor standing for
 * the JobManagerActor: checkpoints that exist but do not read fail the job (it is never restarted
 * from scratch, which would repeat committed output); a checkpoint storage that cannot be listed
 * keeps the job in the store and is retried until it answers, and the job then restores from its
 * newest checkpoint with checkpoint ids above every one its previous leader used; a job with no
 * checkpoint at all restarts from the beginning; `jetstream://` checkpoint storage is recovered
 * from the same way.
 */
import 'reflect-metadata';
import test from 'ava';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import { Actor } from '../../lib/actor/actor.js';
import { ActorSystem } from '../../lib/actor/actor-system.js';
import { runJobFile } from '../../lib/cli/run-job-file.js';
import { JobStore, RECOVERY_CHECKPOINT_STRIDE, type StoredJob } from '../../lib/cluster/job-store.js';
import { recoverJobs } from '../../lib/cluster/job-recovery.js';
import type { RecoveryFailed, StartJob } from '../../actors/job-manager-actor.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { useNatsForCheckpointStorage } from '../../lib/index.js';
import { waitFor } from '../helpers/wait-for.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const JOB_FILE = resolve(here, '../fixtures/cluster/keyed-sum-job.js');
const dirs: string[] = [];
let nc: NatsConnection | undefined;
let natsUrl = '';
const systems: ActorSystem[] = [];
test.after.always(async () => {
  await Promise.all(systems.map((s) => s.terminate()));
  await nc?.close();
  await stopAllNatsServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-recovery-'));
  dirs.push(d);
  return d;
}

/** Stands for the JobManagerActor: records what recovery sends, answers the start ask. */
class JobManagerProbe extends Actor<StartJob | RecoveryFailed> {
  constructor(private readonly seen: (StartJob | RecoveryFailed)[]) {
    super();
  }
  receive(msg: StartJob | RecoveryFailed): void {
    this.seen.push(msg);
    if (msg.t === 'start-job') this.context.reply({ ok: true });
  }
}

async function setUp(bucket: string): Promise<{ store: JobStore; seen: (StartJob | RecoveryFailed)[]; system: ActorSystem; jm: { address: string; id: string } }> {
  if (nc === undefined) {
    const server = await NatsServer.start({ jetstream: true });
    natsUrl = server.url;
    nc = await connect({ servers: server.url });
  }
  const store = new JobStore(await nc.jetstream().views.kv(bucket, { history: 1 }));
  const seen: (StartJob | RecoveryFailed)[] = [];
  const system = new ActorSystem();
  systems.push(system);
  const jm = system.spawn({ create: () => new JobManagerProbe(seen) }, 'jobmanager');
  return { store, seen, system, jm };
}

function storedJob(jobId: string, checkpointDir: string, out: string): StoredJob {
  return { jobId, jobName: 'keyed-sum', spec: { file: JOB_FILE, args: [out, '2000', '7', '200', '1', '20'], jobName: 'keyed-sum', parallelism: 1, checkpointDir }, submittedAt: Date.now(), recoveries: 0, leaderTerm: 1 };
}

test.serial('checkpoints that exist but do not read fail the job: it is removed from the store, never restarted from scratch', async (t) => {
  const { store, seen, system, jm } = await setUp('recovery_unreadable');
  const root = tempDir();
  // A completed checkpoint whose _metadata cannot be read (a directory: EISDIR, as an I/O error would).
  mkdirSync(join(root, 'job-x', 'chk-7', '_metadata'), { recursive: true });
  await store.add(storedJob('job-x', root, join(root, 'out')));
  const logs: string[] = [];
  const started = await recoverJobs({ store, system, jobManager: jm, leaderTerm: 2, slotWaitMs: 1, leading: () => true, log: (l) => logs.push(l) });
  t.is(started, 0);
  t.deepEqual(seen.map((m) => m.t), ['recovery-failed']);
  t.regex((seen[0] as RecoveryFailed).error, /WEIR_ERR_RESTORE/);
  t.deepEqual(await store.list(), [], 'the job left the store');
  t.false(logs.some((l) => /restarts from the beginning/.test(l)), logs.join('\n'));
});

test.serial('a checkpoint storage that cannot be listed is retried; the job then restores from its newest checkpoint with ids above the previous leader\'s', async (t) => {
  const { store, seen, system, jm } = await setUp('recovery_retry');
  const root = tempDir();
  // A checkpoint of a real run of the job, to be found later under the stored job's id.
  let runId = '';
  await runJobFile(JOB_FILE, { args: [join(root, 'out0'), '2000', '7', '200', '1', '20'], checkpointDir: root, onStarted: (c) => (runId = c.jobId) });
  // Meanwhile the job's directory cannot be listed (a symlink loop: ELOOP, as an unreachable mount).
  symlinkSync(join(root, 'job-y'), join(root, 'job-y'));
  await store.add(storedJob('job-y', root, join(root, 'out')));
  const logs: string[] = [];
  let leading = true;
  const started = await recoverJobs({ store, system, jobManager: jm, leaderTerm: 2, slotWaitMs: 1, leading: () => leading, retryDelayMs: 50, log: (l) => logs.push(l) });
  t.is(started, 0);
  t.deepEqual(seen, [], 'neither started nor failed');
  t.is((await store.list()).length, 1, 'the job stays in the store');
  t.true(logs.some((l) => /cannot be recovered yet: .*did not answer.*retrying/.test(l)), logs.join('\n'));
  // The storage answers again: the retry recovers the job from the run's newest checkpoint.
  unlinkSync(join(root, 'job-y'));
  renameSync(join(root, runId), join(root, 'job-y'));
  const start = await waitFor('the retried recovery', () => Promise.resolve(seen.find((m): m is StartJob => m.t === 'start-job')));
  leading = false;
  t.truthy(start.restoreFrom, 'restored, not restarted from scratch');
  t.true(start.restoreFrom!.directory!.startsWith(join(root, 'job-y', 'chk-')), start.restoreFrom!.directory);
  t.is(start.recovery?.recoveries, 1);
  t.is(start.recovery?.firstCheckpointId, RECOVERY_CHECKPOINT_STRIDE + 1, 'the new leader\'s checkpoint ids start above the previous leader\'s');
});

test.serial('a job whose storage holds no checkpoint restarts from the beginning, waiting for the slots it was placed on', async (t) => {
  const { store, seen, system, jm } = await setUp('recovery_none');
  const root = tempDir();
  const placed = storedJob('job-z', root, join(root, 'out'));
  await store.add({ ...placed, spec: { ...placed.spec, parallelism: 3 }, slots: 2 });
  const unrecorded = storedJob('job-w', root, join(root, 'out2'));
  await store.add({ ...unrecorded, spec: { ...unrecorded.spec, parallelism: 3 } });
  const logs: string[] = [];
  t.is(await recoverJobs({ store, system, jobManager: jm, leaderTerm: 2, slotWaitMs: 1, leading: () => true, log: (l) => logs.push(l) }), 2);
  const starts = new Map(seen.map((m) => [m.jobId, m as StartJob]));
  t.is(starts.get('job-z')?.restoreFrom, undefined);
  t.is(starts.get('job-z')?.recovery?.minSlots, 2, 'placed on 2 slots (parallelism 3 shared them): waits for 2');
  t.is(starts.get('job-w')?.recovery?.minSlots, 3, 'no record of its slots: waits for its largest parallelism');
  t.true(logs.some((l) => /job-z .*has no checkpoint to restore: it restarts from the beginning/.test(l)), logs.join('\n'));
});

test.serial('a job with jetstream:// checkpoint storage is recovered from its newest checkpoint object', async (t) => {
  const { store, seen, system, jm } = await setUp('recovery_jetstream');
  const restore = useNatsForCheckpointStorage({ servers: [natsUrl] });
  try {
    const root = tempDir();
    // Checkpoints of a real run in the bucket, under the id the stored job will have.
    let runId = '';
    await runJobFile(JOB_FILE, { args: [join(root, 'out0'), '2000', '7', '200', '1', '20'], checkpointDir: 'jetstream://weir-recovery/runs', onStarted: (c) => (runId = c.jobId) });
    await store.add({ ...storedJob(runId, 'jetstream://weir-recovery/runs', join(root, 'out')) });
    t.is(await recoverJobs({ store, system, jobManager: jm, leaderTerm: 2, slotWaitMs: 1, leading: () => true, log: () => {} }), 1);
    const start = seen[0] as StartJob;
    t.regex(start.restoreFrom?.directory ?? '', new RegExp(`^jetstream://weir-recovery/runs/${runId}/chk-\\d+$`));
    t.is(start.recovery?.firstCheckpointId, RECOVERY_CHECKPOINT_STRIDE + 1);
  } finally {
    restore();
  }
});

test.serial('a live rescale is recorded in the job store, and the recovered job comes back at that parallelism', async (t) => {
  const { store, seen, system, jm } = await setUp('recovery_rescaled');
  const root = tempDir();
  await store.add({ ...storedJob('job-r', root, join(root, 'out')), spec: { ...storedJob('job-r', root, '').spec, args: [join(root, 'out'), '2000', '7', '200', '1', '20'], parallelism: 2 } });
  // As JobControl.rescale: a default first (overrides dropped), then one operator on top.
  await store.recordRescale('job-r', 4);
  await store.recordRescale('job-r', 1, 'sum');
  const [entry] = await store.list();
  t.is(entry!.job.spec.parallelism, 4);
  t.deepEqual(entry!.job.spec.parallelismOverrides, { sum: 1 });
  await store.recordRescale('job-gone', 3); // a job that already left the store: nothing to record
  t.is((await store.list()).length, 1);
  t.is(await recoverJobs({ store, system, jobManager: jm, leaderTerm: 2, slotWaitMs: 1, leading: () => true, log: () => {} }), 1);
  const start = seen[0] as StartJob;
  const byUid = Object.fromEntries(start.prepared.graph.nodes.map((n) => [n.uid, n.parallelism]));
  t.is(byUid['sum'], 1, 'the operator rescaled on its own');
  t.is(byUid['pairs'], 4, 'the others at the rescaled default');
  t.deepEqual(start.prepared.request.parallelismOverrides, { sum: 1 });
});
