import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectionSource, ManualClock, StreamExecutionEnvironment, WatermarkStrategy } from '../../lib/index.js';
import { EnrichRideWithFare, UNMATCHED, type TaxiFare, type TaxiRide } from '../../examples/taxi/rides-and-fares.js';
import { TAXI_SLICE, centsText, decimalToCents, readCsvRecords, readCsvRows, runExample, tempDir } from './example-helpers.js';

// examples/taxi/rides-and-fares.ts: the join function on two real streams that only partly match,
// then the job on the first 5,000 trips: every row split into a ride and a fare and joined again
// exactly once, the pairs equal to the rows read here with csv-parse.
const tmp = tempDir('weir-rides-and-fares-');
test.after.always(() => tmp.remove());

const ride = (rideId: number): TaxiRide => ({
  rideId,
  pickup: rideId * 1000,
  pickupText: `p${rideId}`,
  dropoffText: `d${rideId}`,
  puLocationId: 1,
  doLocationId: 2,
  passengerCount: null,
  tripDistance: 1.5,
});
const fare = (rideId: number): TaxiFare => ({ rideId, pickup: rideId * 1000, paymentType: 1, fareCents: rideId, tipCents: 0, tollsCents: 0, totalCents: rideId });

for (const parallelism of [1, 4]) {
  test(`rides and fares meet whichever comes first; the unmatched go to the side output when the watermark passes them (p=${parallelism})`, async (t) => {
    // Rides 1..50 and fares 26..75 from two sources: 25 pairs, 25 rides and 25 fares without partner.
    const env = StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });
    const rides = env.fromSource(
      new CollectionSource(Array.from({ length: 50 }, (_, i) => ride(i + 1))),
      WatermarkStrategy.forMonotonousTimestamps<TaxiRide>().withTimestampAssigner((r) => r.pickup),
      'rides',
    );
    const fares = env.fromSource(
      new CollectionSource(Array.from({ length: 50 }, (_, i) => fare(i + 26))),
      WatermarkStrategy.forMonotonousTimestamps<TaxiFare>().withTimestampAssigner((f) => f.pickup),
      'fares',
    );
    const pairs = rides
      .keyBy((r) => r.rideId)
      .connect(fares.keyBy((f) => f.rideId))
      .process(new EnrichRideWithFare());
    const out = await pairs
      .map((p) => `pair ${p.ride.rideId}=${p.fare.rideId}`)
      .union(pairs.getSideOutput(UNMATCHED).map((e) => `${'tripDistance' in e ? 'ride' : 'fare'} ${e.rideId}`))
      .executeAndCollect();
    const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => i + from);
    const expected = [...ids(26, 50).map((id) => `pair ${id}=${id}`), ...ids(1, 25).map((id) => `ride ${id}`), ...ids(51, 75).map((id) => `fare ${id}`)];
    t.deepEqual(out.sort(), expected.sort());
  });
}

test('every trip of the slice is joined with its fare exactly once, at parallelism 1 and 4', async (t) => {
  const rows = readCsvRecords(TAXI_SLICE);
  const cell = (r: Record<string, string>, name: string) => r[name] ?? '';
  const money = (text: string) => centsText(decimalToCents(text));
  const expected = [
    ['ride_id', 'pickup', 'dropoff', 'PULocationID', 'DOLocationID', 'passenger_count', 'trip_distance', 'payment_type', 'fare_amount', 'tip_amount', 'tolls_amount', 'total_amount'],
    ...rows.map((r, i) => [
      String(i + 1),
      cell(r, 'lpep_pickup_datetime'),
      cell(r, 'lpep_dropoff_datetime'),
      cell(r, 'PULocationID'),
      cell(r, 'DOLocationID'),
      cell(r, 'passenger_count'),
      String(Number(cell(r, 'trip_distance'))),
      cell(r, 'payment_type'),
      money(cell(r, 'fare_amount')),
      money(cell(r, 'tip_amount')),
      money(cell(r, 'tolls_amount')),
      money(cell(r, 'total_amount')),
    ]),
  ];
  t.is(rows.length, 5000);
  t.true(rows.some((r) => cell(r, 'payment_type') === ''), 'the slice has rows without payment type');
  const files: string[] = [];
  for (const parallelism of [1, 4]) {
    const output = join(tmp.dir, `rides-and-fares-p${parallelism}.csv`);
    const result = await runExample('taxi/rides-and-fares', parallelism, ['--input', TAXI_SLICE, '--output', output, '--quiet']);
    const got = readCsvRows(output);
    t.deepEqual(got, expected, `pairs at parallelism ${parallelism}`);
    t.is(new Set(got.slice(1).map((r) => r[0])).size, 5000, 'each ride id once');
    const joinOperator = result.operators.find((o) => o.name === 'join rides and fares');
    t.is(joinOperator?.parallelism, parallelism);
    t.is(joinOperator?.recordsIn, 10_000, 'a ride and a fare per row');
    t.is(joinOperator?.recordsOut, 5000, 'one pair per row');
    t.is(result.operators.find((o) => o.name === 'unmatched')?.recordsIn, 0, 'nothing unmatched');
    files.push(readFileSync(output, 'utf8'));
  }
  t.is(files[0], files[1], 'byte-identical output at parallelism 1 and 4');
});
