/**
 * The Nexmark generator as a parallel, replayable Weir source (nexmark's `NexmarkSource` /
 * `NexmarkSourceReader`, FLIP-27).
 *
 * Splitting: event numbers are dealt round-robin, subtask `i` of `p` generates `i, i + p, i + 2p, …`
 * (interleaved, not contiguous ranges), so all subtasks advance through event time together and
 * their watermarks stay close, as one generator's would; the union over subtasks is exactly events
 * `0 … maxEvents − 1` (all event numbers when unbounded). Every event is generated from its number
 * alone ({@link generateEvent}), so the stream at any parallelism is the same multiset of events.
 * nexmark instead gives each subtask a contiguous range of ids on its own timeline.
 *
 * Replay: a reader's split is a {@link NexmarkSplit} `{kind: 'nexmark', next, step, end}`, the
 * event numbers `next, next + step, … < end` still to emit. On restore with another parallelism the
 * splits are dealt to the new readers as they are (not re-cut, as Flink's NumberSequenceSplits); a
 * reader with several splits emits them merged in event-number order (so in event-time order),
 * which also keeps unbounded splits progressing together.
 *
 * Pacing (`ratePerSecond`): a reader emits event `n` once the wall clock reaches
 * `start + (n − n₀) × 1000 / ratePerSecond` ms (`start` its first poll, `n₀` its first event
 * number), so the subtasks together emit `ratePerSecond` events/s; between due times it returns
 * `'NOTHING_AVAILABLE'` and `isAvailable()` resolves on a timer of the configured clock.
 *
 * @see com.github.nexmark.flink.source.NexmarkSource, NexmarkSourceReader
 * @see org.apache.flink.api.connector.source.lib.NumberSequenceSource (split handling)
 */
import { RestoreError } from '../../lib/errors.js';
import { systemClock, type Clock, type TimerHandle } from '../../lib/time/clock.js';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../source.js';
import type { NexmarkEvent } from './events.js';
import { generate } from './generate-event.js';
import { generatorParams, type GeneratorParams } from './generator-params.js';
import { resolveNexmarkConfig, type NexmarkConfig } from './nexmark-config.js';

/**
 * The split of a {@link NexmarkSource} reader: event numbers `next, next + step, next + 2·step, …`
 * below `end` still to emit. Plain data (cbor-encodable).
 */
export interface NexmarkSplit {
  readonly kind: 'nexmark';
  /** The next event number to emit (a non-negative safe integer). */
  readonly next: number;
  /** Distance between the split's event numbers (the parallelism of the fresh start, ≥ 1). */
  readonly step: number;
  /** One past the last event number of the stream: `maxEvents`, or `Number.MAX_SAFE_INTEGER` when unbounded. */
  readonly end: number;
}

/**
 * A source of Nexmark events; see the module docstring for splitting, replay and pacing.
 *
 * @see com.github.nexmark.flink.source.NexmarkSource
 * @example
 * const events = await env
 *   .fromSource(new NexmarkSource({ maxEvents: 10_000 }), nexmarkWatermarks(), 'nexmark')
 *   .executeAndCollect();
 */
export class NexmarkSource implements Source<NexmarkEvent> {
  /** `'BOUNDED'` when `maxEvents > 0`. */
  readonly boundedness: 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';
  /** The resolved (complete, frozen) configuration. */
  readonly config: NexmarkConfig;

  /**
   * @param config options over {@link DEFAULT_NEXMARK_CONFIG}.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when a field is unknown or out of range.
   */
  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = resolveNexmarkConfig(config);
    this.boundedness = this.config.maxEvents > 0 ? 'BOUNDED' : 'CONTINUOUS_UNBOUNDED';
  }

  /**
   * The reader of one subtask: on a fresh start subtask `i` of `p` reads event numbers `i, i + p, …`;
   * on restore exactly the restored {@link NexmarkSplit}s.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when a restored split is not a Nexmark split.
   */
  createReader(ctx: SourceReaderContext): SourceReader<NexmarkEvent> {
    const end = this.config.maxEvents > 0 ? this.config.maxEvents : Number.MAX_SAFE_INTEGER;
    const splits: NexmarkSplit[] =
      ctx.restoredSplits !== undefined
        ? ctx.restoredSplits.map(toNexmarkSplit)
        : ctx.subtaskIndex < end
          ? [{ kind: 'nexmark', next: ctx.subtaskIndex, step: ctx.parallelism, end }]
          : [];
    return new NexmarkReader(generatorParams(this.config), splits);
  }

  describe(): string {
    const c = this.config;
    const count = c.maxEvents > 0 ? `${c.maxEvents} events` : 'unbounded';
    const pace = c.ratePerSecond !== undefined ? `, paced at ${c.ratePerSecond} events/s` : '';
    return `nexmark ${count}, seed ${c.seed}, ${c.firstEventRate} events/s of event time${pace}`;
  }
}

function toNexmarkSplit(split: unknown, index: number): NexmarkSplit {
  const s = split as Partial<NexmarkSplit> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    s.kind !== 'nexmark' ||
    !Number.isSafeInteger(s.next) ||
    !Number.isSafeInteger(s.step) ||
    !Number.isSafeInteger(s.end) ||
    (s.next as number) < 0 ||
    (s.step as number) < 1
  ) {
    let text: string;
    try {
      text = JSON.stringify(split) ?? String(split);
    } catch {
      text = String(split);
    }
    throw new RestoreError(`nexmark: restored split #${index} is not a Nexmark split {kind: 'nexmark', next, step, end}: ${text}`);
  }
  return { kind: 'nexmark', next: s.next as number, step: s.step as number, end: s.end as number };
}

/**
 * Emits its splits merged in event-number order. Positions are kept in parallel arrays; splits
 * whose `next` reached `end` are finished.
 */
class NexmarkReader implements SourceReader<NexmarkEvent> {
  private readonly nexts: number[];
  private readonly steps: number[];
  private readonly ends: number[];
  private readonly perPoll: number;
  private readonly emitTimestamps: boolean;
  private readonly rate: number | undefined;
  private readonly clock: Clock;
  /** Pacing anchor: wall time (ms) of the first poll and the first event number then; NaN before. */
  private startMs = NaN;
  private startEvent = 0;
  private timer: TimerHandle | undefined;
  private available: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly params: GeneratorParams,
    splits: readonly NexmarkSplit[],
  ) {
    this.nexts = splits.map((s) => s.next);
    this.steps = splits.map((s) => s.step);
    this.ends = splits.map((s) => s.end);
    const c = params.config;
    this.perPoll = c.eventsPerPoll;
    this.emitTimestamps = c.emitTimestamps;
    this.rate = c.ratePerSecond;
    this.clock = c.clock ?? systemClock;
  }

  start(): void {}

  pollNext(output: ReaderOutput<NexmarkEvent>): InputStatus {
    // The highest event number that may be emitted now.
    let limit = Number.MAX_SAFE_INTEGER;
    if (this.rate !== undefined) {
      const now = this.clock.now();
      if (Number.isNaN(this.startMs)) {
        this.startMs = now;
        this.startEvent = this.minNext();
      }
      limit = this.startEvent + Math.floor(((now - this.startMs) * this.rate) / 1000);
    }
    const emitted = this.nexts.length === 1 ? this.pollOne(output, limit) : this.pollMerged(output, limit);
    if (emitted < 0) return 'END_OF_INPUT';
    if (this.rate !== undefined && this.minNext() > limit) return 'NOTHING_AVAILABLE';
    return 'MORE_AVAILABLE';
  }

  /** One split: a tight loop. Returns the count emitted, −1 when the split is done. */
  private pollOne(output: ReaderOutput<NexmarkEvent>, limit: number): number {
    const step = this.steps[0]!;
    const end = this.ends[0]!;
    let n = this.nexts[0]!;
    if (n >= end) return -1;
    const stop = Math.min(end, n + this.perPoll * step, limit + 1);
    const p = this.params;
    let count = 0;
    if (this.emitTimestamps) {
      for (; n < stop; n += step, count++) {
        const e = generate(p, n);
        output.collect(e, e.type === 2 ? e.bid.dateTime : e.type === 1 ? e.auction.dateTime : e.person.dateTime);
      }
    } else {
      for (; n < stop; n += step, count++) output.collect(generate(p, n));
    }
    this.nexts[0] = n;
    return n >= end ? -1 : count;
  }

  /** Several (or no) splits: always the smallest next event number. Returns −1 when all are done. */
  private pollMerged(output: ReaderOutput<NexmarkEvent>, limit: number): number {
    const nexts = this.nexts;
    const p = this.params;
    let count = 0;
    while (count < this.perPoll) {
      let best = -1;
      for (let i = 0; i < nexts.length; i++) {
        if (nexts[i]! < this.ends[i]! && (best < 0 || nexts[i]! < nexts[best]!)) best = i;
      }
      if (best < 0) return -1;
      const n = nexts[best]!;
      if (n > limit) break;
      const e = generate(p, n);
      if (this.emitTimestamps) output.collect(e, e.type === 2 ? e.bid.dateTime : e.type === 1 ? e.auction.dateTime : e.person.dateTime);
      else output.collect(e);
      nexts[best] = n + this.steps[best]!;
      count++;
    }
    return this.nexts.some((n, i) => n < this.ends[i]!) ? count : -1;
  }

  /** The smallest next event number over unfinished splits (MAX_SAFE_INTEGER when none). */
  private minNext(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < this.nexts.length; i++) if (this.nexts[i]! < this.ends[i]! && this.nexts[i]! < min) min = this.nexts[i]!;
    return min;
  }

  /**
   * Resolves at once when unpaced (or before the first poll, or when every split is done);
   * otherwise when the clock reaches the due time of the next event, at least 1 ms from now.
   */
  isAvailable(): Promise<void> {
    if (this.rate === undefined || Number.isNaN(this.startMs)) return Promise.resolve();
    if (this.available !== undefined) return this.available;
    const next = this.minNext();
    if (next === Number.MAX_SAFE_INTEGER) return Promise.resolve();
    const dueMs = this.startMs + ((next - this.startEvent) * 1000) / this.rate;
    // Called after 'NOTHING_AVAILABLE', so the event was not due at the last poll: wait at least
    // 1 ms, which also keeps rounding from turning the wait into a busy loop.
    const delay = Math.max(1, Math.ceil(dueMs - this.clock.now()));
    this.available = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.timer = this.clock.setTimeout(() => this.wakeUp(), delay);
    return this.available;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.timer = undefined;
    this.available = undefined;
    this.wake = undefined;
    wake?.();
  }

  /** The unfinished splits at their current positions. */
  snapshotState(): NexmarkSplit[] {
    const out: NexmarkSplit[] = [];
    for (let i = 0; i < this.nexts.length; i++) {
      if (this.nexts[i]! < this.ends[i]!) out.push({ kind: 'nexmark', next: this.nexts[i]!, step: this.steps[i]!, end: this.ends[i]! });
    }
    return out;
  }

  /** Cancels the pacing timer (a pending `isAvailable()` resolves). */
  close(): void {
    this.timer?.cancel();
    this.wakeUp();
  }
}
