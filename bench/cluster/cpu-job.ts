/**
 * The job of the cluster scaling benchmark (cluster-bench.ts), loaded by path on the job manager
 * and on every task slot: a generator of N `{key, value}` records → a map doing CPU work per
 * record (`iterations` rounds of a 32-bit LCG/xorshift mix) → keyBy(key) → reduce (sum of the
 * mixed values, 32-bit) → a sink that discards. Args: N iterations [keys].
 */
import type { DataStream, JobContext, Sink, SinkWriter, StreamExecutionEnvironment } from 'weir';
import { GeneratorSource, type BenchRecord } from '../generator-source.js';

class DiscardingSink implements Sink<BenchRecord> {
  createWriter(): SinkWriter<BenchRecord> {
    return { write() {}, flush() {}, close() {} };
  }
}

/** `iterations` rounds of an LCG step and an xorshift on `x` (32-bit). */
export function mix(x: number, iterations: number): number {
  let h = x | 0;
  for (let i = 0; i < iterations; i++) {
    h = (Math.imul(h, 1664525) + 1013904223) | 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/**
 * The job's pipeline up to its sink: N generated records → `mix` per record → keyBy(key) → reduce
 * (32-bit sum). Shared with bench/slots/cpu-sum-job.ts, which checks the sums.
 */
export function cpuSums(env: StreamExecutionEnvironment, n: number, iterations: number, keys: number): DataStream<BenchRecord> {
  return env
    .fromSource(new GeneratorSource(n, keys), 'numbers')
    .uid('numbers')
    .map((r): BenchRecord => ({ key: r.key, value: mix(r.value, iterations) }))
    .uid('cpu')
    .keyBy((r) => r.key)
    .reduce((a, b): BenchRecord => ({ key: a.key, value: (a.value + b.value) >>> 0 }))
    .uid('sum');
}

export default function job(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const [n, iterations, keys] = ctx.args;
  cpuSums(env, Number(n ?? 1_000_000), Number(iterations ?? 200), Number(keys ?? 1000))
    .sinkTo(new DiscardingSink(), 'discard')
    .uid('sink');
}
