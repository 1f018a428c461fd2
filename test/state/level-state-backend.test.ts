import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigurationError } from '../../lib/errors.js';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange } from '../../lib/state/key-groups.js';
import { keyToMapKey } from '../../lib/state/key-hash.js';
import type { KeyedStateBackend } from '../../lib/state/keyed-state-backend.js';
import { LevelDBStateBackend, type LevelDBStateBackendOptions } from '../../lib/state/level/leveldb-state-backend.js';
import type { LevelKeyedStateBackend } from '../../lib/state/level/level-keyed-state-backend.js';
import { ManualClock } from '../../lib/time/clock.js';
import { FULL_RANGE, checkBackend, descriptors, emptyModel, randomOps, rng } from './level-model.js';

const root = join(tmpdir(), `weir-level-state-test-${process.pid}`);
const open: LevelKeyedStateBackend[] = [];
let subtask = 0;

function create(options: LevelDBStateBackendOptions = {}, range = FULL_RANGE): LevelKeyedStateBackend {
  const b = new LevelDBStateBackend({ path: root, writeBufferBytes: 8 * 1024, ...options }).createKeyedStateBackend({
    jobId: 'job',
    operatorUid: 'op',
    operatorName: 'op',
    subtaskIndex: subtask++,
    maxParallelism: 128,
    keyGroupRange: range,
    clock: new ManualClock(0),
  });
  open.push(b);
  return b;
}

test.after.always(async () => {
  await Promise.all(open.map((b) => b.dispose()));
  rmSync(root, { recursive: true, force: true });
});

for (const seed of [1, 2, 3]) {
  test(`random operations on every state kind match a plain-Map model (seed ${seed})`, async (t) => {
    const b = create();
    const model = emptyModel();
    await randomOps(t, b, model, rng(seed), 4000);
    checkBackend(t, b, model);
    t.true(b.bufferedBytes < 64 * 1024, 'the write buffer was flushed along the way');
    await b.flush();
    checkBackend(t, b, model);
  });
}

test('the model agrees with the heap backend on the same operations', async (t) => {
  const heap = new HeapKeyedStateBackend(128, FULL_RANGE) as unknown as KeyedStateBackend;
  const model = emptyModel();
  await randomOps(t, heap, model, rng(1), 4000);
  checkBackend(t, heap, model);
});

test('state works before the database is open (writes stay buffered) and after', async (t) => {
  const b = create({ writeBufferBytes: 1 << 20 });
  const v = b.getState(new ValueStateDescriptor<number>('v', 0));
  for (let i = 0; i < 100; i++) {
    b.setCurrentKey(i);
    v.update(i * 2);
  }
  b.setCurrentKey(7);
  t.is(v.value(), 14);
  await b.flush();
  for (let i = 0; i < 100; i++) {
    b.setCurrentKey(i);
    t.is(v.value(), i * 2);
  }
  t.is(b.entryCount(), 100);
});

test('values read are copies: mutating one does not change the state', (t) => {
  const b = create();
  const v = b.getState(new ValueStateDescriptor<{ n: number }>('obj'));
  b.setCurrentKey('a');
  v.update({ n: 1 });
  const got = v.value()!;
  got.n = 99;
  t.deepEqual(v.value(), { n: 1 });
  const l = b.getListState(new ListStateDescriptor<{ n: number }>('l'));
  l.add({ n: 1 });
  l.get()[0]!.n = 5;
  t.deepEqual(l.get(), [{ n: 1 }]);
});

test('the same descriptor name as another kind throws ConfigurationError', (t) => {
  const b = create();
  b.getState(new ValueStateDescriptor('x'));
  t.is(b.getState(new ValueStateDescriptor('x')), b.getState(new ValueStateDescriptor('x')));
  t.throws(() => b.getListState(new ListStateDescriptor('x')), { instanceOf: ConfigurationError, code: 'WEIR_ERR_CONFIG' });
});

test('map state keeps insertion order and handles keys of every type', (t) => {
  const b = create();
  const m = b.getMapState(new MapStateDescriptor<unknown, string>('m'));
  b.setCurrentKey(['composite', 1]);
  const keys: unknown[] = ['b', 'a', 3, 1n, true, ['t', 2], 'ü'];
  for (const k of keys) m.put(k, String(k));
  t.deepEqual([...m.keys()], keys);
  m.put('b', 'again'); // updating keeps the position
  m.remove(3);
  t.deepEqual([...m.keys()], ['b', 'a', 1n, true, ['t', 2], 'ü']);
  t.is(m.get('b'), 'again');
  t.false(m.contains(3));
  t.is(b.entryCount(), 1);
  for (const k of [...m.keys()]) m.remove(k);
  t.true(m.isEmpty());
  t.is(b.entryCount(), 0);
});

test('applyToAllKeys visits every key with state (buffered, flushed and deleted rows), and may change state', async (t) => {
  const b = create({ writeBufferBytes: 4096 });
  const d = new ValueStateDescriptor<number>('counter', 0);
  const other = b.getMapState(new MapStateDescriptor<number, number>('m'));
  const v = b.getState(d);
  for (let i = 0; i < 2000; i++) {
    b.setCurrentKey(`key-${i}`);
    v.update(i);
    other.put(i % 3, i);
    other.put(i % 5, i);
  }
  await b.flush();
  for (let i = 0; i < 2000; i += 10) {
    b.setCurrentKey(`key-${i}`);
    v.clear(); // deletions in the buffer over flushed rows
  }
  for (let i = 2000; i < 2100; i++) {
    b.setCurrentKey(`key-${i}`);
    v.update(i); // rows only in the buffer
  }
  b.setCurrentKey('current');
  const seen = new Map<string, number>();
  b.applyToAllKeys<typeof v>(d, (key, state) => {
    seen.set(key as string, state.value()!);
    if ((state.value()! & 1) === 1) state.clear();
    else state.update(state.value()! + 1);
  });
  t.is(seen.size, 2100 - 200);
  for (let i = 0; i < 2100; i++) {
    if (i < 2000 && i % 10 === 0) t.false(seen.has(`key-${i}`));
    else t.is(seen.get(`key-${i}`), i);
  }
  t.is(b.currentKey, 'current');
  t.is(b.currentMapKey, keyToMapKey('current'));
  let n = 0;
  b.applyToAllKeys<typeof v>(d, (_key, state) => {
    n++;
    t.is(state.value()! & 1, 1);
  });
  t.is(n, [...seen.values()].filter((x) => (x & 1) === 0).length);
  let maps = 0;
  b.applyToAllKeys<typeof other>(new MapStateDescriptor('m'), (_key, state) => {
    maps++;
    t.false(state.isEmpty());
  });
  t.is(maps, 2000);
});

test('applyToAllKeys only lists keys of its key-group range', async (t) => {
  const range = new KeyGroupRange(0, 63);
  const b = create({}, range);
  const v = b.getState(descriptors.value);
  const owned: string[] = [];
  for (let i = 0; i < 500; i++) {
    b.setCurrentKey(`k${i}`);
    if (range.contains(b.currentKeyGroup)) {
      v.update(i);
      owned.push(`k${i}`);
    }
  }
  await b.flush();
  const seen: unknown[] = [];
  b.applyToAllKeys(descriptors.value, (key) => seen.push(key));
  t.deepEqual(seen.map(String).sort(), owned.sort());
});

test('dispose closes the database and removes its directory', async (t) => {
  const b = create();
  const v = b.getState(new ValueStateDescriptor<number>('v'));
  b.setCurrentKey(1);
  v.update(1);
  await b.flush();
  t.true(existsSync(b.location));
  await b.dispose();
  await b.dispose(); // twice is fine
  t.false(existsSync(b.location));
  t.throws(() => b.snapshot(1, { incremental: false }), { code: 'WEIR_ERR_LEVEL_STATE' });
});

test('invalid options throw ConfigurationError', (t) => {
  t.throws(() => new LevelDBStateBackend({ writeBufferBytes: 0 }), { instanceOf: ConfigurationError });
  t.throws(() => new LevelDBStateBackend({ maxDeltasPerChain: Number.NaN }), { instanceOf: ConfigurationError });
  const backend = new LevelDBStateBackend();
  t.is(backend.name, 'leveldb');
  t.false(backend.incremental);
  t.true(new LevelDBStateBackend({ incremental: true }).incremental);
});
