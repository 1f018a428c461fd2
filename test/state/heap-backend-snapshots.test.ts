/**
 * The heap keyed-state backend against an independent model: seeded random operations over many
 * keys, every state kind and event-time timers; full and incremental checkpoints taken at random
 * points, materialized late (after more operations), aborted or completed out of order, plus
 * savepoints; restores of completed checkpoints into fresh backends with the same and with other
 * key-group ranges (rescaling), compared key by key with the model as at each barrier.
 */
import test, { type ExecutionContext } from 'ava';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange, computeKeyGroupRangeForOperatorIndex } from '../../lib/state/key-groups.js';
import type { KeyGroupSnapshotPart } from '../../lib/state/keyed-state-backend.js';
import { ManualClock } from '../../lib/time/clock.js';
import { InternalTimerService } from '../../lib/time/timer-service.js';
import { ChainStore, KEYS, checkSubject, copyModel, emptyModel, makeDescriptorsCached, randomOp, rng, type Model, type Subject } from './heap-test-model.js';

function subject(maxParallelism: number, range: KeyGroupRange, clock: ManualClock, timersFirst = true): Subject {
  const backend = new HeapKeyedStateBackend(maxParallelism, range, clock);
  const timers = timersFirst ? new InternalTimerService(clock, () => {}, { backend, name: '_timers' }) : (undefined as unknown as InternalTimerService);
  return { backend, timers };
}

interface Pending {
  id: number;
  parts: KeyGroupSnapshotPart[];
  incremental: boolean;
  model: Model;
}

interface Completed {
  id: number;
  incremental: boolean;
  model: Model;
}

/** Drives one subject for `steps` random operations with random checkpoints; returns what completed. */
function drive(t: ExecutionContext, s: Subject, model: Model, r: () => number, steps: number, store: ChainStore, incremental: boolean, firstId: number): { completed: Completed[]; nextId: number } {
  const pending: Pending[] = [];
  const completed: Completed[] = [];
  let nextId = firstId;
  const finish = (p: Pending): void => {
    const bytes = p.parts.map(materialized);
    store.complete(p.id, p.parts, bytes, p.incremental);
    s.backend.notifyCheckpointComplete(p.id);
    completed.push({ id: p.id, incremental: p.incremental, model: p.model });
  };
  for (let step = 0; step < steps; step++) {
    randomOp(t, s, model, r);
    const x = r();
    if (x < 0.012 && pending.length < 3) {
      const savepoint = incremental && r() < 0.15;
      const id = nextId++;
      const parts = s.backend.snapshot(id, { incremental: incremental && !savepoint });
      if (savepoint) t.true(parts.every((p) => p.kind === 'full'), 'savepoints are full');
      pending.push({ id, parts, incremental: incremental && !savepoint, model: copyModel(model) });
    } else if (x < 0.022 && pending.length > 0) {
      const fate = r();
      if (fate < 0.12) {
        // Aborted before it was written: its parts are released, its changes stay for the next delta.
        const p = pending.shift()!;
        s.backend.notifyCheckpointAborted(p.id);
        if (p.parts.length > 0) t.throws(() => p.parts[0]!.materialize(), { code: 'WEIR_ERR_CHECKPOINT' });
      } else if (fate < 0.22) {
        // Written, then aborted (e.g. another subtask declined).
        const p = pending.shift()!;
        for (const part of p.parts) part.materialize();
        s.backend.notifyCheckpointAborted(p.id);
      } else if (fate < 0.32 && pending.length > 1) {
        // The newest completes first: older incremental ones are subsumed, older savepoints not.
        const p = pending.pop()!;
        finish(p);
        for (const old of pending.splice(0)) {
          if (old.incremental) {
            if (old.parts.length > 0) t.throws(() => old.parts[0]!.materialize(), { code: 'WEIR_ERR_CHECKPOINT' });
          } else pending.push(old);
        }
      } else finish(pending.shift()!);
    }
  }
  for (const p of pending.splice(0)) finish(p);
  return { completed, nextId };
}

/** The part's bytes (the heap backend materializes synchronously). */
function materialized(part: KeyGroupSnapshotPart): Uint8Array {
  const b = part.materialize();
  if (!(b instanceof Uint8Array)) throw new Error('heap parts materialize synchronously');
  return b;
}

function restoreInto(store: ChainStore, id: number, maxParallelism: number, range: KeyGroupRange, clock: ManualClock, timersFirst: boolean): Subject {
  const s = subject(maxParallelism, range, clock, timersFirst);
  if (timersFirst) {
    // States asked for before the restore see the restored data too.
    const d = makeDescriptorsCached();
    s.backend.getState(d.value);
    s.backend.getListState(d.list);
  }
  void s.backend.restore(store.restoreInput(id, range));
  if (!timersFirst) s.timers = new InternalTimerService(clock, () => {}, { backend: s.backend, name: '_timers' });
  return s;
}

for (const [name, incremental, maxParallelism, seed] of [
  ['full checkpoints', false, 32, 11],
  ['incremental checkpoints', true, 32, 12],
  ['incremental checkpoints, 128 key groups', true, 128, 13],
  ['incremental checkpoints, another seed', true, 16, 14],
] as const) {
  test(`model: ${name} restore to the model state as at each barrier, also rescaled`, (t) => {
    const r = rng(seed);
    const clock = new ManualClock(0);
    const full = new KeyGroupRange(0, maxParallelism - 1);
    const s = subject(maxParallelism, full, clock);
    const model = emptyModel();
    const store = new ChainStore();
    const { completed, nextId } = drive(t, s, model, r, 6000, store, incremental, 1);
    t.true(completed.length >= 10, `enough checkpoints completed (${completed.length})`);
    t.log(`${completed.length} checkpoints completed, last one with ${store.deltaCount(completed.at(-1)!.id)} deltas`);
    if (incremental) {
      const last = completed.filter((c) => c.incremental).at(-1)!;
      t.true(store.deltaCount(last.id) > 0, 'deltas were written');
      t.true(store.longestChain(last.id) <= 9, 'a chain has at most 8 deltas on its full part');
    }

    // The live backend matches the model (timers checked at the end, firing them changes state).
    checkSubject(t, s, model, undefined, false);

    // Restore the last three completed checkpoints (and savepoints) into fresh backends.
    for (const c of completed.slice(-3)) {
      checkSubject(t, restoreInto(store, c.id, maxParallelism, full, clock, c.id % 2 === 0), c.model);
      // Rescaled to three subtasks: each gets only its key groups.
      for (let i = 0; i < 3; i++) {
        const range = computeKeyGroupRangeForOperatorIndex(maxParallelism, 3, i);
        checkSubject(t, restoreInto(store, c.id, maxParallelism, range, clock, i % 2 === 0), c.model);
      }
    }

    // A restored backend keeps working: more operations and checkpoints on it restore right too.
    const last = completed.at(-1)!;
    const range = computeKeyGroupRangeForOperatorIndex(maxParallelism, 2, 1);
    const s2 = restoreInto(store, last.id, maxParallelism, range, clock, true);
    const model2 = copyModel(last.model);
    const store2 = new ChainStore();
    const keysInRange = keysOf(s2);
    const more = driveKeys(t, s2, model2, r, 2500, store2, incremental, nextId, keysInRange);
    checkSubject(t, restoreInto(store2, more.at(-1)!.id, maxParallelism, range, clock, false), more.at(-1)!.model, keysInRange);
    checkSubject(t, s, model);
  });
}

/** The model's keys that belong to the subject's key groups. */
function keysOf(s: Subject): unknown[] {
  return KEYS.filter((k) => {
    s.backend.setCurrentKey(k);
    return s.backend.keyGroupRange.contains(s.backend.currentKeyGroup);
  });
}

/** Like {@link drive}, for the keys given (those of a rescaled subtask). */
function driveKeys(t: ExecutionContext, s: Subject, model: Model, r: () => number, steps: number, store: ChainStore, incremental: boolean, firstId: number, keys: readonly unknown[]): Completed[] {
  const completed: Completed[] = [];
  let id = firstId;
  for (let step = 0; step < steps; step++) {
    randomOp(t, s, model, r, keys);
    if (step % 300 === 299) {
      const parts = s.backend.snapshot(id, { incremental });
      const bytes = parts.map(materialized);
      store.complete(id, parts, bytes, incremental);
      s.backend.notifyCheckpointComplete(id);
      completed.push({ id, incremental, model: copyModel(model) });
      id++;
    }
  }
  return completed;
}
