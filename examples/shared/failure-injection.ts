/**
 * Fault injection for the fault-tolerance examples: an exception thrown by an operator once at
 * chosen record positions (`--fail-at 1200,3400`), so that a job can be watched restarting from its
 * last completed checkpoint.
 *
 * Why "once per process": a restarted job replays the records after its checkpoint, so a failure
 * tied to a record alone would hit again on every attempt and exhaust the restart strategy. The
 * injector remembers which positions it has thrown at; the job builds one injector and every
 * subtask, in every attempt, shares it (user function objects are shallow-copied per subtask, so a
 * field holding the injector is the same object everywhere). A new process (`weir run
 * --from-checkpoint` after a crash) starts with all positions armed again.
 *
 * Flink has no built-in for this; its own tests use a `FailingMapper` / `FailingSource` that throws
 * once per JVM in the same way.
 */
import { ConfigurationError } from 'weir';

/** The error an {@link FailureInjector} throws; the runtime treats it as any user-function failure. */
export class InjectedFailure extends Error {
  /**
   * @param position the record position (input line, transaction id…) that triggered it.
   * @param where the operator it was thrown in, for the message.
   */
  constructor(
    readonly position: number,
    where: string,
  ) {
    super(`injected failure in ${where} at record ${position}`);
    this.name = 'InjectedFailure';
  }
}

/** Throws an {@link InjectedFailure} the first time each armed position is seen, then never again. */
export class FailureInjector {
  private readonly armed: Set<number>;
  /** The positions thrown at so far, in order. */
  readonly thrown: number[] = [];

  /** @param positions record positions to fail at, each once (duplicates count once). */
  constructor(positions: Iterable<number>) {
    this.armed = new Set(positions);
  }

  /** True when no position is armed (nothing will ever be thrown). */
  get idle(): boolean {
    return this.armed.size === 0;
  }

  /**
   * Throws when `position` is armed (and disarms it); otherwise does nothing.
   * @throws InjectedFailure naming `position` and `where`.
   */
  check(position: number, where: string): void {
    if (this.armed.size === 0 || !this.armed.delete(position)) return;
    this.thrown.push(position);
    throw new InjectedFailure(position, where);
  }
}

/**
 * Parses `--fail-at` (comma-separated positive integers, e.g. `1200,3400`); `undefined` → none.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for anything else.
 */
export function failAtOption(value: string | undefined): number[] {
  if (value === undefined || value === '') return [];
  return value.split(',').map((part) => {
    const text = part.trim();
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new ConfigurationError(`--fail-at takes comma-separated positive integers, got '${value}'`);
    return n;
  });
}
