import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runJobFile } from '../../lib/cli/run-job-file.js';
import { generateTransaction } from '../../examples/fraud/transactions.js';
import { readCsvRows, repoRoot, tempDir } from './example-helpers.js';

// examples/fraud/fraud-detector.ts on 40,000 generated transactions, checked against the
// walkthrough's rule applied here with a plain loop over the same transactions in id order (the
// generator is the job's input, the rule is computed independently): a large transaction (> $500)
// alerts when the account's previous transaction was small (< $1) and that small transaction's
// one-minute event-time timer has not fired, i.e. the watermark the large one meets (the previous
// transaction's timestamp − 1 ms, watermarks following every transaction) is still below
// small.timestamp + 60 s. Any transaction after a small one clears the flag.
const tmp = tempDir('weir-fraud-');
test.after.always(() => tmp.remove());

const TRANSACTIONS = 40_000;
const ACCOUNTS = 10;
const SEED = 7;
const JOB = join(repoRoot, 'dist/examples/fraud/fraud-detector.js');

/** Expected alert rows (account_id, transaction_id, timestamp, amount), by transaction id. */
function expectedAlerts(): string[][] {
  const flaggedUntil = new Map<number, number>(); // account → timer time of its small transaction
  const rows: string[][] = [];
  let previousTimestamp = Number.NEGATIVE_INFINITY;
  for (let id = 1; id <= TRANSACTIONS; id++) {
    const tx = generateTransaction(SEED, ACCOUNTS, id);
    const watermark = previousTimestamp - 1;
    const timer = flaggedUntil.get(tx.accountId);
    if (timer !== undefined) {
      const stillFlagged = timer > watermark;
      if (stillFlagged && tx.amountCents > 50_000) {
        const dollars = `${Math.floor(tx.amountCents / 100)}.${String(tx.amountCents % 100).padStart(2, '0')}`;
        rows.push([String(tx.accountId), String(id), new Date(tx.timestamp).toISOString(), dollars]);
      }
      flaggedUntil.delete(tx.accountId);
    }
    if (tx.amountCents < 100) flaggedUntil.set(tx.accountId, tx.timestamp + 60_000);
    previousTimestamp = tx.timestamp;
  }
  return rows;
}

const byTransaction = (a: readonly string[], b: readonly string[]) => Number(a[1]) - Number(b[1]);

/** Runs the job into `<tmp>/<name>.csv`; returns the alert rows (header checked, sorted) and the result. */
async function run(name: string, parallelism: number, extraArgs: string[] = [], checkpointInterval?: number) {
  const output = join(tmp.dir, name, 'alerts.csv');
  const result = await runJobFile(JOB, {
    parallelism,
    args: ['--transactions', String(TRANSACTIONS), '--accounts', String(ACCOUNTS), '--seed', String(SEED), '--output', output, '--quiet', ...extraArgs],
    ...(checkpointInterval !== undefined && { checkpointInterval }),
  });
  const [header, ...rows] = readCsvRows(output);
  return { header, rows: rows.sort(byTransaction), result, files: readdirSync(join(tmp.dir, name)) };
}

const expected = expectedAlerts();

test('the reference computation finds alerts, and also large transactions whose flag the timer had cleared', (t) => {
  // Guards the test data: enough alerts, and the timer matters (without it there would be more).
  t.true(expected.length > 300, `alerts: ${expected.length}`);
  let withoutTimer = 0;
  const lastWasSmall = new Map<number, boolean>();
  for (let id = 1; id <= TRANSACTIONS; id++) {
    const tx = generateTransaction(SEED, ACCOUNTS, id);
    if (lastWasSmall.get(tx.accountId) === true && tx.amountCents > 50_000) withoutTimer++;
    lastWasSmall.set(tx.accountId, tx.amountCents < 100);
  }
  t.true(withoutTimer > expected.length + 100, `${withoutTimer} small→large pairs, ${expected.length} within the minute`);
});

for (const parallelism of [1, 4]) {
  test(`alerts equal the plain-loop rule at parallelism ${parallelism}`, async (t) => {
    const { header, rows, result } = await run(`p${parallelism}`, parallelism);
    t.deepEqual(header, ['account_id', 'transaction_id', 'timestamp', 'amount']);
    t.deepEqual(rows, expected);
    t.is(result.operators.find((o) => o.name === 'fraud-detector')?.parallelism, parallelism);
    t.is(result.operators.find((o) => o.name === 'fraud-detector')?.recordsIn, TRANSACTIONS);
  });
}

test('with checkpoints every 10 ms and two injected failures, the job fails over and every alert is written once', async (t) => {
  const { rows, result, files } = await run('failures', 4, ['--fail-at', '12000,31000'], 10);
  t.log(`checkpoints completed: ${result.checkpoints.completed}, restarts: ${result.checkpoints.restarts}, ${result.netRuntimeMs.toFixed(0)} ms`);
  // Two failures: two restarts, or one when the second subtask fails before the first failure's
  // restart (its attempt is already being replaced: one failover covers both, as in Flink).
  t.true(result.checkpoints.restarts >= 1 && result.checkpoints.restarts <= 2, `restarts: ${result.checkpoints.restarts}`);
  t.is(new Set(rows.map((r) => r[1])).size, rows.length, 'no alert twice');
  t.deepEqual(rows, expected);
  t.deepEqual(files, ['alerts.csv'], 'no in-progress or pending file left behind');
});
