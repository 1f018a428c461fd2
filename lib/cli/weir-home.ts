/**
 * Weir's per-user directory, `$WEIR_HOME` (default `~/.weir`): `jobs/` holds one registration file
 * per job running on this machine (see `job-registry.ts`), `run/` the Unix sockets of their control
 * endpoints. Both are created with mode 0700: whoever can connect to a socket can stop the job.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';

/** The directories of one Weir home; all paths are absolute. */
export interface WeirHome {
  /** `$WEIR_HOME`, or `~/.weir`. */
  readonly root: string;
  /** `<root>/jobs`: `<jobId>.json` per running job. */
  readonly jobsDir: string;
  /** `<root>/run`: `<jobId>.sock` per running job (unless that path is too long; see {@link allocateSocketPath}). */
  readonly runDir: string;
}

/**
 * Unix socket paths longer than this many bytes are not used (the kernel limit is 108 bytes on
 * Linux and 104 on macOS, including the terminating NUL; a margin keeps us clear of both).
 */
export const MAX_SOCKET_PATH_BYTES = 100;

/**
 * The Weir home named by `env.WEIR_HOME` (resolved against the current directory when relative),
 * or `~/.weir` when it is unset or empty. Creates nothing.
 */
export function weirHome(env: Readonly<Record<string, string | undefined>>): WeirHome {
  const configured = env['WEIR_HOME'];
  const root = resolvePath(configured !== undefined && configured !== '' ? configured : join(homedir(), '.weir'));
  return { root, jobsDir: join(root, 'jobs'), runDir: join(root, 'run') };
}

/** Creates the home's `jobs/` and `run/` directories (mode 0700) when missing. */
export async function ensureWeirHome(home: WeirHome): Promise<void> {
  await mkdir(home.jobsDir, { recursive: true, mode: 0o700 });
  await mkdir(home.runDir, { recursive: true, mode: 0o700 });
}

/** Where a job's control socket goes; `privateDir` is a directory made just for it, removed with it. */
export interface SocketLocation {
  readonly path: string;
  readonly privateDir: string | undefined;
}

/**
 * Picks the control socket path of job `jobId`: `<runDir>/<jobId>.sock`, or, when that exceeds
 * {@link MAX_SOCKET_PATH_BYTES} (a deep `WEIR_HOME`), `job.sock` in a new directory `weir-XXXXXX`
 * (mode 0700) under the OS temp directory, or under `/tmp` when even that is too long; then
 * `privateDir` names the new directory.
 * @throws Error when no short enough path can be made, or the file system's error when the
 *   directory cannot be created.
 */
export async function allocateSocketPath(home: WeirHome, jobId: string): Promise<SocketLocation> {
  const preferred = join(home.runDir, `${jobId}.sock`);
  if (Buffer.byteLength(preferred) <= MAX_SOCKET_PATH_BYTES) return { path: preferred, privateDir: undefined };
  for (const base of new Set([tmpdir(), '/tmp'])) {
    const dir = await mkdtemp(join(base, 'weir-')); // mkdtemp creates it with mode 0700
    const path = join(dir, 'job.sock');
    if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return { path, privateDir: dir };
    await rm(dir, { recursive: true, force: true });
  }
  throw new Error(`no Unix socket path of at most ${MAX_SOCKET_PATH_BYTES} bytes is available (WEIR_HOME ${home.root} and the temp directory are too deep)`);
}
