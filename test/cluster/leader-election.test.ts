/**
 * LeaderElection against a real JetStream KV bucket (nats-server 2.9 on its own port), contenders
 * in this process with short leases (800 ms, renewed every 200 ms): one leader at a time; a
 * released lease passes at once; a crashed leader's lease passes only after its duration; a leader
 * whose lease another holder took is revoked; bad timings are refused.
 */
import test from 'ava';
import { connect, type KV, type NatsConnection } from 'nats';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { LeaderElection, monotonicClock, parseLease, type GrantedLease } from '../../lib/cluster/leader-election.js';
import { HighAvailabilityError, openHaBucket, resolveHighAvailability } from '../../lib/cluster/high-availability.js';
import { ConfigurationError } from '../../lib/errors.js';

const connections: NatsConnection[] = [];
const elections: LeaderElection[] = [];
let server: NatsServer;
test.before(async () => {
  server = await NatsServer.start({ jetstream: true });
});
test.after.always(async () => {
  await Promise.all(elections.map((e) => e.close(false)));
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  await stopAllNatsServers();
});

const LEASE_MS = 800;
const RENEW_MS = 200;

async function bucket(name: string): Promise<KV> {
  const nc = await connect({ servers: server.url });
  connections.push(nc);
  return openHaBucket(nc, resolveHighAvailability({ bucket: name, leaseDurationMs: LEASE_MS, renewIntervalMs: RENEW_MS }, 'unused'), 1_000);
}

interface Contender {
  election: LeaderElection;
  granted: Promise<GrantedLease & { at: number }>;
  revoked: Promise<HighAvailabilityError>;
}

function contender(kv: KV, name: string): Contender {
  let granted!: (g: GrantedLease & { at: number }) => void;
  let revoked!: (e: HighAvailabilityError) => void;
  const c: Contender = {
    election: new LeaderElection({
      kv,
      contender: { id: `${name}-${Math.random().toString(16).slice(2)}`, host: 'test', pid: process.pid },
      leaseDurationMs: LEASE_MS,
      renewIntervalMs: RENEW_MS,
      onGranted: (g) => granted({ ...g, at: monotonicClock.now() }),
      onRevoked: (e) => revoked(e),
    }),
    granted: new Promise((r) => (granted = r)),
    revoked: new Promise((r) => (revoked = r)),
  };
  elections.push(c.election);
  return c;
}

/** Resolves with the first of `cs` to be granted. */
function firstGranted(cs: Contender[]): Promise<Contender> {
  return Promise.race(cs.map((c) => c.granted.then(() => c)));
}

test('one contender leads; a released lease passes to the standby at once, with the next term', async (t) => {
  const kv = await bucket('le_release');
  const cs = [contender(kv, 'a'), contender(kv, 'b')];
  for (const c of cs) c.election.start();
  const leader = await firstGranted(cs);
  const standby = cs.find((c) => c !== leader)!;
  t.is((await leader.granted).term, 1);
  t.is(standby.election.state, 'standby');
  await leader.election.close(true);
  const g = await standby.granted;
  t.is(g.term, 2);
  t.is(g.previous?.released, true);
  t.is(standby.election.state, 'leader');
  await standby.election.close(true);
});

test('a crashed leader (no renewals, no release) is replaced only after its lease duration', async (t) => {
  const kv = await bucket('le_crash');
  const a = contender(kv, 'a');
  a.election.start();
  await a.granted;
  const b = contender(kv, 'b');
  b.election.start();
  await waitFor('b to see the lease', async () => (b.election.state === 'standby' ? true : undefined));
  const crashedAt = monotonicClock.now();
  await a.election.close(false); // stops renewing, as a SIGKILLed process
  const g = await b.granted;
  t.true(g.at - crashedAt >= LEASE_MS - RENEW_MS, `taken over ${Math.round(g.at - crashedAt)} ms after the last renewal could have happened`);
  t.is(g.term, 2);
  t.is(g.previous?.holder.startsWith('a-'), true);
  await b.election.close(true);
});

test('a leader whose lease another holder took is revoked (WEIR_ERR_LEADERSHIP_LOST)', async (t) => {
  const kv = await bucket('le_stolen');
  const a = contender(kv, 'a');
  a.election.start();
  const g = await a.granted;
  const now = Date.now();
  await kv.put('leader', new TextEncoder().encode(JSON.stringify({ holder: 'thief', host: 'elsewhere', pid: 1, term: g.term + 1, leaseDurationMs: LEASE_MS, acquiredAt: now, renewedAt: now })));
  const err = await a.revoked;
  t.is(err.code, 'WEIR_ERR_LEADERSHIP_LOST');
  t.regex(err.message, /thief/);
  t.is(a.election.state, 'revoked');
  const e = await kv.get('leader');
  t.is(e === null ? undefined : parseLease(e.value)?.holder, 'thief', 'a revoked leader does not write the lease again');
});

test('timings the protocol cannot keep are refused', (t) => {
  t.throws(() => resolveHighAvailability({ leaseDurationMs: 1_000, renewIntervalMs: 500 }, 'weir'), { instanceOf: ConfigurationError, message: /at most a third/ });
  t.notThrows(() => resolveHighAvailability({ leaseDurationMs: 15_000, renewIntervalMs: 5_000 }, 'weir'), 'the defaults');
  t.throws(() => resolveHighAvailability({ replicas: 2 }, 'weir'), { instanceOf: ConfigurationError });
  t.is(resolveHighAvailability({}, 'acme.weir').bucket, 'acme_weir_ha');
  t.deepEqual(resolveHighAvailability({}, 'weir'), { leaseDurationMs: 15_000, renewIntervalMs: 5_000, replicas: 1, bucket: 'weir_ha' });
});
