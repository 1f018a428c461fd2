import test from 'ava';
import { readFileSync } from 'node:fs';
import { main } from '../../lib/cli/main.js';
import { captureIO } from './capture-io.js';

// In-process: these paths never load the runtime (run-job-file.js is imported lazily by `run`).
const argv = (...args: string[]) => ['node', 'weir', ...args];
const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

test('--version prints the package version and exits 0', async (t) => {
  const io = captureIO();
  t.is(await main(argv('--version'), io), 0);
  t.is(io.out(), `${version}\n`);
});

test('--help lists the run command and exits 0', async (t) => {
  const io = captureIO();
  t.is(await main(argv('--help'), io), 0);
  t.regex(io.out(), /run \[options\] <job> \[args\.\.\.\]/);
});

test('no sub-command is a usage error (exit 2)', async (t) => {
  const io = captureIO();
  t.is(await main(argv(), io), 2);
});

test('an unknown sub-command is a usage error (exit 2)', async (t) => {
  const io = captureIO();
  t.is(await main(argv('frobnicate'), io), 2);
  t.regex(io.err(), /unknown command 'frobnicate'/);
});

test('run without a job file is a usage error (exit 2)', async (t) => {
  const io = captureIO();
  t.is(await main(argv('run'), io), 2);
  t.regex(io.err(), /missing required argument 'job'/);
});

for (const bad of ['abc', '0', '-3', '1.5', '99999999999999999999']) {
  test(`--parallelism ${bad} is a usage error (exit 2)`, async (t) => {
    const io = captureIO();
    t.is(await main(argv('run', 'job.ts', '--parallelism', bad), io), 2);
    t.regex(io.err(), /--parallelism <n>' argument .* is invalid\. must be a positive integer/);
  });
}

test('--max-parallelism is validated the same way (exit 2)', async (t) => {
  const io = captureIO();
  t.is(await main(argv('run', 'job.ts', '--max-parallelism', 'many'), io), 2);
  t.regex(io.err(), /must be a positive integer/);
});

test('an unknown option of run is a usage error (exit 2)', async (t) => {
  const io = captureIO();
  t.is(await main(argv('run', 'job.ts', '--bogus'), io), 2);
  t.regex(io.err(), /unknown option '--bogus'/);
});

test('--help lists the job-control and cluster commands', async (t) => {
  const io = captureIO();
  t.is(await main(argv('--help'), io), 0);
  for (const c of ['list [options]', 'savepoint [options] <job> [targetDirectory]', 'stop [options] <job>', 'cancel [options] <job>', 'jobmanager [options]', 'taskmanager [options]', 'topology [options] <job>', 'rescale [options] <job>', 'checkpoints [options] <job>']) t.true(io.out().includes(c), c);
});

test('cluster commands: --nats/--cluster is required, and a missing job manager is exit 1 with the reason', async (t) => {
  const missing = captureIO();
  t.is(await main(argv('topology', 'job-1'), missing), 2);
  t.regex(missing.err(), /--cluster <urls>/);
  const none = captureIO();
  t.is(await main(argv('list', '--cluster', 'nats://127.0.0.1:4222', '--subject-prefix', `nobody${process.pid}`), none), 1);
  t.regex(none.err(), /no job manager answered on nobody\d+\.api/);
});
