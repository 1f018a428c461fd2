/** Test helper: a {@link CliIO} that records what a command writes. */
import type { CliIO } from '../../lib/cli/cli-io.js';

/** A CliIO whose `out()` / `err()` return everything written so far. */
export function captureIO(env: Record<string, string | undefined> = {}, isTTY = false): CliIO & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { isTTY, write: (s: string) => (out += s) },
    stderr: { isTTY, write: (s: string) => (err += s) },
    env,
    out: () => out,
    err: () => err,
  };
}
