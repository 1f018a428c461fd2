import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, repoRoot, runNode } from './node-process.js';

// End to end: `node bin/weir.js run <fixture>.ts` against the real environment, as a user runs it.
const tmp = mkdtempSync(join(tmpdir(), 'weir-run-'));
// Jobs register in WEIR_HOME while they run: keep them out of the user's ~/.weir.
const weir = (...args: string[]) => runNode([join(repoRoot, 'bin/weir.js'), ...args], { env: { WEIR_HOME: join(tmp, 'weir-home') } });
const fixture = (name: string) => join('test/fixtures/cli', name);

test.after.always(() => {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
});

/** The print sink's lines, tolerant of a `<subtask>> ` prefix and JSON quoting. */
const printed = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\d+> /, '').replace(/^"(.*)"$/, '$1'));

test.serial('a successful job prints its records on stdout and a summary on stderr (exit 0)', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-ok.ts'), '-p', '1');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(printed(r.stdout).sort(), ['ALPHA', 'BETA', 'GAMMA']);
  t.regex(r.stderr, /weir: job 'job-ok' finished in \d+ ms/);
  t.regex(r.stderr, /operator\s+parallelism\s+records in\s+records out/);
});

test.serial('--json prints the job result as one JSON line on stdout', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-ok.ts'), '--json', '-q');
  t.is(r.code, 0, r.stderr);
  const last = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  const result = JSON.parse(last) as { jobName: string; netRuntimeMs: number; operators: { recordsOut: number }[]; outputs: string[] };
  t.is(result.jobName, 'job-ok');
  t.is(typeof result.netRuntimeMs, 'number');
  t.true(result.operators.length >= 2);
  t.true(Array.isArray(result.outputs));
  t.notRegex(r.stderr, /finished in/);
});

test.serial('a map that throws fails the job (exit 1) and stderr names the operator and the record', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-fails.ts'));
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /^weir: job 'job-fails' failed: /m);
  t.regex(r.stderr, /operator '[^']+'/);
  t.true(r.stderr.includes('{"id":2,"zone":"LGA"}'), r.stderr);
  t.regex(r.stderr, /zone LGA is closed/);
  t.regex(r.stderr, /^ {2}code: WEIR_ERR_\w+$/m);
  t.regex(r.stderr, /^ {2,}caused by: /m);
  t.notRegex(r.stderr, /^\s+at /m); // stacks only with WEIR_DEBUG=1
});

test.serial('WEIR_DEBUG=1 adds stacks that point at the job .ts file', async (t) => {
  t.timeout(120_000);
  const r = await runNode([join(repoRoot, 'bin/weir.js'), 'run', fixture('job-fails.ts')], { env: { WEIR_DEBUG: '1', WEIR_HOME: join(tmp, 'weir-home') } });
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /job-fails\.ts:18:\d+/);
});

test.serial('arguments after -- reach ctx.args; -p sets ctx.parallelism', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-args.ts'), '-p', '2', '--', 'a', 'b', '--not-an-option');
  t.is(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('CTX ')) ?? '';
  const ctx = JSON.parse(line.slice(4)) as { args: string[]; parallelism: number; baseDir: string; data: string };
  t.deepEqual(ctx.args, ['a', 'b', '--not-an-option']);
  t.is(ctx.parallelism, 2);
  t.is(ctx.baseDir, join(repoRoot, 'test/fixtures/cli'));
  t.is(ctx.data, join(repoRoot, 'test/fixtures/cli/data/x.csv'));
});

test.serial('a job file without a default export cannot be loaded (exit 3)', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-no-default.ts'));
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /cannot load job 'job-no-default': .*has no default export/);
  t.regex(r.stderr, /code: WEIR_ERR_JOB_LOAD/);
});

test.serial('a missing job file cannot be loaded (exit 3)', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('no-such-job.ts'));
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /job file not found: .*no-such-job\.ts/);
});

test.serial('a job file with a syntax error cannot be loaded (exit 3) and the error shows where', async (t) => {
  t.timeout(120_000);
  const file = join(tmp, 'broken-job.ts');
  writeFileSync(file, 'export default function job(env) {\n  env.fromCollection([1]).print(;\n}\n');
  const r = await weir('run', file);
  t.is(r.code, 3, r.stderr);
  t.true(r.stderr.includes(`${file}:2:`), r.stderr);
});

test.serial('a job that defines no sinks is a configuration error (exit 2)', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-no-sinks.ts'));
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /code: WEIR_ERR_CONFIG/);
  t.regex(r.stderr, /sink/i);
});

test.serial('--parallelism abc is a usage error (exit 2)', async (t) => {
  t.timeout(120_000);
  const r = await weir('run', fixture('job-ok.ts'), '--parallelism', 'abc');
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /argument 'abc' is invalid\. must be a positive integer/);
  t.is(r.stdout, '');
});

test.serial('--slots 2 runs the .ts job on two worker-thread slots: same records, failures name the operator and record', async (t) => {
  t.timeout(120_000);
  const ok = await weir('run', fixture('job-ok.ts'), '-p', '2', '--slots', '2');
  t.is(ok.code, 0, ok.stderr);
  t.deepEqual(printed(ok.stdout).sort(), ['ALPHA', 'BETA', 'GAMMA']);
  const failed = await weir('run', fixture('job-fails.ts'), '--slots', '2');
  t.is(failed.code, 1, failed.stderr);
  t.regex(failed.stderr, /operator '[^']+'/);
  t.true(failed.stderr.includes('{"id":2,"zone":"LGA"}'), failed.stderr);
  t.regex(failed.stderr, /zone LGA is closed/);
});

test.serial('--slots with --cluster is a usage error (exit 2): task managers own the slots there', async (t) => {
  const r = await weir('run', fixture('job-ok.ts'), '--slots', '2', '--cluster', 'nats://127.0.0.1:1');
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--slots is for embedded runs/);
});
