import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, WeirError } from '../../lib/errors.js';
import { connectNats, natsConnectionOptions, parseNatsServers } from '../../lib/transport/nats-connection-options.js';
import { NatsServer, stopAllNatsServers } from '../helpers/nats-server.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-nats-opts-'));

test.after.always(async () => {
  await stopAllNatsServers();
  rmSync(dir, { recursive: true, force: true });
});

test('servers: comma lists are split and trimmed; none or a malformed one is a ConfigurationError', (t) => {
  t.deepEqual(parseNatsServers(['nats://h1:4222, nats://h2:4223', 'h3:4224']), ['nats://h1:4222', 'nats://h2:4223', 'h3:4224']);
  t.throws(() => parseNatsServers([]), { instanceOf: ConfigurationError, message: /no NATS server/ });
  t.throws(() => parseNatsServers([' , ']), { instanceOf: ConfigurationError });
  t.throws(() => parseNatsServers(['nats://h1:4222/path']), { instanceOf: ConfigurationError, message: /invalid NATS server URL 'nats:\/\/h1:4222\/path'/ });
});

test('options: reconnect forever, noAsyncTraces, auth and TLS material', (t) => {
  const o = natsConnectionOptions({ servers: ['nats://127.0.0.1:4222'], user: 'u', password: 'p', name: 'weir-cli' });
  t.is(o.maxReconnectAttempts, -1);
  t.is(o.reconnectTimeWait, 1_000);
  t.true(o.noAsyncTraces);
  t.is(o.user, 'u');
  t.is(o.pass, 'p');
  t.is(o.name, 'weir-cli');
  t.is(natsConnectionOptions({ servers: ['x:1'], token: 'tok' }).token, 'tok');
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
  t.deepEqual(natsConnectionOptions({ servers: ['tls://x:1'], tls: { caFile: ca } }).tls, { ca: '-----BEGIN CERTIFICATE-----\n' });
  const seed = join(dir, 'seed.nk');
  writeFileSync(seed, 'SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY\n');
  t.is(typeof natsConnectionOptions({ servers: ['x:1'], nkeySeedFile: seed }).authenticator, 'function');
});

test('options: errors name the file that could not be read, and conflicting auth is refused', (t) => {
  const missing = join(dir, 'nope.creds');
  const e1 = t.throws(() => natsConnectionOptions({ servers: ['x:1'], credsFile: missing }), { instanceOf: ConfigurationError });
  t.true(e1?.message.includes(missing));
  t.regex(e1?.message ?? '', /credentials file/);
  t.is(e1?.code, 'WEIR_ERR_CONFIG');
  const e2 = t.throws(() => natsConnectionOptions({ servers: ['x:1'], tls: { certFile: join(dir, 'cert.pem') } }), { instanceOf: ConfigurationError });
  t.regex(e2?.message ?? '', /TLS certificate file '.*cert\.pem'/);
  t.throws(() => natsConnectionOptions({ servers: ['x:1'], nkeySeedFile: join(dir, 'none.nk') }), { message: /NKey seed file '.*none\.nk'/ });
  t.throws(() => natsConnectionOptions({ servers: ['x:1'], user: 'u' }), { message: /needs both a user and a password/ });
  t.throws(() => natsConnectionOptions({ servers: ['x:1'], user: 'u', password: 'p', token: 't' }), { message: /choose one NATS auth method/ });
});

test.serial('(g) user/password auth connects; a wrong password gives a clear WEIR_ERR_NATS_CONNECT error', async (t) => {
  const server = await NatsServer.start({ args: ['--user', 'weir', '--pass', 's3cret'] });
  const nc = await connectNats({ servers: [server.url], user: 'weir', password: 's3cret' });
  try {
    await nc.flush();
    t.false(nc.isClosed());
  } finally {
    await nc.close();
  }
  const err = await t.throwsAsync(connectNats({ servers: [server.url], user: 'weir', password: 'wrong' }), { instanceOf: WeirError });
  t.is(err?.code, 'WEIR_ERR_NATS_CONNECT');
  t.regex(err?.message ?? '', /as user 'weir'.*refused the credentials/);
  t.true(err?.message.includes(server.url));
  await server.dispose();
});

test.serial('(g) token auth connects; a wrong token is refused', async (t) => {
  const server = await NatsServer.start({ args: ['--auth', 'tok-123'] });
  const nc = await connectNats({ servers: [server.url], token: 'tok-123' });
  try {
    await nc.flush();
    t.false(nc.isClosed());
  } finally {
    await nc.close();
  }
  const err = await t.throwsAsync(connectNats({ servers: [server.url], token: 'nope' }), { instanceOf: WeirError });
  t.regex(err?.message ?? '', /with a token.*refused the credentials/);
  await server.dispose();
});
