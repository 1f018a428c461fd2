/**
 * The latency benchmark: records enter at a fixed rate and the sink measures how long each took
 * from its scheduled arrival to the sink.
 *
 * - {@link RateLimitedSource}: record `j` (of `rate × duration`) is due at `t0 + j / rate` s,
 *   where `t0` is when the reader started. Each `pollNext` emits the records due by now (at most
 *   {@link MAX_RECORDS_PER_POLL}), never one that is not yet due, each stamped with its scheduled
 *   time (not the time it was emitted), so time a record waited for the source to run counts as
 *   latency. Ahead of schedule it returns `NOTHING_AVAILABLE`; `isAvailable()` resolves when the
 *   next record is due: by `setImmediate` when that is under {@link TIMER_THRESHOLD_MS}, else by a
 *   `setTimeout` that wakes up to 1 ms early (then `setImmediate` covers the rest).
 * - Weir job: source → map (adds a `count` field) → keyBy(key) → process (a
 *   {@link KeyedProcessFunction} counting records per key in a `ValueState`, passing the record on
 *   with its count) → {@link LatencySink}, which stores `performance.now() - stamp` per record in a
 *   preallocated `Float64Array`. Source and map are one chain, keyBy is a network edge (a batch
 *   message between subtask actors, sent at the end of the source's mailbox turn), process and
 *   sink are the second chain.
 * - Floor: the same source reader, driven by a plain loop (`pollNext`, await `isAvailable()` when
 *   ahead) calling the same map, a per-key counter in a `Map` and the same sink: what the event
 *   loop and the rate-limited source cost without Weir.
 * Records scheduled in a run's first {@link DEFAULT_SETTLE_S} s (settling time) are emitted and
 * checked like the others but left out of the percentiles; their maximum is reported apart.
 */
import { KeyedProcessFunction, StreamExecutionEnvironment, ValueStateDescriptor, type Collector, type KeyedProcessContext, type ValueState } from 'weir';
import type { InputStatus, ReaderOutput, Sink, SinkWriter, SinkWriterContext, Source, SourceReader, SourceReaderContext } from 'weir';
import { DEFAULT_KEY_COUNT } from './generator-source.js';

/** What the rate-limited source emits. */
export interface StampedRecord {
  key: number;
  /** Global record index, `0..total-1` (also the slot of its latency in the sink). */
  seq: number;
  /** Scheduled arrival, `performance.now()` ms. */
  stamp: number;
}

/** A stamped record after the map: `count` is set by the keyed process function. */
export interface CountedRecord extends StampedRecord {
  /** How many records of this key the process function had seen, this one included. */
  count: number;
}

/** Most records a reader emits per `pollNext` when it is behind schedule. */
export const MAX_RECORDS_PER_POLL = 1024;

/** Waits shorter than this (ms) are spent in `setImmediate` turns rather than a timer. */
export const TIMER_THRESHOLD_MS = 2;

/** Default input rate, records/s. */
export const DEFAULT_RATE = 200_000;

/** Default measured duration, s. */
export const DEFAULT_DURATION_S = 5;

/**
 * Default settling time, s: records scheduled in the first 0.5 s of a run are left out of the
 * percentiles (their maximum is reported as the start-up maximum). A fresh job shows 1–5 ms stalls
 * in its first ~100 ms here even when the code is warm (V8 settling the new job's objects after
 * the harness's full GC), which would otherwise be the p99.9 and max of every run at every rate.
 */
export const DEFAULT_SETTLE_S = 0.5;

/** Default parallelisms of the latency benchmark. */
export const DEFAULT_LATENCY_PARALLELISMS: readonly number[] = [1, 2];

/** Records of a run at `rate` records/s for `durationS` seconds. */
export function totalRecords(rate: number, durationS: number): number {
  return Math.max(1, Math.round(rate * durationS));
}

/** Records scheduled in the first `settleS` seconds at `rate` records/s (left out of the percentiles). */
export function settleRecords(rate: number, settleS: number): number {
  return Math.max(0, Math.round(rate * settleS));
}

/**
 * Emits `total` {@link StampedRecord}s at `rate` records/s. With parallelism p, reader k emits
 * records k, k + p, k + 2p, … on the same global schedule, so the job's input rate is `rate`.
 */
export class RateLimitedSource implements Source<StampedRecord> {
  readonly boundedness = 'BOUNDED' as const;
  /** The earliest reader start, `performance.now()` ms (NaN before any reader started). */
  startedAt = Number.NaN;

  /**
   * @param rate records per second, > 0.
   * @param total records in all, ≥ 1.
   * @param keyCount distinct keys (`seq % keyCount`).
   * @throws RangeError for a non-positive rate or count.
   */
  constructor(
    readonly rate: number,
    readonly total: number,
    readonly keyCount = DEFAULT_KEY_COUNT,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
    if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`total must be a positive integer, got ${total}`);
  }

  createReader(ctx: SourceReaderContext): SourceReader<StampedRecord> {
    return new RateLimitedReader(this, ctx.subtaskIndex, ctx.parallelism);
  }

  describe(): string {
    return `${this.total} records at ${this.rate} records/s`;
  }
}

class RateLimitedReader implements SourceReader<StampedRecord> {
  private t0 = 0;
  private next: number;
  private readonly periodMs: number;

  constructor(
    private readonly source: RateLimitedSource,
    first: number,
    private readonly step: number,
  ) {
    this.next = first;
    this.periodMs = 1000 / source.rate;
  }

  start(): void {
    this.t0 = performance.now();
    if (!(this.source.startedAt <= this.t0)) this.source.startedAt = this.t0;
  }

  pollNext(output: ReaderOutput<StampedRecord>): InputStatus {
    const { total, keyCount } = this.source;
    const { t0, periodMs, step } = this;
    // Records with t0 + seq × period ≤ now are due; `due` is one past the last of them.
    const due = Math.min(total, Math.floor((performance.now() - t0) / periodMs) + 1);
    let seq = this.next;
    for (let n = 0; seq < due && n < MAX_RECORDS_PER_POLL; n++, seq += step) {
      output.collect({ key: seq % keyCount, seq, stamp: t0 + seq * periodMs });
    }
    this.next = seq;
    if (seq >= total) return 'END_OF_INPUT';
    return seq < due ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    const wait = this.t0 + this.next * this.periodMs - performance.now();
    if (wait <= 0) return Promise.resolve();
    // Node's timers have 1 ms granularity and fire late rather than early: sleep until ~1 ms
    // before the record is due, then poll again (the next call lands in the setImmediate branch).
    if (wait >= TIMER_THRESHOLD_MS) return new Promise((resolve) => setTimeout(resolve, Math.floor(wait) - 1));
    return new Promise((resolve) => setImmediate(resolve));
  }

  close(): void {}
}

/**
 * Stores each record's latency, `performance.now() - stamp` ms, at its `seq` in a preallocated
 * `Float64Array` (NaN until it arrives), counts records and sums their `count` field (a check
 * of the keyed counters). Shared by all writers (one thread). Create one per run.
 */
export class LatencySink implements Sink<CountedRecord> {
  /** Latency per record, ms; NaN for records that never arrived. */
  readonly latencies: Float64Array;
  /** Records written. */
  count = 0;
  /** Records whose slot was already filled (must be 0). */
  duplicates = 0;
  /** Sum of the records' `count` fields. */
  countSum = 0;
  /** `performance.now()` when the last record arrived. */
  lastArrival = Number.NaN;

  constructor(readonly total: number) {
    this.latencies = new Float64Array(total).fill(Number.NaN);
  }

  createWriter(_context: SinkWriterContext): SinkWriter<CountedRecord> {
    return new LatencyWriter(this);
  }

  /** Records one arrival. */
  write(r: CountedRecord): void {
    const now = performance.now();
    const lat = this.latencies;
    if (lat[r.seq] === lat[r.seq]) this.duplicates++; // not NaN: already filled
    lat[r.seq] = now - r.stamp;
    this.count++;
    this.countSum += r.count;
    this.lastArrival = now;
  }
}

class LatencyWriter implements SinkWriter<CountedRecord> {
  constructor(private readonly sink: LatencySink) {}

  write(value: CountedRecord): void {
    this.sink.write(value);
  }

  flush(): void {}

  close(): void {}
}

/** The map of the latency pipeline: a new record with a `count` field for the process function to fill. */
export function withCountField(r: StampedRecord): CountedRecord {
  return { key: r.key, seq: r.seq, stamp: r.stamp, count: 0 };
}

/** Counts records per key in `ValueState` and passes each record on with its key's count. */
export class CountPerKey extends KeyedProcessFunction<number, CountedRecord, CountedRecord> {
  private counter!: ValueState<number>;

  override open(): void {
    this.counter = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }

  processElement(r: CountedRecord, _ctx: KeyedProcessContext<number>, out: Collector<CountedRecord>): void {
    const n = (this.counter.value() ?? 0) + 1;
    this.counter.update(n);
    r.count = n;
    out.collect(r);
  }
}

/** What one latency run measured. */
export interface LatencyRun {
  /** Target input rate, records/s. */
  rate: number;
  /** Records emitted and received. */
  records: number;
  /** Records / (last arrival − first reader start), records/s. */
  achievedRate: number;
  /** Wall time from the first reader's start to the last arrival, ms. */
  spanMs: number;
  /** Records measured: those scheduled after the settling time. */
  measuredRecords: number;
  /** Latency percentiles of the measured records, ms. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Largest latency of the records scheduled during the settling time, ms (NaN without one). */
  startupMaxMs: number;
  /** Process CPU time / wall time of the whole run (job start-up included). */
  coresUsed: number;
}

/** A latency run lost, repeated or miscounted records. */
export class LatencyCheckError extends Error {
  override readonly name = 'LatencyCheckError';
}

/**
 * The `q`-quantile (0..1) of ascending `sorted` by the nearest-rank method: the smallest value
 * with at least `q × n` values at or below it.
 */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/**
 * Checks the sink saw every record exactly once with correct per-key counts, then computes the
 * figures of the run over the records after the first `settle` (sorts them in place in
 * `sink.latencies`).
 * @throws LatencyCheckError on a missing, repeated or miscounted record.
 */
export function summarise(what: string, source: RateLimitedSource, sink: LatencySink, settle: number, cpuMs: number, wallMs: number): LatencyRun {
  const { total, keyCount } = source;
  if (sink.count !== total || sink.duplicates !== 0) throw new LatencyCheckError(`${what}: sink received ${sink.count} records (${sink.duplicates} repeated), expected ${total}`);
  // Key k gets n_k = ceil((total - k) / keyCount) records, counted 1..n_k: Σ n_k (n_k + 1) / 2.
  let expectedCountSum = 0;
  for (let k = 0; k < Math.min(keyCount, total); k++) {
    const n = Math.ceil((total - k) / keyCount);
    expectedCountSum += (n * (n + 1)) / 2;
  }
  if (sink.countSum !== expectedCountSum) throw new LatencyCheckError(`${what}: per-key counts sum to ${sink.countSum}, expected ${expectedCountSum}`);
  const lat = sink.latencies;
  let startupMaxMs = Number.NaN;
  for (let i = 0; i < lat.length; i++) {
    const v = lat[i]!;
    if (Number.isNaN(v)) throw new LatencyCheckError(`${what}: record ${i} has no latency`);
    if (i < settle && !(v <= startupMaxMs)) startupMaxMs = v;
  }
  // With fewer records than the settling time, measure them all rather than none.
  const sorted = (settle < total ? lat.subarray(settle) : lat).sort();
  const spanMs = sink.lastArrival - source.startedAt;
  return {
    rate: source.rate,
    records: total,
    achievedRate: (total * 1000) / spanMs,
    spanMs,
    measuredRecords: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999),
    maxMs: sorted[sorted.length - 1]!,
    startupMaxMs,
    coresUsed: cpuMs / wallMs,
  };
}

/**
 * Runs the Weir latency job at `rate` records/s for `settleS + durationS` s with `parallelism`
 * subtasks per operator; the first `settleS` s are left out of the percentiles.
 */
export async function runLatencyWeir(rate: number, durationS: number, settleS: number, parallelism: number): Promise<LatencyRun> {
  const settle = settleRecords(rate, settleS);
  const source = new RateLimitedSource(rate, settle + totalRecords(rate, durationS));
  const sink = new LatencySink(source.total);
  const env = StreamExecutionEnvironment.create({ parallelism, jobName: 'bench-latency' });
  env
    .fromSource(source, 'Rate-Limited Source')
    .map(withCountField)
    .keyBy((r) => r.key)
    .process(CountPerKey)
    .sinkTo(sink, 'Latency Sink');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await env.execute();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return summarise(`latency p=${parallelism} at ${rate}/s`, source, sink, settle, (cpu.user + cpu.system) / 1000, wallMs);
}

/** The floor: the same source reader and sink, joined by plain calls (map, `Map` counter) in an async loop. */
export async function runLatencyFloor(rate: number, durationS: number, settleS: number): Promise<LatencyRun> {
  const settle = settleRecords(rate, settleS);
  const source = new RateLimitedSource(rate, settle + totalRecords(rate, durationS));
  const sink = new LatencySink(source.total);
  const counts = new Map<number, number>();
  const output: ReaderOutput<StampedRecord> = {
    collect(value: StampedRecord): void {
      const r = withCountField(value);
      const n = (counts.get(r.key) ?? 0) + 1;
      counts.set(r.key, n);
      r.count = n;
      sink.write(r);
    },
    collectSide(): void {},
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const reader = source.createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'floor' });
  await reader.start();
  for (;;) {
    const status = reader.pollNext(output);
    if (status === 'END_OF_INPUT') break;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  await reader.close();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return summarise(`latency floor at ${rate}/s`, source, sink, settle, (cpu.user + cpu.system) / 1000, wallMs);
}
