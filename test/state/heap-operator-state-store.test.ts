/**
 * The heap operator state store (Flink's DefaultOperatorStateBackend) and the redistribution of
 * operator state over a new parallelism (Flink's RoundRobinOperatorStateRepartitioner): list,
 * union-list and broadcast states, snapshots as copies, restore before and after first use,
 * redistribution mode checks.
 */
import test from 'ava';
import { ListStateDescriptor, MapStateDescriptor } from '../../lib/index.js';
import { BroadcastStateStore } from '../../lib/state/broadcast-state.js';
import { HeapOperatorStateStore } from '../../lib/state/heap-operator-state-store.js';
import { redistributeOperatorState, type OperatorStateSnapshot } from '../../lib/state/operator-state-store.js';
import { decodeState, encodeState } from '../../lib/state/state-codec.js';

const offsets = new ListStateDescriptor<number>('offsets');
const seen = new ListStateDescriptor<string>('seen');
const rules = new MapStateDescriptor<string, { limit: number }>('rules');

test('list, union list and broadcast states: the same object per name, snapshot of everything (empty states included)', (t) => {
  const s = new HeapOperatorStateStore();
  t.true(s.isEmpty());
  t.false(s.isRestored);
  const l = s.getListState(offsets);
  t.is(s.getListState(offsets), l);
  l.add(1);
  l.addAll([2, 3]);
  const copy = l.get();
  copy.push(99); // get() is a copy
  t.deepEqual(l.get(), [1, 2, 3]);
  s.getUnionListState(seen); // empty, but snapshotted with its name
  const b = s.getBroadcastState(rules);
  t.is(s.getBroadcastState(rules), b as never);
  b.put('a', { limit: 1 });
  b.putAll([['b', { limit: 2 }]]);
  b.remove('a');
  t.false(s.isEmpty());
  t.deepEqual(s.getRegisteredStateNames().sort(), ['offsets', 'seen']);
  t.deepEqual(s.getRegisteredBroadcastStateNames(), ['rules']);
  t.deepEqual(s.snapshot(), { list: { offsets: [1, 2, 3] }, union: { seen: [] }, broadcast: { rules: [['b', { limit: 2 }]] } });
});

test('a snapshot copies the lists and maps: later adds, updates and puts do not show', (t) => {
  const s = new HeapOperatorStateStore();
  const l = s.getListState(offsets);
  const b = s.getBroadcastState(rules);
  l.update([1]);
  b.put('a', { limit: 1 });
  const snap = s.snapshot();
  l.add(2);
  l.update([7, 8]);
  b.put('b', { limit: 2 });
  b.clear();
  t.deepEqual(snap, { list: { offsets: [1] }, union: {}, broadcast: { rules: [['a', { limit: 1 }]] } });
});

test('restore before first use: states start with the restored values; restore after first use: they are replaced', (t) => {
  const snap: OperatorStateSnapshot = { list: { offsets: [5, 6] }, union: { seen: ['x'] }, broadcast: { rules: [['a', { limit: 3 }]] } };
  const before = new HeapOperatorStateStore();
  before.restore(snap);
  t.true(before.isRestored);
  t.deepEqual(before.getListState(offsets).get(), [5, 6]);
  t.deepEqual(before.getUnionListState(seen).get(), ['x']);
  t.deepEqual(before.getBroadcastState(rules).get('a'), { limit: 3 });

  const after = new HeapOperatorStateStore();
  const l = after.getListState(offsets);
  const u = after.getUnionListState(new ListStateDescriptor<string>('other'));
  const b = after.getBroadcastState(rules);
  l.add(1);
  u.add('gone');
  b.put('z', { limit: 0 });
  after.restore(snap);
  t.deepEqual(l.get(), [5, 6], 'the same object now holds the restored list');
  t.deepEqual(u.get(), [], "a state the snapshot does not have is empty after the restore");
  t.deepEqual(b.immutableEntries(), [['a', { limit: 3 }]]);
  t.is(after.getListState(offsets), l);
});

test('restored states not asked for again are kept in later snapshots (and survive a chain of restores)', (t) => {
  const first = new HeapOperatorStateStore();
  first.getListState(offsets).update([1, 2]);
  first.getUnionListState(seen).update(['a']);
  first.getBroadcastState(rules).put('r', { limit: 9 });
  const snap1 = decodeState(encodeState(first.snapshot())) as OperatorStateSnapshot;

  const second = new HeapOperatorStateStore(); // a new version of the operator that uses only 'offsets'
  second.restore(snap1);
  second.getListState(offsets).add(3);
  const snap2 = second.snapshot();
  t.deepEqual(snap2, { list: { offsets: [1, 2, 3] }, union: { seen: ['a'] }, broadcast: { rules: [['r', { limit: 9 }]] } });
  t.deepEqual(second.getRegisteredStateNames().sort(), ['offsets', 'seen']);

  const third = new HeapOperatorStateStore();
  third.restore(snap2);
  t.deepEqual(third.getUnionListState(seen).get(), ['a']);
  t.deepEqual(third.getBroadcastState(rules).get('r'), { limit: 9 });
});

test('a list state keeps its redistribution mode, also across a restore (Flink: incompatible redistribution mode)', (t) => {
  const s = new HeapOperatorStateStore();
  s.getListState(offsets);
  t.throws(() => s.getUnionListState(offsets), { code: 'WEIR_ERR_CONFIG', message: "operator state 'offsets' was registered as list state and is now asked for as union list state" });

  const restored = new HeapOperatorStateStore();
  restored.restore({ list: {}, union: { offsets: [1] }, broadcast: {} });
  t.throws(() => restored.getListState(offsets), { code: 'WEIR_ERR_CONFIG', message: /was restored as union list state and is now asked for as list state/ });

  const early = new HeapOperatorStateStore();
  early.getListState(offsets);
  t.throws(() => early.restore({ list: {}, union: { offsets: [1] }, broadcast: {} }), { code: 'WEIR_ERR_CONFIG', message: /was restored as union list state/ });
  t.false(early.isRestored, 'a refused restore changes nothing');
  t.throws(() => new HeapOperatorStateStore().restore({ list: { x: [] }, union: { x: [] }, broadcast: {} }), { code: 'WEIR_ERR_CONFIG', message: /both a list and a union list state/ });
});

test('list names and broadcast names are separate namespaces', (t) => {
  const s = new HeapOperatorStateStore();
  s.getListState(new ListStateDescriptor<number>('rules')).add(1);
  s.getBroadcastState(rules).put('k', { limit: 1 });
  t.deepEqual(s.snapshot(), { list: { rules: [1] }, union: {}, broadcast: { rules: [['k', { limit: 1 }]] } });
});

test('BroadcastStateStore keeps its states in the operator state store: restored entries show, writes are snapshotted', (t) => {
  const store = new HeapOperatorStateStore();
  store.restore({ list: {}, union: {}, broadcast: { rules: [['a', { limit: 1 }]] } });
  const bs = new BroadcastStateStore([rules as MapStateDescriptor<unknown, unknown>], store);
  t.deepEqual(bs.getReadOnly(rules).get('a'), { limit: 1 });
  bs.get(rules).put('b', { limit: 2 });
  t.is(bs.getReadOnly(rules).size(), 2, 'the read-only view sees writes');
  t.deepEqual(store.snapshot().broadcast, { rules: [['a', { limit: 1 }], ['b', { limit: 2 }]] });
  const unknown = new MapStateDescriptor<string, number>('typo');
  t.throws(() => bs.get(unknown), { code: 'WEIR_ERR_CONFIG', message: /The requested broadcast state 'typo' does not exist/ });
  t.throws(() => bs.getReadOnly(unknown), { code: 'WEIR_ERR_CONFIG', message: /does not exist/ });
  t.throws(() => new BroadcastStateStore([rules, rules] as MapStateDescriptor<unknown, unknown>[], new HeapOperatorStateStore()), { code: 'WEIR_ERR_CONFIG', message: "broadcast state 'rules' was given twice to broadcast(...)" });
});

// ---------------------------------------------------------------------------------------------
// Redistribution

const sub = (offsetsOf: number[], seenOf: string[], rulesOf: [string, { limit: number }][] | undefined): OperatorStateSnapshot => ({
  list: { offsets: offsetsOf },
  union: { seen: seenOf },
  broadcast: rulesOf === undefined ? {} : { rules: rulesOf },
});

test('redistribution at the same parallelism: each subtask keeps its own list, union lists go to all', (t) => {
  const old = [sub([1, 2], ['a'], [['r', { limit: 1 }]]), sub([3], ['b', 'c'], [['r', { limit: 1 }]])];
  t.deepEqual(redistributeOperatorState(old, 2), [sub([1, 2], ['a', 'b', 'c'], [['r', { limit: 1 }]]), sub([3], ['a', 'b', 'c'], [['r', { limit: 1 }]])]);
});

test('redistribution to more subtasks: list elements dealt round-robin in old subtask order, broadcast copied', (t) => {
  const old = [sub([1, 2, 3], ['a'], [['r', { limit: 1 }]]), undefined, sub([4, 5], [], [['r', { limit: 1 }]])];
  const out = redistributeOperatorState(old, 4);
  t.deepEqual(
    out.map((o) => o.list.offsets),
    [[1, 5], [2], [3], [4]],
  );
  t.true(out.every((o) => JSON.stringify(o.union.seen) === '["a"]'));
  // New subtask 1 maps to old subtask 1, which had no state: it gets another subtask's copy.
  t.true(out.every((o) => JSON.stringify(o.broadcast.rules) === '[["r",{"limit":1}]]'));
});

test('redistribution to fewer subtasks: nothing is lost or duplicated; every subtask sees every name', (t) => {
  const old = [sub([1], [], undefined), sub([2, 3], [], undefined), sub([], ['z'], undefined), sub([4], [], undefined)];
  const out = redistributeOperatorState(old, 3);
  t.deepEqual(
    out.map((o) => o.list.offsets),
    [[1, 4], [2], [3]],
  );
  t.deepEqual(
    out.flatMap((o) => o.list.offsets!).sort(),
    [1, 2, 3, 4],
  );
  t.deepEqual(redistributeOperatorState([sub([], [], undefined)], 2), [sub([], [], undefined), sub([], [], undefined)]);
  t.deepEqual(redistributeOperatorState([undefined, undefined], 1), [{ list: {}, union: {}, broadcast: {} }]);
});

test('redistribution copies: changing a share changes neither the input nor another share', (t) => {
  const old = [sub([1], ['a'], [['r', { limit: 1 }]])];
  const [x, y] = redistributeOperatorState(old, 2);
  x!.union.seen!.push('mutated');
  x!.broadcast.rules!.push(['s', { limit: 2 }]);
  t.deepEqual(y!.union.seen, ['a']);
  t.deepEqual(y!.broadcast.rules, [['r', { limit: 1 }]]);
  t.deepEqual(old[0], sub([1], ['a'], [['r', { limit: 1 }]]));
});

test('redistribution checks its arguments', (t) => {
  t.throws(() => redistributeOperatorState([], 1), { code: 'WEIR_ERR_CONFIG', message: /zero subtasks/ });
  t.throws(() => redistributeOperatorState([undefined], 0), { code: 'WEIR_ERR_CONFIG', message: /integer >= 1/ });
  t.throws(() => redistributeOperatorState([undefined], 1.5), { code: 'WEIR_ERR_CONFIG' });
});
