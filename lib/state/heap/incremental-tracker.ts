/**
 * Bookkeeping of incremental checkpoints on the heap backend (the role of Flink's changelog /
 * RocksDB incremental snapshot bookkeeping): which keys changed since the last *completed*
 * checkpoint, per key group and state, and how long each key group's chain of deltas is.
 *
 * Changes are collected in *epochs*: the open epoch gathers changes until the next incremental
 * snapshot closes it. Closed epochs are kept until a checkpoint that covered them completes, so a
 * delta always holds every change since the last completed checkpoint, even when checkpoints in
 * between were aborted or are still pending. Savepoints and other non-incremental snapshots do not
 * touch any of this.
 */
import type { KeyGroupRange } from '../key-groups.js';
import type { MapKey, StateTable } from './state-table.js';

/** Maximum number of deltas on top of a full part in a key group's chain (bounds restore cost). */
export const MAX_DELTA_CHAIN = 8;

/**
 * Closed epochs kept apart at most; older ones are merged (when checkpoints keep failing). Merging
 * is always safe: a delta may hold more keys than changed (their value at the barrier), never fewer.
 */
const MAX_EPOCHS = 8;

/** Changes between two incremental snapshots. */
interface Epoch {
  /** The incremental snapshot that closed it. */
  readonly closedBy: number;
  /** Per state name, per key group, the changed keys. */
  readonly keys: Map<string, readonly (Set<MapKey> | undefined)[]>;
  /** Key groups whose timers changed. */
  readonly timerKgs: ReadonlySet<number>;
  /** Key groups with any change. */
  readonly kgs: ReadonlySet<number>;
}

/** What one incremental snapshot wrote: per key group, the chain length after it (0 = full). */
type SnapshotRecord = Map<number, number>;

/** Epochs of changes and chain lengths of one backend (see the module comment). */
export class IncrementalTracker {
  /** Whether changes are tracked (from the first incremental snapshot on). */
  tracking = false;
  /** The last completed incremental checkpoint, the base of the next deltas. */
  lastCompleted: number | undefined = undefined;
  private readonly epochs: Epoch[] = [];
  private openTimerKgs = new Set<number>();
  /** Per key group, deltas on top of the full part in the last completed chain; -1 = no base. */
  private readonly chainLen: Int16Array;
  private readonly pending = new Map<number, SnapshotRecord>();

  constructor(
    maxParallelism: number,
    private readonly range: KeyGroupRange,
  ) {
    this.chainLen = new Int16Array(maxParallelism).fill(-1);
  }

  /** Starts tracking: changes from now on are recorded (the caller starts its tables). */
  start(): void {
    this.tracking = true;
  }

  /** Timers of key group `kg` changed (only while tracking). */
  markTimers(kg: number): void {
    this.openTimerKgs.add(kg);
  }

  /** Closes the open epoch at incremental snapshot `checkpointId`, taking the tables' changes. */
  closeEpoch(checkpointId: number, tables: Iterable<StateTable>): void {
    const keys = new Map<string, readonly (Set<MapKey> | undefined)[]>();
    const kgs = new Set<number>(this.openTimerKgs);
    for (const t of tables) {
      const c = t.takeChanges();
      keys.set(t.name, c);
      for (let kg = this.range.startKeyGroup; kg <= this.range.endKeyGroup; kg++) if (c[kg] !== undefined) kgs.add(kg);
    }
    this.epochs.push({ closedBy: checkpointId, keys, timerKgs: this.openTimerKgs, kgs });
    this.openTimerKgs = new Set();
    while (this.epochs.length > MAX_EPOCHS) this.epochs.splice(0, 2, merge(this.epochs[0]!, this.epochs[1]!));
  }

  /** Deltas in key group `kg`'s last completed chain, or -1 when it has no completed full part. */
  chainLength(kg: number): number {
    return this.chainLen[kg]!;
  }

  /** Whether key group `kg` changed since the last completed checkpoint (closed epochs only). */
  changed(kg: number): boolean {
    for (const e of this.epochs) if (e.kgs.has(kg)) return true;
    return false;
  }

  /** Whether key group `kg`'s timers changed since the last completed checkpoint. */
  timersChanged(kg: number): boolean {
    for (const e of this.epochs) if (e.timerKgs.has(kg)) return true;
    return false;
  }

  /** Keys of state `name` in key group `kg` changed since the last completed checkpoint (a new or frozen set; do not mutate). */
  changedKeys(name: string, kg: number): ReadonlySet<MapKey> | undefined {
    let out: Set<MapKey> | undefined;
    let single: Set<MapKey> | undefined;
    for (const e of this.epochs) {
      const s = e.keys.get(name)?.[kg];
      if (s === undefined) continue;
      if (single === undefined && out === undefined) single = s;
      else {
        if (out === undefined) {
          out = new Set(single);
          single = undefined;
        }
        for (const k of s) out.add(k);
      }
    }
    return out ?? single;
  }

  /** Records what incremental snapshot `checkpointId` wrote (kg → chain length after it). */
  recordSnapshot(checkpointId: number, written: SnapshotRecord): void {
    this.pending.set(checkpointId, written);
  }

  /**
   * Checkpoint `checkpointId` completed. When it is a pending incremental snapshot, it becomes the
   * base: its chain lengths apply, it and earlier pending ones are done, and the epochs it covered
   * are dropped. Returns whether it was one.
   */
  complete(checkpointId: number): boolean {
    const rec = this.pending.get(checkpointId);
    if (rec === undefined) return false;
    for (const [kg, len] of rec) this.chainLen[kg] = len;
    for (const id of [...this.pending.keys()]) if (id <= checkpointId) this.pending.delete(id);
    while (this.epochs.length > 0 && this.epochs[0]!.closedBy <= checkpointId) this.epochs.shift();
    this.lastCompleted = checkpointId;
    return true;
  }

  /** Checkpoint `checkpointId` was aborted: its changes stay for the next delta. */
  abort(checkpointId: number): void {
    this.pending.delete(checkpointId);
  }

  /** Key group `kg` was restored: it has no base any more (its next part is full). */
  resetKeyGroup(kg: number): void {
    this.chainLen[kg] = -1;
  }
}

/** One epoch with the changes of both (`b` the later one); it is dropped when `b`'s checkpoint completes. */
function merge(a: Epoch, b: Epoch): Epoch {
  const keys = new Map<string, (Set<MapKey> | undefined)[]>();
  for (const e of [a, b]) {
    for (const [name, perKg] of e.keys) {
      let out = keys.get(name);
      if (out === undefined) keys.set(name, (out = []));
      perKg.forEach((s, kg) => {
        if (s === undefined) return;
        const cur = out[kg];
        if (cur === undefined) out[kg] = new Set(s);
        else for (const k of s) cur.add(k);
      });
    }
  }
  return { closedBy: b.closedBy, keys, timerKgs: new Set([...a.timerKgs, ...b.timerKgs]), kgs: new Set([...a.kgs, ...b.kgs]) };
}
