/**
 * Helpers of the example tests: paths of the repository and its data slices, a temp directory per
 * test file, running an example job in-process (its compiled dist/ module, through the same
 * `runJobFile` as `weir run`) or through the real `weir` command, and independent readers of the
 * gzip inputs (zlib + csv-parse/sync, no Weir code).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { runJobFile } from '../../lib/cli/run-job-file.js';
import type { JobExecutionResult } from '../../lib/index.js';

/** Repository root: this file runs as dist/test/examples/example-helpers.js. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of a file under examples/data/. */
export const dataFile = (name: string): string => join(repoRoot, 'examples/data', name);

export const TAXI_SLICE = dataFile('slices/green-taxi-2023-01-first-5000.csv.gz');
export const NASA_SLICE = dataFile('slices/nasa-http-1995-08-01-first-5000.tsv.gz');
export const ZONES = dataFile('nyc_taxi_zone_lookup.csv.gz');
export const AIR_SLICE = dataFile('slices/beijing-air-2013-03-first-2016.csv.gz');

/** A fresh temp directory and its remover (for `test.after.always`). */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the compiled example `examples/<job>.js` in this process with the given parallelism and
 * job arguments, as `weir run examples/<job>.ts -p <parallelism> -- <args>` does.
 */
export function runExample(job: string, parallelism: number, args: readonly string[]): Promise<JobExecutionResult> {
  return runJobFile(join(repoRoot, 'dist/examples', `${job}.js`), { parallelism, args });
}

/** Runs `node bin/weir.js <args>` in the repository root; resolves with exit code and output. */
export function runWeir(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'bin/weir.js'), ...args], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The text of a file, gunzipped when its name ends in `.gz`. */
export function readText(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** A CSV (or TSV) file's data rows as objects by header name, parsed with csv-parse/sync. */
export function readCsvRecords(path: string, delimiter = ','): Record<string, string>[] {
  return parse(readText(path), { columns: true, delimiter, skip_empty_lines: true }) as Record<string, string>[];
}

/** A CSV file as rows of cells, header first. */
export function readCsvRows(path: string): string[][] {
  return parse(readText(path), { skip_empty_lines: true }) as string[][];
}

/**
 * A decimal text with at most two decimals as integer cents, by string arithmetic (no floats):
 * `'22.56'` → 2256, `'-5.5'` → -550, `'7'` → 700.
 */
export function decimalToCents(text: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (m === null) throw new Error(`not a money amount: '${text}'`);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** Integer cents as `'1234.56'` / `'-0.05'`, by string arithmetic. */
export function centsText(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The watermark each element meets, for elements with `timestamps` read in this order from a
 * source whose bounded-out-of-orderness watermark (`max timestamp so far - outOfOrdernessMs - 1`)
 * is emitted after every element: element i meets the watermark of elements 0..i-1
 * (-Infinity for the first). A plain loop, independent of Weir.
 */
export function watermarksMet(timestamps: readonly number[], outOfOrdernessMs: number): number[] {
  const met: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const ts of timestamps) {
    met.push(max - outOfOrdernessMs - 1);
    if (ts > max) max = ts;
  }
  return met;
}

/**
 * `lines` (a header and data lines) with data lines moved later: each `[from, by]` takes the data
 * line at index `from` (0-based, header excluded, in the original order) and puts it `by` data
 * lines further down. Moves are applied one after another.
 */
export function withRowsMovedLater(lines: readonly string[], moves: readonly (readonly [number, number])[]): string[] {
  const [header = '', ...data] = lines;
  for (const [from, by] of moves) {
    const [row] = data.splice(from, 1);
    if (row === undefined) throw new Error(`no data line ${from}`);
    data.splice(from + by, 0, row);
  }
  return [header, ...data];
}

/** The non-empty lines of a (gzip) text file. */
export function readLines(path: string): string[] {
  return readText(path).split('\n').filter((l) => l !== '');
}
