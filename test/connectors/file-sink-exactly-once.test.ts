/**
 * The FileSink as a two-phase-commit sink, driven through the SinkOperator as the runtime drives it
 * (snapshotState at barriers, notifyCheckpointComplete, crashes = close without commit or no close
 * at all, restores from a checkpoint's operator state, also at another parallelism). After every
 * step, the files under final names hold exactly the records of completed checkpoints; hidden
 * files hold the rest and disappear on restore.
 */
import test from 'ava';
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ReaderOutput } from '../../connectors/source.js';
import { FileSink, FileSource, type FileSinkCommittable } from '../../connectors/file/index.js';
import { SINK_COMMITTABLES_STATE, type PendingCommittable } from '../../lib/operators/sink-operator.js';
import type { OperatorStateSnapshot } from '../../lib/state/operator-state-store.js';
import { redistribute, SinkSubtask } from './sink-harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-file-sink-eo-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Rec {
  id: number;
  name: string;
}

/** Records `from..to-1`, with names that need CSV quoting now and then. */
function recs(from: number, to: number): Rec[] {
  return Array.from({ length: to - from }, (_, i) => ({ id: from + i, name: (from + i) % 7 === 0 ? `a, "quoted"\nname ${from + i}` : `n${from + i}` }));
}

function ids(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function hidden(d: string): string[] {
  return fs.existsSync(d) ? fs.readdirSync(d).filter((n) => n.startsWith('.')).sort() : [];
}

function text(file: string): string {
  const raw = fs.readFileSync(file);
  return file.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
}

/**
 * The ids in the final (non-hidden) files of `d`, sorted, parsed independently of the sink
 * (csv-parse / JSON.parse); asserts every CSV file has exactly one header, at its top.
 */
function committedIds(d: string): number[] {
  if (!fs.existsSync(d)) return [];
  const out: number[] = [];
  for (const name of fs.readdirSync(d).filter((n) => !n.startsWith('.'))) {
    const body = text(path.join(d, name));
    if (/\.csv(\.gz)?$/.test(name)) {
      const rows = parse(body, { columns: true }) as Record<string, string>[];
      for (const r of rows) {
        if (r['id'] === 'id') throw new Error(`${name}: a second header`);
        out.push(Number(r['id']));
      }
    } else {
      for (const line of body.split('\n')) if (line !== '') out.push((JSON.parse(line) as Rec).id);
    }
  }
  return out.sort((a, b) => a - b);
}

/** The pending committables in a checkpoint's operator state. */
function committablesOf(snapshot: OperatorStateSnapshot): FileSinkCommittable[] {
  return ((snapshot.list[SINK_COMMITTABLES_STATE.name] ?? []) as PendingCommittable[]).map((p) => p.committable as FileSinkCommittable);
}

test('directory mode: only completed checkpoints are visible; a crash and restore from checkpoint 1 commit each record once', async (t) => {
  const out = path.join(dir, 'basic');
  const sink = FileSink.ndjson<Rec>(out);
  const a = await SinkSubtask.start(sink);
  await a.write(...recs(0, 10));
  const cp1 = await a.snapshot(1);
  await a.write(...recs(10, 20));
  await a.snapshot(2);
  t.deepEqual(committedIds(out), [], 'nothing is visible before a checkpoint completes');
  await a.complete(1);
  t.deepEqual(committedIds(out), ids(0, 10), 'checkpoint 1 committed');
  t.deepEqual(fs.readdirSync(out).filter((n) => !n.startsWith('.')), ['part-0-0.ndjson']);
  await a.write(...recs(20, 25));
  await a.close(); // crash: checkpoint 2 never completes
  t.deepEqual(committedIds(out), ids(0, 10), 'close after a failure commits nothing');
  t.deepEqual(hidden(out), ['.part-0-1.ndjson.pending.2'], 'the pending part of checkpoint 2 stays hidden; the in-progress file is gone');

  const b = await SinkSubtask.start(sink, { restore: { snapshot: cp1, checkpointId: 1 } });
  t.deepEqual(hidden(out), [], 'restore aborts the pending part of the uncompleted checkpoint');
  t.deepEqual(committedIds(out), ids(0, 10), 're-committing checkpoint 1 is idempotent');
  await b.write(...recs(10, 25)); // the source replays from checkpoint 1
  await b.snapshot(3);
  await b.complete(3);
  t.deepEqual(committedIds(out), ids(0, 25));
  await b.write(...recs(25, 30));
  await b.endInput();
  t.deepEqual(committedIds(out), ids(0, 25), 'with checkpointing, end of input commits nothing');
  await b.snapshot(4); // the final checkpoint after end of input
  await b.complete(4);
  await b.close();
  t.deepEqual(committedIds(out), ids(0, 30));
  t.deepEqual(hidden(out), []);
  t.deepEqual(b.reported, [path.join(out, 'part-0-1.ndjson'), path.join(out, 'part-0-2.ndjson')]);
});

test('directory mode: a process death (no close) and restore from checkpoint 2 commit checkpoints 1 and 2 once; commits repeat idempotently', async (t) => {
  const out = path.join(dir, 'death');
  const sink = FileSink.csv<Rec>(out, { columns: ['id', 'name'] });
  const a = await SinkSubtask.start(sink);
  await a.write(...recs(0, 10));
  await a.snapshot(1);
  await a.write(...recs(10, 20));
  const cp2 = await a.snapshot(2);
  await a.complete(1);
  await a.write(...recs(20, 25)); // an in-progress file is open when the process dies
  t.is(hidden(out).filter((n) => n.includes('.inprogress.')).length, 1);

  const b = await SinkSubtask.start(sink, { restore: { snapshot: cp2, checkpointId: 2 } });
  t.deepEqual(committedIds(out), ids(0, 20), 'checkpoint 2 committed on restore, checkpoint 1 not twice');
  t.deepEqual(hidden(out), [], "the dead attempt's in-progress file is removed");
  await a.close(); // (release the dead attempt's file descriptor)
  const committables = committablesOf(cp2);
  t.is(committables.length, 2, 'checkpoint 2 held the committables of checkpoints 1 and 2');
  await sink.createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' }).commit(committables);
  t.deepEqual(committedIds(out), ids(0, 20), 'committing again changes nothing');
  await b.write(...recs(20, 30));
  await b.endInput();
  await b.snapshot(3);
  await b.complete(3);
  await b.close();
  t.deepEqual(committedIds(out), ids(0, 30));
  t.deepEqual(fs.readdirSync(out).sort(), ['part-0-0.csv', 'part-0-1.csv', 'part-0-2.csv']);
});

test('single-file mode (CSV): one header; a commit interrupted mid-append is redone exactly on restore', async (t) => {
  const out = path.join(dir, 'single');
  const file = path.join(out, 'trips.csv');
  const sink = FileSink.csv<Rec>(file, { columns: ['id', 'name'] });
  const a = await SinkSubtask.start(sink);
  await a.write(...recs(0, 5));
  await a.snapshot(1);
  await a.write(...recs(5, 10));
  const cp2 = await a.snapshot(2);
  await a.complete(1);
  t.deepEqual(committedIds(out), ids(0, 5));
  const header = 'id,name\n';
  t.true(fs.readFileSync(file, 'utf8').startsWith(header));
  // Checkpoint 2 completes, and the process dies while appending its part: half of it is in the file.
  const [c1, c2] = committablesOf(cp2) as [FileSinkCommittable, FileSinkCommittable];
  t.is(c1.mode, 'append');
  t.is(c2.mode, 'append');
  const part = fs.readFileSync(c2.pending);
  t.false(part.toString('utf8').includes(header), 'only the first part carries the header');
  fs.appendFileSync(file, part.subarray(0, Math.floor(part.length / 2)));
  await a.close();

  const b = await SinkSubtask.start(sink, { restore: { snapshot: cp2, checkpointId: 2 } });
  t.deepEqual(committedIds(out), ids(0, 10), 'the half-done append is redone');
  t.deepEqual(hidden(out), []);
  await sink.createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' }).commit([c1, c2]);
  t.deepEqual(committedIds(out), ids(0, 10), 'committing again changes nothing');
  await b.write(...recs(10, 15));
  await b.endInput();
  await b.snapshot(3);
  await b.complete(3);
  await b.close();
  const body = fs.readFileSync(file, 'utf8');
  t.is(body.split(header).length, 2, 'exactly one header');
  t.deepEqual(committedIds(out), ids(0, 15));
  t.deepEqual(fs.readdirSync(out), ['trips.csv']);
});

test('single-file mode (gzip): parts append as gzip members that gunzip and FileSource read as one stream', async (t) => {
  const file = path.join(dir, 'gz', 'out.ndjson.gz');
  const sink = FileSink.ndjson<Rec>(file);
  const a = await SinkSubtask.start(sink);
  for (let cp = 1; cp <= 4; cp++) {
    await a.write(...recs((cp - 1) * 100, cp * 100));
    await a.snapshot(cp);
    await a.complete(cp);
  }
  await a.endInput();
  await a.snapshot(5);
  await a.complete(5);
  await a.close();
  t.deepEqual(committedIds(path.dirname(file)), ids(0, 400));
  const reader = FileSource.ndjson<Rec>(file).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
  const values: number[] = [];
  const output: ReaderOutput<Rec> = { collect: (v) => values.push(v.id), collectSide: () => undefined };
  await reader.start();
  for (;;) {
    const status = reader.pollNext(output);
    if (status === 'END_OF_INPUT') break;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  await reader.close();
  t.deepEqual(values, ids(0, 400));
});

test('rescale 2 → 3 → 2: committables and leftovers of old subtasks are committed or removed exactly once', async (t) => {
  const out = path.join(dir, 'rescale');
  const sink = FileSink.csv<Rec>(out, { columns: ['id', 'name'] });
  const start = (i: number, p: number, restore?: { snapshot: OperatorStateSnapshot; checkpointId: number }): Promise<SinkSubtask<Rec>> =>
    SinkSubtask.start(sink, restore === undefined ? { subtaskIndex: i, parallelism: p } : { subtaskIndex: i, parallelism: p, restore });

  // Parallelism 2. Checkpoint 1 completes but only subtask 0 hears of it; checkpoint 2 is taken by
  // subtask 0 only (it never completes); subtask 1 dies with an in-progress file open.
  const a = [await start(0, 2), await start(1, 2)];
  await a[0]!.write(...recs(0, 10));
  await a[1]!.write(...recs(100, 110));
  const cp1 = [await a[0]!.snapshot(1), await a[1]!.snapshot(1)];
  await a[0]!.complete(1);
  await a[0]!.write(...recs(10, 15));
  await a[0]!.snapshot(2);
  await a[1]!.write(...recs(110, 115));
  await a[0]!.close();
  t.deepEqual(committedIds(out), ids(0, 10));

  // Parallelism 3, restored from checkpoint 1.
  const b = [];
  t.is(hidden(out).length, 3, "subtask 1's pending part of checkpoint 1, subtask 0's of checkpoint 2, subtask 1's in-progress file");
  for (let i = 0; i < 3; i++) b.push(await start(i, 3, { snapshot: redistribute(cp1, 3, i), checkpointId: 1 }));
  t.deepEqual(committedIds(out), [...ids(0, 10), ...ids(100, 110)], 'checkpoint 1 of both old subtasks');
  t.deepEqual(hidden(out), [], 'the uncompleted pending part and the dead in-progress file are gone');
  await a[1]!.close(); // (release the dead attempt's file descriptor)
  // The sources replay from checkpoint 1: records 10.. and 110.. are written again, now by 3 subtasks.
  await b[0]!.write(...recs(10, 20));
  await b[1]!.write(...recs(110, 120));
  await b[2]!.write(...recs(200, 210));
  const cp3 = [await b[0]!.snapshot(3), await b[1]!.snapshot(3), await b[2]!.snapshot(3)];
  await b[2]!.write(...recs(210, 215)); // subtask 2 dies with an in-progress file; checkpoint 3's notification is lost
  await b[0]!.close();
  await b[1]!.close();
  t.deepEqual(committedIds(out), [...ids(0, 10), ...ids(100, 110)]);

  // Parallelism 2, restored from checkpoint 3 (which completed).
  const c = [];
  t.true(hidden(out).some((n) => n.startsWith('.part-2-') && n.includes('.inprogress.')));
  for (let i = 0; i < 2; i++) c.push(await start(i, 2, { snapshot: redistribute(cp3, 2, i), checkpointId: 3 }));
  t.deepEqual(committedIds(out), [...ids(0, 20), ...ids(100, 120), ...ids(200, 210)], 'checkpoint 3 of all three subtasks');
  t.deepEqual(hidden(out), [], "old subtask 2's in-progress file is removed by new subtask 0");
  await b[2]!.close();
  await c[0]!.write(...recs(210, 220));
  await c[1]!.write(...recs(300, 310));
  for (const s of c) await s.endInput();
  for (const s of c) await s.snapshot(4);
  for (const s of c) await s.complete(4);
  for (const s of c) await s.close();
  const expected = [...ids(0, 20), ...ids(100, 120), ...ids(200, 220), ...ids(300, 310)];
  t.deepEqual(committedIds(out), expected, 'every record exactly once');
  t.deepEqual(hidden(out), []);
  const names = fs.readdirSync(out).sort();
  t.is(new Set(names).size, names.length);
  t.true(names.every((n) => /^part-\d+-\d+\.csv$/.test(n)), names.join(' '));
});

test('CSV with columns from a function keeps the checkpointed column order after a restore', async (t) => {
  const out = path.join(dir, 'fn-columns');
  const sink = FileSink.csv<Record<string, number>>(out, { columns: (v) => v });
  const a = await SinkSubtask.start(sink);
  await a.write({ a: 1, b: 2 });
  const cp1 = await a.snapshot(1);
  await a.complete(1);
  await a.close();
  const b = await SinkSubtask.start(sink, { restore: { snapshot: cp1, checkpointId: 1 } });
  await b.write({ b: 3, a: 4 });
  await b.endInput();
  await b.snapshot(2);
  await b.complete(2);
  await b.close();
  t.is(fs.readFileSync(path.join(out, 'part-0-0.csv'), 'utf8'), 'a,b\n1,2\n');
  t.is(fs.readFileSync(path.join(out, 'part-0-1.csv'), 'utf8'), 'a,b\n4,3\n');
});

test('checkpoints without records make no part; an aborted checkpoint is committed with the next one', async (t) => {
  const out = path.join(dir, 'aborted-cp');
  const sink = FileSink.ndjson<Rec>(out);
  const a = await SinkSubtask.start(sink);
  await a.snapshot(1);
  await a.complete(1);
  t.deepEqual(fs.readdirSync(out), [], 'no empty part files');
  await a.write(...recs(0, 3));
  await a.snapshot(2);
  await a.operator.notifyCheckpointAborted(2);
  await a.write(...recs(3, 6));
  await a.snapshot(3);
  t.deepEqual(committedIds(out), []);
  await a.complete(3);
  t.deepEqual(committedIds(out), ids(0, 6));
  await a.endInput();
  await a.snapshot(4);
  await a.complete(4);
  await a.close();
  t.deepEqual(fs.readdirSync(out).sort(), ['part-0-0.ndjson', 'part-0-1.ndjson']);
});

test('commit fails clearly when committed output was removed behind the sink', async (t) => {
  const out = path.join(dir, 'lost');
  fs.mkdirSync(out, { recursive: true });
  const committer = FileSink.ndjson<Rec>(path.join(out, 'x.ndjson')).createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' });
  const gone = await t.throwsAsync(FileSink.ndjson<Rec>(out).createCommitter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink' }).commit([{ mode: 'rename', pending: path.join(out, '.p'), target: path.join(out, 'part-0-0.ndjson') }]));
  t.is((gone as { code?: string }).code, 'WEIR_ERR_FILE_IO');
  t.true(gone.message.includes('part-0-0.ndjson'), gone.message);
  const pending = path.join(out, '.x.ndjson.part-1.pending.2');
  fs.writeFileSync(pending, '{"id":1}\n');
  fs.writeFileSync(path.join(out, 'x.ndjson'), 'short');
  const short = await t.throwsAsync(committer.commit([{ mode: 'append', pending, target: path.join(out, 'x.ndjson'), targetLengthBefore: 100 }]));
  t.is((short as { code?: string }).code, 'WEIR_ERR_FILE_IO');
  t.regex(short.message, /fewer than the 100 bytes/);
  const bad = await t.throwsAsync(committer.commit([{ mode: 'move' } as unknown as FileSinkCommittable]));
  t.is((bad as { code?: string }).code, 'WEIR_ERR_RESTORE');
});
