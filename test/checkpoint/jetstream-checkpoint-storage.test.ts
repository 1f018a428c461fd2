/**
 * Checkpoint storage in the NATS JetStream object store (`jetstream://<bucket>[/<prefix>]`), end to
 * end against real nats-server processes with JetStream: recovery from a task failure with
 * exactly-once results and retention, fallback past corrupt objects, savepoints into a bucket (and
 * relocated out of it), a NATS server restart between checkpoints, clear errors for a missing
 * bucket or an unreachable server, and `weir run --checkpoint-dir jetstream://…` killed and resumed
 * with `--from-checkpoint jetstream://…`. Expectations are computed with plain loops.
 *
 * Serial: the checkpoint storage connection is process-wide, and one test restarts its server.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, type NatsConnection, type ObjectStore } from 'nats';
import {
  ConfigurationError,
  JobExecutionError,
  loadRestorePoint,
  RestartStrategies,
  RestoreError,
  StreamExecutionEnvironment,
  useNatsForCheckpointStorage,
  closeCheckpointStorageConnection,
  type JobControl,
} from 'weir';
import { Deferred } from '../helpers/async-probe.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { PausingSequenceSource } from '../helpers/pausing-sequence-source.js';
import { PaddedSum } from '../helpers/padded-sum.js';
import { waitFor } from '../helpers/wait-for.js';
import { killLeftovers, repoRoot, startWeir } from '../fault/weir-process.js';
import { startJobManager } from '../../lib/cluster/job-manager-process.js';
import { startTaskManager } from '../../lib/cluster/task-manager-process.js';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import type { JobSummary } from '../../actors/job-manager-actor.js';
import { referencedFiles } from '../../lib/checkpoint/checkpoint-storage.js';

const N = 20_000;
/** The fresh source stops after this many numbers and waits (until the job is restored or cancelled). */
const PAUSE_AT = 6_000;
const KEYS = 500;
/** 16 key groups of ~31 keys × 2 KB: every key-group part is above the 20 KiB inline threshold, so an object. */
const MAX_PARALLELISM = 16;

let server: NatsServer;
let nc: NatsConnection;
let forgetStorage: () => void = () => {};
const dirs: string[] = [];

test.before(async () => {
  server = await NatsServer.start({ jetstream: true });
  nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  // The lazily opened, registry-owned connection (what `weir run --nats` uses).
  forgetStorage = useNatsForCheckpointStorage({ servers: [server.url] });
});

test.after.always(async () => {
  forgetStorage();
  await closeCheckpointStorageConnection();
  killLeftovers();
  await nc?.close().catch(() => {});
  await stopAllNatsServers();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


/**
 * numbers (one subtask, so each key's records arrive in order and its running sums are determined)
 * → a pass-through map that reports completed checkpoints → keyBy(x mod KEYS) → padded running sum.
 */
function build(env: StreamExecutionEnvironment, source: PausingSequenceSource, onCheckpointComplete: (id: number) => void = () => {}) {
  return env
    .fromSource(source, 'numbers')
    .uid('numbers')
    .setParallelism(1)
    .map({ map: (x: number) => x, notifyCheckpointComplete: (id: number) => onCheckpointComplete(id) })
    .uid('pass')
    .setParallelism(1)
    .keyBy((x) => x % KEYS)
    .process(new PaddedSum(2000))
    .uid('padded-sum');
}

function environment(parallelism: number): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.create({ parallelism, maxParallelism: MAX_PARALLELISM });
}

/** The running sums `[key, sum]` emitted for the inputs `from..to` (inputs before `from` only count into the sums). */
function runningSums(from: number, to: number): string[] {
  const sums = new Map<number, number>();
  const out: string[] = [];
  for (let x = 1; x <= to; x++) {
    const s = (sums.get(x % KEYS) ?? 0) + x;
    sums.set(x % KEYS, s);
    if (x >= from) out.push(`${x % KEYS}:${s}`);
  }
  return out.sort();
}

function asSorted(pairs: readonly [number, number][]): string[] {
  return pairs.map(([k, s]) => `${k}:${s}`).sort();
}

/** Compared by hand: ava's deepEqual is slow and verbose on arrays of this size. */
function sameRecords(t: { is(a: unknown, b: unknown, m?: string): void; true(v: boolean, m?: string): void }, actual: string[], expected: string[]): void {
  t.is(actual.length, expected.length, 'record count');
  const firstDiff = actual.findIndex((x, i) => x !== expected[i]);
  t.true(firstDiff < 0, firstDiff < 0 ? 'same records' : `first difference at ${firstDiff}: ${actual[firstDiff]} vs ${expected[firstDiff]}`);
}

async function bucket(name: string): Promise<ObjectStore> {
  return nc.jetstream().views.os(name);
}

async function objectNames(os: ObjectStore): Promise<string[]> {
  return (await os.list()).filter((i) => !i.deleted).map((i) => i.name).sort();
}

/** Checkpoint ids with a `_metadata` object under `<prefix>/<jobId>/`. */
function metadataIds(names: readonly string[], prefix: string, jobId: string): number[] {
  const re = new RegExp(`^${prefix}/${jobId}/chk-(\\d+)/_metadata$`);
  return names.flatMap((n) => {
    const m = re.exec(n);
    return m === null ? [] : [Number(m[1])];
  }).sort((a, b) => a - b);
}

/** Garbage of `size` bytes (not a Weir frame). */
function garbage(size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
}

/** Runs the job fresh until its source paused and `after` more checkpoints completed, then cancels it. */
async function runUntilPausedAndCancel(storage: string, after: number): Promise<{ jobId: string }> {
  const env = environment(2);
  env.enableCheckpointing(20);
  env.getCheckpointConfig().setCheckpointStorage(storage).setNumRetainedCheckpoints(2).setMinPauseBetweenCheckpoints(30);
  const source = new PausingSequenceSource(1, N, PAUSE_AT, 1);
  const completed: number[] = [];
  const enough = new Deferred();
  let pausedAt: number | undefined;
  void source.paused.then(() => (pausedAt = Math.max(0, ...completed)));
  build(env, source, (id) => {
    completed.push(id);
    // A checkpoint triggered after the pause holds all PAUSE_AT inputs: at most one (id pausedAt + 1) was in flight.
    if (pausedAt !== undefined && id >= pausedAt + 1 + after) enough.resolve();
  }).sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  const control = new Deferred<JobControl>();
  void Promise.all([control.promise, enough.promise]).then(([c]) => c.cancel());
  await env.execute({ onStarted: (c) => control.resolve(c) });
  return { jobId: (await control.promise).jobId };
}

test.serial('a task failure restores from jetstream:// checkpoints: exactly-once results, old checkpoints discarded', async (t) => {
  const os = await bucket('weir-recovery');
  const watched: string[] = [];
  const watch = await os.watch({ includeHistory: false });
  void (async () => {
    for await (const e of watch) if (e !== null && !e.deleted) watched.push(e.name);
  })();
  const env = environment(2);
  env.enableCheckpointing(20);
  env.getCheckpointConfig().setCheckpointStorage('jetstream://weir-recovery/runs').setNumRetainedCheckpoints(2).setMinPauseBetweenCheckpoints(30);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  let failedAfter: number | undefined;
  // The fresh source pauses for good after PAUSE_AT: only the restore (after the failure) lets the job finish.
  const out = await build(env, new PausingSequenceSource(1, N, PAUSE_AT, 1), (id) => {
    if (id >= 3 && failedAfter === undefined) {
      failedAfter = id;
      throw new Error(`injected failure after checkpoint ${id}`);
    }
  }).executeAndCollect();
  t.truthy(failedAfter, 'the job failed once after checkpoint 3 and was restored');
  sameRecords(t, asSorted(out), runningSums(1, N));

  // Storage: the two newest completed checkpoints remain; every older completed one is gone entirely.
  const names = await objectNames(os);
  const jobId = /^runs\/([^/]+)\//.exec(names[0] ?? '')?.[1] ?? '';
  t.regex(jobId, /^job-/);
  const retained = metadataIds(names, 'runs', jobId);
  t.is(retained.length, 2, names.filter((n) => n.endsWith('_metadata')).join('\n'));
  const completed = await waitFor('the watch to see the retained checkpoints', async () => {
    const ids = [...new Set(metadataIds(watched, 'runs', jobId))];
    return retained.every((id) => ids.includes(id)) ? ids.sort((a, b) => a - b) : undefined;
  });
  await watch.stop();
  t.deepEqual(retained, completed.slice(-2), 'the newest two completed checkpoints are retained');
  t.true(completed.length > 2);
  for (const id of completed.slice(0, -2)) t.false(names.some((n) => n.startsWith(`runs/${jobId}/chk-${id}/`)), `discarded checkpoint ${id} left objects`);
  for (const id of retained) t.true(names.some((n) => n.startsWith(`runs/${jobId}/chk-${id}/padded-sum/`) && n.endsWith('.part')), `checkpoint ${id} has part objects`);
  // Nothing of deleted objects stays in the bucket's stream: no chunks, no deletion markers.
  const live = await os.list();
  const stream = await (await nc.jetstreamManager()).streams.info('OBJ_weir-recovery');
  t.is(stream.state.messages, live.reduce((sum, i) => sum + i.chunks + 1, 0));
  // The connection the registry opened for the job is closed after it (only this test's is left).
  const connections = await waitFor('the storage connection to close', async () => {
    const n = (await server.monitor<{ num_connections: number }>('/connz')).num_connections;
    return n === 1 ? n : undefined;
  }, { timeoutMs: 5_000 });
  t.is(connections, 1, "only the test's own connection is left");
});

test.serial('a corrupt part or _metadata object makes the restore fall back to the previous checkpoint, or fail naming the object', async (t) => {
  const os = await bucket('weir-corrupt');
  const { jobId } = await runUntilPausedAndCancel('jetstream://weir-corrupt/runs', 3);
  const names = await objectNames(os);
  const ids = metadataIds(names, 'runs', jobId);
  t.is(ids.length, 2);
  const [older, newer] = ids as [number, number];
  const root = `jetstream://weir-corrupt/runs/${jobId}`;
  const part = names.find((n) => n.startsWith(`runs/${jobId}/chk-${newer}/`) && n.endsWith('.part'))!;
  await os.putBlob({ name: part }, garbage(5_000));

  // Newest checkpoint's part is garbage: the restore falls back to the older one, saying which object.
  const warnings: string[] = [];
  const env = environment(2);
  const after: [number, number][] = [];
  build(env, new PausingSequenceSource(1, N, Infinity, 1)).sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void after.push(v), flush() {}, close() {} }) });
  const result = await env.execute({ fromSavepoint: root, onWarning: (w) => warnings.push(w) });
  t.is(result.checkpoints.restoredFrom, `${root}/chk-${older}`);
  t.true(
    warnings.some((w) => w.startsWith(`${root}/chk-${newer} cannot be restored (jetstream://weir-corrupt/${part}: not a Weir snapshot`) && w.endsWith(`falling back to ${root}/chk-${older}`)),
    warnings.join('\n'),
  );
  // Both retained checkpoints were taken after the pause: the restored run reads the rest once.
  sameRecords(t, asSorted(after), runningSums(PAUSE_AT + 1, N));

  // Then the older one's _metadata too: nothing is restorable, and the error names the objects.
  await os.putBlob({ name: `runs/${jobId}/chk-${older}/_metadata` }, garbage(100));
  const env2 = environment(2);
  build(env2, new PausingSequenceSource(1, N, Infinity, 1)).sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  const warnings2: string[] = [];
  const err = await t.throwsAsync(env2.execute({ fromSavepoint: root, onWarning: (w) => warnings2.push(w) }), { instanceOf: RestoreError });
  t.is(err?.message, `no readable savepoint or checkpoint at ${root}`);
  // Both failures are named (the last as the cause, the other in a warning; rewriting _metadata made
  // the older checkpoint the most recently written one, so it is tried first).
  const told = [...warnings2, (err?.cause as Error).message].join('\n');
  t.true(told.includes(`${root}/chk-${older}/_metadata: not a Weir snapshot (bad magic or shorter than the header)`), told);
  t.true(told.includes(`jetstream://weir-corrupt/${part}: not a Weir snapshot`), told);

  // A bucket that does not exist: a restore error naming the location (and no bucket is created).
  const missing = await t.throwsAsync(loadRestorePoint('jetstream://weir-no-such-bucket/x'), { instanceOf: RestoreError });
  t.regex(missing!.message, /jetstream:\/\/weir-no-such-bucket\/x.*JetStream object store bucket 'weir-no-such-bucket' does not exist/);
  const jsm = await nc.jetstreamManager();
  t.false((await jsm.streams.names().next()).includes('OBJ_weir-no-such-bucket'));
});

test.serial('a savepoint into jetstream:// resumes a new run, also relocated into a directory', async (t) => {
  const os = await bucket('weir-savepoints');
  const env = environment(2);
  const source = new PausingSequenceSource(1, N, PAUSE_AT, 1);
  const control = new Deferred<JobControl>();
  const savepoint = new Deferred<string>();
  void control.promise.then(async (c) => {
    await source.paused;
    savepoint.resolve((await c.stopWithSavepoint('jetstream://weir-savepoints/sp')).path);
  }, savepoint.reject);
  const before: [number, number][] = [];
  build(env, source).sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void before.push(v), flush() {}, close() {} }) });
  await env.execute({ onStarted: (c) => control.resolve(c) });
  const path = await savepoint.promise;
  const jobId = (await control.promise).jobId;
  t.regex(path, new RegExp(`^jetstream://weir-savepoints/sp/savepoint-${jobId}-\\d+$`));
  t.is(before.length, PAUSE_AT);
  const key = path.slice('jetstream://weir-savepoints/'.length);
  const names = (await objectNames(os)).filter((n) => n.startsWith(`${key}/`));
  t.true(names.includes(`${key}/_metadata`));
  t.true(names.filter((n) => n.endsWith('.part')).length >= 1);

  // Resumed at another parallelism straight from the bucket.
  const after: [number, number][] = [];
  const env2 = environment(3);
  build(env2, new PausingSequenceSource(1, N, Infinity, 1)).sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void after.push(v), flush() {}, close() {} }) });
  const result = await env2.execute({ fromSavepoint: path });
  t.is(result.checkpoints.restoredFrom, path);
  sameRecords(t, asSorted(after), runningSums(PAUSE_AT + 1, N));

  // `_metadata` names its parts relative to itself: the objects copied into a directory restore too.
  const dir = mkdtempSync(join(tmpdir(), 'weir-js-savepoint-'));
  dirs.push(dir);
  for (const n of names) {
    const file = join(dir, n.slice(key.length + 1));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, (await os.getBlob(n))!);
  }
  const again: [number, number][] = [];
  const env3 = environment(2);
  build(env3, new PausingSequenceSource(1, N, Infinity, 1)).sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void again.push(v), flush() {}, close() {} }) });
  await env3.execute({ fromSavepoint: dir });
  sameRecords(t, asSorted(again), runningSums(PAUSE_AT + 1, N));
});

test.serial('checkpoints complete again after the NATS server is killed and restarted on the same port', async (t) => {
  const own = await NatsServer.start({ jetstream: true });
  const restoreChoice = useNatsForCheckpointStorage({ servers: [own.url], reconnectTimeWaitMs: 100 });
  try {
    const env = environment(2);
    env.enableCheckpointing(20);
    // Checkpoints in flight while the server is down fail (or time out); they are tolerated.
    env.getCheckpointConfig().setCheckpointStorage('jetstream://weir-restart').setMinPauseBetweenCheckpoints(30).setCheckpointTimeout(3_000).setTolerableCheckpointFailureNumber(1_000);
    const completed: number[] = [];
    const first = new Deferred();
    let killedAfter: number | undefined;
    const later = new Deferred<number>();
    const source = new PausingSequenceSource(1, N, PAUSE_AT, 1);
    build(env, source, (id) => {
      completed.push(id);
      if (id >= 2) first.resolve();
      if (killedAfter !== undefined && id > killedAfter + 1) later.resolve(id);
    }).sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
    const control = new Deferred<JobControl>();
    const run = env.execute({ onStarted: (c) => control.resolve(c) });
    await first.promise;
    await own.kill();
    killedAfter = Math.max(...completed);
    await own.restart();
    // The checkpoint in flight at the kill may fail; a later one completes on the restarted server.
    const id = await Promise.race([later.promise, run.then(() => -1)]);
    await (await control.promise).cancel();
    const result = await run;
    t.true(id > killedAfter + 1, `checkpoint ${id} completed after the restart (last before: ${killedAfter})`);
    const restored = await loadRestorePoint(`jetstream://weir-restart/${(await control.promise).jobId}`);
    t.true(restored.metadata.checkpointId >= id, `the newest completed checkpoint (${restored.metadata.checkpointId}) is readable and verified`);
    t.true(result.checkpoints.completed > completed.filter((c) => c <= killedAfter!).length);
  } finally {
    restoreChoice();
  }
});

test.serial('an unreachable NATS server fails the job before it starts, naming the storage', async (t) => {
  const dead = await NatsServer.start({ jetstream: true });
  const url = dead.url;
  await dead.dispose();
  const restoreChoice = useNatsForCheckpointStorage({ servers: [url] });
  try {
    const env = environment(1);
    env.enableCheckpointing(20);
    env.getCheckpointConfig().setCheckpointStorage('jetstream://weir-unreachable/x');
    build(env, new PausingSequenceSource(1, 10, Infinity, 1)).sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
    const err = await t.throwsAsync(env.execute(), { instanceOf: ConfigurationError });
    t.regex(err!.message, new RegExp(`^checkpoint storage jetstream://weir-unreachable/x is unreachable: cannot connect to NATS at ${url}`));
    t.false(err instanceof JobExecutionError);
  } finally {
    restoreChoice();
  }
});

test.serial('weir run --checkpoint-dir jetstream://…, killed, resumes with --from-checkpoint jetstream://<bucket>/<job id>', async (t) => {
  const os = await bucket('weir-cli');
  const home = mkdtempSync(join(tmpdir(), 'weir-js-home-'));
  const out = mkdtempSync(join(tmpdir(), 'weir-js-out-'));
  dirs.push(home, out);
  const fixture = join(repoRoot, 'test/cli/fixtures/keyed-totals.ts');
  const jobArgs = ['--', '--count', '40000', '--keys', '7', '--batch', '100', '--pause-ms', '20', '--out', out];
  const storage = ['--checkpoint-interval', '50', '--checkpoint-dir', 'jetstream://weir-cli/cli', '--nats', server.url];
  const first = startWeir(['run', fixture, '-p', '2', '-q', ...storage, ...jobArgs], { WEIR_HOME: home, NATS_URL: undefined });
  const jobId = await waitFor(
    'two checkpoints of the first run',
    async () => {
      if (first.hasExited()) throw new Error(`the first run ended early:\n${(await first.exited).stderr}`);
      const names = await objectNames(os);
      const job = /^cli\/([^/]+)\//.exec(names[0] ?? '')?.[1];
      return job !== undefined && metadataIds(names, 'cli', job).some((id) => id >= 3) ? job : undefined;
    },
    { timeoutMs: 30_000 },
  );
  await first.kill();
  const second = startWeir(['run', fixture, '-p', '2', '-q', '--json', ...storage, '--from-checkpoint', `jetstream://weir-cli/cli/${jobId}`, ...jobArgs], { WEIR_HOME: home, NATS_URL: undefined });
  const end = await second.exited;
  t.is(end.code, 0, end.stderr);
  const json = JSON.parse(end.stdout.trim().split('\n').at(-1)!) as { checkpoints: { restoredFrom?: string; completed: number; history: { path?: string }[] } };
  t.regex(json.checkpoints.restoredFrom ?? '', new RegExp(`^jetstream://weir-cli/cli/${jobId}/chk-\\d+$`));
  t.true(json.checkpoints.history.some((h) => h.path?.startsWith('jetstream://weir-cli/cli/') === true), JSON.stringify(json.checkpoints.history));
  const totals = new Map<number, number>();
  for (let x = 1; x <= 40_000; x++) totals.set(x % 7, (totals.get(x % 7) ?? 0) + x);
  const rows: [number, number][] = [];
  for (const f of readdirSync(out)) {
    if (f.startsWith('.') || !f.endsWith('.ndjson')) continue;
    for (const line of readFileSync(join(out, f), 'utf8').split('\n')) if (line.trim() !== '') rows.push([(JSON.parse(line) as { key: number }).key, (JSON.parse(line) as { total: number }).total]);
  }
  t.deepEqual(rows.sort((a, b) => a[0] - b[0]), [...totals].sort((a, b) => a[0] - b[0]));
});

test.serial('on a NATS cluster the job manager and every task slot write jetstream:// checkpoints through their own connections', async (t) => {
  const os = await bucket('weir-cluster');
  const out = mkdtempSync(join(tmpdir(), 'weir-js-cluster-'));
  dirs.push(out);
  const connect = { nats: { servers: [server.url] }, subjectPrefix: 'weirjs' };
  const jm = await startJobManager({ ...connect, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 5_000, log: () => {} });
  const tm = await startTaskManager({ ...connect, slots: 2, log: () => {} });
  try {
    const n = 20_000;
    const spec = {
      file: join(repoRoot, 'dist/test/fixtures/checkpoint/padded-sum-job.js'),
      args: [out, String(n), String(KEYS), '50'],
      jobName: 'padded-sum',
      parallelism: 2,
      maxParallelism: MAX_PARALLELISM,
      checkpointDir: 'jetstream://weir-cluster/c',
    };
    await waitFor('the task manager to register', async () => ((await clusterRequest<{ taskManagers: unknown[] }>(connect, { op: 'taskmanagers' })).taskManagers.length > 0 ? true : undefined));
    const { jobId } = await clusterRequest<{ jobId: string }>(connect, { op: 'submit', spec });
    const job = await waitFor('the job to end', async () => {
      const j = (await clusterRequest<{ job: JobSummary }>(connect, { op: 'status', jobId })).job;
      return j.endedAt !== undefined ? j : undefined;
    });
    t.is(job.status, 'finished', job.error);
    t.true(job.checkpointsCompleted >= 1, JSON.stringify(job));
    const rows: [number, number][] = [];
    for (const f of readdirSync(out)) {
      if (f.startsWith('.')) continue;
      for (const line of readFileSync(join(out, f), 'utf8').split('\n')) if (line !== '') rows.push([(JSON.parse(line) as { k: number }).k, (JSON.parse(line) as { s: number }).s]);
    }
    sameRecords(t, asSorted(rows), runningSums(1, n));
    // The retained (final) checkpoint: metadata from the job manager, parts from the slots (a
    // subtask that finished before it is represented by its last acknowledged parts, which may be
    // in an earlier chk-<id>: those stay while referenced).
    const names = await objectNames(os);
    const id = metadataIds(names, 'c', jobId)[0] ?? -1;
    t.true(id > 0, names.join('\n'));
    const restored = await loadRestorePoint(`jetstream://weir-cluster/c/${jobId}`);
    t.is(restored.metadata.checkpointId, id);
    const parts = referencedFiles(restored.metadata);
    t.true(parts.length >= 2, 'key-group parts are objects');
    for (const p of parts) t.true(p.startsWith(`jetstream://weir-cluster/c/${jobId}/chk-`) && names.includes(p.slice('jetstream://weir-cluster/'.length)), p);
  } finally {
    await tm.close();
    await jm.close();
  }
});
