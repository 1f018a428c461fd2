/**
 * The Weir job of the checkpoint benchmarks (`checkpoint-overhead`, `recovery-time`): a keyed
 * running count over many distinct keys, so that the job holds a large keyed state.
 *
 * - **Source**: `env.fromSequence(0, N − 1)` at parallelism 1 (Weir's replayable
 *   NumberSequenceSource: its split position is checkpointed, so a restore resumes exactly after
 *   the last record of the checkpoint).
 * - **keyBy(x → x mod K)**: a network edge to the keyed subtasks. Record `x` has key `x mod K`, so
 *   the first K records create the K keys and every later record updates one (each key gets
 *   ⌊N/K⌋ or ⌈N/K⌉ records, cycling through all keys in order: the whole state is the working set).
 * - **process**: a {@link KeyedProcessFunction} reading and updating a `ValueState<number>` (the
 *   key's count) per record and emitting the new count.
 * - **sink** ({@link KeyCountSink}, chained to the process function): counts records, records whose
 *   count is 1 (a key that entered the state: K of them when the job is right), and sums the counts
 *   (a closed form checks them: key k counted 1..n_k gives Σ n_k (n_k + 1) / 2).
 *
 * Failure injection ({@link KeyedStateProbe}, recovery only): the process function arms itself at
 * the first checkpoint whose barrier reached it after it had seen record K − 1 (so the snapshot
 * holds all K keys: the source is one subtask, so every earlier record was ahead of the barrier on
 * its channel), and once that checkpoint completed (`notifyCheckpointComplete`) throws at its next
 * record, noting `performance.now()` just before the throw. After the restart the probe notes the
 * restart milestones from the actor system's inspection events, when the new keyed subtasks'
 * functions open (restore done), the smallest record they process (where the source resumed), every
 * count that differs from the closed form ⌊x / K⌋ + 1, and when the new sink writers write their
 * first record; after a set number of records it cancels the job.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HashMapStateBackend,
  KeyedProcessFunction,
  LevelDBStateBackend,
  RestartStrategies,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type FunctionSnapshotContext,
  type InspectionEvent,
  type JobExecutionResult,
  type KeyedProcessContext,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type StateBackend,
  type ValueState,
} from 'weir';

/** Default distinct keys of the checkpoint benchmarks. */
export const DEFAULT_STATE_KEYS = 1_000_000;

/** Which state backend a run uses. */
export type BackendKind = 'heap' | 'leveldb' | 'leveldb-incremental';

/** Every backend kind, in table order. */
export const BACKEND_KINDS: readonly BackendKind[] = ['heap', 'leveldb', 'leveldb-incremental'];

/** Creates the state backend of `kind`; LevelDB working directories go under `workDir`. */
export function createBackend(kind: BackendKind, workDir: string): StateBackend {
  if (kind === 'heap') return new HashMapStateBackend();
  return new LevelDBStateBackend({ path: join(workDir, 'leveldb'), incremental: kind === 'leveldb-incremental' });
}

/**
 * Shared between the job's functions and the benchmark (one process, one thread): failure injection
 * and the timestamps (`performance.now()` ms) of the recovery.
 */
export class KeyedStateProbe {
  /** Throw once, after a checkpoint holding all keys completed. */
  readonly injectFailure: boolean;
  /** The first checkpoint id whose snapshot holds every key (set by the process function). */
  armedCheckpointId: number | undefined;
  /** That checkpoint completed: the next record fails. */
  armed = false;
  /** When the failure was thrown (undefined: not yet). */
  failedAt: number | undefined;
  /** The record the failure was thrown at. */
  failedAtRecord: number | undefined;
  /** When the last keyed subtask's function opened after the failure (its keyed state restored). */
  restoredLastAt: number | undefined;
  /** The smallest record processed after the failure (where the restored source resumed). */
  minRecordAfterRestart = Number.POSITIVE_INFINITY;
  /** When a sink writer created after the failure wrote its first record. */
  firstOutputAfterRestartAt: number | undefined;
  /** Records after the restart whose count was not ⌊x / K⌋ + 1 (the restored state or source position was wrong). */
  wrongCountsAfterRestart = 0;
  /** The first few of them, for the error message. */
  readonly wrongSamples: string[] = [];
  /** When the job actor decided to restart the failed region (inspection event). */
  restartDecidedAt: number | undefined;
  /** When the region actor was restarted: the old attempt's subtasks are stopped and closed (inspection event). */
  oldAttemptStoppedAt: number | undefined;
  /** When the first subtask actor of the new attempt was spawned (inspection event). */
  newAttemptStartedAt: number | undefined;
  /** Called once a restarted sink writer has written this many records (then the job is cancelled). */
  stopAfterRestartRecords = Number.POSITIVE_INFINITY;
  /** Cancels the job (set from `onStarted`). */
  cancel: (() => void) | undefined;

  constructor(readonly keyCount: number, injectFailure: boolean) {
    this.injectFailure = injectFailure;
  }
}

/**
 * A keyed running count in `ValueState` (see the module docstring), with the probe's failure
 * injection. A class per probe: the runtime instantiates it per subtask and per attempt.
 */
export function countPerKeyFunction(probe: KeyedStateProbe): new () => KeyedProcessFunction<number, number, number> {
  const lastKey = probe.keyCount - 1;
  return class CountPerKeyInState extends KeyedProcessFunction<number, number, number> {
    private counter!: ValueState<number>;
    /** Largest record seen by this subtask in this attempt. */
    private maxSeen = -1;
    private restarted = false;

    /** Part of CheckpointedFunction: nothing to restore by hand (the count is keyed state). */
    initializeState(): void {}

    override open(): void {
      this.counter = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
      if (probe.failedAt !== undefined) {
        this.restarted = true;
        probe.restoredLastAt = performance.now();
      }
    }

    processElement(x: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
      if (x > this.maxSeen) this.maxSeen = x;
      if (!this.restarted && probe.armed && probe.failedAt === undefined) {
        probe.failedAtRecord = x;
        probe.failedAt = performance.now();
        throw new Error(`bench: injected failure at record ${x}`);
      }
      const n = (this.counter.value() ?? 0) + 1;
      this.counter.update(n);
      if (this.restarted) {
        if (x < probe.minRecordAfterRestart) probe.minRecordAfterRestart = x;
        // Key x mod K has had records x mod K, x mod K + K, …, x: ⌊x / K⌋ + 1 of them.
        if (n !== Math.floor(x / probe.keyCount) + 1 && probe.wrongCountsAfterRestart++ < 5) probe.wrongSamples.push(`record ${x}: count ${n}`);
      }
      out.collect(n);
    }

    /** At the barrier: arms the probe once this subtask's snapshot covers every key. */
    snapshotState(ctx: FunctionSnapshotContext): void {
      if (probe.injectFailure && probe.armedCheckpointId === undefined && this.maxSeen >= lastKey) probe.armedCheckpointId = ctx.getCheckpointId();
    }

    notifyCheckpointComplete(id: number): void {
      if (probe.armedCheckpointId !== undefined && id >= probe.armedCheckpointId) probe.armed = true;
    }
  };
}

/** Counts what the keyed counter emits, for the checks (see the module docstring). */
export class KeyCountSink implements Sink<number> {
  /** Records written (all attempts). */
  count = 0;
  /** Records whose count was 1: keys that entered the state. */
  newKeys = 0;
  /** Sum of the counts. */
  countSum = 0;
  /** Records written by writers created after the failure. */
  countAfterRestart = 0;
  /** Sum of their counts. */
  countSumAfterRestart = 0;
  /** Their records with count 1 (a key the restored state did not have). */
  newKeysAfterRestart = 0;

  constructor(private readonly probe: KeyedStateProbe) {}

  createWriter(_context: SinkWriterContext): SinkWriter<number> {
    return this.probe.failedAt === undefined ? new KeyCountWriter(this) : new RestartedKeyCountWriter(this, this.probe);
  }
}

class KeyCountWriter implements SinkWriter<number> {
  constructor(private readonly sink: KeyCountSink) {}

  write(n: number): void {
    const s = this.sink;
    s.count++;
    s.countSum += n;
    if (n === 1) s.newKeys++;
  }

  flush(): void {}

  close(): void {}
}

class RestartedKeyCountWriter implements SinkWriter<number> {
  constructor(
    private readonly sink: KeyCountSink,
    private readonly probe: KeyedStateProbe,
  ) {}

  write(n: number): void {
    this.probe.firstOutputAfterRestartAt ??= performance.now();
    const s = this.sink;
    if (s.countAfterRestart + 1 === this.probe.stopAfterRestartRecords) this.probe.cancel?.();
    s.count++;
    s.countSum += n;
    s.countAfterRestart++;
    s.countSumAfterRestart += n;
    if (n === 1) {
      s.newKeys++;
      s.newKeysAfterRestart++;
    }
  }

  flush(): void {}

  close(): void {}
}

/** Σ over records x in [from, to) of the count the keyed counter emits for x, ⌊x / K⌋ + 1. */
export function countSumOfRange(from: number, to: number, keyCount: number): number {
  // Σ_{x=from}^{to-1} (⌊x/K⌋ + 1) = F(to) − F(from) with F(n) = Σ_{x<n} (⌊x/K⌋ + 1).
  const f = (n: number): number => {
    const q = Math.floor(n / keyCount);
    const r = n % keyCount;
    return (keyCount * q * (q + 1)) / 2 + r * (q + 1);
  };
  return f(to) - f(from);
}

/** Settings of one run of the keyed-state job. */
export interface KeyedStateJobSettings {
  records: number;
  keyCount: number;
  /** Parallelism of the keyed process function and sink (the source has 1). */
  parallelism: number;
  backend: BackendKind;
  /** Checkpoint interval, ms; undefined = no checkpoints. */
  checkpointIntervalMs: number | undefined;
  /** Inject one failure after a checkpoint holding every key completed (restart delay 0). */
  injectFailure: boolean;
  /** Completed checkpoints kept (default 1, Weir's default). */
  numRetainedCheckpoints?: number;
  /** With `injectFailure`: cancel the job once the restarted sinks wrote this many records (default: run to the end). */
  stopAfterRestartRecords?: number;
}

/** What one run of the keyed-state job produced. */
export interface KeyedStateJobRun {
  /** `execute()` wall time, ms (building the job graph and deployment included). */
  wallMs: number;
  /** Process CPU time (user + system, all threads), ms. */
  cpuMs: number;
  result: JobExecutionResult;
  sink: KeyCountSink;
  probe: KeyedStateProbe;
  /** Bytes under the checkpoint directory after the run (the retained checkpoint and shared incremental parts). */
  retainedCheckpointBytes: number;
  /** The checkpoint directory, until {@link KeyedStateJobRun.cleanUp}. */
  checkpointDir: string;
  /** Removes the run's temporary directories. */
  cleanUp(): Promise<void>;
}

/**
 * Runs the keyed-state job once, with its checkpoint storage and LevelDB working directories in a
 * new temporary directory (kept until `cleanUp()`, so the caller can read the checkpoints).
 */
export async function runKeyedStateJob(s: KeyedStateJobSettings): Promise<KeyedStateJobRun> {
  const workDir = await mkdtemp(join(tmpdir(), 'weir-bench-ckpt-'));
  const cleanUp = (): Promise<void> => rm(workDir, { recursive: true, force: true });
  try {
    const probe = new KeyedStateProbe(s.keyCount, s.injectFailure);
    const sink = new KeyCountSink(probe);
    const env = StreamExecutionEnvironment.create({ parallelism: s.parallelism, jobName: 'bench-keyed-state' });
    env.setStateBackend(createBackend(s.backend, workDir));
    const checkpointDir = join(workDir, 'checkpoints');
    if (s.checkpointIntervalMs !== undefined) {
      env.enableCheckpointing(s.checkpointIntervalMs, 'EXACTLY_ONCE');
      env.getCheckpointConfig().setCheckpointStorage(checkpointDir);
      if (s.numRetainedCheckpoints !== undefined) env.getCheckpointConfig().setNumRetainedCheckpoints(s.numRetainedCheckpoints);
    }
    env.setRestartStrategy(s.injectFailure ? RestartStrategies.fixedDelayRestart(1, 0) : RestartStrategies.noRestart());
    const keyCount = s.keyCount;
    env
      .fromSequence(0, s.records - 1)
      .setParallelism(1)
      .keyBy((x) => x % keyCount)
      .process(countPerKeyFunction(probe))
      .sinkTo(sink, 'Key Count Sink');
    if (s.stopAfterRestartRecords !== undefined) probe.stopAfterRestartRecords = s.stopAfterRestartRecords;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await env.execute({
      onStarted: (control) => {
        probe.cancel = () => void control.cancel();
      },
      inspect: s.injectFailure ? (e) => noteRecoveryEvent(probe, e) : undefined,
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const retainedCheckpointBytes = await directoryBytes(checkpointDir);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, result, sink, probe, retainedCheckpointBytes, checkpointDir, cleanUp };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/**
 * Notes the recovery's milestones from the actor system's inspection events (ids: job actor
 * `job-…`, region actors `…/r<i>`, subtask actors `…/r<i>/v<vertex>.<index>-<attempt>`).
 */
function noteRecoveryEvent(probe: KeyedStateProbe, e: InspectionEvent): void {
  if (probe.failedAt === undefined) return;
  switch (e.type) {
    case 'supervision-decision':
      if (e.directive === 'restart' && /\/r\d+$/.test(e.child.id)) probe.restartDecidedAt ??= performance.now();
      return;
    case 'actor-restarted':
      if (/\/r\d+$/.test(e.ref.id)) probe.oldAttemptStoppedAt ??= performance.now();
      return;
    case 'actor-started':
      if (/\/v\d+\.\d+-[1-9]\d*$/.test(e.ref.id)) probe.newAttemptStartedAt ??= performance.now();
      return;
    default:
      return;
  }
}

/** Total size of the files under `dir` (0 when it does not exist), bytes. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      // Files may vanish meanwhile: discarding subsumed checkpoints runs on after execute() resolved.
      else if (e.isFile()) total += (await stat(p).catch(() => undefined))?.size ?? 0;
    }
  };
  await walk(dir);
  return total;
}
