import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { savepointDirectory } from '../../lib/cli/job-control-command.js';
import { writeRegistration, type JobRegistration } from '../../lib/cli/job-registry.js';
import { main } from '../../lib/cli/main.js';
import { savepointCommand } from '../../lib/cli/savepoint-command.js';
import { weirHome } from '../../lib/cli/weir-home.js';
import { captureIO } from './capture-io.js';

// Savepoints of live jobs are in job-control.test.ts (real processes); here what fails before one is asked for.
const tmp = mkdtempSync(join(tmpdir(), 'weir-sp-'));
let seq = 0;
const freshHome = () => weirHome({ WEIR_HOME: join(tmp, `home-${++seq}`) });
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const reg = (jobId: string, jobName: string, pid = process.pid): JobRegistration => ({
  jobId,
  jobName,
  pid,
  socket: `/nonexistent/${jobId}.sock`,
  startedAt: '2026-11-21T05:00:00.000Z',
  jobFile: `/jobs/${jobName}.ts`,
});

test('weir savepoint with an ambiguous job name exits 2 and lists both ids', async (t) => {
  const home = freshHome();
  await writeRegistration(home, reg('job-1-aaaaaaaa', 'tips'));
  await writeRegistration(home, reg('job-2-bbbbbbbb', 'tips'));
  const io = captureIO({ WEIR_HOME: home.root });
  t.is(await savepointCommand('tips', '/tmp/sp', {}, io), 2);
  t.regex(io.err(), /^weir: cannot take a savepoint of job 'tips': job name 'tips' is ambiguous/);
  t.regex(io.err(), /job-1-aaaaaaaa[\s\S]*job-2-bbbbbbbb/);
  t.is(io.out(), '');
});

test('weir savepoint: a target directory given twice is a usage error (exit 2)', async (t) => {
  const io = captureIO({ WEIR_HOME: freshHome().root });
  t.is(await main(['node', 'weir', 'savepoint', 'zones', '/a', '--savepoint-dir', '/b'], io), 2);
  t.regex(io.err(), /give the savepoint directory once/);
});

test('the savepoint directory: argument, else WEIR_SAVEPOINT_DIR, else ./savepoints, resolved against the cwd', (t) => {
  t.is(savepointDirectory('/data/sp', { WEIR_SAVEPOINT_DIR: '/env/sp' }), '/data/sp');
  t.is(savepointDirectory('rel', {}), join(process.cwd(), 'rel'));
  t.is(savepointDirectory(undefined, { WEIR_SAVEPOINT_DIR: '/env/sp' }), '/env/sp');
  t.is(savepointDirectory(undefined, { WEIR_SAVEPOINT_DIR: '' }), join(process.cwd(), 'savepoints'));
});
