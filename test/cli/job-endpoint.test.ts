/**
 * In-process tests of the job-control pieces: the control endpoint's HTTP protocol (paths, methods,
 * bodies, status codes), the RunningJob state machine (409s, a failed stop returns to RUNNING, cancel
 * overrides stop) and the signal escalation of `weir run` (second signal cancels, third gives up),
 * on real jobs — the compiled fixture job, or a pipeline with the pausing test source.
 */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamExecutionEnvironment } from 'weir';
import type { ProcessSignals } from '../../lib/cli/cli-io.js';
import type { StopSignal } from '../../lib/cli/exit-codes.js';
import { JobControlClient } from '../../lib/cli/job-control-client.js';
import { JobControlError } from '../../lib/cli/job-control-error.js';
import { readRegistrations, type JobRegistration } from '../../lib/cli/job-registry.js';
import { runCommand, type RunCommandOptions } from '../../lib/cli/run-command.js';
import { RunningJob } from '../../lib/cli/running-job.js';
import { weirHome } from '../../lib/cli/weir-home.js';
import { PausingSequenceSource } from '../helpers/pausing-sequence-source.js';
import { captureIO } from './capture-io.js';

/** The fixture job, compiled by tsc next to this file (no TypeScript loader in-process). */
const fixture = fileURLToPath(new URL('./fixtures/keyed-totals.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'weir-ep-'));
let seq = 0;
const fresh = (name: string) => join(tmp, `${name}-${++seq}`);

test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

/** `process` as far as signal handling is concerned, driven by the test; `kill` only records. */
class TestSignals extends EventEmitter implements ProcessSignals {
  readonly pid = process.pid;
  readonly raised: StopSignal[] = [];
  kill(_pid: number, signal: StopSignal): void {
    this.raised.push(signal);
  }
  send(signal: StopSignal): void {
    this.emit(signal, signal);
  }
}

/** Starts `weir run` of the fixture in-process; resolves its exit code when it ends. */
function startRun(home: string, options: RunCommandOptions = {}, signals?: TestSignals, jobArgs: string[] = []) {
  const io = { ...captureIO({ WEIR_HOME: home }), signals };
  const exit = runCommand(fixture, jobArgs, { quiet: true, ...options }, io);
  return { io, exit };
}

/** Polls the registry of `home` (bounded) until one job is registered. */
async function registered(home: string, exit: Promise<unknown>, timeoutMs = 30_000): Promise<JobRegistration> {
  let ended = false;
  void exit.finally(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !ended) {
    const [r] = await readRegistrations(weirHome({ WEIR_HOME: home }));
    if (r !== undefined) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no job registered in ${home}`);
}

/** A raw HTTP request to a control socket: status, headers and parsed JSON body. */
function raw(socket: string, method: string, path: string, body?: string): Promise<{ status: number; allow: string | undefined; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function leftovers(home: string): string[] {
  return ['jobs', 'run'].flatMap((d) => (existsSync(join(home, d)) ? readdirSync(join(home, d)).map((f) => `${d}/${f}`) : []));
}

test.serial('the endpoint answers GET / and refuses unknown paths, wrong methods and bad bodies', async (t) => {
  t.timeout(60_000);
  const home = fresh('home');
  const { io, exit } = startRun(home);
  const reg = await registered(home, exit);

  const status = await raw(reg.socket, 'GET', '/');
  t.is(status.status, 200);
  t.like(status.body, { jobId: reg.jobId, jobName: 'keyed-totals', pid: process.pid, socket: reg.socket, jobFile: fixture, state: 'RUNNING', startedAt: reg.startedAt });

  const notFound = await raw(reg.socket, 'GET', '/jobs');
  t.is(notFound.status, 404);
  t.is(notFound.body.error?.code, 'WEIR_ERR_JOB_CONTROL');
  const wrongMethod = await raw(reg.socket, 'GET', '/savepoint');
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.allow, 'POST');
  const notJson = await raw(reg.socket, 'POST', '/savepoint', '{');
  t.is(notJson.status, 400);
  t.regex(notJson.body.error?.message ?? '', /not JSON/);
  const noDirectory = await raw(reg.socket, 'POST', '/savepoint', '{}');
  t.is(noDirectory.status, 400);
  const relative = await raw(reg.socket, 'POST', '/stop', JSON.stringify({ savepointDirectory: 'savepoints' }));
  t.is(relative.status, 400);
  t.regex(relative.body.error?.message ?? '', /absolute/);

  t.deepEqual(await new JobControlClient(reg.socket).cancel(), { jobId: reg.jobId });
  t.is(await exit, 1, io.err());
  t.deepEqual(leftovers(home), []);
});

test.serial('weir run --json reports a stop through the endpoint as status STOPPED with the savepoint', async (t) => {
  t.timeout(60_000);
  const home = fresh('home');
  const { io, exit } = startRun(home, { json: true });
  const reg = await registered(home, exit);
  const savepoint = await new JobControlClient(reg.socket).stop(fresh('savepoints'));
  t.is(await exit, 0, io.err());
  const result = JSON.parse(io.out().trimEnd().split('\n').at(-1) ?? '') as { status: string; stoppedBy: string; savepoint: unknown };
  t.like(result, { status: 'STOPPED', stoppedBy: 'command', savepoint });
  t.true(existsSync(join(savepoint.path, '_metadata')));
});

test.serial('a second SIGTERM during a stop-with-savepoint cancels instead (exit 143)', async (t) => {
  t.timeout(60_000);
  const home = fresh('home');
  const signals = new TestSignals();
  const { io, exit } = startRun(home, { stopWithSavepoint: fresh('savepoints') }, signals);
  await registered(home, exit);
  signals.send('SIGTERM');
  signals.send('SIGTERM');
  t.is(await exit, 143, io.err());
  t.regex(io.err(), /SIGTERM again: cancelling job 'keyed-totals' instead/);
  t.regex(io.err(), /was cancelled after \d+ ms \(SIGTERM\)/);
  t.deepEqual(signals.raised, []);
  t.is(signals.listenerCount('SIGTERM'), 0, 'listeners are removed when the job has ended');
});

test.serial('a signal while cancelling removes the registration at once and re-raises the signal', async (t) => {
  t.timeout(60_000);
  const home = fresh('home');
  const signals = new TestSignals();
  const { io, exit } = startRun(home, {}, signals);
  await registered(home, exit);
  signals.send('SIGINT');
  signals.send('SIGINT');
  t.deepEqual(signals.raised, ['SIGINT']);
  t.deepEqual(leftovers(home), [], 'deleted synchronously, before the process dies of the signal');
  t.regex(io.err(), /SIGINT again: exiting without waiting/);
  t.is(await exit, 130, io.err()); // the test's kill does not kill: the cancel completes
});

/** A running in-process job (pausing after 2000 numbers per subtask) under a RunningJob. */
async function pausedJob() {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const source = new PausingSequenceSource(1, 10_000, 2_000, 2);
  env.fromSource(source, 'numbers').uid('numbers').keyBy((x) => x % 5).sum().uid('sum').sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  const job = new RunningJob({ jobName: 'paused', jobFile: '/jobs/paused.ts' });
  const execution = env.execute({ onStarted: (c) => job.attach(c) });
  await source.paused;
  return { job, execution };
}

test.serial('RunningJob: a failed stop returns to RUNNING; savepoints are refused (409) while stopping; cancel overrides a stop', async (t) => {
  t.timeout(60_000);
  const { job, execution } = await pausedJob();
  t.is(job.state, 'RUNNING');
  const file = fresh('file');
  writeFileSync(file, '');
  await t.throwsAsync(job.stop(join(file, 'sub')), { code: 'WEIR_ERR_CHECKPOINT' });
  t.is(job.state, 'RUNNING', 'the job goes on after a failed stop, as in Flink');

  const stopping = job.stop(fresh('savepoints'));
  t.is(job.state, 'STOPPING');
  const refused = await t.throwsAsync(job.triggerSavepoint(fresh('savepoints')), { instanceOf: JobControlError });
  t.is(refused?.status, 409);
  t.regex(refused?.message ?? '', /is being stopped with a savepoint/);
  const cancelled = job.cancel();
  t.is(job.state, 'CANCELLING');
  await cancelled;
  await execution;
  t.deepEqual(await job.end(), { status: 'CANCELED', by: 'command' });
  // Its savepoint may or may not have completed before the cancel; either way the stop is settled.
  await stopping.then(
    (r) => t.regex(r.path, /savepoint-/),
    (err: unknown) => t.true(err instanceof Error),
  );
  const late = await t.throwsAsync(job.cancel(), { instanceOf: JobControlError });
  t.is(late?.status, 409);
});

test.serial('RunningJob: end() without a start rejects waiting calls', async (t) => {
  const never = new RunningJob({ jobName: 'never', jobFile: '/jobs/never.ts' });
  const waiting = never.cancel('SIGTERM');
  t.is(never.state, 'STARTING');
  t.deepEqual(await never.end(), { status: 'FINISHED' });
  await t.throwsAsync(waiting, { instanceOf: JobControlError, message: /ended before it started/ });
});

for (const when of ['before the job starts', 'at once after it started'] as const) {
  test.serial(`RunningJob: a stop asked for ${when} waits until the job is deployed, then stops it`, async (t) => {
    t.timeout(60_000);
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const source = new PausingSequenceSource(1, 1000, 100, 2);
    env.fromSource(source, 'numbers').uid('numbers').keyBy((x) => x % 3).sum().uid('sum').sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
    const job = new RunningJob({ jobName: 'early', jobFile: '/jobs/early.ts' });
    const dir = fresh('savepoints');
    let stop: Promise<{ path: string }> | undefined;
    if (when === 'before the job starts') {
      stop = job.stop(dir, 'SIGTERM');
      t.is(job.state, 'STARTING');
    }
    const execution = env.execute({
      onStarted: (c) => {
        job.attach(c);
        // The subtasks are not deployed yet: the coordinator declines until they are.
        stop ??= job.stop(dir, 'SIGTERM');
      },
    });
    const savepoint = await stop!;
    await execution;
    t.deepEqual(await job.end(), { status: 'STOPPED', savepoint, by: 'SIGTERM' });
    t.true(existsSync(join(savepoint.path, '_metadata')));
  });
}
