/**
 * Latches for tests that wait on events instead of sleeping: a {@link Deferred} promise and a
 * {@link Probe} that records values pushed from actors or callbacks and lets the test await them.
 */

/** A promise whose resolve / reject are exposed. */
export class Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (v) => {
        this.settled = true;
        resolve(v);
      };
      this.reject = (e) => {
        this.settled = true;
        reject(e);
      };
    });
  }
}

/**
 * Records values in push order. `next()` reads them one by one (a FIFO cursor);
 * `until(cond)` resolves once `cond(all values so far)` holds.
 */
export class Probe<T> {
  readonly seen: T[] = [];
  private cursor = 0;
  private readers: Deferred<T>[] = [];
  private conditions: { cond: (seen: readonly T[]) => boolean; d: Deferred<readonly T[]> }[] = [];

  push(value: T): void {
    this.seen.push(value);
    const reader = this.readers.shift();
    if (reader !== undefined) {
      this.cursor++;
      reader.resolve(value);
    }
    this.check();
  }

  /** The next value not read yet, in push order. */
  next(): Promise<T> {
    if (this.readers.length === 0 && this.cursor < this.seen.length) return Promise.resolve(this.seen[this.cursor++]!);
    const d = new Deferred<T>();
    this.readers.push(d);
    return d.promise;
  }

  /** Resolves with every value so far once `cond` holds (checked now and after every push). */
  until(cond: (seen: readonly T[]) => boolean): Promise<readonly T[]> {
    if (cond(this.seen)) return Promise.resolve(this.seen);
    const d = new Deferred<readonly T[]>();
    this.conditions.push({ cond, d });
    return d.promise;
  }

  /** Resolves once `n` values have been pushed. */
  count(n: number): Promise<readonly T[]> {
    return this.until((s) => s.length >= n);
  }

  private check(): void {
    if (this.conditions.length === 0) return;
    const keep: typeof this.conditions = [];
    for (const c of this.conditions) {
      if (c.cond(this.seen)) c.d.resolve(this.seen);
      else keep.push(c);
    }
    this.conditions = keep;
  }
}

/** Resolves after `n` turns of the event loop (setImmediate), to let queued work run; not a sleep. */
export async function turns(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}
