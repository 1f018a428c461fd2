/**
 * Harnesses for the operator a DataStream API call added to the graph (as Flink tests take the
 * operator out of `stream.getTransformation()`): the window operator of `….window(…).reduce(…)`,
 * the timestamps operator of `assignTimestampsAndWatermarks`, a window join's operator… The harness
 * is keyed with the transformation's key selector(s) and named after it.
 */
import type { DataStream } from 'weir';
import { OneInputOperatorTestHarness, TwoInputOperatorTestHarness, type HarnessRuntimeOptions } from 'weir/testing';
import type { OneInputTransformation, TwoInputTransformation } from '../../lib/api/transformation.js';

/** A harness for the one-input operator that produced `stream`. */
export function harnessOf<IN, OUT>(stream: DataStream<OUT>, options: HarnessRuntimeOptions = {}): OneInputOperatorTestHarness<IN, OUT> {
  const t = stream.transformation as OneInputTransformation;
  if (t.kind !== 'one-input') throw new Error(`harnessOf: '${t.name}' is a ${t.kind} transformation`);
  return new OneInputOperatorTestHarness<IN, OUT>(t.factory as never, { operatorName: t.name, ...options, keySelector: t.stateKeySelector as never });
}

/** A harness for the two-input operator that produced `stream`. */
export function twoInputHarnessOf<IN1, IN2, OUT>(stream: DataStream<OUT>, options: HarnessRuntimeOptions = {}): TwoInputOperatorTestHarness<IN1, IN2, OUT> {
  const t = stream.transformation as TwoInputTransformation;
  if (t.kind !== 'two-input') throw new Error(`twoInputHarnessOf: '${t.name}' is a ${t.kind} transformation`);
  return new TwoInputOperatorTestHarness<IN1, IN2, OUT>(t.factory as never, { operatorName: t.name, ...options, keySelector1: t.stateKeySelector1 as never, keySelector2: t.stateKeySelector2 as never });
}
