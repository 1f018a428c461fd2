/**
 * The registry of jobs running on this machine: `$WEIR_HOME/jobs/<jobId>.json` per job, written by
 * the `weir run` process once its control endpoint listens and removed when the job ends. It is
 * what `weir list`, `savepoint`, `stop` and `cancel` read to find a job's socket (the role of
 * Flink's JobManager REST endpoint, without a JobManager: each job serves itself).
 *
 * Files are written to a hidden temporary name and renamed into place, so a reader never sees half
 * a registration. A registration whose process is gone (`weir run` killed with SIGKILL, a crash)
 * is stale: readers skip it and {@link runningJobs} deletes it with its socket file.
 */
import { lstatSync, rmSync } from 'node:fs';
import { lstat, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { JobLookupError } from './job-lookup-error.js';
import { ensureWeirHome, type WeirHome } from './weir-home.js';

/** One running job, as registered in `$WEIR_HOME/jobs/<jobId>.json`. */
export interface JobRegistration {
  /** The job run's id (`job-<n>-<8 hex>`), unique on the machine. */
  readonly jobId: string;
  /** The job's name (by default the job file's name without extension). */
  readonly jobName: string;
  /** Process id of the `weir run` process running the job. */
  readonly pid: number;
  /** Absolute path of the Unix socket serving the job's control endpoint (HTTP). */
  readonly socket: string;
  /** When the job was deployed: ISO 8601 UTC (`2026-11-21T05:38:14.123Z`). */
  readonly startedAt: string;
  /** Absolute path of the job file. */
  readonly jobFile: string;
}

/** The registration file of `jobId` in `home`. */
export function registrationPath(home: WeirHome, jobId: string): string {
  return join(home.jobsDir, `${jobId}.json`);
}

/**
 * Writes `registration` atomically (mode 0600), creating the home's directories when missing.
 * @returns the file's path.
 * @throws the file system's error (e.g. `EACCES` for an unwritable `WEIR_HOME`).
 */
export async function writeRegistration(home: WeirHome, registration: JobRegistration): Promise<string> {
  await ensureWeirHome(home);
  const path = registrationPath(home, registration.jobId);
  const tmp = join(home.jobsDir, `.${registration.jobId}.json.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(registration, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}

/** Deletes the registration of `jobId`, if any. Never throws. */
export async function removeRegistration(home: WeirHome, jobId: string): Promise<void> {
  await rm(registrationPath(home, jobId), { force: true }).catch(() => undefined);
}

/** {@link removeRegistration}, synchronously (for the last moments of a process). Never throws. */
export function removeRegistrationSync(home: WeirHome, jobId: string): void {
  try {
    rmSync(registrationPath(home, jobId), { force: true });
  } catch {
    // best effort: a stale entry is cleaned by the next `weir list`
  }
}

/**
 * Every well-formed registration in `home`, alive or stale, oldest start first. Hidden files and
 * files that are not registrations are ignored; a missing directory gives `[]`.
 */
export async function readRegistrations(home: WeirHome): Promise<JobRegistration[]> {
  let names: string[];
  try {
    names = await readdir(home.jobsDir);
  } catch {
    return [];
  }
  const out: JobRegistration[] = [];
  for (const name of names) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    try {
      const value: unknown = JSON.parse(await readFile(join(home.jobsDir, name), 'utf8'));
      if (isRegistration(value) && `${value.jobId}.json` === name) out.push(value);
    } catch {
      // removed meanwhile, or not ours: skip
    }
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.jobId.localeCompare(b.jobId));
}

/**
 * Whether process `pid` exists (signal 0; a process of another user counts as existing).
 * A pid reused by an unrelated process also counts: {@link runningJobs} callers that connect
 * treat a refused connection as stale too.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The registrations of jobs whose process is alive; the stale ones are deleted together with
 * their socket files ({@link removeStale}) as a side effect.
 */
export async function runningJobs(home: WeirHome): Promise<JobRegistration[]> {
  const all = await readRegistrations(home);
  const live: JobRegistration[] = [];
  for (const r of all) {
    if (isProcessAlive(r.pid)) live.push(r);
    else await removeStale(home, r);
  }
  return live;
}

/**
 * Deletes a registration that no process serves any more, and its socket file when that is still
 * there and is a socket (never any other kind of file), and the socket's private directory when
 * it was one (`weir-XXXXXX`, see `allocateSocketPath`) and is now empty. Never throws.
 */
export async function removeStale(home: WeirHome, registration: JobRegistration): Promise<void> {
  await removeRegistration(home, registration.jobId);
  await removeSocketFile(home, registration.socket);
}

/** Unlinks `socket` if it is a Unix socket, then its private directory if empty. Never throws. */
export async function removeSocketFile(home: WeirHome, socket: string): Promise<void> {
  try {
    if ((await lstat(socket)).isSocket()) await rm(socket, { force: true });
  } catch {
    // already gone
  }
  const dir = dirname(socket);
  if (dir !== home.runDir && basename(dir).startsWith('weir-')) await rmdir(dir).catch(() => undefined);
}

/** {@link removeSocketFile}, synchronously. Never throws. */
export function removeSocketFileSync(home: WeirHome, socket: string): void {
  try {
    if (lstatSync(socket).isSocket()) rmSync(socket, { force: true });
  } catch {
    // already gone
  }
  const dir = dirname(socket);
  if (dir !== home.runDir && basename(dir).startsWith('weir-')) {
    try {
      rmSync(dir, { recursive: false });
    } catch {
      // not empty or gone
    }
  }
}

/**
 * Finds the job `ref` names among `jobs`: the job with that id, else the one job with that name.
 * @throws JobLookupError (`WEIR_ERR_JOB_LOOKUP`) when no job has that id or name (candidates: all
 *   of `jobs`), or when several jobs have that name (candidates: those; give the id instead).
 */
export function findJob(jobs: readonly JobRegistration[], ref: string): JobRegistration {
  const byId = jobs.find((j) => j.jobId === ref);
  if (byId !== undefined) return byId;
  const byName = jobs.filter((j) => j.jobName === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new JobLookupError(ref, `job name '${ref}' is ambiguous: ${byName.length} running jobs have it; give one of their ids:\n${describeJobs(byName)}`, byName);
  }
  const running = jobs.length === 0 ? 'no jobs are running' : `running jobs:\n${describeJobs(jobs)}`;
  throw new JobLookupError(ref, `no running job has the id or name '${ref}'; ${running}`, jobs);
}

/** One `  <id>  <name>  (pid <pid>)` line per job. */
function describeJobs(jobs: readonly JobRegistration[]): string {
  return jobs.map((j) => `  ${j.jobId}  ${j.jobName}  (pid ${j.pid})`).join('\n');
}

function isRegistration(v: unknown): v is JobRegistration {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['jobId'] === 'string' &&
    typeof r['jobName'] === 'string' &&
    typeof r['pid'] === 'number' &&
    typeof r['socket'] === 'string' &&
    typeof r['startedAt'] === 'string' &&
    typeof r['jobFile'] === 'string'
  );
}
