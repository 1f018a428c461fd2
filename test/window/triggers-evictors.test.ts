/**
 * Triggers, evictors, namespaced state and the merging window set on their own, against a real
 * heap keyed backend (no operator).
 */
import test from 'ava';
import {
  ContinuousProcessingTimeTrigger,
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  EventTimeTrigger,
  KeyGroupRange,
  ListStateDescriptor,
  NeverTrigger,
  ProcessingTimeTrigger,
  PurgingTrigger,
  ReducingStateDescriptor,
  TimeEvictor,
  TimeWindow,
  ValueStateDescriptor,
  type TimestampedValue,
} from '../../lib/index.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { MergingWindowSet } from '../../lib/window/merging-window-set.js';
import { NamespacedStateStore } from '../../lib/window/namespaced-state.js';
import type { OnMergeContext } from '../../lib/window/triggers.js';

/** A trigger context over a real backend that records timer calls. */
function context(watermark = Number.NEGATIVE_INFINITY, now = 0) {
  const backend = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
  backend.setCurrentKey('k');
  const store = new NamespacedStateStore(backend, '_trigger/');
  const calls: string[] = [];
  let merged: TimeWindow[] = [];
  const ctx = {
    window: new TimeWindow(0, 0),
    getCurrentWatermark: () => watermark,
    getCurrentProcessingTime: () => now,
    registerEventTimeTimer: (t: number) => void calls.push(`+event ${t}`),
    deleteEventTimeTimer: (t: number) => void calls.push(`-event ${t}`),
    registerProcessingTimeTimer: (t: number) => void calls.push(`+proc ${t}`),
    deleteProcessingTimeTimer: (t: number) => void calls.push(`-proc ${t}`),
    getPartitionedState: (d: never) => store.getPartitionedState(d) as never,
    mergePartitionedState(d: { name: string }) {
      store.mergeNamespaces(d.name, store.namespace, merged.map((w) => w.toKey()));
    },
  } as unknown as OnMergeContext;
  const at = (w: TimeWindow): OnMergeContext => {
    store.namespace = w.toKey();
    return ctx;
  };
  return { ctx, at, calls, backend, setMerged: (ws: TimeWindow[]) => void (merged = ws) };
}

const w0 = new TimeWindow(0, 1000);

test('EventTimeTrigger registers maxTimestamp, fires on it, and fires at once behind the watermark', (t) => {
  const trigger = EventTimeTrigger.create();
  const c = context(500);
  t.is(trigger.onElement(null, 10, w0, c.ctx), 'CONTINUE');
  t.deepEqual(c.calls, ['+event 999']);
  t.is(trigger.onEventTime(998, w0, c.ctx), 'CONTINUE');
  t.is(trigger.onEventTime(999, w0, c.ctx), 'FIRE');
  t.is(trigger.onEventTime(1499, w0, c.ctx), 'CONTINUE', 'the cleanup timer is not a firing');
  t.is(trigger.onElement(null, 10, w0, context(999).ctx), 'FIRE', 'maxTimestamp 999 <= watermark 999');
  // onMerge registers only while the watermark is before the merged window's end
  const late = context(999);
  trigger.onMerge(w0, late.ctx);
  t.deepEqual(late.calls, []);
  trigger.clear(w0, c.ctx);
  t.deepEqual(c.calls, ['+event 999', '-event 999']);
  t.true(trigger.canMerge());
});

test('ProcessingTimeTrigger fires on its processing-time timer', (t) => {
  const trigger = ProcessingTimeTrigger.create();
  const c = context(Number.POSITIVE_INFINITY, 100);
  t.is(trigger.onElement(null, 0, w0, c.ctx), 'CONTINUE');
  t.is(trigger.onEventTime(999, w0, c.ctx), 'CONTINUE');
  t.is(trigger.onProcessingTime(999, w0, c.ctx), 'FIRE');
  t.deepEqual(c.calls, ['+proc 999']);
});

test('CountTrigger counts per window, resets when it fires, and merges counts', (t) => {
  const trigger = CountTrigger.of(3);
  const c = context();
  const w1 = new TimeWindow(1000, 2000);
  const results = [trigger.onElement(null, 0, w0, c.at(w0)), trigger.onElement(null, 0, w1, c.at(w1)), trigger.onElement(null, 0, w0, c.at(w0)), trigger.onElement(null, 0, w0, c.at(w0))];
  t.deepEqual(results, ['CONTINUE', 'CONTINUE', 'CONTINUE', 'FIRE']);
  t.is(c.backend.entryCount(), 1, "w0's count was cleared on FIRE; w1 = 1 is left");
  // w1 (count 1) and w2 (count 1) merge into w3: 1 + 1, then the next element makes 3
  const w2 = new TimeWindow(2000, 3000);
  trigger.onElement(null, 0, w2, c.at(w2));
  const w3 = new TimeWindow(1000, 3000);
  c.setMerged([w1, w2]);
  trigger.onMerge(w3, c.at(w3));
  t.is(trigger.onElement(null, 0, w3, c.at(w3)), 'FIRE');
  trigger.clear(w3, c.at(w3));
  t.is(c.backend.entryCount(), 0);
});

test('PurgingTrigger turns FIRE into FIRE_AND_PURGE and delegates the rest; NeverTrigger never fires', (t) => {
  const trigger = PurgingTrigger.of(CountTrigger.of(1));
  const c = context();
  t.is(trigger.onElement(null, 0, w0, c.at(w0)), 'FIRE_AND_PURGE');
  t.is(trigger.onEventTime(999, w0, c.ctx), 'CONTINUE');
  t.true(trigger.canMerge());
  t.is(String(trigger), 'PurgingTrigger(CountTrigger(1))');
  const never = NeverTrigger.create();
  t.is(never.onElement(null, 0, w0, c.ctx), 'CONTINUE');
  t.is(never.onEventTime(999, w0, c.ctx), 'CONTINUE');
  t.is(never.onProcessingTime(999, w0, c.ctx), 'CONTINUE');
});

test('ContinuousProcessingTimeTrigger aligns the first firing to the interval and stops at the window end', (t) => {
  const trigger = ContinuousProcessingTimeTrigger.of(400);
  const c = context(Number.NEGATIVE_INFINITY, 250);
  t.is(trigger.onElement(null, 0, w0, c.at(w0)), 'CONTINUE'); // 250 - 250 % 400 + 400 = 400
  t.is(trigger.onElement(null, 0, w0, c.at(w0)), 'CONTINUE'); // already scheduled
  t.is(trigger.onProcessingTime(400, w0, c.at(w0)), 'FIRE'); // next min(800, 999)
  t.is(trigger.onProcessingTime(800, w0, c.at(w0)), 'FIRE'); // next min(1200, 999) = 999
  t.is(trigger.onProcessingTime(999, w0, c.at(w0)), 'FIRE');
  t.deepEqual(c.calls, ['+proc 400', '+proc 800', '+proc 999', '+proc 999']);
  trigger.clear(w0, c.at(w0));
  t.is(c.calls.at(-1), '-proc 999');
  t.is(c.backend.entryCount(), 0);
});

const tv = (pairs: [number, number][]): TimestampedValue<number>[] => pairs.map(([value, timestamp]) => ({ value, timestamp }));

test('CountEvictor drops the oldest beyond maxCount, before or after', (t) => {
  const els = tv([[1, 0], [2, 0], [3, 0], [4, 0], [5, 0]]);
  CountEvictor.of(2).evictBefore(els, els.length, w0, { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0 });
  t.deepEqual(els.map((e) => e.value), [4, 5]);
  const after = tv([[1, 0], [2, 0], [3, 0]]);
  const ctx = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0 };
  CountEvictor.of(1, true).evictBefore(after, 3, w0, ctx);
  t.is(after.length, 3, 'doEvictAfter: nothing before');
  CountEvictor.of(1, true).evictAfter(after, 3, w0, ctx);
  t.deepEqual(after.map((e) => e.value), [3]);
});

test('TimeEvictor keeps timestamps > max - size; DeltaEvictor drops elements far from the last', (t) => {
  const ctx = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0 };
  const els = tv([[1, 100], [2, 700], [3, 400], [4, 1000]]);
  TimeEvictor.of(600).evictBefore(els, 4, w0, ctx); // cutoff 1000 - 600 = 400: 100 and 400 go
  t.deepEqual(els.map((e) => e.value), [2, 4]);
  const noTs = tv([[1, Number.NEGATIVE_INFINITY], [2, 5]]);
  TimeEvictor.of(0).evictBefore(noTs, 2, w0, ctx);
  t.is(noTs.length, 2, 'the first element has no timestamp: nothing is evicted (as Flink)');
  const d = tv([[10, 0], [3, 0], [7, 0], [5, 0]]);
  DeltaEvictor.of<number>(3, (a, b) => Math.abs(a - b)).evictBefore(d, 4, w0, ctx); // last is 5: |10-5| = 5 >= 3 goes; |3-5|, |7-5|, |5-5| < 3 stay
  t.deepEqual(d.map((e) => e.value), [3, 7, 5]);
});

test('namespaced state: one backend entry per key, merges reduce and concatenate, value state refuses', (t) => {
  const backend = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
  const store = new NamespacedStateStore(backend, '_x/');
  backend.setCurrentKey('k');
  const sum = new ReducingStateDescriptor<number>('sum', (a, b) => a + b);
  const list = new ListStateDescriptor<string>('list');
  for (const [ns, v] of [['a', 1], ['b', 2], ['c', 4]] as const) {
    store.namespace = ns;
    store.getReducingState(sum).add(v);
    store.getListState(list).add(ns);
  }
  t.is(backend.entryCount(), 2, 'three windows of one key: one entry per state');
  store.mergeNamespaces('sum', 'a', ['b', 'c']);
  store.mergeNamespaces('list', 'b', ['c', 'a']);
  store.namespace = 'a';
  t.is(store.getReducingState(sum).get(), 7);
  store.namespace = 'b';
  t.deepEqual(store.getListState(list).get(), ['b', 'c', 'a']);
  store.getState(new ValueStateDescriptor<number>('v')).update(1);
  t.throws(() => store.mergeNamespaces('v', 'a', ['b']), { code: 'WEIR_ERR_CONFIG' });
  t.throws(() => store.getListState(new ListStateDescriptor<number>('sum')), { code: 'WEIR_ERR_CONFIG' });
  for (const ns of ['a', 'b']) store.clearNamespace(ns);
  t.is(backend.entryCount(), 0);
});

test('MergingWindowSet keeps state windows stable across merges, including bridging ones', (t) => {
  const backend = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
  backend.setCurrentKey('k');
  const state = backend.getState(new ValueStateDescriptor<Map<string, [TimeWindow, TimeWindow]>>('set'));
  const merges: string[] = [];
  const record = (r: TimeWindow, m: TimeWindow[], s: TimeWindow, ms: TimeWindow[]): void =>
    void merges.push(`${r.toKey()} <- ${m.map((w) => w.toKey()).join(' ')} | state ${s.toKey()} <- ${ms.map((w) => w.toKey()).join(' ')}`);
  const assigner = EventTimeSessionWindows.withGap(100);
  let set = new MergingWindowSet<TimeWindow>(assigner as never, state);
  t.is(set.addWindow(new TimeWindow(0, 100), record).toKey(), '0:100');
  t.is(set.addWindow(new TimeWindow(150, 250), record).toKey(), '150:250');
  t.deepEqual(merges, []);
  // bridging: [90,190) joins both; the new window itself is not among the merged (it had no state)
  t.is(set.addWindow(new TimeWindow(90, 190), record).toKey(), '0:250');
  t.deepEqual(merges, ['0:250 <- 0:100 150:250 | state 0:100 <- 150:250']);
  t.is(set.getStateWindow(new TimeWindow(0, 250))?.toKey(), '0:100');
  // contained in a live window: no merge of state, the live window is the result
  t.is(set.addWindow(new TimeWindow(10, 20), record).toKey(), '0:250');
  // growing a live window: it merges, the state window stays
  t.is(set.addWindow(new TimeWindow(200, 300), record).toKey(), '0:300');
  t.is(merges.at(-1), '0:300 <- 0:250 | state 0:100 <- ');
  set.persist();
  set = new MergingWindowSet<TimeWindow>(assigner as never, state); // reload from state
  t.deepEqual(set.windows().map((w) => w.toKey()), ['0:300']);
  t.is(set.getStateWindow(new TimeWindow(0, 300))?.toKey(), '0:100');
  set.retireWindow(new TimeWindow(0, 300));
  set.persist();
  t.is(backend.entryCount(), 0);
  t.throws(() => set.retireWindow(new TimeWindow(0, 300)), { message: /not in in-flight window set/ });
});
