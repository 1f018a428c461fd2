import test from 'ava';
import { StreamExecutionEnvironment, type InputStatus, type ReaderOutput, type Sink, type SinkWriter, type Source, type SourceReader } from '../../lib/index.js';

/** Shared between the source reader and the sink writer of one run. */
interface Flow {
  emitted: number;
  consumed: number;
  /** Largest `emitted - consumed` seen right after an emit. */
  maxLead: number;
  /** Records in arrival order at the sink. */
  received: number[];
}

/** Emits 0..total-1, `chunk` per poll, and tracks how far it runs ahead of the sink. */
class CountingSource implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;
  constructor(
    private readonly flow: Flow,
    private readonly total: number,
    private readonly chunk: number,
  ) {}
  createReader(): SourceReader<number> {
    const { flow, total, chunk } = this;
    return {
      start() {},
      pollNext(out: ReaderOutput<number>): InputStatus {
        const stop = Math.min(total, flow.emitted + chunk);
        while (flow.emitted < stop) {
          out.collect(flow.emitted);
          flow.emitted++;
          const lead = flow.emitted - flow.consumed;
          if (lead > flow.maxLead) flow.maxLead = lead;
        }
        return flow.emitted < total ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
      },
      isAvailable: () => Promise.resolve(),
      close() {},
    };
  }
}

/** A sink whose every write completes on a later event-loop turn. */
class SlowSink implements Sink<number> {
  readonly maxParallelism = 1;
  constructor(private readonly flow: Flow) {}
  createWriter(): SinkWriter<number> {
    const flow = this.flow;
    return {
      async write(value: number): Promise<void> {
        await new Promise<void>((resolve) => setImmediate(resolve));
        flow.received.push(value);
        flow.consumed++;
      },
      flush() {},
      close() {},
    };
  }
}

const TOTAL = 100_000;
const CHUNK = 100;
/** Records a source emits per Poll message before yielding (actors/subtask-actor.ts POLL_BUDGET). */
const POLL_BUDGET = 4096;

async function run(mailboxCapacity: number, batchSize: number): Promise<Flow> {
  const flow: Flow = { emitted: 0, consumed: 0, maxLead: 0, received: [] };
  const env = StreamExecutionEnvironment.create({ parallelism: 1, mailboxCapacity, batchSize });
  env.disableOperatorChaining();
  env.fromSource(new CountingSource(flow, TOTAL, CHUNK), 'Counting').sinkTo(new SlowSink(flow), 'Slow');
  await env.execute();
  return flow;
}

/** Number of positions where `received` differs from 0..n-1 (plus a length difference). */
function outOfOrder(received: readonly number[], n: number): number {
  let bad = Math.abs(received.length - n);
  for (let i = 0; i < Math.min(received.length, n); i++) if (received[i] !== i) bad++;
  return bad;
}

test('a fast source into a slow sink: every record arrives once and in order, and the bounded mailbox keeps the source close behind', async (t) => {
  const mailboxCapacity = 2;
  const batchSize = 64;
  const flow = await run(mailboxCapacity, batchSize);
  t.is(flow.emitted, TOTAL);
  t.is(flow.consumed, TOTAL);
  t.is(outOfOrder(flow.received, TOTAL), 0);
  // The sink's mailbox holds at most `capacity` batches (plus one per sender), one batch is in
  // flight at the sink, one is being filled, and the current poll and its final flush add a bit:
  // a generous bound that is still ~20x below the record count.
  const bound = (mailboxCapacity + 2) * batchSize * 4 + POLL_BUDGET;
  t.true(flow.maxLead <= bound, `the source ran ${flow.maxLead} records ahead of the sink (bound ${bound})`);
  // The sink really was the bottleneck: the source did get ahead of it.
  t.true(flow.maxLead > batchSize, `lead ${flow.maxLead}`);
});

test('control: with a mailbox large enough never to fill, the same source runs far beyond that bound', async (t) => {
  const batchSize = 64;
  const flow = await run(TOTAL, batchSize);
  t.is(flow.consumed, TOTAL);
  t.is(outOfOrder(flow.received, TOTAL), 0);
  const bound = (2 + 2) * batchSize * 4 + POLL_BUDGET;
  t.true(flow.maxLead > bound, `lead ${flow.maxLead} <= ${bound}: the bounded test would prove nothing`);
});

test('back-pressure through a keyed exchange at parallelism 2 keeps every record exactly once', async (t) => {
  const received: number[] = [];
  const env = StreamExecutionEnvironment.create({ parallelism: 2, mailboxCapacity: 2, batchSize: 16 });
  env
    .fromSequence(0, 19_999)
    .keyBy((x) => x % 13)
    .sinkTo(
      {
        createWriter: () => ({
          async write(v: number) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            received.push(v);
          },
          flush() {},
          close() {},
        }),
      },
      'Slow',
    );
  await env.execute();
  t.is(received.length, 20_000);
  const sorted = [...received].sort((a, b) => a - b);
  t.is(outOfOrder(sorted, 20_000), 0);
  // Per key, records from one source subtask keep their order.
  const lastByKeyAndSource = new Map<string, number>();
  let inversions = 0;
  for (const v of received) {
    const id = `${v % 13}/${v < 10_000 ? 0 : 1}`;
    const prev = lastByKeyAndSource.get(id);
    if (prev !== undefined && prev > v) inversions++;
    lastByKeyAndSource.set(id, v);
  }
  t.is(inversions, 0);
});
