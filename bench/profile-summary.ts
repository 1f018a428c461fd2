/**
 * `node dist/bench/profile-summary.js <file.cpuprofile> [--top N]`: prints the functions with the
 * most self time in a V8 CPU profile (as written by `node --cpu-prof`), aggregated by function and
 * source location, with their share of all samples. Used to find where a benchmark spends its time.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function (µs) and its share of the profile. */
export interface SelfTime {
  name: string;
  location: string;
  selfMicros: number;
  share: number;
}

/** Aggregates a V8 CPU profile into self time per function, most first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const frameOf = new Map<number, ProfileNode['callFrame']>();
  for (const n of profile.nodes) frameOf.set(n.id, n.callFrame);
  const byKey = new Map<string, SelfTime>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = frameOf.get(id);
    if (f === undefined) return;
    const file = f.url === '' ? '' : path.relative(process.cwd(), f.url.replace(/^file:\/\//, ''));
    const location = file === '' ? '' : `${file}:${f.lineNumber + 1}`;
    const name = f.functionName === '' ? '(anonymous)' : f.functionName;
    const key = `${name}@${location}`;
    const cur = byKey.get(key) ?? { name, location, selfMicros: 0, share: 0 };
    cur.selfMicros += dt;
    byKey.set(key, cur);
  });
  const out = [...byKey.values()].sort((a, b) => b.selfMicros - a.selfMicros);
  for (const s of out) s.share = total > 0 ? s.selfMicros / total : 0;
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: node dist/bench/profile-summary.js <file.cpuprofile> [--top N]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  for (const s of selfTimes(profile).slice(0, Number(values.top))) {
    console.log(`${(s.share * 100).toFixed(1).padStart(5)}%  ${(s.selfMicros / 1000).toFixed(0).padStart(6)} ms  ${s.name}  ${s.location}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
