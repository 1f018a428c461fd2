import type { StopSignal } from './exit-codes.js';

/**
 * Where a `weir` sub-command writes and what it reads from its process: injected so commands run
 * in-process under test with captured output, and from `bin/weir.js` with the real process streams.
 */
export interface CliIO {
  /** Results meant for other programs (`--json` output, `--version`, `--help`, savepoint paths). */
  readonly stdout: CliOutput;
  /** Progress, summaries and errors for the human at the terminal. */
  readonly stderr: CliOutput;
  /**
   * Environment variables: `WEIR_DEBUG=1` adds stacks to error reports; `WEIR_HOME` (default
   * `~/.weir`) holds the registry of running jobs; `WEIR_SAVEPOINT_DIR` is the default savepoint
   * directory of `weir savepoint` and `weir stop`.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The process's termination signals, for `weir run` to stop or cancel its job on SIGINT/SIGTERM.
   * Absent (the default under test) means signals are not handled: commands running in-process in
   * a test runner must not take over the runner's signals.
   */
  readonly signals?: ProcessSignals | undefined;
}

/** A text sink such as `process.stderr`; `isTTY` true means `\r` line rewriting is fine. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * The part of `process` that signal handling uses: listening to SIGINT/SIGTERM, and re-raising a
 * signal on the process itself once its listeners are removed (the last resort on a third signal).
 */
export interface ProcessSignals {
  on(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
  off(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
  kill(pid: number, signal: StopSignal): unknown;
  readonly pid: number;
}

/** The {@link CliIO} of the current process, with its signals. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process };
}
