import test from 'ava';
import { join, resolve } from 'node:path';
import { createJobContext, jobNameOf } from '../../lib/cli/job-context.js';

test('baseDir is the job file directory and resolve() is relative to it', (t) => {
  const ctx = createJobContext('/jobs/taxi/zone-revenue.ts', ['2024-01'], 4);
  t.is(ctx.jobFile, '/jobs/taxi/zone-revenue.ts');
  t.is(ctx.baseDir, '/jobs/taxi');
  t.is(ctx.resolve('data/trips.csv'), '/jobs/taxi/data/trips.csv');
  t.is(ctx.resolve('/abs/x.csv'), '/abs/x.csv');
  t.deepEqual(ctx.args, ['2024-01']);
  t.is(ctx.parallelism, 4);
  t.true(Object.isFrozen(ctx));
});

test('a relative job file is resolved against the working directory', (t) => {
  const ctx = createJobContext('examples/job.ts', [], 1);
  t.is(ctx.jobFile, resolve('examples/job.ts'));
  t.is(ctx.baseDir, join(process.cwd(), 'examples'));
});

test('args are a copy the job may consume', (t) => {
  const args = ['a', 'b'];
  const ctx = createJobContext('/j.ts', args, 1);
  t.is(ctx.args.shift(), 'a');
  t.deepEqual(args, ['a', 'b']);
});

test('jobNameOf drops directory and extension', (t) => {
  t.is(jobNameOf('examples/taxi/zone-revenue.ts'), 'zone-revenue');
  t.is(jobNameOf('job.mjs'), 'job');
});
