/**
 * Helpers for two-input tests: punctuated watermarks (a watermark right after every record, so
 * mid-stream watermarks are deterministic), a source that holds back part of its records until a
 * condition holds (to order the two inputs of an operator without sleeping), and an
 * order-insensitive canonical form for results of parallel jobs.
 */
import { WatermarkStrategy, type InputStatus, type ReaderOutput, type Source, type SourceReader } from '../../lib/index.js';

/** Timestamps from `ts`, and a watermark equal to each record's timestamp right after it. */
export function punctuated<T>(ts: (e: T) => number): WatermarkStrategy<T> {
  return WatermarkStrategy.forGenerator<T>(() => ({
    onEvent(_e: T, timestamp: number, out: { emitWatermark(ts: number): void }) {
      out.emitWatermark(timestamp);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => ts(e));
}

/** Sorted JSON strings: results of parallel subtasks compared without their interleaving. */
export const canon = (xs: readonly unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/**
 * A bounded, non-parallel source that emits `items[0..openCount)` at once and the rest only once
 * `gate()` returns true (checked on the event loop, never with a timer).
 */
export class GatedSource<T> implements Source<T> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;

  constructor(
    private readonly items: readonly T[],
    private readonly gate: () => boolean,
    private readonly openCount = 0,
  ) {}

  createReader(): SourceReader<T> {
    let next = 0;
    const { items, gate, openCount } = this;
    return {
      start() {},
      pollNext(out: ReaderOutput<T>): InputStatus {
        while (next < items.length && (next < openCount || gate())) out.collect(items[next++]!);
        return next === items.length ? 'END_OF_INPUT' : 'NOTHING_AVAILABLE';
      },
      isAvailable: () =>
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (gate()) resolve();
            else setImmediate(check);
          };
          check();
        }),
      close() {},
    };
  }
}
