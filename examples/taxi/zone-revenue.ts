/**
 * Trips and revenue per pickup zone: for every NYC green-taxi trip, adds 1 trip and its
 * `total_amount` (USD, to the cent) to its pickup zone (`PULocationID`), names the zone from the
 * TLC zone lookup (Borough, Zone), prints the 10 zones with the highest total and writes the whole
 * table, sorted by total descending (ties by LocationID), to a CSV file.
 *
 * Flink concepts:
 * - `FileSource.csv` (a bounded FLIP-27 source) with a typed row mapper; a malformed row fails the
 *   job with `WEIR_ERR_RECORD_PARSE` naming file, line and column (this job trusts its input; see
 *   ride-cleansing.ts for a dead-letter output).
 * - `keyBy(puLocationId)` hash-partitions trips by zone, so each zone's total lives in the keyed
 *   state of exactly one parallel subtask; `reduce` is Flink's rolling keyed reduce
 *   (StreamGroupedReduceOperator): it stores the running value per key and emits it after every trip.
 * - Enrichment with a static lookup table in a `map`: the 265-row table is read once while the job
 *   is built and shipped with the function to every subtask.
 * - The reduce's output is an update stream; {@link FinalTableSink} keeps the latest value per key
 *   and writes the final table at end of input (there are no windows yet).
 * Money is summed in integer cents, so the result does not depend on parallelism or order.
 *
 * Run: `npx weir run examples/taxi/zone-revenue.ts [-p N] [-- options]`
 * - `--input <file>`: trips CSV (default: the full quarter, examples/data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz)
 * - `--zones <file>`: zone lookup (default: examples/data/nyc_taxi_zone_lookup.csv.gz)
 * - `--output <file>`: the CSV written (default `out/zone-revenue.csv` under the current directory);
 *   columns LocationID, Borough, Zone, trips, total_amount
 * - `--top <n>`: zones printed (default 10); `--quiet`: print nothing
 * Relative `--input/--zones/--output` paths are resolved against the current directory.
 */
import { resolve } from 'node:path';
import { FileSource, type JobContext, type StreamExecutionEnvironment } from 'weir';
import { FinalTableSink } from '../shared/final-table-sink.js';
import { outputPath, parseJobArgs, positiveIntOption } from '../shared/job-args.js';
import { centsToDollars, dollarsToCents, grouped, groupedDollars, textTable, writeCsvFile } from '../shared/table-output.js';
import { loadZoneLookup, type TaxiZone } from '../shared/zone-lookup.js';

/** Running totals of one pickup zone (also the record of a single trip: 1 trip, its total). */
export interface ZoneTotals {
  readonly puLocationId: number;
  readonly trips: number;
  /** Sum of `total_amount` in US cents. */
  readonly totalCents: number;
}

/** {@link ZoneTotals} with the zone's names from the lookup (empty when the id is not in it). */
export interface ZoneRevenue extends ZoneTotals {
  readonly borough: string;
  readonly zone: string;
}

/** Columns of the output CSV, in order. */
export const ZONE_REVENUE_COLUMNS = ['LocationID', 'Borough', 'Zone', 'trips', 'total_amount'] as const;

export default function zoneRevenue(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('zone-revenue', ctx.args, {
    input: { type: 'string' },
    zones: { type: 'string' },
    output: { type: 'string' },
    top: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz');
  const zonesFile = args.zones !== undefined ? resolve(args.zones) : ctx.resolve('../data/nyc_taxi_zone_lookup.csv.gz');
  const output = outputPath(args.output, 'out/zone-revenue.csv');
  const top = positiveIntOption('top', args.top, 10);
  const quiet = args.quiet === true;
  const zones = loadZoneLookup(zonesFile);

  const trips = FileSource.csv<ZoneTotals>(input, {
    mapper: (row) => ({ puLocationId: row.int('PULocationID'), trips: 1, totalCents: dollarsToCents(row.float('total_amount')) }),
  });

  env
    .fromSource(trips, 'green taxi trips')
    .keyBy((t) => t.puLocationId)
    .reduce((a, b) => ({ puLocationId: a.puLocationId, trips: a.trips + b.trips, totalCents: a.totalCents + b.totalCents }))
    .name('trips and fare per pickup zone')
    .map((t): ZoneRevenue => enrich(t, zones.get(t.puLocationId)))
    .name('zone names')
    .sinkTo(
      new FinalTableSink<ZoneRevenue>({
        key: (z) => z.puLocationId,
        output,
        onEnd: (rows) => {
          rows.sort((a, b) => b.totalCents - a.totalCents || a.puLocationId - b.puLocationId);
          const cells = rows.map((z) => [z.puLocationId, z.borough, z.zone, z.trips, centsToDollars(z.totalCents)]);
          writeCsvFile(output, ZONE_REVENUE_COLUMNS, cells);
          if (!quiet) printSummary(rows, top, output);
        },
      }),
      'zone revenue table',
    );
}

function enrich(t: ZoneTotals, zone: TaxiZone | undefined): ZoneRevenue {
  return { ...t, borough: zone?.borough ?? '', zone: zone?.zone ?? '' };
}

function printSummary(rows: readonly ZoneRevenue[], top: number, output: string): void {
  const trips = rows.reduce((n, z) => n + z.trips, 0);
  const cents = rows.reduce((n, z) => n + z.totalCents, 0);
  const shown = rows.slice(0, top).map((z, i) => [i + 1, z.puLocationId, z.borough, z.zone, grouped(z.trips), groupedDollars(z.totalCents)]);
  const lines = [
    `Top ${Math.min(top, rows.length)} of ${rows.length} pickup zones by total fare (${grouped(trips)} trips, $${groupedDollars(cents)} in total):`,
    textTable(['#', 'LocationID', 'Borough', 'Zone', 'trips', 'total_amount $'], shown, [0, 1, 4, 5]),
    `Wrote ${rows.length} zones to ${output}`,
  ];
  console.log(lines.join('\n'));
}
