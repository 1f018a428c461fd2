/**
 * The completed checkpoints a job keeps (Flink's StandaloneCompletedCheckpointStore): the newest
 * `numRetained`, oldest discarded (its directory and the shared files no retained checkpoint still
 * references). Shared by the checkpoint coordinator (which adds) and the job actor (which restores
 * from the latest and drops one found corrupt). Savepoints are never kept here: they belong to the
 * user.
 */
import { discardCheckpoint, referencedFiles } from './checkpoint-storage.js';
import type { CompletedCheckpoint } from './state-handles.js';

export class CompletedCheckpointStore {
  private readonly checkpoints: CompletedCheckpoint[] = [];
  private discarding: Promise<void> = Promise.resolve();

  /**
   * @param numRetained completed checkpoints kept (≥ 1).
   * @param ownedRoot files under this directory may be deleted (this run's job directory: a path
   *   or a `jetstream://` URI, whose objects under that key prefix may be deleted).
   * @param onDiscardError told when deleting an old checkpoint failed (the job goes on).
   */
  constructor(
    private readonly numRetained: number,
    private readonly ownedRoot: string | undefined,
    private readonly onDiscardError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Adds a restored checkpoint. Once superseded it is discarded like any other, but only files under
   * `ownedRoot` are deleted: another run's checkpoint stays (Flink's NO_CLAIM restore mode), the
   * same job's own (recovered by a new leading job manager, same job id) goes.
   */
  addRestored(cp: CompletedCheckpoint): void {
    this.checkpoints.push(cp);
  }

  /** Adds a newly completed checkpoint and discards the oldest beyond the retention. */
  add(cp: CompletedCheckpoint): void {
    this.checkpoints.push(cp);
    while (this.checkpoints.length > this.numRetained) this.discard(this.checkpoints.shift()!);
  }

  /** The newest completed checkpoint, or undefined. */
  latest(): CompletedCheckpoint | undefined {
    return this.checkpoints[this.checkpoints.length - 1];
  }

  /** All retained, oldest first. */
  all(): readonly CompletedCheckpoint[] {
    return this.checkpoints;
  }

  /** Forgets checkpoint `id` (found unusable); its files are left for inspection. */
  remove(id: number): void {
    const i = this.checkpoints.findIndex((c) => c.metadata.checkpointId === id);
    if (i >= 0) this.checkpoints.splice(i, 1);
  }

  /** Resolves when pending deletions are done. */
  settled(): Promise<void> {
    return this.discarding;
  }

  private discard(cp: CompletedCheckpoint): void {
    const keep = new Set(this.checkpoints.flatMap((c) => referencedFiles(c.metadata)));
    this.discarding = this.discarding.then(() => discardCheckpoint(cp.directory, cp.metadata, keep, this.ownedRoot)).catch(this.onDiscardError);
  }
}
