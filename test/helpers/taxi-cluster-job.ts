/**
 * What the multi-process cluster tests share: the keyed, windowed taxi job with the exactly-once
 * FileSink (examples/taxi/fault-tolerant-hourly-tips.ts) on a slice of the real trips, its
 * `weir run --cluster --detached` arguments, polling the job manager for the job's status, and the
 * comparison of the committed rows with the plain-loop sums (the failure-free result).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataFile, readLines } from '../examples/example-helpers.js';
import { committedRows, tipsPerHourAndZone } from '../examples/tips-per-hour-and-zone.js';
import { clusterRequest } from '../../lib/cluster/cluster-client.js';
import type { ClusterConnectOptions } from '../../lib/cluster/cluster-options.js';
import type { JobSummary, TaskManagerInfo } from '../../actors/job-manager-actor.js';
import { waitFor } from './wait-for.js';

/** The job file, relative to the repository root. */
export const TAXI_JOB = 'examples/taxi/fault-tolerant-hourly-tips.ts';

/** Polling a job manager that may be failing over or reconnecting: a failed request means "not yet". */
export const CLUSTER_POLL = { timeoutMs: 90_000, everyMs: 100, ignoreErrors: true } as const;

/**
 * Writes the first `trips` trips of the quarter to `<dir>/trips.csv`.
 * @returns its path and the expected rows (plain loop, sorted).
 */
export function writeTripsSlice(dir: string, trips: number): { input: string; expected: string[][] } {
  const lines = readLines(dataFile('nyc_green_taxi_trips_2023-01_2023-03.csv.gz')).slice(0, trips + 1);
  const input = join(dir, 'trips.csv');
  writeFileSync(input, `${lines.join('\n')}\n`);
  return { input, expected: tipsPerHourAndZone(lines.join('\n')) };
}

/**
 * Arguments of `weir run <TAXI_JOB> --cluster … -p 3 --detached --json` with 100 ms checkpoints,
 * the source throttled to 4 000 trips/s (so the job runs long enough to be interrupted) and a
 * 200 ms restart delay; `checkpointDir` adds `--checkpoint-dir`.
 */
export function taxiRunArgs(o: { cluster: string; prefix: string; input: string; output: string; checkpointDir?: string }): string[] {
  return [
    'run', TAXI_JOB, '--cluster', o.cluster, '--subject-prefix', o.prefix, '-p', '3', '--detached', '--json', '--checkpoint-interval', '100',
    ...(o.checkpointDir !== undefined ? ['--checkpoint-dir', o.checkpointDir] : []),
    '--', '--input', o.input, '--output', o.output, '--throttle', '4000', '--restart-delay', '200',
  ];
}

/** The task managers registered with the job manager. */
export async function taskManagers(c: ClusterConnectOptions): Promise<TaskManagerInfo[]> {
  return (await clusterRequest<{ taskManagers: TaskManagerInfo[] }>(c, { op: 'taskmanagers' })).taskManagers;
}

/** The job manager's summary of `jobId`. */
export async function jobSummary(c: ClusterConnectOptions, jobId: string): Promise<JobSummary> {
  return (await clusterRequest<{ job: JobSummary }>(c, { op: 'status', jobId })).job;
}

/** Waits until the job has completed `n` checkpoints (`signal`: see {@link waitFor}). */
export async function waitForCheckpoints(c: ClusterConnectOptions, jobId: string, n: number, signal?: AbortSignal): Promise<void> {
  await waitFor(`${n} checkpoints`, async () => ((await jobSummary(c, jobId)).checkpointsCompleted >= n ? true : undefined), { ...CLUSTER_POLL, ...(signal !== undefined && { signal }) });
}

/** Waits until the job has ended (any terminal status), 180 s at most (`signal`: see {@link waitFor}). */
export function waitForJobEnd(c: ClusterConnectOptions, jobId: string, signal?: AbortSignal): Promise<JobSummary> {
  return waitFor('the job to end', async () => {
    const s = await jobSummary(c, jobId);
    return s.endedAt !== undefined ? s : undefined;
  }, { ...CLUSTER_POLL, timeoutMs: 180_000, ...(signal !== undefined && { signal }) });
}

/**
 * The committed rows of `output` against `expected` as a multiset: `rows` committed, and the first
 * five rows whose count differs (`[row, expected − committed]`), plus part files with a wrong header.
 * Exactly once is `{ rows: expected.length, wrong: [] }` with no bad header.
 */
export function exactlyOnceDiff(expected: readonly string[][], output: string): { rows: number; wrong: [string, number][]; badHeaders: string[] } {
  const committed = committedRows(output);
  const balance = new Map<string, number>();
  for (const r of expected) balance.set(r.join(','), (balance.get(r.join(',')) ?? 0) + 1);
  for (const r of committed.rows) balance.set(r.join(','), (balance.get(r.join(',')) ?? 0) - 1);
  const wrong = [...balance].filter(([, n]) => n !== 0).slice(0, 5);
  return { rows: committed.rows.length, wrong, badHeaders: committed.badHeaders };
}
