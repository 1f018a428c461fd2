/**
 * The window function of window joins and co-groups (Flink's `CoGroupedStreams.CoGroupWindowFunction`
 * with `JoinedStreams.JoinCoGroupFunction` / `FlatJoinCoGroupFunction`): the window holds the
 * elements of both inputs as {@link TaggedUnion}s; on firing they are split back into the first
 * and second input's elements (in arrival order) and handed to the user's `CoGroupFunction`, or,
 * for a join, every pair of the cartesian product goes to the `JoinFunction` / `FlatJoinFunction`
 * (so a key and window with elements on one side only produce no join result).
 *
 * @see org.apache.flink.streaming.api.datastream.CoGroupedStreams (CoGroupWindowFunction, TaggedUnion)
 * @see org.apache.flink.streaming.api.datastream.JoinedStreams (JoinCoGroupFunction, FlatJoinCoGroupFunction)
 */
import type { Collector } from '../api/functions.js';
import type { OperatorContext } from './stream-operator.js';
import { lifecycleOf, resolveFunction } from './user-function.js';
import type { WindowFunctionRunner, WindowFunctionSpec } from './window-function-runner.js';

/**
 * An element of either input of a window join (Flink's `TaggedUnion`): `tag` 1 for the first
 * input, 2 for the second.
 */
export interface TaggedUnion<T1, T2> {
  readonly tag: 1 | 2;
  readonly value: T1 | T2;
}

/** How the user function is applied: Flink's CoGroupFunction, JoinFunction or FlatJoinFunction. */
export type CoGroupKind = 'co-group' | 'join' | 'flat-join';

type Call = (...args: unknown[]) => unknown;

/** The window function spec running `userFn` as `kind` (resolved per subtask through the job's container). */
export function coGroupWindowFunction(kind: CoGroupKind, userFn: unknown): WindowFunctionSpec {
  return { kind: 'custom', create: (ctx) => coGroupRunner(kind, userFn, ctx) };
}

function coGroupRunner(kind: CoGroupKind, userFn: unknown, ctx: OperatorContext): WindowFunctionRunner {
  const fn = resolveFunction<Call>(userFn, kind === 'co-group' ? 'coGroup' : 'join', ctx);
  const call = fn.call;
  return {
    ...lifecycleOf(fn),
    process(_key, _window, _context, values, out) {
      const first: unknown[] = [];
      const second: unknown[] = [];
      for (const u of values as TaggedUnion<unknown, unknown>[]) (u.tag === 1 ? first : second).push(u.value);
      if (kind === 'co-group') return call(first, second, out) as void | Promise<void>;
      return joinPairs(kind, call, first, second, out, 0, 0);
    },
    clear: () => undefined,
  };
}

/** The nested loop of JoinCoGroupFunction / FlatJoinCoGroupFunction, awaiting async calls in order. */
function joinPairs(kind: 'join' | 'flat-join', call: Call, first: unknown[], second: unknown[], out: Collector<unknown>, i0: number, j0: number): void | Promise<void> {
  for (let i = i0; i < first.length; i++) {
    for (let j = i === i0 ? j0 : 0; j < second.length; j++) {
      const a = first[i];
      const b = second[j];
      const r = kind === 'join' ? call(a, b) : call(a, b, out);
      if (r instanceof Promise) {
        return r.then((x: unknown) => {
          if (kind === 'join') out.collect(x);
          return joinPairs(kind, call, first, second, out, j + 1 < second.length ? i : i + 1, j + 1 < second.length ? j + 1 : 0);
        });
      }
      if (kind === 'join') out.collect(r);
    }
  }
  return undefined;
}
