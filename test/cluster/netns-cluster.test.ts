/**
 * The network-namespace variant of multi-process-cluster.test.ts: three "hosts", each a Linux
 * network namespace on a virtual LAN (test/helpers/network-namespaces.ts: a bridge in a switch
 * namespace, veth pairs, 10.<a>.<b>.1–3/24). Each host runs one nats-server (the three form a NATS
 * cluster, routes over the host addresses) and one `weir taskmanager`; host 1 also runs the
 * `weir jobmanager` and submits the job. Mid-run, after two completed checkpoints, host 3 is cut
 * off the network (its LAN interface goes down: its task manager and NATS server keep running,
 * unreachable) and the task manager of host 1 is SIGKILLed. The job manager must declare both task
 * managers lost by heartbeat timeout, host 3's NATS server must drop out of the cluster, and the
 * job must fail over onto host 2 and finish with the committed output equal to the plain-loop sums
 * (the failure-free result), with no loss and no duplicate.
 *
 * The namespaces share the file system: the input, the FileSink's output directory and the
 * checkpoint directory stand for the shared storage (NFS, S3…) a real cluster would use.
 *
 * Skipped, with the reason in its title, where the machine does not allow it (not root, no
 * `ip netns`, no nats-server).
 */
import test from 'ava';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../examples/example-helpers.js';
import { completedCheckpoints, repoRoot } from '../fault/weir-process.js';
import { networkNamespaceSupport, VirtualNetwork, type HostProcess, type VirtualHost } from '../helpers/network-namespaces.js';
import { waitFor } from '../helpers/wait-for.js';
import { CLUSTER_POLL, exactlyOnceDiff, taskManagers, taxiRunArgs, waitForCheckpoints, waitForJobEnd, writeTripsSlice } from '../helpers/taxi-cluster-job.js';

const NATS_SERVER = process.env['NATS_SERVER'] ?? '/usr/sbin/nats-server';
const TRIPS = 20_000;
const CLIENT_PORT = 4222;
const ROUTE_PORT = 6222;
const MONITOR_PORT = 8222;

/** Created by the test (not at load: a skipped test must leave nothing behind). */
let tmp: { dir: string; remove: () => void } | undefined;
let network: VirtualNetwork | undefined;
const procs: HostProcess[] = [];
/** Aborted when the test is over or failed: stops polls still running (see waitFor). */
const stop = new AbortController();
const POLL = { ...CLUSTER_POLL, signal: stop.signal };

test.afterEach.always((t) => {
  if (t.passed) return;
  for (const p of procs) t.log(`--- ${p.label} on ${p.host.namespace}, pid ${p.pid}, last output:\n${p.output().slice(-3000)}`);
});
test.after.always(async () => {
  stop.abort(new Error('the test is over'));
  await network?.destroy();
  tmp?.remove();
});

/**
 * A nats-server config for `host`: client, route and monitoring ports on the host's address,
 * routes to every other host. `ping_interval` 1 s × `ping_max` 5 (default 2 min × 2): a server
 * cut off the network is dropped from the cluster within about 6 s instead of minutes (a TCP
 * connection to an unplugged host never fails by itself), while a busy but live client still has
 * 5 s to answer.
 */
function natsConfig(host: VirtualHost, all: readonly VirtualHost[]): string {
  const routes = all.filter((h) => h !== host).map((h) => `"nats://${h.address}:${ROUTE_PORT}"`);
  return [
    `server_name: "weir-netns-h${host.index}"`,
    `listen: "${host.address}:${CLIENT_PORT}"`,
    `http: "${host.address}:${MONITOR_PORT}"`,
    'ping_interval: "1s"',
    'ping_max: 5',
    `cluster { name: "weir-netns", listen: "${host.address}:${ROUTE_PORT}", routes: [${routes.join(', ')}] }`,
  ].join('\n');
}

/** Starts one nats-server per host (config and working directory of its own under `root`) and waits until each is ready. */
async function startNatsServers(net: VirtualNetwork, root: string): Promise<HostProcess[]> {
  const servers = net.hosts.map((h) => {
    const dir = join(root, `nats-h${h.index}`);
    mkdirSync(dir);
    const conf = join(dir, 'nats-server.conf');
    writeFileSync(conf, natsConfig(h, net.hosts));
    const p = net.run(h, NATS_SERVER, ['-c', conf], { cwd: dir, label: 'nats-server' });
    procs.push(p);
    return p;
  });
  await Promise.all(servers.map((s) => s.waitForOutput(/Server is ready/)));
  return servers;
}

/**
 * Fails fast when a process that must stay up exits (a nats-server that could not bind, a `weir`
 * that died at start): `guard(work)` rejects as soon as a watched process exits, naming it and
 * showing its output, instead of waiting for `work` to time out; and aborts {@link stop}.
 */
function watchdog(): { watch(p: HostProcess): HostProcess; release(p: HostProcess): void; guard<T>(work: Promise<T>): Promise<T> } {
  const watched = new Set<HostProcess>();
  let fail: (err: Error) => void = () => undefined;
  const died = new Promise<never>((_, reject) => (fail = reject));
  died.catch(() => undefined);
  return {
    watch(p) {
      watched.add(p);
      void p.exited.then((e) => {
        if (!watched.has(p)) return;
        const err = new Error(`${p.label} on ${p.host.namespace} exited unexpectedly (code ${e.code}, signal ${e.signal}):\n${p.output().slice(-2000)}`);
        fail(err);
        stop.abort(err);
      });
      return p;
    },
    release: (p) => void watched.delete(p),
    guard: (work) => Promise.race([work, died]),
  };
}

interface Routez {
  num_routes: number;
  routes?: { ip: string }[];
}

const support = existsSync(NATS_SERVER) ? networkNamespaceSupport() : `no nats-server at ${NATS_SERVER} (set NATS_SERVER)`;
const title = '3 hosts in network namespaces: JM + 3 TMs, one host cut off and one TM SIGKILLed mid-run, output exactly once';
const register = support === undefined ? test.serial : test.serial.skip;
register(support === undefined ? title : `${title} (skipped: ${support})`, async (t) => {
  const work = tempDir('weir-cluster-netns-');
  tmp = work;
  const { input, expected } = writeTripsSlice(work.dir, TRIPS);
  const output = join(work.dir, 'out');
  const checkpoints = join(work.dir, 'checkpoints');
  network = await VirtualNetwork.create(3);
  const net = network;
  const [h1, h2, h3] = [net.host(1), net.host(2), net.host(3)];
  const { watch, release, guard } = watchdog();
  t.log(`LAN ${net.subnet}: ${net.hosts.map((h) => `${h.namespace}=${h.address}`).join(', ')}, switch ${net.switchNamespace}`);

  for (const s of await startNatsServers(net, work.dir)) watch(s);
  // The test runner lives in the root namespace: it reaches host 1's NATS (for cluster requests)
  // and every server's monitoring port through relays inside host 1.
  const apiPort = await net.forward(h1, h1.address, CLIENT_PORT);
  const monitor = await Promise.all(net.hosts.map((h) => net.forward(h1, h.address, MONITOR_PORT)));
  const routez = async (h: VirtualHost): Promise<Routez> => (await fetch(`http://127.0.0.1:${monitor[h.index - 1]}/routez`)).json() as Promise<Routez>;
  await guard(waitFor('the NATS cluster routes', async () => ((await Promise.all(net.hosts.map(routez))).every((r) => r.num_routes === 2) ? true : undefined), { ...POLL, timeoutMs: 20_000 }));

  const prefix = `weirn${process.pid}`;
  const c = { nats: { servers: [`nats://127.0.0.1:${apiPort}`] }, subjectPrefix: prefix };
  const env: NodeJS.ProcessEnv = { ...process.env, WEIR_HOME: join(work.dir, 'home') };
  delete env['WEIR_DEBUG'];
  delete env['NODE_OPTIONS'];
  // Every process talks to the NATS server of its own host. (nats.js shuffles a list of servers, and
  // a client left connected to the cut-off server would hang until its 2-minute ping: failing over
  // between servers is the loopback test's case, this one is about a host that drops off the LAN.)
  const local = (h: VirtualHost): string => `nats://${h.address}:${CLIENT_PORT}`;
  const weir = (h: VirtualHost, args: string[]): HostProcess => {
    const p = net.run(h, process.execPath, [join(repoRoot, 'bin/weir.js'), ...args], { cwd: repoRoot, env, label: `weir ${args[0]}` });
    procs.push(p);
    return p;
  };
  const jm = watch(weir(h1, ['jobmanager', '--nats', local(h1), '--subject-prefix', prefix, '--heartbeat-interval', '250', '--heartbeat-timeout', '2500']));
  const tms = net.hosts.map((h) => watch(weir(h, ['taskmanager', '--nats', local(h), '--subject-prefix', prefix, '--slots', '1', '--id', `tm-h${h.index}`])));
  await guard(waitFor('3 task managers', async () => ((await taskManagers(c)).length === 3 ? true : undefined), POLL));

  const submit = weir(h1, taxiRunArgs({ cluster: local(h1), prefix, input, output, checkpointDir: checkpoints }));
  const submitted = await guard(submit.exited);
  t.is(submitted.code, 0, submit.output());
  const { jobId } = JSON.parse(submit.stdout()) as { jobId: string };
  await guard(waitForCheckpoints(c, jobId, 2, stop.signal));

  // The faults: host 3 drops off the LAN, host 1's task manager dies.
  await net.cutOff(h3);
  release(tms[0]!);
  await tms[0]!.kill();
  // Both are lost the only way the job manager can tell: their heartbeats stop.
  await guard(jm.waitForOutput(/task manager tm-h3 \(.*\) missed heartbeats/, 30_000));
  await guard(jm.waitForOutput(/task manager tm-h1 \(.*\) missed heartbeats/, 30_000));
  await guard(waitFor('host 3 to drop out of the NATS cluster', async () => {
    const views = await Promise.all([h1, h2].map(routez));
    return views.every((r) => r.num_routes === 1 && (r.routes ?? []).every((route) => route.ip !== h3.address)) ? true : undefined;
  }, { ...POLL, timeoutMs: 30_000 }));
  const survivors = await guard(waitFor('tm-h2 alone registered', async () => {
    const ids = (await taskManagers(c)).map((tm) => tm.taskManagerId);
    return ids.length === 1 ? ids : undefined;
  }, POLL));
  t.deepEqual(survivors, ['tm-h2'], 'tm-h1 (killed) and tm-h3 (cut off) were declared lost');
  t.false(tms[2]!.hasExited(), 'the cut-off task manager is still running, only unreachable');

  const done = await guard(waitForJobEnd(c, jobId, stop.signal));
  t.is(done.status, 'finished', done.error);
  t.true(done.restarts >= 1, `the job failed over (${done.restarts} restarts)`);
  t.log(`${done.checkpointsCompleted} checkpoints, ${done.restarts} restart(s); in the shared checkpoint directory: ${completedCheckpoints(checkpoints).join(', ') || 'none'}`);
  const diff = exactlyOnceDiff(expected, output);
  t.deepEqual(diff.badHeaders, []);
  t.deepEqual({ rows: diff.rows, wrong: diff.wrong }, { rows: expected.length, wrong: [] }, 'committed rows = the plain-loop sums, each once');
});
