/**
 * Barrier handling of one subtask's input channels, as a small state machine (Flink's
 * SingleCheckpointBarrierHandler with its WaitingForFirstBarrier / CollectingBarriers states, and
 * CheckpointBarrierTracker for at-least-once).
 *
 * - `EXACTLY_ONCE` (alignment): after the first barrier of checkpoint n arrives on a channel, that
 *   channel is **blocked** — the subtask buffers what comes after the barrier — until the barrier
 *   arrived on every channel that has not ended; then the snapshot is triggered and the channels are
 *   released. A barrier of a newer checkpoint during an alignment aborts the older one (subsumed).
 * - `AT_LEAST_ONCE` (tracking): nothing is blocked; the snapshot is triggered when the barrier of
 *   checkpoint n arrived on every open channel, so records after a barrier on a fast channel may be
 *   part of the snapshot and replayed after a restore.
 *
 * Ended channels (EndOfPartition) count as aligned: they will send nothing more.
 */
import type { CheckpointingMode } from './checkpoint-config.js';
import type { CheckpointBarrier } from '../runtime/messages.js';

/** What the subtask does after an event. */
export interface BarrierDecision {
  /** Snapshot for this barrier now (then forward it). */
  trigger?: CheckpointBarrier;
  /** ms from the first to the last barrier of `trigger`. */
  alignmentMs?: number;
  /** Checkpoint abandoned by this subtask (a newer barrier overtook it). */
  aborted?: number;
  /** Release the channels blocked so far (replay what was buffered behind them). */
  release?: boolean;
}

/** Where the handler is (Flink's BarrierHandlerState). */
export type BarrierHandlerState = 'waiting-for-first-barrier' | 'collecting-barriers';

const NOTHING: BarrierDecision = {};

export class CheckpointBarrierHandler {
  private readonly ended: boolean[];
  private openChannels: number;
  /** Exactly-once: the checkpoint being aligned. */
  private aligning: { barrier: CheckpointBarrier; seen: boolean[]; missing: number; startedAt: number } | undefined;
  /** At-least-once: barriers seen per pending checkpoint id. */
  private readonly tracked = new Map<number, { barrier: CheckpointBarrier; seen: boolean[]; missing: number; startedAt: number }>();
  private lastTriggered = 0;

  /**
   * @param channels number of input channels.
   * @param now monotonic ms (for alignment time).
   */
  constructor(
    channels: number,
    readonly mode: CheckpointingMode,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ended = new Array<boolean>(channels).fill(false);
    this.openChannels = channels;
  }

  get state(): BarrierHandlerState {
    return this.aligning !== undefined || this.tracked.size > 0 ? 'collecting-barriers' : 'waiting-for-first-barrier';
  }

  /** Id of the last checkpoint this handler triggered (0 before any). */
  get lastTriggeredId(): number {
    return this.lastTriggered;
  }

  /** True when messages of channel `ch` must wait (exactly-once alignment only). */
  isBlocked(ch: number): boolean {
    return this.aligning !== undefined && this.aligning.seen[ch] === true;
  }

  /** True when any channel is blocked. */
  get anyBlocked(): boolean {
    return this.aligning !== undefined;
  }

  onBarrier(barrier: CheckpointBarrier): BarrierDecision {
    if (barrier.id <= this.lastTriggered) return NOTHING;
    return this.mode === 'EXACTLY_ONCE' ? this.align(barrier) : this.track(barrier);
  }

  /** Channel `ch` ended: it counts as aligned from now on. */
  onEndOfPartition(ch: number): BarrierDecision {
    if (this.ended[ch] === true) return NOTHING;
    this.ended[ch] = true;
    this.openChannels--;
    if (this.mode === 'EXACTLY_ONCE') {
      const a = this.aligning;
      if (a === undefined || a.seen[ch] === true) return NOTHING;
      a.seen[ch] = true;
      return --a.missing === 0 ? this.completeAlignment() : NOTHING;
    }
    let decision: BarrierDecision = NOTHING;
    for (const [id, t] of [...this.tracked].sort((x, y) => x[0] - y[0])) {
      if (t.seen[ch] === true) continue;
      t.seen[ch] = true;
      if (--t.missing === 0) decision = this.completeTracked(id);
    }
    return decision;
  }

  private align(barrier: CheckpointBarrier): BarrierDecision {
    let aborted: number | undefined;
    const a = this.aligning;
    if (a !== undefined && barrier.id < a.barrier.id) return NOTHING;
    if (a !== undefined && barrier.id > a.barrier.id) {
      // A newer checkpoint overtook the one being aligned: give that one up (Flink: subsumed).
      aborted = a.barrier.id;
      this.aligning = undefined;
    }
    if (this.aligning === undefined) {
      const seen = this.ended.slice();
      this.aligning = { barrier, seen, missing: this.openChannels, startedAt: this.now() };
    }
    const cur = this.aligning!;
    if (cur.seen[barrier.ch] !== true) {
      cur.seen[barrier.ch] = true;
      cur.missing--;
    }
    if (cur.missing <= 0) {
      const d = this.completeAlignment();
      return aborted !== undefined ? { ...d, aborted } : d;
    }
    return aborted !== undefined ? { aborted, release: true } : NOTHING;
  }

  private completeAlignment(): BarrierDecision {
    const a = this.aligning!;
    this.aligning = undefined;
    this.lastTriggered = a.barrier.id;
    return { trigger: a.barrier, alignmentMs: this.now() - a.startedAt, release: true };
  }

  private track(barrier: CheckpointBarrier): BarrierDecision {
    let t = this.tracked.get(barrier.id);
    if (t === undefined) {
      t = { barrier, seen: this.ended.slice(), missing: this.openChannels, startedAt: this.now() };
      this.tracked.set(barrier.id, t);
    }
    if (t.seen[barrier.ch] !== true) {
      t.seen[barrier.ch] = true;
      t.missing--;
    }
    return t.missing <= 0 ? this.completeTracked(barrier.id) : NOTHING;
  }

  private completeTracked(id: number): BarrierDecision {
    const t = this.tracked.get(id)!;
    // Older pending checkpoints can no longer complete here (Flink's tracker drops them).
    let aborted: number | undefined;
    for (const other of [...this.tracked.keys()]) {
      if (other < id) aborted = other;
      if (other <= id) this.tracked.delete(other);
    }
    this.lastTriggered = id;
    const d: BarrierDecision = { trigger: t.barrier, alignmentMs: this.now() - t.startedAt };
    return aborted !== undefined ? { ...d, aborted } : d;
  }
}
