/**
 * Test support for the LevelDB backend tests: a seeded random driver of every keyed state kind,
 * checked against a plain-Map model computed independently of any backend, plus a model of
 * checkpoint storage (chains of full and delta parts per key group).
 */
import type { ExecutionContext } from 'ava';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { KeyGroupRange, assignToKeyGroup } from '../../lib/state/key-groups.js';
import { keyToMapKey } from '../../lib/state/key-hash.js';
import type { KeyGroupSnapshotPart, KeyedStateBackend, RestoredKeyGroup, TimerStateParticipant } from '../../lib/state/keyed-state-backend.js';
import type { AggregateFunction } from '../../lib/window/window-functions.js';

export type MapKey = string | number | bigint | boolean;

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys of every supported type, including ones that normalise to the same key (0 and -0). */
export const KEYS: unknown[] = [
  ...Array.from({ length: 40 }, (_, i) => `k${i}`),
  ...Array.from({ length: 20 }, (_, i) => i * 3 - 10),
  -0, 2 ** 40 + 1, 1.5, -2.25, Number.NaN, 10n, -(2n ** 62n), true, false,
  ['x', 1], ['x', [2, 'y']], ['x', null], '\u0000odd', 'ünïcødé', '日本語', '', 'k1\u0000',
];

const MAP_KEYS: unknown[] = [0, 1, 2, 3, 'a', 'b', 'ç', ['t', 1], 5n, true];

function randomValue(r: () => number): unknown {
  switch (Math.floor(r() * 7)) {
    case 0:
      return Math.floor(r() * 1000);
    case 1:
      return `s${Math.floor(r() * 100)}`;
    case 2:
      return { n: Math.floor(r() * 100), s: 'x'.repeat(Math.floor(r() * 5)), nested: { ok: r() < 0.5 } };
    case 3:
      return [1, 'two', { three: 3 }];
    case 4:
      return new Map<unknown, unknown>([[1, 'a'], ['b', [2]]]);
    case 5:
      return BigInt(Math.floor(r() * 1e6)) * 1000000007n;
    default:
      return r() * 10;
  }
}

export interface Avg {
  sum: number;
  count: number;
}

const avg: AggregateFunction<number, Avg, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, count: acc.count + 1 }),
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

export const descriptors = {
  value: new ValueStateDescriptor<unknown>('value', 'DEFAULT'),
  list: new ListStateDescriptor<unknown>('list'),
  map: new MapStateDescriptor<unknown, unknown>('map'),
  reducing: new ReducingStateDescriptor<number>('reducing', (a, b) => a + b),
  aggregating: new AggregatingStateDescriptor<number, Avg, number>('aggregating', avg),
};

/** The expected state: per kind, normalised key → value. */
export interface Model {
  value: Map<MapKey, unknown>;
  list: Map<MapKey, unknown[]>;
  map: Map<MapKey, Map<MapKey, [unknown, unknown]>>;
  reducing: Map<MapKey, number>;
  aggregating: Map<MapKey, Avg>;
  /** Timers per key group. */
  timers: Map<number, number[]>;
}

export function emptyModel(): Model {
  return { value: new Map(), list: new Map(), map: new Map(), reducing: new Map(), aggregating: new Map(), timers: new Map() };
}

/** Deep copy of a model. */
export function copyModel(m: Model): Model {
  return {
    value: new Map(m.value),
    list: new Map([...m.list].map(([k, l]) => [k, l.slice()])),
    map: new Map([...m.map].map(([k, mm]) => [k, new Map(mm)])),
    reducing: new Map(m.reducing),
    aggregating: new Map(m.aggregating),
    timers: new Map([...m.timers].map(([k, l]) => [k, l.slice()])),
  };
}

export function entryCountOf(m: Model, range?: KeyGroupRange, maxParallelism = 128): number {
  let n = 0;
  const inRange = (k: MapKey): boolean => range === undefined || range.contains(keyGroupOfMapKey(k, maxParallelism));
  for (const t of [m.value, m.list, m.map, m.reducing, m.aggregating] as Map<MapKey, unknown>[]) for (const k of t.keys()) if (inRange(k)) n++;
  return n;
}

const byMapKey = new Map<MapKey, unknown>(KEYS.map((k) => [keyToMapKey(k), k]));

export function keyGroupOfMapKey(k: MapKey, maxParallelism: number): number {
  return assignToKeyGroup(byMapKey.get(k), maxParallelism);
}

/** A timer service's storage: sorted timestamps per key group. */
export class FakeTimers implements TimerStateParticipant {
  readonly byKg = new Map<number, number[]>();
  snapshotKeyGroup(kg: number): unknown {
    const l = this.byKg.get(kg);
    return l === undefined || l.length === 0 ? undefined : l.slice();
  }
  restoreKeyGroup(kg: number, data: unknown): void {
    const l = this.byKg.get(kg) ?? [];
    l.push(...(data as number[]));
    this.byKg.set(kg, l);
  }
}

/**
 * Applies `steps` random operations to `backend` and `model`, checking every read against the model.
 * Every `yieldEvery` steps it awaits a macrotask so background flushes progress.
 */
export async function randomOps(t: ExecutionContext, backend: KeyedStateBackend, model: Model, r: () => number, steps: number, timers?: FakeTimers, yieldEvery = 200): Promise<void> {
  const v = backend.getState(descriptors.value);
  const l = backend.getListState(descriptors.list);
  const m = backend.getMapState(descriptors.map);
  const red = backend.getReducingState(descriptors.reducing);
  const agg = backend.getAggregatingState(descriptors.aggregating);
  for (let step = 0; step < steps; step++) {
    if (step % yieldEvery === yieldEvery - 1) await new Promise((res) => setImmediate(res));
    const key = KEYS[Math.floor(r() * KEYS.length)];
    const mk = keyToMapKey(key);
    backend.setCurrentKey(key);
    const op = Math.floor(r() * 22);
    switch (op) {
      case 0:
      case 1: {
        const val = r() < 0.1 ? null : randomValue(r);
        v.update(val);
        if (val === null) model.value.delete(mk);
        else model.value.set(mk, val);
        break;
      }
      case 2:
        v.clear();
        model.value.delete(mk);
        break;
      case 3:
        t.deepEqual(v.value(), model.value.has(mk) ? model.value.get(mk) : 'DEFAULT');
        break;
      case 4:
      case 5: {
        const val = randomValue(r);
        l.add(val);
        model.list.set(mk, [...(model.list.get(mk) ?? []), val]);
        break;
      }
      case 6: {
        const vals = Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r));
        l.addAll(vals);
        if (vals.length > 0) model.list.set(mk, [...(model.list.get(mk) ?? []), ...vals]);
        break;
      }
      case 7: {
        const vals = Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r));
        l.update(vals);
        if (vals.length === 0) model.list.delete(mk);
        else model.list.set(mk, vals);
        break;
      }
      case 8: {
        const got = l.get();
        t.deepEqual(got, model.list.get(mk) ?? []);
        got.push('not stored'); // get() returns a copy
        t.deepEqual(l.get(), model.list.get(mk) ?? []);
        if (r() < 0.2) {
          l.clear();
          model.list.delete(mk);
        }
        break;
      }
      case 9:
      case 10:
      case 11: {
        const uk = MAP_KEYS[Math.floor(r() * MAP_KEYS.length)];
        const val = randomValue(r);
        m.put(uk, val);
        const mm = model.map.get(mk) ?? new Map<MapKey, [unknown, unknown]>();
        mm.set(keyToMapKey(uk), [uk, val]);
        model.map.set(mk, mm);
        break;
      }
      case 12: {
        const uk = MAP_KEYS[Math.floor(r() * MAP_KEYS.length)];
        m.remove(uk);
        const mm = model.map.get(mk);
        if (mm !== undefined) {
          mm.delete(keyToMapKey(uk));
          if (mm.size === 0) model.map.delete(mk);
        }
        break;
      }
      case 13: {
        const uk = MAP_KEYS[Math.floor(r() * MAP_KEYS.length)];
        const e = model.map.get(mk)?.get(keyToMapKey(uk));
        t.is(m.contains(uk), e !== undefined);
        t.deepEqual(m.get(uk), e?.[1]);
        break;
      }
      case 14: {
        const mm = model.map.get(mk);
        t.is(m.isEmpty(), mm === undefined);
        t.deepEqual(sortEntries([...m.entries()]), sortEntries(mm === undefined ? [] : [...mm.values()]));
        t.deepEqual(new Set(m.keys()).size, mm?.size ?? 0);
        t.deepEqual([...m.values()].length, mm?.size ?? 0);
        if (r() < 0.15) {
          m.clear();
          model.map.delete(mk);
        }
        break;
      }
      case 15: {
        const entries: [unknown, unknown][] = [[MAP_KEYS[0], 'p0'], [MAP_KEYS[4], 'p4']];
        m.putAll(entries);
        const mm = model.map.get(mk) ?? new Map<MapKey, [unknown, unknown]>();
        for (const [uk, val] of entries) mm.set(keyToMapKey(uk), [uk, val]);
        model.map.set(mk, mm);
        break;
      }
      case 16:
      case 17: {
        const n = Math.floor(r() * 100);
        red.add(n);
        model.reducing.set(mk, (model.reducing.get(mk) ?? 0) + n);
        t.is(red.get(), model.reducing.get(mk) ?? null);
        break;
      }
      case 18:
        if (r() < 0.3) {
          red.clear();
          model.reducing.delete(mk);
        }
        t.is(red.get(), model.reducing.get(mk) ?? null);
        break;
      case 19: {
        const n = Math.floor(r() * 100);
        agg.add(n);
        const a = model.aggregating.get(mk) ?? { sum: 0, count: 0 };
        model.aggregating.set(mk, { sum: a.sum + n, count: a.count + 1 });
        break;
      }
      case 20: {
        const a = model.aggregating.get(mk);
        t.is(agg.get(), a === undefined ? null : a.sum / a.count);
        if (r() < 0.3) {
          agg.clear();
          model.aggregating.delete(mk);
        }
        break;
      }
      default: {
        if (timers === undefined) break;
        const kg = backend.currentKeyGroup;
        const l2 = model.timers.get(kg) ?? [];
        if (r() < 0.7 || l2.length === 0) l2.push(Math.floor(r() * 1e6));
        else l2.shift();
        if (l2.length === 0) model.timers.delete(kg);
        else model.timers.set(kg, l2);
        timers.byKg.set(kg, l2.slice());
        backend.markChanged(kg);
      }
    }
  }
}

function sortEntries(e: [unknown, unknown][]): [unknown, unknown][] {
  return e.slice().sort((a, b) => String(keyToMapKey(a[0])).localeCompare(String(keyToMapKey(b[0]))));
}

/**
 * Checks that `backend` holds exactly `model`'s state for the keys of its key-group range (and
 * nothing for other keys), including `entryCount` and, if given, the timers.
 */
export function checkBackend(t: ExecutionContext, backend: KeyedStateBackend, model: Model, timers?: FakeTimers): void {
  const range = backend.keyGroupRange;
  const v = backend.getState(descriptors.value);
  const l = backend.getListState(descriptors.list);
  const m = backend.getMapState(descriptors.map);
  const red = backend.getReducingState(descriptors.reducing);
  const agg = backend.getAggregatingState(descriptors.aggregating);
  for (const key of KEYS) {
    backend.setCurrentKey(key);
    if (!range.contains(backend.currentKeyGroup)) continue;
    const mk = keyToMapKey(key);
    t.deepEqual(v.value(), model.value.has(mk) ? model.value.get(mk) : 'DEFAULT', `value of ${String(mk)}`);
    t.deepEqual(l.get(), model.list.get(mk) ?? [], `list of ${String(mk)}`);
    const mm = model.map.get(mk);
    t.deepEqual(sortEntries([...m.entries()]), sortEntries(mm === undefined ? [] : [...mm.values()]), `map of ${String(mk)}`);
    t.is(m.isEmpty(), mm === undefined);
    t.is(red.get(), model.reducing.get(mk) ?? null);
    const a = model.aggregating.get(mk);
    t.is(agg.get(), a === undefined ? null : a.sum / a.count);
  }
  t.is(backend.entryCount(), entryCountOf(model, range, backend.maxParallelism), 'entryCount');
  if (timers !== undefined) {
    for (const kg of range) t.deepEqual(timers.byKg.get(kg) ?? [], model.timers.get(kg) ?? [], `timers of key group ${kg}`);
  }
}

/** Checkpoint storage as the coordinator keeps it: per completed checkpoint, per key group, a chain of part bytes. */
export class ChainStore {
  private readonly completed = new Map<number, Map<number, Uint8Array[]>>();
  private last: number | undefined;

  /** Records checkpoint `id` as completed with `parts` (already materialized). */
  complete(id: number, parts: readonly KeyGroupSnapshotPart[], bytes: readonly Uint8Array[], incremental: boolean): void {
    const chains = new Map<number, Uint8Array[]>();
    if (incremental && this.last !== undefined) for (const [kg, c] of this.completed.get(this.last)!) chains.set(kg, c);
    parts.forEach((p, i) => {
      if (p.kind === 'full') chains.set(p.keyGroup, [bytes[i]!]);
      else {
        const base = this.completed.get(p.baseCheckpointId!)?.get(p.keyGroup);
        if (base === undefined) throw new Error(`delta of key group ${p.keyGroup} on checkpoint ${p.baseCheckpointId} that has no chain for it`);
        chains.set(p.keyGroup, [...base, bytes[i]!]);
      }
    });
    this.completed.set(id, chains);
    this.last = id;
  }

  /** The chains of checkpoint `id` for the key groups in `range`. */
  restoreInput(id: number, range: KeyGroupRange): RestoredKeyGroup[] {
    const out: RestoredKeyGroup[] = [];
    for (const [kg, chain] of this.completed.get(id)!) if (range.contains(kg)) out.push({ keyGroup: kg, chain });
    return out;
  }

  /** Longest chain of checkpoint `id`. */
  longestChain(id: number): number {
    let n = 0;
    for (const c of this.completed.get(id)!.values()) n = Math.max(n, c.length);
    return n;
  }
}

export const FULL_RANGE = new KeyGroupRange(0, 127);
