/**
 * Exit codes of the `weir` command, shared by all sub-commands.
 * - `OK` (0): success; also `weir run` whose job was stopped with a savepoint (`weir stop`, or a
 *   signal with `--stop-with-savepoint`).
 * - `JOB_FAILED` (1): the job ran (or started building its graph) and failed, or was cancelled with
 *   `weir cancel` (as Flink's attached `flink run` reports a cancelled job); for the job-control
 *   commands (`savepoint`, `stop`, `cancel`, `list`), the job could not be reached or refused, or the
 *   savepoint failed.
 * - `USAGE` (2): bad command line or configuration (commander usage errors, `WEIR_ERR_CONFIG`,
 *   `WEIR_ERR_RESTORE`), or a job reference that names no running job or more than one
 *   (`WEIR_ERR_JOB_LOOKUP`).
 * - `JOB_LOAD` (3): the job file could not be loaded (`WEIR_ERR_JOB_LOAD`).
 * - `LEADERSHIP_LOST` (75, sysexits' EX_TEMPFAIL): `weir jobmanager --high-availability` lost its
 *   leadership (it could not renew its lease in time, or another job manager holds it) or could not
 *   take it up, and stepped down: its jobs go on under the next leader. A supervisor (systemd,
 *   Kubernetes) restarts it, and it comes back as a standby. Flink's JobManager terminates the
 *   same way when it loses leadership.
 * - `INTERRUPTED` (130 = 128 + SIGINT): `weir run` was interrupted by SIGINT and cancelled its job.
 * - `TERMINATED` (143 = 128 + SIGTERM): `weir run` received SIGTERM and cancelled its job.
 */
export const ExitCode = {
  OK: 0,
  JOB_FAILED: 1,
  USAGE: 2,
  JOB_LOAD: 3,
  LEADERSHIP_LOST: 75,
  INTERRUPTED: 130,
  TERMINATED: 143,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The signals `weir run` handles (SIGINT: Ctrl-C; SIGTERM: `kill`, service managers, Kubernetes). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code of a `weir run` whose job was cancelled because of `signal`: 128 + its number. */
export function exitCodeForSignal(signal: StopSignal): ExitCode {
  return signal === 'SIGINT' ? ExitCode.INTERRUPTED : ExitCode.TERMINATED;
}
