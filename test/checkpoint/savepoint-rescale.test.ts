/**
 * Savepoints and rescaling (Flink's stop-with-savepoint, then `-s <savepoint>` at another
 * parallelism): a keyed running sum stopped with a savepoint at parallelism 4 and resumed from it at
 * parallelism 2 and 8 ends with the same per-key totals as an unbroken run (computed with a loop).
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestoreError, StreamExecutionEnvironment, type JobControl } from 'weir';
import { Deferred } from '../helpers/async-probe.js';
import { PausingSequenceSource } from '../helpers/pausing-sequence-source.js';

const N = 40_000;
const KEYS = 97;
const dirs: string[] = [];
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function totals(): Map<number, number> {
  const m = new Map<number, number>();
  for (let x = 1; x <= N; x++) m.set(x % KEYS, (m.get(x % KEYS) ?? 0) + x);
  return m;
}

/** Per key, the largest running sum seen (the last one, since all inputs are positive). */
function finalPerKey(pairs: [number, number][]): Map<number, number> {
  const m = new Map<number, number>();
  for (const [k, s] of pairs) m.set(k, Math.max(m.get(k) ?? 0, s));
  return m;
}

/** The job: a keyed running sum of `(x mod 97, x)`, its outputs pushed into `out`. */
function build(env: StreamExecutionEnvironment, source: PausingSequenceSource, out: [number, number][], sumUid = 'running-sum'): void {
  env
    .fromSource(source, 'numbers')
    .uid('numbers')
    .map((x): [number, number] => [x % KEYS, x])
    .uid('pairs')
    .keyBy((p) => p[0])
    .reduce((a, b): [number, number] => [a[0], a[1] + b[1]])
    .uid(sumUid)
    .sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void out.push(v), flush() {}, close() {} }) });
}

/** Runs at parallelism 4 until every source subtask paused, then stops with a savepoint. */
async function stopWithSavepoint(): Promise<{ savepoint: string; before: [number, number][] }> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-savepoint-'));
  dirs.push(dir);
  const env = StreamExecutionEnvironment.create({ parallelism: 4 });
  const source = new PausingSequenceSource(1, N, 3_000, 4);
  const control = new Deferred<JobControl>();
  const stopped = new Deferred<string>();
  void control.promise.then(async (c) => {
    await source.paused;
    stopped.resolve((await c.stopWithSavepoint(dir)).path);
  }, stopped.reject);
  const before: [number, number][] = [];
  build(env, source, before);
  await env.execute({ onStarted: (c) => control.resolve(c) });
  return { savepoint: await stopped.promise, before };
}

for (const p of [2, 8]) {
  test(`a savepoint taken at parallelism 4 resumes at parallelism ${p} with the unbroken run's totals`, async (t) => {
    const { savepoint, before } = await stopWithSavepoint();
    t.true(before.length > 0 && before.length < N, 'the first run stopped part-way');
    const env = StreamExecutionEnvironment.create({ parallelism: p });
    const after: [number, number][] = [];
    build(env, new PausingSequenceSource(1, N, Infinity, p), after);
    const result = await env.execute({ fromSavepoint: savepoint });
    t.is(result.checkpoints.restoredFrom, savepoint);
    // Only the records after the savepoint are read again: the two runs together read each once.
    t.is(before.length + after.length, N);
    // Every key gets records after the savepoint, and its last sum is the unbroken total: the
    // restored state carried the sum of the records before the savepoint.
    t.deepEqual([...finalPerKey(after)].sort((a, b) => a[0] - b[0]), [...totals()].sort((a, b) => a[0] - b[0]));
  });
}

test('restoring a savepoint with state for an operator the job lacks needs allowNonRestoredState', async (t) => {
  const { savepoint } = await stopWithSavepoint();
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  build(env, new PausingSequenceSource(1, N, Infinity, 2), [], 'renamed-sum');
  const err = await t.throwsAsync(env.execute({ fromSavepoint: savepoint }), { instanceOf: RestoreError });
  t.regex(err!.message, /running-sum.*allow-non-restored-state/s);
  const env2 = StreamExecutionEnvironment.create({ parallelism: 2 });
  build(env2, new PausingSequenceSource(1, N, Infinity, 2), [], 'renamed-sum');
  const result = await env2.execute({ fromSavepoint: savepoint, allowNonRestoredState: true });
  t.is(result.checkpoints.restoredFrom, savepoint);
});
