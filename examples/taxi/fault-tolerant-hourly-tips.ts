/**
 * Hourly tips per pickup zone, fault tolerant: the keyed, windowed first stage of
 * hourly-tips.ts (tips and trips per `PULocationID` per hour of pickup, tumbling 1 h event-time
 * windows) with checkpoints, a restart strategy, the exactly-once `FileSink`, and an optional
 * failure injected part-way, so that a crash and its recovery can be watched on real data, and
 * the output compared with a run that never failed.
 *
 * What makes it exactly-once end to end:
 * - the `FileSource` is replayable: each checkpoint stores the reader's byte offset (and line) in
 *   the file, and a restored reader goes on from there;
 * - the window contents (one accumulator per zone and hour) and the window timers are keyed state,
 *   snapshotted at each checkpoint barrier and restored with it;
 * - the `FileSink` is a two-phase-commit sink: every subtask writes a hidden in-progress part file;
 *   at a checkpoint barrier the part is closed and becomes pending, and only when the checkpoint has
 *   completed is it renamed to its final name `part-<subtask>-<n>.csv`. A crash throws away what
 *   was written after the last completed checkpoint (hidden files, deleted on restart), and the
 *   restored job writes it again. Readers only ever see the final files.
 * Event time is a function of the file (the watermark after every trip, shared/event-time.ts), so
 * the restored job fires the same windows with the same contents as an uninterrupted one: the
 * committed rows are the same, only their split into part files differs.
 *
 * Failures: `--fail-at <line,…>` makes the window operator's aggregate function throw when it
 * adds the trip of that input line (once per line per process, see shared/failure-injection.ts).
 * The restart strategy (fixed delay) then restarts the job from its last completed checkpoint, in
 * the same process. A crash of the whole process (`kill -9`) is recovered by running the job again
 * with `weir run … --from-checkpoint <checkpoint dir>`. The job retains its 3 newest checkpoints
 * (`--retained-checkpoints`), so a damaged newest checkpoint (found by its checksums) falls back
 * to the one before. `--throttle <trips/s>` paces the source (shared/throttle.ts) so that a
 * small input runs long enough to be interrupted; the results do not change.
 *
 * Flink concepts: `enableCheckpointing(ms, EXACTLY_ONCE)`, `CheckpointConfig`
 * (`setNumRetainedCheckpoints`), `setRestartStrategy(fixedDelayRestart)`, keyed tumbling event-time
 * windows with an `AggregateFunction` and a `ProcessWindowFunction`, `FileSink.csv` in directory
 * mode (Flink's FileSink with `OnCheckpointRollingPolicy`).
 *
 * Run: `npx weir run examples/taxi/fault-tolerant-hourly-tips.ts [-p N] [--checkpoint-interval MS]
 * [--checkpoint-dir DIR | --from-checkpoint DIR] [-- options]`
 * - `--input <file>`: trips CSV (default: the full quarter, examples/data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz)
 * - `--output <dir>`: the part files (default `out/fault-tolerant-hourly-tips/`), each with the
 *   header `hour_start,PULocationID,trips,tips` (hour_start ISO 8601 with its New York offset,
 *   tips in USD); rows in no particular order. Use an empty directory for a fresh run: a fresh
 *   start replaces parts of the same names but leaves other files there.
 * - `--checkpoint-interval <ms>`: checkpoint period (default 1000; `weir run --checkpoint-interval` overrides it)
 * - `--retained-checkpoints <n>`: completed checkpoints kept (default 3)
 * - `--restart-attempts <n>`, `--restart-delay <ms>`: the fixed-delay restart strategy (default 10, 100 ms)
 * - `--fail-at <line,…>`: input lines (header = line 1) at which to throw, once each
 * - `--throttle <trips/s>`: read at most this many trips per second (default: no limit)
 * - `--out-of-orderness <seconds>`: watermark delay (default 60)
 */
import { resolve } from 'node:path';
import {
  ConfigurationError,
  FileSink,
  FileSource,
  RestartStrategies,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type AggregateFunction,
  type Collector,
  type JobContext,
  type ProcessWindowContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'weir';
import { emitWatermarkPerEvent, HOUR_MS, SECOND_MS } from '../shared/event-time.js';
import { FailureInjector, failAtOption } from '../shared/failure-injection.js';
import { outputPath, parseJobArgs, positiveIntOption, secondsOption } from '../shared/job-args.js';
import { centsToDollars, dollarsToCents } from '../shared/table-output.js';
import { ThrottleFunction } from '../shared/throttle.js';
import { hourText, SUM_TIPS, type TipTrip, type ZoneHourTips } from './hourly-tips.js';

const NEW_YORK = 'America/New_York';

/** Columns of every part file, in order. */
export const FAULT_TOLERANT_TIPS_COLUMNS = ['hour_start', 'PULocationID', 'trips', 'tips'] as const;

/** One result as a CSV row keyed by {@link FAULT_TOLERANT_TIPS_COLUMNS}. */
export function tipsRow(h: ZoneHourTips): Record<(typeof FAULT_TOLERANT_TIPS_COLUMNS)[number], string | number> {
  return { hour_start: hourText(h.hourStart), PULocationID: h.puLocationId, trips: h.trips, tips: centsToDollars(h.tipCents) };
}

/**
 * hourly-tips.ts's {@link SUM_TIPS} with fault injection: `add` first asks `failures` whether to
 * throw at the trip's line.
 */
export function sumTipsFailingAt(failures: FailureInjector): AggregateFunction<TipTrip, { trips: number; tipCents: number }, { trips: number; tipCents: number }> {
  return {
    createAccumulator: () => SUM_TIPS.createAccumulator(),
    add: (trip, acc) => {
      failures.check(trip.line, 'tips per zone and hour');
      return SUM_TIPS.add(trip, acc);
    },
    getResult: (acc) => SUM_TIPS.getResult(acc),
    merge: (a, b) => SUM_TIPS.merge(a, b),
  };
}

/** Builds the pipeline; see the module docstring for the options. */
export default function faultTolerantHourlyTips(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('fault-tolerant-hourly-tips', ctx.args, {
    input: { type: 'string' },
    output: { type: 'string' },
    'checkpoint-interval': { type: 'string' },
    'retained-checkpoints': { type: 'string' },
    'restart-attempts': { type: 'string' },
    'restart-delay': { type: 'string' },
    'fail-at': { type: 'string' },
    throttle: { type: 'string' },
    'out-of-orderness': { type: 'string' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nyc_green_taxi_trips_2023-01_2023-03.csv.gz');
  const output = outputPath(args.output, 'out/fault-tolerant-hourly-tips');
  const outOfOrdernessMs = secondsOption('out-of-orderness', args['out-of-orderness'], 60) * SECOND_MS;
  const failures = new FailureInjector(failAtOption(args['fail-at']));
  const throttle = args.throttle === undefined ? undefined : positiveIntOption('throttle', args.throttle, 1);

  env.enableCheckpointing(positiveIntOption('checkpoint-interval', args['checkpoint-interval'], 1000), 'EXACTLY_ONCE');
  env.getCheckpointConfig().setNumRetainedCheckpoints(positiveIntOption('retained-checkpoints', args['retained-checkpoints'], 3));
  env.setRestartStrategy(
    RestartStrategies.fixedDelayRestart(positiveIntOption('restart-attempts', args['restart-attempts'], 10), millisecondsOption('restart-delay', args['restart-delay'], 100)),
  );

  const source = FileSource.csv<TipTrip>(input, {
    mapper: (row) => ({
      line: row.line,
      puLocationId: row.int('PULocationID'),
      pickup: row.timestamp('lpep_pickup_datetime', { timeZone: NEW_YORK }),
      tipCents: dollarsToCents(row.float('tip_amount')),
    }),
  });
  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<TipTrip>(outOfOrdernessMs).withTimestampAssigner((t) => t.pickup));

  env
    .fromSource(source, watermarks, 'green taxi trips')
    .setParallelism(1)
    .map(new ThrottleFunction<TipTrip>(throttle))
    .name('pace')
    .setParallelism(1)
    .keyBy((t) => t.puLocationId)
    .window(TumblingEventTimeWindows.of(HOUR_MS))
    .aggregate(sumTipsFailingAt(failures), (zone: number, c: ProcessWindowContext<TimeWindow>, [acc]: { trips: number; tipCents: number }[], out: Collector<ZoneHourTips>) => {
      if (acc !== undefined) out.collect({ hourStart: c.window().start, puLocationId: zone, trips: acc.trips, tipCents: acc.tipCents });
    })
    .name('tips per zone and hour')
    .sinkTo(FileSink.csv<ZoneHourTips>(output, { columns: tipsRow }), 'hourly tips files');
}

/**
 * A whole number of milliseconds ≥ 0 such as `--restart-delay 100`.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `value` is not such a number.
 */
function millisecondsOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new ConfigurationError(`--${name} must be a whole number of ms ≥ 0, got '${value}'`);
  return n;
}
