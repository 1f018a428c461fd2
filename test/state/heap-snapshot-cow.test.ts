/**
 * Asynchronous snapshots of the heap backend: a part materialized after the operator went on
 * changing state (replacing values, mutating what it read, adding list elements and map entries,
 * clearing, adding keys) still holds the state as at the barrier (Flink's copy-on-write state map).
 */
import test from 'ava';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { copyStateValue } from '../../lib/state/heap/copy-value.js';
import { KeyGroupRange } from '../../lib/state/key-groups.js';
import type { KeyGroupSnapshotPart } from '../../lib/state/keyed-state-backend.js';
import { ManualClock } from '../../lib/time/clock.js';

const MAX_P = 8;
const RANGE = new KeyGroupRange(0, MAX_P - 1);

interface Acc {
  sum: number;
  n: number;
}

const d = {
  value: new ValueStateDescriptor<{ count: number; tags: string[] }>('value'),
  list: new ListStateDescriptor<{ id: number }>('list'),
  map: new MapStateDescriptor<string, number[]>('map'),
  reducing: new ReducingStateDescriptor<{ total: number }>('reducing', (a, b) => {
    a.total += b.total;
    return a;
  }),
  aggregating: new AggregatingStateDescriptor<number, Acc, number>('aggregating', {
    createAccumulator: () => ({ sum: 0, n: 0 }),
    add: (v, acc) => {
      acc.sum += v;
      acc.n++;
      return acc;
    },
    getResult: (acc) => acc.sum / acc.n,
    merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
  }),
};

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend(MAX_P, RANGE, new ManualClock(0));
}

/** Every key's state, as plain data (for comparing backends). */
function dump(b: HeapKeyedStateBackend, keys: readonly string[]): unknown {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    b.setCurrentKey(k);
    out[k] = {
      value: b.getState(d.value).value(),
      list: b.getListState(d.list).get(),
      map: [...b.getMapState(d.map).entries()].sort(),
      reducing: b.getReducingState(d.reducing).get(),
      aggregating: b.getAggregatingState(d.aggregating).get(),
    };
  }
  return out;
}

function fill(b: HeapKeyedStateBackend, keys: readonly string[]): void {
  keys.forEach((k, i) => {
    b.setCurrentKey(k);
    b.getState(d.value).update({ count: i, tags: ['a'] });
    b.getListState(d.list).add({ id: i });
    b.getMapState(d.map).put('m', [i]);
    b.getReducingState(d.reducing).add({ total: i });
    b.getAggregatingState(d.aggregating).add(i);
  });
}

/** Changes every kind of state in every way the operator can, for every key. */
function scribble(b: HeapKeyedStateBackend, keys: readonly string[]): void {
  keys.forEach((k, i) => {
    b.setCurrentKey(k);
    const v = b.getState(d.value);
    const cur = v.value() ?? { count: 0, tags: [] };
    cur.count += 100; // mutate what was read, in place
    cur.tags.push('changed');
    if (i % 3 === 0) v.update(cur);
    const l = b.getListState(d.list);
    l.add({ id: 1000 + i });
    const got = l.get();
    got[0]!.id -= 1; // elements handed out may be mutated too
    const m = b.getMapState(d.map);
    m.get('m')?.push(99);
    m.put('n', [i]);
    if (i % 4 === 0) m.remove('m');
    b.getReducingState(d.reducing).add({ total: 1000 });
    b.getAggregatingState(d.aggregating).add(1000);
    if (i % 5 === 0) b.getState(d.value).clear();
  });
  for (let i = 0; i < 20; i++) {
    b.setCurrentKey(`new-${i}`);
    b.getState(d.value).update({ count: -i - 1, tags: [] });
  }
}

function restoreFrom(parts: readonly KeyGroupSnapshotPart[]): HeapKeyedStateBackend {
  const b = backend();
  b.restore(parts.map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] })));
  return b;
}

const KEYS = Array.from({ length: 60 }, (_, i) => `k${i}`);
const ALL = [...KEYS, ...Array.from({ length: 20 }, (_, i) => `new-${i}`)];

for (const incremental of [false, true]) {
  test(`${incremental ? 'incremental' : 'full'}: a part materialized after the operator changed state holds the state at the barrier`, (t) => {
    const b = backend();
    fill(b, KEYS);
    const expected = structuredClone(dump(b, ALL));
    const parts = b.snapshot(1, { incremental });
    t.is(parts.length, MAX_P);
    scribble(b, KEYS);
    const after = structuredClone(dump(b, ALL));
    t.notDeepEqual(after, expected);
    t.deepEqual(dump(restoreFrom(parts), ALL), expected);
    // The live state is what the operator made it, also after materializing.
    t.deepEqual(dump(b, ALL), after);
  });
}

test('overlapping snapshots each hold their own barrier', (t) => {
  const b = backend();
  fill(b, KEYS);
  const s1 = structuredClone(dump(b, ALL));
  const p1 = b.snapshot(1, { incremental: false });
  scribble(b, KEYS);
  const s2 = structuredClone(dump(b, ALL));
  const p2 = b.snapshot(2, { incremental: false });
  scribble(b, KEYS);
  const s3 = structuredClone(dump(b, ALL));
  const p3 = b.snapshot(3, { incremental: false });
  scribble(b, KEYS);
  // Materialized out of order.
  t.deepEqual(dump(restoreFrom(p2), ALL), s2, 'second');
  scribble(b, KEYS);
  t.deepEqual(dump(restoreFrom(p3), ALL), s3, 'third');
  t.deepEqual(dump(restoreFrom(p1), ALL), s1, 'first');
});

test('materialize is idempotent; released parts throw CheckpointError', (t) => {
  const b = backend();
  fill(b, KEYS);
  const p1 = b.snapshot(1, { incremental: false });
  const bytes = p1[0]!.materialize();
  t.is(p1[0]!.materialize(), bytes);
  const p2 = b.snapshot(2, { incremental: false });
  b.notifyCheckpointAborted(2);
  const err = t.throws(() => p2[0]!.materialize(), { code: 'WEIR_ERR_CHECKPOINT' });
  t.regex(err!.message, /checkpoint 2/);
  // Parts of the aborted checkpoint no longer copy on write: later parts are still right.
  const expected = structuredClone(dump(b, ALL));
  const p3 = b.snapshot(3, { incremental: false });
  scribble(b, KEYS);
  t.deepEqual(dump(restoreFrom(p3), ALL), expected);
  const p4 = b.snapshot(4, { incremental: false });
  b.dispose();
  t.throws(() => p4[0]!.materialize(), { code: 'WEIR_ERR_CHECKPOINT' });
  t.throws(() => b.snapshot(5, { incremental: false }), { code: 'WEIR_ERR_CONFIG' });
});

test('an empty backend snapshots to no parts; parts cover only key groups with state', (t) => {
  const b = backend();
  t.deepEqual(b.snapshot(1, { incremental: false }), []);
  t.deepEqual(b.snapshot(2, { incremental: true }), []);
  b.setCurrentKey('only');
  b.getState(d.value).update({ count: 1, tags: [] });
  const parts = b.snapshot(3, { incremental: false });
  t.deepEqual(
    parts.map((p) => p.keyGroup),
    [b.currentKeyGroup],
  );
  t.is(parts[0]!.kind, 'full');
  t.is(parts[0]!.baseCheckpointId, undefined);
});

class Counter {
  n = 0;
  bump(): this {
    this.n++;
    return this;
  }
}

test('values copied on write keep their class (methods still work after a snapshot)', (t) => {
  const b = backend();
  const s = b.getState(new ValueStateDescriptor<Counter>('c'));
  b.setCurrentKey('x');
  s.update(new Counter().bump());
  const parts = b.snapshot(1, { incremental: false });
  const live = s.value()!;
  t.true(live instanceof Counter);
  s.update(live.bump());
  t.is(s.value()!.n, 2);
  for (const p of parts) p.materialize();
  t.is(s.value()!.n, 2);
});

test('copyStateValue copies plain data deeply and keeps prototypes', (t) => {
  const src = {
    n: 1,
    s: 'x',
    big: 5n,
    list: [1, { a: [2] }],
    map: new Map<unknown, unknown>([['k', { v: 1 }]]),
    set: new Set([1, 2]),
    date: new Date(5),
    bytes: new Uint8Array([1, 2, 3]),
    nil: null,
    undef: undefined,
    counter: new Counter(),
  };
  const c = copyStateValue(src);
  t.deepEqual(c, src);
  t.not(c.list, src.list);
  t.not(c.list[1], src.list[1]);
  t.not(c.map.get('k'), src.map.get('k'));
  t.not(c.bytes, src.bytes);
  t.not(c.date, src.date);
  t.true(c.counter instanceof Counter);
  t.not(c.counter, src.counter);
  t.is(copyStateValue(7), 7);
  t.is(copyStateValue(null), null);
});
