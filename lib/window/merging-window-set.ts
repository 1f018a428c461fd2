/**
 * The live windows of one key for a merging assigner (sessions), and for each the **state window**:
 * the namespace its contents are actually stored under. When windows merge, the result keeps the
 * state window of one of the merged windows and the others' state is merged into it, so a long
 * session that keeps growing never moves its contents (Flink's "avoid costly state juggling").
 *
 * The mapping is kept in the key's value state as a `Map` from `window.toKey()` to
 * `[window, stateWindow]` (Flink keeps a list of pairs); the set works on the stored map itself,
 * so loading it per element costs nothing however many sessions a key has open. Load it per key
 * with the constructor, change it, then {@link persist}.
 *
 * @see Flink `org.apache.flink.streaming.runtime.operators.windowing.MergingWindowSet`.
 */
import type { ValueState } from '../state/keyed-state.js';
import type { MergingWindowAssigner } from './assigners.js';
import type { Window } from './time-window.js';

/**
 * Called once per merge while adding a window: `mergeResult` replaces `mergedWindows` (the live
 * windows it covers, never including the newly added window, which had no state);
 * `stateWindowResult` is the namespace that keeps the result's state and `mergedStateWindows` the
 * namespaces whose state must be merged into it (never including `stateWindowResult`).
 *
 * @see Flink `MergingWindowSet.MergeFunction`.
 */
export type MergeFunction<W> = (mergeResult: W, mergedWindows: W[], stateWindowResult: W, mergedStateWindows: W[]) => void;

/** One key's in-flight windows of a merging assigner and their state windows. */
export class MergingWindowSet<W extends Window> {
  /** window key → [window, state window]. */
  private readonly mapping: Map<string, [W, W]>;
  private dirty = false;

  /**
   * Loads the current key's mapping from `state`.
   * @param assigner the merging assigner whose `mergeWindows` decides merges.
   * @param state the current key's map `window.toKey()` → `[window, stateWindow]`.
   */
  constructor(
    private readonly assigner: MergingWindowAssigner<never, W>,
    private readonly state: ValueState<Map<string, [W, W]>>,
  ) {
    this.mapping = state.value() ?? new Map<string, [W, W]>();
  }

  /** Writes the mapping back to state if it changed (an empty mapping clears the state). */
  persist(): void {
    if (!this.dirty) return;
    if (this.mapping.size === 0) this.state.clear();
    else this.state.update(this.mapping);
    this.dirty = false;
  }

  /** The namespace holding `window`'s state, or undefined when `window` is not live. */
  getStateWindow(window: W): W | undefined {
    return this.mapping.get(window.toKey())?.[1];
  }

  /** The live windows, in insertion order. */
  windows(): W[] {
    return [...this.mapping.values()].map(([w]) => w);
  }

  /**
   * Removes a window that was cleaned up (or turned out late).
   * @throws Error when `window` is not live (an operator bug, as Flink's IllegalStateException).
   */
  retireWindow(window: W): void {
    if (!this.mapping.delete(window.toKey())) throw new Error(`Window ${String(window)} is not in in-flight window set.`);
    this.dirty = true;
  }

  /**
   * Adds `newWindow` and merges it with the live windows it overlaps (through the assigner's
   * `mergeWindows`), calling `mergeFunction` for every merge, before the mapping is final for that
   * merge's result. Returns the window `newWindow` ended up in: the merge result that covers it,
   * or `newWindow` itself. A merge can bridge several live windows at once.
   *
   * Unlike Flink, adding a window equal to a live one keeps the live window's state window (Flink
   * would remap it to itself and lose its state; only reachable with dynamic gaps).
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const all = [...this.mapping.values()].map(([w]) => w);
    all.push(newWindow);
    const merges: { result: W; merged: W[] }[] = [];
    this.assigner.mergeWindows(all, (result, merged) => merges.push({ result, merged: [...merged] }));

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    const newKey = newWindow.toKey();
    for (const { result, merged } of merges) {
      // The new window had no state: drop it from the merged windows, and remember where it went.
      const withoutNew = merged.filter((w) => w.toKey() !== newKey);
      if (withoutNew.length !== merged.length) {
        mergedNewWindow = true;
        resultWindow = result;
      }
      const first = withoutNew[0];
      if (first === undefined) continue; // cannot happen: a merge has ≥ 2 distinct windows
      const mergedStateWindow = this.mapping.get(first.toKey())![1];
      const mergedStateWindows: W[] = [];
      for (const w of withoutNew) {
        const entry = this.mapping.get(w.toKey());
        if (entry !== undefined) {
          this.mapping.delete(w.toKey());
          mergedStateWindows.push(entry[1]);
        }
      }
      this.mapping.set(result.toKey(), [result, mergedStateWindow]);
      this.dirty = true;
      const stateSources = mergedStateWindows.filter((s) => !s.equals(mergedStateWindow));
      // A live window that swallows the new one without growing is not a merge of state.
      const onlyItself = withoutNew.length === 1 && withoutNew[0]!.equals(result);
      if (!onlyItself) mergeFunction(result, withoutNew, mergedStateWindow, stateSources);
    }

    if ((merges.length === 0 || (resultWindow.equals(newWindow) && !mergedNewWindow)) && !this.mapping.has(newKey)) {
      this.mapping.set(newKey, [newWindow, newWindow]);
      this.dirty = true;
    }
    return resultWindow;
  }
}
