/**
 * Requests and 404 responses per client host per minute in the NASA Kennedy Space Center web
 * server log of 1 August 1995: tumbling one-minute event-time windows per host. Prints the busiest
 * host-minutes and writes every non-empty (minute, host) window, in time order, to a CSV file;
 * requests that arrive after their minute has closed go to a side output, counted and written to a
 * second CSV file.
 *
 * Event time: the `time` column, Unix epoch seconds (UTC), read as ms. Minutes are UTC minutes
 * (the log's local time, EDT, is a whole number of hours off, so they are local minutes too) and
 * are written as ISO 8601 UTC.
 *
 * Late data: the log is in time order, so nothing is late with any bound; the job allows 5 s
 * (`--out-of-orderness`), as one would for a log gathered from several servers. The watermark is
 * `max time seen − out-of-orderness − 1 ms`, emitted after every request (see
 * shared/event-time.ts) by a source with parallelism 1 (one gzip file has one reader), so whether a
 * request is late depends only on the order of the file: it is late when the last millisecond of
 * its minute is at or below the watermark it meets, i.e. when an earlier line of the file is at
 * least `out-of-orderness` past the end of its minute. Late requests
 * are not counted in any window (`allowedLateness` is 0); `sideOutputLateData` routes them to the
 * late CSV. The tests run the job on a copy of a slice with lines moved later.
 *
 * Flink concepts: `WatermarkStrategy.forBoundedOutOfOrderness` with a timestamp assigner;
 * `keyBy(host).window(TumblingEventTimeWindows.of(1 min))` with an incremental `AggregateFunction`
 * and a `ProcessWindowFunction` for the key and window; `sideOutputLateData(tag)` and
 * `getSideOutput(tag)`; `union` into one report sink.
 *
 * Run: `npx weir run examples/nasa/requests-per-minute.ts [-p N] [-- options]`
 * - `--input <file>`: the TSV log (default examples/data/nasa_http_access_1995-08-01.tsv.gz)
 * - `--output <file>`: windows CSV (default `out/requests-per-minute.csv`): minute_start (ISO UTC),
 *   host, requests, not_found; sorted by minute, then host
 * - `--late <file>`: late requests CSV (default `out/requests-per-minute-late.csv`): line (in the
 *   input file), time (ISO UTC), host, response; sorted by line
 * - `--out-of-orderness <seconds>`: watermark delay (default 5)
 * - `--top <n>`: host-minutes printed (default 10); `--quiet`: print nothing
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
import { emitWatermarkPerEvent, MINUTE_MS, SECOND_MS } from '../shared/event-time.js';
import { outputPath, parseJobArgs, positiveIntOption, secondsOption } from '../shared/job-args.js';
import { grouped, textTable, writeCsvFile } from '../shared/table-output.js';

/** One request of the log. */
export interface LoggedRequest {
  /** Line in the input file (the header is line 1). */
  readonly line: number;
  readonly host: string;
  /** Epoch ms. */
  readonly time: number;
  readonly response: number;
}

/** Requests of one host in one minute. */
export interface HostMinute {
  /** Start of the minute, epoch ms. */
  readonly minuteStart: number;
  readonly host: string;
  readonly requests: number;
  /** Responses 404. */
  readonly notFound: number;
}

/** What the report sink receives: a window's counts, or a late request. */
export type RequestsReport = { readonly kind: 'window'; readonly counts: HostMinute } | { readonly kind: 'late'; readonly request: LoggedRequest };

/** Columns of the windows CSV, in order. */
export const REQUESTS_PER_MINUTE_COLUMNS = ['minute_start', 'host', 'requests', 'not_found'] as const;
/** Columns of the late-requests CSV, in order. */
export const LATE_REQUESTS_COLUMNS = ['line', 'time', 'host', 'response'] as const;

/** Requests that arrive after their minute's window has closed. */
export const LATE_REQUESTS = new OutputTag<LoggedRequest>('late-requests');

interface Counts {
  requests: number;
  notFound: number;
}

/** Counts requests and 404 responses. */
export const COUNT_REQUESTS: AggregateFunction<LoggedRequest, Counts, Counts> = {
  createAccumulator: () => ({ requests: 0, notFound: 0 }),
  add: (r, acc) => ({ requests: acc.requests + 1, notFound: acc.notFound + (r.response === 404 ? 1 : 0) }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ requests: a.requests + b.requests, notFound: a.notFound + b.notFound }),
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export default function requestsPerMinute(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('requests-per-minute', ctx.args, {
    input: { type: 'string' },
    output: { type: 'string' },
    late: { type: 'string' },
    'out-of-orderness': { type: 'string' },
    top: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nasa_http_access_1995-08-01.tsv.gz');
  const output = outputPath(args.output, 'out/requests-per-minute.csv');
  const lateOutput = outputPath(args.late, 'out/requests-per-minute-late.csv');
  const outOfOrdernessMs = secondsOption('out-of-orderness', args['out-of-orderness'], 5) * SECOND_MS;
  const top = positiveIntOption('top', args.top, 10);
  const quiet = args.quiet === true;

  const log = FileSource.csv<LoggedRequest>(input, {
    delimiter: '\t',
    mapper: (row) => ({ line: row.line, host: row.string('host'), time: row.timestamp('time', { unit: 's' }), response: row.int('response') }),
  });
  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forBoundedOutOfOrderness<LoggedRequest>(outOfOrdernessMs).withTimestampAssigner((r) => r.time));

  const perMinute = env
    .fromSource(log, watermarks, 'NASA HTTP log')
    .setParallelism(1)
    .keyBy((r) => r.host)
    .window(TumblingEventTimeWindows.of(MINUTE_MS))
    .sideOutputLateData(LATE_REQUESTS)
    .aggregate(COUNT_REQUESTS, (host: string, c: ProcessWindowContext<TimeWindow>, [counts]: Counts[], out: Collector<HostMinute>) => {
      if (counts !== undefined) out.collect({ minuteStart: c.window().start, host, requests: counts.requests, notFound: counts.notFound });
    })
    .name('requests per host and minute');

  perMinute
    .map((counts): RequestsReport => ({ kind: 'window', counts }))
    .name('windows')
    .union(
      perMinute
        .getSideOutput(LATE_REQUESTS)
        .map((request): RequestsReport => ({ kind: 'late', request }))
        .name('late requests'),
    )
    .sinkTo(
      new CollectAllSink<RequestsReport>({
        outputs: [output, lateOutput],
        onEnd: (reports) => {
          const windows = reports
            .flatMap((r) => (r.kind === 'window' ? [r.counts] : []))
            .sort((a, b) => a.minuteStart - b.minuteStart || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
          const late = reports.flatMap((r) => (r.kind === 'late' ? [r.request] : [])).sort((a, b) => a.line - b.line);
          writeCsvFile(output, REQUESTS_PER_MINUTE_COLUMNS, windows.map((w) => [iso(w.minuteStart), w.host, w.requests, w.notFound]));
          writeCsvFile(lateOutput, LATE_REQUESTS_COLUMNS, late.map((r) => [r.line, iso(r.time), r.host, r.response]));
          if (!quiet) printSummary(windows, late, top, output, lateOutput, outOfOrdernessMs);
        },
      }),
      'requests per minute report',
    );
}

function printSummary(windows: readonly HostMinute[], late: readonly LoggedRequest[], top: number, output: string, lateOutput: string, outOfOrdernessMs: number): void {
  const requests = windows.reduce((n, w) => n + w.requests, 0);
  const notFound = windows.reduce((n, w) => n + w.notFound, 0);
  const minutes = new Set(windows.map((w) => w.minuteStart)).size;
  const shown = [...windows]
    .sort((a, b) => b.requests - a.requests || a.minuteStart - b.minuteStart || (a.host < b.host ? -1 : 1))
    .slice(0, top)
    .map((w, i) => [i + 1, iso(w.minuteStart), w.host, grouped(w.requests), grouped(w.notFound)]);
  const lines = [
    `Requests per host and minute: ${grouped(requests)} requests (${grouped(notFound)} of them 404) in ${grouped(windows.length)} host-minute windows over ${grouped(minutes)} minutes;`,
    `${grouped(late.length)} late requests sent to the side output (out-of-orderness ${outOfOrdernessMs / SECOND_MS} s).`,
    `Top ${shown.length} host-minutes by requests:`,
    textTable(['#', 'minute (UTC)', 'host', 'requests', '404s'], shown, [0, 3, 4]),
    `Wrote ${grouped(windows.length)} windows to ${output}`,
    `Wrote ${grouped(late.length)} late requests to ${lateOutput}`,
  ];
  console.log(lines.join('\n'));
}
