/**
 * Polls `check` until it returns something other than `undefined` (a latch on state another
 * process or actor system owns, e.g. a job manager's job status). A rejected check counts as "not
 * yet" when `ignoreErrors` (a server that is restarting), and fails the wait otherwise.
 * @throws Error `timed out waiting for <what>` after `timeoutMs`.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: { timeoutMs?: number; everyMs?: number; ignoreErrors?: boolean } = {}): Promise<T> {
  const end = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const v = options.ignoreErrors === true ? await check().catch(() => undefined) : await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 20));
  }
}
