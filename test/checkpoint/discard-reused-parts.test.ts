/**
 * A finished subtask acknowledges later checkpoints with the parts of its last snapshot, which
 * live in an older `chk-<id>` directory. Discarding that older checkpoint must keep those parts
 * (the retained checkpoint still restores from them), and discarding the newer one later removes
 * them and the directory they kept alive.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkpointTarget, discardCheckpoint, readMetadata, readStateHandle, referencedFiles, writeKeyGroupPart, writeMetadata } from '../../lib/checkpoint/checkpoint-storage.js';
import type { CheckpointMetadata, StreamStateHandle } from '../../lib/checkpoint/state-handles.js';

const root = mkdtempSync(join(tmpdir(), 'weir-discard-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

/** Above the 20 KiB inline threshold, so parts are files. */
const big = (fill: number): Uint8Array => new Uint8Array(64 * 1024).fill(fill);

function metadata(id: number, finished: StreamStateHandle, running: StreamStateHandle): CheckpointMetadata {
  const op = (name: string, h: StreamStateHandle) => ({ name, parallelism: 1, maxParallelism: 128, subtasks: [{ keyed: [{ keyGroup: 0, chain: [h] }] }] });
  return { version: 1, checkpointId: id, kind: 'checkpoint', timestamp: id, completedAt: id, jobName: 'j', jobId: 'job-1', stateBackend: 'hashmap', operators: { finished: op('finished', finished), running: op('running', running) } };
}

test('discarding a checkpoint keeps the parts a retained checkpoint reuses, and prunes them with it later', async (t) => {
  const t1 = checkpointTarget(root, 'job-1', 1);
  const finishedPart = await writeKeyGroupPart(t1, 'finished', 0, big(1), false);
  const running1 = await writeKeyGroupPart(t1, 'running', 0, big(2), false);
  const m1 = metadata(1, finishedPart, running1);
  await writeMetadata(t1, m1);
  // Checkpoint 2: the finished subtask's acknowledgement repeats its part in chk-1.
  const t2 = checkpointTarget(root, 'job-1', 2);
  const running2 = await writeKeyGroupPart(t2, 'running', 0, big(3), false);
  const m2 = metadata(2, finishedPart, running2);
  await writeMetadata(t2, m2);
  const owned = resolve(root, 'job-1');

  await discardCheckpoint(t1.directory, m1, new Set(referencedFiles(m2)), owned);
  t.false(existsSync(join(t1.directory!, '_metadata')), 'chk-1 is no longer a completed checkpoint');
  t.false(existsSync((running1 as { file: string }).file), 'its own parts are gone');
  const { metadata: restored } = await readMetadata(t2.directory!);
  for (const h of restored.operators['finished']!.subtasks[0]!.keyed![0]!.chain) t.deepEqual(new Uint8Array(await readStateHandle(h)), big(1), 'the reused part still restores');

  await discardCheckpoint(t2.directory, m2, new Set(), owned);
  t.deepEqual(readdirSync(owned), [], 'both checkpoint directories are gone');
});
