/**
 * Restore of the heap backend from bad input: corrupt or foreign bytes fail with
 * SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) before anything is installed; restored state
 * whose kind or TTL setting differs from the registered one fails with RestoreError.
 */
import test from 'ava';
import { Encoder } from 'cbor-x';
import { ListStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange } from '../../lib/state/key-groups.js';
import type { RestoredKeyGroup } from '../../lib/state/keyed-state-backend.js';
import { StateTtlConfig } from '../../lib/state/state-ttl-config.js';
import { encodeState } from '../../lib/state/state-codec.js';
import { ManualClock } from '../../lib/time/clock.js';
import { rng } from './heap-test-model.js';

const MAX_P = 4;
const RANGE = new KeyGroupRange(0, MAX_P - 1);
const V = new ValueStateDescriptor<{ n: number; s: string }>('v');

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend(MAX_P, RANGE, new ManualClock(0));
}

/** A checkpoint (incremental, two rounds) of 200 keys: per key group a chain [full, delta]. */
function chains(): RestoredKeyGroup[] {
  const b = backend();
  const s = b.getState(V);
  for (let i = 0; i < 200; i++) {
    b.setCurrentKey(i);
    s.update({ n: i, s: 'x'.repeat(i % 7) });
  }
  const full = b.snapshot(1, { incremental: true });
  const fullBytes = new Map(full.map((p) => [p.keyGroup, p.materialize() as Uint8Array]));
  b.notifyCheckpointComplete(1);
  for (let i = 0; i < 200; i += 3) {
    b.setCurrentKey(i);
    s.update({ n: -i, s: 'y' });
  }
  const delta = b.snapshot(2, { incremental: true });
  return delta.map((p) => ({ keyGroup: p.keyGroup, chain: [fullBytes.get(p.keyGroup)!, p.materialize() as Uint8Array] }));
}

function entries(b: HeapKeyedStateBackend): number {
  return b.entryCount();
}

test('the good chains restore', (t) => {
  const b = backend();
  b.restore(chains());
  t.is(entries(b), 200);
  b.setCurrentKey(3);
  t.deepEqual(b.getState(V).value(), { n: -3, s: 'y' });
  b.setCurrentKey(4);
  t.deepEqual(b.getState(V).value(), { n: 4, s: 'xxxx' });
});

test('truncated, overwritten, appended-to and random bytes throw SnapshotFormatError and install nothing', (t) => {
  const good = chains();
  const r = rng(7);
  const corruptions: [string, (b: Uint8Array) => Uint8Array][] = [
    ['truncated', (b) => b.subarray(0, Math.floor(b.length / 2))],
    ['truncated by one byte', (b) => b.subarray(0, b.length - 1)],
    ['empty', () => new Uint8Array(0)],
    ['header overwritten', (b) => Uint8Array.from(b, (x, i) => (i < 8 ? 0xff : x))],
    ['random bytes', (b) => Uint8Array.from(b, () => Math.floor(r() * 256))],
    ['garbage appended', (b) => Uint8Array.from([...b, 0x01, 0x02, 0x03])],
    ['not cbor of a part', () => encodeState({ hello: 'world' })],
    ['a part of another key group', () => good[0]!.chain[0]!],
    ['a plain array', () => encodeState([1, 2, 3])],
    ['wrong format version', () => encodeState({ v: 1, kg: good[1]!.keyGroup, states: [], timers: [] })],
  ];
  for (const [what, corrupt] of corruptions) {
    const bad = good.map((g, i) => (i === 1 ? { keyGroup: g.keyGroup, chain: [corrupt(g.chain[0]!), g.chain[1]!] } : g));
    const b = backend();
    b.getState(V);
    t.throws(() => b.restore(bad), { code: 'WEIR_ERR_SNAPSHOT_FORMAT' }, what);
    t.is(entries(b), 0, `${what}: nothing installed`);
  }
});

test('malformed sections and chains throw SnapshotFormatError', (t) => {
  const good = chains();
  const kg = good[0]!.keyGroup;
  const raw = new Encoder({ useRecords: true, mapsAsObjects: false, tagUint8Array: true, structuredClone: false, bundleStrings: false });
  const part = (o: Record<string, unknown>): Uint8Array => encodeState({ v: 2, kg, kind: 'full', cp: 1, base: null, states: [], timers: [], ...o });
  const bad: [string, Uint8Array[]][] = [
    ['a chain starting with a delta', [good[0]!.chain[1]!]],
    ['deltas out of order', [good[0]!.chain[0]!, part({ kind: 'delta', cp: 3, base: 0 })]],
    ['unknown kind', [part({ kind: 'half' })]],
    ['a state section of the wrong length', [part({ states: [['v', 'value', false, new Map()]] })]],
    ['an unknown state kind', [part({ states: [['v', 'tree', false, new Map(), [], new Map()]] })]],
    ['entries that are not a map', [part({ states: [['v', 'value', false, [1, 2], [], new Map()]] })]],
    ['a duplicate state name', [part({ states: [['v', 'value', false, new Map(), [], new Map()], ['v', 'value', false, new Map(), [], new Map()]] })]],
    ['a missing timers section', [part({ timers: null })]],
    ['a malformed timer section', [part({ timers: [['_timers']] })]],
    ['a delta without base', [good[0]!.chain[0]!, part({ kind: 'delta', cp: 3, base: null })]],
    ['a record without version', [raw.encode({ kg, kind: 'full' })]],
  ];
  for (const [what, chain] of bad) {
    const b = backend();
    t.throws(() => b.restore([{ keyGroup: kg, chain }]), { code: 'WEIR_ERR_SNAPSHOT_FORMAT' }, what);
  }
  // Timer data itself is opaque to the backend: the timer service checks it (timer-service tests).
});

test('restored state of another kind or TTL setting than the registered one throws RestoreError', (t) => {
  const good = chains();
  const asList = backend();
  asList.getListState(new ListStateDescriptor<unknown>('v'));
  t.throws(() => asList.restore(good), { code: 'WEIR_ERR_RESTORE', message: /snapshotted as value state and is registered as list state/ });

  const withTtl = new ValueStateDescriptor<unknown>('v');
  withTtl.enableTimeToLive(StateTtlConfig.newBuilder(1000).build());
  const b = backend();
  b.getState(withTtl);
  t.throws(() => b.restore(good), { code: 'WEIR_ERR_RESTORE', message: /TTL/ });

  // Registered after the restore: the check happens when the state is asked for.
  const later = backend();
  later.restore(good);
  t.throws(() => later.getState(withTtl), { code: 'WEIR_ERR_RESTORE' });
  t.throws(() => later.getListState(new ListStateDescriptor('v')), { code: 'WEIR_ERR_RESTORE' });
  t.deepEqual(later.getState(V).value(), null);
});

test('key groups outside the range are ignored; empty chains restore nothing', (t) => {
  const good = chains();
  const b = new HeapKeyedStateBackend(MAX_P, new KeyGroupRange(0, 1), new ManualClock(0));
  b.restore([...good, { keyGroup: 0, chain: [] }]);
  const expected = good.filter((g) => g.keyGroup <= 1).length;
  t.true(expected > 0);
  let n = 0;
  for (let i = 0; i < 200; i++) {
    b.setCurrentKey(i);
    if (b.currentKeyGroup <= 1) n++;
  }
  t.is(b.entryCount(), n);
});

test('restored state not asked for yet is kept in later snapshots', (t) => {
  const b = backend();
  b.restore(chains());
  const parts = b.snapshot(5, { incremental: false });
  const c = backend();
  c.restore(parts.map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] })));
  t.is(c.entryCount(), 200);
  c.setCurrentKey(6);
  t.deepEqual(c.getState(V).value(), { n: -6, s: 'y' });
});
