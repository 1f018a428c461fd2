import test from 'ava';
import {
  ConfigurationError,
  InvalidKeyError,
  JobExecutionError,
  RichMapFunction,
  StreamExecutionEnvironment,
  UserFunctionError,
  ValueStateDescriptor,
  WeirError,
  type InputStatus,
  type ReaderOutput,
  type Source,
  type SourceReader,
} from '../../lib/index.js';
import { turns } from '../helpers/async-probe.js';
import { RecordingSink } from '../helpers/recording-sink.js';

/** The error and its causes, outermost first. */
function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && out.length < 20; e = e instanceof Error ? e.cause : undefined) out.push(e);
  return out;
}

const codes = (err: unknown) => causeChain(err).map((e) => (e instanceof WeirError ? e.code : e instanceof Error ? e.name : typeof e));

// ---- User function failures ----

test('a map that throws on one record fails execute() with JobExecutionError naming operator, subtask and record', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, jobName: 'explode-job' });
  const sink = new RecordingSink<number>();
  env
    .fromCollection([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    .map((x) => {
      if (x === 7) throw new Error('seven is not allowed');
      return x;
    })
    .name('Exploder')
    .sinkTo(sink, 'Out');
  const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  t.is(err?.code, 'WEIR_ERR_JOB_FAILED');
  t.is((err as JobExecutionError).jobName, 'explode-job');
  const cause = err?.cause;
  t.true(cause instanceof UserFunctionError);
  const u = cause as UserFunctionError;
  t.is(u.code, 'WEIR_ERR_USER_FUNCTION');
  t.is(u.operatorName, 'Exploder');
  t.is(u.subtaskIndex, 0);
  t.is(u.record, 7);
  t.is((u.cause as Error).message, 'seven is not allowed');
  t.is(u.message, "operator 'Exploder' (subtask 0) failed on record 7: seven is not allowed");
  t.is(err?.message, `job 'explode-job' failed: ${u.message}`);
  // Records before the failure may have been written; the failing one and later ones never were.
  t.false(sink.records.includes(7));
});

test('at parallelism 4 the error names the subtask whose slice holds the record', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 4 });
  env
    .fromSequence(0, 399)
    .map((x) => {
      if (x === 250) throw new RangeError('bad 250');
      return x;
    })
    .name('Checker')
    .sinkTo(new RecordingSink<number>());
  const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  const u = err?.cause as UserFunctionError;
  t.true(u instanceof UserFunctionError);
  // fromSequence(0, 399) at parallelism 4: subtask i reads i*100 .. i*100+99; map is chained to it.
  t.is(u.subtaskIndex, Math.floor(250 / 100));
  t.is(u.operatorName, 'Checker');
  t.is(u.record, 250);
  t.true(u.cause instanceof RangeError);
  t.regex(err?.message ?? '', /'Checker' \(subtask 2\) failed on record 250: bad 250/);
});

test('an async rejection fails the job the same way', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromCollection([{ id: 1 }, { id: 2 }, { id: 3, name: 'bad' }, { id: 4 }])
    .map(async (r) => {
      await turns(1);
      if (r.name === 'bad') throw new Error('async failure');
      return r.id;
    })
    .name('AsyncLookup')
    .sinkTo(new RecordingSink<number>());
  const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  t.deepEqual(codes(err), ['WEIR_ERR_JOB_FAILED', 'WEIR_ERR_USER_FUNCTION', 'Error']);
  const u = err?.cause as UserFunctionError;
  t.is(u.operatorName, 'AsyncLookup');
  t.deepEqual(u.record, { id: 3, name: 'bad' });
  // fromCollection is non-parallel and rebalances to the 2 map subtasks starting at channel 0:
  // record index 2 goes to subtask 2 % 2 = 0.
  t.is(u.subtaskIndex, 0);
  t.regex(u.message, /failed on record \{"id":3,"name":"bad"\}: async failure/);
});

test('failures in filter, flatMap, keyed reduce and sink writes name their operators', async (t) => {
  const cases: [string, (env: StreamExecutionEnvironment) => void][] = [
    [
      'Filter',
      (env) =>
        env
          .fromCollection([1, 2, 3])
          .filter((x) => {
            if (x === 2) throw new Error('f');
            return true;
          })
          .sinkTo(new RecordingSink<number>()),
    ],
    [
      'Flat Map',
      (env) =>
        env
          .fromCollection([1, 2, 3])
          .flatMap((x: number) => {
            if (x === 2) throw new Error('fm');
            return [x];
          })
          .sinkTo(new RecordingSink<number>()),
    ],
    [
      'Keyed Reduce',
      (env) =>
        env
          .fromCollection([1, 2, 3, 4])
          .keyBy(() => 'same')
          .reduce(() => {
            throw new Error('r');
          })
          .sinkTo(new RecordingSink<number>()),
    ],
    [
      'Sink: Fragile',
      (env) =>
        env.fromCollection([1, 2, 3]).sinkTo(
          new RecordingSink<number>({
            write: async (x) => {
              await turns(1);
              if (x === 2) throw new Error('disk full');
            },
          }),
          'Fragile',
        ),
    ],
  ];
  for (const [operator, build] of cases) {
    const env = StreamExecutionEnvironment.create();
    build(env);
    const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError }, operator);
    const u = err?.cause as UserFunctionError;
    t.true(u instanceof UserFunctionError, operator);
    t.is(u.operatorName, operator);
  }
});

// ---- Invalid keys ----

test('an object key fails the job with WEIR_ERR_INVALID_KEY in the cause chain (p=1 and p=2)', async (t) => {
  for (const p of [1, 2]) {
    const env = StreamExecutionEnvironment.create({ parallelism: p });
    env
      .fromSequence(1, 10)
      .keyBy((x) => ({ bucket: x % 2 }))
      .reduce((a, b) => a + b)
      .sinkTo(new RecordingSink<number>());
    const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
    const invalid = causeChain(err).find((e) => e instanceof InvalidKeyError) as InvalidKeyError | undefined;
    t.truthy(invalid, `p=${p}: ${codes(err).join(' <- ')}`);
    t.is(invalid?.code, 'WEIR_ERR_INVALID_KEY');
  }
});

// ---- Configuration errors ----

test('a job with no sinks throws ConfigurationError from execute()', async (t) => {
  const env = StreamExecutionEnvironment.create();
  env.fromCollection([1, 2, 3]).map((x) => x);
  const err = await t.throwsAsync(env.execute(), { instanceOf: ConfigurationError });
  t.is(err?.code, 'WEIR_ERR_CONFIG');
});

test('keyed state on a non-keyed stream fails with a ConfigurationError that says to use keyBy', async (t) => {
  class StateInOpen extends RichMapFunction<number, number> {
    override open(): void {
      this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
    }
    map(x: number): number {
      return x;
    }
  }
  class StateInMap extends RichMapFunction<number, number> {
    map(x: number): number {
      return this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n', 0)).value() ?? x;
    }
  }
  for (const fn of [StateInOpen, StateInMap]) {
    const env = StreamExecutionEnvironment.create();
    env.fromCollection([1, 2, 3]).map(fn).sinkTo(new RecordingSink<number>());
    const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
    const config = causeChain(err).find((e) => e instanceof ConfigurationError) as ConfigurationError | undefined;
    t.truthy(config, `${fn.name}: ${codes(err).join(' <- ')}`);
    t.regex(config?.message ?? '', /keyBy/);
  }
});

test('setParallelism rejects 0, negatives, fractions and values above 32768', (t) => {
  const env = StreamExecutionEnvironment.create();
  const op = env.fromSequence(0, 1).map((x) => x);
  const sink = op.sinkTo(new RecordingSink<number>());
  for (const bad of [0, -1, 1.5, 32769, Number.NaN]) {
    t.throws(() => op.setParallelism(bad), { instanceOf: ConfigurationError }, `operator ${bad}`);
    t.throws(() => sink.setParallelism(bad), { instanceOf: ConfigurationError }, `sink ${bad}`);
    t.throws(() => env.setParallelism(bad), { instanceOf: ConfigurationError }, `env ${bad}`);
    t.throws(() => StreamExecutionEnvironment.create({ parallelism: bad }), { instanceOf: ConfigurationError }, `create ${bad}`);
  }
  t.throws(() => StreamExecutionEnvironment.create({ batchSize: 0 }), { instanceOf: ConfigurationError });
  t.throws(() => StreamExecutionEnvironment.create({ mailboxCapacity: 0 }), { instanceOf: ConfigurationError });
  t.throws(() => env.setMaxParallelism(0), { instanceOf: ConfigurationError });
  t.notThrows(() => op.setParallelism(32768));
});

test('a non-parallel source given an explicit parallelism > 1 is a ConfigurationError', (t) => {
  const env = StreamExecutionEnvironment.create();
  env.fromCollection([1]).setParallelism(2).sinkTo(new RecordingSink<number>());
  t.throws(() => env.getJobGraph(), { instanceOf: ConfigurationError });
});

// ---- Cleanup after failure ----

test('a failing job closes every sink writer exactly once (chained and remote sinks) and returns', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 4 });
  const chained = new RecordingSink<number>();
  const remote = new RecordingSink<number>({
    write: async () => {
      await turns(1);
    },
  });
  const mapped = env.fromSequence(0, 3999).map((x) => {
    if (x === 3000) throw new Error('boom');
    return x;
  });
  mapped.sinkTo(chained, 'Chained');
  mapped.rebalance().sinkTo(remote, 'Remote');
  await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  t.is(chained.writers.length, 4);
  t.is(remote.writers.length, 4);
  for (const w of [...chained.writers, ...remote.writers]) t.is(w.closeCalls, 1, `writer of subtask ${w.subtaskIndex}`);
  t.false(chained.records.includes(3000));
});

test('a failing source reader fails the job; every reader is closed once', async (t) => {
  const closes: number[] = [];
  class FailingSource implements Source<number> {
    readonly boundedness = 'BOUNDED' as const;
    createReader(ctx: { subtaskIndex: number }): SourceReader<number> {
      let next = 0;
      return {
        start() {},
        pollNext(out: ReaderOutput<number>): InputStatus {
          if (ctx.subtaskIndex === 1 && next === 5) throw new Error('read error');
          out.collect(next++);
          return next < 1_000 ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
        },
        isAvailable: () => Promise.resolve(),
        close() {
          closes.push(ctx.subtaskIndex);
        },
      };
    }
  }
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  env.fromSource(new FailingSource(), 'Flaky').sinkTo(new RecordingSink<number>());
  const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  t.regex(err?.message ?? '', /read error/);
  t.deepEqual(closes.sort(), [0, 1, 2]);
});

test('a failing open() of a rich function fails the job with that error as cause', async (t) => {
  class BadOpen extends RichMapFunction<number, number> {
    override open(): Promise<void> {
      return Promise.reject(new Error('cannot connect'));
    }
    map(x: number): number {
      return x;
    }
  }
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const sink = new RecordingSink<number>();
  env.fromSequence(1, 100).map(BadOpen).sinkTo(sink);
  const err = await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  t.true(causeChain(err).some((e) => e instanceof Error && e.message === 'cannot connect'));
  t.deepEqual(sink.records, []);
  for (const w of sink.writers) t.is(w.closeCalls, 1);
});

test('after a failed job the environment runs the next job normally', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromSequence(1, 10)
    .map(() => {
      throw new Error('x');
    })
    .sinkTo(new RecordingSink<number>());
  await t.throwsAsync(env.execute(), { instanceOf: JobExecutionError });
  const out = await env.fromSequence(1, 10).executeAndCollect();
  t.deepEqual(
    [...out].sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
});
