import test from 'ava';
import { GlobalWindow, TimeWindow } from '../../lib/window/time-window.js';

const HOUR = 3_600_000;
const MIN = 60_000;

/** [start, end] pairs: easy to compare with deepEqual. */
const pair = (w: TimeWindow): [number, number] => [w.start, w.end];

/** Records every merge callback as plain data. */
function collectMerges(windows: TimeWindow[]): { result: [number, number]; merged: [number, number][] }[] {
  const calls: { result: [number, number]; merged: [number, number][] }[] = [];
  TimeWindow.mergeWindows(windows, (result, merged) => calls.push({ result: pair(result), merged: merged.map(pair) }));
  return calls;
}

// ---- getWindowStartWithOffset ----

test('window start for non-negative timestamps, size 1000, offset 0', (t) => {
  // 0 % 1000 = 0 → 0;  999 % 1000 = 999 → 999 - 999 = 0;  1000 % 1000 = 0 → 1000;  1001 → 1000
  t.is(TimeWindow.getWindowStartWithOffset(0, 0, 1000), 0);
  t.is(TimeWindow.getWindowStartWithOffset(999, 0, 1000), 0);
  t.is(TimeWindow.getWindowStartWithOffset(1000, 0, 1000), 1000);
  t.is(TimeWindow.getWindowStartWithOffset(1001, 0, 1000), 1000);
});

test('window start for negative timestamps rounds down, not towards zero', (t) => {
  // ts=-1:    remainder = -1 % 1000 = -1 < 0 → -1 - (-1 + 1000) = -1000       → [-1000, 0)
  t.is(TimeWindow.getWindowStartWithOffset(-1, 0, 1000), -1000);
  // ts=-1000: remainder = -1000 % 1000 = -0, not < 0 → -1000 - (-0) = -1000   → [-1000, 0)
  t.is(TimeWindow.getWindowStartWithOffset(-1000, 0, 1000), -1000);
  // ts=-1001: remainder = -1001 % 1000 = -1 < 0 → -1001 - 999 = -2000         → [-2000, -1000)
  t.is(TimeWindow.getWindowStartWithOffset(-1001, 0, 1000), -2000);
  // ts=-999:  remainder = -999 < 0 → -999 - 1 = -1000
  t.is(TimeWindow.getWindowStartWithOffset(-999, 0, 1000), -1000);
});

test('window start with a positive offset: 1 h windows starting at :15', (t) => {
  // ts=0:         (0 - 900_000) % 3_600_000 = -900_000 < 0 → 0 - (-900_000 + 3_600_000) = -2_700_000  (i.e. -0:45)
  t.is(TimeWindow.getWindowStartWithOffset(0, 15 * MIN, HOUR), -2_700_000);
  // ts=900_000:   (900_000 - 900_000) % 3_600_000 = 0 → 900_000                                          (0:15)
  t.is(TimeWindow.getWindowStartWithOffset(15 * MIN, 15 * MIN, HOUR), 900_000);
  // ts=4_499_999: (4_499_999 - 900_000) = 3_599_999 % 3_600_000 = 3_599_999 → 900_000                    (1:14:59.999 → 0:15)
  t.is(TimeWindow.getWindowStartWithOffset(4_499_999, 15 * MIN, HOUR), 900_000);
  // ts=4_500_000: 3_600_000 % 3_600_000 = 0 → 4_500_000                                                  (1:15)
  t.is(TimeWindow.getWindowStartWithOffset(4_500_000, 15 * MIN, HOUR), 4_500_000);
  // ts=-1:        (-1 - 900_000) = -900_001 % 3_600_000 = -900_001 < 0 → -1 - 2_699_999 = -2_700_000
  t.is(TimeWindow.getWindowStartWithOffset(-1, 15 * MIN, HOUR), -2_700_000);
});

test('window start with a negative offset: 1 h windows starting at :45 (offset -15 min)', (t) => {
  // ts=0:         (0 + 900_000) % 3_600_000 = 900_000 → 0 - 900_000 = -900_000       (-0:15)
  t.is(TimeWindow.getWindowStartWithOffset(0, -15 * MIN, HOUR), -900_000);
  // ts=2_700_000: (2_700_000 + 900_000) % 3_600_000 = 0 → 2_700_000                  (0:45)
  t.is(TimeWindow.getWindowStartWithOffset(2_700_000, -15 * MIN, HOUR), 2_700_000);
  // ts=2_699_999: 3_599_999 % 3_600_000 = 3_599_999 → 2_699_999 - 3_599_999 = -900_000
  t.is(TimeWindow.getWindowStartWithOffset(2_699_999, -15 * MIN, HOUR), -900_000);
  // ts=-900_001:  (-900_001 + 900_000) = -1 % 3_600_000 = -1 < 0 → -900_001 - 3_599_999 = -4_500_000
  t.is(TimeWindow.getWindowStartWithOffset(-900_001, -15 * MIN, HOUR), -4_500_000);
});

test('window start matches floor((ts - offset) / size) * size + offset over a range that crosses zero', (t) => {
  // Independent reference: floor division instead of the remainder formula.
  const ref = (ts: number, offset: number, size: number): number => Math.floor((ts - offset) / size) * size + offset;
  const bad: string[] = [];
  for (const [size, offset] of [[1000, 0], [1000, 250], [1000, -250], [7, 3], [7, -6], [1, 0]] as const) {
    for (let ts = -2500; ts <= 2500; ts++) {
      const start = TimeWindow.getWindowStartWithOffset(ts, offset, size);
      if (start !== ref(ts, offset, size) || !(start <= ts && ts < start + size)) bad.push(`size=${size} offset=${offset} ts=${ts}: got ${start}, expected ${ref(ts, offset, size)}`);
    }
  }
  t.deepEqual(bad, []);
});

// ---- TimeWindow basics ----

test('end is exclusive: maxTimestamp is end - 1', (t) => {
  const w = new TimeWindow(0, 1000);
  t.is(w.maxTimestamp(), 999);
  t.is(new TimeWindow(-1000, 0).maxTimestamp(), -1);
  // ts = end - 1 = 999 is in [0, 1000); ts = end = 1000 starts the next window [1000, 2000).
  t.is(TimeWindow.getWindowStartWithOffset(999, 0, 1000), 0);
  t.is(TimeWindow.getWindowStartWithOffset(1000, 0, 1000), 1000);
});

test('equals compares bounds; toKey is stable and round-trips through fromKey', (t) => {
  const a = new TimeWindow(-1000, 0);
  t.true(a.equals(new TimeWindow(-1000, 0)));
  t.false(a.equals(new TimeWindow(-1000, 1)));
  t.false(a.equals(new TimeWindow(-999, 0)));
  t.false(a.equals({ start: -1000, end: 0 }));
  t.false(a.equals(GlobalWindow.get()));
  t.is(a.toKey(), '-1000:0');
  t.is(new TimeWindow(-1000, 0).toKey(), a.toKey());
  t.not(new TimeWindow(1, 23).toKey(), new TimeWindow(12, 3).toKey());
  t.true(TimeWindow.fromKey(a.toKey())?.equals(a));
  t.true(TimeWindow.fromKey('-2000:-1000')?.equals(new TimeWindow(-2000, -1000)));
  t.is(TimeWindow.fromKey('global'), undefined);
  t.is(TimeWindow.fromKey('1:2:3'), undefined);
  t.is(a.toString(), 'TimeWindow{start=-1000, end=0}');
});

test('intersects is inclusive at both ends, as Flink: touching windows intersect', (t) => {
  const a = new TimeWindow(0, 10);
  // [0,10) vs [10,20): 0 <= 20 && 10 >= 10 → true (touching)
  t.true(a.intersects(new TimeWindow(10, 20)));
  t.true(new TimeWindow(10, 20).intersects(a));
  // [0,10) vs [11,20): 0 <= 20 && 10 >= 11 → false (1 ms apart)
  t.false(a.intersects(new TimeWindow(11, 20)));
  t.false(new TimeWindow(11, 20).intersects(a));
  // [0,10) vs [-10,0): 0 <= 0 && 10 >= -10 → true (touching on the left)
  t.true(a.intersects(new TimeWindow(-10, 0)));
  // overlap and containment
  t.true(a.intersects(new TimeWindow(5, 15)));
  t.true(a.intersects(new TimeWindow(2, 3)));
});

test('cover spans both windows, including any gap between them', (t) => {
  t.deepEqual(pair(new TimeWindow(0, 10).cover(new TimeWindow(20, 30))), [0, 30]);
  t.deepEqual(pair(new TimeWindow(20, 30).cover(new TimeWindow(0, 10))), [0, 30]);
  t.deepEqual(pair(new TimeWindow(0, 100).cover(new TimeWindow(10, 20))), [0, 100]);
  t.deepEqual(pair(new TimeWindow(-20, -10).cover(new TimeWindow(-15, 5))), [-20, 5]);
});

// ---- mergeWindows ----

test('mergeWindows: a window that bridges two sessions merges all three into one', (t) => {
  // sorted: [0,10) [8,22) [20,30)
  // [0,10) ∩ [8,22): 0 <= 22 && 10 >= 8 → cover [0,22);  [0,22) ∩ [20,30): 0 <= 30 && 22 >= 20 → cover [0,30)
  const calls = collectMerges([new TimeWindow(0, 10), new TimeWindow(20, 30), new TimeWindow(8, 22)]);
  t.deepEqual(calls, [{ result: [0, 30], merged: [[0, 10], [8, 22], [20, 30]] }]);
});

test('mergeWindows: disjoint windows are not reported', (t) => {
  // [0,10) vs [11,21): 10 >= 11 is false → two groups of one → no callback
  t.deepEqual(collectMerges([new TimeWindow(0, 10), new TimeWindow(11, 21)]), []);
  t.deepEqual(collectMerges([new TimeWindow(0, 10)]), []);
  t.deepEqual(collectMerges([]), []);
});

test('mergeWindows: windows that exactly touch merge', (t) => {
  // [0,10) vs [10,20): 10 >= 10 → merge into [0,20)
  t.deepEqual(collectMerges([new TimeWindow(10, 20), new TimeWindow(0, 10)]), [
    { result: [0, 20], merged: [[0, 10], [10, 20]] },
  ]);
});

test('mergeWindows: several groups, reported in start order; singletons skipped', (t) => {
  // sorted: [0,5) [3,8) | [20,25) [24,30) | [40,45)
  // [0,5)∩[3,8) → [0,8); [0,8)∩[20,25): 8 >= 20 false → new group; [20,25)∩[24,30) → [20,30);
  // [20,30)∩[40,45): 30 >= 40 false → new group of one, not reported
  const calls = collectMerges([
    new TimeWindow(40, 45),
    new TimeWindow(24, 30),
    new TimeWindow(3, 8),
    new TimeWindow(20, 25),
    new TimeWindow(0, 5),
  ]);
  t.deepEqual(calls, [
    { result: [0, 8], merged: [[0, 5], [3, 8]] },
    { result: [20, 30], merged: [[20, 25], [24, 30]] },
  ]);
});

test('mergeWindows: a contained window merges into its container, which is the result', (t) => {
  // [0,100) ∩ [10,20) → cover = [0,100), equal to one of the merged windows
  t.deepEqual(collectMerges([new TimeWindow(10, 20), new TimeWindow(0, 100)]), [
    { result: [0, 100], merged: [[0, 100], [10, 20]] },
  ]);
});

test('mergeWindows: duplicates count once (Flink collects each group in a HashSet)', (t) => {
  // {[0,10), [0,10)} is a set of one → nothing to merge
  t.deepEqual(collectMerges([new TimeWindow(0, 10), new TimeWindow(0, 10)]), []);
  // {[0,10), [5,15)} → [0,15)
  t.deepEqual(collectMerges([new TimeWindow(0, 10), new TimeWindow(5, 15), new TimeWindow(0, 10)]), [
    { result: [0, 15], merged: [[0, 10], [5, 15]] },
  ]);
});

test('mergeWindows: a group that only becomes connected through its grown cover', (t) => {
  // sorted: [0,10) [2,4) [9,12): [0,10)∩[2,4) → [0,10); [0,10)∩[9,12): 10 >= 9 → [0,12).
  // [2,4) alone would not touch [9,12); the running cover decides, as in Flink.
  t.deepEqual(collectMerges([new TimeWindow(9, 12), new TimeWindow(2, 4), new TimeWindow(0, 10)]), [
    { result: [0, 12], merged: [[0, 10], [2, 4], [9, 12]] },
  ]);
});

test('mergeWindows does not modify its input and works for negative times', (t) => {
  const input = [new TimeWindow(-5, 5), new TimeWindow(-20, -5)];
  const before = input.map(pair);
  // sorted: [-20,-5) [-5,5): -20 <= 5 && -5 >= -5 → [-20,5)
  t.deepEqual(collectMerges(input), [{ result: [-20, 5], merged: [[-20, -5], [-5, 5]] }]);
  t.deepEqual(input.map(pair), before);
});

// ---- GlobalWindow ----

test('GlobalWindow is a singleton ending at Number.MAX_SAFE_INTEGER', (t) => {
  t.is(GlobalWindow.get(), GlobalWindow.get());
  t.is(GlobalWindow.get().maxTimestamp(), Number.MAX_SAFE_INTEGER);
  t.is(GlobalWindow.get().toKey(), 'global');
  t.true(GlobalWindow.get().equals(GlobalWindow.get()));
  t.false(GlobalWindow.get().equals(new TimeWindow(0, 1)));
});
