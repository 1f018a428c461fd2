import { basename, dirname, extname, resolve as resolvePath } from 'node:path';

/**
 * What a job file's default export receives besides the environment: its command-line arguments and
 * where it lives, so it can find data files next to itself.
 *
 * @example
 * export default function job(env: StreamExecutionEnvironment, ctx: JobContext) {
 *   env.readCsv(ctx.resolve(ctx.args[0] ?? 'data/trips.csv')) ...
 * }
 */
export interface JobContext {
  /** Arguments after `--` on the `weir run` command line, in order (a copy the job may consume). */
  readonly args: string[];
  /** Absolute path of the job file. */
  readonly jobFile: string;
  /** Absolute path of the directory holding the job file. */
  readonly baseDir: string;
  /** Resolves `relativePath` against {@link baseDir}; absolute paths are returned normalized. */
  resolve(relativePath: string): string;
  /** The job's default parallelism (number of parallel subtasks per operator), ≥ 1. */
  readonly parallelism: number;
}

/**
 * Builds the frozen {@link JobContext} for a job file.
 *
 * @param jobFile path of the job file; resolved against `process.cwd()` when relative.
 * @param args the job's own arguments (copied, so the job may `shift()` them).
 * @param parallelism the job's default parallelism, ≥ 1.
 */
export function createJobContext(jobFile: string, args: readonly string[], parallelism: number): JobContext {
  const file = resolvePath(jobFile);
  const baseDir = dirname(file);
  return Object.freeze({
    args: [...args],
    jobFile: file,
    baseDir,
    resolve: (relativePath: string) => resolvePath(baseDir, relativePath),
    parallelism,
  });
}

/** `dir/zone-revenue.ts` → `zone-revenue`: the default job name for a job file. */
export function jobNameOf(jobFile: string): string {
  return basename(jobFile, extname(jobFile));
}
