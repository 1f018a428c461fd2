/**
 * The job of the worker-thread slot scaling benchmark (slot-scaling-bench.ts), loaded by path on
 * every slot: a generator of N `{key, value}` records → a map doing CPU work per record
 * (`iterations` rounds of cpu-job.ts's `mix`) → keyBy(key) → reduce (32-bit sum) → a sink that
 * keeps each key's latest sum and, at end of input, writes them as JSON `{key: sum}` to
 * `<outDir>/sums-<subtask>.json`, so the benchmark checks them against a plain loop.
 * Args: outDir N iterations [keys].
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobContext, Sink, SinkWriter, SinkWriterContext, StreamExecutionEnvironment } from 'weir';
import type { BenchRecord } from '../generator-source.js';
import { cpuSums } from '../cluster/cpu-job.js';

/** Keeps the latest sum per key; writes them once, at end of input. */
class LatestSumSink implements Sink<BenchRecord> {
  constructor(private readonly outDir: string) {}

  createWriter(ctx: SinkWriterContext): SinkWriter<BenchRecord> {
    const latest = new Map<number, number>();
    const file = join(this.outDir, `sums-${ctx.subtaskIndex}.json`);
    ctx.reportOutput(file);
    return {
      write: (r) => void latest.set(r.key, r.value),
      flush: (endOfInput) => {
        if (endOfInput) writeFileSync(file, JSON.stringify(Object.fromEntries(latest)));
      },
      close() {},
    };
  }
}

export default function job(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const [outDir, n, iterations, keys] = ctx.args;
  cpuSums(env, Number(n ?? 1_000_000), Number(iterations ?? 200), Number(keys ?? 1000))
    .sinkTo(new LatestSumSink(outDir!), 'latest sums')
    .uid('sink');
}
