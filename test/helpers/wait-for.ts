import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns something other than `undefined` (a latch on state another
 * process or actor system owns, e.g. a job manager's job status). A rejected check counts as "not
 * yet" when `ignoreErrors` (a server that is restarting), and fails the wait otherwise. An aborted
 * `signal` stops the polling (a test that already failed elsewhere must not keep its file alive
 * until the timeout).
 * @throws Error `timed out waiting for <what>` after `timeoutMs`; the signal's reason once aborted.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: { timeoutMs?: number; everyMs?: number; ignoreErrors?: boolean; signal?: AbortSignal } = {}): Promise<T> {
  const end = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    options.signal?.throwIfAborted();
    const v = options.ignoreErrors === true ? await check().catch(() => undefined) : await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.everyMs ?? 20, undefined, options.signal === undefined ? undefined : { signal: options.signal });
  }
}
