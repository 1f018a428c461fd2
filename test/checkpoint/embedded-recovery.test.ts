/**
 * Checkpoints and recovery in the embedded runtime, end to end: a failure thrown by an operator
 * restarts the job from the last completed checkpoint (restart strategies), and `executeAndCollect`
 * returns every record once; the expected output is computed independently with plain loops.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelDBStateBackend, RestartStrategies, StreamExecutionEnvironment, JobExecutionError } from '../../lib/index.js';

const N = 60_000;
const KEYS = 7;

/** Running sums per key over 1..N in order (what a keyed reduce emits, record by record). */
function runningSums(n: number): number[] {
  const sums = new Array<number>(KEYS).fill(0);
  const out: number[] = [];
  for (let x = 1; x <= n; x++) {
    sums[x % KEYS]! += x;
    out.push(sums[x % KEYS]!);
  }
  return out;
}

function sorted(xs: number[]): number[] {
  return xs.slice().sort((a, b) => a - b);
}

/** A keyed running sum whose map throws at the given records, each once per process. */
function job(env: StreamExecutionEnvironment, failAt: number[]): Promise<number[]> {
  const pending = new Set(failAt);
  return env
    .fromSequence(1, N)
    .setParallelism(1)
    .map((x) => {
      if (pending.delete(x)) throw new Error(`injected failure at ${x}`);
      return x;
    })
    // One upstream subtask, so each key's records arrive in order and the running sums are determined.
    .setParallelism(1)
    .keyBy((x) => x % KEYS)
    .reduce((a, b) => a + b)
    .executeAndCollect();
}

test('an operator failure restarts from the last completed checkpoint; each result is collected once', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(10);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(5, 0));
  const out = await job(env, [20_000, 45_000]);
  // Compared by hand: ava's deepEqual is very slow on arrays of this size.
  const a = sorted(out);
  const b = sorted(runningSums(N));
  t.is(a.length, b.length);
  t.true(a.every((x, i) => x === b[i]), 'the collected running sums equal those of a failure-free run');
});

test('the result reports checkpoints and restarts', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(10);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  const pending = new Set([30_000]);
  env
    .fromSequence(1, N)
    .setParallelism(1)
    .map((x) => {
      if (pending.delete(x)) throw new Error('boom');
      return x;
    })
    .keyBy((x) => x % KEYS)
    .sum()
    .sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  const result = await env.execute();
  t.is(result.checkpoints.restarts, 1);
  t.true(result.checkpoints.completed >= 1);
});

test('without a restart strategy the first failure fails the job with the root cause', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(10);
  env.setRestartStrategy(RestartStrategies.noRestart());
  const err = await t.throwsAsync(job(env, [5_000]), { instanceOf: JobExecutionError });
  t.regex(String((err?.cause as Error)?.message), /injected failure at 5000/);
});

test('a fixed-delay strategy gives up after its attempts, naming the last failure', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.enableCheckpointing(10);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
  // Fails at the same record on every attempt.
  const failing = env
    .fromSequence(1, 1000)
    .map((x) => {
      if (x === 500) throw new Error('always fails at 500');
      return x;
    })
    .executeAndCollect();
  const err = await t.throwsAsync(failing, { instanceOf: JobExecutionError });
  t.regex(String((err?.cause as Error)?.message), /always fails at 500/);
});

test('restart without checkpointing (strategy set explicitly) reruns from the start', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
  let failed = false;
  const result = await env
    .fromSequence(1, 100)
    .map((x) => {
      if (x === 50 && !failed) {
        failed = true;
        throw new Error('once');
      }
      return x;
    })
    .keyBy(() => 0)
    .sum()
    .executeAndCollect();
  // Without checkpoints the rerun starts from scratch: its 100 running sums are all there (results
  // the first attempt had already handed out may appear twice: at-least-once).
  const expected = Array.from({ length: 100 }, (_, i) => ((i + 1) * (i + 2)) / 2);
  t.deepEqual([...new Set(result)].sort((a, b) => a - b), expected);
  t.true(result.length >= 100);
});

for (const incremental of [false, true]) {
  test(`the LevelDB backend${incremental ? ' (incremental checkpoints)' : ''} recovers the same way`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-level-recovery-'));
    try {
      const env = StreamExecutionEnvironment.create({ parallelism: 2 });
      env.enableCheckpointing(10);
      env.getCheckpointConfig().setCheckpointStorage(join(dir, 'checkpoints'));
      env.setStateBackend(new LevelDBStateBackend({ path: join(dir, 'db'), incremental }));
      env.setRestartStrategy(RestartStrategies.fixedDelayRestart(5, 0));
      const out = await job(env, [25_000, 50_000]);
      const a = sorted(out);
      const b = sorted(runningSums(N));
      t.is(a.length, b.length);
      t.true(a.every((x, i) => x === b[i]), 'the collected running sums equal those of a failure-free run');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
