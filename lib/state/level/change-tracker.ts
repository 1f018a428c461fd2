/**
 * Which rows changed since the last completed checkpoint, per key group, for incremental
 * checkpoints of the LevelDB state backend.
 *
 * Flink's RocksDB backend makes incremental checkpoints from the SST files created since the last
 * completed checkpoint. Weir's parts are per key group (the unit of rescaling), so the backend
 * tracks the changed row keys instead:
 * - writes between two snapshots form an epoch (`current`: key group → changed row keys);
 * - each snapshot closes the epoch and keeps it while its checkpoint is pending;
 * - a delta holds the rows changed in every epoch after the base (the last completed checkpoint
 *   that was a base), so the changes of aborted, still running or savepoint snapshots are in the
 *   next delta;
 * - when a base checkpoint completes, the epochs up to it are dropped and it becomes the base.
 *
 * Memory is bounded: beyond `maxTrackedRows` tracked row keys, the key group with the most changes
 * stops being tracked and is written as a full part until a checkpoint with that full part
 * completes (when most of a key group changed, its full part costs about what a delta would).
 * Tracking of such a key group resumes right after the first snapshot that writes it full, so
 * that when that checkpoint completes every later change is known again.
 *
 * @see org.apache.flink.contrib.streaming.state.snapshot.RocksIncrementalSnapshotStrategy
 */

/** How one key group is written in an incremental snapshot. */
export interface PlannedPart {
  readonly keyGroup: number;
  readonly kind: 'full' | 'delta';
  /** For a delta: the base checkpoint. */
  readonly baseCheckpointId?: number;
  /** For a delta: row keys changed since the base (sets that are never changed again). */
  readonly changed?: readonly ReadonlySet<string>[];
}

interface PendingSnapshot {
  readonly checkpointId: number;
  /** Sequence number of the snapshot (1 for the first). */
  readonly seq: number;
  /** Row keys changed in the epoch this snapshot closed, per key group (sets never changed again). */
  readonly epoch: Map<number, Set<string>>;
  /** Whether it becomes the base for deltas when it completes. */
  readonly isBase: boolean;
  /** Per key group with a chain in this checkpoint: deltas after the full part. */
  readonly chains: Map<number, number>;
  /** Key groups written as full parts. */
  readonly fulls: ReadonlySet<number>;
  aborted: boolean;
}

/** What kind of snapshot the backend takes (see {@link ChangeTracker.snapshot}). */
export type SnapshotMode =
  /** A full snapshot that is not a base (a savepoint): later deltas still include its epoch. */
  | { readonly kind: 'savepoint' }
  /** A full snapshot of the given key groups that becomes the base when it completes. */
  | { readonly kind: 'full-base'; readonly keyGroups: Iterable<number> }
  /** Deltas on the base (full parts where needed). */
  | { readonly kind: 'incremental' };

/** Changed-row bookkeeping of one keyed backend for incremental checkpoints (see the module comment). */
export class ChangeTracker {
  private current = new Map<number, Set<string>>();
  /** Snapshots after the base, oldest first. */
  private pending: PendingSnapshot[] = [];
  private baseId: number | undefined;
  /** Chains of the base checkpoint: key group → deltas after its full part. */
  private baseChains = new Map<number, number>();
  /**
   * Untracked key groups, written full until a base with their full part completes. `resumedAt`:
   * the snapshot (seq) after which its rows are tracked again (set by the first full part); a base
   * at or after it clears the entry.
   */
  private readonly forceFull = new Map<number, { resumedAt: number | undefined }>();
  private seq = 0;
  private tracked = 0;

  /**
   * @param maxTrackedRows most row keys kept (each costs roughly its length plus ~60 bytes).
   * @param maxDeltas deltas after a full part before a key group is written full again (parts are
   *   never merged, so this bounds restore work; Flink's RocksDB compacts its SST files instead).
   */
  constructor(
    private readonly maxTrackedRows: number,
    private readonly maxDeltas: number,
  ) {}

  /** The last completed base checkpoint, if any. */
  get baseCheckpointId(): number | undefined {
    return this.baseId;
  }

  /** Number of row keys tracked (for tests and metrics). */
  get trackedRows(): number {
    return this.tracked;
  }

  /** Records that `rowKey` of key group `kg` was written or deleted. */
  rowChanged(kg: number, rowKey: string): void {
    let s = this.current.get(kg);
    if (s === undefined) this.current.set(kg, (s = new Set()));
    // Untracked (only "changed" matters: it is written full) until tracking resumes.
    if (this.forceFull.get(kg)?.resumedAt === undefined && this.forceFull.has(kg)) return;
    const before = s.size;
    s.add(rowKey);
    if (s.size !== before && ++this.tracked > this.maxTrackedRows) this.shed();
  }

  /** Records that key group `kg` changed outside its rows (timers). */
  keyGroupChanged(kg: number): void {
    if (!this.current.has(kg)) this.current.set(kg, new Set());
  }

  /** Closes the current epoch for snapshot `checkpointId`; for `'incremental'`, plans its parts. */
  snapshot(checkpointId: number, mode: SnapshotMode): PlannedPart[] {
    const seq = ++this.seq;
    const epoch = this.current;
    this.current = new Map();
    const planned: PlannedPart[] = [];
    let chains: Map<number, number>;
    const fulls = new Set<number>();
    if (mode.kind === 'savepoint') {
      chains = new Map();
    } else if (mode.kind === 'full-base') {
      chains = new Map();
      for (const kg of mode.keyGroups) {
        chains.set(kg, 0);
        fulls.add(kg);
        // A full part holds every change so far: an untracked key group is tracked again after it.
        const forced = this.forceFull.get(kg);
        if (forced !== undefined && forced.resumedAt === undefined) forced.resumedAt = seq;
      }
    } else {
      chains = new Map(this.baseChains);
      const changedKgs = new Set<number>(epoch.keys());
      for (const p of this.pending) for (const kg of p.epoch.keys()) changedKgs.add(kg);
      for (const kg of this.forceFull.keys()) changedKgs.add(kg);
      for (const kg of [...changedKgs].sort((a, b) => a - b)) {
        const chain = this.baseChains.get(kg);
        const forced = this.forceFull.get(kg);
        if (this.baseId === undefined || chain === undefined || chain >= this.maxDeltas || forced !== undefined) {
          // This full part holds every change so far: track the ones after it.
          if (forced !== undefined && forced.resumedAt === undefined) forced.resumedAt = seq;
          planned.push({ keyGroup: kg, kind: 'full' });
          chains.set(kg, 0);
          fulls.add(kg);
        } else {
          const changed: Set<string>[] = [];
          for (const p of this.pending) {
            const s = p.epoch.get(kg);
            if (s !== undefined && s.size > 0) changed.push(s);
          }
          const s = epoch.get(kg);
          if (s !== undefined && s.size > 0) changed.push(s);
          planned.push({ keyGroup: kg, kind: 'delta', baseCheckpointId: this.baseId, changed });
          chains.set(kg, chain + 1);
        }
      }
    }
    this.pending.push({ checkpointId, seq, epoch, isBase: mode.kind !== 'savepoint', chains, fulls, aborted: false });
    return planned;
  }

  /** Checkpoint `checkpointId` completed: if it is a base, it becomes the base and older epochs are dropped. */
  complete(checkpointId: number): void {
    const i = this.pending.findIndex((p) => p.checkpointId === checkpointId);
    if (i < 0) return;
    const p = this.pending[i]!;
    if (!p.isBase || p.aborted) return;
    this.baseId = checkpointId;
    this.baseChains = p.chains;
    for (const kg of p.fulls) {
      const resumedAt = this.forceFull.get(kg)?.resumedAt;
      // Changes after p's snapshot are tracked (since resumedAt ≤ p.seq): deltas on p are complete.
      if (resumedAt !== undefined && resumedAt <= p.seq) this.forceFull.delete(kg);
    }
    for (const d of this.pending.splice(0, i + 1)) for (const s of d.epoch.values()) this.tracked -= s.size;
  }

  /** Checkpoint `checkpointId` was aborted: it never becomes a base; its changes stay in later deltas. */
  abort(checkpointId: number): void {
    const p = this.pending.find((q) => q.checkpointId === checkpointId);
    if (p !== undefined) p.aborted = true;
  }

  /** Forgets everything (after a restore the next checkpoint is a full base). */
  reset(): void {
    this.current = new Map();
    this.pending = [];
    this.baseId = undefined;
    this.baseChains = new Map();
    this.forceFull.clear();
    this.tracked = 0;
  }

  /** Stops tracking the key group with the most tracked rows (the memory bound). */
  private shed(): void {
    const counts = new Map<number, number>();
    const add = (m: Map<number, Set<string>>): void => {
      for (const [kg, s] of m) if (this.forceFull.get(kg)?.resumedAt !== undefined || !this.forceFull.has(kg)) counts.set(kg, (counts.get(kg) ?? 0) + s.size);
    };
    add(this.current);
    for (const p of this.pending) add(p.epoch);
    let worst = -1;
    let most = 0;
    for (const [kg, n] of counts) {
      if (n > most) {
        worst = kg;
        most = n;
      }
    }
    if (worst < 0) return;
    // Stop tracking it; the next snapshot writes it full (and resumes tracking after itself).
    this.forceFull.set(worst, { resumedAt: undefined });
    // Sets of closed epochs may be held by snapshots being materialized: replace them, never clear.
    if (this.current.has(worst)) this.current.set(worst, new Set());
    for (const p of this.pending) if (p.epoch.has(worst)) p.epoch.set(worst, new Set());
    this.tracked -= most;
  }
}
