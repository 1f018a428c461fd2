/**
 * One key group's part of a heap snapshot (Flink's asynchronous snapshot of a `StateTable`): made
 * in the synchronous phase from pins ({@link UndoLog}s) on the state tables, it encodes the key
 * group as at the barrier when {@link HeapSnapshotPart.materialize} runs, then releases its pins.
 */
import { CheckpointError } from '../../errors.js';
import type { KeyGroupSnapshotPart } from '../keyed-state-backend.js';
import { encodeState } from '../state-codec.js';
import { PART_FORMAT_VERSION, type KeyGroupPartData, type PartStateSection } from '../key-group-part-format.js';
import { ABSENT, type MapKey, type StateTable, type UndoLog } from './state-table.js';
import { cleanStoredEntry } from '../ttl/ttl-states.js';

/** One state's pinned contribution to a part. */
export interface PinnedState {
  readonly table: StateTable;
  readonly log: UndoLog;
  /** For a delta: the keys changed since the base. Undefined for a full part. */
  readonly changedKeys: ReadonlySet<MapKey> | undefined;
}

/** A heap key group part; see the module comment. */
export class HeapSnapshotPart implements KeyGroupSnapshotPart {
  readonly baseCheckpointId: number | undefined;
  private bytes: Uint8Array | undefined;
  private released: string | undefined;

  /**
   * @param keyGroup the key group.
   * @param kind full or delta.
   * @param checkpointId the snapshot's checkpoint id.
   * @param baseCheckpointId for a delta, the completed checkpoint it extends.
   * @param pinned the pinned states (all with entries for a full part, the changed ones for a delta).
   * @param timers timer data per timer service, or `null` (delta: timers unchanged).
   * @param now processing time at the barrier, epoch ms (TTL `cleanupFullSnapshot`).
   * @param onDone called once when materialized or released.
   */
  constructor(
    readonly keyGroup: number,
    readonly kind: 'full' | 'delta',
    private readonly checkpointId: number,
    baseCheckpointId: number | undefined,
    private pinned: readonly PinnedState[],
    private timers: [string, unknown][] | null,
    private readonly now: number,
    private readonly onDone: (part: HeapSnapshotPart) => void,
  ) {
    this.baseCheckpointId = baseCheckpointId;
  }

  /** The checkpoint this part belongs to. */
  get checkpoint(): number {
    return this.checkpointId;
  }

  /** Whether the bytes were made or the part released. */
  get settled(): boolean {
    return this.bytes !== undefined || this.released !== undefined;
  }

  /**
   * The part's bytes as at the barrier (computed once, then cached).
   * @throws CheckpointError (`WEIR_ERR_CHECKPOINT`) when the part was released before (its
   *   checkpoint was aborted or subsumed, or the backend disposed).
   * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when state holds values that cannot be encoded.
   */
  materialize(): Uint8Array {
    if (this.bytes !== undefined) return this.bytes;
    if (this.released !== undefined) throw new CheckpointError(this.released === 'aborted' ? 'CHECKPOINT_DECLINED' : 'CHECKPOINT_SUBSUMED', `state of key group ${this.keyGroup} for checkpoint ${this.checkpointId} was released before it was written (${this.released})`);
    try {
      const data: KeyGroupPartData = {
        v: PART_FORMAT_VERSION,
        kg: this.keyGroup,
        kind: this.kind,
        cp: this.checkpointId,
        base: this.baseCheckpointId ?? null,
        states: this.pinned.map((p) => this.section(p)).filter((s): s is PartStateSection => s !== undefined),
        timers: this.timers,
      };
      this.bytes = encodeState(data);
      return this.bytes;
    } finally {
      this.unpin();
      this.onDone(this);
    }
  }

  /** Drops the pins without writing (the checkpoint was aborted or subsumed, or the backend disposed). */
  release(reason: 'aborted' | 'subsumed' | 'disposed'): void {
    if (this.settled) return;
    this.released = reason;
    this.unpin();
    this.onDone(this);
  }

  private unpin(): void {
    for (const p of this.pinned) p.table.unpin(this.keyGroup, p.log);
    this.pinned = [];
    this.timers = null;
  }

  private section(p: PinnedState): PartStateSection | undefined {
    const { table, log } = p;
    const kg = this.keyGroup;
    if (p.changedKeys !== undefined) {
      const puts = new Map<MapKey, unknown>();
      const deletes: MapKey[] = [];
      for (const k of p.changedKeys) {
        const v = table.valueAtBarrier(kg, log, k);
        if (v === undefined) deletes.push(k);
        else puts.set(k, v);
      }
      return [table.name, table.kind, table.hasTtl, puts, deletes, NO_FIXES];
    }
    // Full: the live entries as they are now, with the undo log as fix-ups on top (keys added since
    // the barrier deleted, keys changed since put back), so nothing is copied entry by entry.
    const live = table.groups[kg] ?? NO_ENTRIES;
    const deletes: MapKey[] = [];
    const fixes = new Map<MapKey, unknown>();
    for (const [k, before] of log.before) {
      if (before !== ABSENT) fixes.set(k, before);
      else if (live.has(k)) deletes.push(k);
    }
    const ttl = table.ttl;
    if (ttl !== undefined && ttl.cleanupFullSnapshot) {
      // Flink's cleanupFullSnapshot: expired entries stay out of the part.
      for (const [k, v] of live) {
        if (log.before.has(k)) continue;
        const c = cleanStoredEntry(table.kind, v, ttl.ttl, this.now);
        if (c === undefined) deletes.push(k);
        else if (c !== v) fixes.set(k, c);
      }
      for (const [k, v] of fixes) {
        const c = cleanStoredEntry(table.kind, v, ttl.ttl, this.now);
        if (c === undefined) {
          fixes.delete(k);
          if (live.has(k)) deletes.push(k);
        } else if (c !== v) fixes.set(k, c);
      }
    }
    let size = live.size - deletes.length;
    for (const k of fixes.keys()) if (!live.has(k)) size++;
    if (size === 0) return undefined;
    return [table.name, table.kind, table.hasTtl, live, deletes, fixes];
  }
}

const NO_ENTRIES: ReadonlyMap<MapKey, unknown> = new Map();
const NO_FIXES: ReadonlyMap<MapKey, unknown> = new Map();
