/**
 * State micro-benchmarks, reusing the existing pieces:
 *
 * - {@link stateBackendFigures}: state-API reads and writes/s of the heap and LevelDB keyed
 *   backends over N keys (bench/level-state.ts: blind updates, random reads, skewed reads,
 *   read-modify-write; plus a full snapshot's synchronous and asynchronous phases).
 * - {@link checkpointVsStateSize}: the duration of an exactly-once checkpoint of the keyed-state job
 *   (bench/keyed-state-job.ts: sequence source → keyBy → ValueState count per key) holding K keys,
 *   for each K and backend: the job runs 2K records (every key created, then updated once) with a
 *   periodic interval longer than the run, so its one checkpoint is the final one after end of
 *   input, holding exactly K keys (read back and checked) while nothing else competes for the
 *   thread.
 * - recovery time: `runRecoveryTime` of bench/checkpoint-benchmarks.ts (failure after a checkpoint
 *   of every key → first output after the restart), called from micro.ts.
 */
import { countAtPosition, readKeyedCounts } from '../checkpoint-state.js';
import { formatBytes } from '../checkpoint-benchmarks.js';
import { runKeyedStateJob, type BackendKind } from '../keyed-state-job.js';
import { median } from '../measure.js';
import { formatStateBackendResult, measureStateBackends, type StateBenchBackend } from '../level-state.js';
import type { MicroFigure } from './micro-actors.js';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Reads and writes/s of each backend over `keys` keys, `runs` runs each (medians). */
export async function stateBackendFigures(keys: number, runs: number, backends: readonly StateBenchBackend[]): Promise<MicroFigure[]> {
  const results = await measureStateBackends({ keys, runs, readCacheBytes: 8 * 1024 * 1024, backends }, (r) => log(`state-backend: ${formatStateBackendResult(r)}`));
  const out: MicroFigure[] = [];
  for (const r of results) {
    const where = r.backend === 'heap' ? 'HashMapStateBackend (heap)' : 'LevelDBStateBackend (8 MiB read cache; reads after a flush come from LevelDB)';
    out.push({
      name: `state-${r.backend}-write`,
      what: `${where}: setCurrentKey + ValueState.update of a fresh key, ${keys.toLocaleString('en-US')} keys`,
      unit: 'writes/s',
      value: r.updatePerS,
      details: { keys, runs },
    });
    out.push({
      name: `state-${r.backend}-read`,
      what: `${where}: setCurrentKey + ValueState.value of a random existing key`,
      unit: 'reads/s',
      value: r.readPerS,
      details: { skewedReadsPerSec: Math.round(r.skewPerS), readModifyWritesPerSec: Math.round(r.rmwPerS) },
      note: `90% of reads on 1% of keys: ${(r.skewPerS / 1e6).toFixed(2)} M/s; read-modify-write: ${(r.rmwPerS / 1e6).toFixed(2)} M/s`,
    });
    out.push({
      name: `state-${r.backend}-snapshot`,
      what: `${where}: full snapshot of ${keys.toLocaleString('en-US')} keys outside a job (synchronous phase + materializing every key-group part)`,
      unit: 'ms',
      value: r.syncMs + r.asyncMs,
      details: { syncMs: Math.round(r.syncMs * 100) / 100, asyncMs: Math.round(r.asyncMs), bytes: r.fullBytes, deltaBytesAfter1PercentChanged: r.deltaBytes },
      note: `sync ${r.syncMs.toFixed(2)} ms + async ${r.asyncMs.toFixed(0)} ms, ${formatBytes(r.fullBytes)}; incremental after 1% changed: ${formatBytes(r.deltaBytes)}`,
    });
  }
  return out;
}

/** One checkpoint's figures: ms and bytes. */
interface OneCheckpoint {
  durationMs: number;
  syncMs: number;
  asyncMs: number;
  bytes: number;
}

/** One checkpoint of the keyed-state job at `keys` keys (see the module docstring). */
async function oneCheckpoint(backend: BackendKind, keys: number): Promise<OneCheckpoint> {
  const records = 2 * keys;
  const run = await runKeyedStateJob({ records, keyCount: keys, parallelism: 1, backend, checkpointIntervalMs: 3_600_000, injectFailure: false });
  try {
    const done = run.result.checkpoints.history.filter((h) => h.kind === 'checkpoint' && h.status === 'completed');
    const last = done[done.length - 1];
    if (last?.path === undefined) throw new Error(`checkpoint-vs-state: ${backend} ${keys} keys: no completed checkpoint (${run.result.checkpoints.failed} failed)`);
    const state = await readKeyedCounts(last.path, (k) => countAtPosition(k, records, keys));
    if (state.keys !== keys || state.wrong !== 0) throw new Error(`checkpoint-vs-state: ${backend}: the checkpoint holds ${state.keys} keys (${state.wrong} wrong), expected ${keys}`);
    return { durationMs: last.durationMs, syncMs: last.maxSyncMs, asyncMs: last.maxAsyncMs, bytes: last.sizeBytes };
  } finally {
    await run.cleanUp();
  }
}

/**
 * Checkpoint duration (trigger to completion) against state size, per backend and key count;
 * median of `runs` runs (after one warm-up at the smallest size).
 */
export async function checkpointVsStateSize(keyCounts: readonly number[], backends: readonly BackendKind[], runs: number): Promise<MicroFigure[]> {
  const out: MicroFigure[] = [];
  for (const backend of backends) {
    await oneCheckpoint(backend, Math.min(...keyCounts));
    for (const keys of keyCounts) {
      const rs: OneCheckpoint[] = [];
      for (let i = 0; i < runs; i++) rs.push(await oneCheckpoint(backend, keys));
      const m = (f: (r: OneCheckpoint) => number): number => median(rs.map(f));
      const f: MicroFigure = {
        name: `checkpoint-${backend}-${keys}`,
        what: `exactly-once checkpoint of the keyed-state job (ValueState count per key) holding ${keys.toLocaleString('en-US')} keys, ${backend} backend, file storage in a temp dir: trigger to completion`,
        unit: 'ms',
        value: m((r) => r.durationMs),
        details: { keys, runs, syncMs: Math.round(m((r) => r.syncMs) * 100) / 100, asyncMs: Math.round(m((r) => r.asyncMs)), bytes: m((r) => r.bytes) },
        note: `sync ${m((r) => r.syncMs).toFixed(1)} ms, async ${m((r) => r.asyncMs).toFixed(0)} ms, ${formatBytes(m((r) => r.bytes))}`,
      };
      log(`checkpoint-vs-state: ${backend} ${keys.toLocaleString('en-US')} keys: ${f.value.toFixed(0)} ms (${f.note})`);
      out.push(f);
    }
  }
  return out;
}
