/**
 * Checks the committed output of test/fixtures/cluster/keyed-sum-job.ts against sums computed
 * here with a plain loop: one row per input number, every key's last running sum equal to the sum
 * of its numbers, and no running sum twice (a replayed record would repeat a prefix).
 */
import type { ExecutionContext } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One committed NDJSON row of the job's file sink. */
export interface KeyedSumRow {
  k: number;
  s: number;
  /** Worker thread id that computed the row (0: main thread). */
  thread: number;
}

/** The committed rows (in-progress files, named with a leading dot, are skipped). */
export function committedRows(dir: string): KeyedSumRow[] {
  const rows: KeyedSumRow[] = [];
  for (const f of readdirSync(dir)) {
    if (f.startsWith('.')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line !== '') rows.push(JSON.parse(line) as KeyedSumRow);
  }
  return rows;
}

/** Asserts the output of numbers 1..n keyed by `x mod keys` is complete and exactly once. */
export function checkKeyedSums(t: ExecutionContext, dir: string, n: number, keys: number): KeyedSumRow[] {
  const rows = committedRows(dir);
  t.is(rows.length, n, 'one committed row per input record: none lost, none repeated');
  const last = new Map<number, number>();
  for (const r of rows) last.set(r.k, Math.max(last.get(r.k) ?? 0, r.s));
  const totals = new Map<number, number>();
  for (let x = 1; x <= n; x++) totals.set(x % keys, (totals.get(x % keys) ?? 0) + x);
  t.deepEqual([...last].sort((a, b) => a[0] - b[0]), [...totals].sort((a, b) => a[0] - b[0]));
  const seen = new Set(rows.map((r) => `${r.k}:${r.s}`));
  t.is(seen.size, rows.length, 'no running sum twice');
  return rows;
}
