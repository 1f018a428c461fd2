import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CheckpointError, SnapshotFormatError } from '../../lib/errors.js';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange, computeKeyGroupRangeForOperatorIndex } from '../../lib/state/key-groups.js';
import type { KeyGroupSnapshotPart, KeyedStateBackend } from '../../lib/state/keyed-state-backend.js';
import { encodeState } from '../../lib/state/state-codec.js';
import { LevelDBStateBackend, type LevelDBStateBackendOptions } from '../../lib/state/level/leveldb-state-backend.js';
import type { LevelKeyedStateBackend } from '../../lib/state/level/level-keyed-state-backend.js';
import { ManualClock } from '../../lib/time/clock.js';
import { ChainStore, FULL_RANGE, FakeTimers, type Model, checkBackend, copyModel, emptyModel, randomOps, rng } from './level-model.js';

const root = join(tmpdir(), `weir-level-snapshot-test-${process.pid}`);
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

async function materializeAll(parts: readonly KeyGroupSnapshotPart[]): Promise<Uint8Array[]> {
  return Promise.all(parts.map((p) => p.materialize()));
}

/** Restores `input` into a fresh backend per range and checks each against `model`. */
async function restoreAndCheck(t: Parameters<typeof checkBackend>[0], store: ChainStore, id: number, model: Model, ranges: KeyGroupRange[]): Promise<void> {
  for (const range of ranges) {
    const b = create({}, range);
    const timers = new FakeTimers();
    // Half the time the timer service registers after restore (its timers wait for it).
    const early = range.startKeyGroup % 2 === 0;
    if (early) b.registerTimers('timers', timers);
    await b.restore(store.restoreInput(id, range));
    if (!early) b.registerTimers('timers', timers);
    checkBackend(t, b, model, timers);
    await b.dispose();
  }
}

const rescaled = (p: number): KeyGroupRange[] => Array.from({ length: p }, (_, i) => computeKeyGroupRangeForOperatorIndex(128, p, i));

for (const seed of [11, 12]) {
  test(`full snapshots at random points restore exactly the state at the barrier, also rescaled (seed ${seed})`, async (t) => {
    const r = rng(seed);
    const b = create();
    const timers = new FakeTimers();
    b.registerTimers('timers', timers);
    const model = emptyModel();
    const store = new ChainStore();
    for (let id = 1; id <= 5; id++) {
      await randomOps(t, b, model, r, 300 + Math.floor(r() * 1500), timers);
      const expected = copyModel(model);
      const parts = b.snapshot(id, { incremental: false });
      t.true(parts.every((p) => p.kind === 'full'));
      // The async phase starts, and the operator keeps writing meanwhile.
      const pending = materializeAll(parts);
      await randomOps(t, b, model, r, 500, timers, 50);
      const bytes = await pending;
      store.complete(id, parts, bytes, false);
      b.notifyCheckpointComplete(id);
      await restoreAndCheck(t, store, id, expected, id % 2 === 0 ? [FULL_RANGE] : rescaled(1 + (id % 3)));
    }
    checkBackend(t, b, model, timers);
  });
}

for (const seed of [21, 22, 23]) {
  // maxTrackedRows 60: key groups keep overflowing the change tracking and are written full while
  // other checkpoints are in flight (a bug once lost the changes made meanwhile).
  for (const maxTrackedRows of [undefined, 60]) {
  test(`incremental chains with aborted and overlapping checkpoints restore exactly, also rescaled (seed ${seed}${maxTrackedRows !== undefined ? `, at most ${maxTrackedRows} tracked rows` : ''})`, async (t) => {
    const r = rng(seed);
    const b = create({ incremental: true, maxDeltasPerChain: 3, ...(maxTrackedRows !== undefined ? { maxTrackedRows } : {}) });
    const timers = new FakeTimers();
    b.registerTimers('timers', timers);
    const model = emptyModel();
    const store = new ChainStore();
    const expected = new Map<number, Model>();
    let outstanding: { id: number; parts: KeyGroupSnapshotPart[]; bytes: Promise<Uint8Array[]> } | undefined;
    let deltas = 0;
    const completed: number[] = [];
    for (let id = 1; id <= 14; id++) {
      await randomOps(t, b, model, r, 100 + Math.floor(r() * 600), timers);
      expected.set(id, copyModel(model));
      const parts = b.snapshot(id, { incremental: true });
      deltas += parts.filter((p) => p.kind === 'delta').length;
      for (const p of parts) if (p.kind === 'delta') t.is(p.baseCheckpointId, completed[completed.length - 1]);
      const bytes = materializeAll(parts);
      // Sometimes two checkpoints are in flight: the older completes after the newer was taken.
      if (outstanding !== undefined) {
        store.complete(outstanding.id, outstanding.parts, await outstanding.bytes, true);
        b.notifyCheckpointComplete(outstanding.id);
        completed.push(outstanding.id);
        outstanding = undefined;
      }
      await randomOps(t, b, model, r, 200, timers, 50);
      const fate = r();
      if (fate < 0.25) {
        await bytes.catch(() => undefined);
        b.notifyCheckpointAborted(id);
      } else if (fate < 0.45) {
        outstanding = { id, parts, bytes };
      } else {
        store.complete(id, parts, await bytes, true);
        b.notifyCheckpointComplete(id);
        completed.push(id);
      }
    }
    t.true(deltas > 0, 'some parts were deltas');
    for (const id of completed) t.true(store.longestChain(id) <= 4, 'a full part at least every 3 deltas');
    const last = completed[completed.length - 1]!;
    await restoreAndCheck(t, store, last, expected.get(last)!, [FULL_RANGE]);
    await restoreAndCheck(t, store, last, expected.get(last)!, rescaled(3));
    const earlier = completed[Math.floor(completed.length / 2)]!;
    await restoreAndCheck(t, store, earlier, expected.get(earlier)!, rescaled(2));
  });
  }
}

test('writes after snapshot() never show in it, whether buffered or already in LevelDB', async (t) => {
  const b = create({ writeBufferBytes: 1024 });
  const v = b.getState(new ValueStateDescriptor<number>('v'));
  for (let i = 0; i < 3000; i++) {
    b.setCurrentKey(i);
    v.update(i);
  }
  await b.flush();
  for (let i = 0; i < 100; i++) {
    b.setCurrentKey(i);
    v.update(-i - 1); // still buffered at the barrier
  }
  const parts = b.snapshot(1, { incremental: false });
  for (let i = 0; i < 3000; i++) {
    b.setCurrentKey(i);
    if (i % 3 === 0) v.clear();
    else v.update(i + 1_000_000);
  }
  await b.flush(); // newer rows are in LevelDB before the async phase reads
  const bytes = await materializeAll(parts);
  const c = create();
  await c.restore(parts.map((p, i) => ({ keyGroup: p.keyGroup, chain: [bytes[i]!] })));
  const w = c.getState(new ValueStateDescriptor<number>('v'));
  for (let i = 0; i < 3000; i++) {
    c.setCurrentKey(i);
    t.is(w.value(), i < 100 ? -i - 1 : i);
  }
  t.is(c.entryCount(), 3000);
});

test('a snapshot taken before the database is open holds the buffered state', async (t) => {
  const b = create();
  const v = b.getState(new ValueStateDescriptor<string>('v'));
  b.setCurrentKey('a');
  v.update('first');
  const parts = b.snapshot(1, { incremental: false }); // synchronously after creation
  v.update('second');
  const bytes = await materializeAll(parts);
  const c = create();
  const w = c.getState(new ValueStateDescriptor<string>('v'));
  await c.restore(parts.map((p, i) => ({ keyGroup: p.keyGroup, chain: [bytes[i]!] })));
  c.setCurrentKey('a');
  t.is(w.value(), 'first');
});

test('changes of an aborted checkpoint are in the next delta', async (t) => {
  const b = create({ incremental: true });
  const v = b.getState(new ValueStateDescriptor<string>('v'));
  const store = new ChainStore();
  b.setCurrentKey('base');
  v.update('base');
  const p1 = b.snapshot(1, { incremental: true });
  t.true(p1.every((p) => p.kind === 'full'));
  t.is(p1.length, 128, 'the first incremental checkpoint writes every key group');
  store.complete(1, p1, await materializeAll(p1), true);
  b.notifyCheckpointComplete(1);
  b.setCurrentKey('a');
  v.update('A');
  b.setCurrentKey('base');
  v.clear();
  const p2 = b.snapshot(2, { incremental: true });
  t.true(p2.length >= 1 && p2.every((p) => p.kind === 'delta' && p.baseCheckpointId === 1));
  b.notifyCheckpointAborted(2);
  await t.throwsAsync(async () => p2[0]!.materialize(), { instanceOf: CheckpointError });
  b.setCurrentKey('b');
  v.update('B');
  const p3 = b.snapshot(3, { incremental: true });
  t.true(p3.every((p) => p.kind === 'delta' && p.baseCheckpointId === 1));
  store.complete(3, p3, await materializeAll(p3), true);
  b.notifyCheckpointComplete(3);
  const c = create();
  await c.restore(store.restoreInput(3, FULL_RANGE));
  const w = c.getState(new ValueStateDescriptor<string>('v'));
  for (const [k, want] of [['a', 'A'], ['b', 'B'], ['base', null]] as const) {
    c.setCurrentKey(k);
    t.is(w.value(), want, k);
  }
  t.is(c.entryCount(), 2);
});

test('incremental parts after changing 1% of keys are a small fraction of a full snapshot', async (t) => {
  const b = create({ incremental: true, writeBufferBytes: 256 * 1024 });
  const v = b.getState(new ValueStateDescriptor<{ n: number; pad: string }>('v'));
  for (let i = 0; i < 20_000; i++) {
    b.setCurrentKey(i);
    v.update({ n: i, pad: 'x'.repeat(40) });
  }
  const full = b.snapshot(1, { incremental: true });
  const fullBytes = (await materializeAll(full)).reduce((n, x) => n + x.byteLength, 0);
  b.notifyCheckpointComplete(1);
  for (let i = 0; i < 200; i++) {
    b.setCurrentKey(i * 100);
    v.update({ n: -i, pad: 'y' });
  }
  const delta = b.snapshot(2, { incremental: true });
  const deltaBytes = (await materializeAll(delta)).reduce((n, x) => n + x.byteLength, 0);
  t.true(delta.every((p) => p.kind === 'delta'));
  t.true(deltaBytes * 20 < fullBytes, `delta ${deltaBytes} B vs full ${fullBytes} B`);
  const savepoint = b.snapshot(3, { incremental: false });
  t.true(savepoint.every((p) => p.kind === 'full'));
  t.is(savepoint.length, full.length);
  await materializeAll(savepoint);
});

test('beyond maxTrackedRows the most-changed key groups are written full, and restore stays exact', async (t) => {
  const b = create({ incremental: true, maxTrackedRows: 50 });
  const model = emptyModel();
  const store = new ChainStore();
  const r = rng(5);
  const p1 = b.snapshot(1, { incremental: true });
  store.complete(1, p1, await materializeAll(p1), true);
  b.notifyCheckpointComplete(1);
  await randomOps(t, b, model, r, 2000);
  const p2 = b.snapshot(2, { incremental: true });
  t.true(p2.some((p) => p.kind === 'full'), 'untracked key groups are full');
  t.true(p2.some((p) => p.kind === 'delta'), 'tracked key groups are deltas');
  store.complete(2, p2, await materializeAll(p2), true);
  b.notifyCheckpointComplete(2);
  const expected = copyModel(model);
  await randomOps(t, b, model, r, 300);
  const p3 = b.snapshot(3, { incremental: true });
  store.complete(3, p3, await materializeAll(p3), true);
  b.notifyCheckpointComplete(3);
  await restoreAndCheck(t, store, 3, model, [FULL_RANGE]);
  await restoreAndCheck(t, store, 2, expected, rescaled(2));
});

test('garbage and malformed parts are rejected with SnapshotFormatError', async (t) => {
  const b = create();
  const r = rng(9);
  const random = Uint8Array.from({ length: 64 }, () => Math.floor(r() * 256));
  const part = (fields: Record<string, unknown>): Uint8Array => encodeState({ v: 2, kg: 3, kind: 'full', cp: 1, base: null, states: [], timers: [], ...fields });
  const section = (kind: string, puts: unknown): unknown[] => ['s', kind, false, puts, [], new Map()];
  const good = part({ states: [section('value', new Map([['k', 1]]))] });
  const bad: [string, Uint8Array[]][] = [
    ['random bytes', [random]],
    ['empty', [new Uint8Array(0)]],
    ['other cbor', [encodeState({ hello: 'world' })]],
    ['another version', [encodeState({ v: 1, kg: 3, states: [], timers: [] })]],
    ['another key group', [part({ kg: 4 })]],
    ['bad kind', [part({ states: [section('weird', new Map())] })]],
    ['puts not a Map', [part({ states: [section('value', [['k', 1]])] })]],
    ['list value not an array', [part({ states: [section('list', new Map([['k', 1]]))] })]],
    ['map value not a Map', [part({ states: [section('map', new Map([['k', 1]]))] })]],
    ['chain starting with a delta', [part({ kind: 'delta', base: 1, cp: 2, timers: null })]],
    ['chain out of order', [good, part({ kind: 'delta', cp: 3, base: 2, timers: null }), part({ kind: 'delta', cp: 4, base: 1, timers: null })]],
    ['truncated', [good.subarray(0, good.byteLength - 3)]],
  ];
  for (const [what, chain] of bad) {
    await t.throwsAsync(async () => create().restore([{ keyGroup: 3, chain }]), { instanceOf: SnapshotFormatError, code: 'WEIR_ERR_SNAPSHOT_FORMAT' }, what);
  }
  await b.restore([{ keyGroup: 3, chain: [good] }]);
  t.is(b.entryCount(), 1);
});

test('savepoints are canonical: parts move between the heap and the LevelDB backends both ways', async (t) => {
  const r = rng(31);
  const heap = new HeapKeyedStateBackend(128, FULL_RANGE) as unknown as KeyedStateBackend;
  const heapTimers = new FakeTimers();
  heap.registerTimers('timers', heapTimers);
  const model = emptyModel();
  await randomOps(t, heap, model, r, 3000, heapTimers);
  const heapParts = heap.snapshot(1, { incremental: false });
  const heapBytes = await materializeAll(heapParts);
  const level = create();
  const levelTimers = new FakeTimers();
  level.registerTimers('timers', levelTimers);
  await level.restore(heapParts.map((p, i) => ({ keyGroup: p.keyGroup, chain: [heapBytes[i]!] })));
  checkBackend(t, level, model, levelTimers);

  await randomOps(t, level, model, r, 2000, levelTimers);
  const levelParts = level.snapshot(2, { incremental: false });
  const levelBytes = await materializeAll(levelParts);
  const heap2 = new HeapKeyedStateBackend(128, FULL_RANGE) as unknown as KeyedStateBackend;
  const heap2Timers = new FakeTimers();
  heap2.registerTimers('timers', heap2Timers);
  await heap2.restore(levelParts.map((p, i) => ({ keyGroup: p.keyGroup, chain: [levelBytes[i]!] })));
  checkBackend(t, heap2, model, heap2Timers);
});

test('appends after a snapshot never show in it, though list rows grow in place', async (t) => {
  const b = create({ writeBufferBytes: 1 << 20 });
  const l = b.getListState(new ListStateDescriptor<number>('l'));
  const m = b.getMapState(new MapStateDescriptor<number, number>('m'));
  const snapshots: { n: number; parts: KeyGroupSnapshotPart[] }[] = [];
  b.setCurrentKey('long');
  for (let i = 0; i < 2000; i++) {
    l.add(i);
    m.put(i, i);
    if (i % 250 === 249) snapshots.push({ n: i + 1, parts: b.snapshot(snapshots.length + 1, { incremental: false }) });
  }
  l.addAll([-1, -2]);
  t.is(l.get().length, 2002);
  for (const { n, parts } of snapshots) {
    const bytes = await materializeAll(parts);
    const c = create();
    await c.restore(parts.map((p, i) => ({ keyGroup: p.keyGroup, chain: [bytes[i]!] })));
    c.setCurrentKey('long');
    t.deepEqual(c.getListState(new ListStateDescriptor<number>('l')).get(), Array.from({ length: n }, (_, i) => i));
    t.deepEqual([...c.getMapState(new MapStateDescriptor<number, number>('m')).keys()], Array.from({ length: n }, (_, i) => i));
    await c.dispose();
  }
});

test('incremental chains are portable too: heap chains restore into LevelDB and LevelDB chains into the heap', async (t) => {
  const r = rng(41);
  for (const from of ['heap', 'leveldb'] as const) {
    const source: KeyedStateBackend = from === 'heap' ? new HeapKeyedStateBackend(128, FULL_RANGE) : create({ incremental: true, maxDeltasPerChain: 2 });
    const timers = new FakeTimers();
    source.registerTimers('timers', timers);
    const model = emptyModel();
    const store = new ChainStore();
    let deltas = 0;
    for (let id = 1; id <= 6; id++) {
      await randomOps(t, source, model, r, 150, timers);
      const parts = source.snapshot(id, { incremental: true });
      deltas += parts.filter((p) => p.kind === 'delta').length;
      store.complete(id, parts, await materializeAll(parts), true);
      source.notifyCheckpointComplete(id);
    }
    t.true(deltas > 0, `${from} wrote deltas`);
    const target: KeyedStateBackend = from === 'heap' ? create() : new HeapKeyedStateBackend(128, FULL_RANGE);
    const targetTimers = new FakeTimers();
    target.registerTimers('timers', targetTimers);
    await target.restore(store.restoreInput(6, FULL_RANGE));
    checkBackend(t, target, model, targetTimers);
    await source.dispose();
    await target.dispose();
  }
});

test('key groups that overflowed change tracking before the first (full) checkpoint are tracked again after it', async (t) => {
  const b = create({ incremental: true, maxTrackedRows: 50 });
  const model = emptyModel();
  const store = new ChainStore();
  const r = rng(9);
  await randomOps(t, b, model, r, 2000);
  const p1 = b.snapshot(1, { incremental: true });
  t.true(p1.every((p) => p.kind === 'full'), 'the first incremental checkpoint is full');
  store.complete(1, p1, await materializeAll(p1), true);
  b.notifyCheckpointComplete(1);
  await randomOps(t, b, model, r, 20);
  const p2 = b.snapshot(2, { incremental: true });
  t.true(p2.length > 0);
  t.true(p2.every((p) => p.kind === 'delta'), 'a few changes after the full checkpoint are deltas, not full parts');
  store.complete(2, p2, await materializeAll(p2), true);
  b.notifyCheckpointComplete(2);
  await restoreAndCheck(t, store, 2, model, [FULL_RANGE]);
});
