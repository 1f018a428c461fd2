/** Wall-clock and process CPU time of one benchmark run. */

/** What one run cost. */
export interface Measurement<T> {
  result: T;
  /** Wall time, ms. */
  wallMs: number;
  /** Process CPU time (user + system, all threads: main, GC helpers, libuv), ms. */
  cpuMs: number;
}

/**
 * Runs `fn` once after a full GC (when Node runs with `--expose-gc`) and measures its wall time and
 * the process's CPU time. `cpuMs / wallMs` is the number of cores the run kept busy.
 */
export async function measure<T>(fn: () => T | Promise<T>): Promise<Measurement<T>> {
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Forces a full GC when `global.gc` is exposed (`node --expose-gc`); otherwise does nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The median of `xs` (mean of the two middle values for an even count). @throws RangeError when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
