/**
 * Timers per (key, window, time) on top of the keyed {@link InternalTimerService}, which keys
 * timers by (key, time) only. Each key keeps, in keyed state, a map `time → windows`; the service
 * holds one (key, time) timer while that list is non-empty. When the service fires (key, time),
 * {@link WindowTimers.fire} takes the list and calls back once per window, in registration order,
 * so a trigger sees exactly the timers it registered for its window (Flink's timers carry the
 * window as namespace: `InternalTimer<K, W>`).
 *
 * Semantics match Flink's per-namespace timers: registering an existing (window, time) does
 * nothing; deleting a timer that does not exist does nothing; a timer deleted while other timers
 * of the same (key, time) are firing does not fire; a (window, time) registered while that time is
 * firing fires in the same watermark advance (time ≤ watermark), unless it is still queued.
 *
 * The lists are keyed state and the (key, time) timers live in the backend's timer storage, so
 * both are snapshotted and restored with the key groups; windows read back from restored lists are
 * rebuilt with {@link windowFromState}.
 *
 * @see Flink `InternalTimerServiceImpl` with namespaces, `TimerHeapInternalTimer`.
 */
import { MapStateDescriptor } from '../state/descriptors.js';
import type { KeyedStateBackend } from '../state/keyed-state-backend.js';
import type { MapState } from '../state/keyed-state.js';
import type { InternalTimerService } from '../time/timer-service.js';
import type { Window } from '../window/time-window.js';
import { windowFromState } from './window-from-state.js';

/** Which clock the timers follow. */
export type TimeDomain = 'event-time' | 'processing-time';

/** One time domain's (key, window, time) timers of a window operator. */
export class WindowTimers<W extends Window> {
  private readonly byTime: MapState<number, W[]>;
  /** The (key, time) being fired and the windows still to fire, for deletes/registers meanwhile. */
  private firing: { mapKey: unknown; time: number; pending: Map<string, W> } | undefined;

  /**
   * @param backend the operator's keyed backend; its current key scopes every call.
   * @param domain event or processing time.
   * @param service the operator's timer service (created in `open`).
   */
  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly domain: TimeDomain,
    private readonly service: () => InternalTimerService,
  ) {
    this.byTime = backend.getMapState(new MapStateDescriptor<number, W[]>(`_window-timers/${domain}`));
  }

  /** Registers a timer for `window` at `time` (epoch ms) under the current key. */
  register(window: W, time: number): void {
    const k = window.toKey();
    const f = this.firing;
    if (f !== undefined && f.time === time && f.mapKey === this.backend.currentMapKey && f.pending.has(k)) return;
    const list = this.byTime.get(time);
    if (list === undefined) {
      this.byTime.put(time, [window]);
      const key = this.backend.currentKey;
      if (this.domain === 'event-time') this.service().registerEventTimeTimer(key, time);
      else this.service().registerProcessingTimeTimer(key, time);
      return;
    }
    for (const w of list) if (w === window || windowFromState(w).toKey() === k) return;
    list.push(window);
    this.byTime.put(time, list); // a no-op copy-wise on the heap backend; durable backends need the write
  }

  /** Deletes the timer for `window` at `time` under the current key, if there is one. */
  delete(window: W, time: number): void {
    const k = window.toKey();
    const f = this.firing;
    if (f !== undefined && f.time === time && f.mapKey === this.backend.currentMapKey && f.pending.delete(k)) return;
    const list = this.byTime.get(time);
    if (list === undefined) return;
    const rest = list.filter((w) => windowFromState(w).toKey() !== k);
    if (rest.length === list.length) return;
    if (rest.length > 0) {
      this.byTime.put(time, rest);
      return;
    }
    this.byTime.remove(time);
    const key = this.backend.currentKey;
    if (this.domain === 'event-time') this.service().deleteEventTimeTimer(key, time);
    else this.service().deleteProcessingTimeTimer(key, time);
  }

  /**
   * Fires the current key's windows due at `time` (the service fired (key, time)): removes them
   * from state and calls `fn` for each, in registration order, skipping those deleted meanwhile.
   * Returns a Promise only when `fn` did; the caller awaits it before the next timer.
   */
  fire(time: number, fn: (window: W) => void | Promise<void>): void | Promise<void> {
    const list = this.byTime.get(time);
    if (list === undefined) return undefined;
    this.byTime.remove(time);
    const pending = new Map(
      list.map((stored) => {
        const w = windowFromState(stored);
        return [w.toKey(), w] as const;
      }),
    );
    const firing = { mapKey: this.backend.currentMapKey as unknown, time, pending };
    this.firing = firing;
    const step = (): void | Promise<void> => {
      for (const [k, w] of pending) {
        pending.delete(k);
        const r = fn(w);
        if (r instanceof Promise) {
          return r.then(() => {
            this.firing = firing;
            return step();
          });
        }
      }
      this.firing = undefined;
      return undefined;
    };
    try {
      return step();
    } catch (err) {
      this.firing = undefined;
      throw err;
    }
  }
}
