/**
 * What `weir run` tells the human: a progress line while a job runs, a summary when it ends and an
 * error report when it fails. Pure formatting over {@link JobProgress} / {@link JobExecutionResult},
 * written to a {@link CliOutput} (stderr in the CLI).
 */
import type { JobExecutionResult, JobProgress } from '../index.js';
import type { CliOutput } from './cli-io.js';
import { ExitCode } from './exit-codes.js';

/** Timing of {@link createProgressReporter}, in ms of job time (`JobProgress.elapsedMs`). */
export interface ProgressReporterOptions {
  /** No line before the job has run this long, so short jobs stay quiet. Default 2000 ms. */
  firstAfterMs?: number;
  /** At most one line per this interval. Default 1000 ms. */
  everyMs?: number;
}

/** Progress output for one job: feed `update` from `execute({ onProgress })`, call `end` once after. */
export interface ProgressReporter {
  update(progress: JobProgress): void;
  end(): void;
}

/**
 * Creates a progress printer writing `weir: <job> <elapsed>s, <N> records read, <R> records/s`.
 * On a TTY it rewrites one line with `\r` (and ends it with a newline in `end`); otherwise it
 * writes one plain line per interval.
 */
export function createProgressReporter(out: CliOutput, jobName: string, options: ProgressReporterOptions = {}): ProgressReporter {
  const firstAfterMs = options.firstAfterMs ?? 2000;
  const everyMs = options.everyMs ?? 1000;
  let lastShownMs = Number.NEGATIVE_INFINITY;
  let lineOpen = false;
  return {
    update(p) {
      // 10% slack so a callback arriving a few ms early (timer jitter) does not skip a tick.
      if (p.elapsedMs < firstAfterMs || p.elapsedMs - lastShownMs < everyMs * 0.9) return;
      lastShownMs = p.elapsedMs;
      const line = formatProgress(jobName, p);
      if (out.isTTY === true) {
        out.write(`\r${line}\x1b[K`);
        lineOpen = true;
      } else {
        out.write(`${line}\n`);
      }
    },
    end() {
      if (lineOpen) out.write('\n');
      lineOpen = false;
    },
  };
}

/** One progress line, without a line break: `weir: <job> <s>s, <N> records read, <R> records/s`. */
export function formatProgress(jobName: string, p: JobProgress): string {
  const seconds = Math.floor(p.elapsedMs / 1000);
  return `weir: ${jobName} ${seconds}s, ${Math.round(p.recordsRead)} records read, ${Math.round(p.recordsPerSecond)} records/s`;
}

/**
 * The end-of-job summary: duration in ms, an aligned table of records in/out per operator, and one
 * `output written to <path>` line per entry of `result.outputs`. Ends with a newline.
 */
export function formatSummary(result: JobExecutionResult): string {
  const lines = [`weir: job '${result.jobName}' finished in ${Math.round(result.netRuntimeMs)} ms`];
  const header = ['operator', 'parallelism', 'records in', 'records out'];
  const rows = result.operators.map((op) => [op.name, String(op.parallelism), String(op.recordsIn), String(op.recordsOut)]);
  if (rows.length > 0) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const render = (cells: string[]) =>
      `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
    lines.push(render(header), ...rows.map(render));
  }
  for (const output of result.outputs) lines.push(`weir: output written to ${output}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The failure report: `weir: job '<name>' failed: <message>` (or `weir: cannot load job '<name>': …`
 * for `WEIR_ERR_JOB_LOAD`), then `code: <code>`, then each cause on its own line, indented one more
 * step per level (`caused by: <Name> [<code>]: <message>`, the message left out when it repeats the one
 * above, as wrappers such as JobExecutionError do). With `debug` each error's stack follows
 * its line. Multi-line messages (compiler diagnostics) keep their lines, indented. Ends with a newline.
 */
export function formatFailure(jobName: string, err: unknown, debug = false): string {
  const top = asError(err);
  const code = codeOf(err);
  // JobExecutionError's message already reads "job '<name>' failed: …"; don't say it twice.
  const message = top.message.replace(/^job '.*?' failed: /s, '');
  const verb = code === 'WEIR_ERR_JOB_LOAD' ? `cannot load job '${jobName}'` : `job '${jobName}' failed`;
  const lines = [`weir: ${verb}: ${indentTail(message, '  ')}`];
  if (code !== undefined) lines.push(`  code: ${code}`);
  if (debug) pushStack(lines, top, '    ');
  let shown = message;
  const seen = new Set<unknown>([err]);
  let cause: unknown = top.cause;
  let depth = 1;
  while (cause !== undefined && !seen.has(cause) && depth <= 16) {
    seen.add(cause);
    const e = asError(cause);
    const pad = '  '.repeat(depth);
    const causeCode = codeOf(cause);
    const label = `${e.name}${causeCode !== undefined ? ` [${causeCode}]` : ''}`;
    // A wrapper usually repeats its cause's message; show each message once.
    const text = e.message === shown ? '' : `: ${indentTail(e.message, `${pad}  `)}`;
    lines.push(`${pad}caused by: ${label}${text}`);
    shown = e.message;
    if (debug) pushStack(lines, e, `${pad}    `);
    cause = e.cause;
    depth++;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The exit code for a failure, matched on the error's `code`: `WEIR_ERR_JOB_LOAD` → 3,
 * `WEIR_ERR_CONFIG` → 2, anything else → 1.
 */
export function exitCodeFor(err: unknown): ExitCode {
  switch (codeOf(err)) {
    case 'WEIR_ERR_JOB_LOAD':
      return ExitCode.JOB_LOAD;
    case 'WEIR_ERR_CONFIG':
    case 'WEIR_ERR_RESTORE':
      return ExitCode.USAGE;
    default:
      return ExitCode.JOB_FAILED;
  }
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Appends the `at …` frames of `err`'s stack (not its message lines), each indented by `pad`. */
function pushStack(lines: string[], err: Error, pad: string): void {
  for (const line of err.stack?.split('\n') ?? []) {
    if (/^\s+at /.test(line)) lines.push(`${pad}${line.trim()}`);
  }
}

function indentTail(text: string, pad: string): string {
  return text.replace(/\n/g, `\n${pad}`);
}
