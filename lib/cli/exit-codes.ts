/**
 * Exit codes of the `weir` command, shared by all sub-commands.
 * - `OK` (0): success.
 * - `JOB_FAILED` (1): the job ran (or started building its graph) and failed.
 * - `USAGE` (2): bad command line or configuration (commander usage errors, `WEIR_ERR_CONFIG`).
 * - `JOB_LOAD` (3): the job file could not be loaded (`WEIR_ERR_JOB_LOAD`).
 */
export const ExitCode = {
  OK: 0,
  JOB_FAILED: 1,
  USAGE: 2,
  JOB_LOAD: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
