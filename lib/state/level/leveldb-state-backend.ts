/**
 * The LevelDB state backend (the role of Flink's `EmbeddedRocksDBStateBackend`): keyed state in one
 * LevelDB database per keyed operator subtask, for state larger than memory; checkpoints full or
 * incremental.
 *
 * @see org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../errors.js';
import type { KeyedStateBackend } from '../keyed-state-backend.js';
import type { KeyedStateBackendParams, StateBackend } from '../state-backend.js';
import { LevelKeyedStateBackend } from './level-keyed-state-backend.js';

/** Options of {@link LevelDBStateBackend}; sizes in bytes. */
export interface LevelDBStateBackendOptions {
  /**
   * Directory for the working databases (Flink's `state.backend.rocksdb.localdir`); each keyed
   * operator subtask gets a unique sub-directory `<job>/<uid>-<subtask>-XXXXXX`, removed by its
   * `dispose()`. Default `os.tmpdir()/weir-leveldb`.
   */
  path?: string;
  /**
   * Incremental checkpoints (Flink's `state.backend.incremental`, default false): each checkpoint
   * writes only the key groups changed since the last completed one, as deltas.
   */
  incremental?: boolean;
  /**
   * Size of the in-memory write buffer before it is written to LevelDB in one batch (the role of
   * RocksDB's `write_buffer_size` one level up), default 4 MiB. Reads of buffered rows cost a `Map`
   * lookup; larger buffers mean fewer, larger batches.
   */
  writeBufferBytes?: number;
  /**
   * Buffered bytes beyond which `writeStall()` asks the caller to wait for LevelDB (default 4 ×
   * `writeBufferBytes`). State calls never block on it.
   */
  maxBufferedBytes?: number;
  /** LevelDB's block cache (`cacheSize`), default 8 MiB (Flink: `state.backend.rocksdb.block.cache-size`). */
  blockCacheBytes?: number;
  /**
   * In-process cache of rows read from LevelDB or just written to it (encoded, approximate LRU),
   * default 8 MiB; 0 turns it off. A hit costs a `Map` lookup instead of a LevelDB lookup.
   */
  readCacheBytes?: number;
  /** LevelDB's own memtable (`writeBufferSize`), default 4 MiB. */
  levelWriteBufferBytes?: number;
  /** Snappy compression of LevelDB blocks, default true. */
  compression?: boolean;
  /**
   * Incremental checkpoints: most changed row keys remembered between checkpoints (default
   * 500,000, roughly 50 MB); beyond it the most-changed key groups are written as full parts.
   */
  maxTrackedRows?: number;
  /** Incremental checkpoints: deltas after a full part before a key group is written full again (default 8). */
  maxDeltasPerChain?: number;
}

const MiB = 1024 * 1024;

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new ConfigurationError(`LevelDBStateBackend option ${name} must be a positive number, got ${String(v)}`);
  return v;
}

/** File-name-safe form of an id. */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || '_';
}

/**
 * State in LevelDB (classic-level 3), one database per keyed operator subtask.
 *
 * @example
 * env.setStateBackend(new LevelDBStateBackend({ incremental: true, path: '/var/tmp/weir' }));
 */
export class LevelDBStateBackend implements StateBackend {
  readonly name = 'leveldb';
  readonly incremental: boolean;
  /** Base directory of the working databases. */
  readonly path: string;
  private readonly writeBufferBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly blockCacheBytes: number;
  private readonly readCacheBytes: number;
  private readonly levelWriteBufferBytes: number;
  private readonly compression: boolean;
  private readonly maxTrackedRows: number;
  private readonly maxDeltasPerChain: number;

  /**
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for a size or count that is not a positive number.
   */
  constructor(options: LevelDBStateBackendOptions = {}) {
    this.incremental = options.incremental ?? false;
    this.path = options.path ?? join(tmpdir(), 'weir-leveldb');
    this.writeBufferBytes = positive('writeBufferBytes', options.writeBufferBytes, 4 * MiB);
    this.maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes, 4 * this.writeBufferBytes);
    this.blockCacheBytes = positive('blockCacheBytes', options.blockCacheBytes, 8 * MiB);
    const rc = options.readCacheBytes ?? 8 * MiB;
    if (!Number.isFinite(rc) || rc < 0) throw new ConfigurationError(`LevelDBStateBackend option readCacheBytes must be a number >= 0, got ${String(rc)}`);
    this.readCacheBytes = rc;
    this.levelWriteBufferBytes = positive('levelWriteBufferBytes', options.levelWriteBufferBytes, 4 * MiB);
    this.compression = options.compression ?? true;
    this.maxTrackedRows = positive('maxTrackedRows', options.maxTrackedRows, 500_000);
    this.maxDeltasPerChain = positive('maxDeltasPerChain', options.maxDeltasPerChain, 8);
  }

  /**
   * Creates the keyed backend of one keyed operator subtask in a new directory under {@link path}
   * (its database opens in the background; state calls work at once).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the max parallelism exceeds 65,536 (key
   *   groups are 2 bytes in row keys) or the directory cannot be created.
   */
  createKeyedStateBackend(params: KeyedStateBackendParams): LevelKeyedStateBackend & KeyedStateBackend {
    if (params.maxParallelism > 0x10000) throw new ConfigurationError(`LevelDBStateBackend supports at most 65536 key groups, got ${params.maxParallelism}`);
    let location: string;
    try {
      const dir = join(this.path, safe(params.jobId));
      mkdirSync(dir, { recursive: true });
      location = mkdtempSync(join(dir, `${safe(params.operatorUid)}-${params.subtaskIndex}-`));
    } catch (err) {
      throw new ConfigurationError(`cannot create the LevelDB state directory under ${this.path}: ${String(err)}`, { cause: err });
    }
    return new LevelKeyedStateBackend(params.maxParallelism, params.keyGroupRange, {
      location,
      incremental: this.incremental,
      writeBufferBytes: this.writeBufferBytes,
      maxBufferedBytes: this.maxBufferedBytes,
      blockCacheBytes: this.blockCacheBytes,
      readCacheBytes: this.readCacheBytes,
      levelWriteBufferBytes: this.levelWriteBufferBytes,
      compression: this.compression,
      maxTrackedRows: this.maxTrackedRows,
      maxDeltasPerChain: this.maxDeltasPerChain,
      clock: params.clock,
    });
  }
}
