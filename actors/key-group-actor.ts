/**
 * KeyGroupActor: the owner of one key group's durable state for one keyed operator (the unit that
 * is snapshotted, restored and, on rescale, moved). It is hosted by the subtask whose key-group
 * range holds it — a child actor on the subtask's thread — and the subtask's keyed backend holds
 * the key group's live state for synchronous access from user code (as Flink's key-group tables
 * inside the backend); the actor holds the key group's **snapshot chain** (full part + deltas) and
 * performs its asynchronous snapshot phase and its restore reads.
 *
 * Accepts (system lane):
 * - KeyGroupPersist (from its subtask, at a checkpoint barrier): materialises the part the backend
 *   took in the synchronous phase, frames and writes it (checkpoint storage), replies
 *   KeyGroupPersisted with the key group's chain for that checkpoint;
 * - KeyGroupRead (an ask): reads and checks its restored chain, replies the bytes;
 * - KeyGroupCheckpointDone (complete/aborted): promotes or drops the pending chain.
 * Owns: the chain of the last completed checkpoint and the chains of pending ones.
 *
 * @see org.apache.flink.runtime.state.KeyGroupsStateHandle, KeyGroupRange
 */
import { Actor } from '../lib/actor/actor.js';
import { encodeError, type EncodedError } from '../lib/errors.js';
import { readKeyGroupChain, writeKeyGroupPart } from '../lib/checkpoint/checkpoint-storage.js';
import type { KeyGroupStateHandle, StreamStateHandle } from '../lib/checkpoint/state-handles.js';
import type { KeyGroupPersist, KeyGroupPersisted } from '../lib/runtime/messages.js';

/** Ask: the restored chain's bytes (checked), oldest first. */
export interface KeyGroupRead {
  t: 'kg-read';
}

/** Reply to {@link KeyGroupRead}: the chain's payloads, or why it could not be read. */
export type KeyGroupReadResult = { chain: Uint8Array[] } | { error: EncodedError };

/** The subtask tells its key-group actors how a checkpoint ended. */
export interface KeyGroupCheckpointDone {
  t: 'kg-done';
  id: number;
  completed: boolean;
}

export type KeyGroupMessage = KeyGroupPersist | KeyGroupRead | KeyGroupCheckpointDone;

export class KeyGroupActor extends Actor<KeyGroupMessage> {
  private completed: readonly StreamStateHandle[];
  private completedId: number;
  private readonly pending = new Map<number, readonly StreamStateHandle[]>();

  /**
   * @param nodeId the keyed operator's node id (in replies).
   * @param uid the operator's uid (names files).
   * @param keyGroup the key group.
   * @param restored the chain restored from a checkpoint (undefined on a fresh start).
   */
  constructor(
    private readonly nodeId: number,
    private readonly uid: string,
    private readonly keyGroup: number,
    restored: KeyGroupStateHandle | undefined,
    restoredCheckpointId = 0,
  ) {
    super();
    this.completed = restored?.chain ?? [];
    this.completedId = restored !== undefined ? restoredCheckpointId : 0;
  }

  receive(msg: KeyGroupMessage): void | Promise<void> {
    switch (msg.t) {
      case 'kg-persist':
        return this.persist(msg);
      case 'kg-read':
        return this.read();
      case 'kg-done':
        this.done(msg);
        return undefined;
    }
  }

  private async persist(msg: KeyGroupPersist): Promise<void> {
    const replyTo = this.context.sender;
    const reply = (r: KeyGroupPersisted): void => {
      if (replyTo !== undefined) this.context.tellSystem(replyTo, r);
    };
    try {
      let chain: readonly StreamStateHandle[];
      let bytes = 0;
      const part = msg.part;
      if (part === undefined) {
        // Unchanged since the last completed checkpoint (incremental), or empty (full).
        chain = msg.incremental ? this.completed : [];
      } else {
        const payload = await part.materialize();
        const handle = await writeKeyGroupPart(msg.target, this.uid, this.keyGroup, payload, msg.incremental && msg.target.kind === 'checkpoint');
        // Bytes this part adds to storage: a file, or (in memory) the inline bytes; an inline part of
        // file storage is counted with the metadata file that holds it.
        bytes = 'inline' in handle ? (msg.target.directory === undefined ? handle.inline.length : 0) : handle.size;
        if (part.kind === 'full') chain = [handle];
        else {
          if (part.baseCheckpointId !== this.completedId) throw new Error(`key group ${this.keyGroup}: delta based on checkpoint ${String(part.baseCheckpointId)} but the last completed chain is of checkpoint ${this.completedId}`);
          chain = [...this.completed, handle];
        }
      }
      if (msg.target.kind === 'checkpoint') this.pending.set(msg.id, chain);
      reply({ t: 'kg-persisted', id: msg.id, nodeId: this.nodeId, keyGroup: this.keyGroup, handle: chain.length === 0 ? null : { keyGroup: this.keyGroup, chain }, bytes });
    } catch (err) {
      reply({ t: 'kg-persisted', id: msg.id, nodeId: this.nodeId, keyGroup: this.keyGroup, handle: null, bytes: 0, error: encodeError(err) });
    }
  }

  private async read(): Promise<void> {
    const replyTo = this.context.sender;
    let reply: KeyGroupReadResult;
    try {
      reply = { chain: await readKeyGroupChain({ keyGroup: this.keyGroup, chain: this.completed }) };
    } catch (err) {
      reply = { error: encodeError(err) };
    }
    if (replyTo !== undefined) this.context.tellSystem(replyTo, reply);
  }

  private done(msg: KeyGroupCheckpointDone): void {
    if (msg.completed) {
      const chain = this.pending.get(msg.id);
      if (chain !== undefined) {
        this.completed = chain;
        this.completedId = msg.id;
      }
      for (const id of [...this.pending.keys()]) if (id <= msg.id) this.pending.delete(id);
    } else this.pending.delete(msg.id);
  }
}
