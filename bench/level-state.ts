/**
 * State backend micro-benchmark: state-API throughput and checkpoint costs for N keys of value
 * state, LevelDB next to the heap backend. Run on its own (below), or through
 * {@link measureStateBackends} (`npm run bench -- nexmark-micro` uses it).
 *
 * ```sh
 * npx tsc -p tsconfig.json && node --expose-gc dist/bench/level-state.js [--keys 1000000] [--runs 3] [--read-cache-mib 8]
 * ```
 *
 * Measures, each the median of `--runs`:
 * - `update`: `setCurrentKey` + `update({count, sum})` for keys 0…N-1 (fresh keys, blind writes);
 * - `read`: `setCurrentKey` + `value()` for N keys in a random order, all flushed to LevelDB;
 * - `skewed read`: 90% of the reads on 1% of the keys;
 * - `read-modify-write`: `value()` then `update()` (a keyed sum) over N random keys;
 * - `snapshot`: the synchronous phase (`snapshot()`) and the asynchronous phase (all parts
 *   materialized) of a full checkpoint of N keys, and the bytes written;
 * - `incremental`: bytes of the delta checkpoint after changing 1% of the keys, vs the full one.
 * - the JS heap the state holds after the updates (after a full GC).
 * Writers await `writeStall()` every 1,000 records, as the mailbox would.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueStateDescriptor } from '../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange } from '../lib/state/key-groups.js';
import type { KeyedStateBackend } from '../lib/state/keyed-state-backend.js';
import { LevelDBStateBackend } from '../lib/state/level/leveldb-state-backend.js';
import type { LevelKeyedStateBackend } from '../lib/state/level/level-keyed-state-backend.js';
import { systemClock } from '../lib/time/clock.js';
import { collectGarbage, median } from './measure.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const range = new KeyGroupRange(0, 127);
const d = new ValueStateDescriptor<{ count: number; sum: number }>('acc');

/** 0…n-1 in a fixed pseudo-random order. */
function order(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let s = 12345;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

async function pace(b: KeyedStateBackend): Promise<void> {
  const stall = (b as Partial<LevelKeyedStateBackend>).writeStall?.();
  if (stall !== undefined) await stall;
  await new Promise((r) => setImmediate(r));
}

async function timed(fn: () => Promise<void>): Promise<number> {
  collectGarbage();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One run's figures (rates in operations/s, times in ms, sizes in bytes). */
export interface StateBackendFigures {
  updatePerS: number;
  readPerS: number;
  skewPerS: number;
  rmwPerS: number;
  syncMs: number;
  asyncMs: number;
  fullBytes: number;
  deltaBytes: number;
  deltaMs: number;
  /** JS heap held after the updates (after a GC), MiB. */
  heapUsedMiB: number;
}

/** The backends this benchmark measures. */
export type StateBenchBackend = 'heap' | 'leveldb';

/** Settings of {@link measureStateBackends}. */
export interface StateBenchSettings {
  /** Keys of value state (default 1,000,000). */
  keys: number;
  /** Runs per backend, median reported (default 3). */
  runs: number;
  /** LevelDB read cache, bytes (default 8 MiB). */
  readCacheBytes: number;
  /** Backends, in order (default heap, leveldb). */
  backends: readonly StateBenchBackend[];
}

/** The medians of one backend's runs. */
export interface StateBackendResult extends StateBackendFigures {
  backend: StateBenchBackend;
  keys: number;
  runs: number;
}

/** One run on a fresh backend; LevelDB files go under `root`. */
async function runOnce(kind: StateBenchBackend, subtask: number, N: number, shuffled: Uint32Array, root: string, readCacheBytes: number): Promise<StateBackendFigures> {
  const b: KeyedStateBackend =
    kind === 'leveldb'
      ? new LevelDBStateBackend({ path: root, incremental: true, readCacheBytes }).createKeyedStateBackend({ jobId: 'bench', operatorUid: 'acc', operatorName: 'acc', subtaskIndex: subtask, maxParallelism: 128, keyGroupRange: range, clock: systemClock })
      : new HeapKeyedStateBackend(128, range);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const s = b.getState(d);
  const updateMs = await timed(async () => {
    for (let i = 0; i < N; i++) {
      b.setCurrentKey(i);
      s.update({ count: 1, sum: i });
      if ((i & 1023) === 1023) await pace(b);
    }
    await (b as Partial<LevelKeyedStateBackend>).flush?.();
  });
  const readMs = await timed(async () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
      b.setCurrentKey(shuffled[i]!);
      n += s.value()!.count;
      if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
    }
    if (n !== N) throw new Error('bad read');
  });
  // Skewed reads: 90% of them on 1% of the keys.
  const hot = Math.max(1, Math.floor(N / 100));
  const skewMs = await timed(async () => {
    let x = 1;
    for (let i = 0; i < N; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b.setCurrentKey(x % 10 < 9 ? shuffled[x % hot]! : shuffled[x % N]!);
      s.value();
      if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
    }
  });
  const rmwMs = await timed(async () => {
    for (let i = 0; i < N; i++) {
      b.setCurrentKey(shuffled[i]!);
      const v = s.value()!;
      v.count++;
      v.sum += i;
      s.update(v);
      if ((i & 1023) === 1023) await pace(b);
    }
  });
  collectGarbage();
  const heapUsedMiB = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
  let t0 = performance.now();
  const parts = b.snapshot(1, { incremental: true });
  const syncMs = performance.now() - t0;
  t0 = performance.now();
  const full = await Promise.all(parts.map((p) => p.materialize()));
  const asyncMs = performance.now() - t0;
  b.notifyCheckpointComplete(1);
  for (let i = 0; i < N; i += 100) {
    b.setCurrentKey(i);
    s.update({ count: 0, sum: -i });
  }
  t0 = performance.now();
  const deltaParts = b.snapshot(2, { incremental: true });
  const delta = await Promise.all(deltaParts.map((p) => p.materialize()));
  const deltaMs = performance.now() - t0;
  await b.dispose();
  const sum = (xs: Uint8Array[]): number => xs.reduce((a, x) => a + x.byteLength, 0);
  return {
    updatePerS: N / (updateMs / 1000),
    readPerS: N / (readMs / 1000),
    skewPerS: N / (skewMs / 1000),
    rmwPerS: N / (rmwMs / 1000),
    syncMs,
    asyncMs,
    fullBytes: sum(full),
    deltaBytes: sum(delta),
    deltaMs,
    heapUsedMiB,
  };
}

const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)}K` : x.toFixed(1));

/** One backend's medians as a line. */
export function formatStateBackendResult(r: StateBackendResult): string {
  return (
    `${r.backend.padEnd(8)} keys ${fmt(r.keys)}: update ${fmt(r.updatePerS)}/s, read ${fmt(r.readPerS)}/s, skewed read ${fmt(r.skewPerS)}/s, read-modify-write ${fmt(r.rmwPerS)}/s; ` +
    `full snapshot sync ${r.syncMs.toFixed(2)} ms, async ${r.asyncMs.toFixed(0)} ms, ${fmt(r.fullBytes)}B; ` +
    `1% changed: delta ${fmt(r.deltaBytes)}B in ${r.deltaMs.toFixed(0)} ms; JS heap held ${r.heapUsedMiB.toFixed(0)} MiB`
  );
}

/**
 * Measures each backend of `s.backends` `s.runs` times over `s.keys` keys (see the module
 * docstring) in a temporary directory removed afterwards; medians per backend.
 * @param onResult called with each backend's medians as soon as they are known.
 */
export async function measureStateBackends(s: StateBenchSettings, onResult?: (r: StateBackendResult) => void): Promise<StateBackendResult[]> {
  const root = join(tmpdir(), `weir-level-bench-${process.pid}-${Date.now()}`);
  const shuffled = order(s.keys);
  const out: StateBackendResult[] = [];
  try {
    for (const kind of s.backends) {
      const runs: StateBackendFigures[] = [];
      for (let r = 0; r < s.runs; r++) runs.push(await runOnce(kind, r, s.keys, shuffled, root, s.readCacheBytes));
      const m = (f: (x: StateBackendFigures) => number): number => median(runs.map(f));
      const result: StateBackendResult = {
        backend: kind,
        keys: s.keys,
        runs: s.runs,
        updatePerS: m((x) => x.updatePerS),
        readPerS: m((x) => x.readPerS),
        skewPerS: m((x) => x.skewPerS),
        rmwPerS: m((x) => x.rmwPerS),
        syncMs: m((x) => x.syncMs),
        asyncMs: m((x) => x.asyncMs),
        fullBytes: m((x) => x.fullBytes),
        deltaBytes: m((x) => x.deltaBytes),
        deltaMs: m((x) => x.deltaMs),
        heapUsedMiB: m((x) => x.heapUsedMiB),
      };
      out.push(result);
      onResult?.(result);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

// Run as a script (not when imported by the nexmark micro-benchmarks).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const settings: StateBenchSettings = { keys: arg('keys', 1_000_000), runs: arg('runs', 3), readCacheBytes: arg('read-cache-mib', 8) * 1024 * 1024, backends: ['heap', 'leveldb'] };
  await measureStateBackends(settings, (r) => console.log(formatStateBackendResult(r)));
}
