import { RecordParseError } from '../../lib/errors.js';

/** The parts of a {@link RecordParseError} a dead letter needs. */
export interface RecordErrorDetail {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
  readonly field?: string;
  readonly reason: string;
  readonly raw?: string;
}

// RecordParseError keeps only its composed message; dead letters want the bare reason and raw text,
// so the file connectors remember them for the errors they create (weakly, never keeping an error alive).
const details = new WeakMap<RecordParseError, RecordErrorDetail>();

/** Creates a `RecordParseError` (code `WEIR_ERR_RECORD_PARSE`) and remembers its detail for {@link errorDetail}. */
export function recordParseError(detail: RecordErrorDetail, options?: { cause?: unknown }): RecordParseError {
  const err = new RecordParseError(detail, options);
  details.set(err, detail);
  return err;
}

/**
 * The reason and raw text of `err`: remembered when created by {@link recordParseError}, otherwise
 * (a user mapper threw its own `RecordParseError`) its message stands for the reason and `fallbackRaw`
 * for the raw text.
 */
export function errorDetail(err: RecordParseError, fallbackRaw: string): { reason: string; raw: string } {
  const d = details.get(err);
  return d !== undefined ? { reason: d.reason, raw: d.raw ?? fallbackRaw } : { reason: err.message, raw: fallbackRaw };
}
