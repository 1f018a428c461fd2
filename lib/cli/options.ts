import { InvalidArgumentError } from 'commander';

/**
 * Commander argument parser for options such as `--parallelism <n>`: a decimal integer ≥ 1.
 * @throws InvalidArgumentError (commander reports it as a usage error; `weir` exits 2).
 */
export function positiveInteger(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}
