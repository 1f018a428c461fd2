/**
 * State TTL with Flink's semantics, on processing time from a manual clock: the config builder,
 * expiry (`lastAccess + ttl <= now`), update types, visibility, per-element list and per-entry map
 * TTL, reducing and aggregating state, cleanup in full snapshots, incremental cleanup, and the
 * decorators over another backend's raw state (`createTtlState`).
 */
import test from 'ava';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor, type StateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange } from '../../lib/state/key-groups.js';
import type { AnyKeyedState } from '../../lib/state/keyed-state-backend.js';
import type { ValueState } from '../../lib/state/keyed-state.js';
import { DEFAULT_INCREMENTAL_CLEANUP, StateTtlConfig, StateVisibility, UpdateType } from '../../lib/state/state-ttl-config.js';
import { createTtlState } from '../../lib/state/ttl/ttl-states.js';
import { ManualClock } from '../../lib/time/clock.js';

const TTL = 1000;
const RANGE = new KeyGroupRange(0, 7);

function ttl(b = StateTtlConfig.newBuilder(TTL).disableCleanupInBackground()): StateTtlConfig {
  return b.build();
}

function withTtl<D extends StateDescriptor<unknown>>(d: D, config: StateTtlConfig = ttl()): D {
  d.enableTimeToLive(config);
  return d;
}

function setup(start = 10_000): { clock: ManualClock; b: HeapKeyedStateBackend } {
  const clock = new ManualClock(start);
  return { clock, b: new HeapKeyedStateBackend(8, RANGE, clock) };
}

test('builder: defaults, setters, validation, immutability', (t) => {
  const c = StateTtlConfig.newBuilder(500).build();
  t.is(c.ttl, 500);
  t.is(c.updateType, 'OnCreateAndWrite');
  t.is(c.stateVisibility, 'NeverReturnExpired');
  t.false(c.cleanupFullSnapshot);
  t.true(c.cleanupInBackground);
  t.is(c.incrementalCleanupStrategy, undefined);
  t.deepEqual(c.incrementalCleanup, DEFAULT_INCREMENTAL_CLEANUP, "Flink's heap default: 5 entries per access");
  t.true(Object.isFrozen(c));

  const d = StateTtlConfig.newBuilder(500)
    .setUpdateType(StateTtlConfig.UpdateType.OnReadAndWrite)
    .setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp)
    .cleanupFullSnapshot()
    .cleanupIncrementally(10, true)
    .setTtl(700)
    .build();
  t.deepEqual([d.ttl, d.updateType, d.stateVisibility, d.cleanupFullSnapshot], [700, 'OnReadAndWrite', 'ReturnExpiredIfNotCleanedUp', true]);
  t.deepEqual(d.incrementalCleanup, { cleanupSize: 10, runCleanupForEveryRecord: true });
  t.deepEqual(d.toBuilder().build(), d);
  t.is(StateTtlConfig.newBuilder(1).disableCleanupInBackground().build().incrementalCleanup, undefined);
  t.is(StateTtlConfig.newBuilder(1).updateTtlOnReadAndWrite().returnExpiredIfNotCleanedUp().build().updateType, UpdateType.OnReadAndWrite);

  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) t.throws(() => StateTtlConfig.newBuilder(bad), { code: 'WEIR_ERR_CONFIG' });
  for (const bad of [0, -2, 1.5]) t.throws(() => StateTtlConfig.newBuilder(1).cleanupIncrementally(bad, false), { code: 'WEIR_ERR_CONFIG' });
  t.throws(() => StateTtlConfig.newBuilder(1).setUpdateType('Disabled' as never), { code: 'WEIR_ERR_CONFIG' });
  t.throws(() => StateTtlConfig.newBuilder(1).setStateVisibility('Sometimes' as never), { code: 'WEIR_ERR_CONFIG' });
  t.throws(() => new ValueStateDescriptor('x').enableTimeToLive({ ttl: 5 } as never), { code: 'WEIR_ERR_CONFIG' });
  const vd = new ValueStateDescriptor('x');
  t.is(vd.ttlConfig, undefined);
  vd.enableTimeToLive(c);
  t.is(vd.ttlConfig, c);
});

test('value state expires ttl ms after the last write (OnCreateAndWrite); reads do not refresh it', (t) => {
  const { clock, b } = setup();
  const s = b.getState(withTtl(new ValueStateDescriptor<string>('v', 'default')));
  b.setCurrentKey('k');
  s.update('a');
  clock.advance(TTL - 1);
  t.is(s.value(), 'a', 'still alive 1 ms before');
  clock.advance(1);
  t.is(s.value(), 'default', 'expired at exactly last write + ttl: the descriptor default');
  t.is(b.entryCount(), 0, 'the expired value was cleaned up on read');
  s.update('b');
  clock.advance(TTL - 1);
  s.update('c'); // a write refreshes
  clock.advance(TTL - 1);
  t.is(s.value(), 'c');
  s.update(null);
  t.is(s.value(), 'default');
});

test('OnReadAndWrite: reads refresh the timestamp', (t) => {
  const { clock, b } = setup();
  const s = b.getState(withTtl(new ValueStateDescriptor<number>('v'), ttl(StateTtlConfig.newBuilder(TTL).setUpdateType('OnReadAndWrite').disableCleanupInBackground())));
  b.setCurrentKey('k');
  s.update(1);
  for (let i = 0; i < 5; i++) {
    clock.advance(TTL - 1);
    t.is(s.value(), 1);
  }
  clock.advance(TTL);
  t.is(s.value(), null);
});

test('ReturnExpiredIfNotCleanedUp returns an expired value once (the read cleans it up)', (t) => {
  const { clock, b } = setup();
  const s = b.getState(withTtl(new ValueStateDescriptor<number>('v'), ttl(StateTtlConfig.newBuilder(TTL).returnExpiredIfNotCleanedUp().disableCleanupInBackground())));
  b.setCurrentKey('k');
  s.update(1);
  clock.advance(TTL);
  t.is(s.value(), 1);
  t.is(s.value(), null);
});

test('list state: every element has its own TTL', (t) => {
  const { clock, b } = setup();
  const s = b.getListState(withTtl(new ListStateDescriptor<string>('l')));
  b.setCurrentKey('k');
  s.add('a');
  clock.advance(400);
  s.addAll(['b', 'c']);
  clock.advance(400);
  s.add('d');
  t.deepEqual(s.get(), ['a', 'b', 'c', 'd']);
  clock.advance(200); // a expires (written 1000 ms ago)
  t.deepEqual(s.get(), ['b', 'c', 'd']);
  clock.advance(400); // b and c expire
  t.deepEqual(s.get(), ['d']);
  clock.advance(400);
  t.deepEqual(s.get(), []);
  t.is(b.entryCount(), 0, 'an all-expired list is removed');
  s.update(['x', 'y']);
  clock.advance(TTL);
  s.add('z');
  t.deepEqual(s.get(), ['z']);
});

test('list state with OnReadAndWrite refreshes the elements it returns; ReturnExpiredIfNotCleanedUp returns expired ones once', (t) => {
  const { clock, b } = setup();
  const rw = b.getListState(withTtl(new ListStateDescriptor<string>('rw'), ttl(StateTtlConfig.newBuilder(TTL).updateTtlOnReadAndWrite().disableCleanupInBackground())));
  const ret = b.getListState(withTtl(new ListStateDescriptor<string>('ret'), ttl(StateTtlConfig.newBuilder(TTL).returnExpiredIfNotCleanedUp().disableCleanupInBackground())));
  b.setCurrentKey('k');
  rw.add('a');
  ret.add('a');
  clock.advance(500);
  ret.add('b');
  clock.advance(TTL - 500);
  t.deepEqual(ret.get(), ['a', 'b'], 'a is expired but not cleaned up yet');
  t.deepEqual(ret.get(), ['b']);
  t.deepEqual(rw.get(), []);
  rw.add('x');
  clock.advance(TTL - 1);
  t.deepEqual(rw.get(), ['x']);
  clock.advance(TTL - 1);
  t.deepEqual(rw.get(), ['x'], 'refreshed by the read');
});

test('map state: every entry has its own TTL', (t) => {
  const { clock, b } = setup();
  const s = b.getMapState(withTtl(new MapStateDescriptor<string, number>('m')));
  b.setCurrentKey('k');
  s.put('a', 1);
  clock.advance(500);
  s.putAll([
    ['b', 2],
    ['c', 3],
  ]);
  t.deepEqual([...s.entries()], [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  clock.advance(500);
  t.is(s.get('a'), undefined);
  t.false(s.contains('a'));
  t.is(s.get('b'), 2);
  t.deepEqual([...s.keys()], ['b', 'c']);
  t.deepEqual([...s.values()], [2, 3]);
  t.false(s.isEmpty());
  s.put('c', 30); // refreshed
  clock.advance(500);
  t.deepEqual([...s.entries()], [['c', 30]]);
  clock.advance(500);
  t.true(s.isEmpty());
  t.is(b.entryCount(), 0);
  s.put('d', 4);
  s.remove('d');
  t.true(s.isEmpty());
});

test('map state with OnReadAndWrite: get, contains and iteration refresh entries', (t) => {
  const { clock, b } = setup();
  const s = b.getMapState(withTtl(new MapStateDescriptor<string, number>('m'), ttl(StateTtlConfig.newBuilder(TTL).updateTtlOnReadAndWrite().disableCleanupInBackground())));
  b.setCurrentKey('k');
  s.put('a', 1);
  s.put('b', 2);
  s.put('c', 3);
  clock.advance(TTL - 1);
  t.is(s.get('a'), 1);
  t.true(s.contains('b'));
  clock.advance(TTL - 1);
  t.deepEqual([...s.entries()].sort(), [
    ['a', 1],
    ['b', 2],
  ]);
  clock.advance(TTL - 1);
  t.deepEqual([...s.keys()].sort(), ['a', 'b']);
});

test('reducing state: an expired value is not reduced into', (t) => {
  const { clock, b } = setup();
  const s = b.getReducingState(withTtl(new ReducingStateDescriptor<number>('r', (x, y) => x + y)));
  b.setCurrentKey('k');
  s.add(1);
  s.add(2);
  t.is(s.get(), 3);
  clock.advance(TTL);
  t.is(s.get(), null);
  s.add(5);
  clock.advance(TTL - 1);
  s.add(1);
  clock.advance(TTL - 1);
  t.is(s.get(), 6, 'add refreshes');
  clock.advance(1);
  s.add(10);
  t.is(s.get(), 10, 'the expired 6 was dropped, not reduced');
});

test('aggregating state: an expired accumulator is replaced by a new one', (t) => {
  const { clock, b } = setup();
  const s = b.getAggregatingState(
    withTtl(
      new AggregatingStateDescriptor<number, number[], string>('a', {
        createAccumulator: () => [],
        add: (v, acc) => [...acc, v],
        getResult: (acc) => acc.join('+'),
        merge: (x, y) => [...x, ...y],
      }),
    ),
  );
  b.setCurrentKey('k');
  t.is(s.get(), null);
  s.add(1);
  s.add(2);
  t.is(s.get(), '1+2');
  clock.advance(TTL);
  t.is(s.get(), null);
  s.add(3);
  t.is(s.get(), '3');
  clock.advance(TTL);
  s.add(4);
  t.is(s.get(), '4');
});

function restoreFull(b: HeapKeyedStateBackend, clock: ManualClock): HeapKeyedStateBackend {
  const parts = b.snapshot(1, { incremental: false });
  const r = new HeapKeyedStateBackend(8, RANGE, clock);
  r.restore(parts.map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] })));
  return r;
}

test('cleanupFullSnapshot leaves expired entries and elements out of full snapshots; timestamps survive restores', (t) => {
  for (const clean of [true, false]) {
    const { clock, b } = setup();
    const cfg = clean ? ttl(StateTtlConfig.newBuilder(TTL).cleanupFullSnapshot().disableCleanupInBackground()) : ttl();
    const v = b.getState(withTtl(new ValueStateDescriptor<number>('v'), cfg));
    const l = b.getListState(withTtl(new ListStateDescriptor<number>('l'), cfg));
    const m = b.getMapState(withTtl(new MapStateDescriptor<string, number>('m'), cfg));
    for (let i = 0; i < 10; i++) {
      b.setCurrentKey(i);
      v.update(i);
      l.add(i);
      m.put('old', i);
    }
    clock.advance(600);
    for (let i = 0; i < 5; i++) {
      b.setCurrentKey(i);
      v.update(i * 10);
      l.add(i * 10);
      m.put('new', i);
    }
    clock.advance(400); // everything written first has expired
    t.is(b.entryCount(), 30, 'nothing cleaned up yet');
    const r = restoreFull(b, clock);
    t.is(r.entryCount(), clean ? 15 : 30);
    const rv = r.getState(withTtl(new ValueStateDescriptor<number>('v'), cfg));
    const rl = r.getListState(withTtl(new ListStateDescriptor<number>('l'), cfg));
    const rm = r.getMapState(withTtl(new MapStateDescriptor<string, number>('m'), cfg));
    for (let i = 0; i < 10; i++) {
      r.setCurrentKey(i);
      // Expired ones stay invisible either way: the restored timestamps are the original ones.
      t.is(rv.value(), i < 5 ? i * 10 : null);
      t.deepEqual(rl.get(), i < 5 ? [i * 10] : []);
      t.deepEqual([...rm.entries()], i < 5 ? [['new', i]] : []);
    }
    clock.advance(600);
    r.setCurrentKey(0);
    t.is(rv.value(), null, 'restored values expire on the original schedule');
  }
});

test('cleanupIncrementally: each state access checks cleanupSize more entries', (t) => {
  const { clock, b } = setup();
  const s = b.getState(withTtl(new ValueStateDescriptor<number>('v'), ttl(StateTtlConfig.newBuilder(TTL).cleanupIncrementally(3, false))));
  for (let i = 0; i < 30; i++) {
    b.setCurrentKey(i);
    s.update(i);
  }
  clock.advance(TTL);
  b.setCurrentKey(1000);
  t.is(b.entryCount(), 30, 'changing the key cleans nothing (runCleanupForEveryRecord off)');
  s.value();
  t.is(b.entryCount(), 27);
  s.value();
  s.update(5); // fresh, never cleaned
  t.is(b.entryCount(), 22);
  for (let i = 0; i < 20; i++) s.value();
  t.is(b.entryCount(), 1);
  t.is(s.value(), 5);
});

test('cleanupIncrementally with runCleanupForEveryRecord cleans on every key change too; the default cleans 5 per access', (t) => {
  const { clock, b } = setup();
  const every = b.getListState(withTtl(new ListStateDescriptor<number>('every'), ttl(StateTtlConfig.newBuilder(TTL).cleanupIncrementally(2, true))));
  const dflt = b.getListState(withTtl(new ListStateDescriptor<number>('default'), StateTtlConfig.newBuilder(TTL).build()));
  const none = b.getListState(withTtl(new ListStateDescriptor<number>('none'), ttl()));
  for (let i = 0; i < 20; i++) {
    b.setCurrentKey(i);
    every.add(i);
    dflt.add(i);
    none.add(i);
  }
  clock.advance(TTL);
  const counts = (): number[] => ['every', 'default', 'none'].map((name) => countOf(b, name));
  t.deepEqual(counts(), [20, 20, 20]);
  b.setCurrentKey('x');
  t.deepEqual(counts(), [18, 20, 20]);
  dflt.get();
  none.get();
  t.deepEqual(counts(), [18, 15, 20]);
});

/** Keys with a value in one state (the backend's entryCount counts all states together). */
function countOf(b: HeapKeyedStateBackend, name: string): number {
  let n = 0;
  b.applyToAllKeys(withTtl(new ListStateDescriptor<number>(name)), () => n++);
  return n;
}

test('a TTL setting cannot change between registrations', (t) => {
  const { b } = setup();
  b.getState(withTtl(new ValueStateDescriptor<number>('v')));
  t.throws(() => b.getState(new ValueStateDescriptor<number>('v')), { code: 'WEIR_ERR_CONFIG', message: /TTL/ });
});

test('createTtlState decorates any backend: here the raw states of another heap backend', (t) => {
  const clock = new ManualClock(0);
  const raw = new HeapKeyedStateBackend(8, RANGE, clock);
  const d = withTtl(new ValueStateDescriptor<string>('v'));
  const s = createTtlState((rawDescriptor) => raw.getStateByDescriptor(rawDescriptor) as AnyKeyedState, d, clock) as ValueState<string>;
  raw.setCurrentKey('k');
  s.update('x');
  const stored = raw.getState(new ValueStateDescriptor<{ userValue: string; lastAccessTimestamp: number }>('v')).value();
  t.deepEqual(stored, { userValue: 'x', lastAccessTimestamp: 0 }, 'the raw state holds TtlValues');
  clock.advance(TTL);
  t.is(s.value(), null);
  t.throws(() => createTtlState(() => raw.getState(new ValueStateDescriptor('w')), new ValueStateDescriptor('w'), clock), { code: 'WEIR_ERR_CONFIG' });
});
