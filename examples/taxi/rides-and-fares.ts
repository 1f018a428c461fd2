/**
 * Rides joined with fares (the Flink training "stateful enrichment" exercise) on real NYC
 * green-taxi trips: the training reads two streams, TaxiRide and TaxiFare, and pairs them by ride
 * id; the TLC file has both on one row, so this job splits every row into a ride event (times,
 * zones, passengers, distance) and a fare event (payment type, fare, tip, tolls, total) with the
 * same ride id (the data row number, line − 1), then joins them again with a
 * `KeyedCoProcessFunction` on the two connected streams. Prints how many pairs were made and a
 * small table by payment type; writes every pair, by ride id, to a CSV file.
 *
 * The join ({@link EnrichRideWithFare}): keyed by ride id, whichever event arrives first waits in
 * `ValueState` (one for rides, one for fares); when the other arrives, the pair is emitted and the
 * state cleared. Across two inputs there is no order: the two streams travel in separate
 * batches, so either event may come first, at any parallelism; on the full quarter both cases
 * occur (a few dozen fares arrive before their ride). The first event also registers an event-time timer at its own
 * timestamp (the pickup time); once the watermark, the minimum of both inputs' watermarks, passes
 * it, the partner has had every chance to arrive (both events leave the source before any later
 * watermark), so an event still waiting is unmatched: it goes to a side output and its state is
 * cleared. A matched pair deletes the timer. The full quarter has no unmatched events; the tests
 * exercise that path with two real streams that do not match.
 *
 * Time: pickup times are naive New York times read as America/New_York; the watermark is bounded
 * out-of-orderness with 60 s (the file is sorted by pickup), emitted after every row (see
 * shared/event-time.ts). The source and the two maps that split each row run with parallelism 1,
 * chained. Nothing here is dropped as late.
 *
 * Flink concepts: `connect` of two keyed streams, `KeyedCoProcessFunction` with `ValueState` shared
 * by both inputs for a key, event-time timers on a two-input operator (its watermark is the minimum
 * of the inputs'), side outputs.
 *
 * Run: `npx weir run examples/taxi/rides-and-fares.ts [-p N] [-- options]`
 * - `--input <file>`: trips CSV (default: the full quarter, examples/data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz)
 * - `--output <file>`: pairs CSV (default `out/rides-and-fares.csv`), sorted by ride id: ride_id,
 *   pickup, dropoff, PULocationID, DOLocationID, passenger_count, trip_distance, payment_type,
 *   fare_amount, tip_amount, tolls_amount, total_amount (money in USD as in the file)
 * - `--quiet`: print nothing
 */
import { resolve } from 'node:path';
import {
  FileSource,
  KeyedCoProcessFunction,
  OutputTag,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type JobContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type StreamExecutionEnvironment,
  type ValueState,
} from 'weir';
import { CollectAllSink } from '../shared/collect-all-sink.js';
import { emitWatermarkPerEvent } from '../shared/event-time.js';
import { outputPath, parseJobArgs } from '../shared/job-args.js';
import { centsToDollars, dollarsToCents, grouped, groupedDollars, textTable, writeCsvFile } from '../shared/table-output.js';

const NEW_YORK = 'America/New_York';

/** The ride half of a row. Times are epoch ms; `*Text` keep the file's local wall-clock text. */
export interface TaxiRide {
  readonly rideId: number;
  readonly pickup: number;
  readonly pickupText: string;
  readonly dropoffText: string;
  readonly puLocationId: number;
  readonly doLocationId: number;
  readonly passengerCount: number | null;
  /** Miles. */
  readonly tripDistance: number;
}

/** The fare half of a row. Money in US cents. */
export interface TaxiFare {
  readonly rideId: number;
  /** The ride's pickup time, epoch ms (the fare's event time, as in the training). */
  readonly pickup: number;
  readonly paymentType: number | null;
  readonly fareCents: number;
  readonly tipCents: number;
  readonly tollsCents: number;
  readonly totalCents: number;
}

/** One trip row, read once and split into a {@link TaxiRide} and a {@link TaxiFare}. */
export interface TripRow {
  readonly ride: TaxiRide;
  readonly fare: TaxiFare;
}

/** A joined pair. */
export interface RideAndFare {
  readonly ride: TaxiRide;
  readonly fare: TaxiFare;
}

/** What the report sink receives. */
export type RidesAndFaresReport = { readonly kind: 'pair'; readonly pair: RideAndFare } | { readonly kind: 'unmatched'; readonly event: TaxiRide | TaxiFare };

/** Rides or fares whose partner had not arrived when the watermark passed them. */
export const UNMATCHED = new OutputTag<TaxiRide | TaxiFare>('unmatched');

/** Columns of the output CSV, in order. */
export const RIDES_AND_FARES_COLUMNS = [
  'ride_id',
  'pickup',
  'dropoff',
  'PULocationID',
  'DOLocationID',
  'passenger_count',
  'trip_distance',
  'payment_type',
  'fare_amount',
  'tip_amount',
  'tolls_amount',
  'total_amount',
] as const;

/**
 * Pairs each ride with its fare, whichever comes first (see the module doc); unmatched events go
 * to {@link UNMATCHED} once the watermark passes them.
 */
export class EnrichRideWithFare extends KeyedCoProcessFunction<number, TaxiRide, TaxiFare, RideAndFare> {
  private ride!: ValueState<TaxiRide>;
  private fare!: ValueState<TaxiFare>;

  override open(): void {
    this.ride = this.getRuntimeContext().getState(new ValueStateDescriptor<TaxiRide>('waiting-ride'));
    this.fare = this.getRuntimeContext().getState(new ValueStateDescriptor<TaxiFare>('waiting-fare'));
  }

  override processElement1(ride: TaxiRide, ctx: KeyedProcessContext<number>, out: Collector<RideAndFare>): void {
    const fare = this.fare.value();
    if (fare === null) {
      this.ride.update(ride);
      ctx.timerService().registerEventTimeTimer(ride.pickup);
      return;
    }
    this.fare.clear();
    ctx.timerService().deleteEventTimeTimer(fare.pickup);
    out.collect({ ride, fare });
  }

  override processElement2(fare: TaxiFare, ctx: KeyedProcessContext<number>, out: Collector<RideAndFare>): void {
    const ride = this.ride.value();
    if (ride === null) {
      this.fare.update(fare);
      ctx.timerService().registerEventTimeTimer(fare.pickup);
      return;
    }
    this.ride.clear();
    ctx.timerService().deleteEventTimeTimer(ride.pickup);
    out.collect({ ride, fare });
  }

  override onTimer(_timestamp: number, ctx: OnTimerContext<number>): void {
    const ride = this.ride.value();
    if (ride !== null) ctx.output(UNMATCHED, ride);
    const fare = this.fare.value();
    if (fare !== null) ctx.output(UNMATCHED, fare);
    this.ride.clear();
    this.fare.clear();
  }
}

export default function ridesAndFares(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('rides-and-fares', ctx.args, {
    input: { type: 'string' },
    output: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz');
  const output = outputPath(args.output, 'out/rides-and-fares.csv');
  const quiet = args.quiet === true;

  const source = FileSource.csv<TripRow>(input, {
    mapper: (row) => {
      const rideId = row.line - 1;
      const pickup = row.timestamp('lpep_pickup_datetime', { timeZone: NEW_YORK });
      return {
        ride: {
          rideId,
          pickup,
          pickupText: row.string('lpep_pickup_datetime'),
          dropoffText: row.string('lpep_dropoff_datetime'),
          puLocationId: row.int('PULocationID'),
          doLocationId: row.int('DOLocationID'),
          passengerCount: row.optionalInt('passenger_count') ?? null,
          tripDistance: row.float('trip_distance'),
        },
        fare: {
          rideId,
          pickup,
          paymentType: row.optionalInt('payment_type') ?? null,
          fareCents: dollarsToCents(row.float('fare_amount')),
          tipCents: dollarsToCents(row.float('tip_amount')),
          tollsCents: dollarsToCents(row.float('tolls_amount')),
          totalCents: dollarsToCents(row.float('total_amount')),
        },
      };
    },
  });
  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<TripRow>(60_000).withTimestampAssigner((r) => r.ride.pickup));

  const rows = env.fromSource(source, watermarks, 'green taxi trips').setParallelism(1);
  const rides = rows.map((r) => r.ride).name('ride events').setParallelism(1);
  const fares = rows.map((r) => r.fare).name('fare events').setParallelism(1);

  const pairs = rides
    .keyBy((r) => r.rideId)
    .connect(fares.keyBy((f) => f.rideId))
    .process(new EnrichRideWithFare())
    .name('join rides and fares');

  pairs
    .map((pair): RidesAndFaresReport => ({ kind: 'pair', pair }))
    .name('pairs')
    .union(
      pairs
        .getSideOutput(UNMATCHED)
        .map((event): RidesAndFaresReport => ({ kind: 'unmatched', event }))
        .name('unmatched'),
    )
    .sinkTo(
      new CollectAllSink<RidesAndFaresReport>({
        outputs: [output],
        onEnd: (reports) => {
          const joined = reports.flatMap((r) => (r.kind === 'pair' ? [r.pair] : [])).sort((a, b) => a.ride.rideId - b.ride.rideId);
          const unmatched = reports.flatMap((r) => (r.kind === 'unmatched' ? [r.event] : []));
          writeCsvFile(output, RIDES_AND_FARES_COLUMNS, joined.map(pairCells));
          if (!quiet) printSummary(joined, unmatched, output);
        },
      }),
      'rides and fares',
    );
}

function pairCells({ ride, fare }: RideAndFare): (string | number | null)[] {
  return [
    ride.rideId,
    ride.pickupText,
    ride.dropoffText,
    ride.puLocationId,
    ride.doLocationId,
    ride.passengerCount,
    ride.tripDistance,
    fare.paymentType,
    centsToDollars(fare.fareCents),
    centsToDollars(fare.tipCents),
    centsToDollars(fare.tollsCents),
    centsToDollars(fare.totalCents),
  ];
}

const PAYMENT_TYPES: Readonly<Record<string, string>> = { 1: 'credit card', 2: 'cash', 3: 'no charge', 4: 'dispute', 5: 'unknown', '': '(empty)' };

function printSummary(joined: readonly RideAndFare[], unmatched: readonly (TaxiRide | TaxiFare)[], output: string): void {
  const byPayment = new Map<string, { rides: number; fareCents: number; tipCents: number }>();
  for (const { fare } of joined) {
    const key = fare.paymentType === null ? '' : String(fare.paymentType);
    const p = byPayment.get(key) ?? { rides: 0, fareCents: 0, tipCents: 0 };
    p.rides += 1;
    p.fareCents += fare.fareCents;
    p.tipCents += fare.tipCents;
    byPayment.set(key, p);
  }
  const rows = [...byPayment]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : Number(a) - Number(b)))
    .map(([type, p]) => [type, PAYMENT_TYPES[type] ?? '', grouped(p.rides), groupedDollars(p.fareCents), groupedDollars(p.tipCents), `${((100 * p.tipCents) / Math.max(1, p.fareCents)).toFixed(1)}%`]);
  const lines = [
    `Rides and fares: ${grouped(joined.length)} rides joined with their fares, ${grouped(unmatched.length)} events unmatched.`,
    textTable(['payment_type', '', 'rides', 'fare_amount $', 'tip_amount $', 'tip/fare'], rows, [2, 3, 4, 5]),
    `Wrote ${grouped(joined.length)} pairs to ${output}`,
  ];
  console.log(lines.join('\n'));
}
