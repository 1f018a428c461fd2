/**
 * Output helpers of the example jobs: a CSV file writer for final tables, an aligned text table
 * for the human summary on stdout, and money and count formatting.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A table cell: text, a number, or empty (`undefined`/`null`). */
export type Cell = string | number | null | undefined;

/** One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Writes `rows` as CSV with a header line of `columns` to `path` (parent directories created,
 * an existing file replaced). Lines end with `\n`.
 */
export function writeCsvFile(path: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const lines = [columns.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Integer cents as dollars with two decimals: `123456` → `'1234.56'`, `-5` → `'-0.05'`. */
export function centsToDollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Dollars to integer cents, exactly for values with at most two decimals (`22.56` → `2256`, where
 * `22.56 * 100` is `2255.9999…`). Summing cents keeps totals exact and independent of the order of
 * additions, so any parallelism gives the same result.
 */
export function dollarsToCents(dollars: number): number {
  return Math.round(dollars * 100);
}

/** `1234567` → `'1,234,567'` (en-US grouping, for the human summary only). */
export function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Lays out `rows` under `columns` as an aligned text table; columns listed in `rightAligned`
 * (by index) are right-aligned, the rest left-aligned.
 */
export function textTable(columns: readonly string[], rows: readonly (readonly Cell[])[], rightAligned: readonly number[] = []): string {
  const text = [columns, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = columns.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text
    .map((r) =>
      r
        .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Integer cents as grouped dollars for the summary: `123456789` → `'1,234,567.89'`. */
export function groupedDollars(cents: number): string {
  return (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
