import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRegistration } from '../../lib/cli/job-registry.js';
import { formatJobTable, formatUptime, listCommand } from '../../lib/cli/list-command.js';
import { weirHome } from '../../lib/cli/weir-home.js';
import { captureIO } from './capture-io.js';

// `weir list` against live jobs is in job-control.test.ts (real processes).
const tmp = mkdtempSync(join(tmpdir(), 'weir-list-'));
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

test('weir list with no jobs: nothing on stdout, a note on stderr; --json prints []', async (t) => {
  const home = freshHome();
  const io = captureIO({ WEIR_HOME: home.root });
  t.is(await listCommand({}, io), 0);
  t.is(io.out(), '');
  t.is(io.err(), 'weir: no running jobs\n');
  const json = captureIO({ WEIR_HOME: home.root });
  t.is(await listCommand({ json: true }, json), 0);
  t.is(json.out(), '[]\n');
});

test('formatUptime shows the two largest units', (t) => {
  t.is(formatUptime(0), '0s');
  t.is(formatUptime(42_900), '42s');
  t.is(formatUptime(185_000), '3m 05s');
  t.is(formatUptime(2 * 3_600_000 + 3 * 60_000 + 59_000), '2h 03m');
  t.is(formatUptime(4 * 86_400_000 + 7 * 3_600_000), '4d 07h');
});

test('formatJobTable aligns the columns under a header', (t) => {
  const row = (jobId: string, jobName: string, pid: number, uptimeMs: number) => ({ ...reg(jobId, jobName, pid), state: 'RUNNING' as const, uptimeMs });
  t.is(
    formatJobTable([row('job-1-aaaaaaaa', 'zone-revenue', 4242, 65_000), row('job-12-bbbbbbbb', 'tips', 77, 5_000)]),
    [
      'JOB ID           NAME          PID   UPTIME  STATE',
      'job-1-aaaaaaaa   zone-revenue  4242  1m 05s  RUNNING',
      'job-12-bbbbbbbb  tips          77    5s      RUNNING',
      '',
    ].join('\n'),
  );
});
