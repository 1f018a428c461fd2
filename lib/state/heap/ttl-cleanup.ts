/**
 * Expired-entry cleanup of TTL state on the heap backend: the per-entry cleaner shared by full
 * snapshots (`cleanupFullSnapshot`) and the incremental sweep (`cleanupIncrementally`, Flink's
 * `TtlIncrementalCleanup` over a heap `StateTable` iterator).
 *
 * @see org.apache.flink.runtime.state.ttl.TtlIncrementalCleanup,
 *   org.apache.flink.runtime.state.ttl.TtlStateSnapshotTransformer
 */
import type { KeyGroupRange } from '../key-groups.js';
import type { StateKind } from '../descriptors.js';
import type { Clock } from '../../time/clock.js';
import { cleanStoredEntry } from '../ttl/ttl-states.js';
import type { MapKey, StateTable } from './state-table.js';

/**
 * Heap incremental cleanup of one TTL state: a lazy cursor over all entries of the table, key
 * group by key group of the backend's range; each {@link run} checks `cleanupSize` more entries
 * and removes (or trims) the expired ones through the table, so snapshots and change tracking
 * see the removals.
 */
export class TtlIncrementalCleanup {
  private kg: number;
  private map: Map<MapKey, unknown> | undefined;
  private it: Iterator<[MapKey, unknown]> | undefined;

  /**
   * @param table the state's table (values stored as TTL layouts).
   * @param range the backend's key groups.
   * @param ttl time to live, ms.
   * @param cleanupSize entries checked per run.
   * @param clock processing time.
   */
  constructor(
    private readonly table: StateTable,
    private readonly range: KeyGroupRange,
    private readonly ttl: number,
    private readonly cleanupSize: number,
    private readonly clock: Clock,
  ) {
    this.kg = range.startKeyGroup;
  }

  /** Checks up to `cleanupSize` entries, continuing where the last run stopped. */
  run(): void {
    const n = this.range.numberOfKeyGroups;
    if (n <= 0) return;
    const now = this.clock.now();
    let budget = this.cleanupSize;
    let emptyHops = 0;
    while (budget > 0) {
      const live = this.table.groups[this.kg];
      if (this.it === undefined || this.map !== live) {
        if (live === undefined || live.size === 0) {
          // Nothing here: next key group; a full lap over empty groups ends the run.
          if (++emptyHops > n) return;
          this.next();
          continue;
        }
        this.map = live;
        this.it = live.entries();
      }
      const r = this.it.next();
      if (r.done === true) {
        this.next();
        if (++emptyHops > n) return;
        continue;
      }
      emptyHops = 0;
      budget--;
      const [k, v] = r.value;
      const cleaned = cleanStoredEntry(this.table.kind, v, this.ttl, now);
      if (cleaned === undefined) this.table.delete(this.kg, k);
      else if (cleaned !== v) this.table.set(this.kg, k, cleaned);
    }
  }

  private next(): void {
    this.it = undefined;
    this.map = undefined;
    this.kg = this.kg >= this.range.endKeyGroup ? this.range.startKeyGroup : this.kg + 1;
  }
}
