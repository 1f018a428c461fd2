import test from 'ava';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobLookupError } from '../../lib/cli/job-lookup-error.js';
import { findJob, isProcessAlive, readRegistrations, runningJobs, writeRegistration, type JobRegistration } from '../../lib/cli/job-registry.js';
import { allocateSocketPath, MAX_SOCKET_PATH_BYTES, weirHome } from '../../lib/cli/weir-home.js';

const tmp = mkdtempSync(join(tmpdir(), 'weir-reg-'));
let seq = 0;
const freshHome = () => weirHome({ WEIR_HOME: join(tmp, `home-${++seq}`) });
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

/** A pid no process has: beyond Linux's pid_max limit (2^22). */
const DEAD_PID = 2 ** 22 + 12_345;

const reg = (jobId: string, jobName: string, pid = process.pid): JobRegistration => ({
  jobId,
  jobName,
  pid,
  socket: `/nonexistent/${jobId}.sock`,
  startedAt: '2026-11-21T05:00:00.000Z',
  jobFile: `/jobs/${jobName}.ts`,
});

test('WEIR_HOME names the home; unset or empty means ~/.weir', (t) => {
  t.is(weirHome({ WEIR_HOME: '/srv/weir' }).jobsDir, '/srv/weir/jobs');
  t.is(weirHome({ WEIR_HOME: '/srv/weir' }).runDir, '/srv/weir/run');
  t.regex(weirHome({}).root, /\/\.weir$/);
  t.is(weirHome({ WEIR_HOME: '' }).root, weirHome({}).root);
});

test('socket paths stay short: a deep WEIR_HOME falls back to a private temp directory', async (t) => {
  const short = await allocateSocketPath(weirHome({ WEIR_HOME: '/srv/weir' }), 'job-1-abcdef12');
  t.deepEqual(short, { path: '/srv/weir/run/job-1-abcdef12.sock', privateDir: undefined });
  const deep = await allocateSocketPath(weirHome({ WEIR_HOME: join(tmp, 'x'.repeat(120)) }), 'job-1-abcdef12');
  t.true(Buffer.byteLength(deep.path) <= MAX_SOCKET_PATH_BYTES, deep.path);
  t.truthy(deep.privateDir);
  rmSync(deep.privateDir!, { recursive: true, force: true });
});

test('registrations are written atomically and read back; malformed and hidden files are ignored', async (t) => {
  const home = freshHome();
  await writeRegistration(home, reg('job-1-aaaaaaaa', 'zones'));
  writeFileSync(join(home.jobsDir, 'job-2-bbbbbbbb.json'), '{"jobId": "job-2-bbbbbbbb"'); // truncated
  writeFileSync(join(home.jobsDir, '.job-3-cccccccc.json.tmp'), JSON.stringify(reg('job-3-cccccccc', 'x')));
  t.deepEqual(await readRegistrations(home), [reg('job-1-aaaaaaaa', 'zones')]);
  t.deepEqual(readdirSync(home.jobsDir).filter((f) => f.startsWith('.job-1')), [], 'no temporary file is left');
});

test('runningJobs skips and deletes registrations of dead processes', async (t) => {
  const home = freshHome();
  t.false(isProcessAlive(DEAD_PID));
  t.true(isProcessAlive(process.pid));
  await writeRegistration(home, reg('job-1-aaaaaaaa', 'alive'));
  await writeRegistration(home, reg('job-2-bbbbbbbb', 'dead', DEAD_PID));
  t.deepEqual((await runningJobs(home)).map((j) => j.jobName), ['alive']);
  t.deepEqual(readdirSync(home.jobsDir), ['job-1-aaaaaaaa.json']);
});

test('findJob: by id, by unique name; unknown and ambiguous references list the candidates', (t) => {
  const jobs = [reg('job-1-aaaaaaaa', 'zones'), reg('job-2-bbbbbbbb', 'tips'), reg('job-3-cccccccc', 'tips')];
  t.is(findJob(jobs, 'job-2-bbbbbbbb').jobId, 'job-2-bbbbbbbb');
  t.is(findJob(jobs, 'zones').jobId, 'job-1-aaaaaaaa');
  const ambiguous = t.throws(() => findJob(jobs, 'tips'), { instanceOf: JobLookupError });
  t.is(ambiguous?.code, 'WEIR_ERR_JOB_LOOKUP');
  t.deepEqual(ambiguous?.candidates.map((j) => j.jobId), ['job-2-bbbbbbbb', 'job-3-cccccccc']);
  t.regex(ambiguous?.message ?? '', /ambiguous.*\n {2}job-2-bbbbbbbb {2}tips.*\n {2}job-3-cccccccc {2}tips/);
  const unknown = t.throws(() => findJob(jobs, 'fares'), { instanceOf: JobLookupError });
  t.is(unknown?.candidates.length, 3);
  t.regex(findJobMessage([], 'fares'), /no jobs are running/);
});

function findJobMessage(jobs: JobRegistration[], ref: string): string {
  try {
    findJob(jobs, ref);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

