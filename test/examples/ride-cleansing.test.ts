import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvRecords, readCsvRows, readText, runExample, tempDir, TAXI_SLICE, ZONES } from './example-helpers.js';

// examples/taxi/ride-cleansing.ts on the first 5,000 trips (which start with four rides from 2008,
// 2009 and 2022), and on a copy with four rows broken on purpose; outcomes and clean rides are
// checked against a classification written here independently, with plain string comparisons.
const tmp = tempDir('weir-ride-cleansing-');
test.after.always(() => tmp.remove());

const OUTCOMES = ['kept', 'unknown-pickup-zone', 'unknown-dropoff-zone', 'non-positive-total', 'dropoff-before-pickup', 'pickup-outside-period', 'malformed'];
const COLUMNS = 20;
const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Zone ids whose Borough is not "Unknown" in the lookup. */
const knownZones = new Set(readCsvRecords(ZONES).filter((z) => z['Borough'] !== 'Unknown').map((z) => Number(z['LocationID'])));

/** A valid `YYYY-MM-DD HH:MM:SS`? (checks the calendar date too) */
function isTime(text: string): boolean {
  const m = TIME.exec(text);
  if (m === null) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return d.toISOString().slice(0, 19).replace('T', ' ') === text;
}

/**
 * New York wall-clock text to epoch ms for the years in this data: EDT (UTC−4) from
 * 2023-03-12 03:00 to 2023-11-05 01:00, EST (UTC−5) otherwise.
 */
function newYorkMs(text: string): number {
  const edt = text >= '2023-03-12 03:00:00' && text < '2023-11-05 01:00:00';
  return Date.parse(`${text.replace(' ', 'T')}Z`) + (edt ? 4 : 5) * 3_600_000;
}

interface Expected {
  counts: Map<string, number>;
  /** The clean rides as the job writes them (JSON text per ride), in input order. */
  clean: string[];
}

/** Classifies every data row of a CSV text with the job's documented rules, in their order. */
function classify(csvText: string): Expected {
  const [header = '', ...lines] = csvText.split('\n').filter((l) => l !== '');
  const col = new Map(header.split(',').map((name, i) => [name, i]));
  const counts = new Map(OUTCOMES.map((o) => [o, 0]));
  const clean: string[] = [];
  for (const line of lines) {
    const cells = line.split(','); // the trip file has no quoted cells
    const get = (name: string) => cells[col.get(name) ?? -1] ?? '';
    const ints = ['VendorID', 'PULocationID', 'DOLocationID'].map(get);
    const numbers = ['trip_distance', 'total_amount'].map(get);
    const times = ['lpep_pickup_datetime', 'lpep_dropoff_datetime'].map(get);
    const passengers = get('passenger_count');
    const malformed =
      cells.length !== COLUMNS ||
      !ints.every((s) => /^-?\d+$/.test(s)) ||
      !numbers.every((s) => /^-?\d+(\.\d+)?$/.test(s)) ||
      !times.every(isTime) ||
      !(passengers === '' || /^\d+$/.test(passengers));
    let outcome: string;
    if (malformed) outcome = 'malformed';
    else if (!knownZones.has(Number(get('PULocationID')))) outcome = 'unknown-pickup-zone';
    else if (!knownZones.has(Number(get('DOLocationID')))) outcome = 'unknown-dropoff-zone';
    else if (!(Number(get('total_amount')) > 0)) outcome = 'non-positive-total';
    else if (get('lpep_dropoff_datetime') < get('lpep_pickup_datetime')) outcome = 'dropoff-before-pickup';
    else if (get('lpep_pickup_datetime') < '2023-01-01 00:00:00' || get('lpep_pickup_datetime') >= '2023-04-01 00:00:00') outcome = 'pickup-outside-period';
    else outcome = 'kept';
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    if (outcome === 'kept') {
      const pickup = get('lpep_pickup_datetime');
      const dropoff = get('lpep_dropoff_datetime');
      clean.push(
        JSON.stringify({
          vendorId: Number(get('VendorID')),
          pickup,
          dropoff,
          durationS: (newYorkMs(dropoff) - newYorkMs(pickup)) / 1000,
          puLocationId: Number(get('PULocationID')),
          puZone: zoneName(Number(get('PULocationID'))),
          doLocationId: Number(get('DOLocationID')),
          doZone: zoneName(Number(get('DOLocationID'))),
          passengerCount: passengers === '' ? null : Number(passengers),
          tripDistance: Number(get('trip_distance')),
          totalAmount: Number(get('total_amount')),
        }),
      );
    }
  }
  return { counts, clean };
}

const zoneNames = new Map(readCsvRecords(ZONES).map((z) => [Number(z['LocationID']), z['Zone'] ?? '']));
const zoneName = (id: number) => zoneNames.get(id) ?? '';

/** Runs the job on `input` at `parallelism`; returns the counts table and the clean-ride lines. */
async function run(input: string, parallelism: number, name: string): Promise<{ counts: string[][]; clean: string[] }> {
  const output = join(tmp.dir, `${name}-p${parallelism}.ndjson`);
  const countsFile = join(tmp.dir, `${name}-p${parallelism}-outcomes.csv`);
  const result = await runExample('taxi/ride-cleansing', parallelism, ['--input', input, '--zones', ZONES, '--output', output, '--counts', countsFile, '--quiet']);
  const clean = readFileSync(output, 'utf8').split('\n').filter((l) => l !== '');
  if (!result.outputs.includes(output) || !result.outputs.includes(countsFile)) throw new Error(`outputs not reported: ${result.outputs.join(', ')}`);
  return { counts: readCsvRows(countsFile), clean };
}

const table = (counts: Map<string, number>) => [['outcome', 'rides'], ...OUTCOMES.map((o) => [o, String(counts.get(o) ?? 0)])];

test('outcome counts and clean rides equal an independent classification, at parallelism 1 and 4', async (t) => {
  const expected = classify(readText(TAXI_SLICE));
  // The slice has all kinds of rides: make sure the checks are exercised, not just "kept".
  t.is(expected.counts.get('pickup-outside-period'), 4);
  t.true((expected.counts.get('unknown-pickup-zone') ?? 0) > 0 && (expected.counts.get('non-positive-total') ?? 0) > 0);
  const runs = [await run(TAXI_SLICE, 1, 'slice'), await run(TAXI_SLICE, 4, 'slice')];
  for (const [i, r] of runs.entries()) {
    t.deepEqual(r.counts, table(expected.counts), `counts at parallelism ${i === 0 ? 1 : 4}`);
    t.deepEqual([...r.clean].sort(), [...expected.clean].sort(), `clean rides at parallelism ${i === 0 ? 1 : 4}`);
  }
  t.deepEqual(runs[0]?.clean, expected.clean, 'at parallelism 1 the clean rides keep the input order');
});

test('malformed rows go to the dead-letter output and are counted, the job goes on; a ride counts for its first failing check', async (t) => {
  const [header = '', ...lines] = readText(TAXI_SLICE).split('\n');
  const broken = (i: number, edit: (cells: string[]) => string[]) => {
    lines[i] = edit((lines[i] ?? '').split(',')).join(',');
  };
  broken(10, (c) => c.map((v, j) => (j === 16 ? 'n/a' : v))); // total_amount not a number
  broken(20, (c) => c.slice(0, -1)); // a field missing
  broken(30, (c) => c.map((v, j) => (j === 5 ? '' : v))); // PULocationID empty
  broken(40, (c) => c.map((v, j) => (j === 1 ? '2023-02-30 10:00:00' : v))); // no such date
  // Well-formed but failing checks: the real data has no dropoff before pickup, so make one; and
  // a ride failing two checks counts for the first one only.
  broken(50, (c) => c.map((v, j) => (j === 1 ? (c[2] ?? '') : j === 2 ? (c[1] ?? '') : v))); // times swapped
  broken(60, (c) => c.map((v, j) => (j === 5 ? '264' : j === 16 ? '-3.5' : v))); // unknown zone and negative total
  const input = join(tmp.dir, 'trips-with-bad-rows.csv');
  writeFileSync(input, [header, ...lines].join('\n'));

  const expected = classify(readFileSync(input, 'utf8'));
  t.is(expected.counts.get('malformed'), 4);
  t.is(expected.counts.get('dropoff-before-pickup'), 1);
  t.is(expected.counts.get('unknown-pickup-zone'), 15); // 14 in the slice, plus row 60
  t.is(expected.counts.get('non-positive-total'), 22); // as in the slice: row 60 counts as an unknown zone
  for (const parallelism of [1, 4]) {
    const r = await run(input, parallelism, 'broken');
    t.deepEqual(r.counts, table(expected.counts), `counts at parallelism ${parallelism}`);
    t.deepEqual([...r.clean].sort(), [...expected.clean].sort(), `clean rides at parallelism ${parallelism}`);
  }
});

test('a bad --from is a configuration error', async (t) => {
  await t.throwsAsync(runExample('taxi/ride-cleansing', 1, ['--input', TAXI_SLICE, '--from', '2023-02-30']), { message: /--from must be a date/ });
});
