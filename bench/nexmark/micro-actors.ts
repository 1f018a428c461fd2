/**
 * Micro-benchmarks of Weir's in-process machinery:
 *
 * - {@link mailboxThroughput}: messages/s from one actor to another through `ActorContext.tell`
 *   and the receiver's `receive` (lib/actor: two-lane mailbox, dispatcher turns, back-pressure by
 *   `onWritable` when the data lane is full). One small message (a number) per tell.
 * - {@link exchangeThroughput}: records/s of a Weir job whose only work is moving records across
 *   one keyBy exchange between two subtasks in this thread (the source subtask batches 1,024
 *   records per message to the keyed subtask), next to the same job without the exchange (source
 *   and an identity map chained: one function call per record), so the exchange's cost per record
 *   is the difference of the two.
 */
import { Actor, ActorSystem, StreamExecutionEnvironment, type ActorRef } from 'weir';
import { CountingSink } from '../counting-sinks.js';
import { GeneratorSource, type BenchRecord } from '../generator-source.js';
import { measure } from '../measure.js';

/** One micro-benchmark figure: what it measures, its unit and value. */
export interface MicroFigure {
  /** Short id (`mailbox`, `exchange-in-process`, …). */
  name: string;
  /** What it measures, in a sentence. */
  what: string;
  /** The unit of `value` (`messages/s`, `records/s`, `ms`, …). */
  unit: string;
  value: number;
  /** Process CPU time / wall time while it ran, when measured. */
  coresUsed?: number;
  /** Further figures (same run). */
  details?: Record<string, number | string>;
  /** Why it was skipped or what to keep in mind. */
  note?: string;
}

/** Sends `total` numbers to `target` as fast as its mailbox takes them. */
class ProducerActor extends Actor<'go'> {
  private sent = 0;

  constructor(
    private readonly target: ActorRef,
    private readonly total: number,
  ) {
    super();
  }

  receive(): void {
    const ctx = this.context;
    while (this.sent < this.total) {
      this.sent++;
      if (!ctx.tell(this.target, this.sent)) {
        // Data lane full: resume once it drained to its low-water mark.
        ctx.system.onWritable(this.target, () => ctx.tellSystem(ctx.self, 'go'));
        return;
      }
    }
  }
}

/** Counts messages and sums them; resolves `done` at the last. */
class ConsumerActor extends Actor<number> {
  private n = 0;
  sum = 0;

  constructor(
    private readonly total: number,
    private readonly done: (sum: number) => void,
  ) {
    super();
  }

  receive(m: number): void {
    this.sum += m;
    if (++this.n === this.total) this.done(this.sum);
  }
}

/**
 * Messages/s from a producer actor to a consumer actor in one {@link ActorSystem}, over `messages`
 * messages, with the consumer's data lane bounded at `capacity` messages (Weir's subtasks use 16
 * batches) and `throughput` messages per dispatcher turn (default 32).
 */
export async function mailboxThroughput(messages: number, capacity: number): Promise<MicroFigure> {
  const system = new ActorSystem({ address: 'bench' });
  try {
    let resolve!: (sum: number) => void;
    const finished = new Promise<number>((r) => {
      resolve = r;
    });
    const m = await measure(async () => {
      const consumer = system.spawn({ create: () => new ConsumerActor(messages, resolve), mailbox: { capacity } }, 'consumer');
      const producer = system.spawn({ create: () => new ProducerActor(consumer, messages) }, 'producer');
      system.tellSystem(producer, 'go');
      return finished;
    });
    const expected = (messages * (messages + 1)) / 2;
    if (m.result !== expected) throw new Error(`mailbox: consumer summed ${m.result}, expected ${expected}`);
    return {
      name: `mailbox-capacity-${capacity}`,
      what: `actor tell → receive between two actors of one ActorSystem (lib/actor), one number per message, receiver's data lane bounded at ${capacity} messages (back-pressure by onWritable), 32 messages per dispatcher turn`,
      unit: 'messages/s',
      value: (messages * 1000) / m.wallMs,
      coresUsed: m.cpuMs / m.wallMs,
      details: { messages, wallMs: Math.round(m.wallMs) },
    };
  } finally {
    await system.terminate();
  }
}

/** The identity map of the exchange benchmark (a function call per record, no allocation). */
function identity(r: BenchRecord): BenchRecord {
  return r;
}

/** Runs generator → [keyBy →] identity map → counting sink over `records` records at parallelism 1. */
async function exchangeJob(records: number, exchange: boolean): Promise<CountingSink> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, jobName: exchange ? 'bench-exchange' : 'bench-no-exchange' });
  const sink = new CountingSink();
  const source = env.fromSource(new GeneratorSource(records), 'Generator');
  (exchange ? source.keyBy((r) => r.key).map(identity) : source.map(identity)).sinkTo(sink, 'Counting Sink');
  await env.execute();
  return sink;
}

/**
 * Records/s across one in-process keyBy exchange (two subtasks, one thread) over `records`
 * records, and the same job chained without it (median of `runs` each, after a warm-up).
 */
export async function exchangeThroughput(records: number, runs: number): Promise<MicroFigure> {
  await exchangeJob(Math.min(records, 1_000_000), true);
  await exchangeJob(Math.min(records, 1_000_000), false);
  const withEx: number[] = [];
  const without: number[] = [];
  let cores = 0;
  for (let i = 0; i < runs; i++) {
    const a = await measure(() => exchangeJob(records, true));
    const b = await measure(() => exchangeJob(records, false));
    for (const s of [a.result, b.result]) {
      if (s.count !== records || s.valueSum !== (records * (records - 1)) / 2) throw new Error(`exchange: sink counted ${s.count} records summing to ${s.valueSum}`);
    }
    withEx.push((records * 1000) / a.wallMs);
    without.push((records * 1000) / b.wallMs);
    cores = a.cpuMs / a.wallMs;
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  const ex = med(withEx);
  const chained = med(without);
  return {
    name: 'exchange-in-process',
    what: 'records/s of generator → keyBy → identity map → counting sink: two subtasks in one thread, 1,024-record batches through the keyed subtask\'s mailbox (no encoding)',
    unit: 'records/s',
    value: ex,
    coresUsed: cores,
    details: {
      records,
      chainedRecordsPerSec: Math.round(chained),
      exchangeNsPerRecord: Math.round((1e9 / ex - 1e9 / chained) * 10) / 10,
    },
    note: `the same job without keyBy (source → map → sink chained) runs at ${(chained / 1e6).toFixed(1)} M records/s: the exchange costs ~${(1e9 / ex - 1e9 / chained).toFixed(0)} ns per record`,
  };
}
