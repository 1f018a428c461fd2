import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TAXI_SLICE, readLines, runExample, tempDir } from './example-helpers.js';
import { committedRows, tipsPerHourAndZone } from './tips-per-hour-and-zone.js';

// examples/taxi/fault-tolerant-hourly-tips.ts on the first 5,000 trips: the committed part files
// (final names only) of a run with a failure injected halfway equal those of a failure-free run
// and the tips per (hour, zone) computed here with a plain loop; no hidden file is left behind.
const tmp = tempDir('weir-ft-tips-');
test.after.always(() => tmp.remove());

const JOB = 'taxi/fault-tolerant-hourly-tips';
const expected = tipsPerHourAndZone(readLines(TAXI_SLICE).join('\n'));

/** Failure-free runs, one per parallelism, shared by the tests. */
const cleanRuns = new Map<number, { output: string; result: ReturnType<typeof runExample> }>();
function cleanRun(parallelism: number): { output: string; result: ReturnType<typeof runExample> } {
  let run = cleanRuns.get(parallelism);
  if (run === undefined) {
    const output = join(tmp.dir, `clean-p${parallelism}`);
    run = { output, result: runExample(JOB, parallelism, ['--input', TAXI_SLICE, '--output', output, '--checkpoint-interval', '20']) };
    cleanRuns.set(parallelism, run);
  }
  return run;
}

test('failure-free at parallelism 1 and 4: the committed rows equal the plain-loop sums per hour and zone', async (t) => {
  t.true(expected.length > 1000, `${expected.length} (hour, zone) rows`);
  for (const parallelism of [1, 4]) {
    const { output, result: running } = cleanRun(parallelism);
    const result = await running;
    const committed = committedRows(output);
    t.deepEqual(committed.badHeaders, []);
    t.deepEqual(committed.rows, expected, `parallelism ${parallelism}`);
    t.is(result.operators.find((o) => o.name === 'tips per zone and hour')?.parallelism, parallelism);
    t.is(result.checkpoints.restarts, 0);
  }
});

test('a failure injected halfway restarts the job from its last checkpoint; the committed rows are the same, once each', async (t) => {
  const output = join(tmp.dir, 'failing');
  // 5,000 trips at 4,000 trips/s: checkpoints (every 20 ms) complete before line 2,500 fails.
  const result = await runExample(JOB, 4, [
    ...['--input', TAXI_SLICE, '--output', output, '--checkpoint-interval', '20'],
    ...['--fail-at', '2500', '--throttle', '4000', '--restart-delay', '0'],
  ]);
  t.log(`checkpoints completed: ${result.checkpoints.completed}, restarts: ${result.checkpoints.restarts}, ${result.netRuntimeMs.toFixed(0)} ms`);
  t.is(result.checkpoints.restarts, 1);
  t.true(result.checkpoints.completed > 0);
  const { rows, badHeaders } = committedRows(output);
  t.deepEqual(badHeaders, []);
  t.is(new Set(rows.map((r) => `${r[0]}/${r[1]}`)).size, rows.length, 'each (hour, zone) once');
  const clean = cleanRun(4);
  await clean.result;
  t.deepEqual(rows, committedRows(clean.output).rows, 'the same rows as the failure-free run');
  t.deepEqual(rows, expected, 'the plain-loop sums');
  t.deepEqual(
    readdirSync(output).filter((n) => n.startsWith('.')),
    [],
    'no in-progress or pending part left',
  );
});
