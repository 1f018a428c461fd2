/**
 * Test helper for fault tests: `weir run` child processes that a test can SIGKILL at a point it
 * chooses, and a watcher of the checkpoint directory they write. Every child is tracked so that
 * {@link killLeftovers} (from `test.after.always`) ends those still running: only processes started
 * here, by their own handle, never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: this file runs as dist/test/fault/weir-process.js. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** How a child ended: exit code (or `null` with the killing signal) and its output. */
export interface WeirExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `weir` child. */
export interface WeirProcess {
  readonly pid: number | undefined;
  /** Resolves when the child has exited (never rejects: a spawn error becomes exit code -1). */
  readonly exited: Promise<WeirExit>;
  /** True once {@link exited} resolved. */
  hasExited(): boolean;
  /** SIGKILLs the child (if still running) and resolves with how it ended. */
  kill(): Promise<WeirExit>;
}

const running = new Set<ChildProcess>();

/**
 * Starts `node bin/weir.js <args>` in the repository root (stdout and stderr collected), with
 * `env` added to (or, for `undefined`, removed from) this process's environment. Pass a temporary
 * `WEIR_HOME`: `weir run` registers each running job there, and a killed process cannot remove
 * its registration.
 */
export function startWeir(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): WeirProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, WEIR_DEBUG: undefined, NODE_OPTIONS: undefined, ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [join(repoRoot, 'bin/weir.js'), ...args], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let done = false;
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<WeirExit>((resolve) => {
    child.on('error', (err) => {
      done = true;
      running.delete(child);
      resolve({ code: -1, signal: null, stdout, stderr: `${stderr}${String(err)}` });
    });
    child.on('close', (code, signal) => {
      done = true;
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid,
    exited,
    hasExited: () => done,
    kill: () => {
      if (!done) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** SIGKILLs every child started by {@link startWeir} that is still running. */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * The completed checkpoints under a checkpoint root (`<root>/<job id>/chk-<n>/_metadata`), as
 * `<job id>/chk-<n>` names, oldest first: by the time `_metadata` was written, then by id, the order
 * `--from-checkpoint <root>` picks the newest in (ids restart after a fallback, so they alone do not
 * order checkpoints of different runs).
 */
export function completedCheckpoints(root: string): string[] {
  const found: { name: string; id: number; mtime: number }[] = [];
  const dirs = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  };
  for (const job of dirs(root)) {
    for (const chk of dirs(join(root, job))) {
      const m = /^chk-(\d+)$/.exec(chk);
      const mtime = m === null ? undefined : statOrUndefined(join(root, job, chk, '_metadata'))?.mtimeMs;
      if (m !== null && mtime !== undefined) found.push({ name: `${job}/${chk}`, id: Number(m[1]), mtime });
    }
  }
  return found.sort((a, b) => a.mtime - b.mtime || a.id - b.id).map((f) => f.name);
}

function statOrUndefined(path: string): { mtimeMs: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Polls `root` every 20 ms until `count` checkpoints not in `before` have completed (each counted
 * once, also if discarded again meanwhile), or `proc` exits, or 2,000 polls (about 40 s) pass.
 * @returns how many new checkpoints were seen.
 */
export async function waitForNewCheckpoints(root: string, before: ReadonlySet<string>, count: number, proc: WeirProcess): Promise<number> {
  const seen = new Set<string>();
  for (let poll = 0; poll < 2000 && seen.size < count && !proc.hasExited(); poll++) {
    for (const name of completedCheckpoints(root)) if (!before.has(name)) seen.add(name);
    if (seen.size < count) await delay(20);
  }
  return seen.size;
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** mulberry32: a small seeded PRNG; `next(n)` is uniform in 0..n-1. */
export function seededRandom(seed: number): { next(n: number): number } {
  let a = seed >>> 0;
  return {
    next(n: number): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    },
  };
}
