import test from 'ava';
import { connect, type NatsConnection } from 'nats';
import { ActorSystem } from '../../lib/index.js';
import { NatsTransport } from '../../lib/transport/nats-transport.js';
import { startNatsCluster, stopAllNatsServers } from '../helpers/nats-server.js';
import { Collector, CollectorState, Producer, producerStats } from '../helpers/record-stream.js';

test.after.always(async () => {
  await stopAllNatsServers();
});

test.serial('(d) one server of a 3-server cluster is killed while streaming: every record arrives exactly once, in order', async (t) => {
  const servers = await startNatsCluster(3);
  const urls = servers.map((s) => s.url);
  const conns: NatsConnection[] = [];
  const a = new ActorSystem({ address: 'a' });
  const b = new ActorSystem({ address: 'b' });
  try {
    // Both know all three URLs; without randomizing, a starts on server 0 and b on server 1.
    const ncA = await connect({ servers: urls, noRandomize: true, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true });
    const ncB = await connect({ servers: [urls[1]!, urls[2]!, urls[0]!], noRandomize: true, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true });
    conns.push(ncA, ncB);
    t.is(ncA.info?.port, servers[0]!.port);
    t.is(ncB.info?.port, servers[1]!.port);
    const options = { subjectPrefix: 'weir-d', creditBytes: 512 * 1024, retransmitMs: 200, maxRetransmitMs: 1_000 };
    const ta = new NatsTransport('a', ncA, options);
    const tb = new NatsTransport('b', ncB, options);
    a.attachTransport(ta, '*');
    b.attachTransport(tb, '*');
    await Promise.all(conns.map((c) => c.flush()));
    // Interest travels over the routes: wait until server 0 knows b's frame subscription.
    for (;;) {
      const subsz = await servers[0]!.monitor<{ num_subscriptions?: number }>('/subsz');
      if ((subsz.num_subscriptions ?? 0) >= 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const total = 400_000;
    const state = new CollectorState(total);
    const sink = b.spawn({ create: () => new Collector(state) }, 'sink');
    for (const name of ['p1', 'p2']) {
      const ref = a.spawn({ create: () => new Producer(sink, name, total / 2, 500, producerStats()) }, name);
      a.tell(ref, 'go');
    }
    await state.reached(60_000);
    await servers[0]!.kill();
    const atKill = state.count;
    t.true(atKill < total, 'the stream was still running when the server died');
    await state.done.promise;
    t.is(state.count, total);
    t.deepEqual([...state.lastId.values()], [total / 2, total / 2]);
    t.not(ncA.info?.port, servers[0]!.port, 'a failed over to another server');
    t.log(`at kill ${atKill}; retransmits ${ta.stats().retransmits}, duplicates dropped ${tb.stats().duplicatesDropped}, out of order ${tb.stats().outOfOrderDropped}`);
  } finally {
    await Promise.all([a.terminate(), b.terminate()]);
    await Promise.all(conns.map((c) => c.close()));
  }
});
