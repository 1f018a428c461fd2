/**
 * Keyed timers of one operator in one subtask (Flink's InternalTimerServiceImpl): event-time and
 * processing-time timers per key, deduplicated per (key, timestamp), fired in timestamp order
 * with the key context set to the timer's key.
 * - Event-time timers fire when the operator's watermark reaches them ({@link advanceWatermark}):
 *   a timer at t fires once watermark ≥ t.
 * - Processing-time timers fire when the injected {@link Clock} reaches them; the clock callback
 *   only asks the owner to run {@link onProcessingTime} on its mailbox thread (`requestFiring`), so
 *   timers never run concurrently with records.
 * Deleting a timer that does not exist does nothing.
 *
 * **Timers are state** (Flink keeps them in the keyed backend, per key group): the index of live
 * timers is split by key group, and with a `storage` the service registers with the keyed backend
 * ({@link KeyedStateBackend.registerTimers}), which snapshots and restores each key group's timers
 * with its state, and is told ({@link KeyedStateBackend.markChanged}) of every timer registered,
 * deleted or fired, for incremental checkpoints. Restored processing-time timers are scheduled
 * like registered ones; restored event-time timers fire on the next watermark ≥ their time.
 *
 * @see org.apache.flink.streaming.api.operators.InternalTimerServiceImpl
 * @see org.apache.flink.streaming.api.operators.HeapPriorityQueueSet (timers per key group)
 */
import { SnapshotFormatError } from '../errors.js';
import { assignToKeyGroup } from '../state/key-groups.js';
import { keyToMapKey } from '../state/key-hash.js';
import type { KeyedStateBackend, TimerStateParticipant } from '../state/keyed-state-backend.js';
import type { Clock, TimerHandle } from './clock.js';
import { TimerHeap, type HeapTimer } from './timer-heap.js';
import { NO_TIMESTAMP } from './timestamps.js';

type MapKey = string | number | bigint | boolean;

/** A registered timer: its time (epoch ms) and key. */
export interface InternalTimer<K = unknown> extends HeapTimer {
  readonly key: K;
  /** The key normalised with `keyToMapKey`. */
  readonly mapKey: MapKey;
  /** The key's key group (0 when the service has no storage). */
  readonly keyGroup: number;
  deleted: boolean;
}

/** Where fired timers go, with the key context already set. */
export interface TimerTarget {
  setCurrentKey(key: unknown): void;
  onEventTime(timer: InternalTimer): void | Promise<void>;
  onProcessingTime(timer: InternalTimer): void | Promise<void>;
}

/** Where a timer service keeps its timers as state: the operator's keyed backend, under a name unique per operator. */
export interface TimerServiceStorage {
  readonly backend: KeyedStateBackend;
  /** The service's name in snapshots (e.g. `'_timers'`); restored timers of that name come back to it. */
  readonly name: string;
}

/**
 * One key group's timers as plain data (what {@link TimerStateParticipant.snapshotKeyGroup}
 * returns): flat `[key, timestamp, key, timestamp, …]` lists, each in firing order.
 */
export interface KeyGroupTimersData {
  /** Event-time timers. */
  e: unknown[];
  /** Processing-time timers. */
  p: unknown[];
}

/** A key's timers in an index: one timer (the common case) or a map timestamp → timer. */
type TimerSlot = InternalTimer | Map<number, InternalTimer>;

/** Live timers of one time domain, per key group, then per key, then per timestamp. */
class TimerIndex {
  private readonly groups: (Map<MapKey, TimerSlot> | undefined)[];
  size = 0;

  constructor(keyGroups: number) {
    this.groups = new Array(keyGroups);
  }

  has(kg: number, mapKey: MapKey, time: number): boolean {
    const s = this.groups[kg]?.get(mapKey);
    if (s === undefined) return false;
    return s instanceof Map ? s.has(time) : s.timestamp === time;
  }

  add(t: InternalTimer): void {
    let g = this.groups[t.keyGroup];
    if (g === undefined) this.groups[t.keyGroup] = g = new Map();
    const s = g.get(t.mapKey);
    if (s === undefined) g.set(t.mapKey, t);
    else if (s instanceof Map) s.set(t.timestamp, t);
    else
      g.set(
        t.mapKey,
        new Map([
          [s.timestamp, s],
          [t.timestamp, t],
        ]),
      );
    this.size++;
  }

  remove(kg: number, mapKey: MapKey, time: number): InternalTimer | undefined {
    const g = this.groups[kg];
    const s = g?.get(mapKey);
    if (s === undefined) return undefined;
    let t: InternalTimer | undefined;
    if (s instanceof Map) {
      t = s.get(time);
      if (t === undefined) return undefined;
      s.delete(time);
      if (s.size === 0) g!.delete(mapKey);
    } else {
      if (s.timestamp !== time) return undefined;
      t = s;
      g!.delete(mapKey);
    }
    this.size--;
    return t;
  }

  /** The timers of key group `kg`, in (timestamp, registration) order. */
  keyGroup(kg: number): InternalTimer[] {
    const g = this.groups[kg];
    const out: InternalTimer[] = [];
    if (g === undefined) return out;
    for (const s of g.values()) {
      if (s instanceof Map) for (const t of s.values()) out.push(t);
      else out.push(s);
    }
    return out.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  }
}

/**
 * The timers of one keyed operator subtask (see the module comment); times are epoch ms, keys are
 * stream keys (primitives or arrays of them).
 */
export class InternalTimerService {
  private readonly eventTimers = new TimerHeap<InternalTimer>();
  private readonly processingTimers = new TimerHeap<InternalTimer>();
  private readonly eventIndex: TimerIndex;
  private readonly processingIndex: TimerIndex;
  private readonly backend: KeyedStateBackend | undefined;
  private seq = 0;
  private watermark = NO_TIMESTAMP;
  private wakeUp: { at: number; handle: TimerHandle } | undefined;
  /** The normalised key of the last {@link locate} (saves an allocation per call). */
  private locatedMapKey: MapKey = 0;

  /**
   * @param clock processing time source.
   * @param requestFiring called (from the clock's callback) when processing-time timers are due;
   *   the owner must then call {@link onProcessingTime} on its own thread.
   * @param storage where the timers are kept as state (optional): the service registers with
   *   `storage.backend` under `storage.name` (restored timers of that name are added now or on a
   *   later restore) and marks key groups changed on every timer change. Without it, timers are not
   *   part of snapshots.
   */
  constructor(
    private readonly clock: Clock,
    private readonly requestFiring: () => void,
    storage?: TimerServiceStorage,
  ) {
    this.backend = storage?.backend;
    const keyGroups = storage === undefined ? 1 : storage.backend.maxParallelism;
    this.eventIndex = new TimerIndex(keyGroups);
    this.processingIndex = new TimerIndex(keyGroups);
    if (storage !== undefined) {
      const participant: TimerStateParticipant = {
        snapshotKeyGroup: (kg) => this.snapshotKeyGroup(kg),
        restoreKeyGroup: (kg, data) => this.restoreKeyGroup(kg, data),
      };
      storage.backend.registerTimers(storage.name, participant);
    }
  }

  /** The last watermark passed to {@link advanceWatermark} (`NO_TIMESTAMP` before the first). */
  currentWatermark(): number {
    return this.watermark;
  }

  /** The clock's time, epoch ms. */
  currentProcessingTime(): number {
    return this.clock.now();
  }

  /** Registers an event-time timer for (`key`, `time`); nothing when it exists. */
  registerEventTimeTimer(key: unknown, time: number): void {
    const kg = this.locate(key);
    if (this.register(this.eventTimers, this.eventIndex, key, this.locatedMapKey, kg, time)) this.backend?.markChanged(kg);
  }

  /** Deletes the event-time timer (`key`, `time`); nothing when it does not exist. */
  deleteEventTimeTimer(key: unknown, time: number): void {
    const kg = this.locate(key);
    if (this.remove(this.eventIndex, this.locatedMapKey, kg, time)) this.backend?.markChanged(kg);
  }

  /** Registers a processing-time timer for (`key`, `time`) and schedules the wake-up; nothing when it exists. */
  registerProcessingTimeTimer(key: unknown, time: number): void {
    const kg = this.locate(key);
    if (this.register(this.processingTimers, this.processingIndex, key, this.locatedMapKey, kg, time)) {
      this.backend?.markChanged(kg);
      this.scheduleWakeUp();
    }
  }

  /** Deletes the processing-time timer (`key`, `time`); nothing when it does not exist. */
  deleteProcessingTimeTimer(key: unknown, time: number): void {
    const kg = this.locate(key);
    if (this.remove(this.processingIndex, this.locatedMapKey, kg, time)) this.backend?.markChanged(kg);
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

  /**
   * Key group `kg`'s timers as plain data ({@link KeyGroupTimersData}, keys as registered), or
   * `undefined` when it has none. A copy: later changes do not show.
   */
  snapshotKeyGroup(kg: number): KeyGroupTimersData | undefined {
    const e = this.eventIndex.keyGroup(kg);
    const p = this.processingIndex.keyGroup(kg);
    if (e.length === 0 && p.length === 0) return undefined;
    return { e: flatten(e), p: flatten(p) };
  }

  /**
   * Adds timers saved by {@link snapshotKeyGroup} for key group `kg` (existing (key, time) timers
   * stay as they are) and schedules the processing-time wake-up.
   * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when `data` is not such data.
   */
  restoreKeyGroup(kg: number, data: unknown): void {
    const d = data as Partial<KeyGroupTimersData> | null;
    if (typeof d !== 'object' || d === null || !isTimerList(d.e) || !isTimerList(d.p)) throw new SnapshotFormatError(`key group ${kg}: malformed timer data`);
    for (let i = 0; i < d.e.length; i += 2) {
      const key = d.e[i];
      this.register(this.eventTimers, this.eventIndex, key, restoredMapKey(key, kg), kg, d.e[i + 1] as number);
    }
    for (let i = 0; i < d.p.length; i += 2) {
      const key = d.p[i];
      this.register(this.processingTimers, this.processingIndex, key, restoredMapKey(key, kg), kg, d.p[i + 1] as number);
    }
    if (d.p.length > 0) this.scheduleWakeUp();
  }

  /** Key group of `key`, with its normalised form left in {@link locatedMapKey}; cheap for the backend's current key. */
  private locate(key: unknown): number {
    const b = this.backend;
    if (b === undefined) {
      this.locatedMapKey = keyToMapKey(key);
      return 0;
    }
    if (key === b.currentKey) {
      this.locatedMapKey = b.currentMapKey;
      return b.currentKeyGroup;
    }
    this.locatedMapKey = keyToMapKey(key);
    return assignToKeyGroup(key, b.maxParallelism);
  }

  private fire(heap: TimerHeap<InternalTimer>, index: TimerIndex, upTo: number, target: TimerTarget, eventTime: boolean): void | Promise<void> {
    for (let t = heap.peek(); t !== undefined && t.timestamp <= upTo; t = heap.peek()) {
      heap.pop();
      if (t.deleted) continue;
      index.remove(t.keyGroup, t.mapKey, t.timestamp);
      this.backend?.markChanged(t.keyGroup);
      target.setCurrentKey(t.key);
      const r = eventTime ? target.onEventTime(t) : target.onProcessingTime(t);
      if (r !== undefined) return r.then(() => this.fire(heap, index, upTo, target, eventTime));
    }
    return undefined;
  }

  private register(heap: TimerHeap<InternalTimer>, index: TimerIndex, key: unknown, mapKey: MapKey, kg: number, time: number): boolean {
    if (index.has(kg, mapKey, time)) return false;
    const timer: InternalTimer = { timestamp: time, seq: this.seq++, key, mapKey, keyGroup: kg, deleted: false };
    index.add(timer);
    heap.push(timer);
    return true;
  }

  private remove(index: TimerIndex, mapKey: MapKey, kg: number, time: number): boolean {
    const t = index.remove(kg, mapKey, time);
    if (t === undefined) return false;
    t.deleted = true;
    return true;
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

function flatten(timers: readonly InternalTimer[]): unknown[] {
  const out = new Array<unknown>(timers.length * 2);
  for (let i = 0; i < timers.length; i++) {
    out[2 * i] = timers[i]!.key;
    out[2 * i + 1] = timers[i]!.timestamp;
  }
  return out;
}

/** @throws SnapshotFormatError when a restored timer's key is not a valid key. */
function restoredMapKey(key: unknown, kg: number): MapKey {
  try {
    return keyToMapKey(key);
  } catch (err) {
    throw new SnapshotFormatError(`key group ${kg}: malformed timer key`, undefined, { cause: err });
  }
}

function isTimerList(l: unknown): l is unknown[] {
  if (!Array.isArray(l) || l.length % 2 !== 0) return false;
  for (let i = 1; i < l.length; i += 2) if (typeof l[i] !== 'number') return false;
  return true;
}
