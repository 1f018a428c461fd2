import test from 'ava';
import { ConfigurationError, JobExecutionError, UserFunctionError } from '../../lib/errors.js';
import { JobLoadError } from '../../lib/cli/job-load-error.js';
import { createProgressReporter, exitCodeFor, formatError, formatFailure, formatProgress, formatSummary, groupPartFiles } from '../../lib/cli/run-report.js';
import { JobLookupError } from '../../lib/cli/job-lookup-error.js';
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

const base = {
  jobName: 'zones',
  netRuntimeMs: 2000,
  operators: [{ uid: 'a', name: 'Source: trips', parallelism: 1, recordsIn: 0, recordsOut: 10 }],
  outputs: [],
  checkpoints: { completed: 0, failed: 0, restarts: 0, restoredFrom: undefined, history: [] },
  warnings: [],
};
const record = (id: number, kind: 'checkpoint' | 'savepoint', path: string) => ({ id, kind, status: 'completed' as const, durationMs: 5, sizeBytes: 100, maxSyncMs: 1, maxAsyncMs: 1, maxAlignmentMs: 0, path });

test('formatSummary names restore, checkpoint counts, the latest checkpoint, savepoints and warnings', (t) => {
  const text = formatSummary({
    ...base,
    checkpoints: {
      completed: 3,
      failed: 1,
      restarts: 1,
      restoredFrom: '/sp/savepoint-job-1-aa-4',
      history: [record(1, 'checkpoint', '/chk/job-2/chk-1/_metadata'), record(2, 'savepoint', '/sp/savepoint-job-2-bb-2/_metadata'), record(3, 'checkpoint', '/chk/job-2/chk-3/_metadata')],
    },
    warnings: ['checkpoint 7 cannot be restored (truncated); falling back to checkpoint 6'],
  });
  t.is(
    text.split('\n').slice(3).join('\n'),
    [
      'weir: restored from /sp/savepoint-job-1-aa-4',
      'weir: checkpoints: 3 completed, 1 failed, 1 restart',
      'weir: latest checkpoint: /chk/job-2/chk-3',
      'weir: savepoint written to /sp/savepoint-job-2-bb-2',
      'weir: 1 warning:',
      '  - checkpoint 7 cannot be restored (truncated); falling back to checkpoint 6',
      '',
    ].join('\n'),
  );
});

test('formatSummary says how a job stopped or was cancelled, and by whom', (t) => {
  const savepoint = { path: '/sp/savepoint-job-1-aa-5', checkpointId: 5 };
  const stopped = formatSummary({ ...base, checkpoints: { ...base.checkpoints, completed: 1, history: [record(5, 'savepoint', '/sp/savepoint-job-1-aa-5/_metadata')] } }, { status: 'STOPPED', savepoint, by: 'command' });
  t.regex(stopped, /^weir: job 'zones' stopped with a savepoint after 2000 ms \(weir stop\)\n/);
  t.is(stopped.match(/savepoint written to \/sp\/savepoint-job-1-aa-5$/gm)?.length, 1, 'the savepoint is named once');
  // Even when the record fell out of the bounded history, the stop's savepoint is named.
  t.regex(formatSummary(base, { status: 'STOPPED', savepoint, by: 'SIGTERM' }), /\(SIGTERM\)[\s\S]*weir: savepoint written to \/sp\/savepoint-job-1-aa-5\n$/);
  t.regex(formatSummary(base, { status: 'CANCELED', by: 'command' }), /^weir: job 'zones' was cancelled after 2000 ms \(weir cancel\)/);
  t.regex(formatSummary(base, { status: 'CANCELED', by: 'SIGINT' }), /^weir: job 'zones' was cancelled after 2000 ms \(SIGINT\)/);
});

test('formatError reports any headline with code and causes', (t) => {
  const err = new JobExecutionError('zones', new Error('disk full'));
  t.regex(formatError("cannot stop job 'zones' (job-1-aa)", err), /^weir: cannot stop job 'zones' \(job-1-aa\): .*disk full\n {2}code: WEIR_ERR_JOB_FAILED\n/);
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

test('exitCodeFor maps codes: load 3, config and job lookup 2, anything else 1', (t) => {
  t.is(exitCodeFor(new JobLoadError('/f.ts', 'nope')), 3);
  t.is(exitCodeFor(new ConfigurationError('job defined no sinks')), 2);
  t.is(exitCodeFor(new JobLookupError('zones', 'no running job', [])), 2);
  t.is(exitCodeFor(new JobExecutionError('j', new Error('x'))), 1);
  t.is(exitCodeFor(new TypeError('x')), 1);
});

test('groupPartFiles lists a directory of part files once, with their count', (t) => {
  t.deepEqual(groupPartFiles(['/o/tips/part-0-0.csv', '/o/a.csv', '/o/tips/part-1-0.csv', '/o/tips/part-0-1.csv', 'stdout']), ['/o/tips/ (3 part files)', '/o/a.csv', 'stdout']);
  t.deepEqual(groupPartFiles(['/o/x/part-0-0.ndjson.gz']), ['/o/x/ (1 part file)']);
});
