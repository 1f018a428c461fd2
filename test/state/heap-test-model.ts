/**
 * Test support for the heap keyed-state backend tests: a seeded random driver of every keyed state
 * kind (and timers), checked against a plain-Map model computed independently of any backend, and
 * a model of checkpoint storage (per completed checkpoint, per key group, a chain of part bytes).
 */
import type { ExecutionContext } from 'ava';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { keyToMapKey } from '../../lib/state/key-hash.js';
import type { KeyGroupRange } from '../../lib/state/key-groups.js';
import type { KeyGroupSnapshotPart, KeyedStateBackend, RestoredKeyGroup } from '../../lib/state/keyed-state-backend.js';
import { StateTtlConfig } from '../../lib/state/state-ttl-config.js';
import type { InternalTimerService } from '../../lib/time/timer-service.js';
import type { AggregateFunction } from '../../lib/window/window-functions.js';

export type MapKey = string | number | bigint | boolean;

/** mulberry32: a small seeded PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys of every supported type (0 and -0 normalise to one key). */
export const KEYS: unknown[] = [
  ...Array.from({ length: 150 }, (_, i) => `key-${i}`),
  ...Array.from({ length: 60 }, (_, i) => i * 7 - 100),
  -0,
  2 ** 41 + 3,
  0.25,
  Number.NaN,
  12n,
  -(2n ** 60n),
  true,
  false,
  ['a', 1],
  ['a', [2, 'b']],
  ['a', null],
  '\u0000nul',
  'ünï',
  '',
];

const USER_KEYS: unknown[] = [0, 1, 2, 'a', 'b', ['t', 1], 7n, false];

/** Random plain data of several shapes. */
export function randomValue(r: () => number): unknown {
  switch (Math.floor(r() * 7)) {
    case 0:
      return Math.floor(r() * 1000);
    case 1:
      return `s${Math.floor(r() * 100)}`;
    case 2:
      return { n: Math.floor(r() * 100), tags: ['x', 'y'].slice(0, Math.floor(r() * 3)), inner: { ok: r() < 0.5 } };
    case 3:
      return [1, 'two', { three: 3 }];
    case 4:
      return new Map<unknown, unknown>([
        [1, 'a'],
        ['b', [2, { c: 3 }]],
      ]);
    case 5:
      return BigInt(Math.floor(r() * 1e6)) * 1000003n;
    default:
      return new Date(1_700_000_000_000 + Math.floor(r() * 1e6));
  }
}

export interface Avg {
  sum: number;
  count: number;
}

/** An aggregate function that mutates its accumulator in place (allowed, as in Flink). */
const mutatingAvg: AggregateFunction<number, Avg, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (v, acc) => {
    acc.sum += v;
    acc.count++;
    return acc;
  },
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

export interface Total {
  total: number;
  parts: number[];
}

/** Descriptors of the model's states (one per kind, plus a counter object updated in place and a TTL list). */
export function makeDescriptors() {
  const ttlList = new ListStateDescriptor<unknown>('ttl-list');
  // Never expires in these tests (the clock stays below the TTL): checks the TTL layout round-trips.
  ttlList.enableTimeToLive(StateTtlConfig.newBuilder(1e12).disableCleanupInBackground().build());
  return {
    value: new ValueStateDescriptor<unknown>('value', 'DEFAULT'),
    counter: new ValueStateDescriptor<{ count: number; seen: number[] }>('counter'),
    list: new ListStateDescriptor<unknown>('list'),
    map: new MapStateDescriptor<unknown, unknown>('map'),
    // Reduces into its first argument, in place (allowed, as in Flink's heap backend).
    reducing: new ReducingStateDescriptor<Total>('reducing', (a, b) => {
      a.total += b.total;
      a.parts.push(...b.parts);
      return a;
    }),
    aggregating: new AggregatingStateDescriptor<number, Avg, number>('aggregating', mutatingAvg),
    ttlList,
  };
}

/** The expected state: per state, normalised key → value; timers as `mapKey@time` per key group. */
export interface Model {
  value: Map<MapKey, unknown>;
  counter: Map<MapKey, { count: number; seen: number[] }>;
  list: Map<MapKey, unknown[]>;
  map: Map<MapKey, Map<MapKey, [unknown, unknown]>>;
  reducing: Map<MapKey, Total>;
  aggregating: Map<MapKey, Avg>;
  ttlList: Map<MapKey, unknown[]>;
  /** Event-time timers: normalised key → timestamps. */
  timers: Map<MapKey, Set<number>>;
}

export function emptyModel(): Model {
  return { value: new Map(), counter: new Map(), list: new Map(), map: new Map(), reducing: new Map(), aggregating: new Map(), ttlList: new Map(), timers: new Map() };
}

/** A deep copy of the model (its state as at a barrier). */
export function copyModel(m: Model): Model {
  return structuredClone(m);
}

/** The operator under test: the backend, its states and its timer service. */
export interface Subject {
  backend: KeyedStateBackend;
  timers: InternalTimerService;
}

/**
 * Applies one random operation for a random key to the subject and the model, checking every read
 * against the model.
 */
export function randomOp(t: ExecutionContext, s: Subject, model: Model, r: () => number, keys: readonly unknown[] = KEYS): void {
  const d = makeDescriptorsCached();
  const b = s.backend;
  const key = keys[Math.floor(r() * keys.length)];
  const mk = keyToMapKey(key);
  b.setCurrentKey(key);
  const v = b.getState(d.value);
  const counter = b.getState(d.counter);
  const l = b.getListState(d.list);
  const m = b.getMapState(d.map);
  const red = b.getReducingState(d.reducing);
  const agg = b.getAggregatingState(d.aggregating);
  const tl = b.getListState(d.ttlList);
  switch (Math.floor(r() * 24)) {
    case 0:
    case 1: {
      const val = r() < 0.1 ? null : randomValue(r);
      v.update(val);
      if (val === null) model.value.delete(mk);
      else model.value.set(mk, structuredClone(val));
      break;
    }
    case 2:
      t.deepEqual(v.value(), model.value.has(mk) ? model.value.get(mk) : 'DEFAULT');
      if (r() < 0.3) {
        v.clear();
        model.value.delete(mk);
      }
      break;
    case 3:
    case 4: {
      // Read, mutate in place, write back: the snapshot must not see the mutation.
      const x = Math.floor(r() * 100);
      const c = counter.value() ?? { count: 0, seen: [] };
      c.count++;
      c.seen.push(x);
      counter.update(c);
      const e = model.counter.get(mk) ?? { count: 0, seen: [] };
      model.counter.set(mk, { count: e.count + 1, seen: [...e.seen, x] });
      break;
    }
    case 5: {
      const val = randomValue(r);
      l.add(val);
      model.list.set(mk, [...(model.list.get(mk) ?? []), structuredClone(val)]);
      break;
    }
    case 6: {
      const vals = Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r));
      if (r() < 0.5) {
        l.addAll(vals);
        if (vals.length > 0) model.list.set(mk, [...(model.list.get(mk) ?? []), ...structuredClone(vals)]);
      } else {
        l.update(vals);
        if (vals.length === 0) model.list.delete(mk);
        else model.list.set(mk, structuredClone(vals));
      }
      break;
    }
    case 7: {
      const got = l.get();
      t.deepEqual(got, model.list.get(mk) ?? []);
      if (r() < 0.2) {
        l.clear();
        model.list.delete(mk);
      }
      break;
    }
    case 8:
    case 9: {
      const uk = USER_KEYS[Math.floor(r() * USER_KEYS.length)];
      const val = randomValue(r);
      m.put(uk, val);
      const mm = model.map.get(mk) ?? new Map<MapKey, [unknown, unknown]>();
      mm.set(keyToMapKey(uk), [uk, structuredClone(val)]);
      model.map.set(mk, mm);
      break;
    }
    case 10: {
      const uk = USER_KEYS[Math.floor(r() * USER_KEYS.length)];
      m.remove(uk);
      const mm = model.map.get(mk);
      if (mm !== undefined) {
        mm.delete(keyToMapKey(uk));
        if (mm.size === 0) model.map.delete(mk);
      }
      break;
    }
    case 11: {
      const uk = USER_KEYS[Math.floor(r() * USER_KEYS.length)];
      const e = model.map.get(mk)?.get(keyToMapKey(uk));
      t.is(m.contains(uk), e !== undefined);
      t.deepEqual(m.get(uk), e?.[1]);
      const mm = model.map.get(mk);
      t.is(m.isEmpty(), mm === undefined);
      if (r() < 0.1) {
        m.clear();
        model.map.delete(mk);
      }
      break;
    }
    case 12:
    case 13: {
      const n = Math.floor(r() * 100);
      red.add({ total: n, parts: [n] });
      const cur = model.reducing.get(mk);
      model.reducing.set(mk, cur === undefined ? { total: n, parts: [n] } : { total: cur.total + n, parts: [...cur.parts, n] });
      t.deepEqual(red.get(), model.reducing.get(mk));
      break;
    }
    case 14:
      if (r() < 0.3) {
        red.clear();
        model.reducing.delete(mk);
      }
      t.deepEqual(red.get(), model.reducing.get(mk) ?? null);
      break;
    case 15:
    case 16: {
      const n = Math.floor(r() * 100);
      agg.add(n);
      const a = model.aggregating.get(mk) ?? { sum: 0, count: 0 };
      model.aggregating.set(mk, { sum: a.sum + n, count: a.count + 1 });
      break;
    }
    case 17: {
      const a = model.aggregating.get(mk);
      t.is(agg.get(), a === undefined ? null : a.sum / a.count);
      if (r() < 0.3) {
        agg.clear();
        model.aggregating.delete(mk);
      }
      break;
    }
    case 18: {
      const val = randomValue(r);
      tl.add(val);
      model.ttlList.set(mk, [...(model.ttlList.get(mk) ?? []), structuredClone(val)]);
      break;
    }
    case 19:
      t.deepEqual(tl.get(), model.ttlList.get(mk) ?? []);
      if (r() < 0.2) {
        tl.clear();
        model.ttlList.delete(mk);
      }
      break;
    case 20:
    case 21: {
      const time = 1000 + Math.floor(r() * 50);
      s.timers.registerEventTimeTimer(key, time);
      const set = model.timers.get(mk) ?? new Set<number>();
      set.add(time);
      model.timers.set(mk, set);
      break;
    }
    case 22: {
      const set = model.timers.get(mk);
      const time = set !== undefined && set.size > 0 && r() < 0.8 ? [...set][Math.floor(r() * set.size)]! : 1000 + Math.floor(r() * 50);
      s.timers.deleteEventTimeTimer(key, time);
      set?.delete(time);
      if (set?.size === 0) model.timers.delete(mk);
      break;
    }
    default:
      // Touch without change: reads of every state.
      t.deepEqual(counter.value(), model.counter.get(mk) ?? null);
      t.deepEqual(l.get(), model.list.get(mk) ?? []);
  }
}

let cached: ReturnType<typeof makeDescriptors> | undefined;
/** One set of descriptors shared by every subject (as an operator shares them across restores). */
export function makeDescriptorsCached(): ReturnType<typeof makeDescriptors> {
  return (cached ??= makeDescriptors());
}

function sortEntries(e: [unknown, unknown][]): [unknown, unknown][] {
  return e.slice().sort((a, b) => String(keyToMapKey(a[0])).localeCompare(String(keyToMapKey(b[0]))));
}

/**
 * Checks that the subject holds exactly the model's state for the keys of its key-group range,
 * and nothing for other keys: every state of every key, the entry count, and the timers (fired
 * with a final watermark: each exactly once, in timestamp order).
 */
export function checkSubject(t: ExecutionContext, s: Subject, model: Model, keys: readonly unknown[] = KEYS, checkTimers = true): void {
  const d = makeDescriptorsCached();
  const b = s.backend;
  const range = b.keyGroupRange;
  const v = b.getState(d.value);
  const counter = b.getState(d.counter);
  const l = b.getListState(d.list);
  const m = b.getMapState(d.map);
  const red = b.getReducingState(d.reducing);
  const agg = b.getAggregatingState(d.aggregating);
  const tl = b.getListState(d.ttlList);
  let expectedEntries = 0;
  const expectedTimers: [MapKey, number][] = [];
  for (const key of keys) {
    b.setCurrentKey(key);
    const mk = keyToMapKey(key);
    if (!range.contains(b.currentKeyGroup)) continue;
    t.deepEqual(v.value(), model.value.has(mk) ? model.value.get(mk) : 'DEFAULT', `value of ${String(mk)}`);
    t.deepEqual(counter.value(), model.counter.get(mk) ?? null, `counter of ${String(mk)}`);
    t.deepEqual(l.get(), model.list.get(mk) ?? [], `list of ${String(mk)}`);
    const mm = model.map.get(mk);
    t.deepEqual(sortEntries([...m.entries()]), sortEntries(mm === undefined ? [] : [...mm.values()]), `map of ${String(mk)}`);
    t.deepEqual(red.get(), model.reducing.get(mk) ?? null, `reducing of ${String(mk)}`);
    const a = model.aggregating.get(mk);
    t.is(agg.get(), a === undefined ? null : a.sum / a.count, `aggregating of ${String(mk)}`);
    t.deepEqual(tl.get(), model.ttlList.get(mk) ?? [], `ttl list of ${String(mk)}`);
    for (const table of [model.value, model.counter, model.list, model.map, model.reducing, model.aggregating, model.ttlList] as Map<MapKey, unknown>[]) if (table.has(mk)) expectedEntries++;
    for (const time of model.timers.get(mk) ?? []) expectedTimers.push([mk, time]);
  }
  // ttl-list entries are counted too; keys of other key groups must have nothing.
  t.is(b.entryCount(), expectedEntries, 'entry count');
  if (!checkTimers) return;
  t.is(s.timers.timerCount().event, expectedTimers.length, 'timer count');
  const fired: [MapKey, number][] = [];
  s.timers.advanceWatermark(Number.MAX_SAFE_INTEGER, {
    setCurrentKey: (k) => b.setCurrentKey(k),
    onEventTime: (timer) => {
      fired.push([keyToMapKey(timer.key), timer.timestamp]);
    },
    onProcessingTime: () => t.fail('no processing-time timers'),
  });
  for (let i = 1; i < fired.length; i++) t.true(fired[i - 1]![1] <= fired[i]![1], 'timers fire in timestamp order');
  const norm = (l: [MapKey, number][]): string[] => l.map(([k, time]) => `${typeof k}:${String(k)}@${time}`).sort();
  t.deepEqual(norm(fired), norm(expectedTimers), 'timers');
}

/** Checkpoint storage as a coordinator keeps it: per completed checkpoint (and savepoint), per key group, a chain of part bytes. */
export class ChainStore {
  private readonly completed = new Map<number, Map<number, Uint8Array[]>>();
  private lastIncremental: number | undefined;

  /**
   * Records checkpoint `id` as completed with its materialized `parts`. An incremental checkpoint
   * starts from the chains of the last completed incremental one (unchanged key groups), then
   * each full part starts a chain and each delta extends its base's chain.
   */
  complete(id: number, parts: readonly KeyGroupSnapshotPart[], bytes: readonly Uint8Array[], incremental: boolean): void {
    const chains = new Map<number, Uint8Array[]>();
    if (incremental && this.lastIncremental !== undefined) for (const [kg, c] of this.completed.get(this.lastIncremental)!) chains.set(kg, c);
    parts.forEach((p, i) => {
      if (p.kind === 'full') chains.set(p.keyGroup, [bytes[i]!]);
      else {
        const base = this.completed.get(p.baseCheckpointId!)?.get(p.keyGroup);
        if (base === undefined) throw new Error(`delta of key group ${p.keyGroup} on checkpoint ${String(p.baseCheckpointId)}, which has no chain for it`);
        chains.set(p.keyGroup, [...base, bytes[i]!]);
      }
    });
    this.completed.set(id, chains);
    if (incremental) this.lastIncremental = id;
  }

  /** The chains of checkpoint `id` for the key groups in `range`. */
  restoreInput(id: number, range?: KeyGroupRange): RestoredKeyGroup[] {
    const out: RestoredKeyGroup[] = [];
    for (const [kg, chain] of this.completed.get(id)!) if (range === undefined || range.contains(kg)) out.push({ keyGroup: kg, chain });
    return out;
  }

  /** Longest chain of checkpoint `id`. */
  longestChain(id: number): number {
    let n = 0;
    for (const c of this.completed.get(id)!.values()) n = Math.max(n, c.length);
    return n;
  }

  /** Number of deltas over all chains of checkpoint `id`. */
  deltaCount(id: number): number {
    let n = 0;
    for (const c of this.completed.get(id)!.values()) n += c.length - 1;
    return n;
  }
}
