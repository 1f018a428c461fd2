/**
 * Ride cleansing (the classic first Flink exercise) on real NYC green-taxi trips: keeps the rides
 * that pass every check, writes them to an NDJSON file, and counts why the others were dropped.
 *
 * Each ride gets exactly one outcome: `kept`, or the FIRST failing check in this fixed order:
 * 1. `unknown-pickup-zone`: `PULocationID` is 264 or 265 (the TLC's "Unknown" zones) or not in the
 *    zone lookup;
 * 2. `unknown-dropoff-zone`: the same for `DOLocationID`;
 * 3. `non-positive-total`: `total_amount` ≤ 0 (refunds, voids and $0 trips);
 * 4. `dropoff-before-pickup`: `lpep_dropoff_datetime` earlier than `lpep_pickup_datetime`;
 * 5. `pickup-outside-period`: the pickup's local (New York) date is not within `--from`..`--to`,
 *    inclusive (default 2023-01-01..2023-03-31, the quarter the file covers).
 * A row that cannot be read at all (a missing or non-numeric id, amount or time, a wrong number of
 * fields) never reaches the checks: the source sends it to its dead-letter output, counted as
 * `malformed`. Empty optional cells (`passenger_count`) are not malformed: they become `null`.
 *
 * Times are naive New York wall-clock times; they are read with `timeZone: 'America/New_York'`,
 * so instants and `durationS` are DST-correct (the clocks went forward on 2023-03-12).
 *
 * Flink concepts:
 * - `FileSource.csv` with a typed row mapper and a dead-letter side output (`deadLetter` option),
 *   read with `getSideOutput`.
 * - A `ProcessFunction` that routes: clean rides to the main output, dropped rides to the side
 *   output `DROPPED` (`ctx.output(tag, value)`), Flink's side-output pattern for splitting a stream.
 * - `union` of the three outcome streams, then `keyBy(outcome)` and a keyed rolling `reduce` as a
 *   per-key count in keyed state; {@link FinalTableSink} turns the count updates into the final table.
 * - `FileSink.ndjson` for the clean rides (one file, so the sink runs with parallelism 1).
 *
 * Run: `npx weir run examples/taxi/ride-cleansing.ts [-p N] [-- options]`
 * - `--input <file>`: trips CSV (default: the full quarter in examples/data/)
 * - `--zones <file>`: zone lookup (default: examples/data/nyc_taxi_zone_lookup.csv.gz)
 * - `--output <file>`: clean rides, NDJSON (default `out/clean-rides.ndjson` under the current directory)
 * - `--counts <file>`: outcome counts, CSV `outcome,rides` (default `out/ride-outcomes.csv`)
 * - `--from <YYYY-MM-DD>`, `--to <YYYY-MM-DD>`: the pickup period (default 2023-01-01, 2023-03-31)
 * - `--quiet`: print nothing
 */
import { resolve } from 'node:path';
import {
  FileSource,
  FileSink,
  OutputTag,
  ProcessFunction,
  ConfigurationError,
  wallClockToEpochMs,
  type Collector,
  type DeadLetter,
  type JobContext,
  type ProcessContext,
  type StreamExecutionEnvironment,
} from 'weir';
import { FinalTableSink } from '../shared/final-table-sink.js';
import { outputPath, parseJobArgs } from '../shared/job-args.js';
import { grouped, textTable, writeCsvFile } from '../shared/table-output.js';
import { loadZoneLookup, UNKNOWN_ZONE_IDS, type TaxiZone } from '../shared/zone-lookup.js';

/** The checks, in the order they are applied (see the module doc). */
export const DROP_REASONS = ['unknown-pickup-zone', 'unknown-dropoff-zone', 'non-positive-total', 'dropoff-before-pickup', 'pickup-outside-period'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
/** Every outcome, in the order of the counts table. */
export const OUTCOMES = ['kept', ...DROP_REASONS, 'malformed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const NEW_YORK = 'America/New_York';

/** A trip as read from the file. Times are epoch ms; `*Text` keep the file's local wall-clock text. */
export interface Ride {
  readonly vendorId: number;
  readonly pickupText: string;
  readonly dropoffText: string;
  readonly pickup: number;
  readonly dropoff: number;
  readonly puLocationId: number;
  readonly doLocationId: number;
  readonly passengerCount: number | null;
  /** Miles. */
  readonly tripDistance: number;
  /** USD. */
  readonly totalAmount: number;
}

/** A ride that passed every check, as written to the NDJSON output (times as local wall-clock text). */
export interface CleanRide {
  readonly vendorId: number;
  readonly pickup: string;
  readonly dropoff: string;
  /** Dropoff minus pickup in seconds (DST-correct). */
  readonly durationS: number;
  readonly puLocationId: number;
  readonly puZone: string;
  readonly doLocationId: number;
  readonly doZone: string;
  readonly passengerCount: number | null;
  readonly tripDistance: number;
  readonly totalAmount: number;
}

/** What goes to the {@link DROPPED} side output. */
export interface DroppedRide {
  readonly reason: DropReason;
  readonly ride: Ride;
}

/** One outcome with a count (1 per ride before the keyed count). */
export interface OutcomeCount {
  readonly outcome: Outcome;
  readonly rides: number;
}

/** Side output of the cleansing function: the rides it dropped, with the first failing check. */
export const DROPPED = new OutputTag<DroppedRide>('dropped-rides');
/** Dead-letter output of the source: rows that could not be read. */
export const MALFORMED = new OutputTag<DeadLetter>('malformed-rows');

/**
 * Applies the checks of the module doc in order: clean rides to the main output (named from the
 * lookup), dropped ones to {@link DROPPED}. `periodStart`/`periodEnd` are epoch ms, end exclusive.
 */
export class RideCleansingFunction extends ProcessFunction<Ride, CleanRide> {
  constructor(
    private readonly zones: ReadonlyMap<number, TaxiZone>,
    private readonly periodStart: number,
    private readonly periodEnd: number,
  ) {
    super();
  }

  override processElement(ride: Ride, ctx: ProcessContext, out: Collector<CleanRide>): void {
    const reason = this.firstFailingCheck(ride);
    if (reason !== undefined) {
      ctx.output(DROPPED, { reason, ride });
      return;
    }
    out.collect({
      vendorId: ride.vendorId,
      pickup: ride.pickupText,
      dropoff: ride.dropoffText,
      durationS: (ride.dropoff - ride.pickup) / 1000,
      puLocationId: ride.puLocationId,
      puZone: this.zones.get(ride.puLocationId)?.zone ?? '',
      doLocationId: ride.doLocationId,
      doZone: this.zones.get(ride.doLocationId)?.zone ?? '',
      passengerCount: ride.passengerCount,
      tripDistance: ride.tripDistance,
      totalAmount: ride.totalAmount,
    });
  }

  /** The first check `ride` fails, in {@link DROP_REASONS} order, or `undefined` when it passes all. */
  firstFailingCheck(ride: Ride): DropReason | undefined {
    if (!this.isKnownZone(ride.puLocationId)) return 'unknown-pickup-zone';
    if (!this.isKnownZone(ride.doLocationId)) return 'unknown-dropoff-zone';
    if (!(ride.totalAmount > 0)) return 'non-positive-total';
    if (ride.dropoff < ride.pickup) return 'dropoff-before-pickup';
    if (ride.pickup < this.periodStart || ride.pickup >= this.periodEnd) return 'pickup-outside-period';
    return undefined;
  }

  private isKnownZone(id: number): boolean {
    return !UNKNOWN_ZONE_IDS.has(id) && this.zones.has(id);
  }
}

export default function rideCleansing(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('ride-cleansing', ctx.args, {
    input: { type: 'string' },
    zones: { type: 'string' },
    output: { type: 'string' },
    counts: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz');
  const zonesFile = args.zones !== undefined ? resolve(args.zones) : ctx.resolve('../data/nyc_taxi_zone_lookup.csv.gz');
  const output = outputPath(args.output, 'out/clean-rides.ndjson');
  const countsFile = outputPath(args.counts, 'out/ride-outcomes.csv');
  const fromText = args.from ?? '2023-01-01';
  const toText = args.to ?? '2023-03-31';
  const from = localDate('from', fromText);
  const to = localDate('to', toText);
  // Local midnight of `from` up to (excluding) local midnight of the day after `to`.
  const periodStart = wallClockToEpochMs(from, NEW_YORK);
  const periodEnd = wallClockToEpochMs(to + 86_400_000, NEW_YORK);
  if (periodEnd <= periodStart) throw new ConfigurationError(`ride-cleansing: --from ${fromText} is after --to ${toText}`);
  const quiet = args.quiet === true;
  const zones = loadZoneLookup(zonesFile);

  const source = FileSource.csv<Ride>(input, {
    mapper: (row) => ({
      vendorId: row.int('VendorID'),
      pickupText: row.string('lpep_pickup_datetime'),
      dropoffText: row.string('lpep_dropoff_datetime'),
      pickup: row.timestamp('lpep_pickup_datetime', { timeZone: NEW_YORK }),
      dropoff: row.timestamp('lpep_dropoff_datetime', { timeZone: NEW_YORK }),
      puLocationId: row.int('PULocationID'),
      doLocationId: row.int('DOLocationID'),
      passengerCount: row.optionalInt('passenger_count') ?? null,
      tripDistance: row.float('trip_distance'),
      totalAmount: row.float('total_amount'),
    }),
    deadLetter: MALFORMED,
  });

  const rides = env.fromSource(source, 'green taxi trips');
  const clean = rides.process(new RideCleansingFunction(zones, periodStart, periodEnd)).name('cleansing checks');
  clean.sinkTo(FileSink.ndjson<CleanRide>(output), 'clean rides');

  const kept = clean.map((): OutcomeCount => ({ outcome: 'kept', rides: 1 })).name('kept');
  const dropped = clean.getSideOutput(DROPPED).map((d): OutcomeCount => ({ outcome: d.reason, rides: 1 })).name('drop reason');
  const malformed = rides.getSideOutput(MALFORMED).map((): OutcomeCount => ({ outcome: 'malformed', rides: 1 })).name('malformed');

  kept
    .union(dropped, malformed)
    .keyBy((o) => o.outcome)
    .reduce((a, b) => ({ outcome: a.outcome, rides: a.rides + b.rides }))
    .name('rides per outcome')
    .sinkTo(
      new FinalTableSink<OutcomeCount>({
        key: (o) => o.outcome,
        output: countsFile,
        onEnd: (rows) => {
          const count = new Map(rows.map((o) => [o.outcome, o.rides]));
          // Every outcome in table order, 0 for those that never occurred.
          const table = OUTCOMES.map((outcome) => ({ outcome, rides: count.get(outcome) ?? 0 }));
          writeCsvFile(countsFile, ['outcome', 'rides'], table.map((o) => [o.outcome, o.rides]));
          if (!quiet) printSummary(table, output, countsFile);
        },
      }),
      'outcome counts',
    );
}

/** `YYYY-MM-DD` as the epoch ms of that midnight in UTC ("wall clock as UTC"). */
function localDate(option: string, text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = m === null ? Number.NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new ConfigurationError(`ride-cleansing: --${option} must be a date YYYY-MM-DD, got '${text}'`);
  }
  return ms;
}

function printSummary(table: readonly OutcomeCount[], output: string, countsFile: string): void {
  const total = table.reduce((n, o) => n + o.rides, 0);
  const kept = table.find((o) => o.outcome === 'kept')?.rides ?? 0;
  const share = (n: number) => `${total === 0 ? '0.00' : ((100 * n) / total).toFixed(2)}%`;
  const lines = [
    `Ride cleansing: ${grouped(total)} rows read, ${grouped(kept)} rides kept (${share(kept)}), ${grouped(total - kept)} dropped:`,
    textTable(['outcome', 'rides', 'share'], table.map((o) => [o.outcome, grouped(o.rides), share(o.rides)]), [1, 2]),
    `Wrote ${grouped(kept)} clean rides to ${output}`,
    `Wrote the outcome counts to ${countsFile}`,
  ];
  console.log(lines.join('\n'));
}
