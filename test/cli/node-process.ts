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

/** Options of {@link startNode} / {@link runNode}. */
export interface NodeOptions {
  /** Added to (or, for `undefined`, removed from) this process's environment. */
  env?: Record<string, string | undefined>;
  /** SIGKILL the child after this many ms (default 60 000). */
  timeoutMs?: number;
  /** Working directory (default the repository root). */
  cwd?: string;
}

/** A running child: its pid, its output so far, and its result once it exits. */
export interface NodeChild {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the child has exited and its output is complete. */
  readonly result: Promise<NodeResult>;
  /** Whether it has exited. */
  exited(): boolean;
  stdout(): string;
  stderr(): string;
}

const running = new Set<ChildProcess>();

/** Starts `node <args>` in the repository root (see {@link NodeOptions}) and returns at once. */
export function startNode(args: string[], options: NodeOptions = {}): NodeChild {
  const env: Record<string, string | undefined> = { ...process.env, WEIR_DEBUG: undefined, NODE_OPTIONS: undefined, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<NodeResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exited = true;
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { pid: child.pid ?? -1, child, result, exited: () => exited, stdout: () => stdout, stderr: () => stderr };
}

/** Runs `node <args>` to completion (see {@link NodeOptions}). */
export function runNode(args: string[], options: NodeOptions = {}): Promise<NodeResult> {
  return startNode(args, options).result;
}

/** Kills every child started by {@link startNode} / {@link runNode} that is still running, by its pid. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
