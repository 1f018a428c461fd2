/**
 * Test helper: runs `node` child processes from the repository root and collects their output.
 * Every child is tracked so `killAll()` (from `test.after.always`) can tear down any still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root: this file runs as dist/test/cli/node-process.js. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Exit code (or `null` with the killing signal), stdout and stderr of a finished child. */
export interface NodeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/**
 * Runs `node <args>` in the repository root with `env` added to (or, for `undefined`, removed from)
 * this process's environment; kills it after `timeoutMs` (default 60 000 ms).
 */
export function runNode(args: string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string } = {}): Promise<NodeResult> {
  const env: Record<string, string | undefined> = { ...process.env, WEIR_DEBUG: undefined, NODE_OPTIONS: undefined, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Kills every child started by {@link runNode} that is still running. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
