/**
 * PM2.5 at the 12 Beijing air-quality stations (UCI "Beijing Multi-Site Air-Quality Data", hourly
 * readings): the trailing 24-hour average per station, updated every hour (a sliding 24 h event-time
 * window with a 1 h slide), and an alert whenever a station's hourly reading exceeds three times
 * the average of its readings of the 24 hours before it. Prints a table per station and the largest
 * spikes; writes the averages, the alerts and any late readings to three CSV files.
 *
 * Readings: `PM2.5` in µg/m³; `NA` (a sensor gap, 1,067 of the 52,992 rows of the committed six
 * months) means no reading: the row still moves the watermark, but is not averaged or checked.
 * Values are integers in the file except one (`12.5`), so they are summed in integer tenths and
 * the averages are exact (written rounded half up to one decimal).
 *
 * Event time: the file has no timestamp column; `year`, `month`, `day`, `hour` are Beijing local
 * time (China Standard Time, UTC+8, no daylight saving since 1991), so a reading's timestamp is
 * `Date.UTC(year, month − 1, day, hour) − 8 h`. Windows are aligned to the epoch; as the offset is a
 * whole number of hours, they start and end on local hours. Times are written as local
 * `YYYY-MM-DD HH:00`.
 *
 * Averages: `keyBy(station).window(SlidingEventTimeWindows.of(24 h, 1 h))` with an incremental
 * aggregate: the window [start, end) holds the readings of the 24 local hours start … end − 1 h.
 * A reading belongs to 24 windows; every window with at least one reading is emitted, so each
 * station's first 23 windows (and windows around long gaps) average fewer than 24 readings; the
 * `readings` column says how many.
 *
 * Alerts: a `KeyedProcessFunction` per station keeps the station's recent readings in `ListState`
 * and, for each new reading at hour h, averages those in [h − 24 h, h) that arrived before it (the
 * current reading excluded): when there are at least 12 of them (half a day of data) and the
 * reading is more than 3 × that average, it emits an alert. It judges a reading on arrival, so a
 * reading must not be older than the watermark: a reading at or below the watermark when it
 * arrives (its past may be forgotten already) is not checked; it is remembered for later
 * averages and reported in the late CSV. The state keeps the readings newer than
 * watermark − 24 h, all that any on-time reading can need. It does not use the window results:
 * joining them back would need a two-input operator for the same figure.
 *
 * Late data: the file is sorted by time (12 rows per hour); the job allows one hour of disorder
 * (`--out-of-orderness`, seconds, default 3600). The watermark is `max timestamp seen − bound −
 * 1 ms`, emitted after every row (see shared/event-time.ts) by a source with parallelism 1 whose
 * `flatMap` is chained to it, so each reading meets a watermark that depends only on the file
 * order, and each station's readings reach its subtasks in file order. For the spike check a
 * reading is late when its time ≤ that watermark. For the averages, a reading is added to each of
 * its 24 windows that is still open and left out of those that have closed (window end − 1 ≤
 * watermark: fired and purged, as Flink's WindowOperator skips late windows one by one), so a
 * reading a few hours late misses its earliest windows. It is late for the averages only when the
 * last window it belongs to, the one starting at its own hour, has closed too, i.e. when it is
 * more than a day behind; `sideOutputLateData` takes those. The late CSV lists every reading late
 * for the spike check, with `in_averages` = `no` for those the windows dropped entirely. The
 * committed data has none; the tests move rows of a slice later to exercise both rules.
 *
 * Flink concepts: sliding event-time windows; `aggregate` with a `ProcessWindowFunction`;
 * `sideOutputLateData`; `KeyedProcessFunction` with `ListState`; `flatMap`, `filter` and `union`.
 *
 * Run: `npx weir run examples/air/pm25.ts [-p N] [-- options]`
 * - `--input <file>`: readings CSV (default examples/data/beijing_air_quality_12_stations_2013-03_2013-08.csv.gz)
 * - `--output <file>`: trailing averages CSV (default `out/pm25-24h.csv`): station, window_start,
 *   window_end, readings, pm25_avg; sorted by station, then window
 * - `--alerts <file>`: alerts CSV (default `out/pm25-alerts.csv`): station, hour, pm25,
 *   trailing_avg, trailing_readings; sorted by hour, then station
 * - `--late <file>`: late readings (default `out/pm25-late.csv`): station, hour, pm25, in_averages
 *   (`yes`/`no`); sorted by station, then hour
 * - `--out-of-orderness <seconds>`: watermark delay (default 3600)
 * - `--quiet`: print nothing
 */
import { resolve } from 'node:path';
import {
  FileSource,
  KeyedProcessFunction,
  ListStateDescriptor,
  OutputTag,
  SlidingEventTimeWindows,
  WatermarkStrategy,
  type AggregateFunction,
  type Collector,
  type JobContext,
  type KeyedProcessContext,
  type ListState,
  type ProcessWindowContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'weir';
import { CollectAllSink } from '../shared/collect-all-sink.js';
import { emitWatermarkPerEvent, HOUR_MS, SECOND_MS } from '../shared/event-time.js';
import { outputPath, parseJobArgs, secondsOption } from '../shared/job-args.js';
import { grouped, textTable, writeCsvFile } from '../shared/table-output.js';

/** Beijing local time is UTC+8 all year. */
export const BEIJING_OFFSET_MS = 8 * HOUR_MS;
/** The trailing period of averages and alerts. */
export const DAY_MS = 24 * HOUR_MS;
/** An alert needs a reading above this many times the trailing average … */
export const ALERT_FACTOR = 3;
/** … computed over at least this many readings. */
export const MIN_TRAILING_READINGS = 12;

/** One hourly row of one station. */
export interface AirReading {
  readonly station: string;
  /** Start of the reading's hour, epoch ms. */
  readonly time: number;
  /** PM2.5 in tenths of µg/m³, or `null` for `NA`. */
  readonly pm25Tenths: number | null;
}

/** A reading with a PM2.5 value. */
export interface Pm25Reading extends AirReading {
  readonly pm25Tenths: number;
}

/** The trailing 24 h average of one station, as of one window. */
export interface Pm25Average {
  readonly station: string;
  /** Window start and end, epoch ms (end exclusive). */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly readings: number;
  /** Sum of the readings in tenths of µg/m³. */
  readonly sumTenths: number;
}

/** A reading more than {@link ALERT_FACTOR} times its station's trailing 24 h average. */
export interface Pm25Alert {
  readonly station: string;
  readonly time: number;
  readonly pm25Tenths: number;
  readonly trailingReadings: number;
  readonly trailingSumTenths: number;
}

/** What the report sink receives. */
export type Pm25Report =
  | { readonly kind: 'average'; readonly average: Pm25Average }
  | { readonly kind: 'alert'; readonly alert: Pm25Alert }
  | { readonly kind: 'late'; readonly reading: Pm25Reading }
  | { readonly kind: 'unchecked'; readonly reading: Pm25Reading }
  | { readonly kind: 'missing'; readonly station: string };

export const PM25_AVERAGE_COLUMNS = ['station', 'window_start', 'window_end', 'readings', 'pm25_avg'] as const;
export const PM25_ALERT_COLUMNS = ['station', 'hour', 'pm25', 'trailing_avg', 'trailing_readings'] as const;
export const PM25_LATE_COLUMNS = ['station', 'hour', 'pm25', 'in_averages'] as const;

/** Readings too late for every window they belong to (more than a day behind). */
export const LATE_READINGS = new OutputTag<Pm25Reading>('late-readings');
/** Readings at or below the watermark when they reach the spike check: remembered, not checked. */
export const UNCHECKED_READINGS = new OutputTag<Pm25Reading>('unchecked-readings');

interface SumAccumulator {
  readings: number;
  sumTenths: number;
}

/** Counts readings and sums their tenths. */
export const SUM_PM25: AggregateFunction<Pm25Reading, SumAccumulator, SumAccumulator> = {
  createAccumulator: () => ({ readings: 0, sumTenths: 0 }),
  add: (r, acc) => ({ readings: acc.readings + 1, sumTenths: acc.sumTenths + r.pm25Tenths }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ readings: a.readings + b.readings, sumTenths: a.sumTenths + b.sumTenths }),
};

/**
 * Compares each on-time reading with the station's readings of the 24 hours before it (see the
 * module doc); late readings go to {@link UNCHECKED_READINGS}.
 */
export class Pm25SpikeFunction extends KeyedProcessFunction<string, Pm25Reading, Pm25Alert> {
  private recent!: ListState<{ time: number; pm25Tenths: number }>;

  override open(): void {
    this.recent = this.getRuntimeContext().getListState(new ListStateDescriptor<{ time: number; pm25Tenths: number }>('last-24h'));
  }

  override processElement(reading: Pm25Reading, ctx: KeyedProcessContext<string>, out: Collector<Pm25Alert>): void {
    const watermark = ctx.timerService().currentWatermark();
    // Every later on-time reading is newer than the watermark, so it never needs older than this.
    const kept = this.recent.get().filter((r) => r.time > watermark - DAY_MS);
    if (reading.time <= watermark) {
      ctx.output(UNCHECKED_READINGS, reading);
    } else {
      const trailing = kept.filter((r) => r.time >= reading.time - DAY_MS && r.time < reading.time);
      const sum = trailing.reduce((s, r) => s + r.pm25Tenths, 0);
      // value > factor × sum / n, in integers: value × n > factor × sum.
      if (trailing.length >= MIN_TRAILING_READINGS && reading.pm25Tenths * trailing.length > ALERT_FACTOR * sum) {
        out.collect({ station: reading.station, time: reading.time, pm25Tenths: reading.pm25Tenths, trailingReadings: trailing.length, trailingSumTenths: sum });
      }
    }
    kept.push({ time: reading.time, pm25Tenths: reading.pm25Tenths });
    this.recent.update(kept);
  }
}

/** Epoch ms as Beijing local `YYYY-MM-DD HH:00`. */
export function beijingHour(epochMs: number): string {
  const iso = new Date(epochMs + BEIJING_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** `sumTenths / n` in µg/m³, rounded half up to one decimal: `(745, 2)` → `'37.3'`. */
export function averageText(sumTenths: number, n: number): string {
  const tenths = Math.round(sumTenths / n);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

const tenthsText = (t: number) => (t % 10 === 0 ? String(t / 10) : `${Math.floor(t / 10)}.${t % 10}`);

export default function pm25(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('pm25', ctx.args, {
    input: { type: 'string' },
    output: { type: 'string' },
    alerts: { type: 'string' },
    late: { type: 'string' },
    'out-of-orderness': { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/beijing_air_quality_12_stations_2013-03_2013-08.csv.gz');
  const output = outputPath(args.output, 'out/pm25-24h.csv');
  const alertsOutput = outputPath(args.alerts, 'out/pm25-alerts.csv');
  const lateOutput = outputPath(args.late, 'out/pm25-late.csv');
  const outOfOrdernessMs = secondsOption('out-of-orderness', args['out-of-orderness'], 3600) * SECOND_MS;
  const quiet = args.quiet === true;

  const source = FileSource.csv<AirReading>(input, {
    nullLiteral: 'NA',
    mapper: (row) => {
      const pm = row.optionalFloat('PM2.5');
      return {
        station: row.string('station'),
        time: Date.UTC(row.int('year'), row.int('month') - 1, row.int('day'), row.int('hour')) - BEIJING_OFFSET_MS,
        pm25Tenths: pm === undefined ? null : Math.round(pm * 10),
      };
    },
  });
  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<AirReading>(outOfOrdernessMs).withTimestampAssigner((r) => r.time));

  const readings = env.fromSource(source, watermarks, 'Beijing air quality').setParallelism(1);
  const pm25Readings = readings
    .flatMap<Pm25Reading>((r) => (r.pm25Tenths === null ? [] : [{ station: r.station, time: r.time, pm25Tenths: r.pm25Tenths }]))
    .name('readings with PM2.5')
    .setParallelism(1); // chained to the source: each station's readings stay in file order

  const averages = pm25Readings
    .keyBy((r) => r.station)
    .window(SlidingEventTimeWindows.of(DAY_MS, HOUR_MS))
    .sideOutputLateData(LATE_READINGS)
    .aggregate(SUM_PM25, (station: string, c: ProcessWindowContext<TimeWindow>, [acc]: SumAccumulator[], out: Collector<Pm25Average>) => {
      if (acc !== undefined) out.collect({ station, windowStart: c.window().start, windowEnd: c.window().end, readings: acc.readings, sumTenths: acc.sumTenths });
    })
    .name('trailing 24 h average');

  const alerts = pm25Readings.keyBy((r) => r.station).process(new Pm25SpikeFunction()).name('PM2.5 spikes');

  averages
    .map((average): Pm25Report => ({ kind: 'average', average }))
    .name('averages')
    .union(
      alerts.map((alert): Pm25Report => ({ kind: 'alert', alert })).name('alerts'),
      averages
        .getSideOutput(LATE_READINGS)
        .map((reading): Pm25Report => ({ kind: 'late', reading }))
        .name('late for the averages'),
      alerts
        .getSideOutput(UNCHECKED_READINGS)
        .map((reading): Pm25Report => ({ kind: 'unchecked', reading }))
        .name('late for the spike check'),
      readings
        .filter((r) => r.pm25Tenths === null)
        .name('NA readings')
        .setParallelism(1)
        .map((r): Pm25Report => ({ kind: 'missing', station: r.station }))
        .name('missing readings'),
    )
    .sinkTo(
      new CollectAllSink<Pm25Report>({
        outputs: [output, alertsOutput, lateOutput],
        onEnd: (reports) => {
          const byStationTime = <T extends { station: string }>(time: (x: T) => number) => (a: T, b: T) => (a.station < b.station ? -1 : a.station > b.station ? 1 : time(a) - time(b));
          const avgs = reports.flatMap((r) => (r.kind === 'average' ? [r.average] : [])).sort(byStationTime((a) => a.windowStart));
          const spikes = reports.flatMap((r) => (r.kind === 'alert' ? [r.alert] : [])).sort((a, b) => a.time - b.time || (a.station < b.station ? -1 : a.station > b.station ? 1 : 0));
          const droppedFromAverages = new Set(reports.flatMap((r) => (r.kind === 'late' ? [`${r.reading.station} ${r.reading.time}`] : [])));
          const late = reports.flatMap((r) => (r.kind === 'unchecked' ? [r.reading] : [])).sort(byStationTime((r) => r.time));
          const missing = reports.flatMap((r) => (r.kind === 'missing' ? [r.station] : []));
          writeCsvFile(output, PM25_AVERAGE_COLUMNS, avgs.map((a) => [a.station, beijingHour(a.windowStart), beijingHour(a.windowEnd), a.readings, averageText(a.sumTenths, a.readings)]));
          writeCsvFile(
            alertsOutput,
            PM25_ALERT_COLUMNS,
            spikes.map((a) => [a.station, beijingHour(a.time), tenthsText(a.pm25Tenths), averageText(a.trailingSumTenths, a.trailingReadings), a.trailingReadings]),
          );
          writeCsvFile(lateOutput, PM25_LATE_COLUMNS, late.map((r) => [r.station, beijingHour(r.time), tenthsText(r.pm25Tenths), droppedFromAverages.has(`${r.station} ${r.time}`) ? 'no' : 'yes']));
          if (!quiet) printSummary(avgs, spikes, late.length, droppedFromAverages.size, missing, [output, alertsOutput, lateOutput], outOfOrdernessMs);
        },
      }),
      'PM2.5 report',
    );
}

function printSummary(
  avgs: readonly Pm25Average[],
  spikes: readonly Pm25Alert[],
  late: number,
  droppedFromAverages: number,
  missing: readonly string[],
  outputs: readonly string[],
  outOfOrdernessMs: number,
): void {
  const stations = new Map<string, { windows: number; peak: Pm25Average | undefined; alerts: number; missing: number }>();
  const station = (name: string) => stations.get(name) ?? stations.set(name, { windows: 0, peak: undefined, alerts: 0, missing: 0 }).get(name)!;
  const full = (a: Pm25Average) => a.readings >= MIN_TRAILING_READINGS;
  for (const a of avgs) {
    const s = station(a.station);
    s.windows += 1;
    // The peak among windows with at least half a day of readings, earliest on ties.
    if (full(a) && (s.peak === undefined || a.sumTenths * s.peak.readings > s.peak.sumTenths * a.readings)) s.peak = a;
  }
  for (const a of spikes) station(a.station).alerts += 1;
  for (const m of missing) station(m).missing += 1;
  const rows = [...stations].sort(([a], [b]) => (a < b ? -1 : 1));
  const ratio = (a: Pm25Alert) => (a.pm25Tenths * a.trailingReadings) / a.trailingSumTenths;
  const biggest = [...spikes].sort((a, b) => ratio(b) - ratio(a) || a.time - b.time).slice(0, 5);
  const lines = [
    `PM2.5 at ${rows.length} stations: ${grouped(avgs.length)} trailing 24 h averages, ${grouped(spikes.length)} alerts (reading > ${ALERT_FACTOR} × the average of ≥ ${MIN_TRAILING_READINGS} readings in the 24 h before),`,
    `${grouped(missing.length)} readings missing (NA); ${grouped(late)} late readings not checked for spikes, ${grouped(droppedFromAverages)} of them dropped from the averages (out-of-orderness ${outOfOrdernessMs / SECOND_MS} s).`,
    textTable(
      ['station', 'NA', 'alerts', 'peak 24 h avg', 'window end (Beijing)'],
      rows.map(([name, s]) => [name, grouped(s.missing), grouped(s.alerts), s.peak === undefined ? '' : averageText(s.peak.sumTenths, s.peak.readings), s.peak === undefined ? '' : beijingHour(s.peak.windowEnd)]),
      [1, 2, 3],
    ),
    'Largest spikes:',
    textTable(
      ['station', 'hour (Beijing)', 'PM2.5', 'trailing avg', 'ratio'],
      biggest.map((a) => [a.station, beijingHour(a.time), tenthsText(a.pm25Tenths), averageText(a.trailingSumTenths, a.trailingReadings), ratio(a).toFixed(1)]),
      [2, 3, 4],
    ),
    ...outputs.map((o) => `Wrote ${o}`),
  ];
  console.log(lines.join('\n'));
}
