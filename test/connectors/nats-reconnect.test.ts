/**
 * The NATS connectors survive a server restart: a private `nats-server -js` on a random port (its
 * own store directory) is stopped and started again while a JetStreamSource reader and a
 * JetStreamSink committer are working; nats.js reconnects, the reader starts a new consumer where
 * its buffer ends and the committer re-publishes unacknowledged messages with their ids.
 * Afterwards every message was read once, in order, and stored once.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { JetStreamSink, JetStreamSource, type ReaderOutput } from '../../lib/index.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-nats-reconnect-'));
let server: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** Starts nats-server and resolves once it accepts clients. */
async function startServer(): Promise<void> {
  server = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'store')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const probe = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 200 });
      await probe.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('nats-server did not start');
}

async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (s === undefined || s.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.once('exit', () => resolve());
    s.kill('SIGTERM');
  });
}

test.before(async () => {
  port = await freePort();
  await startServer();
});

test.after.always(async () => {
  await stopServer();
  rmSync(dir, { recursive: true, force: true });
});

test.serial('a JetStreamSource reader and a JetStreamSink committer carry on across a server restart', async (t) => {
  const servers = `127.0.0.1:${port}`;
  const nc: NatsConnection = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'IN', subjects: ['in.>'] });
    await jsm.streams.add({ name: 'OUT', subjects: ['out.>'] });
    const js = nc.jetstream();
    const N = 5_000;
    for (let i = 0; i < N; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => js.publish('in.x', new TextEncoder().encode(String(i + k)))));

    const reader = new JetStreamSource<number>({ servers, stream: 'IN', stopAt: 'latest', fetchBatch: 100, connectionOptions: { reconnectTimeWait: 100 } }).createReader({
      subtaskIndex: 0,
      parallelism: 1,
      operatorName: 'src',
    });
    const got: number[] = [];
    const out: ReaderOutput<number> = { collect: (v) => void got.push(v), collectSide: () => undefined };
    const poll = async (until: number): Promise<void> => {
      while (got.length < until) {
        const s = reader.pollNext(out);
        if (s === 'END_OF_INPUT') return;
        if (s === 'NOTHING_AVAILABLE') await reader.isAvailable();
      }
    };
    await reader.start();
    await poll(1_000);

    const sink = new JetStreamSink<number>({ servers, subject: 'out.x', ackTimeoutMs: 500, maxRetries: 20, connectionOptions: { reconnectTimeWait: 100 } });
    const committer = await sink.createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' });
    const data = new TextEncoder().encode(Array.from({ length: 2_000 }, (_, i) => String(i % 10)).join(''));
    const committable = { kind: 'jetstream' as const, idPrefix: 'restart-0-1', subjects: ['out.x'], subjectOf: null, data, ends: Array.from({ length: 2_000 }, (_, i) => i + 1) };

    await stopServer();
    const committing = committer.commit([committable]); // published into the client's reconnect buffer
    await new Promise((r) => setTimeout(r, 300));
    await startServer();

    await poll(Infinity);
    await reader.close();
    t.is(got.length, N);
    t.deepEqual(got, Array.from({ length: N }, (_, i) => i), 'every message once, in order, across the restart');

    await committing;
    await committer.commit([committable]); // and once more: all duplicates
    await committer.close();
    t.is((await jsm.streams.info('OUT')).state.messages, 2_000, 'each committed message stored once');
    t.true(sink.stats.duplicates >= 2_000, `the second commit was deduplicated (${JSON.stringify(sink.stats)})`);
  } finally {
    await nc.close();
  }
});
