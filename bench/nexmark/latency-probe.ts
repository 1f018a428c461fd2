/**
 * Event-to-sink latency of a paced Nexmark run: sink arrival (wall time) minus the **scheduled**
 * emission (wall time) of the event the result is due to, so time an event waited for a busy
 * source counts as latency.
 *
 * The schedule is the generator's own (connectors/nexmark/nexmark-source.ts): with parallelism p,
 * reader k emits event numbers k, k + p, … and event n is due at `start_k + (n − k) × 1000 / rate`
 * ms, `start_k` being the clock reading of the reader's first poll. The run gives the source a
 * {@link PrecisionClock} (`performance.timeOrigin + performance.now()`: fractional epoch ms, one
 * clock for the schedule and the arrivals) and wraps it in a {@link ScheduleProbeSource}, which reads
 * each reader's `start_k` off that clock right after its first poll.
 *
 * Which event a result is due to comes from its record timestamp `t` (the sink writer gets it) and
 * the query's {@link LatencyBasis}: `element` → the first event with event time `t`; `watermark` →
 * the first event with event time ≥ `t + outOfOrderness + 1`, whose emission lets the watermark
 * reach `t` (the bounded-out-of-orderness generator's watermark is `maxTimestamp − bound − 1`). The
 * run sets `firstEventRate = rate`, so event time advances with wall time and event id n has time
 * `baseTime + ⌊n × 1000 / rate⌋`: the first event with time ≥ T is `⌈(T − baseTime) × rate / 1000⌉`.
 *
 * Resolution: event times are whole ms and several events share one; the probe charges a result to
 * the **first** event of its millisecond, so a figure is at most 1 ms (on average ~0.5 ms) above
 * the true one, never below.
 *
 * Counted: results whose trigger event was scheduled after the settling time (`measureFromMs` after
 * the earliest reader start) and exists (a trigger beyond the last event means the result came
 * from the final watermark at end of input: left out); results without a timestamp are counted
 * apart.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, Clock, TimerHandle } from 'weir';
import { systemClock } from 'weir';
import type { NexmarkConfig, NexmarkEvent } from '../../connectors/nexmark/index.js';
import { LatencyHistogram } from './histogram.js';
import type { LatencyBasis } from './query-registry.js';

/**
 * Fractional epoch ms from the monotonic clock; timers from the system clock. Between
 * {@link beginCapture} and {@link endCapture} it keeps the first reading (a reader's pacing start:
 * the reader reads the clock before it emits, and a chained sink reads it after).
 */
export class PrecisionClock implements Clock {
  private capturing = false;
  private captured = Number.NaN;

  now(): number {
    const t = performance.timeOrigin + performance.now();
    if (this.capturing && Number.isNaN(this.captured)) this.captured = t;
    return t;
  }

  beginCapture(): void {
    this.capturing = true;
    this.captured = Number.NaN;
  }

  /** The first reading since {@link beginCapture} (NaN when none). */
  endCapture(): number {
    this.capturing = false;
    return this.captured;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return systemClock.setTimeout(callback, delayMs);
  }
}

/** Settings of a {@link LatencyProbe}. */
export interface LatencyProbeSettings {
  /** The generator config of the run (resolved): `baseTime`, `firstEventRate` (= rate), `maxEvents`. */
  config: NexmarkConfig;
  /** Source parallelism. */
  parallelism: number;
  basis: LatencyBasis;
  /** The watermark strategy's bound, ms. */
  outOfOrdernessMs: number;
  /** Results whose trigger was scheduled earlier than this after the first reader start are not measured, ms. */
  measureFromMs: number;
  clock: PrecisionClock;
}

export class LatencyProbe {
  readonly histogram = new LatencyHistogram();
  /** Reader start per subtask (clock ms), NaN until its first poll. */
  readonly starts: number[];
  /** When each reader emitted its last event (clock ms), NaN until then. */
  readonly ends: number[];
  /** Results before the measured period (settling). */
  settling = 0;
  /** Results from the final watermark at end of input (their trigger event does not exist). */
  flushed = 0;
  /** Results without a record timestamp. */
  untimed = 0;
  /** Results whose subtask's start was unknown (must be 0). */
  unknownStart = 0;
  private readonly baseTime: number;
  private readonly rate: number;
  private readonly maxEvents: number;
  private readonly p: number;
  private readonly offsetMs: number;
  private readonly periodMs: number;
  private measureFrom = Number.NaN;

  constructor(readonly settings: LatencyProbeSettings) {
    const c = settings.config;
    if (c.ratePerSecond !== c.firstEventRate) throw new RangeError(`latency probe: the run must set firstEventRate (${c.firstEventRate}) = ratePerSecond (${String(c.ratePerSecond)})`);
    this.baseTime = c.baseTime;
    this.rate = c.firstEventRate;
    this.maxEvents = c.maxEvents;
    this.p = settings.parallelism;
    this.starts = new Array<number>(settings.parallelism).fill(Number.NaN);
    this.ends = new Array<number>(settings.parallelism).fill(Number.NaN);
    this.offsetMs = settings.basis === 'watermark' ? settings.outOfOrdernessMs + 1 : 0;
    this.periodMs = 1000 / this.rate;
  }

  /** Called by a reader wrapper after its first poll. */
  started(subtask: number, startMs: number): void {
    this.starts[subtask] = startMs;
    const first = Math.min(...this.starts.filter((s) => !Number.isNaN(s)));
    this.measureFrom = first + this.settings.measureFromMs;
  }

  /** Called by a reader wrapper when its reader reported the end of its input. */
  ended(subtask: number, endMs: number): void {
    this.ends[subtask] = endMs;
  }

  /**
   * Events / (last reader's end − first reader's start), events/s: the rate the source actually
   * kept (below the configured rate when the job held it back); NaN before every reader ended.
   */
  achievedRate(): number {
    if (this.ends.some((e) => Number.isNaN(e)) || this.starts.some((s) => Number.isNaN(s))) return Number.NaN;
    return (this.maxEvents * 1000) / (Math.max(...this.ends) - Math.min(...this.starts));
  }

  /** The scheduled emission of event `n`, clock ms (NaN when its reader has not started). */
  scheduledAt(n: number): number {
    const k = n % this.p;
    return this.starts[k]! + (n - k) * this.periodMs;
  }

  /** Records the latency of one result with record timestamp `timestamp` (epoch ms of event time). */
  record(timestamp: number): void {
    const now = this.settings.clock.now();
    if (!Number.isFinite(timestamp)) {
      this.untimed++;
      return;
    }
    const n = Math.ceil(((timestamp + this.offsetMs - this.baseTime) * this.rate) / 1000);
    if (n >= this.maxEvents) {
      this.flushed++;
      return;
    }
    const sched = this.scheduledAt(Math.max(0, n));
    if (Number.isNaN(sched)) {
      this.unknownStart++;
      return;
    }
    if (!(sched >= this.measureFrom)) {
      this.settling++;
      return;
    }
    this.histogram.recordMs(now - sched);
  }
}

/** Wraps a Nexmark source so that each reader reports its pacing start to the probe. */
export class ScheduleProbeSource implements Source<NexmarkEvent> {
  readonly boundedness: Source<NexmarkEvent>['boundedness'];

  constructor(
    private readonly inner: Source<NexmarkEvent>,
    private readonly probe: LatencyProbe,
  ) {
    this.boundedness = inner.boundedness;
  }

  createReader(ctx: SourceReaderContext): SourceReader<NexmarkEvent> {
    return new ScheduleProbeReader(this.inner.createReader(ctx), this.probe, ctx.subtaskIndex);
  }

  describe(): string {
    return this.inner.describe?.() ?? 'nexmark';
  }
}

class ScheduleProbeReader implements SourceReader<NexmarkEvent> {
  private polled = false;

  constructor(
    private readonly inner: SourceReader<NexmarkEvent>,
    private readonly probe: LatencyProbe,
    private readonly subtask: number,
  ) {}

  start(): void | Promise<void> {
    return this.inner.start();
  }

  pollNext(output: ReaderOutput<NexmarkEvent>): InputStatus {
    const status = this.polled ? this.inner.pollNext(output) : this.firstPoll(output);
    if (status === 'END_OF_INPUT') this.probe.ended(this.subtask, this.probe.settings.clock.now());
    return status;
  }

  /** The reader's first poll reads the clock first: its pacing start. */
  private firstPoll(output: ReaderOutput<NexmarkEvent>): InputStatus {
    this.polled = true;
    const clock = this.probe.settings.clock;
    clock.beginCapture();
    try {
      return this.inner.pollNext(output);
    } finally {
      this.probe.started(this.subtask, clock.endCapture());
    }
  }

  isAvailable(): Promise<void> {
    return this.inner.isAvailable();
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }

  snapshotState(checkpointId: number): unknown[] {
    return this.inner.snapshotState?.(checkpointId) ?? [];
  }

  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    return this.inner.notifyCheckpointComplete?.(checkpointId);
  }
}
