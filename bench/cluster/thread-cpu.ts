/**
 * CPU time of the calling thread (user + system, ms) from `/proc/thread-self/stat`, or undefined
 * where there is no such file (not Linux). Node 20 has no per-thread CPU clock (`process.cpuUsage`
 * covers every thread of the process), and the cluster benchmark reports sender and receiver
 * threads apart. Resolution is one clock tick (USER_HZ, 100 per second on Linux: 10 ms).
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10;

export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}
