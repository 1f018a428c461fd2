/**
 * Keyed timers of one operator in one subtask (Flink's InternalTimerServiceImpl): event-time and
 * processing-time timers per key, deduplicated per (key, timestamp), fired in timestamp order
 * with the key context set to the timer's key.
 * - Event-time timers fire when the operator's watermark reaches them ({@link advanceWatermark}):
 *   a timer at t fires once watermark ≥ t.
 * - Processing-time timers fire when the injected {@link Clock} reaches them; the clock callback
 *   only asks the owner to run {@link onProcessingTime} on its mailbox thread (`requestFiring`), so
 *   timers never run concurrently with records.
 * Deleting a timer that does not exist does nothing. Timers are state: a later issue snapshots them.
 */
import type { Clock, TimerHandle } from './clock.js';
import { NO_TIMESTAMP } from './timestamps.js';
import { TimerHeap, type HeapTimer } from './timer-heap.js';
import { keyToMapKey } from '../state/key-hash.js';

/** A registered timer: its time (epoch ms) and key. */
export interface InternalTimer<K = unknown> extends HeapTimer {
  readonly key: K;
  readonly mapKey: string | number | bigint | boolean;
  deleted: boolean;
}

/** Where fired timers go, with the key context already set. */
export interface TimerTarget {
  setCurrentKey(key: unknown): void;
  onEventTime(timer: InternalTimer): void | Promise<void>;
  onProcessingTime(timer: InternalTimer): void | Promise<void>;
}

export class InternalTimerService {
  private readonly eventTimers = new TimerHeap<InternalTimer>();
  private readonly processingTimers = new TimerHeap<InternalTimer>();
  private readonly eventIndex = new Map<string, InternalTimer>();
  private readonly processingIndex = new Map<string, InternalTimer>();
  private seq = 0;
  private watermark = NO_TIMESTAMP;
  private wakeUp: { at: number; handle: TimerHandle } | undefined;

  /**
   * @param clock processing time source.
   * @param requestFiring called (from the clock's callback) when processing-time timers are due;
   *   the owner must then call {@link onProcessingTime} on its own thread.
   */
  constructor(
    private readonly clock: Clock,
    private readonly requestFiring: () => void,
  ) {}

  currentWatermark(): number {
    return this.watermark;
  }

  currentProcessingTime(): number {
    return this.clock.now();
  }

  registerEventTimeTimer(key: unknown, time: number): void {
    this.register(this.eventTimers, this.eventIndex, key, time);
  }

  deleteEventTimeTimer(key: unknown, time: number): void {
    this.remove(this.eventIndex, key, time);
  }

  registerProcessingTimeTimer(key: unknown, time: number): void {
    if (this.register(this.processingTimers, this.processingIndex, key, time)) this.scheduleWakeUp();
  }

  deleteProcessingTimeTimer(key: unknown, time: number): void {
    this.remove(this.processingIndex, key, time);
  }

  /** Number of live timers (event, processing). */
  timerCount(): { event: number; processing: number } {
    return { event: this.eventIndex.size, processing: this.processingIndex.size };
  }

  /**
   * Fires every event-time timer with timestamp ≤ `watermark`, in timestamp order (a timer
   * registered while firing, for a time ≤ the watermark, fires in the same call, as in Flink).
   * Returns a Promise only when a handler was async.
   */
  advanceWatermark(watermark: number, target: TimerTarget): void | Promise<void> {
    if (watermark > this.watermark) this.watermark = watermark;
    return this.fire(this.eventTimers, this.eventIndex, watermark, target, true);
  }

  /** Fires every processing-time timer due at the clock's current time. */
  onProcessingTime(target: TimerTarget): void | Promise<void> {
    this.wakeUp = undefined;
    const r = this.fire(this.processingTimers, this.processingIndex, this.clock.now(), target, false);
    if (r !== undefined) return r.then(() => this.scheduleWakeUp());
    this.scheduleWakeUp();
    return undefined;
  }

  /** Cancels the clock wake-up (on close). */
  dispose(): void {
    this.wakeUp?.handle.cancel();
    this.wakeUp = undefined;
  }

  private fire(heap: TimerHeap<InternalTimer>, index: Map<string, InternalTimer>, upTo: number, target: TimerTarget, eventTime: boolean): void | Promise<void> {
    for (let t = heap.peek(); t !== undefined && t.timestamp <= upTo; t = heap.peek()) {
      heap.pop();
      if (t.deleted) continue;
      index.delete(indexKey(t.mapKey, t.timestamp));
      target.setCurrentKey(t.key);
      const r = eventTime ? target.onEventTime(t) : target.onProcessingTime(t);
      if (r !== undefined) return r.then(() => this.fire(heap, index, upTo, target, eventTime));
    }
    return undefined;
  }

  private register(heap: TimerHeap<InternalTimer>, index: Map<string, InternalTimer>, key: unknown, time: number): boolean {
    const mapKey = keyToMapKey(key);
    const k = indexKey(mapKey, time);
    if (index.has(k)) return false;
    const timer: InternalTimer = { timestamp: time, seq: this.seq++, key, mapKey, deleted: false };
    index.set(k, timer);
    heap.push(timer);
    return true;
  }

  private remove(index: Map<string, InternalTimer>, key: unknown, time: number): void {
    const k = indexKey(keyToMapKey(key), time);
    const t = index.get(k);
    if (t === undefined) return;
    t.deleted = true;
    index.delete(k);
  }

  private scheduleWakeUp(): void {
    let next = this.processingTimers.peek();
    while (next !== undefined && next.deleted) {
      this.processingTimers.pop();
      next = this.processingTimers.peek();
    }
    if (next === undefined) return;
    if (this.wakeUp !== undefined && this.wakeUp.at <= next.timestamp) return;
    this.wakeUp?.handle.cancel();
    const at = next.timestamp;
    const handle = this.clock.setTimeout(() => this.requestFiring(), Math.max(0, at - this.clock.now()));
    this.wakeUp = { at, handle };
  }
}

function indexKey(mapKey: string | number | bigint | boolean, time: number): string {
  return `${typeof mapKey}:${String(mapKey)}@${time}`;
}
