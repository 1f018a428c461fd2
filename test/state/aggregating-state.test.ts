/**
 * AggregatingState with Flink's semantics (`get()` is null when empty, the first `add` starts from
 * `createAccumulator`, `get` is `getResult`), on the heap backend and through the RuntimeContext.
 */
import test from 'ava';
import { AggregatingStateDescriptor, ValueStateDescriptor } from '../../lib/state/descriptors.js';
import { HeapKeyedStateBackend } from '../../lib/state/heap-keyed-state-backend.js';
import { KeyGroupRange } from '../../lib/state/key-groups.js';
import { createRuntimeContext } from '../../lib/operators/runtime-context-impl.js';
import type { OperatorContext } from '../../lib/operators/stream-operator.js';
import { ManualClock } from '../../lib/time/clock.js';
import type { AggregateFunction } from '../../lib/window/window-functions.js';

interface Acc {
  sum: number;
  n: number;
}

/** Counts calls, to check which function runs when. */
function averageCounting(calls: string[]): AggregateFunction<number, Acc, string> {
  return {
    createAccumulator: () => {
      calls.push('create');
      return { sum: 0, n: 0 };
    },
    add: (v, acc) => {
      calls.push(`add ${v}`);
      return { sum: acc.sum + v, n: acc.n + 1 };
    },
    getResult: (acc) => {
      calls.push('result');
      return `${acc.sum}/${acc.n}`;
    },
    merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
  };
}

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend(8, new KeyGroupRange(0, 7), new ManualClock(0));
}

test('get is null without an accumulator; add starts from createAccumulator; get returns getResult', (t) => {
  const calls: string[] = [];
  const b = backend();
  const s = b.getAggregatingState(new AggregatingStateDescriptor('avg', averageCounting(calls)));
  b.setCurrentKey('a');
  t.is(s.get(), null);
  t.deepEqual(calls, [], 'no accumulator is created by get');
  s.add(3);
  s.add(5);
  t.is(s.get(), '8/2');
  t.deepEqual(calls, ['create', 'add 3', 'add 5', 'result']);
  b.setCurrentKey('b');
  t.is(s.get(), null, 'per key');
  s.add(1);
  t.is(s.get(), '1/1');
  b.setCurrentKey('a');
  s.clear();
  t.is(s.get(), null);
  t.is(b.entryCount(), 1);
});

test('the accumulator survives snapshot and restore', (t) => {
  const b = backend();
  const d = new AggregatingStateDescriptor('avg', averageCounting([]));
  const s = b.getAggregatingState(d);
  for (let i = 0; i < 20; i++) {
    b.setCurrentKey(i % 4);
    s.add(i);
  }
  const chains = b.snapshot(1, { incremental: false }).map((p) => ({ keyGroup: p.keyGroup, chain: [p.materialize() as Uint8Array] }));
  const r = backend();
  r.restore(chains);
  const s2 = r.getAggregatingState(d);
  r.setCurrentKey(1);
  t.is(s2.get(), `${1 + 5 + 9 + 13 + 17}/5`);
});

test('one name is one kind: asking for it as another kind throws ConfigurationError', (t) => {
  const b = backend();
  b.getAggregatingState(new AggregatingStateDescriptor('x', averageCounting([])));
  t.throws(() => b.getState(new ValueStateDescriptor('x')), { code: 'WEIR_ERR_CONFIG' });
});

function operatorContext(keyedBackend: HeapKeyedStateBackend | undefined): OperatorContext {
  // Only what createRuntimeContext reads.
  return { operatorName: 'op', subtaskIndex: 0, parallelism: 1, maxParallelism: 8, attemptNumber: 0, jobName: 'job', keyedBackend } as unknown as OperatorContext;
}

test('RuntimeContext.getAggregatingState gives the keyed aggregating state; on a non-keyed stream it throws', (t) => {
  const b = backend();
  const ctx = createRuntimeContext(operatorContext(b));
  const d = new AggregatingStateDescriptor('avg', averageCounting([]));
  const s = ctx.getAggregatingState(d);
  b.setCurrentKey('k');
  s.add(4);
  t.is(ctx.getAggregatingState(d).get(), '4/1');
  t.is(b.getAggregatingState(d), s, 'the same state object');
  t.throws(() => createRuntimeContext(operatorContext(undefined)).getAggregatingState(d), { code: 'WEIR_ERR_CONFIG', message: /keyed stream/ });
});
