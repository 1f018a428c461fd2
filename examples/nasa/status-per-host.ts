/**
 * Requests, 404s and bytes per client host in the NASA Kennedy Space Center web server log of
 * 1 August 1995 (33,996 requests until the server was shut down for Hurricane Erin at 14:52 EDT):
 * prints the hosts with the most requests and writes every host, sorted by requests descending
 * (ties by host name), to a CSV file.
 *
 * Output columns: `host`, `requests`, `not_found` (responses 404), `bytes` (reply bytes, sum),
 * `first_request` and `last_request` (ISO 8601 UTC, from the log's epoch seconds).
 *
 * Flink concepts:
 * - `FileSource.csv` with `delimiter: '\t'` (TSV: some URLs contain commas) and epoch-second
 *   timestamps read with `row.timestamp('time', { unit: 's' })`.
 * - `keyBy(host)` and a `KeyedProcessFunction` holding per-host statistics in a `ValueState`
 *   (read, update, emit), Flink's canonical hand-written keyed aggregation; a rolling `reduce`
 *   (as in zone-revenue.ts) does the same with less code, this shows the state API.
 * - The per-host updates form an update stream that {@link FinalTableSink} turns into the final
 *   table at end of input (there are no windows yet).
 *
 * Run: `npx weir run examples/nasa/status-per-host.ts [-p N] [-- options]`
 * - `--input <file>`: the TSV log (default examples/data/nasa_http_access_1995-08-01.tsv.gz)
 * - `--output <file>`: the CSV written (default `out/status-per-host.csv` under the current directory)
 * - `--top <n>`: hosts printed (default 10); `--quiet`: print nothing
 */
import { resolve } from 'node:path';
import {
  FileSource,
  KeyedProcessFunction,
  ValueStateDescriptor,
  type Collector,
  type JobContext,
  type KeyedProcessContext,
  type StreamExecutionEnvironment,
  type ValueState,
} from 'weir';
import { FinalTableSink } from '../shared/final-table-sink.js';
import { outputPath, parseJobArgs, positiveIntOption } from '../shared/job-args.js';
import { grouped, textTable, writeCsvFile } from '../shared/table-output.js';

/** One HTTP request of the log. */
export interface HttpRequest {
  readonly host: string;
  /** Epoch ms. */
  readonly time: number;
  readonly response: number;
  readonly bytes: number;
}

/** Running statistics of one host. Times are epoch ms. */
export interface HostStats {
  readonly host: string;
  readonly requests: number;
  readonly notFound: number;
  readonly bytes: number;
  readonly firstRequest: number;
  readonly lastRequest: number;
}

/** Columns of the output CSV, in order. */
export const HOST_STATUS_COLUMNS = ['host', 'requests', 'not_found', 'bytes', 'first_request', 'last_request'] as const;

/** Adds each request to its host's {@link HostStats} in keyed state and emits the updated stats. */
export class HostStatsFunction extends KeyedProcessFunction<string, HttpRequest, HostStats> {
  private stats!: ValueState<HostStats>;

  override open(): void {
    this.stats = this.getRuntimeContext().getState(new ValueStateDescriptor<HostStats>('host-stats'));
  }

  override processElement(request: HttpRequest, _ctx: KeyedProcessContext<string>, out: Collector<HostStats>): void {
    const s = this.stats.value();
    const notFound = request.response === 404 ? 1 : 0;
    const next: HostStats =
      s === null
        ? { host: request.host, requests: 1, notFound, bytes: request.bytes, firstRequest: request.time, lastRequest: request.time }
        : {
            host: s.host,
            requests: s.requests + 1,
            notFound: s.notFound + notFound,
            bytes: s.bytes + request.bytes,
            firstRequest: Math.min(s.firstRequest, request.time),
            lastRequest: Math.max(s.lastRequest, request.time),
          };
    this.stats.update(next);
    out.collect(next);
  }
}

export default function statusPerHost(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('status-per-host', ctx.args, {
    input: { type: 'string' },
    output: { type: 'string' },
    top: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const input = args.input !== undefined ? resolve(args.input) : ctx.resolve('../data/nasa_http_access_1995-08-01.tsv.gz');
  const output = outputPath(args.output, 'out/status-per-host.csv');
  const top = positiveIntOption('top', args.top, 10);
  const quiet = args.quiet === true;

  const log = FileSource.csv<HttpRequest>(input, {
    delimiter: '\t',
    mapper: (row) => ({
      host: row.string('host'),
      time: row.timestamp('time', { unit: 's' }),
      response: row.int('response'),
      bytes: row.int('bytes'),
    }),
  });

  env
    .fromSource(log, 'NASA HTTP log')
    .keyBy((r) => r.host)
    .process(new HostStatsFunction())
    .name('requests per host')
    .sinkTo(
      new FinalTableSink<HostStats>({
        key: (s) => s.host,
        output,
        onEnd: (rows) => {
          rows.sort((a, b) => b.requests - a.requests || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
          const iso = (ms: number) => new Date(ms).toISOString();
          writeCsvFile(output, HOST_STATUS_COLUMNS, rows.map((s) => [s.host, s.requests, s.notFound, s.bytes, iso(s.firstRequest), iso(s.lastRequest)]));
          if (!quiet) printSummary(rows, top, output);
        },
      }),
      'host table',
    );
}

function printSummary(rows: readonly HostStats[], top: number, output: string): void {
  const requests = rows.reduce((n, s) => n + s.requests, 0);
  const notFound = rows.reduce((n, s) => n + s.notFound, 0);
  const with404 = rows.filter((s) => s.notFound > 0).length;
  const shown = rows.slice(0, top).map((s, i) => [i + 1, s.host, grouped(s.requests), grouped(s.notFound), grouped(s.bytes)]);
  const lines = [
    `Top ${Math.min(top, rows.length)} of ${grouped(rows.length)} hosts by requests (${grouped(requests)} requests, ${grouped(notFound)} of them 404 from ${grouped(with404)} hosts):`,
    textTable(['#', 'host', 'requests', '404s', 'bytes'], shown, [0, 2, 3, 4]),
    `Wrote ${grouped(rows.length)} hosts to ${output}`,
  ];
  console.log(lines.join('\n'));
}
