/**
 * Windows kept inside keyed state — the window timers' lists (`WindowTimers`) and the
 * merging-window sets of session windows — come back from a snapshot (and from backends that
 * encode every value) as plain objects: cbor-x keeps fields, not prototypes, as the state codec
 * documents. The window operator rebuilds them where it reads them, as Flink deserializes windows
 * with the assigner's window serializer: `{ start, end }` becomes a {@link TimeWindow}, `{}` the
 * {@link GlobalWindow}. Live instances pass through unchanged (the heap backend between restores).
 *
 * @see Flink `WindowAssigner.getWindowSerializer`, `TimeWindow.Serializer`, `GlobalWindow.Serializer`.
 */
import { SnapshotFormatError, describeRecord } from '../errors.js';
import { GlobalWindow, TimeWindow, type Window } from '../window/time-window.js';

/**
 * The window `stored` stands for: itself when it is a live window, else rebuilt from its fields.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for a plain object that is neither a
 *   time window nor the global window (windows of custom assigners must be one of those to be restored).
 */
export function windowFromState<W extends Window>(stored: W): W {
  if (typeof (stored as Partial<Window>).toKey === 'function') return stored;
  const o = stored as unknown as { start?: unknown; end?: unknown } | null;
  if (o !== null && typeof o === 'object') {
    if (typeof o.start === 'number' && typeof o.end === 'number') return new TimeWindow(o.start, o.end) as unknown as W;
    if (Object.keys(o).length === 0) return GlobalWindow.get() as unknown as W;
  }
  throw new SnapshotFormatError(`cannot rebuild a window from restored state ${describeRecord(stored)}: windows in state must be TimeWindows or the GlobalWindow`);
}

/**
 * The merging-window mapping `window key → [window, state window]` with live windows: the same map
 * when its windows are live (checked on its first entry), else a rebuilt copy.
 */
export function mergingMappingFromState<W extends Window>(mapping: Map<string, [W, W]>): Map<string, [W, W]> {
  const first = mapping.values().next();
  if (first.done === true || typeof (first.value[0] as Partial<Window>).toKey === 'function') return mapping;
  const out = new Map<string, [W, W]>();
  for (const [k, [w, s]] of mapping) out.set(k, [windowFromState(w), windowFromState(s)]);
  return out;
}
