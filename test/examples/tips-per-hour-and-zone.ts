/**
 * Test helper: the expected output of examples/taxi/fault-tolerant-hourly-tips.ts computed with a
 * plain loop over the trips CSV (csv-parse, cents by string arithmetic, no Weir code), and a reader
 * of the rows a FileSink committed to a directory (final `part-<i>-<n>.csv` files only; hidden
 * in-progress and pending files are ignored).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { centsText, decimalToCents, readCsvRows } from './example-helpers.js';

const HOUR = 3_600_000;
const EST = -5 * HOUR;

/** The header of every part file the job writes. */
export const TIPS_HEADER = ['hour_start', 'PULocationID', 'trips', 'tips'] as const;

/** Rows sorted by their cells joined with commas (a total order, so two multisets compare as arrays). */
export function sortRows(rows: string[][]): string[][] {
  return rows
    .map((r) => [r.join(','), r] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);
}

/**
 * Trips and tips per (hour of pickup, PULocationID) of a trips CSV text (header first), as the
 * job's rows `[hour_start, zone, trips, tips]` (hour_start `2023-01-01T00:00-05:00`), sorted.
 * @throws Error when a pickup is not in December or January (the helper only knows EST, UTC−5).
 */
export function tipsPerHourAndZone(csvText: string): string[][] {
  const rows = parse(csvText, { columns: true }) as Record<string, string>[];
  const sums = new Map<string, { hour: number; zone: number; trips: number; cents: number }>();
  for (const r of rows) {
    const text = r['lpep_pickup_datetime'] ?? '';
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
    if (m === null) throw new Error(`bad pickup '${text}'`);
    if (m[2] !== '12' && m[2] !== '01') throw new Error(`pickup outside EST months: ${text}`);
    const pickup = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - EST;
    const hour = Math.floor(pickup / HOUR) * HOUR;
    const zone = Number(r['PULocationID']);
    const key = `${hour}/${zone}`;
    const s = sums.get(key) ?? { hour, zone, trips: 0, cents: 0 };
    s.trips += 1;
    s.cents += decimalToCents(r['tip_amount'] ?? '');
    sums.set(key, s);
  }
  return sortRows([...sums.values()].map((s) => [`${new Date(s.hour + EST).toISOString().slice(0, 16)}-05:00`, String(s.zone), String(s.trips), centsText(s.cents)]));
}

/**
 * The data rows of every committed part file (`part-<i>-<n>.csv`) in `dir`, sorted, and the
 * headers that were not {@link TIPS_HEADER} (`file: header`), which should be none.
 */
export function committedRows(dir: string): { rows: string[][]; badHeaders: string[]; files: number } {
  const rows: string[][] = [];
  const badHeaders: string[] = [];
  const parts = readdirSync(dir).filter((n) => /^part-\d+-\d+\.csv$/.test(n));
  for (const name of parts) {
    const [header, ...data] = readCsvRows(join(dir, name));
    if (header?.join(',') !== TIPS_HEADER.join(',')) badHeaders.push(`${name}: ${String(header)}`);
    rows.push(...data);
  }
  return { rows: sortRows(rows), badHeaders, files: parts.length };
}
