/**
 * The keyed timer service: firing order and deduplication, the per-key-group index, and timers as
 * state (stored in the keyed backend): key groups marked changed, snapshot and restore of both
 * time domains, restored processing-time timers scheduled on the clock.
 */
import test from 'ava';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange, assignToKeyGroup, computeKeyGroupRangeForOperatorIndex } from '../../lib/state/key-groups.js';
import { keyToMapKey } from '../../lib/state/key-hash.js';
import { ManualClock } from '../../lib/time/clock.js';
import { InternalTimerService, type InternalTimer, type TimerTarget } from '../../lib/time/timer-service.js';

const MAX_P = 16;
const FULL = new KeyGroupRange(0, MAX_P - 1);

/** A real heap backend that also records the key groups it was told changed. */
class RecordingBackend extends HeapKeyedStateBackend {
  readonly marked: number[] = [];
  override markChanged(kg: number): void {
    this.marked.push(kg);
    super.markChanged(kg);
  }
}

/** A target that records fired timers as `key@time` with the key context it saw. */
function recorder(backend?: HeapKeyedStateBackend): { target: TimerTarget; fired: string[] } {
  const fired: string[] = [];
  const name = (tm: InternalTimer): string => `${String(keyToMapKey(tm.key))}@${tm.timestamp}`;
  return {
    fired,
    target: {
      setCurrentKey: (k) => backend?.setCurrentKey(k),
      onEventTime: (tm) => {
        if (backend !== undefined && backend.currentKey !== tm.key) throw new Error('key context not set');
        fired.push(`e:${name(tm)}`);
      },
      onProcessingTime: (tm) => {
        fired.push(`p:${name(tm)}`);
      },
    },
  };
}

test('event-time timers fire in timestamp order, once per (key, time), not when deleted', (t) => {
  const clock = new ManualClock(0);
  for (const storage of [false, true]) {
    const b = new HeapKeyedStateBackend(MAX_P, FULL, clock);
    const s = new InternalTimerService(clock, () => {}, storage ? { backend: b, name: 't' } : undefined);
    s.registerEventTimeTimer('a', 30);
    s.registerEventTimeTimer('b', 10);
    s.registerEventTimeTimer('a', 30);
    s.registerEventTimeTimer('a', 20);
    s.registerEventTimeTimer(['t', 1], 20);
    s.registerEventTimeTimer(-0, 5);
    s.registerEventTimeTimer(0, 5);
    s.deleteEventTimeTimer('b', 10);
    s.deleteEventTimeTimer('zzz', 10);
    t.deepEqual(s.timerCount(), { event: 4, processing: 0 });
    const r = recorder(b);
    s.advanceWatermark(25, r.target);
    t.deepEqual(r.fired, ['e:0@5', 'e:a@20', `e:${String(keyToMapKey(['t', 1]))}@20`]);
    s.registerEventTimeTimer('b', 10); // already due: fires on the next watermark
    s.advanceWatermark(30, r.target);
    t.deepEqual(r.fired.slice(3), ['e:b@10', 'e:a@30']);
    t.deepEqual(s.timerCount(), { event: 0, processing: 0 });
    t.is(s.currentWatermark(), 30);
  }
});

test('a timer registered while firing, for a time ≤ the watermark, fires in the same advance', (t) => {
  const clock = new ManualClock(0);
  const s = new InternalTimerService(clock, () => {});
  const fired: number[] = [];
  s.registerEventTimeTimer('k', 10);
  s.advanceWatermark(100, {
    setCurrentKey: () => {},
    onEventTime: (tm) => {
      fired.push(tm.timestamp);
      if (tm.timestamp === 10) s.registerEventTimeTimer('k', 50);
    },
    onProcessingTime: () => {},
  });
  t.deepEqual(fired, [10, 50]);
});

test('processing-time timers wake the owner up and fire when the clock reaches them', (t) => {
  const clock = new ManualClock(1000);
  let requests = 0;
  const s = new InternalTimerService(clock, () => requests++);
  s.registerProcessingTimeTimer('a', 1500);
  s.registerProcessingTimeTimer('b', 1200);
  s.deleteProcessingTimeTimer('b', 1200);
  const r = recorder();
  clock.advance(300);
  t.is(requests, 1);
  s.onProcessingTime(r.target);
  t.deepEqual(r.fired, []);
  clock.advance(200);
  t.is(requests, 2);
  s.onProcessingTime(r.target);
  t.deepEqual(r.fired, ['p:a@1500']);
  t.is(clock.pendingCount(), 0);
});

test('with storage, timers are indexed by key group and every change marks its key group', (t) => {
  const clock = new ManualClock(0);
  const b = new RecordingBackend(MAX_P, FULL, clock);
  const s = new InternalTimerService(clock, () => {}, { backend: b, name: 'timers' });
  const keys = ['a', 'b', 'c', 7, ['x', 2]];
  // Registered under the current key and under other keys: same key groups.
  b.setCurrentKey('a');
  for (const k of keys) s.registerEventTimeTimer(k, 100);
  for (const k of keys) s.registerProcessingTimeTimer(k, 200);
  const kgs = keys.map((k) => assignToKeyGroup(k, MAX_P));
  t.deepEqual(b.marked, [...kgs, ...kgs]);
  for (const [i, k] of keys.entries()) {
    const data = s.snapshotKeyGroup(kgs[i]!) as { e: unknown[]; p: unknown[] };
    t.true(data.e.some((x) => keyToMapKey(x as never) === keyToMapKey(k)), `event timer of ${String(k)} in its key group`);
    t.true(data.p.some((x) => keyToMapKey(x as never) === keyToMapKey(k)));
  }
  b.marked.length = 0;
  s.registerEventTimeTimer('a', 100); // exists: no change
  s.deleteEventTimeTimer('a', 999); // does not exist: no change
  t.deepEqual(b.marked, []);
  s.deleteEventTimeTimer('b', 100);
  t.deepEqual(b.marked, [kgs[1]]);
  b.marked.length = 0;
  s.advanceWatermark(100, recorder(b).target);
  t.deepEqual(b.marked.sort(), [kgs[0], kgs[2], kgs[3], kgs[4]].sort(), 'firing is a change');
});

test('timers survive snapshot and restore: event time on the next watermark, processing time scheduled', (t) => {
  const clock = new ManualClock(10_000);
  const b = new HeapKeyedStateBackend(MAX_P, FULL, clock);
  const s = new InternalTimerService(clock, () => {}, { backend: b, name: 'timers' });
  const expectedEvent: string[] = [];
  const expectedProc: string[] = [];
  for (let i = 0; i < 200; i++) {
    const key = i % 3 === 0 ? `k${i}` : i % 3 === 1 ? i : ['t', i];
    b.setCurrentKey(key);
    const et = 100 + ((i * 37) % 50);
    const pt = 10_000 + ((i * 53) % 70);
    s.registerEventTimeTimer(key, et);
    s.registerProcessingTimeTimer(key, pt);
    if (i % 10 === 0) s.deleteEventTimeTimer(key, et);
    else expectedEvent.push(`e:${String(keyToMapKey(key))}@${et}`);
    expectedProc.push(`p:${String(keyToMapKey(key))}@${pt}`);
  }
  const parts = b.snapshot(1, { incremental: false });
  // Changes after the barrier do not show in the snapshot.
  b.setCurrentKey('late');
  s.registerEventTimeTimer('late', 1);
  s.deleteEventTimeTimer('k3', 100 + ((3 * 37) % 50));
  const bytes = parts.map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] }));

  for (const parallelism of [1, 3]) {
    const firedEvent: string[] = [];
    const firedProc: string[] = [];
    for (let i = 0; i < parallelism; i++) {
      const range = computeKeyGroupRangeForOperatorIndex(MAX_P, parallelism, i);
      const clock2 = new ManualClock(10_000);
      let requests = 0;
      const b2 = new HeapKeyedStateBackend(MAX_P, range, clock2);
      // Half the subtasks create the service before the restore, half after.
      let s2 = i % 2 === 0 ? new InternalTimerService(clock2, () => requests++, { backend: b2, name: 'timers' }) : undefined;
      b2.restore(bytes.filter((x) => range.contains(x.keyGroup)));
      s2 ??= new InternalTimerService(clock2, () => requests++, { backend: b2, name: 'timers' });
      const r = recorder(b2);
      s2.advanceWatermark(99, r.target);
      t.deepEqual(r.fired, [], 'nothing before its time');
      s2.advanceWatermark(1000, r.target);
      const times = r.fired.map((f) => Number(f.split('@')[1]));
      t.deepEqual(times, times.slice().sort((x, y) => x - y), 'event timers in timestamp order');
      firedEvent.push(...r.fired);
      t.is(requests, 0);
      clock2.advance(100);
      t.true(requests > 0, 'restored processing-time timers are scheduled');
      const rp = recorder(b2);
      s2.onProcessingTime(rp.target);
      firedProc.push(...rp.fired);
    }
    t.deepEqual(firedEvent.sort(), expectedEvent.sort());
    t.deepEqual(firedProc.sort(), expectedProc.sort());
  }
});

test('restored processing-time timers that are already due fire at once', (t) => {
  const clock = new ManualClock(0);
  const b = new HeapKeyedStateBackend(MAX_P, FULL, clock);
  const s = new InternalTimerService(clock, () => {}, { backend: b, name: 'timers' });
  s.registerProcessingTimeTimer('a', 50);
  const chains = b.snapshot(1, { incremental: false }).map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] }));
  const clock2 = new ManualClock(100);
  const b2 = new HeapKeyedStateBackend(MAX_P, FULL, clock2);
  let requests = 0;
  const s2 = new InternalTimerService(clock2, () => requests++, { backend: b2, name: 'timers' });
  b2.restore(chains);
  clock2.advance(0);
  t.is(requests, 1);
  const r = recorder(b2);
  s2.onProcessingTime(r.target);
  t.deepEqual(r.fired, ['p:a@50']);
});

test('timers of the same timestamp keep their order within a key group across a restore', (t) => {
  const clock = new ManualClock(0);
  const b = new HeapKeyedStateBackend(1, new KeyGroupRange(0, 0), clock);
  const s = new InternalTimerService(clock, () => {}, { backend: b, name: 'timers' });
  const keys = ['z', 'a', 'm', 'b', 'y'];
  for (const k of keys) s.registerEventTimeTimer(k, 7);
  s.registerEventTimeTimer('first', 6);
  const chains = b.snapshot(1, { incremental: false }).map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] }));
  const b2 = new HeapKeyedStateBackend(1, new KeyGroupRange(0, 0), clock);
  b2.restore(chains);
  const s2 = new InternalTimerService(clock, () => {}, { backend: b2, name: 'timers' });
  const r = recorder(b2);
  s2.advanceWatermark(7, r.target);
  t.deepEqual(r.fired, ['e:first@6', ...keys.map((k) => `e:${k}@7`)]);
});

test('timer data of another shape is rejected with SnapshotFormatError', (t) => {
  const clock = new ManualClock(0);
  const b = new HeapKeyedStateBackend(MAX_P, FULL, clock);
  const s = new InternalTimerService(clock, () => {}, { backend: b, name: 'timers' });
  for (const bad of [5, null, { e: [1] }, { e: ['k', 'x'], p: [] }, { e: [], p: 'no' }, { e: [{ not: 'a key' }, 5], p: [] }]) {
    t.throws(() => s.restoreKeyGroup(0, bad), { code: 'WEIR_ERR_SNAPSHOT_FORMAT' });
  }
  t.is(s.snapshotKeyGroup(0), undefined, 'no timers: nothing to snapshot');
});
