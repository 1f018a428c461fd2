/**
 * A {@link Collector} over an {@link Output} that keeps order when downstream is asynchronous:
 * if a `collect` returns a Promise, later collects chain behind it; {@link takePending} hands the
 * chain to the operator, which returns it so the subtask awaits it. With synchronous downstream
 * it is one `instanceof` check per record.
 */
import type { Collector } from '../api/functions.js';
import type { Output } from './stream-operator.js';

export class SerialCollector<T> implements Collector<T> {
  timestamp = 0;
  private pending: Promise<void> | undefined = undefined;

  constructor(private readonly out: Output<T>) {}

  collect(value: T): void {
    const ts = this.timestamp;
    if (this.pending !== undefined) {
      this.pending = this.pending.then(() => this.out.collect(value, ts));
      return;
    }
    const r = this.out.collect(value, ts);
    if (r instanceof Promise) this.pending = r;
  }

  /** Side-output variant with the same ordering guarantee. */
  collectSide(tagId: string, value: unknown): void {
    const ts = this.timestamp;
    if (this.pending !== undefined) {
      this.pending = this.pending.then(() => this.out.collectSide(tagId, value, ts));
      return;
    }
    const r = this.out.collectSide(tagId, value, ts);
    if (r instanceof Promise) this.pending = r;
  }

  /** Returns and clears the pending chain (undefined when everything completed synchronously). */
  takePending(): Promise<void> | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }
}
