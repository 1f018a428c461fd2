import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigurationError, RestoreError } from '../../lib/errors.js';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor, type StateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import type { KeyGroupSnapshotPart, KeyedStateBackend } from '../../lib/state/keyed-state-backend.js';
import { LevelDBStateBackend } from '../../lib/state/level/leveldb-state-backend.js';
import type { LevelKeyedStateBackend } from '../../lib/state/level/level-keyed-state-backend.js';
import { StateTtlConfig } from '../../lib/state/state-ttl-config.js';
import { ManualClock } from '../../lib/time/clock.js';
import { FULL_RANGE, rng } from './level-model.js';

const root = join(tmpdir(), `weir-level-ttl-test-${process.pid}`);
const open: LevelKeyedStateBackend[] = [];
let subtask = 0;
const TTL = 1000;

function create(clock: ManualClock): LevelKeyedStateBackend {
  const b = new LevelDBStateBackend({ path: root, writeBufferBytes: 4096 }).createKeyedStateBackend({
    jobId: 'job',
    operatorUid: 'ttl',
    operatorName: 'ttl',
    subtaskIndex: subtask++,
    maxParallelism: 128,
    keyGroupRange: FULL_RANGE,
    clock,
  });
  open.push(b);
  return b;
}

test.after.always(async () => {
  await Promise.all(open.map((b) => b.dispose()));
  rmSync(root, { recursive: true, force: true });
});

function withTtl<D extends StateDescriptor<unknown>>(d: D, config: StateTtlConfig): D {
  d.enableTimeToLive(config);
  return d;
}

function descriptorsFor(config: StateTtlConfig) {
  return {
    value: withTtl(new ValueStateDescriptor<number>('value', -1), config),
    list: withTtl(new ListStateDescriptor<number>('list'), config),
    map: withTtl(new MapStateDescriptor<string, number>('map'), config),
    reducing: withTtl(new ReducingStateDescriptor<number>('reducing', (a, b) => a + b), config),
    aggregating: withTtl(
      new AggregatingStateDescriptor<number, number, string>('aggregating', { createAccumulator: () => 0, add: (v, a) => a + v, getResult: (a) => `sum ${a}`, merge: (a, b) => a + b }),
      config,
    ),
  };
}

/** Everything the states of `b` return for `key`, read in a fixed order. */
function readAll(b: KeyedStateBackend, d: ReturnType<typeof descriptorsFor>, key: string): unknown[] {
  b.setCurrentKey(key);
  const m = b.getMapState(d.map);
  return [b.getState(d.value).value(), b.getListState(d.list).get(), [...m.entries()].sort(), m.isEmpty(), b.getReducingState(d.reducing).get(), b.getAggregatingState(d.aggregating).get()];
}

const configs: [string, StateTtlConfig][] = [
  ['OnCreateAndWrite', StateTtlConfig.newBuilder(TTL).disableCleanupInBackground().build()],
  ['OnReadAndWrite, ReturnExpiredIfNotCleanedUp', StateTtlConfig.newBuilder(TTL).updateTtlOnReadAndWrite().returnExpiredIfNotCleanedUp().disableCleanupInBackground().build()],
];

for (const [name, config] of configs) {
  test(`TTL state behaves as on the heap backend under the same clock and operations (${name})`, async (t) => {
    const clockL = new ManualClock(10_000);
    const clockH = new ManualClock(10_000);
    const level = create(clockL);
    const heap = new HeapKeyedStateBackend(128, FULL_RANGE, clockH);
    const dl = descriptorsFor(config);
    const dh = descriptorsFor(config);
    const r = rng(77);
    const keys = ['a', 'b', 'c', 'd'];
    for (let step = 0; step < 1500; step++) {
      if (step % 100 === 99) await new Promise((res) => setImmediate(res));
      const key = keys[Math.floor(r() * keys.length)]!;
      const op = Math.floor(r() * 8);
      const n = Math.floor(r() * 10);
      const advance = Math.floor(r() * 300);
      for (const [b, d, clock] of [[level, dl, clockL], [heap, dh, clockH]] as const) {
        clock.advance(advance);
        b.setCurrentKey(key);
        switch (op) {
          case 0:
            b.getState(d.value).update(n);
            break;
          case 1:
            b.getListState(d.list).add(n);
            break;
          case 2:
            b.getMapState(d.map).put(`m${n % 3}`, n);
            break;
          case 3:
            b.getReducingState(d.reducing).add(n);
            break;
          case 4:
            b.getAggregatingState(d.aggregating).add(n);
            break;
          case 5:
            b.getMapState(d.map).remove(`m${n % 3}`);
            break;
          default:
            break; // reads only
        }
      }
      t.deepEqual(readAll(level, dl, key), readAll(heap, dh, key), `step ${step}`);
    }
  });
}

test('TTL values expire on the LevelDB backend: reads hide them, writes start over', (t) => {
  const clock = new ManualClock(0);
  const b = create(clock);
  const d = descriptorsFor(StateTtlConfig.newBuilder(TTL).disableCleanupInBackground().build());
  b.setCurrentKey('k');
  b.getState(d.value).update(5);
  b.getListState(d.list).add(1);
  clock.advance(500);
  b.getListState(d.list).add(2);
  b.getReducingState(d.reducing).add(3);
  t.deepEqual(readAll(b, d, 'k'), [5, [1, 2], [], true, 3, null]);
  clock.advance(500); // the value and the first element are TTL ms old
  t.deepEqual(readAll(b, d, 'k'), [-1, [2], [], true, 3, null]);
  b.getReducingState(d.reducing).add(4);
  clock.advance(1000);
  t.deepEqual(readAll(b, d, 'k'), [-1, [], [], true, null, null]);
});

test('cleanupFullSnapshot leaves expired entries out of full parts, and they restore into the heap backend', async (t) => {
  const clock = new ManualClock(0);
  const b = create(clock);
  const config = StateTtlConfig.newBuilder(TTL).cleanupFullSnapshot().disableCleanupInBackground().build();
  const d = descriptorsFor(config);
  b.setCurrentKey('old');
  b.getState(d.value).update(1);
  b.getMapState(d.map).put('x', 1);
  clock.advance(600);
  b.setCurrentKey('young');
  b.getState(d.value).update(2);
  b.getListState(d.list).add(7);
  b.setCurrentKey('old');
  b.getMapState(d.map).put('y', 2);
  clock.advance(600); // 'old' value and map entry 'x' expired; 'y' and 'young' alive
  const parts: KeyGroupSnapshotPart[] = b.snapshot(1, { incremental: false });
  const bytes = await Promise.all(parts.map((p) => p.materialize()));
  const heapClock = new ManualClock(clock.now());
  const heap = new HeapKeyedStateBackend(128, FULL_RANGE, heapClock);
  heap.restore(parts.map((p, i) => ({ keyGroup: p.keyGroup, chain: [bytes[i]!] })));
  const dh = descriptorsFor(config);
  t.is(heap.entryCount(), 3, "expired 'old' value left out; 'old' map, 'young' value and list kept");
  t.deepEqual(readAll(heap, dh, 'old'), [-1, [], [['y', 2]], false, null, null]);
  t.deepEqual(readAll(heap, dh, 'young'), [2, [7], [], true, null, null]);
  // Timestamps survive: 'young' expires TTL ms after it was written.
  heapClock.advance(400);
  t.deepEqual(readAll(heap, dh, 'young'), [-1, [], [], true, null, null]);
});

test('TTL settings must match: registering without TTL, or restoring with another setting, fails', async (t) => {
  const clock = new ManualClock(0);
  const b = create(clock);
  const config = StateTtlConfig.newBuilder(TTL).build();
  b.getState(withTtl(new ValueStateDescriptor<number>('v'), config));
  t.throws(() => b.getState(new ValueStateDescriptor<number>('v')), { instanceOf: ConfigurationError });
  b.setCurrentKey(1);
  b.getState(withTtl(new ValueStateDescriptor<number>('v'), config)).update(1);
  const parts = b.snapshot(1, { incremental: false });
  const chains = await Promise.all(parts.map(async (p) => ({ keyGroup: p.keyGroup, chain: [await p.materialize()] })));
  const c = create(clock);
  c.getState(new ValueStateDescriptor<number>('v')); // asked for without TTL before restore
  await t.throwsAsync(async () => c.restore(chains), { instanceOf: RestoreError, code: 'WEIR_ERR_RESTORE' });
  const e = create(clock);
  await e.restore(chains); // restored first, asked for later without TTL
  t.throws(() => e.getState(new ValueStateDescriptor<number>('v')), { instanceOf: RestoreError });
  t.is(e.getState(withTtl(new ValueStateDescriptor<number>('v'), config)) !== undefined, true);
});
