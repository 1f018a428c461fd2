import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  TAXI_SLICE,
  ZONES,
  centsText,
  decimalToCents,
  readCsvRecords,
  readCsvRows,
  readLines,
  runExample,
  tempDir,
  watermarksMet,
  withRowsMovedLater,
} from './example-helpers.js';

// examples/taxi/hourly-tips.ts on the first 5,000 trips, and on a copy with some rows moved later,
// checked against tips per (hour, zone) and the hourly winners computed here with a plain loop in
// file order, applying the job's event-time rule: the watermark a trip meets is the maximum pickup
// of the trips before it minus the out-of-orderness minus 1 ms, and a trip is late (not counted)
// when its hour's last millisecond is at or below that watermark.
const tmp = tempDir('weir-hourly-tips-');
test.after.always(() => tmp.remove());

const HOUR = 3_600_000;
const EST = -5 * HOUR;

interface Trip {
  line: number;
  pickupText: string;
  pickup: number;
  zone: number;
  tipCents: number;
}

/** The trips of a CSV text given as lines, header first; `line` is the line in the file (header = 1). */
function readTrips(lines: readonly string[]): Trip[] {
  const rows = parse(lines.join('\n'), { columns: true }) as Record<string, string>[];
  return rows.map((r, i) => {
    const pickupText = r['lpep_pickup_datetime'] ?? '';
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(pickupText);
    if (m === null) throw new Error(`bad pickup '${pickupText}'`);
    // The slice's pickups (2008-12-31 … 2023-01-03) all fall in New York winter time (EST, UTC−5).
    if (m[2] !== '12' && m[2] !== '01') throw new Error(`pickup outside EST months: ${pickupText}`);
    const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    return { line: i + 2, pickupText, pickup: wall - EST, zone: Number(r['PULocationID']), tipCents: decimalToCents(r['tip_amount'] ?? '') };
  });
}

/** Hour start as `2023-01-01T00:00-05:00` (EST). */
const hourText = (ms: number) => `${new Date(ms + EST).toISOString().slice(0, 16)}-05:00`;

/** Expected winners CSV and late-trips CSV (header first), and the late trips' lines. */
function expected(trips: readonly Trip[], outOfOrdernessMs: number): { hours: string[][]; late: string[][] } {
  const zones = new Map(readCsvRecords(ZONES).map((z) => [Number(z['LocationID']), z]));
  const met = watermarksMet(
    trips.map((t) => t.pickup),
    outOfOrdernessMs,
  );
  const perHour = new Map<number, Map<number, { trips: number; cents: number }>>();
  const late: Trip[] = [];
  trips.forEach((t, i) => {
    const hour = Math.floor(t.pickup / HOUR) * HOUR;
    if (hour + HOUR - 1 <= (met[i] ?? Number.NEGATIVE_INFINITY)) {
      late.push(t);
      return;
    }
    const zonesOfHour = perHour.get(hour) ?? new Map<number, { trips: number; cents: number }>();
    const z = zonesOfHour.get(t.zone) ?? { trips: 0, cents: 0 };
    z.trips += 1;
    z.cents += t.tipCents;
    zonesOfHour.set(t.zone, z);
    perHour.set(hour, zonesOfHour);
  });
  const hours = [...perHour].sort(([a], [b]) => a - b).map(([hour, zonesOfHour]) => {
    let best: [number, { trips: number; cents: number }] | undefined;
    for (const entry of zonesOfHour) {
      if (best === undefined || entry[1].cents > best[1].cents || (entry[1].cents === best[1].cents && entry[0] < best[0])) best = entry;
    }
    const [zone, sums] = best!;
    return [hourText(hour), String(zone), zones.get(zone)?.['Borough'] ?? '', zones.get(zone)?.['Zone'] ?? '', String(sums.trips), centsText(sums.cents)];
  });
  return {
    hours: [['hour_start', 'PULocationID', 'Borough', 'Zone', 'trips', 'tips'], ...hours],
    late: [['line', 'pickup', 'PULocationID', 'tip_amount'], ...late.map((t) => [String(t.line), t.pickupText, String(t.zone), centsText(t.tipCents)])],
  };
}

async function runBoth(t: import('ava').ExecutionContext, name: string, input: string, extra: string[], want: { hours: string[][]; late: string[][] }) {
  const files: string[] = [];
  for (const parallelism of [1, 4]) {
    const output = join(tmp.dir, `${name}-p${parallelism}.csv`);
    const late = join(tmp.dir, `${name}-late-p${parallelism}.csv`);
    const result = await runExample('taxi/hourly-tips', parallelism, ['--input', input, '--zones', ZONES, '--output', output, '--late', late, '--quiet', ...extra]);
    t.deepEqual(readCsvRows(output), want.hours, `${name}: hourly winners at parallelism ${parallelism}`);
    t.deepEqual(readCsvRows(late), want.late, `${name}: late trips at parallelism ${parallelism}`);
    t.is(result.operators.find((o) => o.name === 'tips per zone and hour')?.parallelism, parallelism);
    t.is(result.operators.find((o) => o.name === 'top zone per hour')?.parallelism, 1);
    files.push(readFileSync(output, 'utf8') + readFileSync(late, 'utf8'));
  }
  t.is(files[0], files[1], `${name}: byte-identical output at parallelism 1 and 4`);
}

test('hourly winners equal an independent computation on the sorted slice, at parallelism 1 and 4 (no late trips)', async (t) => {
  const want = expected(readTrips(readLines(TAXI_SLICE)), 60_000);
  t.is(want.hours.length - 1, 72, 'hours in the slice: 2008, 2009, 2022-12-09 (one hour) and the 69 from 2023-01-01 00:00 to 2023-01-03 20:00');
  t.is(want.late.length - 1, 0, 'a sorted file has no late trips');
  await runBoth(t, 'sorted', TAXI_SLICE, [], want);
});

test('trips moved later in the file are late exactly when their hour closed before they arrive, at parallelism 1 and 4', async (t) => {
  // Row 0 (2008-12-31 23:02) after the two 2022 rows; rows just before an hour's end 8 rows later
  // (into the next hour: late or not depending on the bound); others 1 to 300 rows later.
  const moves = [
    [0, 2], [80, 8], [100, 3], [481, 8], [700, 40], [912, 8], [1333, 8], [1500, 300], [1782, 8],
    [2227, 8], [2500, 1], [3000, 120], [4200, 15], [4800, 150], [4990, 9],
  ] as const;
  const lines = withRowsMovedLater(readLines(TAXI_SLICE), moves);
  const input = join(tmp.dir, 'green-taxi-reordered.csv');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const lateCounts: number[] = [];
  for (const outOfOrderness of [0, 60, 1800]) {
    const want = expected(readTrips(lines), outOfOrderness * 1000);
    lateCounts.push(want.late.length - 1);
    await runBoth(t, `reordered-${outOfOrderness}s`, input, ['--out-of-orderness', String(outOfOrderness)], want);
  }
  // A larger bound tolerates more of the disorder: 10, 7 and 4 of the 15 moved trips are late.
  t.deepEqual(lateCounts, [10, 7, 4]);
});
