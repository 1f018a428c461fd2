/**
 * State backends, chosen per job with `env.setStateBackend(...)` (Flink's `StateBackend`): a
 * backend creates the {@link KeyedStateBackend} of each keyed operator subtask.
 * - {@link HashMapStateBackend} (default): state as objects in memory (Flink's HashMapStateBackend).
 * - `LevelDBStateBackend` (lib/state/level): state in a LevelDB database per operator subtask, for
 *   state larger than memory (the role of Flink's EmbeddedRocksDBStateBackend).
 *
 * @see org.apache.flink.runtime.state.StateBackend
 */
import type { Clock } from '../time/clock.js';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.js';
import type { KeyGroupRange } from './key-groups.js';
import type { KeyedStateBackend } from './keyed-state-backend.js';

/** Where one keyed backend lives. */
export interface KeyedStateBackendParams {
  /** Unique per job run (for working directories). */
  readonly jobId: string;
  /** The operator's uid. */
  readonly operatorUid: string;
  readonly operatorName: string;
  readonly subtaskIndex: number;
  /** Number of key groups (max parallelism). */
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  /** Processing time, for state TTL. */
  readonly clock: Clock;
}

export interface StateBackend {
  /** `'hashmap'` or `'leveldb'`, shown by the CLI and recorded in checkpoint metadata. */
  readonly name: string;
  /** Whether checkpoints write only what changed since the last completed checkpoint. */
  readonly incremental: boolean;
  /** Creates the keyed backend of one keyed operator subtask (empty; restore comes after). */
  createKeyedStateBackend(params: KeyedStateBackendParams): KeyedStateBackend;
}

/** Options of {@link HashMapStateBackend}. */
export interface HashMapStateBackendOptions {
  /**
   * Incremental checkpoints (default false, as Flink's HashMapStateBackend without changelog): each
   * checkpoint writes only the key groups changed since the last completed one.
   */
  incremental?: boolean;
}

/** State on the heap (the default); snapshots copy each key group in the synchronous phase. */
export class HashMapStateBackend implements StateBackend {
  readonly name = 'hashmap';
  readonly incremental: boolean;
  constructor(options: HashMapStateBackendOptions = {}) {
    this.incremental = options.incremental ?? false;
  }
  createKeyedStateBackend(params: KeyedStateBackendParams): KeyedStateBackend {
    return new HeapKeyedStateBackend(params.maxParallelism, params.keyGroupRange, params.clock);
  }
}
