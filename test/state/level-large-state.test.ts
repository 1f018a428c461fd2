import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { LevelDBStateBackend } from '../../lib/state/level/leveldb-state-backend.js';
import type { LevelKeyedStateBackend } from '../../lib/state/level/level-keyed-state-backend.js';
import { ManualClock } from '../../lib/time/clock.js';
import { ChainStore, FULL_RANGE } from './level-model.js';

const root = join(tmpdir(), `weir-level-large-test-${process.pid}`);
const open: LevelKeyedStateBackend[] = [];
let subtask = 0;
const WRITE_BUFFER = 32 * 1024;
const MAX_BUFFERED = 4 * WRITE_BUFFER;

function create(): LevelKeyedStateBackend {
  const b = new LevelDBStateBackend({ path: root, writeBufferBytes: WRITE_BUFFER, maxBufferedBytes: MAX_BUFFERED, blockCacheBytes: 1 << 20, incremental: true }).createKeyedStateBackend({
    jobId: 'job',
    operatorUid: 'large',
    operatorName: 'large',
    subtaskIndex: subtask++,
    maxParallelism: 128,
    keyGroupRange: FULL_RANGE,
    clock: new ManualClock(0),
  });
  open.push(b);
  return b;
}

test.after.always(async () => {
  await Promise.all(open.map((b) => b.dispose()));
  rmSync(root, { recursive: true, force: true });
});

const KEYS = 60_000;
const value = (i: number, round: number): { id: number; round: number; text: string } => ({ id: i, round, text: `value ${i} of round ${round} `.padEnd(80, '.') });

/** Waits when the backend asks for it (the mailbox would), and tracks the largest buffer seen. */
async function pace(b: LevelKeyedStateBackend, seen: { max: number }): Promise<void> {
  seen.max = Math.max(seen.max, b.bufferedBytes);
  const stall = b.writeStall();
  if (stall !== undefined) await stall;
  await new Promise((res) => setImmediate(res));
}

test('state many times larger than the write buffer stays correct with a bounded buffer, through snapshots and restore', async (t) => {
  const b = create();
  const v = b.getState(new ValueStateDescriptor<ReturnType<typeof value>>('v'));
  const l = b.getListState(new ListStateDescriptor<number>('l'));
  const m = b.getMapState(new MapStateDescriptor<number, string>('m'));
  const seen = { max: 0 };
  for (let i = 0; i < KEYS; i++) {
    b.setCurrentKey(`key-${i}`);
    v.update(value(i, 0));
    if (i % 10 === 0) for (let j = 0; j < 20; j++) l.add(i + j);
    if (i % 100 === 0) for (let j = 0; j < 50; j++) m.put(j, `${i}/${j}`);
    if (i % 500 === 499) await pace(b, seen);
  }
  // ~60,000 × ~100 bytes of values: about 200 times the write buffer.
  t.true(seen.max <= MAX_BUFFERED + 500 * 400, `buffer stayed bounded (max ${seen.max} bytes)`);
  // Second round over a third of the keys, deleting some.
  for (let i = 0; i < KEYS; i += 3) {
    b.setCurrentKey(`key-${i}`);
    if (i % 9 === 0) v.clear();
    else v.update(value(i, 1));
    if (i % 999 === 998) await pace(b, seen);
  }
  const expectValue = (i: number): ReturnType<typeof value> | null => (i % 9 === 0 ? null : value(i, i % 3 === 0 ? 1 : 0));
  const expectedEntries = KEYS - Math.ceil(KEYS / 9) + KEYS / 10 + KEYS / 100;
  t.is(b.entryCount(), expectedEntries);

  // A full (base) checkpoint, written while more updates arrive.
  const store = new ChainStore();
  const full = b.snapshot(1, { incremental: true });
  const pending = Promise.all(full.map((p) => p.materialize()));
  for (let i = 1; i < KEYS; i += 3) {
    b.setCurrentKey(`key-${i}`);
    v.update(value(i, 2)); // after the barrier: not in checkpoint 1
    if (i % 999 === 997) await pace(b, seen);
  }
  store.complete(1, full, await pending, true);
  b.notifyCheckpointComplete(1);
  // 1% of the keys change; the next checkpoint is deltas.
  for (let i = 0; i < KEYS; i += 100) {
    b.setCurrentKey(`key-${i}`);
    v.update(value(i, 3));
    m.remove(0);
  }
  const delta = b.snapshot(2, { incremental: true });
  t.true(delta.every((p) => p.kind === 'delta'));
  store.complete(2, delta, await Promise.all(delta.map((p) => p.materialize())), true);
  b.notifyCheckpointComplete(2);

  // Every key reads back as expected in the running backend.
  const expectNow = (i: number): ReturnType<typeof value> | null => (i % 100 === 0 ? value(i, 3) : i % 3 === 1 ? value(i, 2) : expectValue(i));
  for (let i = 0; i < KEYS; i++) {
    b.setCurrentKey(`key-${i}`);
    const got = v.value();
    if (JSON.stringify(got) !== JSON.stringify(expectNow(i))) t.fail(`key-${i}: ${JSON.stringify(got)}`);
  }

  // Restore checkpoint 1 (full: the barrier before round 2) and checkpoint 2 (full + delta) into
  // fresh backends with the same small buffer.
  const expectAt = [(i: number) => expectValue(i), expectNow];
  for (const id of [1, 2]) {
    const c = create();
    await c.restore(store.restoreInput(id, FULL_RANGE));
    const cv = c.getState(new ValueStateDescriptor<ReturnType<typeof value>>('v'));
    const cl = c.getListState(new ListStateDescriptor<number>('l'));
    const cm = c.getMapState(new MapStateDescriptor<number, string>('m'));
    const expected = expectAt[id - 1]!;
    for (let i = 0; i < KEYS; i++) {
      c.setCurrentKey(`key-${i}`);
      const got = cv.value();
      if (JSON.stringify(got) !== JSON.stringify(expected(i))) t.fail(`checkpoint ${id}, key-${i}: ${JSON.stringify(got)}`);
      if (i % 10 === 0) t.deepEqual(cl.get(), Array.from({ length: 20 }, (_, j) => i + j));
      if (i % 100 === 0) t.deepEqual([...cm.keys()], Array.from({ length: id === 1 ? 50 : 49 }, (_, j) => j + (id === 1 ? 0 : 1)));
    }
    // In checkpoint 2, keys cleared in round 2 and written again in the delta round are back (every 900th).
    t.is(c.entryCount(), expectedEntries + (id === 2 ? Math.ceil(KEYS / 900) : 0));
    t.true(c.bufferedBytes <= MAX_BUFFERED + WRITE_BUFFER, `restore kept the buffer bounded (${c.bufferedBytes} bytes)`);
    await c.dispose();
  }
});
