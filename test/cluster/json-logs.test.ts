/**
 * `weir jobmanager --json` and `weir taskmanager --json` (separate processes, a real NATS server):
 * every stderr line is one JSON object `{time, component, message}`, the registration is logged,
 * and SIGTERM ends both with exit code 0. `$WEIR_CLUSTER` / `$WEIR_SUBJECT_PREFIX` stand for the flags.
 */
import test from 'ava';
import { startWeir, killLeftovers } from '../fault/weir-process.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import { waitFor } from '../helpers/wait-for.js';
import type { TaskManagerInfo } from '../../actors/job-manager-actor.js';

test.after.always(async () => {
  killLeftovers();
  await stopAllNatsServers();
});

interface LogLine {
  time: string;
  component: string;
  message: string;
}

function parseLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine);
}

test('--json logs one JSON object per line; $WEIR_CLUSTER finds the cluster; SIGTERM stops both processes with 0', async (t) => {
  const server = await NatsServer.start();
  const prefix = 'weirjson';
  const jm = startWeir(['jobmanager', '--nats', server.url, '--subject-prefix', prefix, '--json', '--heartbeat-interval', '200']);
  const tm = startWeir(['taskmanager', '--nats', server.url, '--subject-prefix', prefix, '--json', '--id', 'tmj', '--slots', '2']);
  const c = { nats: { servers: [server.url] }, subjectPrefix: prefix };
  await waitFor('the task manager to register', async () => ((await clusterRequest<{ taskManagers: TaskManagerInfo[] }>(c, { op: 'taskmanagers' })).taskManagers.length === 1 ? true : undefined), { ignoreErrors: true });
  // $WEIR_CLUSTER and $WEIR_SUBJECT_PREFIX stand for --cluster and --subject-prefix.
  const listed = await startWeir(['taskmanagers', '--json'], { WEIR_CLUSTER: server.url, WEIR_SUBJECT_PREFIX: prefix }).exited;
  t.is(listed.code, 0, listed.stderr);
  t.deepEqual((JSON.parse(listed.stdout) as TaskManagerInfo[]).map((x) => x.taskManagerId), ['tmj']);
  for (const p of [tm, jm]) process.kill(p.pid!, 'SIGTERM');
  const [tmExit, jmExit] = await Promise.all([tm.exited, jm.exited]);
  t.is(jmExit.code, 0, jmExit.stderr);
  t.is(tmExit.code, 0, tmExit.stderr);
  const jmLines = parseLines(jmExit.stderr);
  const tmLines = parseLines(tmExit.stderr);
  for (const l of [...jmLines, ...tmLines]) t.false(Number.isNaN(Date.parse(l.time)), l.time);
  t.true(jmLines.every((l) => l.component === 'jobmanager'));
  t.true(tmLines.every((l) => l.component === 'taskmanager tmj'));
  t.true(jmLines.some((l) => /task manager tmj registered/.test(l.message)), jmExit.stderr);
  t.true(tmLines.some((l) => /2 task slot\(s\) up/.test(l.message)), tmExit.stderr);
});
