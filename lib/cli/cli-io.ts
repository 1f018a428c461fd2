/**
 * Where a `weir` sub-command writes and what it reads from its process: injected so commands run
 * in-process under test with captured output, and from `bin/weir.js` with the real process streams.
 */
export interface CliIO {
  /** Results meant for other programs (`--json` output, `--version`, `--help`). */
  readonly stdout: CliOutput;
  /** Progress, summaries and errors for the human at the terminal. */
  readonly stderr: CliOutput;
  /** Environment variables (`WEIR_DEBUG=1` adds stacks to error reports). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A text sink such as `process.stderr`; `isTTY` true means `\r` line rewriting is fine. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The {@link CliIO} of the current process. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
