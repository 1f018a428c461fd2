/**
 * End to end: `weir run` processes operated by `weir list`, `savepoint`, `stop`, `cancel` and by
 * signals, as a user does it — real processes, an isolated WEIR_HOME, the fixture
 * test/cli/fixtures/keyed-totals.ts (a paced keyed sum that writes per-key totals at end of input).
 * Final totals are compared with a loop over 1..N, not with another run.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, repoRoot, runNode, startNode, type NodeChild, type NodeResult } from './node-process.js';

const fixture = join(repoRoot, 'test/cli/fixtures/keyed-totals.ts');
const tmp = mkdtempSync(join(tmpdir(), 'weir-jc-'));
let seq = 0;

test.after.always(() => {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh (not yet created) path under the test's temp dir. */
function dir(name: string): string {
  return join(tmp, `${name}-${++seq}`);
}

/** `weir <args>` to completion with `WEIR_HOME=home`. */
function weir(home: string, ...args: string[]): Promise<NodeResult> {
  return runNode([join(repoRoot, 'bin/weir.js'), ...args], { env: { WEIR_HOME: home, WEIR_SAVEPOINT_DIR: undefined } });
}

/** Starts `weir run <fixture> <runArgs> -- <jobArgs>` with `WEIR_HOME=home`. */
function startJob(home: string, runArgs: string[], jobArgs: string[] = []): NodeChild {
  return startNode([join(repoRoot, 'bin/weir.js'), 'run', fixture, '-q', ...runArgs, '--', ...jobArgs], { env: { WEIR_HOME: home }, timeoutMs: 90_000 });
}

interface Registration {
  jobId: string;
  jobName: string;
  pid: number;
  socket: string;
  startedAt: string;
  jobFile: string;
}

/**
 * Waits (polling, at most `timeoutMs`) until `child` has registered its job in `home`.
 * @throws when the child exits first or the time is up, with its stderr.
 */
async function registered(home: string, child: NodeChild, timeoutMs = 30_000): Promise<Registration> {
  const jobs = join(home, 'jobs');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited()) throw new Error(`weir run exited before registering its job:\n${child.stderr()}`);
    for (const name of existsSync(jobs) ? readdirSync(jobs) : []) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const r = JSON.parse(readFileSync(join(jobs, name), 'utf8')) as Registration;
      if (r.pid === child.pid) return r;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no registration of pid ${child.pid} in ${jobs} after ${timeoutMs} ms:\n${child.stderr()}`);
}

/** The files left in the registry and socket directories of `home`. */
function leftovers(home: string): string[] {
  return ['jobs', 'run'].flatMap((d) => (existsSync(join(home, d)) ? readdirSync(join(home, d)).map((f) => `${d}/${f}`) : []));
}

/** Per-key totals of 1..n keyed by `x mod keys`, as `[key, total]` sorted by key. */
function expectedTotals(n: number, keys: number): [number, number][] {
  const m = new Map<number, number>();
  for (let x = 1; x <= n; x++) m.set(x % keys, (m.get(x % keys) ?? 0) + x);
  return [...m].sort((a, b) => a[0] - b[0]);
}

/** The `{key, total}` records committed under `out` (part files; hidden in-progress files skipped). */
function committedTotals(out: string): [number, number][] {
  const rows: [number, number][] = [];
  for (const f of readdirSync(out)) {
    if (f.startsWith('.') || !f.endsWith('.ndjson')) continue;
    for (const line of readFileSync(join(out, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const r = JSON.parse(line) as { key: number; total: number };
      rows.push([r.key, r.total]);
    }
  }
  return rows.sort((a, b) => a[0] - b[0]);
}

interface JsonRunResult {
  status: string;
  savepoint?: { path: string; checkpointId: number };
  operators: { name: string; recordsOut: number }[];
  checkpoints: { restoredFrom?: string };
}

function lastJsonLine(stdout: string): JsonRunResult {
  return JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '') as JsonRunResult;
}

const N = 60_000;
const KEYS = 7;

test.serial('list shows a running job; savepoint by name and by id writes _metadata; unknown jobs exit 2; cancel ends the run with 1', async (t) => {
  t.timeout(120_000);
  const home = dir('home');
  const job = startJob(home, ['-p', '2']);
  const reg = await registered(home, job);
  t.is(reg.jobName, 'keyed-totals');
  t.is(reg.jobFile, fixture);
  t.true(existsSync(reg.socket), 'the control socket exists while the job runs');

  const table = await weir(home, 'list');
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^JOB ID\s+NAME\s+PID\s+UPTIME\s+STATE$/m);
  t.regex(table.stdout, new RegExp(`^${reg.jobId}\\s+keyed-totals\\s+${job.pid}\\s+\\S.*RUNNING$`, 'm'));
  const listed = await weir(home, 'list', '--json');
  t.is(listed.code, 0, listed.stderr);
  const jobs = JSON.parse(listed.stdout) as (Registration & { state: string; uptimeMs: number })[];
  t.is(jobs.length, 1);
  t.like(jobs[0], { jobId: reg.jobId, jobName: 'keyed-totals', pid: job.pid, state: 'RUNNING' });
  t.true(jobs[0]!.uptimeMs >= 0);

  const target = dir('savepoints');
  const byName = await weir(home, 'savepoint', 'keyed-totals', target);
  t.is(byName.code, 0, byName.stderr);
  const path = byName.stdout.trim();
  t.true(path.startsWith(join(target, `savepoint-${reg.jobId}-`)), path);
  t.true(existsSync(join(path, '_metadata')), `${path}/_metadata exists`);
  const byId = await weir(home, 'savepoint', reg.jobId, '--savepoint-dir', target, '--json');
  t.is(byId.code, 0, byId.stderr);
  const sp = JSON.parse(byId.stdout) as { jobId: string; path: string; checkpointId: number };
  t.is(sp.jobId, reg.jobId);
  t.not(sp.path, path);
  t.true(existsSync(join(sp.path, '_metadata')));

  const unknown = await weir(home, 'savepoint', 'no-such-job', target);
  t.is(unknown.code, 2, unknown.stderr);
  t.regex(unknown.stderr, /no running job has the id or name 'no-such-job'/);
  t.true(unknown.stderr.includes(reg.jobId), 'the message lists the running jobs');
  t.regex(unknown.stderr, /code: WEIR_ERR_JOB_LOOKUP/);

  const cancel = await weir(home, 'cancel', 'keyed-totals', '--json');
  t.is(cancel.code, 0, cancel.stderr);
  t.deepEqual(JSON.parse(cancel.stdout), { jobId: reg.jobId, status: 'cancelled' });
  const run = await job.result;
  t.is(run.code, 1, run.stderr);
  t.regex(run.stderr, /job 'keyed-totals' was cancelled after \d+ ms \(weir cancel\)/);
  t.deepEqual(leftovers(home), []);
});

test.serial('weir stop writes a savepoint; the resumed run at another parallelism ends with the unbroken totals', async (t) => {
  t.timeout(120_000);
  const home = dir('home');
  const out = dir('out');
  const savepoints = dir('savepoints');
  const first = startJob(home, ['-p', '2', '--checkpoint-interval', '200'], ['--count', String(N), '--keys', String(KEYS), '--out', out]);
  const reg = await registered(home, first);

  const stop = await weir(home, 'stop', reg.jobId, '--savepoint-path', savepoints);
  t.is(stop.code, 0, stop.stderr);
  const savepoint = stop.stdout.trim();
  t.true(existsSync(join(savepoint, '_metadata')), `${savepoint}/_metadata exists`);

  const stopped = await first.result;
  t.is(stopped.code, 0, stopped.stderr);
  t.regex(stopped.stderr, /job 'keyed-totals' stopped with a savepoint after \d+ ms \(weir stop\)/);
  t.true(stopped.stderr.includes(`weir: savepoint written to ${savepoint}`), stopped.stderr);
  t.deepEqual(leftovers(home), [], 'registry and socket are gone');
  t.deepEqual(existsSync(out) ? committedTotals(out) : [], [], 'a stopped run emits no totals');

  const second = await runNode([join(repoRoot, 'bin/weir.js'), 'run', fixture, '-p', '3', '--json', '-q', '--from-savepoint', savepoint, '--', '--count', String(N), '--keys', String(KEYS), '--out', out, '--pause-ms', '0', '--batch', '1000'], {
    env: { WEIR_HOME: home },
    timeoutMs: 90_000,
  });
  t.is(second.code, 0, second.stderr);
  const result = lastJsonLine(second.stdout);
  t.is(result.status, 'FINISHED');
  t.is(result.checkpoints.restoredFrom, savepoint);
  const read = result.operators.find((o) => o.name === 'Source: numbers')?.recordsOut ?? 0;
  t.true(read > 0 && read < N, `the resumed run read only what the first left (${read} of ${N})`);
  t.deepEqual(committedTotals(out), expectedTotals(N, KEYS));
});

test.serial('SIGTERM with --stop-with-savepoint writes a savepoint and exits 0; resuming from it completes the totals', async (t) => {
  t.timeout(120_000);
  const home = dir('home');
  const out = dir('out');
  const savepoints = dir('savepoints');
  const job = startJob(home, ['-p', '2', '--stop-with-savepoint', savepoints], ['--count', String(N), '--keys', String(KEYS), '--out', out]);
  await registered(home, job);
  process.kill(job.pid, 'SIGTERM');
  const run = await job.result;
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /SIGTERM: stopping job 'keyed-totals' with a savepoint/);
  t.regex(run.stderr, /job 'keyed-totals' stopped with a savepoint after \d+ ms \(SIGTERM\)/);
  const savepoint = /^weir: savepoint written to (.+)$/m.exec(run.stderr)?.[1] ?? '';
  t.true(savepoint.startsWith(savepoints), run.stderr);
  t.true(existsSync(join(savepoint, '_metadata')));
  t.deepEqual(leftovers(home), []);

  const resumed = await runNode([join(repoRoot, 'bin/weir.js'), 'run', fixture, '-p', '1', '-q', '--from-savepoint', savepoint, '--', '--count', String(N), '--keys', String(KEYS), '--out', out, '--pause-ms', '0', '--batch', '1000'], {
    env: { WEIR_HOME: home },
    timeoutMs: 90_000,
  });
  t.is(resumed.code, 0, resumed.stderr);
  t.deepEqual(committedTotals(out), expectedTotals(N, KEYS));
});

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  test.serial(`${signal} without --stop-with-savepoint cancels the job, exits ${code} and leaves no registry or socket files`, async (t) => {
    t.timeout(120_000);
    const home = dir('home');
    const job = startJob(home, []);
    const reg = await registered(home, job);
    process.kill(job.pid, signal);
    const run = await job.result;
    t.is(run.code, code, run.stderr);
    t.regex(run.stderr, new RegExp(`job 'keyed-totals' was cancelled after \\d+ ms \\(${signal}\\)`));
    t.deepEqual(leftovers(home), []);
    t.false(existsSync(reg.socket));
  });
}

test.serial('a failed savepoint exits 1 with the reason and the job keeps running', async (t) => {
  t.timeout(120_000);
  const home = dir('home');
  const job = startJob(home, []);
  await registered(home, job);
  const file = join(tmp, `not-a-directory-${++seq}`);
  writeFileSync(file, '');
  const failed = await weir(home, 'savepoint', 'keyed-totals', join(file, 'sub'));
  t.is(failed.code, 1, failed.stderr);
  t.regex(failed.stderr, /cannot take a savepoint of job 'keyed-totals'/);
  t.regex(failed.stderr, /WEIR_ERR_CHECKPOINT/);
  t.regex(failed.stderr, /ENOTDIR/);
  const listed = await weir(home, 'list', '--json');
  t.like((JSON.parse(listed.stdout) as { state: string }[])[0], { state: 'RUNNING' });
  const cancel = await weir(home, 'cancel', 'keyed-totals');
  t.is(cancel.code, 0, cancel.stderr);
  t.is((await job.result).code, 1);
});

test.serial('stale registrations (dead pid) are skipped and removed; savepoint for an unknown job exits 2', async (t) => {
  t.timeout(60_000);
  const home = dir('home');
  // A process that has exited: its pid is (almost surely) free.
  const gone = await runNode(['-e', 'process.stdout.write(String(process.pid))']);
  const jobs = join(home, 'jobs');
  const stale: Registration = { jobId: 'job-1-deadbeef', jobName: 'ghost', pid: Number(gone.stdout), socket: join(home, 'run', 'job-1-deadbeef.sock'), startedAt: new Date().toISOString(), jobFile: '/nowhere/ghost.ts' };
  mkdirSync(jobs, { recursive: true });
  writeFileSync(join(jobs, `${stale.jobId}.json`), JSON.stringify(stale));
  const listed = await weir(home, 'list');
  t.is(listed.code, 0, listed.stderr);
  t.is(listed.stdout, '');
  t.regex(listed.stderr, /no running jobs/);
  t.deepEqual(leftovers(home).filter((f) => f.startsWith('jobs/')), []);

  writeFileSync(join(jobs, `${stale.jobId}.json`), JSON.stringify(stale));
  const sp = await weir(home, 'savepoint', 'ghost', join(tmp, 'sp'));
  t.is(sp.code, 2, sp.stderr);
  t.regex(sp.stderr, /no running job has the id or name 'ghost'; no jobs are running/);
  t.deepEqual(leftovers(home).filter((f) => f.startsWith('jobs/')), []);
});
