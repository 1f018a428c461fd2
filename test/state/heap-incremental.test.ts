/**
 * Incremental checkpoints of the heap backend: which key groups get a part, full or delta, on
 * which base, with which entries; aborted checkpoints, the delta-chain bound, savepoints in
 * between, timers as changes, and restores of the chains.
 */
import test from 'ava';
import { ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend, MAX_DELTA_CHAIN } from '../../lib/state/heap-keyed-state-backend.js';
import { decodeKeyGroupPart, type KeyGroupPartData } from '../../lib/state/key-group-part-format.js';
import { KeyGroupRange, assignToKeyGroup } from '../../lib/state/key-groups.js';
import type { KeyGroupSnapshotPart } from '../../lib/state/keyed-state-backend.js';
import { ManualClock } from '../../lib/time/clock.js';
import { InternalTimerService } from '../../lib/time/timer-service.js';
import { ChainStore } from './heap-test-model.js';

const MAX_P = 8;
const RANGE = new KeyGroupRange(0, MAX_P - 1);
const VALUE = new ValueStateDescriptor<number>('v');

/** Keys per key group: `KEYS_OF[kg]` are 10 keys of key group kg. */
const KEYS_OF: string[][] = Array.from({ length: MAX_P }, () => []);
for (let i = 0; KEYS_OF.some((l) => l.length < 10); i++) {
  const k = `key-${i}`;
  const l = KEYS_OF[assignToKeyGroup(k, MAX_P)]!;
  if (l.length < 10) l.push(k);
}

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend(MAX_P, RANGE, new ManualClock(0));
}

function put(b: HeapKeyedStateBackend, key: string, v: number | null): void {
  b.setCurrentKey(key);
  b.getState(VALUE).update(v);
}

function get(b: HeapKeyedStateBackend, key: string): number | null {
  b.setCurrentKey(key);
  return b.getState(VALUE).value();
}

/** Snapshot, materialize, record in the store, notify: the coordinator's whole round. */
function checkpoint(b: HeapKeyedStateBackend, store: ChainStore, id: number, incremental = true): { parts: KeyGroupSnapshotPart[]; data: KeyGroupPartData[] } {
  const parts = b.snapshot(id, { incremental });
  const bytes = parts.map((p) => p.materialize() as Uint8Array);
  store.complete(id, parts, bytes, incremental);
  b.notifyCheckpointComplete(id);
  return { parts, data: parts.map((p, i) => decodeKeyGroupPart(bytes[i]!, p.keyGroup)) };
}

function restored(store: ChainStore, id: number): HeapKeyedStateBackend {
  const b = backend();
  b.restore(store.restoreInput(id));
  return b;
}

function fillAll(b: HeapKeyedStateBackend): void {
  KEYS_OF.forEach((keys, kg) => keys.forEach((k, i) => put(b, k, kg * 100 + i)));
}

test('the first incremental checkpoint is all full parts; then only changed key groups get deltas on the last completed checkpoint', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  const c1 = checkpoint(b, store, 1);
  t.is(c1.parts.length, MAX_P);
  t.true(c1.parts.every((p) => p.kind === 'full' && p.baseCheckpointId === undefined));

  t.deepEqual(checkpoint(b, store, 2).parts, [], 'nothing changed, nothing written');

  put(b, KEYS_OF[3]![0]!, 7);
  put(b, KEYS_OF[3]![1]!, null);
  const c3 = checkpoint(b, store, 3);
  t.deepEqual(
    c3.parts.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [[3, 'delta', 2]],
  );
  const [name, kind, ttl, puts, deletes] = c3.data[0]!.states[0]!;
  t.deepEqual([name, kind, ttl], ['v', 'value', false]);
  t.deepEqual([...puts], [[KEYS_OF[3]![0]!, 7]], 'only the changed entry');
  t.deepEqual(deletes, [KEYS_OF[3]![1]!]);
  t.is(c3.data[0]!.timers, null, 'timers unchanged');

  const r = restored(store, 3);
  for (const keys of KEYS_OF) for (const k of keys) t.is(get(r, k), get(b, k));
  t.is(r.entryCount(), b.entryCount());
});

test("an aborted checkpoint's changes go into the next delta, which is based on the last completed checkpoint", (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  const [a, c, e] = [KEYS_OF[0]![0]!, KEYS_OF[1]![0]!, KEYS_OF[2]![0]!];
  put(b, a, -1);
  const p2 = b.snapshot(2, { incremental: true });
  t.deepEqual(
    p2.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [[0, 'delta', 1]],
  );
  b.notifyCheckpointAborted(2);
  put(b, c, -2);
  // Checkpoint 3 is taken but never completes (no notification); 4 must still hold everything since 1.
  const p3 = b.snapshot(3, { incremental: true });
  t.deepEqual(
    p3.map((p) => p.keyGroup),
    [0, 1],
  );
  for (const p of p3) p.materialize();
  put(b, e, -3);
  const c4 = checkpoint(b, store, 4);
  t.deepEqual(
    c4.parts.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [
      [0, 'delta', 1],
      [1, 'delta', 1],
      [2, 'delta', 1],
    ],
  );
  // A late completion of 3 is ignored (4 completed): the next delta is based on 4.
  b.notifyCheckpointComplete(3);
  put(b, a, -4);
  const c5 = checkpoint(b, store, 5);
  t.deepEqual(
    c5.parts.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [[0, 'delta', 4]],
  );
  const r = restored(store, 5);
  for (const keys of KEYS_OF) for (const k of keys) t.is(get(r, k), get(b, k));
});

test(`a chain holds at most ${MAX_DELTA_CHAIN} deltas; the next part is full`, (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  const kinds: string[] = [];
  for (let id = 1; id <= 2 * (MAX_DELTA_CHAIN + 1) + 1; id++) {
    put(b, KEYS_OF[5]![id % 10]!, id);
    const c = checkpoint(b, store, id);
    kinds.push(c.parts.find((p) => p.keyGroup === 5)!.kind);
    t.true(store.longestChain(id) <= MAX_DELTA_CHAIN + 1);
  }
  const cycle = ['full', ...Array<string>(MAX_DELTA_CHAIN).fill('delta')];
  t.deepEqual(kinds, [...cycle, ...cycle, 'full']);
  const r = restored(store, kinds.length);
  for (const k of KEYS_OF[5]!) t.is(get(r, k), get(b, k));
});

test('a delta with as many entries as the full part is written as a full part', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  for (const k of KEYS_OF[6]!) put(b, k, 1);
  put(b, KEYS_OF[7]![0]!, 1);
  const c2 = checkpoint(b, store, 2);
  t.deepEqual(
    c2.parts.map((p) => [p.keyGroup, p.kind]),
    [
      [6, 'full'],
      [7, 'delta'],
    ],
  );
});

test('savepoints are full parts of every key group with state and leave the incremental bookkeeping alone', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  const a = KEYS_OF[4]![2]!;
  put(b, a, 42);
  const sp = checkpoint(b, store, 2, false);
  t.is(sp.parts.length, MAX_P);
  t.true(sp.parts.every((p) => p.kind === 'full'));
  const fromSavepoint = restored(store, 2);
  t.is(get(fromSavepoint, a), 42);
  t.is(fromSavepoint.entryCount(), b.entryCount());
  // The change before the savepoint is still in the next delta, based on checkpoint 1.
  const c3 = checkpoint(b, store, 3);
  t.deepEqual(
    c3.parts.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [[4, 'delta', 1]],
  );
  const r = restored(store, 3);
  for (const keys of KEYS_OF) for (const k of keys) t.is(get(r, k), get(b, k));
});

test('a key group emptied since its base gets a part that restores to empty', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  for (const k of KEYS_OF[2]!) put(b, k, null);
  const c2 = checkpoint(b, store, 2);
  t.deepEqual(
    c2.parts.map((p) => [p.keyGroup, p.kind]),
    [[2, 'full']],
  );
  t.deepEqual(c2.data[0]!.states, []);
  const r = restored(store, 2);
  for (const k of KEYS_OF[2]!) t.is(get(r, k), null);
  t.is(r.entryCount(), 70);
});

test('timer changes count as changes: a delta carries its key group timers only when they changed', (t) => {
  const clock = new ManualClock(0);
  const b = new HeapKeyedStateBackend(MAX_P, RANGE, clock);
  const timers = new InternalTimerService(clock, () => {}, { backend: b, name: '_timers' });
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  const k = KEYS_OF[3]![0]!;
  b.setCurrentKey(k);
  timers.registerEventTimeTimer(k, 500);
  const c2 = checkpoint(b, store, 2);
  t.deepEqual(
    c2.parts.map((p) => [p.keyGroup, p.kind]),
    [[3, 'delta']],
  );
  t.deepEqual(c2.data[0]!.states, [], 'no state changed');
  t.deepEqual(c2.data[0]!.timers, [['_timers', { e: [k, 500], p: [] }]]);
  put(b, k, 5);
  const c3 = checkpoint(b, store, 3);
  t.is(c3.data[0]!.timers, null, 'timers unchanged since checkpoint 2');
  // Firing is a change too: the fired timer is gone from the next delta.
  const fired: number[] = [];
  timers.advanceWatermark(1000, { setCurrentKey: (key) => b.setCurrentKey(key), onEventTime: (tm) => void fired.push(tm.timestamp), onProcessingTime: () => {} });
  t.deepEqual(fired, [500]);
  const c4 = checkpoint(b, store, 4);
  t.deepEqual(c4.data[0]!.timers, [['_timers', null]]);

  // Restoring checkpoint 3 brings the timer back; 4 does not.
  for (const [id, expected] of [
    [3, [500]],
    [4, []],
  ] as const) {
    const r = backend();
    r.restore(store.restoreInput(id));
    const rt = new InternalTimerService(clock, () => {}, { backend: r, name: '_timers' });
    const got: number[] = [];
    rt.advanceWatermark(1000, { setCurrentKey: (key) => r.setCurrentKey(key), onEventTime: (tm) => void got.push(tm.timestamp), onProcessingTime: () => {} });
    t.deepEqual(got, [...expected]);
    t.is(get(r, k), 5);
  }
});

test('after a restore, the next incremental checkpoint writes the restored key groups in full', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  put(b, KEYS_OF[1]![1]!, 11);
  checkpoint(b, store, 2);
  const r = restored(store, 2);
  const store2 = new ChainStore();
  const c = checkpoint(r, store2, 3);
  t.is(c.parts.length, MAX_P);
  t.true(c.parts.every((p) => p.kind === 'full'));
  put(r, KEYS_OF[1]![1]!, 12);
  t.deepEqual(
    checkpoint(r, store2, 4).parts.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [[1, 'delta', 3]],
  );
  t.is(get(restored(store2, 4), KEYS_OF[1]![1]!), 12);
});

test('notifications for unknown checkpoints change nothing', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  b.notifyCheckpointComplete(99);
  b.notifyCheckpointAborted(98);
  checkpoint(b, store, 1);
  b.notifyCheckpointComplete(0);
  put(b, KEYS_OF[0]![0]!, 1);
  t.deepEqual(
    checkpoint(b, store, 2).parts.map((p) => [p.keyGroup, p.kind, p.baseCheckpointId]),
    [[0, 'delta', 1]],
  );
});

test('after many aborted checkpoints in a row, the next delta still holds every change since the last completed one', (t) => {
  const b = backend();
  const store = new ChainStore();
  fillAll(b);
  checkpoint(b, store, 1);
  for (let id = 2; id < 30; id++) {
    put(b, KEYS_OF[id % MAX_P]![id % 10]!, id);
    const parts = b.snapshot(id, { incremental: true });
    if (id % 2 === 0) for (const p of parts) p.materialize();
    b.notifyCheckpointAborted(id);
  }
  const c = checkpoint(b, store, 30);
  t.true(c.parts.every((p) => p.kind === 'delta' && p.baseCheckpointId === 1));
  const r = restored(store, 30);
  for (const keys of KEYS_OF) for (const k of keys) t.is(get(r, k), get(b, k));
});
