import test from 'ava';
import { ConfigurationError, JobExecutionError, UserFunctionError } from '../../lib/errors.js';
import { JobLoadError } from '../../lib/cli/job-load-error.js';
import { createProgressReporter, exitCodeFor, formatFailure, formatProgress, formatSummary } from '../../lib/cli/run-report.js';
import { captureIO } from './capture-io.js';

const progress = (elapsedMs: number, recordsRead = 1000) => ({ elapsedMs, recordsRead, recordsPerSecond: 512.4, operators: [] });

test('formatProgress names job, whole seconds, records and rate', (t) => {
  t.is(formatProgress('zones', progress(3_700, 123_456)), 'weir: zones 3s, 123456 records read, 512 records/s');
});

test('progress stays quiet for 2 s, then one plain line per second when not a TTY', (t) => {
  const io = captureIO();
  const reporter = createProgressReporter(io.stderr, 'zones');
  for (const ms of [1000, 1999, 2000, 2500, 2980, 4000]) reporter.update(progress(ms));
  reporter.end();
  t.deepEqual(io.err().split('\n').filter(Boolean), [
    'weir: zones 2s, 1000 records read, 512 records/s',
    'weir: zones 2s, 1000 records read, 512 records/s', // 2980 ms: within the jitter slack of 3 s
    'weir: zones 4s, 1000 records read, 512 records/s',
  ]);
});

test('on a TTY progress rewrites one line and end() closes it', (t) => {
  const io = captureIO({}, true);
  const reporter = createProgressReporter(io.stderr, 'zones');
  reporter.update(progress(2000));
  reporter.update(progress(3000));
  reporter.end();
  t.is(io.err(), '\rweir: zones 2s, 1000 records read, 512 records/s\x1b[K\rweir: zones 3s, 1000 records read, 512 records/s\x1b[K\n');
});

test('end() writes nothing when no progress was shown', (t) => {
  const io = captureIO({}, true);
  const reporter = createProgressReporter(io.stderr, 'zones');
  reporter.update(progress(500));
  reporter.end();
  t.is(io.err(), '');
});

test('formatSummary aligns the operator table and lists outputs', (t) => {
  const text = formatSummary({
    jobName: 'zones',
    netRuntimeMs: 1234.6,
    operators: [
      { uid: 'a', name: 'Source: trips', parallelism: 4, recordsIn: 0, recordsOut: 120_000 },
      { uid: 'b', name: 'Map', parallelism: 12, recordsIn: 120_000, recordsOut: 7 },
    ],
    outputs: ['/tmp/out/zones.ndjson'],
    checkpoints: { completed: 0, failed: 0, restarts: 0, restoredFrom: undefined, history: [] },
    warnings: [],
  });
  t.is(
    text,
    [
      "weir: job 'zones' finished in 1235 ms",
      '  operator       parallelism  records in  records out',
      '  Source: trips            4           0       120000',
      '  Map                     12      120000            7',
      'weir: output written to /tmp/out/zones.ndjson',
      '',
    ].join('\n'),
  );
});

test('formatFailure prints the message once, the code and the indented cause chain', (t) => {
  const err = new JobExecutionError('zones', new UserFunctionError('Map', 0, { id: 2 }, new Error('zone closed')));
  t.is(
    formatFailure('zones', err),
    [
      `weir: job 'zones' failed: operator 'Map' (subtask 0) failed on record {"id":2}: zone closed`,
      '  code: WEIR_ERR_JOB_FAILED',
      '  caused by: UserFunctionError [WEIR_ERR_USER_FUNCTION]',
      '    caused by: Error: zone closed',
      '',
    ].join('\n'),
  );
});

test('formatFailure with debug adds stack frames; non-Error values are reported too', (t) => {
  const debug = formatFailure('zones', new JobExecutionError('zones', new Error('x')), true);
  t.regex(debug, /\n {4}at /);
  t.is(formatFailure('zones', 'just a string'), "weir: job 'zones' failed: just a string\n");
});

test('formatFailure says "cannot load" for job load errors', (t) => {
  t.regex(formatFailure('zones', new JobLoadError('/x/zones.ts', 'job file not found: /x/zones.ts')), /^weir: cannot load job 'zones': job file not found/);
});

test('exitCodeFor maps codes: load 3, config 2, anything else 1', (t) => {
  t.is(exitCodeFor(new JobLoadError('/f.ts', 'nope')), 3);
  t.is(exitCodeFor(new ConfigurationError('job defined no sinks')), 2);
  t.is(exitCodeFor(new JobExecutionError('j', new Error('x'))), 1);
  t.is(exitCodeFor(new TypeError('x')), 1);
});
