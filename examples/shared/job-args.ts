/**
 * Command-line options of the example jobs: the arguments after `--` on `weir run … -- --input x`,
 * parsed with `node:util` `parseArgs` (strict: unknown options and stray positionals are errors).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { ConfigurationError } from 'weir';

/** The option table handed to `parseArgs` (only string and boolean options, no positionals). */
export type JobOptionSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `args` against `options`.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`, so `weir run` exits 2) for an unknown option, a
 *   missing option value or a positional argument; the message lists the accepted options.
 */
export function parseJobArgs<O extends JobOptionSpec>(jobName: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const accepted = Object.entries(options)
      .map(([name, o]) => `--${name}${o.type === 'string' ? ' <value>' : ''}`)
      .join(' ');
    throw new ConfigurationError(`${jobName}: ${(err as Error).message}; accepted options: ${accepted}`, { cause: err });
  }
}

/** An output path from the command line (relative to the current directory), or `fallback` there. */
export function outputPath(value: string | undefined, fallback: string): string {
  return resolve(value ?? fallback);
}

/**
 * A positive integer option such as `--top 10`.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `value` is not a positive integer.
 */
export function positiveIntOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigurationError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

/**
 * A whole number of seconds ≥ 0 such as `--out-of-orderness 60`.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `value` is not such a number.
 */
export function secondsOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new ConfigurationError(`--${name} must be a whole number of seconds ≥ 0, got '${value}'`);
  return n;
}
