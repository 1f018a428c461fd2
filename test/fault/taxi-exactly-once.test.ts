/**
 * Fault test: a keyed, windowed taxi job (examples/taxi/fault-tolerant-hourly-tips.ts: tips per
 * pickup zone per hour, tumbling event-time windows, the exactly-once FileSink in directory mode)
 * is interrupted repeatedly at random (seeded) points: by exceptions thrown in its window operator
 * (restarted in-process by the restart strategy), and by SIGKILL of the `weir run` process followed
 * by `weir run --from-checkpoint`, also after the newest checkpoint was damaged. Each time the
 * committed output (final part files only) must equal a failure-free run's, record for record:
 * no loss, no duplicate; and both equal the sums computed here with a plain loop.
 *
 * Input: the first 30,000 trips of the quarter (2008-12-31 … mid-January, all EST). The process
 * runs read it at 6,000 trips/s (`--throttle`, which changes no result): about 5 s and 30
 * checkpoints (interval 50 ms) uninterrupted, so the kills, each after 1 to 8 new checkpoints, land
 * all through the run. Seed: `WEIR_FAULT_SEED` (default below); every random choice is logged.
 */
import test, { type ExecutionContext } from 'ava';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataFile, readLines, runExample, tempDir } from '../examples/example-helpers.js';
import { committedRows, tipsPerHourAndZone } from '../examples/tips-per-hour-and-zone.js';
import { completedCheckpoints, delay, killLeftovers, seededRandom, startWeir, waitForNewCheckpoints, type WeirExit } from './weir-process.js';

const tmp = tempDir('weir-fault-taxi-');
test.after.always(() => {
  killLeftovers();
  tmp.remove();
});

const SEED = Number(process.env['WEIR_FAULT_SEED'] ?? 20_250_611);
const TRIPS = 30_000;
const JOB_TS = 'examples/taxi/fault-tolerant-hourly-tips.ts';
const JOB = 'taxi/fault-tolerant-hourly-tips';
/** `weir run` registers running jobs under `$WEIR_HOME`; killed runs leave theirs behind, so not in ~/.weir. */
const WEIR_ENV = { WEIR_HOME: join(tmp.dir, 'weir-home') };

const lines = readLines(dataFile('nyc_green_taxi_trips_2023-01_2023-03.csv.gz')).slice(0, TRIPS + 1);
const input = join(tmp.dir, `green-taxi-first-${TRIPS}.csv`);
writeFileSync(input, `${lines.join('\n')}\n`);
const expected = tipsPerHourAndZone(lines.join('\n'));

/** Failure-free in-process runs, one per parallelism, shared by the tests. */
const cleanRuns = new Map<number, Promise<string[][]>>();
function failureFreeRows(parallelism: number): Promise<string[][]> {
  let rows = cleanRuns.get(parallelism);
  if (rows === undefined) {
    const output = join(tmp.dir, `clean-p${parallelism}`);
    rows = runExample(JOB, parallelism, ['--input', input, '--output', output, '--checkpoint-interval', '50']).then(() => committedRows(output).rows);
    cleanRuns.set(parallelism, rows);
  }
  return rows;
}

/**
 * Asserts that `actual` and `wanted` hold the same rows the same number of times; on a difference,
 * reports the counts and the first few missing and extra rows instead of two huge arrays.
 */
function sameRecords(t: ExecutionContext, actual: readonly string[][], wanted: readonly string[][], what: string): void {
  const balance = new Map<string, number>();
  for (const r of wanted) balance.set(r.join(','), (balance.get(r.join(',')) ?? 0) + 1);
  for (const r of actual) balance.set(r.join(','), (balance.get(r.join(',')) ?? 0) - 1);
  const missing = [...balance].filter(([, n]) => n > 0).map(([r, n]) => `${r} ×${n}`);
  const extra = [...balance].filter(([, n]) => n < 0).map(([r, n]) => `${r} ×${-n}`);
  t.deepEqual(
    { rows: actual.length, missing: missing.length, extra: extra.length, firstMissing: missing.slice(0, 5), firstExtra: extra.slice(0, 5) },
    { rows: wanted.length, missing: 0, extra: 0, firstMissing: [], firstExtra: [] },
    what,
  );
}

/** Checks a directory's committed output against the failure-free run and the plain-loop sums. */
async function checkOutput(t: ExecutionContext, output: string, parallelism: number): Promise<void> {
  const committed = committedRows(output);
  t.deepEqual(committed.badHeaders, [], 'every part file starts with the header');
  t.log(`${committed.rows.length} rows in ${committed.files} committed part files`);
  sameRecords(t, committed.rows, await failureFreeRows(parallelism), 'committed rows = the failure-free run, record for record');
  sameRecords(t, committed.rows, expected, 'committed rows = the plain-loop sums');
}

/** `weir run` arguments of the job on the slice, writing checkpoints under `root`. */
function weirArgs(root: string, output: string, restore: boolean): string[] {
  return [
    ...['run', JOB_TS, '-p', '2', '-q', '--checkpoint-interval', '50', '--checkpoint-dir', root],
    ...(restore ? ['--from-checkpoint', root] : []),
    ...['--', '--input', input, '--output', output, '--throttle', '6000'],
  ];
}

/** Flips 8 bytes in the middle of `file` (each XOR 0xff). */
function flipBytes(file: string): void {
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  for (let i = at; i < Math.min(bytes.length, at + 8); i++) bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(file, bytes);
}

/** A key-group `.part` file of checkpoint directory `dir` if it has one (parts below 20 KiB are inlined in `_metadata`). */
function firstPartFile(dir: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.part')) return join(entry.parentPath, entry.name);
  }
  return undefined;
}

function describeExit(e: WeirExit): string {
  return `code ${String(e.code)}, signal ${String(e.signal)}; stderr:\n${e.stderr}`;
}

test.before(() => {
  // Guards the slice: the expectation helper knows EST only, and there must be many windows.
  if (expected.length < 5000) throw new Error(`only ${expected.length} (hour, zone) rows`);
});

test('exceptions thrown in the window operator at random lines: restarted in-process from checkpoints, the output is exactly once', async (t) => {
  const random = seededRandom(SEED);
  const failAt = new Set<number>();
  while (failAt.size < 4) failAt.add(2 + random.next(TRIPS));
  const positions = [...failAt].sort((a, b) => a - b);
  t.log(`seed ${SEED}: exceptions at input lines ${positions.join(', ')}`);
  const output = join(tmp.dir, 'exceptions');
  const result = await runExample(JOB, 4, [
    ...['--input', input, '--output', output, '--checkpoint-interval', '20'],
    ...['--fail-at', positions.join(','), '--throttle', '15000', '--restart-delay', '0'],
  ]);
  t.log(`${result.checkpoints.completed} checkpoints completed, ${result.checkpoints.restarts} restarts, ${result.netRuntimeMs.toFixed(0)} ms`);
  t.is(result.checkpoints.restarts, positions.length, 'one restart per exception');
  t.true(result.checkpoints.completed > 0);
  await checkOutput(t, output, 4);
});

test.serial('SIGKILL of the process at random points, then weir run --from-checkpoint: the output is exactly once', async (t) => {
  const random = seededRandom(SEED + 1);
  const root = join(tmp.dir, 'kill-checkpoints');
  const output = join(tmp.dir, 'kill-output');
  const KILLS = 3;
  let kills = 0;
  let final: WeirExit | undefined;
  for (let run = 0; final === undefined; run++) {
    const before = new Set(completedCheckpoints(root));
    const proc = startWeir(weirArgs(root, output, run > 0), WEIR_ENV);
    if (kills === KILLS) {
      final = await proc.exited;
      break;
    }
    const waitFor = 1 + random.next(8);
    const extraMs = random.next(50);
    const seen = await waitForNewCheckpoints(root, before, waitFor, proc);
    await delay(extraMs);
    const exit = await proc.kill();
    if (exit.signal !== 'SIGKILL') {
      t.log(`run ${run} ended on its own before its kill (${seen} checkpoints)`);
      final = exit;
      break;
    }
    kills++;
    t.log(`run ${run} (pid ${String(proc.pid)}): killed after ${seen} new checkpoints (wanted ${waitFor}) + ${extraMs} ms`);
    t.true(seen >= 1, `run ${run} completed a checkpoint before the kill`);
    t.notRegex(exit.stderr, /falling back/, 'the newest checkpoint was readable');
  }
  t.is(final.code, 0, describeExit(final));
  t.regex(final.stderr, /weir: restored from /);
  t.true(kills >= 2, `${kills} kills`);
  await checkOutput(t, output, 2);
});

test.serial('a corrupted, then a truncated newest checkpoint: --from-checkpoint falls back to the previous one, the output is exactly once', async (t) => {
  const root = join(tmp.dir, 'corrupt-checkpoints');
  const output = join(tmp.dir, 'corrupt-output');
  const damages = [
    (dir: string) => {
      const file = firstPartFile(dir) ?? join(dir, '_metadata');
      flipBytes(file);
      return `flipped 8 bytes of ${file.slice(root.length + 1)}`;
    },
    (dir: string) => {
      const file = join(dir, '_metadata');
      const size = readFileSync(file).length;
      truncateSync(file, Math.floor(size / 2));
      return `truncated ${file.slice(root.length + 1)} from ${size} to ${Math.floor(size / 2)} bytes`;
    },
  ];
  let expectFallbackTo: string | undefined;
  for (let run = 0; ; run++) {
    const before = new Set(completedCheckpoints(root));
    const proc = startWeir(weirArgs(root, output, run > 0), WEIR_ENV);
    const damage = damages[run];
    if (damage === undefined) {
      const exit = await proc.exited;
      t.is(exit.code, 0, describeExit(exit));
      t.true(exit.stderr.includes(`falling back to ${join(root, expectFallbackTo!)}`), `run ${run} fell back to ${expectFallbackTo!}:\n${exit.stderr}`);
      break;
    }
    // Three new checkpoints: this run's directory then holds the newest and, retained, the one before it.
    const seen = await waitForNewCheckpoints(root, before, 3, proc);
    const exit = await proc.kill();
    t.is(exit.signal, 'SIGKILL', `run ${run} was still running after ${seen} checkpoints: ${describeExit(exit)}`);
    if (expectFallbackTo !== undefined) {
      t.true(exit.stderr.includes(`falling back to ${join(root, expectFallbackTo)}`), `run ${run} fell back to ${expectFallbackTo}:\n${exit.stderr}`);
    }
    const retained = completedCheckpoints(root);
    const newest = retained[retained.length - 1]!;
    expectFallbackTo = retained[retained.length - 2];
    t.truthy(expectFallbackTo, 'an older checkpoint is retained');
    t.log(`run ${run}: killed after ${seen} new checkpoints; ${damage(join(root, newest))}; expecting a fallback to ${expectFallbackTo!}`);
  }
  await checkOutput(t, output, 2);
});
