/**
 * The glue inside an operator chain. An operator's {@link Output} forwards each record directly to
 * the inputs of its chained successors (a function call, no message) and to the record writers of
 * its network edges, counting records out of the operator and into each successor as it goes.
 * Records fanned out to several successors are shared, not copied (as Flink with object reuse):
 * user functions must not mutate their input.
 */
import type { Output } from '../operators/stream-operator.js';
import type { OperatorIOMetrics } from '../telemetry/metrics.js';

/** Anything that takes records and watermarks: an operator's input adapter or a record writer. */
export interface Input {
  processElement(value: unknown, timestamp: number): void | Promise<void>;
  processWatermark(watermark: number): void | Promise<void>;
}

/** A successor and the metrics whose `recordsIn` counts what it receives (undefined for writers). */
export interface Target {
  input: Input;
  metrics: OperatorIOMetrics | undefined;
}

/** Sends each record to the targets in order; if one returns a Promise, later ones wait for it. */
function fanOut(targets: Target[], value: unknown, timestamp: number): void | Promise<void> {
  let pending: Promise<void> | undefined;
  for (const t of targets) {
    if (t.metrics !== undefined) t.metrics.recordsIn++;
    if (pending !== undefined) pending = pending.then(() => t.input.processElement(value, timestamp));
    else {
      const r = t.input.processElement(value, timestamp);
      if (r !== undefined) pending = r;
    }
  }
  return pending;
}

/** Sends a watermark to every distinct target, in order; async targets are awaited in turn. */
function watermarkAll(targets: Input[], watermark: number): void | Promise<void> {
  let pending: Promise<void> | undefined;
  for (const t of targets) {
    if (pending !== undefined) pending = pending.then(() => t.processWatermark(watermark));
    else {
      const r = t.processWatermark(watermark);
      if (r !== undefined) pending = r;
    }
  }
  return pending;
}

/** Builds the output of one operator from its main and side-output targets. */
export function createOutput(metrics: OperatorIOMetrics, main: Target[], side: Map<string, Target[]>): Output<unknown> {
  const all = [...new Set([...main, ...[...side.values()].flat()].map((t) => t.input))];
  const emitWatermark = (watermark: number): void | Promise<void> => watermarkAll(all, watermark);
  if (main.length === 1 && side.size === 0) {
    const t = main[0]!;
    const input = t.input;
    const tm = t.metrics;
    if (tm !== undefined) {
      return {
        collect(value, timestamp) {
          metrics.recordsOut++;
          tm.recordsIn++;
          return input.processElement(value, timestamp);
        },
        collectSide() {},
        emitWatermark,
      };
    }
    return {
      collect(value, timestamp) {
        metrics.recordsOut++;
        return input.processElement(value, timestamp);
      },
      collectSide() {},
      emitWatermark,
    };
  }
  return {
    collect(value, timestamp) {
      metrics.recordsOut++;
      return fanOut(main, value, timestamp);
    },
    collectSide(tagId, value, timestamp) {
      const targets = side.get(tagId);
      if (targets === undefined) return undefined;
      metrics.recordsOut++;
      return fanOut(targets, value, timestamp);
    },
    emitWatermark,
  };
}
