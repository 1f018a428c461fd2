/**
 * What `weir run` tells the human: a progress line while a job runs, a summary when it ends and an
 * error report when it fails. Pure formatting over {@link JobProgress} / {@link JobExecutionResult},
 * written to a {@link CliOutput} (stderr in the CLI).
 */
import { dirname, sep } from 'node:path';
import type { JobExecutionResult, JobProgress } from '../index.js';
import type { CliOutput } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import type { JobEnding } from './running-job.js';

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
 * The end-of-job summary, ending with a newline:
 * - the headline: `weir: job '<name>' finished in <ms> ms`, or for an `ending` other than
 *   `FINISHED` `… stopped with a savepoint after <ms> ms` / `… was cancelled after <ms> ms`, with
 *   who did it in parentheses (`weir stop`, `weir cancel`, `SIGINT`, `SIGTERM`);
 * - an aligned table of records in/out per operator;
 * - `weir: output written to <path>` per entry of `result.outputs`; part files (`part-<i>-<n>.<ext>`)
 *   of one directory are listed as `weir: output written to <dir>/ (<n> part files)`;
 * - when the job restored or checkpointed: `weir: restored from <path>`, `weir: checkpoints: <n>
 *   completed, <n> failed, <n> restarts` (savepoints count as checkpoints, as in Flink's
 *   numberOfCompletedCheckpoints), `weir: latest checkpoint: <dir>` (the directory to give
 *   `--from-checkpoint`), and `weir: savepoint written to <dir>` per completed savepoint;
 * - `weir: <n> warning(s):` and one `  - <warning>` line each.
 * A job without checkpoints and warnings that finished prints only the first three parts.
 */
export function formatSummary(result: JobExecutionResult, ending: JobEnding = { status: 'FINISHED' }): string {
  const ms = Math.round(result.netRuntimeMs);
  const by = ending.status === 'FINISHED' ? '' : ` (${ending.by === 'command' ? (ending.status === 'STOPPED' ? 'weir stop' : 'weir cancel') : ending.by})`;
  const headline =
    ending.status === 'STOPPED'
      ? `stopped with a savepoint after ${ms} ms${by}`
      : ending.status === 'CANCELED'
        ? `was cancelled after ${ms} ms${by}`
        : `finished in ${ms} ms`;
  const lines = [`weir: job '${result.jobName}' ${headline}`];
  const header = ['operator', 'parallelism', 'records in', 'records out'];
  const rows = result.operators.map((op) => [op.name, String(op.parallelism), String(op.recordsIn), String(op.recordsOut)]);
  if (rows.length > 0) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const render = (cells: string[]) =>
      `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
    lines.push(render(header), ...rows.map(render));
  }
  for (const output of groupPartFiles(result.outputs)) lines.push(`weir: output written to ${output}`);
  lines.push(...checkpointLines(result, ending));
  const warnings = result.warnings;
  if (warnings.length > 0) {
    lines.push(`weir: ${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
    for (const w of warnings) lines.push(`  - ${indentTail(w, '    ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The checkpoint part of {@link formatSummary}. */
function checkpointLines(result: JobExecutionResult, ending: JobEnding): string[] {
  const cp = result.checkpoints;
  const lines: string[] = [];
  if (cp.restoredFrom !== undefined) lines.push(`weir: restored from ${cp.restoredFrom}`);
  if (cp.completed > 0 || cp.failed > 0 || cp.restarts > 0) {
    lines.push(`weir: checkpoints: ${cp.completed} completed, ${cp.failed} failed, ${cp.restarts} restart${cp.restarts === 1 ? '' : 's'}`);
  }
  const completed = cp.history.filter((r) => r.status === 'completed' && r.path !== undefined);
  const latest = completed.filter((r) => r.kind === 'checkpoint').at(-1);
  if (latest?.path !== undefined) lines.push(`weir: latest checkpoint: ${snapshotDirectory(latest.path)}`);
  const savepoints = completed.filter((r) => r.kind === 'savepoint').map((r) => snapshotDirectory(r.path!));
  if (ending.status === 'STOPPED' && !savepoints.includes(ending.savepoint.path)) savepoints.push(ending.savepoint.path);
  for (const path of savepoints) lines.push(`weir: savepoint written to ${path}`);
  return lines;
}

/** A checkpoint record's `path` names its `_metadata` file; users pass the directory around. */
function snapshotDirectory(metadataPath: string): string {
  return metadataPath.endsWith(`${sep}_metadata`) ? dirname(metadataPath) : metadataPath;
}

/**
 * The failure report: `weir: job '<name>' failed: <message>` (or `weir: cannot load job '<name>': …`
 * for `WEIR_ERR_JOB_LOAD`), then `code: <code>`, then each cause on its own line, indented one more
 * step per level (`caused by: <Name> [<code>]: <message>`, the message left out when it repeats the one
 * above, as wrappers such as JobExecutionError do). With `debug` each error's stack follows
 * its line. Multi-line messages (compiler diagnostics) keep their lines, indented. Ends with a newline.
 */
export function formatFailure(jobName: string, err: unknown, debug = false): string {
  const code = codeOf(err);
  const verb = code === 'WEIR_ERR_JOB_LOAD' ? `cannot load job '${jobName}'` : `job '${jobName}' failed`;
  // JobExecutionError's message already reads "job '<name>' failed: …"; don't say it twice.
  return formatError(verb, err, debug, asError(err).message.replace(/^job '.*?' failed: /s, ''));
}

/**
 * An error report in the layout of {@link formatFailure} under any headline:
 * `weir: <headline>: <message>`, `code: <code>`, the indented cause chain (stacks with `debug`).
 * `message` replaces the top error's message (default: that message). Ends with a newline.
 * @example formatError("cannot take a savepoint of job 'zones'", err) // weir: cannot take a savepoint of job 'zones': …
 */
export function formatError(headline: string, err: unknown, debug = false, message = asError(err).message): string {
  const top = asError(err);
  const code = codeOf(err);
  const lines = [`weir: ${headline}: ${indentTail(message, '  ')}`];
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
 * `WEIR_ERR_CONFIG`, `WEIR_ERR_RESTORE` and `WEIR_ERR_JOB_LOOKUP` → 2, anything else → 1.
 */
export function exitCodeFor(err: unknown): ExitCode {
  switch (codeOf(err)) {
    case 'WEIR_ERR_JOB_LOAD':
      return ExitCode.JOB_LOAD;
    case 'WEIR_ERR_CONFIG':
    case 'WEIR_ERR_RESTORE':
    case 'WEIR_ERR_JOB_LOOKUP':
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

/**
 * Collapses the part files of a directory-mode FileSink (`<dir>/part-<i>-<n>.<ext>`, one per
 * subtask and checkpoint) into `<dir>/ (<n> part files)`, keeping other outputs as they are, in
 * first-seen order.
 */
export function groupPartFiles(outputs: readonly string[]): string[] {
  const parts = new Map<string, number>();
  const out: (string | { dir: string })[] = [];
  for (const o of outputs) {
    const m = /^(.*)\/part-\d+-\d+\.[^/]+$/.exec(o);
    if (m === null) {
      out.push(o);
      continue;
    }
    const dir = m[1]!;
    if (!parts.has(dir)) out.push({ dir });
    parts.set(dir, (parts.get(dir) ?? 0) + 1);
  }
  return out.map((o) => {
    if (typeof o === 'string') return o;
    const n = parts.get(o.dir)!;
    return `${o.dir}/ (${n} part file${n === 1 ? '' : 's'})`;
  });
}
