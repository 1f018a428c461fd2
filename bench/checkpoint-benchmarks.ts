/**
 * The checkpoint benchmarks, over the keyed-state job of keyed-state-job.ts (a running count per key
 * in `ValueState`, K = 1,000,000 keys by default):
 *
 * - `checkpoint-overhead`: per state backend, the job without checkpoints and with `EXACTLY_ONCE`
 *   checkpoints every `--checkpoint-interval` ms (default 1,000) to file storage in a temporary
 *   directory; events/s of each, their ratio, and the checkpoints' figures from
 *   `JobExecutionResult.checkpoints.history` (duration, size, synchronous, asynchronous and
 *   alignment phases). The state of the last checkpoint is read back and must hold K keys with
 *   their final counts.
 * - `recovery-time`: per state backend, the checkpointed job with one injected failure once a
 *   checkpoint holding all K keys completed, restart delay 0; the time from the throw to the first
 *   record a restarted sink writes, split at the actor system's inspection events; the restored
 *   checkpoint is then read back outside the job to time its read and decode and to check it.
 *
 * Both throw {@link CheckpointBenchmarkError} on a wrong result (lost or repeated state, wrong
 * counts, no failure injected).
 */
import { median } from './measure.js';
import { countAtPosition, readKeyedCounts, type CheckpointStateFigures } from './checkpoint-state.js';
import { countSumOfRange, runKeyedStateJob, type BackendKind, type KeyedStateJobRun } from './keyed-state-job.js';
import type { CheckpointRecord } from 'weir';

/** Settings the checkpoint benchmarks read (see run.ts for the flags). */
export interface CheckpointBenchSettings {
  /** Distinct keys (`--keys`). */
  keys: number;
  /** Checkpoint interval, ms (`--checkpoint-interval`). */
  checkpointIntervalMs: number;
  /** Backends to measure (`--backend`). */
  backends: readonly BackendKind[];
  /** Parallelism of the keyed operator and sink (`--keyed-parallelism`); the source has 1. */
  keyedParallelism: number;
  /** Source records per run (`--records`, checkpoint-overhead only); undefined = the default per backend. */
  records: number | undefined;
  /** Records of the warm-up runs (`--warmup`, checkpoint-overhead only); undefined = the benchmark's default. */
  warmupRecords: number | undefined;
  /** Measured runs per backend. */
  runs: number;
}

/** A checkpoint benchmark produced a wrong result. */
export class CheckpointBenchmarkError extends Error {
  override readonly name = 'CheckpointBenchmarkError';
}

/** Default records of `checkpoint-overhead`: heap, LevelDB. LevelDB runs at ~0.1–0.2 M records/s here, so fewer (still every key updated twice). */
export const DEFAULT_OVERHEAD_RECORDS: Readonly<Record<BackendKind, number>> = { heap: 20_000_000, leveldb: 2_000_000, 'leveldb-incremental': 2_000_000 };

/**
 * Records of the `recovery-time` job: practically unbounded (the sequence source counts to
 * 2^53 − 2), so `--records` does not apply to it (`--keys` scales it). The job is cancelled once
 * the restarted sink wrote {@link RECORDS_AFTER_RESTART} records; the failure comes after the first
 * checkpoint holding every key (≥ K records, then up to an interval plus the checkpoint's
 * duration), however long that takes on a backend.
 */
export const UNBOUNDED_RECORDS = Number.MAX_SAFE_INTEGER - 1;

/** Records the restarted job writes (each checked against the closed form) before it is cancelled. */
export const RECORDS_AFTER_RESTART = 100_000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Bytes as `5.9 MB`. */
export function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

// ---- checkpoint-overhead ----

/** One run of the job: wall time, rate and cores. */
export interface JobRunFigures {
  records: number;
  wallMs: number;
  cpuMs: number;
  /** Source records / wall time. */
  recordsPerSec: number;
  /** cpuMs / wallMs. */
  coresUsed: number;
}

/** The checkpoints of one checkpointed run (from `JobExecutionResult.checkpoints`), ms and bytes. */
export interface CheckpointFigures {
  /** Completed checkpoints (periodic ones and the final one after end of input). */
  completed: number;
  failed: number;
  durationP50Ms: number;
  durationMaxMs: number;
  /** Bytes written per checkpoint (an incremental one writes only what changed). */
  sizeP50Bytes: number;
  sizeMaxBytes: number;
  /** Synchronous phase (the subtask stops processing), per checkpoint the longest of any subtask. */
  syncP50Ms: number;
  syncMaxMs: number;
  /** Asynchronous phase (writing the parts while the subtask goes on). */
  asyncP50Ms: number;
  asyncMaxMs: number;
  /** Longest barrier alignment. */
  alignmentMaxMs: number;
  /** Bytes under the checkpoint directory after the job (retained checkpoint, shared incremental parts). */
  retainedBytes: number;
  /** Keys in the state of the last completed checkpoint (read back). */
  lastCheckpointKeys: number;
}

/** One backend's row of `checkpoint-overhead`. */
export interface CheckpointOverheadRow {
  backend: BackendKind;
  records: number;
  /** The run without checkpoints (for leveldb-incremental: the LevelDB one, shared with the leveldb row). */
  none: { runs: JobRunFigures[]; medianRecordsPerSec: number; medianCoresUsed: number };
  checkpointed: { runs: (JobRunFigures & { checkpoints: CheckpointFigures })[]; medianRecordsPerSec: number; medianCoresUsed: number; median: CheckpointFigures };
  /**
   * Median over rounds of (checkpointed / none) records/s of the same round: the two runs of a
   * round are back to back (their order alternates), so the pairing cancels slow drifts in the
   * machine's load and in V8's heap sizing.
   */
  ratio: number;
  /** The per-round ratios. */
  roundRatios: number[];
  /** Ratio of the two medians (equals `ratio` with one round). */
  ratioOfMedians: number;
}

/** The JSON entry of `checkpoint-overhead`. */
export interface CheckpointOverheadReport {
  kind: 'checkpoint-overhead';
  name: string;
  title: string;
  keys: number;
  checkpointIntervalMs: number;
  keyedParallelism: number;
  measuredAt: string;
  rows: CheckpointOverheadRow[];
  /** Backends that could not be loaded, with the reason. */
  /** Backends whose result was wrong (a failed check), with the check's message: the run exits with 1 and saves nothing. */
  failures: { backend: BackendKind; message: string }[];
}

function jobFigures(records: number, run: KeyedStateJobRun): JobRunFigures {
  return { records, wallMs: run.wallMs, cpuMs: run.cpuMs, recordsPerSec: (records * 1000) / run.wallMs, coresUsed: run.cpuMs / run.wallMs };
}

/** Checks the sink's figures against the closed forms. */
function checkOutput(what: string, run: KeyedStateJobRun, records: number, keys: number): void {
  const { sink } = run;
  const expectedKeys = Math.min(records, keys);
  const expectedSum = countSumOfRange(0, records, keys);
  if (sink.count !== records || sink.newKeys !== expectedKeys || sink.countSum !== expectedSum) {
    throw new CheckpointBenchmarkError(
      `${what}: the sink got ${sink.count} counts (${sink.newKeys} of them 1, summing to ${sink.countSum}); expected ${records} (${expectedKeys} new keys, sum ${expectedSum})`,
    );
  }
}

function completedCheckpoints(run: KeyedStateJobRun): CheckpointRecord[] {
  return run.result.checkpoints.history.filter((h) => h.kind === 'checkpoint' && h.status === 'completed');
}

/** The checkpoint figures of a checkpointed run; reads the last checkpoint back and checks it holds every key with its final count. */
async function checkpointFigures(what: string, run: KeyedStateJobRun, records: number, keys: number): Promise<CheckpointFigures> {
  const done = completedCheckpoints(run);
  const last = done[done.length - 1];
  if (last?.path === undefined) throw new CheckpointBenchmarkError(`${what}: no completed checkpoint with a path (${run.result.checkpoints.failed} failed)`);
  const state = await readKeyedCounts(last.path, (k) => countAtPosition(k, records, keys));
  const pick = (f: (r: CheckpointRecord) => number): number[] => done.map(f);
  const figures: CheckpointFigures = {
    completed: run.result.checkpoints.completed,
    failed: run.result.checkpoints.failed,
    durationP50Ms: median(pick((r) => r.durationMs)),
    durationMaxMs: Math.max(...pick((r) => r.durationMs)),
    sizeP50Bytes: median(pick((r) => r.sizeBytes)),
    sizeMaxBytes: Math.max(...pick((r) => r.sizeBytes)),
    syncP50Ms: median(pick((r) => r.maxSyncMs)),
    syncMaxMs: Math.max(...pick((r) => r.maxSyncMs)),
    asyncP50Ms: median(pick((r) => r.maxAsyncMs)),
    asyncMaxMs: Math.max(...pick((r) => r.maxAsyncMs)),
    alignmentMaxMs: Math.max(...pick((r) => r.maxAlignmentMs)),
    retainedBytes: run.retainedCheckpointBytes,
    lastCheckpointKeys: state.keys,
  };
  const expectedKeys = Math.min(records, keys);
  if (state.keys !== expectedKeys || state.wrong !== 0) {
    throw new CheckpointBenchmarkError(
      `${what}: the last checkpoint (${last.id}) holds ${state.keys} keys (expected ${expectedKeys}), ${state.wrong} of them with a count other than their final one, ` +
        `e.g. ${state.wrongSamples.join('; ')} (the sink's output was right: the checkpoint lost updates). Run figures: ` +
        `${((records * 1000) / run.wallMs / 1e6).toFixed(2)} M records/s; ${checkpointLine(figures)}`,
    );
  }
  return figures;
}

function medianCheckpointFigures(runs: readonly CheckpointFigures[]): CheckpointFigures {
  const out = {} as Record<string, number>;
  for (const k of Object.keys(runs[0]!)) out[k] = median(runs.map((r) => (r as unknown as Record<string, number>)[k]!));
  return out as unknown as CheckpointFigures;
}

/** One run of the job; removes its temporary directories afterwards. */
async function oneRun<T>(settings: Parameters<typeof runKeyedStateJob>[0], use: (run: KeyedStateJobRun) => Promise<T>): Promise<T> {
  (globalThis as { gc?: () => void }).gc?.();
  const run = await runKeyedStateJob(settings);
  try {
    return await use(run);
  } finally {
    await run.cleanUp();
  }
}

function checkpointLine(c: CheckpointFigures): string {
  return (
    `${c.completed} checkpoints (${c.failed} failed), duration p50 ${c.durationP50Ms.toFixed(0)} / max ${c.durationMaxMs.toFixed(0)} ms, ` +
    `size p50 ${formatBytes(c.sizeP50Bytes)} / max ${formatBytes(c.sizeMaxBytes)}, sync p50 ${c.syncP50Ms.toFixed(1)} / max ${c.syncMaxMs.toFixed(1)} ms, ` +
    `async p50 ${c.asyncP50Ms.toFixed(0)} / max ${c.asyncMaxMs.toFixed(0)} ms, last checkpoint ${c.lastCheckpointKeys.toLocaleString('en-US')} keys`
  );
}

/**
 * Runs `checkpoint-overhead`: per backend, a warm-up (no checkpoints and checkpointed, on a small
 * input), then `runs` rounds of a run without checkpoints and a checkpointed run. LevelDB without
 * checkpoints is measured once per round and is the baseline of both LevelDB rows.
 * @throws CheckpointBenchmarkError on a wrong result.
 */
export async function runCheckpointOverhead(name: string, title: string, s: CheckpointBenchSettings): Promise<CheckpointOverheadReport> {
  const { keys, checkpointIntervalMs: interval, keyedParallelism: parallelism, runs } = s;
  const rows: CheckpointOverheadRow[] = [];
  const failures: CheckpointOverheadReport['failures'] = [];
  // The LevelDB baseline, shared by the leveldb and leveldb-incremental rows: records → runs.
  const levelBaseline = new Map<number, JobRunFigures[]>();
  for (const backend of s.backends) {
    const records = s.records ?? DEFAULT_OVERHEAD_RECORDS[backend];
    const baseKind: BackendKind = backend === 'heap' ? 'heap' : 'leveldb';
    const shared = baseKind === 'leveldb' ? levelBaseline.get(records) : undefined;
    const warmup = s.warmupRecords ?? Math.min(records, backend === 'heap' ? 2_000_000 : 200_000);
    // Every key twice: the warm-up grows a table of that many keys and updates it, as the runs do.
    const warmupKeys = Math.max(1, Math.min(keys, Math.ceil(warmup / 2)));
    log(`${name}: ${backend}: warm-up, ${warmup.toLocaleString('en-US')} records over ${warmupKeys.toLocaleString('en-US')} keys, without and with checkpoints`);
    const job = { keyCount: warmupKeys, parallelism, injectFailure: false };
    if (shared === undefined) await oneRun({ ...job, records: warmup, backend: baseKind, checkpointIntervalMs: undefined }, async () => undefined);
    await oneRun({ ...job, records: warmup, backend, checkpointIntervalMs: interval }, async () => undefined);
    const none: JobRunFigures[] = shared ?? [];
    const checkpointed: CheckpointOverheadRow['checkpointed']['runs'] = [];
    try {
      for (let i = 1; i <= runs; i++) {
        const job = { records, keyCount: keys, parallelism, injectFailure: false };
        const withoutCheckpoints = async (): Promise<void> => {
          if (shared !== undefined) return;
          const f = await oneRun({ ...job, backend: baseKind, checkpointIntervalMs: undefined }, async (run) => {
            checkOutput(`${name} ${baseKind} without checkpoints`, run, records, keys);
            return jobFigures(records, run);
          });
          none.push(f);
          log(`${name}: ${baseKind}: run ${i}/${runs}: no checkpoints: ${(f.recordsPerSec / 1e6).toFixed(2)} M records/s in ${f.wallMs.toFixed(0)} ms (cores used ${f.coresUsed.toFixed(2)}); output checked`);
        };
        const withCheckpoints = async (): Promise<void> => {
          const c = await oneRun({ ...job, backend, checkpointIntervalMs: interval }, async (run) => {
            const what = `${name} ${backend} with checkpoints`;
            checkOutput(what, run, records, keys);
            return { ...jobFigures(records, run), checkpoints: await checkpointFigures(what, run, records, keys) };
          });
          checkpointed.push(c);
          log(`${name}: ${backend}: run ${i}/${runs}: ${interval} ms checkpoints: ${(c.recordsPerSec / 1e6).toFixed(2)} M records/s in ${c.wallMs.toFixed(0)} ms (cores used ${c.coresUsed.toFixed(2)}); ${checkpointLine(c.checkpoints)}; output and last checkpoint checked`);
        };
        // Odd rounds run without checkpoints first, even rounds with: neither gets the warmer slot every time.
        if (i % 2 === 1) {
          await withoutCheckpoints();
          await withCheckpoints();
        } else {
          await withCheckpoints();
          await withoutCheckpoints();
        }
      }
    } catch (err) {
      if (!(err instanceof CheckpointBenchmarkError)) throw err;
      // Wrong state in one backend: report it, go on with the others (the run then exits with 1).
      log(`${name}: ${backend}: CHECK FAILED: ${err.message}`);
      failures.push({ backend, message: err.message });
      continue;
    }
    if (baseKind === 'leveldb') levelBaseline.set(records, none);
    const noneMedian = median(none.map((r) => r.recordsPerSec));
    const ckMedian = median(checkpointed.map((r) => r.recordsPerSec));
    const roundRatios = checkpointed.map((c, i) => c.recordsPerSec / none[i]!.recordsPerSec);
    rows.push({
      backend,
      records,
      none: { runs: none, medianRecordsPerSec: noneMedian, medianCoresUsed: median(none.map((r) => r.coresUsed)) },
      checkpointed: { runs: checkpointed, medianRecordsPerSec: ckMedian, medianCoresUsed: median(checkpointed.map((r) => r.coresUsed)), median: medianCheckpointFigures(checkpointed.map((r) => r.checkpoints)) },
      ratio: median(roundRatios),
      roundRatios,
      ratioOfMedians: ckMedian / noneMedian,
    });
  }
  return { kind: 'checkpoint-overhead', name, title, keys, checkpointIntervalMs: interval, keyedParallelism: parallelism, measuredAt: new Date().toISOString(), rows, failures };
}

// ---- recovery-time ----

/** One recovery, in ms since the failure was thrown (cumulative), plus the restored checkpoint read back. */
export interface RecoveryFigures {
  /** The job actor decided to restart the region (supervision decision). */
  restartDecidedMs: number;
  /** The old attempt's subtasks were stopped and closed (the region actor restarted). */
  oldAttemptStoppedMs: number;
  /** The first subtask actor of the new attempt was spawned. */
  newAttemptStartedMs: number;
  /** The last keyed subtask's function opened: its keyed state is restored. */
  stateRestoredMs: number;
  /** The first record written by a restarted sink: the recovery time. */
  firstOutputMs: number;
  /** The restored checkpoint read back outside the job: `_metadata`, ms. */
  readMetadataMs: number;
  /** Its parts read and frame-checked, all key groups concurrently, ms. */
  readPartsMs: number;
  /** Its parts decoded into maps, ms. */
  decodeMs: number;
  /** Bytes of the restored state (every part of every chain). */
  restoredBytes: number;
  /** Parts of the restored state (chains of incremental checkpoints have several per key group). */
  restoredParts: number;
  /** Keys of the restored state. */
  restoredKeys: number;
  /** Records processed after the restored checkpoint's barrier and before the failure (replayed after the restart). */
  replayedRecords: number;
}

/** One run of `recovery-time`. */
export interface RecoveryRun extends RecoveryFigures {
  /** The restored checkpoint's id. */
  checkpointId: number;
  /** The record the failure was thrown at. */
  failedAtRecord: number;
  /** Completed checkpoints of the run before and after the failure. */
  checkpointsCompleted: number;
  /** Whole run (until cancelled), ms. */
  wallMs: number;
}

/** One backend's row of `recovery-time`. */
export interface RecoveryRow {
  backend: BackendKind;
  runs: RecoveryRun[];
  /** Median of each figure over the runs. */
  median: RecoveryFigures;
}

/** The JSON entry of `recovery-time`. */
export interface RecoveryReport {
  kind: 'recovery-time';
  name: string;
  title: string;
  keys: number;
  checkpointIntervalMs: number;
  keyedParallelism: number;
  recordsAfterRestart: number;
  measuredAt: string;
  rows: RecoveryRow[];
  /** Backends whose recovery was wrong (a failed check), with the check's message. */
  failures: { backend: BackendKind; message: string }[];
}

/** Checks a recovery run and turns it into figures. */
async function recoveryFigures(what: string, run: KeyedStateJobRun, keys: number): Promise<RecoveryRun> {
  const { probe, sink, result } = run;
  if (probe.failedAt === undefined || probe.failedAtRecord === undefined) {
    throw new CheckpointBenchmarkError(`${what}: no failure was injected: the job ended before a checkpoint holding all ${keys} keys completed`);
  }
  if (result.checkpoints.restarts !== 1) throw new CheckpointBenchmarkError(`${what}: ${result.checkpoints.restarts} restarts, expected 1`);
  const at = (t: number | undefined, label: string): number => {
    if (t === undefined) throw new CheckpointBenchmarkError(`${what}: the recovery never reached '${label}'`);
    return t - probe.failedAt!;
  };
  const firstOutputMs = at(probe.firstOutputAfterRestartAt, 'first output');
  if (probe.wrongCountsAfterRestart !== 0 || sink.newKeysAfterRestart !== 0) {
    throw new CheckpointBenchmarkError(
      `${what}: after the restart ${probe.wrongCountsAfterRestart} counts were wrong (${probe.wrongSamples.join('; ')}) and ${sink.newKeysAfterRestart} keys were missing from the restored state`,
    );
  }
  const resumedAt = probe.minRecordAfterRestart;
  const expectedSum = countSumOfRange(resumedAt, resumedAt + sink.countAfterRestart, keys);
  if (sink.countSumAfterRestart !== expectedSum) {
    throw new CheckpointBenchmarkError(`${what}: the ${sink.countAfterRestart} counts after the restart sum to ${sink.countSumAfterRestart}, expected ${expectedSum} (records ${resumedAt}… in order)`);
  }
  const id = probe.armedCheckpointId!;
  const restored = result.checkpoints.history.find((h) => h.id === id && h.status === 'completed');
  if (restored?.path === undefined) throw new CheckpointBenchmarkError(`${what}: checkpoint ${id} (restored) is not in the history with a path`);
  let state: CheckpointStateFigures;
  try {
    state = await readKeyedCounts(restored.path, (k) => countAtPosition(k, resumedAt, keys));
  } catch (err) {
    throw new CheckpointBenchmarkError(`${what}: cannot read the restored checkpoint ${id} back (${(err as Error).message})`, { cause: err });
  }
  if (state.keys !== keys || state.wrong !== 0) {
    throw new CheckpointBenchmarkError(`${what}: restored checkpoint ${id} holds ${state.keys} keys (expected ${keys}), ${state.wrong} with a count that does not match resuming at record ${resumedAt}: ${state.wrongSamples.join('; ')}`);
  }
  return {
    checkpointId: id,
    failedAtRecord: probe.failedAtRecord,
    checkpointsCompleted: result.checkpoints.completed,
    wallMs: run.wallMs,
    restartDecidedMs: at(probe.restartDecidedAt, 'restart decided'),
    oldAttemptStoppedMs: at(probe.oldAttemptStoppedAt, 'old attempt stopped'),
    newAttemptStartedMs: at(probe.newAttemptStartedAt, 'new attempt started'),
    stateRestoredMs: at(probe.restoredLastAt, 'state restored'),
    firstOutputMs,
    readMetadataMs: state.metadataMs,
    readPartsMs: state.readMs,
    decodeMs: state.decodeMs,
    restoredBytes: state.bytes,
    restoredParts: state.parts,
    restoredKeys: state.keys,
    replayedRecords: probe.failedAtRecord - resumedAt,
  };
}

function recoveryLine(r: RecoveryFigures): string {
  return (
    `first output ${r.firstOutputMs.toFixed(1)} ms after the failure (restart decided +${r.restartDecidedMs.toFixed(1)}, old attempt stopped +${r.oldAttemptStoppedMs.toFixed(1)}, ` +
    `new attempt spawned +${r.newAttemptStartedMs.toFixed(1)}, state restored +${r.stateRestoredMs.toFixed(1)}); restored ${r.restoredKeys.toLocaleString('en-US')} keys, ` +
    `${formatBytes(r.restoredBytes)} in ${r.restoredParts} parts (read back: parts ${r.readPartsMs.toFixed(0)} ms, decode ${r.decodeMs.toFixed(0)} ms); ${r.replayedRecords.toLocaleString('en-US')} records replayed`
  );
}

const RECOVERY_FIGURES: readonly (keyof RecoveryFigures)[] = [
  'restartDecidedMs',
  'oldAttemptStoppedMs',
  'newAttemptStartedMs',
  'stateRestoredMs',
  'firstOutputMs',
  'readMetadataMs',
  'readPartsMs',
  'decodeMs',
  'restoredBytes',
  'restoredParts',
  'restoredKeys',
  'replayedRecords',
];

/**
 * Runs `recovery-time`: per backend, a warm-up recovery on a tenth of the keys, then `runs`
 * recoveries.
 * @throws CheckpointBenchmarkError on a wrong result or when no failure could be injected.
 */
export async function runRecoveryTime(name: string, title: string, s: CheckpointBenchSettings): Promise<RecoveryReport> {
  const { keys, checkpointIntervalMs: interval, keyedParallelism: parallelism, runs } = s;
  const records = UNBOUNDED_RECORDS;
  const rows: RecoveryRow[] = [];
  const failures: RecoveryReport['failures'] = [];
  for (const backend of s.backends) {
    const job = { records, parallelism, backend, checkpointIntervalMs: interval, injectFailure: true, numRetainedCheckpoints: 3 };
    const warmupKeys = Math.max(1, Math.ceil(keys / 10));
    log(`${name}: ${backend}: warm-up recovery over ${warmupKeys.toLocaleString('en-US')} keys`);
    await oneRun({ ...job, keyCount: warmupKeys, stopAfterRestartRecords: RECORDS_AFTER_RESTART }, (run) => recoveryFigures(`${name} ${backend} warm-up`, run, warmupKeys));
    const done: RecoveryRun[] = [];
    try {
      for (let i = 1; i <= runs; i++) {
        const r = await oneRun({ ...job, keyCount: keys, stopAfterRestartRecords: RECORDS_AFTER_RESTART }, (run) => recoveryFigures(`${name} ${backend}`, run, keys));
        done.push(r);
        log(`${name}: ${backend}: run ${i}/${runs}: failure at record ${r.failedAtRecord.toLocaleString('en-US')} after checkpoint ${r.checkpointId}: ${recoveryLine(r)}; checked`);
      }
    } catch (err) {
      if (!(err instanceof CheckpointBenchmarkError)) throw err;
      log(`${name}: ${backend}: CHECK FAILED: ${err.message}`);
      failures.push({ backend, message: err.message });
      continue;
    }
    const m = {} as Record<keyof RecoveryFigures, number>;
    for (const k of RECOVERY_FIGURES) m[k] = median(done.map((r) => r[k]));
    rows.push({ backend, runs: done, median: m });
  }
  return {
    kind: 'recovery-time',
    name,
    title,
    keys,
    checkpointIntervalMs: interval,
    keyedParallelism: parallelism,
    recordsAfterRestart: RECORDS_AFTER_RESTART,
    measuredAt: new Date().toISOString(),
    rows,
    failures,
  };
}
