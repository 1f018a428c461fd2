/**
 * Reads the keyed state of the checkpoint benchmarks' job back from a completed checkpoint, to
 * check it and to time the read path of a restore outside the job.
 *
 * It does what a restore does before the backend applies the state: the checkpoint's `_metadata`
 * (public `readCheckpointMetadata`), then every key group's chain of parts read and
 * frame-checked (SHA-256) concurrently, as the key-group actors do (`readKeyGroupChain`), then each
 * part decoded (`decodeKeyGroupPart`, the part format both backends write; timed) and applied in
 * chain order (puts, deletes, fixes) into a `Map` per key group (not timed: each backend applies
 * parts its own way). The last two are Weir internals (not in
 * `weir`'s public surface), imported by path: the benchmark measures the runtime's own read path.
 *
 * The files were just written, so they are read from the page cache: `readMs` is CPU (copying,
 * hashing) and libuv thread-pool time, not disk time.
 */
import { readCheckpointMetadata, type CheckpointMetadata } from 'weir';
import { readKeyGroupChain } from '../lib/checkpoint/checkpoint-storage.js';
import { decodeKeyGroupPart } from '../lib/state/key-group-part-format.js';

/** The name of the keyed counter's `ValueState` (keyed-state-job.ts). */
export const COUNT_STATE = 'count';

/** What {@link readKeyedCounts} found and how long it took. */
export interface CheckpointStateFigures {
  /** The checkpoint's id. */
  checkpointId: number;
  /** Key groups with state. */
  keyGroups: number;
  /** Parts read (a full part per key group, plus deltas for incremental checkpoints). */
  parts: number;
  /** Bytes of the parts (framed), inline ones included. */
  bytes: number;
  /** Distinct keys in the `count` state. */
  keys: number;
  /** Keys whose count differs from `expected(key)` (only when `expected` is given). */
  wrong: number;
  /** The first few of them. */
  wrongSamples: string[];
  /** Reading `_metadata`, ms. */
  metadataMs: number;
  /** Reading and frame-checking every part, all key groups concurrently, ms. */
  readMs: number;
  /** Decoding the parts (`decodeKeyGroupPart`: cbor-x into `Map`s, and its checks), ms; applying the chains is left out. */
  decodeMs: number;
}

/**
 * Reads the keyed counter's state from the checkpoint at `path` (a `chk-<id>` directory or its
 * `_metadata`) and checks every key's count against `expected` when given.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for an unreadable checkpoint;
 *   Error when no operator of the checkpoint has keyed state.
 */
export async function readKeyedCounts(path: string, expected?: (key: number) => number): Promise<CheckpointStateFigures> {
  const t0 = performance.now();
  const { metadata } = await readCheckpointMetadata(path);
  const metadataMs = performance.now() - t0;
  const handles = keyedHandles(metadata);
  if (handles.length === 0) throw new Error(`checkpoint ${metadata.checkpointId} at ${path} has no keyed state`);
  const t1 = performance.now();
  const chains = await Promise.all(handles.map((h) => readKeyGroupChain(h)));
  const readMs = performance.now() - t1;
  let decodeMs = 0;
  let keys = 0;
  let parts = 0;
  let bytes = 0;
  let wrong = 0;
  const wrongSamples: string[] = [];
  const tables: Map<unknown, unknown>[] = [];
  for (let i = 0; i < handles.length; i++) {
    const kg = handles[i]!.keyGroup;
    const table = new Map<unknown, unknown>();
    for (const payload of chains[i]!) {
      parts++;
      bytes += payload.byteLength;
      const t2 = performance.now();
      const part = decodeKeyGroupPart(payload, kg);
      decodeMs += performance.now() - t2;
      const section = part.states.find((s) => s[0] === COUNT_STATE);
      if (part.kind === 'full') table.clear();
      if (section === undefined) continue;
      const [, , , puts, deletes, fixes] = section;
      for (const [k, v] of puts) table.set(k, v);
      for (const k of deletes) table.delete(k);
      for (const [k, v] of fixes) table.set(k, v);
    }
    tables.push(table);
  }
  for (const table of tables) {
    keys += table.size;
    if (expected === undefined) continue;
    for (const [k, v] of table) {
      const want = expected(k as number);
      if (v !== want && wrong++ < 5) wrongSamples.push(`key ${String(k)}: ${String(v)}, expected ${want}`);
    }
  }
  return { checkpointId: metadata.checkpointId, keyGroups: handles.length, parts, bytes, keys, wrong, wrongSamples, metadataMs, readMs, decodeMs };
}

/** Every key-group handle of the checkpoint's keyed operators (one keyed operator in this job). */
function keyedHandles(metadata: CheckpointMetadata): { keyGroup: number; chain: readonly ({ inline: Uint8Array } | { file: string; size: number })[] }[] {
  const out = [];
  for (const op of Object.values(metadata.operators)) for (const s of op.subtasks) for (const kg of s?.keyed ?? []) out.push(kg);
  return out;
}

/**
 * The count of key `key` after records `0..position − 1` of the keyed counter's input (record x has
 * key x mod K): the number of x < position with x ≡ key (mod K).
 */
export function countAtPosition(key: number, position: number, keyCount: number): number {
  return key < position ? Math.floor((position - 1 - key) / keyCount) + 1 : 0;
}
