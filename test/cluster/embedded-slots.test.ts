/**
 * An embedded job on worker-thread task slots (`weir run --slots N`, runJobFile's `slots`): the
 * subtasks run in worker threads (the rows name the thread that computed them), the job actor on
 * the calling thread; the exactly-once output equals the plain-loop sums; a slot thread that exits
 * mid-run is failed over onto the remaining slot from the last checkpoint; a live rescale moves
 * the keyed state between threads; progress samples count the slots' records.
 */
import 'reflect-metadata';
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { runJobFile } from '../../lib/cli/run-job-file.js';
import { loadRestorePoint } from '../../lib/checkpoint/checkpoint-loader.js';
import { referencedFiles } from '../../lib/checkpoint/checkpoint-storage.js';
import { checkKeyedSums } from '../helpers/keyed-sum-output.js';
import { waitFor } from '../helpers/wait-for.js';
import { useNatsForCheckpointStorage, type JobControl } from '../../lib/index.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const JOB_FILE = resolve(here, '../fixtures/cluster/keyed-sum-job.js');
const PADDED_JOB_FILE = resolve(here, '../fixtures/checkpoint/padded-sum-job.js');
const dirs: string[] = [];
test.after.always(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await stopAllNatsServers();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-slots-'));
  dirs.push(d);
  return d;
}

test.serial('two worker-thread slots: subtasks run on two threads, output exactly once', async (t) => {
  const out = tempDir();
  const N = 6_000;
  const result = await runJobFile(JOB_FILE, { slots: 2, parallelism: 2, args: [out, String(N), '13', '500', '1'] });
  const rows = checkKeyedSums(t, out, N, 13);
  const threads = new Set(rows.map((r) => r.thread));
  t.false(threads.has(threadId), 'no row computed on the calling thread');
  t.is(threads.size, 2, `rows computed on two worker threads: ${[...threads].join(', ')}`);
  const sum = result.operators.find((o) => o.name.includes('reduce') || o.uid === 'sum') ?? result.operators[2]!;
  t.is(sum.recordsIn, N, 'figures of remote subtasks reach the result');
  t.is(result.checkpoints.restarts, 0);
});

test.serial('a slot thread that exits mid-run is failed over onto the other slot, output exactly once', async (t) => {
  const out = tempDir();
  const marker = join(tempDir(), 'crashed');
  const N = 6_000;
  const warnings: string[] = [];
  const result = await runJobFile(JOB_FILE, { slots: 2, parallelism: 2, args: [out, String(N), '13', '100', '2', '50', marker, String(N / 2)], onWarning: (m) => warnings.push(m) });
  t.true(existsSync(marker), 'a slot thread exited');
  t.true(result.checkpoints.restarts >= 1, `the job failed over (${result.checkpoints.restarts} restarts)`);
  checkKeyedSums(t, out, N, 13);
});

test.serial('slots write key-group parts to the JetStream object store, and the checkpoint restores from them', async (t) => {
  const server = await NatsServer.start({ jetstream: true });
  const restore = useNatsForCheckpointStorage({ servers: [server.url] });
  try {
    const out = tempDir();
    const N = 6_000;
    // 500 keys of ~2 KB state over 16 key groups: every key-group part is above the 20 KiB inline
    // threshold, so the slot threads write it to the bucket themselves.
    const result = await runJobFile(PADDED_JOB_FILE, { slots: 2, parallelism: 2, maxParallelism: 16, checkpointDir: 'jetstream://weir-slots-test/runs', args: [out, String(N), '500', '50'] });
    checkKeyedSums(t, out, N, 500);
    const last = result.checkpoints.history.filter((c) => c.status === 'completed').at(-1);
    t.truthy(last?.path, 'a checkpoint completed');
    const restored = await loadRestorePoint(last!.path!.replace(/\/_metadata$/, ''));
    const parts = referencedFiles(restored.metadata);
    t.true(parts.length >= 2, `key-group parts are objects: ${parts.join(', ')}`);
    for (const p of parts) t.true(p.startsWith('jetstream://weir-slots-test/runs/'), p);
  } finally {
    restore();
  }
});

test.serial('a live rescale 2 → 3 on two slots moves the keyed state between threads, output exactly once', async (t) => {
  const out = tempDir();
  const N = 8_000;
  let control: JobControl | undefined;
  // 40 numbers per poll and 10 ms pauses: the job runs for seconds, the rescale happens mid-run.
  const read: number[] = [];
  const run = runJobFile(JOB_FILE, { slots: 2, parallelism: 2, args: [out, String(N), '13', '40', '10', '50'], onStarted: (c) => (control = c), progressIntervalMs: 100, onProgress: (p) => read.push(p.recordsRead) });
  const c = await waitFor('the job to start', () => Promise.resolve(control));
  const rescaled = await c.rescale(3);
  t.is(rescaled.parallelism['sum'], 3);
  const result = await run;
  t.is(result.checkpoints.restarts, 0, 'no restart');
  const rows = checkKeyedSums(t, out, N, 13);
  t.is(new Set(rows.map((r) => r.thread)).size, 2, 'rows from both slot threads');
  // Progress reads the slots' figures: records read grow while the job runs, never beyond N.
  t.true(read.some((r) => r > 0) && read.every((r) => r <= N), `records read in progress samples: ${read.join(', ')}`);
});

test.serial('slots must be a positive integer', async (t) => {
  const out = tempDir();
  await t.throwsAsync(runJobFile(JOB_FILE, { slots: 0, args: [out, '10'] }), { message: /slots must be a positive integer/ });
});
