/**
 * The rows of one LevelDB keyed-state backend: an in-memory write buffer in front of a LevelDB
 * database, read synchronously.
 *
 * - Writes go to the **active layer**, a `Map` from row key (latin1 string, see key-codec.ts) to
 *   the encoded value or `null` (a deletion). When it holds more than `writeBufferBytes`, it is
 *   frozen and written to LevelDB with one `db.batch()` in the background (RocksDB's memtable and
 *   immutable memtables, one level up).
 * - Reads look at the active layer, then the frozen layers newest first (also the one being
 *   written), then LevelDB with `getSync`, which blocks for one lookup (block cache, then disk).
 * - A frozen layer is never changed again, so a snapshot can hold on to the list of frozen layers
 *   plus a LevelDB snapshot: {@link capture} is that, O(number of layers).
 *
 * Until the database is open (it opens asynchronously after construction) nothing has been written
 * to it (layers are written only once it is open and are kept until then), so a read that misses
 * the layers is a miss without asking LevelDB.
 *
 * - Rows read from LevelDB, and rows leaving the buffer after their write, go to a read cache of
 *   encoded rows (`readCacheBytes`, approximate LRU), in front of LevelDB's block cache.
 *
 * Memory: `writeBufferBytes` for the active layer, plus the layers being written, plus the read
 * cache, plus LevelDB's block cache and its own write buffer. While a write is in progress the active layer may grow
 * past `writeBufferBytes`; {@link writeStall} tells a caller that can wait when to wait.
 *
 * @see org.apache.flink.contrib.streaming.state.RocksDBWriteBatchWrapper
 */
import { Level } from 'level';
import { ConfigurationError, LevelStateError } from '../../errors.js';

export { LevelStateError };
import { latin1Bytes } from './key-codec.js';

/** A frozen (immutable) or active layer of the write buffer. */
export interface WriteLayer {
  /** Row key → encoded value, or `null` for a deletion. */
  readonly rows: Map<string, Uint8Array | null>;
  /** Approximate bytes held (keys, values and per-entry overhead). */
  bytes: number;
}

/** What a snapshot needs of the store at the barrier. */
export interface StoreCapture {
  /** The frozen layers, oldest first (newer wins). */
  readonly layers: readonly WriteLayer[];
  /** LevelDB snapshot of the written rows, or undefined when nothing was written yet. */
  readonly dbSnapshot: ReturnType<Level<Uint8Array, Uint8Array>['snapshot']> | undefined;
}

/** Options of {@link RowStore}; see {@link LevelDBStateBackendOptions} for their meaning. */
export interface RowStoreOptions {
  readonly location: string;
  readonly writeBufferBytes: number;
  readonly maxBufferedBytes: number;
  readonly blockCacheBytes: number;
  /** Budget of the JS read cache of encoded rows (0: none). */
  readonly readCacheBytes: number;
  readonly levelWriteBufferBytes: number;
  readonly compression: boolean;
}

/** Per-entry bookkeeping bytes of a `Map` entry, for the buffer's size accounting. */
const ENTRY_OVERHEAD = 48;


/**
 * The write buffer, read cache and LevelDB database of one keyed backend (see the module comment).
 * Only the operator's thread calls it; writes to LevelDB run in the background, one batch at a time.
 */
export class RowStore {
  readonly db: Level<Uint8Array, Uint8Array>;
  private active: WriteLayer = { rows: new Map(), bytes: 0 };
  /** Frozen layers, oldest first; removed once written. */
  private frozen: WriteLayer[] = [];
  private dbReady = false;
  private readonly opened: Promise<void>;
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  /**
   * Read cache of LevelDB rows (encoded value, or `null` for a known-absent row), two generations
   * for an approximate LRU: hits in `older` move to `young`; when `young` holds half the budget it
   * becomes `older`. Written rows never need invalidation here: reads look at the write buffer
   * first, and when a written layer leaves the buffer its rows replace theirs in the cache.
   */
  private young = new Map<string, Uint8Array | null>();
  private older = new Map<string, Uint8Array | null>();
  private youngBytes = 0;
  private scratch = Buffer.allocUnsafe(256);

  /**
   * Starts opening the database at `options.location` (created if missing); calls work at once.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the `level` package is not classic-level 3
   *   (no `getSync` or explicit snapshots).
   */
  constructor(private readonly options: RowStoreOptions) {
    this.db = new Level<Uint8Array, Uint8Array>(options.location, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      cacheSize: options.blockCacheBytes,
      writeBufferSize: options.levelWriteBufferBytes,
      compression: options.compression,
      // Lets the applyToAllKeys scan worker open the same database (see sync-key-scanner.ts).
      multithreading: true,
    } as ConstructorParameters<typeof Level<Uint8Array, Uint8Array>>[1]);
    const supports = this.db.supports as { getSync?: boolean; explicitSnapshots?: boolean };
    if (supports.getSync !== true || supports.explicitSnapshots !== true) {
      throw new ConfigurationError('the LevelDB state backend needs classic-level 3 (getSync and explicit snapshots)');
    }
    this.opened = this.db.open().then(
      () => {
        this.dbReady = true;
      },
      (err: unknown) => {
        this.failure = new LevelStateError(`cannot open LevelDB at ${options.location}: ${String(err)}`, { cause: err });
      },
    );
  }

  /** Resolves when the database is open (rejects with the open error). */
  async whenOpen(): Promise<void> {
    await this.opened;
    this.check();
  }

  /** Throws the error that broke the store (a failed open or write), if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new LevelStateError('the LevelDB state backend was disposed');
  }

  /** Bytes in the write buffer (active and frozen layers). */
  get bufferedBytes(): number {
    let n = this.active.bytes;
    for (const l of this.frozen) n += l.bytes;
    return n;
  }

  /** Whether the database is open (before that, every row is in the write buffer). */
  get isDbReady(): boolean {
    return this.dbReady;
  }

  /** Calls `fn(rowKey, present)` for every buffered row, oldest layer first (later calls win). */
  forEachBuffered(fn: (rowKey: string, present: boolean) => void): void {
    for (const layer of this.frozen) for (const [k, v] of layer.rows) fn(k, v !== null);
    for (const [k, v] of this.active.rows) fn(k, v !== null);
  }

  /** Encoded value of `rowKey`, or undefined when there is none. */
  get(rowKey: string): Uint8Array | undefined {
    let v = this.active.rows.get(rowKey);
    if (v !== undefined) return v ?? undefined;
    for (let i = this.frozen.length - 1; i >= 0; i--) {
      v = this.frozen[i]!.rows.get(rowKey);
      if (v !== undefined) return v ?? undefined;
    }
    if (!this.dbReady) {
      this.check();
      return undefined;
    }
    let cached = this.young.get(rowKey);
    if (cached !== undefined) return cached ?? undefined;
    cached = this.older.get(rowKey);
    if (cached !== undefined) {
      this.cache(rowKey, cached);
      return cached ?? undefined;
    }
    let scratch = this.scratch;
    if (rowKey.length > scratch.length) scratch = this.scratch = Buffer.allocUnsafe(rowKey.length * 2);
    const n = scratch.write(rowKey, 0, 'latin1');
    let value: Uint8Array | undefined;
    try {
      value = this.db.getSync(scratch.subarray(0, n));
    } catch (err) {
      this.check();
      throw new LevelStateError(`LevelDB read failed: ${String(err)}`, { cause: err });
    }
    this.cache(rowKey, value ?? null);
    return value;
  }

  /** Puts a row into the read cache's young generation. */
  private cache(rowKey: string, value: Uint8Array | null): void {
    const budget = this.options.readCacheBytes;
    if (budget <= 0) return;
    this.young.set(rowKey, value);
    this.youngBytes += rowKey.length + ENTRY_OVERHEAD + (value?.byteLength ?? 0);
    if (this.youngBytes >= budget / 2) {
      this.older = this.young;
      this.young = new Map();
      this.youngBytes = 0;
    }
  }

  /** The value of `rowKey` in the active layer only (undefined: not there; `null`: deleted there). */
  activeValue(rowKey: string): Uint8Array | null | undefined {
    return this.active.rows.get(rowKey);
  }

  /** Sets `rowKey` to `value` (encoded), or deletes it with `null`. */
  put(rowKey: string, value: Uint8Array | null): void {
    const layer = this.active;
    const old = layer.rows.get(rowKey);
    if (old === undefined) layer.bytes += rowKey.length + ENTRY_OVERHEAD;
    else if (old !== null) layer.bytes -= old.byteLength;
    if (value !== null) layer.bytes += value.byteLength;
    layer.rows.set(rowKey, value);
    if (layer.bytes >= this.options.writeBufferBytes) {
      this.freeze();
      this.startFlush();
    }
  }

  /**
   * Freezes the active layer and returns what a snapshot needs (synchronous: the barrier's view).
   * Starts writing the frozen layers in the background.
   */
  capture(): StoreCapture {
    this.check();
    this.freeze();
    const layers = this.frozen.slice();
    // Before the database is open nothing was written to it: the layers are the whole state.
    const dbSnapshot = this.dbReady ? this.db.snapshot() : undefined;
    this.startFlush();
    return { layers, dbSnapshot };
  }

  /** Resolves when every layer frozen so far is written to LevelDB. @throws LevelStateError when a write failed. */
  async flushed(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    this.check();
  }

  /** Freezes and writes everything buffered. */
  async flush(): Promise<void> {
    this.freeze();
    this.startFlush();
    await this.flushed();
  }

  /**
   * Back-pressure hint: a promise to await before more writes when the buffer holds more than
   * `maxBufferedBytes` (writes outran LevelDB), else undefined. State calls never wait by themselves.
   */
  writeStall(): Promise<void> | undefined {
    if (this.bufferedBytes <= this.options.maxBufferedBytes || this.flushing === undefined) return undefined;
    return this.flushed();
  }

  /** Waits for background writes, closes the database (and its snapshots and iterators). */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing !== undefined) await this.flushing.catch(() => undefined);
    this.closed = true;
    this.active = { rows: new Map(), bytes: 0 };
    this.frozen = [];
    this.young = new Map();
    this.older = new Map();
    await this.opened;
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }

  private freeze(): void {
    if (this.active.rows.size === 0) return;
    this.frozen.push(this.active);
    this.active = { rows: new Map(), bytes: 0 };
  }

  private startFlush(): void {
    if (this.flushing !== undefined || this.frozen.length === 0 || this.closed) return;
    this.flushing = this.runFlush().finally(() => {
      this.flushing = undefined;
    });
  }

  private async runFlush(): Promise<void> {
    try {
      await this.opened;
      if (this.failure !== undefined) return;
      while (this.frozen.length > 0 && !this.closed) {
        // Everything frozen so far goes in one batch: LevelDB applies a batch's operations in
        // order, so a newer layer's value of a row wins.
        const layers = this.frozen.slice();
        const ops: ({ type: 'put'; key: Buffer; value: Uint8Array } | { type: 'del'; key: Buffer })[] = [];
        for (const layer of layers) {
          for (const [k, v] of layer.rows) ops.push(v === null ? { type: 'del', key: latin1Bytes(k) } : { type: 'put', key: latin1Bytes(k), value: v });
        }
        await this.db.batch(ops);
        this.frozen.splice(0, layers.length);
        // The written rows are the most recently used ones: they replace older cached values.
        for (const layer of layers) for (const [k, v] of layer.rows) this.cache(k, v);
      }
    } catch (err) {
      this.failure ??= new LevelStateError(`LevelDB write failed: ${String(err)}`, { cause: err });
    }
  }
}
