/**
 * The consistent view of a LevelDB keyed-state backend at one checkpoint barrier, and the
 * asynchronous phase that turns it into key-group parts (Flink's RocksDB full and incremental
 * snapshot strategies, the view being a RocksDB snapshot plus the memtables).
 *
 * The view is the write-buffer layers frozen at the barrier (immutable) over a LevelDB snapshot
 * taken at the barrier: the operator keeps writing to new layers and to LevelDB meanwhile. Rows are
 * read with async iterators and `getMany` on the snapshot, 1,000 at a time, so the operator thread
 * runs between batches. The LevelDB snapshot is released when every part was materialized (or the
 * view is abandoned).
 *
 * Parts use the canonical key-group part format shared with the heap backend
 * (lib/state/heap/key-group-part-format.ts, version 2): per state
 * `[name, kind, ttl, puts: Map<key, stored>, deletes, fixes]`, where `stored` is the value as the
 * heap backend stores it (value, array for list state, `Map<mapKey, [userKey, userValue]>` for map
 * state, the `TtlValue` layouts for TTL state). So savepoints and checkpoints of one backend
 * restore into the other.
 *
 * @see org.apache.flink.contrib.streaming.state.snapshot.RocksFullSnapshotStrategy
 * @see org.apache.flink.contrib.streaming.state.snapshot.RocksIncrementalSnapshotStrategy
 */
import type { Level } from 'level';
import { CheckpointError } from '../../errors.js';
import type { StateKind } from '../descriptors.js';
import { PART_FORMAT_VERSION, type KeyGroupPartData, type PartStateSection } from '../key-group-part-format.js';
import { cleanStoredEntry } from '../ttl/ttl-states.js';
import { decodeKey, latin1Bytes, latin1String, prefixEnd, rowKeyGroup, rowPrefix, rowStateId, skipKey, splitKeys, type MapKey } from './key-codec.js';
import type { StoreCapture } from './row-store.js';
import { decodeList, decodeValue } from './value-codec.js';

/** A state as the view knows it. */
export interface ViewState {
  readonly id: number;
  readonly name: string;
  readonly kind: StateKind;
  /** Whether values are stored in the TTL layouts. */
  readonly ttl: boolean;
  /** TTL ms when expired entries are left out of full parts (`cleanupFullSnapshot`), else undefined. */
  readonly cleanupTtl: number | undefined;
}

const BATCH = 1000;
const NO_FIXES: ReadonlyMap<MapKey, unknown> = new Map();

/** One checkpoint's view (frozen layers over a LevelDB snapshot) and the materialization of its parts. */
export class SnapshotView {
  private overlay: Map<number, Map<string, Uint8Array | null>> | undefined;
  private refs: number;
  private released = false;
  private started = false;
  private readonly byId: Map<number, ViewState>;

  /**
   * @param checkpointId the checkpoint (written into parts).
   * @param now processing time at the barrier, epoch ms (TTL cleanup of full parts).
   * @param parts number of parts that will call {@link release}; the view closes after the last.
   */
  constructor(
    private readonly db: Level<Uint8Array, Uint8Array>,
    private readonly capture: StoreCapture,
    private readonly states: readonly ViewState[],
    readonly checkpointId: number,
    private readonly now: number,
    parts: number,
    private readonly onReleased: (view: SnapshotView) => void,
  ) {
    this.refs = parts;
    this.byId = new Map(states.map((s) => [s.id, s]));
    if (parts === 0) this.close();
  }

  /** Whether a part started materializing. */
  get inUse(): boolean {
    return this.started;
  }

  /** One part is done with the view. */
  release(): void {
    if (--this.refs <= 0) this.close();
  }

  /** Drops the view now (checkpoint aborted or subsumed, backend disposed); later materializations fail. */
  abandon(): void {
    this.refs = 0;
    this.close();
  }

  private close(): void {
    if (this.released) return;
    this.released = true;
    this.overlay = undefined;
    void this.capture.dbSnapshot?.close().catch(() => undefined);
    this.onReleased(this);
  }

  private check(): void {
    if (this.released) throw new CheckpointError('CHECKPOINT_DECLINED', `the LevelDB snapshot of checkpoint ${this.checkpointId} was released before its state was written (checkpoint aborted or subsumed, or backend disposed)`);
  }

  /** Rows of the frozen layers by key group, newest value per row (built once, on first use). */
  private overlayFor(kg: number): Map<string, Uint8Array | null> | undefined {
    if (this.overlay === undefined) {
      const o = new Map<number, Map<string, Uint8Array | null>>();
      for (const layer of this.capture.layers) {
        for (const [k, v] of layer.rows) {
          const g = rowKeyGroup(k);
          let m = o.get(g);
          if (m === undefined) o.set(g, (m = new Map()));
          m.set(k, v);
        }
      }
      this.overlay = o;
    }
    return this.overlay.get(kg);
  }

  /** Every row of state `s` in key group `kg`. */
  private async scan(s: ViewState, kg: number): Promise<Map<string, Uint8Array>> {
    const rows = new Map<string, Uint8Array>();
    const prefix = rowPrefix(s.id, kg);
    const snapshot = this.capture.dbSnapshot;
    if (snapshot !== undefined) {
      this.check();
      const it = this.db.iterator({ gte: latin1Bytes(prefix), lt: latin1Bytes(prefixEnd(prefix)), snapshot });
      try {
        for (;;) {
          const batch = await it.nextv(BATCH);
          if (batch.length === 0) break;
          for (const [k, v] of batch) rows.set(latin1String(k), v);
        }
      } finally {
        await it.close();
      }
    }
    const o = this.overlayFor(kg);
    if (o !== undefined) {
      for (const [k, v] of o) {
        if (rowStateId(k) !== s.id) continue;
        if (v === null) rows.delete(k);
        else rows.set(k, v);
      }
    }
    return rows;
  }

  /** The rows among `keys` (all of key group `kg`) that exist in the view. */
  private async read(kg: number, keys: readonly string[]): Promise<Map<string, Uint8Array>> {
    const rows = new Map<string, Uint8Array>();
    const o = this.overlayFor(kg);
    const fromDb: string[] = [];
    for (const k of keys) {
      const v = o?.get(k);
      if (v === undefined) fromDb.push(k);
      else if (v !== null) rows.set(k, v);
    }
    const snapshot = this.capture.dbSnapshot;
    if (snapshot !== undefined) {
      for (let i = 0; i < fromDb.length; i += BATCH) {
        this.check();
        const chunk = fromDb.slice(i, i + BATCH);
        const values = await this.db.getMany(chunk.map(latin1Bytes), { snapshot });
        values.forEach((v, j) => {
          if (v !== undefined) rows.set(chunk[j]!, v);
        });
      }
    }
    return rows;
  }

  /** Asynchronous phase of a full part of key group `kg`. */
  async fullPart(kg: number, timers: [string, unknown][]): Promise<KeyGroupPartData> {
    this.check();
    this.started = true;
    const states: PartStateSection[] = [];
    for (const s of this.states) {
      const rows = await this.scan(s, kg);
      if (rows.size === 0) continue;
      const puts = new Map<MapKey, unknown>();
      for (const [k, v] of rows) {
        const end = skipKey(k, 4);
        if (s.kind === 'map') {
          if (end !== k.length) continue; // an entry row: read through its index row
          puts.set(decodeKey(k, 4, end), mapOf(k, v, rows));
        } else puts.set(decodeKey(k, 4, end), s.kind === 'list' ? decodeList(v) : decodeValue(v));
      }
      if (s.cleanupTtl !== undefined) {
        // Flink's cleanupFullSnapshot: expired entries stay out of the part.
        for (const [k, v] of puts) {
          const c = cleanStoredEntry(s.kind, v, s.cleanupTtl, this.now);
          if (c === undefined) puts.delete(k);
          else if (c !== v) puts.set(k, c);
        }
      }
      if (puts.size > 0) states.push([s.name, s.kind, s.ttl, puts, [], NO_FIXES]);
    }
    return { v: PART_FORMAT_VERSION, kg, kind: 'full', cp: this.checkpointId, base: null, states, timers };
  }

  /**
   * Asynchronous phase of a delta part of key group `kg`: the current value (or deletion) of every
   * (state, key) row in `changed`; a changed map-state key is written as its whole map.
   */
  async deltaPart(kg: number, base: number, changed: readonly ReadonlySet<string>[], timers: [string, unknown][]): Promise<KeyGroupPartData> {
    this.check();
    this.started = true;
    const keys = new Set<string>();
    for (const s of changed) for (const k of s) keys.add(k);
    const rows = await this.read(kg, [...keys]);
    // Entry rows of the changed maps, listed by their index rows.
    const entryKeys: string[] = [];
    for (const k of keys) {
      const s = this.byId.get(rowStateId(k));
      const index = rows.get(k);
      if (s?.kind === 'map' && index !== undefined) for (const mk of splitKeys(latin1String(index))) entryKeys.push(k + mk);
    }
    const entries = entryKeys.length > 0 ? await this.read(kg, entryKeys) : rows;
    const sections = new Map<number, PartStateSection>();
    for (const k of keys) {
      const id = rowStateId(k);
      const s = this.byId.get(id);
      if (s === undefined) continue;
      let section = sections.get(id);
      if (section === undefined) sections.set(id, (section = [s.name, s.kind, s.ttl, new Map(), [], NO_FIXES]));
      const key = decodeKey(k, 4);
      const v = rows.get(k);
      if (v === undefined) section[4].push(key);
      else (section[3] as Map<MapKey, unknown>).set(key, s.kind === 'map' ? mapOf(k, v, entries) : s.kind === 'list' ? decodeList(v) : decodeValue(v));
    }
    return { v: PART_FORMAT_VERSION, kg, kind: 'delta', cp: this.checkpointId, base, states: [...sections.values()], timers };
  }
}

/** The map of one map-state key: its index row's keys in order, each with its entry row's `[userKey, userValue]`. */
function mapOf(indexKey: string, index: Uint8Array, rows: ReadonlyMap<string, Uint8Array>): Map<MapKey, unknown> {
  const m = new Map<MapKey, unknown>();
  for (const mk of splitKeys(latin1String(index))) {
    const v = rows.get(indexKey + mk);
    if (v !== undefined) m.set(decodeKey(mk, 0), decodeValue(v));
  }
  return m;
}
