/**
 * Windows: the buckets a window assigner puts elements in. {@link TimeWindow} is a half-open time
 * interval `[start, end)`; {@link GlobalWindow} is the single window that holds everything. Both are
 * immutable values compared with `equals` and keyed in maps by {@link Window.toKey}. All times are
 * epoch milliseconds as plain numbers (safe integers), as everywhere in Weir.
 *
 * @see Flink's `org.apache.flink.streaming.api.windowing.windows.Window`, `TimeWindow`, `GlobalWindow`.
 */

/**
 * A window: something with a largest timestamp it can hold and a stable identity.
 *
 * @see Flink's `Window` (abstract class with `maxTimestamp()`).
 */
export interface Window {
  /**
   * The largest timestamp (epoch ms, inclusive) that still belongs to this window. An event-time
   * trigger fires when the watermark passes it; cleanup happens at `maxTimestamp() + allowedLateness`.
   */
  maxTimestamp(): number;
  /** A stable string that is equal for equal windows and distinct otherwise; use it as a `Map` key. */
  toKey(): string;
  /** Value equality (same kind, same bounds). */
  equals(other: unknown): boolean;
}

/**
 * Called by {@link TimeWindow.mergeWindows} once per group of two or more windows that merge.
 * `mergeResult` is the covering window; `mergedWindows` are the distinct input windows it replaces,
 * in ascending `start` order (one of them may equal `mergeResult`).
 *
 * Note the argument order: Flink's `MergingWindowAssigner.MergeCallback.merge(toBeMerged, mergeResult)`
 * passes them the other way round.
 *
 * @see Flink's `MergingWindowAssigner.MergeCallback`.
 */
export type MergeCallback<W> = (mergeResult: W, mergedWindows: readonly W[]) => void;

/**
 * A time interval `[start, end)`: `start` inclusive, `end` exclusive, both epoch ms. An element with
 * timestamp `t` belongs to it when `start <= t < end`, so {@link maxTimestamp} is `end - 1`.
 * Instances are immutable; compare them with {@link equals} (not `===`) or by {@link toKey}.
 *
 * @see Flink's `org.apache.flink.streaming.api.windowing.windows.TimeWindow`.
 * @example
 * const w = new TimeWindow(0, 1000);
 * w.maxTimestamp(); // 999
 * w.toKey();        // '0:1000'
 */
export class TimeWindow implements Window {
  /** Inclusive lower bound, epoch ms. */
  readonly start: number;
  /** Exclusive upper bound, epoch ms. */
  readonly end: number;

  /** Creates `[start, end)`. No validation, as in Flink: assigners only build well-formed windows. */
  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
    this.key = undefined;
  }

  private key: string | undefined;

  /** `end - 1`: the last millisecond inside the window (Flink `TimeWindow.maxTimestamp`). */
  maxTimestamp(): number {
    return this.end - 1;
  }

  /**
   * True when the two windows overlap **or touch**: `this.start <= other.end && this.end >= other.start`.
   * So `[0,10)` and `[10,20)` intersect, which is why session windows whose gaps exactly meet merge.
   *
   * @see Flink `TimeWindow.intersects` (same inclusive comparisons).
   */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /**
   * The smallest window covering both: `[min(starts), max(ends))` (Flink `TimeWindow.cover`).
   * Any gap between the two is covered too.
   */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  /** True when `other` is a `TimeWindow` with the same `start` and `end`. */
  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  /**
   * `'<start>:<end>'` in decimal, e.g. `'-1000:0'`. Equal windows give equal keys; parse it back
   * with {@link TimeWindow.fromKey}.
   */
  toKey(): string {
    // Cached: the window is immutable and its key is asked for on every element and timer.
    return (this.key ??= `${this.start}:${this.end}`);
  }

  /** `TimeWindow{start=0, end=1000}`, as Flink prints it. */
  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /**
   * Rebuilds a window from {@link toKey}'s output, or returns `undefined` when `key` is not of the
   * form `'<integer>:<integer>'`.
   */
  static fromKey(key: string): TimeWindow | undefined {
    const m = /^(-?\d+):(-?\d+)$/.exec(key);
    if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
    return new TimeWindow(Number(m[1]), Number(m[2]));
  }

  /**
   * The start of the window of length `windowSize` (ms, > 0) that contains `timestamp`, with window
   * starts aligned to `offset` (ms) modulo `windowSize`:
   *
   *     remainder = (timestamp - offset) % windowSize       // JS `%`, like Java's, keeps the dividend's sign
   *     start     = remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder
   *
   * i.e. `timestamp - ((timestamp - offset) % windowSize + windowSize) % windowSize`, the largest
   * `start <= timestamp` with `start ≡ offset (mod windowSize)`. Correct for negative timestamps
   * (`-1` with size 1000 → `-1000`), which Flink's pre-1.17 formula got wrong.
   *
   * @see Flink `TimeWindow.getWindowStartWithOffset` (1.17+).
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }

  /**
   * Merges overlapping or touching windows, as session windows need: sorts `windows` by `start`,
   * sweeps them left to right growing the current group with {@link cover} while the next window
   * {@link intersects} it, and calls `callback(mergeResult, mergedWindows)` for every group that
   * holds more than one distinct window, in ascending order of the groups' starts. Groups of one
   * window are not reported. Duplicate windows count once (Flink collects each group in a `HashSet`).
   * Pure: `windows` is not modified.
   *
   * @see Flink `TimeWindow.mergeWindows`; the callback's argument order differs (see {@link MergeCallback}).
   * @example
   * TimeWindow.mergeWindows([new TimeWindow(0, 10), new TimeWindow(20, 30), new TimeWindow(8, 22)],
   *   (result, merged) => console.log(result.toKey(), merged.length)); // '0:30' 3
   */
  static mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    // Array.prototype.sort is stable, like Java's Collections.sort.
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    const groups: { cover: TimeWindow; members: Map<string, TimeWindow> }[] = [];
    let current: { cover: TimeWindow; members: Map<string, TimeWindow> } | undefined;
    for (const candidate of sorted) {
      if (current !== undefined && current.cover.intersects(candidate)) {
        current.cover = current.cover.cover(candidate);
        if (!current.members.has(candidate.toKey())) current.members.set(candidate.toKey(), candidate);
      } else {
        current = { cover: candidate, members: new Map([[candidate.toKey(), candidate]]) };
        groups.push(current);
      }
    }
    for (const g of groups) {
      if (g.members.size > 1) callback(g.cover, [...g.members.values()]);
    }
  }
}

/**
 * The single window of {@link GlobalWindows}: holds every element of a key, never ends by itself.
 * Get it with {@link GlobalWindow.get}; there is exactly one instance.
 *
 * {@link maxTimestamp} is `Number.MAX_SAFE_INTEGER` (2^53 − 1), the largest integer a JS number holds
 * exactly; Flink uses `Long.MAX_VALUE` (2^63 − 1) for the same "end of time" meaning.
 *
 * @see Flink's `org.apache.flink.streaming.api.windowing.windows.GlobalWindow`.
 */
export class GlobalWindow implements Window {
  private static readonly INSTANCE = new GlobalWindow();

  private constructor() {}

  /** The singleton (Flink `GlobalWindow.get()`). */
  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }

  /** `Number.MAX_SAFE_INTEGER` (Flink: `Long.MAX_VALUE`). */
  maxTimestamp(): number {
    return Number.MAX_SAFE_INTEGER;
  }

  /** Always `'global'`. */
  toKey(): string {
    return 'global';
  }

  /** True only for the global window itself. */
  equals(other: unknown): boolean {
    return other instanceof GlobalWindow;
  }

  /** `GlobalWindow`. */
  toString(): string {
    return 'GlobalWindow';
  }
}
