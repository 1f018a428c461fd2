/**
 * Long ride alerts (the Flink training exercise) on real NYC green-taxi trips: an alert for every
 * ride that lasts more than two hours, raised as soon as event time shows it, that is two hours
 * after its pickup, or when its END event arrives, whichever comes first. Prints how many rides were
 * flagged and how, and writes the alerts, by ride id, to a CSV file.
 *
 * The events. The training reads a stream of START and END events; the TLC file has one row per
 * completed trip, sorted by pickup. Stage 1 turns it into that stream: a ride's id is its data row
 * number (line − 1); its START event (pickup time, pickup zone) is emitted when the row is read,
 * and its END event (dropoff time, dropoff zone) is kept in keyed state until the watermark passes
 * the dropoff time (an event-time timer), so END events arrive in event-time order, as from a
 * fleet. Like the training's TaxiRideGenerator, this stage is one stream (parallelism 1), so the
 * alert stage reads the events and watermarks in one fixed order at every parallelism.
 *
 * Stage 2, {@link LongRideAlertFunction}, keyed by ride id, handles every order of arrival:
 * - START, then END before the timer: the END deletes the timer and alerts if the ride lasted
 *   more than 2 h (its END arrived before the watermark reached pickup + 2 h, which happens when
 *   the watermark jumps, e.g. across a gap in the data or at end of input);
 * - START, then the timer (watermark ≥ pickup + 2 h, no END yet): alert, remember that this ride
 *   was alerted, and ignore its END when it comes;
 * - END before START (not produced by stage 1, but possible from a real fleet and covered by the
 *   tests): keep the END, and decide when the START arrives.
 * Each ride is alerted at most once, and exactly when dropoff − pickup > 2 h.
 *
 * Time: naive New York wall-clock times read as America/New_York (DST-correct durations). The file
 * is sorted by pickup, so no START is late; the watermark (`max pickup seen − out-of-orderness −
 * 1 ms`, 60 s by default, emitted after every row: see shared/event-time.ts) only decides when
 * END events are released and timers fire. Process functions drop nothing: a late event is still
 * processed (a timer registered at or below the watermark fires at the next watermark).
 *
 * Flink concepts: `KeyedProcessFunction` with `ValueState`, `registerEventTimeTimer` /
 * `deleteEventTimeTimer` and `onTimer`; output timestamps (records from `onTimer` carry the timer's
 * time); watermarks forwarded after the timers they fire; `setParallelism(1)` for one stage.
 *
 * Run: `npx weir run examples/taxi/long-rides.ts [-p N] [-- options]`
 * - `--input <file>`: trips CSV (default: the full quarter, examples/data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz)
 * - `--zones <file>`: zone lookup for the names (default: examples/data/nyc_taxi_zone_lookup.csv.gz)
 * - `--output <file>`: alerts CSV (default `out/long-rides.csv`): ride_id, pickup (local),
 *   PULocationID, Zone, detected_by (`timer` or `end`), sorted by ride id
 * - `--out-of-orderness <seconds>`: watermark delay (default 60)
 * - `--quiet`: print nothing
 */
import { resolve } from 'node:path';
import {
  FileSource,
  KeyedProcessFunction,
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
import { emitWatermarkPerEvent, HOUR_MS, SECOND_MS } from '../shared/event-time.js';
import { outputPath, parseJobArgs, secondsOption } from '../shared/job-args.js';
import { grouped, textTable, writeCsvFile } from '../shared/table-output.js';
import { loadZoneLookup, type TaxiZone } from '../shared/zone-lookup.js';

const NEW_YORK = 'America/New_York';

/** A ride is long when dropoff − pickup exceeds this, ms. */
export const LONG_RIDE_MS = 2 * HOUR_MS;

/** One trip row. Times are epoch ms; `*Text` keep the file's local wall-clock text. */
export interface TaxiTrip {
  /** The data row number (line − 1), the ride's id. */
  readonly rideId: number;
  readonly pickup: number;
  readonly dropoff: number;
  readonly pickupText: string;
  readonly puLocationId: number;
  readonly doLocationId: number;
}

/** A START (at pickup, where) or END (at dropoff, where) event of a ride. */
export interface RideEvent {
  readonly rideId: number;
  readonly kind: 'START' | 'END';
  /** Event time, epoch ms: pickup for START, dropoff for END. */
  readonly time: number;
  /** Local wall-clock text of `time`, as in the file (START events only; '' for END). */
  readonly timeText: string;
  /** Pickup zone for START, dropoff zone for END. */
  readonly locationId: number;
}

/** An alert: the ride's START and how it was detected. */
export interface LongRideAlert {
  readonly rideId: number;
  readonly pickupText: string;
  readonly puLocationId: number;
  /** `timer`: two hours after pickup, before the END arrived; `end`: when the END arrived. */
  readonly detectedBy: 'timer' | 'end';
}

/** Columns of the output CSV, in order. */
export const LONG_RIDES_COLUMNS = ['ride_id', 'pickup', 'PULocationID', 'Zone', 'detected_by'] as const;

/**
 * Stage 1: emits a ride's START when its row is read and its END when the watermark passes the
 * dropoff time (the END waits in keyed state; one event-time timer per ride).
 */
export class RideEventsFunction extends KeyedProcessFunction<number, TaxiTrip, RideEvent> {
  private pendingEnd!: ValueState<RideEvent>;

  override open(): void {
    this.pendingEnd = this.getRuntimeContext().getState(new ValueStateDescriptor<RideEvent>('pending-end'));
  }

  override processElement(trip: TaxiTrip, ctx: KeyedProcessContext<number>, out: Collector<RideEvent>): void {
    out.collect({ rideId: trip.rideId, kind: 'START', time: trip.pickup, timeText: trip.pickupText, locationId: trip.puLocationId });
    this.pendingEnd.update({ rideId: trip.rideId, kind: 'END', time: trip.dropoff, timeText: '', locationId: trip.doLocationId });
    ctx.timerService().registerEventTimeTimer(trip.dropoff);
  }

  override onTimer(_timestamp: number, _ctx: OnTimerContext<number>, out: Collector<RideEvent>): void {
    const end = this.pendingEnd.value();
    if (end !== null) out.collect(end);
    this.pendingEnd.clear();
  }
}

/**
 * Stage 2: alerts once for every ride longer than {@link LONG_RIDE_MS}, whatever the order of its
 * START, its END and the watermark (see the module doc). State per ride: the first of its two
 * events until the second arrives, and whether the timer already alerted.
 */
export class LongRideAlertFunction extends KeyedProcessFunction<number, RideEvent, LongRideAlert> {
  private firstEvent!: ValueState<RideEvent>;
  private alerted!: ValueState<boolean>;

  override open(): void {
    this.firstEvent = this.getRuntimeContext().getState(new ValueStateDescriptor<RideEvent>('first-event'));
    this.alerted = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('alerted-by-timer'));
  }

  override processElement(event: RideEvent, ctx: KeyedProcessContext<number>, out: Collector<LongRideAlert>): void {
    if (this.alerted.value() === true) {
      // The timer alerted already; this is the END. The ride is done: drop its state.
      this.alerted.clear();
      return;
    }
    const first = this.firstEvent.value();
    if (first === null) {
      this.firstEvent.update(event);
      if (event.kind === 'START') ctx.timerService().registerEventTimeTimer(event.time + LONG_RIDE_MS);
      return; // an END first waits for its START
    }
    const start = first.kind === 'START' ? first : event;
    const end = first.kind === 'START' ? event : first;
    if (first.kind === 'START') ctx.timerService().deleteEventTimeTimer(first.time + LONG_RIDE_MS);
    if (end.time - start.time > LONG_RIDE_MS) out.collect(alertOf(start, 'end'));
    this.firstEvent.clear();
  }

  override onTimer(_timestamp: number, _ctx: OnTimerContext<number>, out: Collector<LongRideAlert>): void {
    const start = this.firstEvent.value();
    if (start === null || start.kind !== 'START') return;
    out.collect(alertOf(start, 'timer'));
    this.firstEvent.clear();
    this.alerted.update(true);
  }
}

function alertOf(start: RideEvent, detectedBy: 'timer' | 'end'): LongRideAlert {
  return { rideId: start.rideId, pickupText: start.timeText, puLocationId: start.locationId, detectedBy };
}

export default function longRides(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('long-rides', ctx.args, {
    input: { type: 'string' },
    zones: { type: 'string' },
    output: { type: 'string' },
    'out-of-orderness': { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz');
  const zonesFile = args.zones !== undefined ? resolve(args.zones) : ctx.resolve('../data/nyc_taxi_zone_lookup.csv.gz');
  const output = outputPath(args.output, 'out/long-rides.csv');
  const outOfOrdernessMs = secondsOption('out-of-orderness', args['out-of-orderness'], 60) * SECOND_MS;
  const quiet = args.quiet === true;
  const zones = loadZoneLookup(zonesFile);

  const source = FileSource.csv<TaxiTrip>(input, {
    mapper: (row) => ({
      rideId: row.line - 1,
      pickup: row.timestamp('lpep_pickup_datetime', { timeZone: NEW_YORK }),
      dropoff: row.timestamp('lpep_dropoff_datetime', { timeZone: NEW_YORK }),
      pickupText: row.string('lpep_pickup_datetime'),
      puLocationId: row.int('PULocationID'),
      doLocationId: row.int('DOLocationID'),
    }),
  });
  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<TaxiTrip>(outOfOrdernessMs).withTimestampAssigner((t) => t.pickup));

  env
    .fromSource(source, watermarks, 'green taxi trips')
    .setParallelism(1)
    .keyBy((t) => t.rideId)
    .process(new RideEventsFunction())
    .name('START and END events')
    .setParallelism(1)
    .keyBy((e) => e.rideId)
    .process(new LongRideAlertFunction())
    .name('long ride alerts')
    .sinkTo(
      new CollectAllSink<LongRideAlert>({
        outputs: [output],
        onEnd: (alerts) => {
          alerts.sort((a, b) => a.rideId - b.rideId);
          writeCsvFile(output, LONG_RIDES_COLUMNS, alerts.map((a) => [a.rideId, a.pickupText, a.puLocationId, zones.get(a.puLocationId)?.zone ?? '', a.detectedBy]));
          if (!quiet) printSummary(alerts, zones, output, outOfOrdernessMs);
        },
      }),
      'long ride alerts',
    );
}

function printSummary(alerts: readonly LongRideAlert[], zones: ReadonlyMap<number, TaxiZone>, output: string, outOfOrdernessMs: number): void {
  const byTimer = alerts.filter((a) => a.detectedBy === 'timer').length;
  const perZone = new Map<number, number>();
  for (const a of alerts) perZone.set(a.puLocationId, (perZone.get(a.puLocationId) ?? 0) + 1);
  const topZones = [...perZone].sort(([za, a], [zb, b]) => b - a || za - zb).slice(0, 5);
  const lines = [
    `Long rides: ${grouped(alerts.length)} rides lasted more than 2 hours (out-of-orderness ${outOfOrdernessMs / SECOND_MS} s):`,
    `  ${grouped(byTimer)} alerted by the timer at pickup + 2 h, before their END arrived`,
    `  ${grouped(alerts.length - byTimer)} alerted when their END arrived before the timer fired`,
    'Pickup zones with the most long rides:',
    textTable(
      ['PULocationID', 'Zone', 'rides'],
      topZones.map(([z, n]) => [z, zones.get(z)?.zone ?? '', grouped(n)]),
      [0, 2],
    ),
    `Wrote ${grouped(alerts.length)} alerts to ${output}`,
  ];
  console.log(lines.join('\n'));
}
