/**
 * Actors that stream numbered records across transports and check what arrives: a
 * {@link Producer} sends RecordBatch-like envelopes `{t: 'rb', src, v: Record[]}` and honours
 * back-pressure (`tell() === false` → wait for `onWritable`); a {@link Collector} checks that each
 * source's record ids arrive exactly once and in order, and resolves a latch at the expected count.
 */
import { Actor, type ActorRef } from '../../lib/index.js';
import { Deferred } from './async-probe.js';

/** A Nexmark-bid-like record. */
export interface TestRecord {
  id: number;
  price: number;
  bidder: number;
  auction: number;
  dateTime: number;
  extra: string;
}

/** One batch on the data lane. */
export interface TestBatch {
  t: 'rb';
  src: string;
  v: TestRecord[];
}

const EXTRA = 'x'.repeat(100);

export function makeBatch(src: string, firstId: number, n: number): TestBatch {
  const v: TestRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const id = firstId + i;
    v[i] = { id, price: id * 1.5, bidder: id % 1000, auction: id % 77, dateTime: 1_700_000_000_000 + id, extra: EXTRA };
  }
  return { t: 'rb', src, v };
}

/** Counters a producer exposes to the test. */
export interface ProducerStats {
  sent: number;
  /** Times `tell()` returned false. */
  paused: number;
  /** Times sending resumed after `onWritable`. */
  resumed: number;
  done: Deferred;
}

/**
 * On any message, sends batches of `batchSize` ids 1..total to `target`, pausing whenever
 * `tell()` returns false until the system's `onWritable(target)` fires.
 */
export class Producer extends Actor {
  private next = 1;
  private waiting = false;

  constructor(
    private readonly target: ActorRef,
    private readonly src: string,
    private readonly total: number,
    private readonly batchSize: number,
    readonly stats: ProducerStats,
  ) {
    super();
  }

  receive(): void {
    if (this.waiting) return;
    while (this.next <= this.total) {
      const n = Math.min(this.batchSize, this.total - this.next + 1);
      const ok = this.context.tell(this.target, makeBatch(this.src, this.next, n));
      this.next += n;
      this.stats.sent += n;
      if (!ok && this.next <= this.total) {
        this.stats.paused++;
        this.waiting = true;
        const self = this.context.self;
        const system = this.context.system;
        system.onWritable(this.target, () => {
          this.waiting = false;
          this.stats.resumed++;
          system.tell(self, 'resume');
        });
        return;
      }
    }
    this.stats.done.resolve();
  }
}

export function producerStats(): ProducerStats {
  return { sent: 0, paused: 0, resumed: 0, done: new Deferred() };
}

/** What a collector saw. */
export class CollectorState {
  readonly lastId = new Map<string, number>();
  count = 0;
  batches = 0;
  readonly done = new Deferred();
  violation: string | undefined;
  private readonly thresholds: { n: number; d: Deferred }[] = [];

  constructor(readonly expected: number) {}

  /** Resolves once at least `n` records arrived. */
  reached(n: number): Promise<void> {
    const d = new Deferred();
    if (this.count >= n) d.resolve();
    else this.thresholds.push({ n, d });
    return d.promise;
  }

  /** @internal */
  progress(): void {
    for (let i = this.thresholds.length - 1; i >= 0; i--) {
      const t = this.thresholds[i]!;
      if (this.count >= t.n) {
        t.d.resolve();
        this.thresholds.splice(i, 1);
      }
    }
  }
}

/**
 * Checks per-source order and exactly-once delivery; resolves `state.done` at `expected` records
 * and rejects it at the first duplicate, gap or reordering. With `delayMs` each batch takes that
 * long (an async receive: a slow consumer).
 */
export class Collector extends Actor {
  constructor(
    private readonly state: CollectorState,
    private readonly delayMs = 0,
  ) {
    super();
  }

  receive(m: unknown): void | Promise<void> {
    const b = m as TestBatch;
    if (b === null || typeof b !== 'object' || b.t !== 'rb') return;
    const s = this.state;
    let last = s.lastId.get(b.src) ?? 0;
    for (const r of b.v) {
      if (r.id !== last + 1 && s.violation === undefined) {
        s.violation = `${b.src}: got id ${r.id} after ${last}`;
        s.done.reject(new Error(s.violation));
      }
      last = r.id;
      if (r.extra.length !== 100 && s.violation === undefined) {
        s.violation = `${b.src}: record ${r.id} damaged`;
        s.done.reject(new Error(s.violation));
      }
    }
    s.lastId.set(b.src, last);
    s.count += b.v.length;
    s.batches++;
    s.progress();
    if (s.count === s.expected) s.done.resolve();
    if (this.delayMs > 0) return new Promise((r) => setTimeout(r, this.delayMs));
  }
}
