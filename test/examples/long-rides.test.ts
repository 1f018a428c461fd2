import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { OperatorTestHarness } from '../../lib/testing/index.js';
import { LongRideAlertFunction, type LongRideAlert, type RideEvent } from '../../examples/taxi/long-rides.js';
import { TAXI_SLICE, ZONES, readCsvRecords, readCsvRows, readLines, runExample, tempDir, withRowsMovedLater } from './example-helpers.js';

// examples/taxi/long-rides.ts: the alert function alone in an operator harness, for every order of
// START, END and watermark; then the job on the first 5,000 trips, checked against the rides longer
// than two hours counted here, and against when each is detected, modelled with a plain loop over
// the watermarks in file order.
const tmp = tempDir('weir-long-rides-');
test.after.always(() => tmp.remove());

const HOUR = 3_600_000;
const start = (rideId: number, time: number): RideEvent => ({ rideId, kind: 'START', time, timeText: `t${time}`, locationId: 7 });
const end = (rideId: number, time: number): RideEvent => ({ rideId, kind: 'END', time, timeText: '', locationId: 8 });
const alert = (rideId: number, time: number, detectedBy: 'timer' | 'end'): LongRideAlert => ({ rideId, pickupText: `t${time}`, puLocationId: 7, detectedBy });

async function harness() {
  const h = OperatorTestHarness.forKeyedProcess(new LongRideAlertFunction(), (e: RideEvent) => e.rideId);
  await h.open();
  return h;
}

test('START then END before the timer: alerts only rides over 2 h, deletes the timer, keeps no state', async (t) => {
  const h = await harness();
  await h.processElement(start(1, 0), 0);
  await h.processElement(start(2, 0), 0);
  await h.processElement(start(3, 0), 0);
  t.is(h.numEventTimeTimers(), 3);
  await h.processElement(end(1, HOUR), HOUR);
  await h.processElement(end(2, 2 * HOUR), 2 * HOUR); // exactly two hours: not more than two
  await h.processElement(end(3, 2 * HOUR + 1), 2 * HOUR + 1); // the END beats the timer
  t.deepEqual(h.extractOutputValues(), [alert(3, 0, 'end')]);
  t.is(h.numEventTimeTimers(), 0);
  t.is(h.numKeyedStateEntries(), 0);
  await h.processWatermark(Number.POSITIVE_INFINITY);
  t.deepEqual(h.extractOutputValues(), [alert(3, 0, 'end')], 'no timer left to fire');
  await h.close();
});

test('START then the timer: alerts at pickup + 2 h, then ignores the END', async (t) => {
  const h = await harness();
  await h.processElement(start(1, 1000), 1000);
  await h.processWatermark(1000 + 2 * HOUR - 1);
  t.deepEqual(h.extractOutputValues(), []);
  await h.processWatermark(1000 + 2 * HOUR);
  t.deepEqual(h.extractOutputValues(), [alert(1, 1000, 'timer')]);
  t.is(h.extractOutputRecords()[0]?.timestamp, 1000 + 2 * HOUR, 'the alert carries the timer time');
  await h.processElement(end(1, 5 * HOUR), 5 * HOUR);
  t.deepEqual(h.extractOutputValues(), [alert(1, 1000, 'timer')], 'one alert per ride');
  t.is(h.numKeyedStateEntries(), 0, 'the END of an alerted ride clears its state');
  await h.close();
});

test('END before START: decided when the START arrives, no timer registered', async (t) => {
  const h = await harness();
  await h.processElement(end(1, 3 * HOUR), 3 * HOUR);
  await h.processElement(end(2, HOUR), HOUR);
  t.is(h.numEventTimeTimers(), 0);
  await h.processElement(start(1, 0), 0);
  await h.processElement(start(2, 0), 0);
  t.deepEqual(h.extractOutputValues(), [alert(1, 0, 'end')]);
  t.is(h.numEventTimeTimers(), 0);
  t.is(h.numKeyedStateEntries(), 0);
  await h.close();
});

const EST = -5 * HOUR;

interface Trip {
  rideId: number;
  pickupText: string;
  pickup: number;
  dropoff: number;
  zone: number;
}

/** Naive New York time of the slice (all EST) to epoch ms. */
function estToEpoch(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (m === null || (m[2] !== '12' && m[2] !== '01')) throw new Error(`not an EST date-time of the slice: '${text}'`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - EST;
}

function readTrips(lines: readonly string[]): Trip[] {
  return (parse(lines.join('\n'), { columns: true }) as Record<string, string>[]).map((r, i) => ({
    rideId: i + 1,
    pickupText: r['lpep_pickup_datetime'] ?? '',
    pickup: estToEpoch(r['lpep_pickup_datetime'] ?? ''),
    dropoff: estToEpoch(r['lpep_dropoff_datetime'] ?? ''),
    zone: Number(r['PULocationID']),
  }));
}

/**
 * The expected alerts CSV (header first) for trips sorted by pickup. `detected_by`: the watermark
 * after row i is W_i = max(pickups 0..i) − out-of-orderness − 1 (then +∞ at end of input). A long
 * ride r is detected by its timer when the first W_i ≥ pickup + 2 h (i ≥ r) is still below its
 * dropoff; otherwise its END (released by the first W_i ≥ dropoff, ahead of that watermark) comes first.
 */
function expectedAlerts(trips: readonly Trip[], outOfOrdernessMs: number, withDetection: boolean): string[][] {
  const zones = new Map(readCsvRecords(ZONES).map((z) => [Number(z['LocationID']), z['Zone'] ?? '']));
  const watermarks: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const trip of trips) {
    max = Math.max(max, trip.pickup);
    watermarks.push(max - outOfOrdernessMs - 1);
  }
  const rows: string[][] = [];
  trips.forEach((trip, r) => {
    if (trip.dropoff - trip.pickup <= 2 * HOUR) return;
    const timerAt = trip.pickup + 2 * HOUR;
    const firing = watermarks.slice(r).find((w) => w >= timerAt) ?? Number.POSITIVE_INFINITY;
    const detectedBy = firing < trip.dropoff ? 'timer' : 'end';
    rows.push([String(trip.rideId), trip.pickupText, String(trip.zone), zones.get(trip.zone) ?? '', withDetection ? detectedBy : '']);
  });
  return [['ride_id', 'pickup', 'PULocationID', 'Zone', 'detected_by'], ...rows];
}

async function runBoth(t: import('ava').ExecutionContext, name: string, input: string): Promise<string[][]> {
  const files: string[] = [];
  for (const parallelism of [1, 4]) {
    const output = join(tmp.dir, `${name}-p${parallelism}.csv`);
    const result = await runExample('taxi/long-rides', parallelism, ['--input', input, '--zones', ZONES, '--output', output, '--quiet']);
    t.is(result.operators.find((o) => o.name === 'START and END events')?.parallelism, 1);
    t.is(result.operators.find((o) => o.name === 'long ride alerts')?.parallelism, parallelism);
    files.push(readFileSync(output, 'utf8'));
  }
  t.is(files[0], files[1], `${name}: byte-identical output at parallelism 1 and 4`);
  return readCsvRows(join(tmp.dir, `${name}-p1.csv`));
}

test('the job alerts exactly the rides over 2 h of the slice, each when the loop over its watermarks says, at parallelism 1 and 4', async (t) => {
  const want = expectedAlerts(readTrips(readLines(TAXI_SLICE)), 60_000, true);
  t.is(want.length - 1, 29, 'rides over two hours in the slice');
  const byEnd = want.filter((r) => r[4] === 'end').map((r) => r[0]);
  // Rides 1 and 2 (2008-12-31, 2009-01-01) end long before the next pickup in the file, so the
  // watermark jumps past pickup + 2 h and the dropoff at once: their END comes before the timer.
  t.deepEqual(byEnd, ['1', '2']);
  t.deepEqual(await runBoth(t, 'sorted', TAXI_SLICE), want);
});

test('with rows moved later in the file, the alerts are still exactly the rides over 2 h, the same at parallelism 1 and 4', async (t) => {
  const lines = withRowsMovedLater(readLines(TAXI_SLICE), [[0, 3], [40, 200], [900, 1000], [2100, 5], [3500, 1400]]);
  const input = join(tmp.dir, 'green-taxi-reordered.csv');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const want = expectedAlerts(readTrips(lines), 60_000, false);
  const got = await runBoth(t, 'reordered', input);
  t.deepEqual(
    got.map((r) => r.slice(0, 4)),
    want.map((r) => r.slice(0, 4)),
  );
  t.true(got.slice(1).every((r) => r[4] === 'timer' || r[4] === 'end'));
});
