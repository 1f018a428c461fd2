/**
 * The FileSink when a job restores from a checkpoint OLDER than the newest completed one, as
 * `--from-checkpoint <root>` does when the newest checkpoint is unreadable (and the job actor when
 * a restore fails): the newest checkpoint's part files were already committed, and the restored
 * job replays (and writes again) the records after the older checkpoint. Exactly-once then needs
 * the sink to roll its committed output back to the restored checkpoint.
 *
 * Driven through the SinkOperator as the runtime drives it (test/connectors/sink-harness.ts):
 * checkpoint 1 and 2 complete and commit, the process dies, checkpoint 2 is lost, the job restores
 * from checkpoint 1 and replays records 11..20.
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink } from '../../connectors/file/index.js';
import { SinkSubtask } from '../connectors/sink-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-file-sink-fallback-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The numbers in the committed (non-hidden) NDJSON files of `path` (a directory or one file), sorted. */
function committed(path: string, singleFile: boolean): number[] {
  const files = singleFile ? [path] : readdirSync(path).filter((n) => !n.startsWith('.')).map((n) => join(path, n));
  return files
    .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== ''))
    .map((l) => Number(l))
    .sort((a, b) => a - b);
}

/**
 * Checkpoints 1 (records 1..10) and 2 (11..20) complete and commit; the process dies; restore from
 * checkpoint 1, replay 11..20, end of input, final checkpoint 3.
 */
async function fallBackToCheckpoint1(path: string): Promise<void> {
  const sink = FileSink.ndjson<number>(path);
  const first = await SinkSubtask.start(sink);
  await first.write(...range(1, 10));
  const checkpoint1 = await first.snapshot(1);
  await first.complete(1);
  await first.write(...range(11, 20));
  await first.snapshot(2);
  await first.complete(2);
  // The process dies (no close). Checkpoint 2 turns out unreadable: restore from checkpoint 1.
  const restored = await SinkSubtask.start(sink, { restore: { snapshot: checkpoint1, checkpointId: 1 } });
  await restored.write(...range(11, 20));
  await restored.endInput();
  // With checkpointing, the runtime commits the rest with one more checkpoint after end of input.
  await restored.snapshot(3);
  await restored.complete(3);
  await restored.close();
}

test('directory mode: after a fallback to an older checkpoint, records committed by the lost checkpoint are not committed twice', async (t) => {
  const out = join(dir, 'parts');
  await fallBackToCheckpoint1(out);
  // Fails today: part-0-1 (records 11..20, committed by checkpoint 2) stays, and the replayed
  // 11..20 are committed again as part-0-2.
  t.deepEqual(committed(out, false), range(1, 20));
});

test('single-file mode: the first commit after the fallback truncates the file to checkpoint 1 before appending (control)', async (t) => {
  const out = join(dir, 'one.ndjson');
  await fallBackToCheckpoint1(out);
  t.deepEqual(committed(out, true), range(1, 20));
});
