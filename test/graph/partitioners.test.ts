import test from 'ava';
import { connectedSources, connectedTargets, createChannelSelector, type PartitionerKind } from '../../lib/graph/partitioners.js';
import { assignToKeyGroup } from '../../lib/state/key-groups.js';

const ALL_KINDS: PartitionerKind[] = ['forward', 'rebalance', 'rescale', 'shuffle', 'broadcast', 'global', 'hash'];

/** A deterministic PRNG (mulberry32) in [0, 1), so shuffle tests can recompute the expected channels. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function counts(channels: number[], k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const ch of channels) c[ch]!++;
  return c;
}

// ---- rebalance ----

test('rebalance is round-robin over all channels, starting at the upstream subtask index (mod channels)', (t) => {
  for (const k of [1, 2, 3, 4, 7]) {
    for (const upstreamIndex of [0, 1, 2, 5, 9]) {
      const sel = createChannelSelector({ kind: 'rebalance' }, upstreamIndex, k, k, 128);
      t.false(sel.broadcast);
      const n = 53;
      const got: number[] = [];
      for (let i = 0; i < n; i++) got.push(sel.select({ i }));
      const expected: number[] = [];
      let ch = upstreamIndex % k;
      for (let i = 0; i < n; i++) {
        expected.push(ch);
        ch = (ch + 1) % k;
      }
      t.deepEqual(got, expected, `k=${k} upstream=${upstreamIndex}`);
      const c = counts(got, k);
      t.true(Math.max(...c) - Math.min(...c) <= 1, `counts ${c.join(',')}`);
      t.is(
        c.reduce((a, b) => a + b, 0),
        n,
      );
    }
  }
});

test('rebalance and the other all-to-all kinds connect every downstream subtask', (t) => {
  for (const kind of ['rebalance', 'shuffle', 'broadcast', 'hash'] as const) {
    for (const [up, down] of [
      [1, 4],
      [3, 2],
      [4, 4],
    ] as const) {
      for (let i = 0; i < up; i++) t.deepEqual(connectedTargets(kind, i, up, down), Array.from({ length: down }, (_, j) => j), `${kind} ${i}`);
      for (let j = 0; j < down; j++) t.deepEqual(connectedSources(kind, j, up, down), Array.from({ length: up }, (_, i) => i), `${kind} ${j}`);
    }
  }
});

// ---- rescale ----

test('rescale: up 2 → down 4 connects [0,1] and [2,3]; up 4 → down 2 connects [0],[0],[1],[1]', (t) => {
  t.deepEqual(
    [0, 1].map((i) => connectedTargets('rescale', i, 2, 4)),
    [
      [0, 1],
      [2, 3],
    ],
  );
  t.deepEqual(
    [0, 1, 2, 3].map((i) => connectedTargets('rescale', i, 4, 2)),
    [[0], [0], [1], [1]],
  );
  t.deepEqual(
    [0, 1, 2, 3].map((j) => connectedSources('rescale', j, 2, 4)),
    [[0], [0], [1], [1]],
  );
  t.deepEqual(
    [0, 1].map((j) => connectedSources('rescale', j, 4, 2)),
    [
      [0, 1],
      [2, 3],
    ],
  );
  t.deepEqual(connectedTargets('rescale', 2, 3, 3), [2], 'equal parallelism is one-to-one');
});

test('rescale is pointwise: contiguous target ranges, every target fed, sources and targets consistent', (t) => {
  for (let up = 1; up <= 7; up++) {
    for (let down = 1; down <= 7; down++) {
      const fedBy = new Array<number>(down).fill(0);
      let previousEnd = 0;
      for (let i = 0; i < up; i++) {
        const ts = connectedTargets('rescale', i, up, down);
        t.true(ts.length >= 1, `up=${up} down=${down} i=${i} has targets`);
        for (let x = 1; x < ts.length; x++) t.is(ts[x], ts[x - 1]! + 1, 'contiguous');
        if (down >= up) {
          // Upscaling: disjoint consecutive slices of the targets.
          t.is(ts[0], previousEnd);
          previousEnd = ts.at(-1)! + 1;
        } else {
          t.is(ts.length, 1, 'downscaling: one target per source');
        }
        for (const j of ts) fedBy[j]!++;
      }
      if (down >= up) t.is(previousEnd, down, 'the slices cover all targets');
      t.true(
        fedBy.every((n) => n >= 1),
        `up=${up} down=${down}: every target is fed (${fedBy.join(',')})`,
      );
      if (down >= up) t.true(fedBy.every((n) => n === 1));
      // connectedSources is the inverse relation.
      for (let j = 0; j < down; j++) {
        const expected: number[] = [];
        for (let i = 0; i < up; i++) if (connectedTargets('rescale', i, up, down).includes(j)) expected.push(i);
        t.deepEqual(connectedSources('rescale', j, up, down), expected);
      }
    }
  }
});

test('rescale selector: round-robin over the connected targets, starting at upstream index mod target count', (t) => {
  // Upstream 1 of 2 → 4 has targets [2, 3] (channels 0, 1): starts at channel 1 % 2 = 1.
  const targets = connectedTargets('rescale', 1, 2, 4);
  const sel = createChannelSelector({ kind: 'rescale' }, 1, targets.length, 4, 128);
  const got = Array.from({ length: 6 }, () => targets[sel.select(0)]);
  t.deepEqual(got, [3, 2, 3, 2, 3, 2]);
});

// ---- broadcast, global, forward ----

test('broadcast: the selector says broadcast; every channel is connected', (t) => {
  const sel = createChannelSelector({ kind: 'broadcast' }, 0, 5, 5, 128);
  t.true(sel.broadcast);
  t.deepEqual(connectedTargets('broadcast', 0, 1, 5), [0, 1, 2, 3, 4]);
});

test('global: every upstream subtask sends only to downstream subtask 0', (t) => {
  for (let i = 0; i < 4; i++) {
    t.deepEqual(connectedTargets('global', i, 4, 3), [0]);
    const sel = createChannelSelector({ kind: 'global' }, i, 1, 3, 128);
    t.false(sel.broadcast);
    for (let r = 0; r < 10; r++) t.is(sel.select(r), 0);
  }
  t.deepEqual(connectedSources('global', 0, 4, 3), [0, 1, 2, 3]);
  t.deepEqual(connectedSources('global', 1, 4, 3), []);
  t.deepEqual(connectedSources('global', 2, 4, 3), []);
});

test('forward: subtask i sends only to subtask i, on its single channel', (t) => {
  for (let i = 0; i < 5; i++) {
    t.deepEqual(connectedTargets('forward', i, 5, 5), [i]);
    t.deepEqual(connectedSources('forward', i, 5, 5), [i]);
    const sel = createChannelSelector({ kind: 'forward' }, i, 1, 5, 128);
    for (let r = 0; r < 10; r++) t.is(sel.select(r), 0);
  }
});

// ---- shuffle ----

test('shuffle: channel = floor(random() · k) for an injected random source; all channels hit, roughly uniform', (t) => {
  const k = 5;
  const n = 10_000;
  const sel = createChannelSelector({ kind: 'shuffle' }, 0, k, k, 128, mulberry32(42));
  const got: number[] = [];
  for (let i = 0; i < n; i++) got.push(sel.select(i));
  const reference = mulberry32(42);
  const expected: number[] = [];
  for (let i = 0; i < n; i++) expected.push(Math.floor(reference() * k));
  t.deepEqual(got, expected);
  const c = counts(got, k);
  for (const x of c) t.true(Math.abs(x - n / k) < (n / k) * 0.1, `counts ${c.join(',')}`);
});

// ---- hash ----

test('hash: channel = floor(keyGroup · p / maxP) with keyGroup = assignToKeyGroup(key, maxP); equal keys, equal channel', (t) => {
  const keys: unknown[] = [];
  for (let i = 0; i < 300; i++) keys.push(`user-${i}`);
  for (let i = -50; i < 50; i++) keys.push(i);
  keys.push(0.5, -1.25, 2n ** 40n, true, false, '', [1, 'a'], ['x', 2, true]);
  for (const [p, maxP] of [
    [2, 128],
    [3, 128],
    [4, 256],
    [7, 1000],
    [128, 128],
  ] as const) {
    const sel = createChannelSelector({ kind: 'hash', keySelector: (v) => (v as { k: unknown }).k }, 0, p, p, maxP);
    const seen = new Map<string, number>();
    const used = new Set<number>();
    for (let round = 0; round < 2; round++) {
      for (const key of keys) {
        const ch = sel.select({ k: key, payload: round });
        const keyGroup = assignToKeyGroup(key, maxP);
        t.is(ch, Math.floor((keyGroup * p) / maxP), `key ${String(key)} p=${p} maxP=${maxP}`);
        t.true(ch >= 0 && ch < p);
        const id = typeof key === 'bigint' ? `${key}n` : JSON.stringify(key);
        const prev = seen.get(id);
        if (prev !== undefined) t.is(ch, prev, 'same key, same channel');
        seen.set(id, ch);
        used.add(ch);
      }
    }
    if (p <= 7) t.is(used.size, p, `all ${p} channels used by ${keys.length} keys`);
  }
});

test('hash: the selector does not depend on the upstream subtask index', (t) => {
  const selectors = [0, 1, 2].map((i) => createChannelSelector({ kind: 'hash', keySelector: (v) => v }, i, 4, 4, 128));
  for (let key = 0; key < 200; key++) {
    const chans = selectors.map((s) => s.select(key));
    t.true(chans.every((c) => c === chans[0]));
  }
});

test('hash to parallelism 1 always picks channel 0', (t) => {
  const sel = createChannelSelector({ kind: 'hash', keySelector: (v) => v }, 0, 1, 1, 128);
  for (let i = 0; i < 50; i++) t.is(sel.select(`k${i}`), 0);
});

test('every kind’s selector stays within its connected channel count', (t) => {
  for (const kind of ALL_KINDS) {
    for (const [up, down] of [
      [2, 4],
      [4, 2],
      [3, 3],
    ] as const) {
      if (kind === 'forward' && up !== down) continue;
      for (let i = 0; i < up; i++) {
        const n = connectedTargets(kind, i, up, down).length;
        const sel = createChannelSelector({ kind, keySelector: (v) => v }, i, n, down, 128, mulberry32(i));
        for (let r = 0; r < 100; r++) {
          const ch = sel.select(r);
          t.true(Number.isInteger(ch) && ch >= 0 && ch < n, `${kind} up=${up} down=${down} i=${i}: ${ch} of ${n}`);
        }
      }
    }
  }
});

test('rescale with uneven parallelisms follows Flink’s connectPointwise layout', (t) => {
  // Flink EdgeManagerBuildUtil.connectPointwise, worked by hand:
  // 3 → 2: target j reads sources [floor(j·3/2), floor((j+1)·3/2)) → t0 ← {0}, t1 ← {1, 2}.
  t.deepEqual([0, 1, 2].map((i) => connectedTargets('rescale', i, 3, 2)), [[0], [1], [1]]);
  // 2 → 3: source i feeds [ceil(i·3/2), ceil((i+1)·3/2)) → s0 → {0, 1}, s1 → {2}.
  t.deepEqual([0, 1].map((i) => connectedTargets('rescale', i, 2, 3)), [[0, 1], [2]]);
  // 5 → 3: t0 ← {0}, t1 ← {1, 2}, t2 ← {3, 4}.
  t.deepEqual([0, 1, 2, 3, 4].map((i) => connectedTargets('rescale', i, 5, 3)), [[0], [1], [1], [2], [2]]);
  t.deepEqual(connectedSources('rescale', 1, 5, 3), [1, 2]);
});
