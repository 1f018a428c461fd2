/**
 * Hourly tips (the Flink training exercise) on real NYC green-taxi trips: the total `tip_amount`
 * per pickup zone per hour of pickup time, then, for every hour, the zone with the most tips.
 * The training sums tips per driver; green-taxi records carry no driver id, so the pickup zone
 * (`PULocationID`) plays the driver's part. Prints the hours with the largest winning totals and
 * writes one row per hour, in time order, to a CSV file; trips that arrive too late for their hour
 * go to a second CSV file.
 *
 * Event time: the pickup time. The file's times are naive New York wall-clock times; they are read
 * as America/New_York (`row.timestamp(…, { timeZone })`), so timestamps are real instants and DST
 * is right. New York's offsets are whole hours, so the 1-hour windows (aligned to the epoch) are
 * exactly the local clock hours; on 2023-03-12 the local hour 02:00 does not exist and the window
 * after 01:00 EST is 03:00 EDT. Hours are written as ISO 8601 with their offset
 * (`2023-03-12T03:00-04:00`).
 *
 * Late data: the file is sorted by pickup time, so it needs no out-of-orderness at all; the job
 * allows 60 s (`--out-of-orderness`), which costs one minute of event-time delay before an hour
 * closes. Watermarks are `max pickup seen - out-of-orderness - 1 ms`, emitted after every trip
 * (see shared/event-time.ts), and the source runs with parallelism 1 (one gzip file has one
 * reader), so every window subtask sees the trips and watermarks in file order; a trip whose hour window has closed (window end - 1 ≤ watermark) is
 * not counted: `sideOutputLateData` sends it to the late CSV. The full quarter has no late trips;
 * the tests feed the job a reordered copy of a slice to exercise the path.
 *
 * Flink concepts:
 * - `WatermarkStrategy.forBoundedOutOfOrderness` with a timestamp assigner on `fromSource`.
 * - `keyBy(zone).window(TumblingEventTimeWindows.of(1 h))` with an incremental `AggregateFunction`
 *   (trips and tip cents) and a `ProcessWindowFunction` that adds the key and the window start,
 *   Flink's "aggregate + process window function" pattern; `sideOutputLateData` for late trips.
 * - `windowAll(TumblingEventTimeWindows.of(1 h))` over the per-zone results (each carries its
 *   window's `maxTimestamp()`, so it falls into the same hour) and a `reduce` that keeps the
 *   maximum: Flink's `maxBy('tips')`, with a tie-break on the smaller zone id because maxBy keeps
 *   whichever arrives first, and arrival order across parallel subtasks is not fixed.
 * - `union` of the hourly winners and the late trips into one sink that writes both files.
 * Money is summed in integer cents, so results do not depend on order or parallelism.
 *
 * Run: `npx weir run examples/taxi/hourly-tips.ts [-p N] [-- options]`
 * - `--input <file>`: trips CSV (default: the full quarter, examples/data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz)
 * - `--zones <file>`: zone lookup for the names (default: examples/data/nyc_taxi_zone_lookup.csv.gz)
 * - `--output <file>`: the hourly winners CSV (default `out/hourly-tips.csv`): hour_start,
 *   PULocationID, Borough, Zone, trips (of that zone in that hour), tips (USD)
 * - `--late <file>`: late trips CSV (default `out/hourly-tips-late.csv`): line (in the input file),
 *   pickup, PULocationID, tip_amount
 * - `--out-of-orderness <seconds>`: watermark delay (default 60)
 * - `--top <n>`: hours printed (default 10); `--quiet`: print nothing
 */
import { resolve } from 'node:path';
import {
  FileSource,
  OutputTag,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type AggregateFunction,
  type Collector,
  type JobContext,
  type ProcessWindowContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'weir';
import { CollectAllSink } from '../shared/collect-all-sink.js';
import { emitWatermarkPerEvent, HOUR_MS, localDateTime, SECOND_MS, utcOffsetText } from '../shared/event-time.js';
import { outputPath, parseJobArgs, positiveIntOption, secondsOption } from '../shared/job-args.js';
import { centsToDollars, dollarsToCents, grouped, groupedDollars, textTable, writeCsvFile } from '../shared/table-output.js';
import { loadZoneLookup, type TaxiZone } from '../shared/zone-lookup.js';

const NEW_YORK = 'America/New_York';

/** One trip as this job reads it. */
export interface TipTrip {
  /** Line of the trip in the input file (the header is line 1). */
  readonly line: number;
  readonly puLocationId: number;
  /** Pickup time, epoch ms. */
  readonly pickup: number;
  /** `tip_amount` in US cents. */
  readonly tipCents: number;
}

/** Tips of one pickup zone in one hour. */
export interface ZoneHourTips {
  /** Start of the hour, epoch ms. */
  readonly hourStart: number;
  readonly puLocationId: number;
  readonly trips: number;
  readonly tipCents: number;
}

/** What the report sink receives: an hour's winner, or a late trip. */
export type HourlyTipsReport = { readonly kind: 'top'; readonly row: ZoneHourTips } | { readonly kind: 'late'; readonly trip: TipTrip };

/** Columns of the output CSV, in order. */
export const HOURLY_TIPS_COLUMNS = ['hour_start', 'PULocationID', 'Borough', 'Zone', 'trips', 'tips'] as const;
/** Columns of the late-trips CSV, in order. */
export const LATE_TRIPS_COLUMNS = ['line', 'pickup', 'PULocationID', 'tip_amount'] as const;

/** Trips that arrive after their hour window has closed. */
export const LATE_TRIPS = new OutputTag<TipTrip>('late-trips');

interface TipsAccumulator {
  trips: number;
  tipCents: number;
}

/** Counts the trips of a window and sums their tips (cents). */
export const SUM_TIPS: AggregateFunction<TipTrip, TipsAccumulator, TipsAccumulator> = {
  createAccumulator: () => ({ trips: 0, tipCents: 0 }),
  add: (trip, acc) => ({ trips: acc.trips + 1, tipCents: acc.tipCents + trip.tipCents }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ trips: a.trips + b.trips, tipCents: a.tipCents + b.tipCents }),
};

/** Keeps the zone with more tips; on a tie, the smaller zone id (so the result is order-independent). */
export function higherTips(a: ZoneHourTips, b: ZoneHourTips): ZoneHourTips {
  if (b.tipCents !== a.tipCents) return b.tipCents > a.tipCents ? b : a;
  return b.puLocationId < a.puLocationId ? b : a;
}

/** The hour's start as ISO 8601 local New York time with its offset: `2023-01-01T00:00-05:00`. */
export function hourText(epochMs: number): string {
  return `${localDateTime(epochMs, NEW_YORK).replace(' ', 'T')}${utcOffsetText(epochMs, NEW_YORK)}`;
}

export default function hourlyTips(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('hourly-tips', ctx.args, {
    input: { type: 'string' },
    zones: { type: 'string' },
    output: { type: 'string' },
    late: { type: 'string' },
    'out-of-orderness': { type: 'string' },
    top: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz');
  const zonesFile = args.zones !== undefined ? resolve(args.zones) : ctx.resolve('../data/nyc_taxi_zone_lookup.csv.gz');
  const output = outputPath(args.output, 'out/hourly-tips.csv');
  const lateOutput = outputPath(args.late, 'out/hourly-tips-late.csv');
  const outOfOrdernessMs = secondsOption('out-of-orderness', args['out-of-orderness'], 60) * SECOND_MS;
  const top = positiveIntOption('top', args.top, 10);
  const quiet = args.quiet === true;
  const zones = loadZoneLookup(zonesFile);

  const source = FileSource.csv<TipTrip>(input, {
    mapper: (row) => ({
      line: row.line,
      puLocationId: row.int('PULocationID'),
      pickup: row.timestamp('lpep_pickup_datetime', { timeZone: NEW_YORK }),
      tipCents: dollarsToCents(row.float('tip_amount')),
    }),
  });
  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<TipTrip>(outOfOrdernessMs).withTimestampAssigner((t) => t.pickup));

  const perZoneHour = env
    .fromSource(source, watermarks, 'green taxi trips')
    .setParallelism(1)
    .keyBy((t) => t.puLocationId)
    .window(TumblingEventTimeWindows.of(HOUR_MS))
    .sideOutputLateData(LATE_TRIPS)
    .aggregate(SUM_TIPS, (zone: number, c: ProcessWindowContext<TimeWindow>, [acc]: TipsAccumulator[], out: Collector<ZoneHourTips>) => {
      if (acc !== undefined) out.collect({ hourStart: c.window().start, puLocationId: zone, trips: acc.trips, tipCents: acc.tipCents });
    })
    .name('tips per zone and hour');

  const hourlyTop = perZoneHour.windowAll(TumblingEventTimeWindows.of(HOUR_MS)).reduce(higherTips).name('top zone per hour');

  hourlyTop
    .map((row): HourlyTipsReport => ({ kind: 'top', row }))
    .name('winners')
    .union(
      perZoneHour
        .getSideOutput(LATE_TRIPS)
        .map((trip): HourlyTipsReport => ({ kind: 'late', trip }))
        .name('late trips'),
    )
    .sinkTo(
      new CollectAllSink<HourlyTipsReport>({
        outputs: [output, lateOutput],
        onEnd: (reports) => {
          const hours = reports.flatMap((r) => (r.kind === 'top' ? [r.row] : [])).sort((a, b) => a.hourStart - b.hourStart);
          const late = reports.flatMap((r) => (r.kind === 'late' ? [r.trip] : [])).sort((a, b) => a.line - b.line);
          writeCsvFile(output, HOURLY_TIPS_COLUMNS, hours.map((h) => hourCells(h, zones.get(h.puLocationId))));
          writeCsvFile(lateOutput, LATE_TRIPS_COLUMNS, late.map((t) => [t.line, localDateTime(t.pickup, NEW_YORK, true), t.puLocationId, centsToDollars(t.tipCents)]));
          if (!quiet) printSummary(hours, late, zones, top, output, lateOutput, outOfOrdernessMs);
        },
      }),
      'hourly tips report',
    );
}

function hourCells(h: ZoneHourTips, zone: TaxiZone | undefined): (string | number)[] {
  return [hourText(h.hourStart), h.puLocationId, zone?.borough ?? '', zone?.zone ?? '', h.trips, centsToDollars(h.tipCents)];
}

function printSummary(
  hours: readonly ZoneHourTips[],
  late: readonly TipTrip[],
  zones: ReadonlyMap<number, TaxiZone>,
  top: number,
  output: string,
  lateOutput: string,
  outOfOrdernessMs: number,
): void {
  const shown = [...hours]
    .sort((a, b) => b.tipCents - a.tipCents || a.hourStart - b.hourStart)
    .slice(0, top)
    .map((h, i) => [i + 1, hourText(h.hourStart), h.puLocationId, zones.get(h.puLocationId)?.zone ?? '', grouped(h.trips), groupedDollars(h.tipCents)]);
  const wins = new Map<number, number>();
  for (const h of hours) wins.set(h.puLocationId, (wins.get(h.puLocationId) ?? 0) + 1);
  const mostWins = [...wins].sort(([za, a], [zb, b]) => b - a || za - zb).slice(0, 3);
  const lines = [
    `Hourly tips: the top pickup zone of each of ${grouped(hours.length)} hours; ${grouped(late.length)} late trips dropped (out-of-orderness ${outOfOrdernessMs / SECOND_MS} s).`,
    `Top ${shown.length} hours by the winning zone's tips:`,
    textTable(['#', 'hour', 'PULocationID', 'Zone', 'trips', 'tips $'], shown, [0, 2, 4, 5]),
    `Most hours on top: ${mostWins.map(([z, n]) => `${zones.get(z)?.zone ?? z} (${grouped(n)})`).join(', ')}`,
    `Wrote ${grouped(hours.length)} hours to ${output}`,
    `Wrote ${grouped(late.length)} late trips to ${lateOutput}`,
  ];
  console.log(lines.join('\n'));
}
