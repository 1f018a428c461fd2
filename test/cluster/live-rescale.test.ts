/**
 * Live rescaling in the embedded runtime: a keyed running sum goes 2 → 4 → 1 while records flow;
 * every input record is summed exactly once (one output per input, each key's last sum equals the
 * independently computed total) and the job never restarts.
 */
import test from 'ava';
import { StreamExecutionEnvironment, type JobControl, type RescaleResult } from 'weir';
import { Deferred } from '../helpers/async-probe.js';
import { PacedSequenceSource } from '../helpers/paced-sequence-source.js';

const N = 60_000;
const KEYS = 101;

function totals(): Map<number, number> {
  const m = new Map<number, number>();
  for (let x = 1; x <= N; x++) m.set(x % KEYS, (m.get(x % KEYS) ?? 0) + x);
  return m;
}

/** Resolves once `out` holds at least `n` records. */
async function until(out: unknown[], n: number): Promise<void> {
  while (out.length < n) await new Promise((r) => setTimeout(r, 5));
}

test('a running keyed job rescales 2 -> 4 -> 1 without a restart, summing every record once', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(300);
  const out: [number, number][] = [];
  env
    .fromSource(new PacedSequenceSource(1, N, 250, 2), 'numbers')
    .uid('numbers')
    .map((x): [number, number] => [x % KEYS, x])
    .uid('pairs')
    .keyBy((p) => p[0])
    .reduce((a, b): [number, number] => [a[0], a[1] + b[1]])
    .uid('sum')
    .sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void out.push(v), flush() {}, close() {} }) });
  const control = new Deferred<JobControl>();
  const rescales: RescaleResult[] = [];
  const driver = control.promise.then(async (c) => {
    await until(out, N / 6);
    rescales.push(await c.rescale(4));
    const at4 = out.length;
    await until(out, at4 + N / 6);
    rescales.push(await c.rescale(1));
  });
  const result = await env.execute({ onStarted: (c) => control.resolve(c) });
  await driver;
  t.is(rescales.length, 2);
  t.is(rescales[0]!.parallelism['sum'], 4);
  t.is(rescales[0]!.parallelism['numbers'], 4);
  t.is(rescales[1]!.parallelism['sum'], 1);
  t.true(rescales[1]!.checkpointId > rescales[0]!.checkpointId);
  for (const r of rescales) t.true(r.pauseMs > 0 && r.pauseMs < 30_000, `pause ${r.pauseMs} ms`);
  t.is(result.checkpoints.restarts, 0, 'no failover restart');
  // A reduce emits once per input: a lost record makes fewer outputs, a replayed one more.
  t.is(out.length, N);
  const last = new Map<number, number>();
  for (const [k, s] of out) last.set(k, Math.max(last.get(k) ?? 0, s));
  const expected = totals();
  let mismatches = 0;
  for (const [k, v] of expected) if (last.get(k) !== v) mismatches++;
  t.is(mismatches, 0);
  t.is(last.size, KEYS);
});

test('a rescale to an impossible parallelism is refused and the job goes on', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(300);
  const out: number[] = [];
  env
    .fromSource(new PacedSequenceSource(1, 20_000, 500, 2), 'numbers')
    .keyBy((x) => x % 7)
    .reduce((a, b) => a + b)
    .uid('sum')
    .sinkTo({ createWriter: () => ({ write: (v: number) => void out.push(v), flush() {}, close() {} }) });
  const control = new Deferred<JobControl>();
  const errors: string[] = [];
  const driver = control.promise.then(async (c) => {
    await until(out, 1000);
    await c.rescale(0).catch((e: Error) => errors.push(e.message));
    await c.rescale(3, 'no-such-uid').catch((e: Error) => errors.push(e.message));
    await c.rescale(200).catch((e: Error) => errors.push(e.message)); // beyond max parallelism 128
  });
  const result = await env.execute({ onStarted: (c) => control.resolve(c) });
  await driver;
  t.is(errors.length, 3);
  t.regex(errors[0]!, /positive integer/);
  t.regex(errors[1]!, /no operator with uid 'no-such-uid'/);
  t.regex(errors[2]!, /max parallelism|maxParallelism|parallelism/);
  t.is(out.length, 20_000);
  t.is(result.checkpoints.restarts, 0);
});
