import test from 'ava';
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ConfigurationError } from '../../lib/errors.js';
import { NO_TIMESTAMP } from '../../lib/time/timestamps.js';
import { END_OF_INPUT_CHECKPOINT_ID, type SinkWriterContext } from '../../connectors/sink.js';
import type { ReaderOutput } from '../../connectors/source.js';
import { FileSink, FileSource, type FileSinkWriter } from '../../connectors/file/index.js';
import { SinkSubtask } from './sink-harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-file-sink-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

function context(subtaskIndex = 0, parallelism = 1): SinkWriterContext & { reported: string[] } {
  const reported: string[] = [];
  return { subtaskIndex, parallelism, operatorName: 'sink', reportOutput: (p) => reported.push(p), reported };
}

/**
 * Writes `values` through one subtask of the sink operator running without checkpointing, as a
 * job does: the part is committed at end of input. Returns the reported outputs.
 */
async function writeAll<T>(sink: FileSink<T>, values: readonly T[], subtaskIndex = 0, parallelism = 1): Promise<string[]> {
  const subtask = await SinkSubtask.start(sink, { subtaskIndex, parallelism, checkpointing: false });
  try {
    await subtask.write(...values);
    await subtask.endInput();
  } finally {
    await subtask.close();
  }
  return subtask.reported;
}

/** Ends `writer`'s input, prepares and commits its part (what the sink operator does at end of input). */
async function commitAll<T>(sink: FileSink<T>, writer: FileSinkWriter<T>, ctx: SinkWriterContext): Promise<void> {
  await writer.flush(true);
  const committables = await writer.prepareCommit(END_OF_INPUT_CHECKPOINT_ID);
  await sink.createCommitter(ctx).commit(committables);
  await writer.close();
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

interface Trip {
  id: number;
  note: string | null;
  fare: number;
  at?: Date;
}

const TRIPS: Trip[] = [
  { id: 1, note: 'plain', fare: 12.5 },
  { id: 2, note: 'with, comma', fare: 0 },
  { id: 3, note: 'say "hi"', fare: -1.25 },
  { id: 4, note: 'two\nlines', fare: 3 },
  { id: 5, note: null, fare: 7 },
  { id: 6, note: '', fare: 1e21, at: new Date(Date.UTC(2023, 0, 1, 5, 1, 31)) },
];

test('NDJSON: records read back equal, bigints as strings, a single file has maxParallelism 1', async (t) => {
  const file = path.join(dir, 'nested', 'deeper', 'out.ndjson');
  const sink = FileSink.ndjson<unknown>(file);
  t.is(sink.maxParallelism, 1);
  const reported = await writeAll(sink, [{ a: 1, s: 'x\ny' }, [1, 2], 'é', null, { big: 12345678901234567890n }]);
  t.deepEqual(reported, [file]);
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['out.ndjson'], 'no hidden file is left');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  t.is(lines.pop(), '', 'ends with a line break');
  t.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    [{ a: 1, s: 'x\ny' }, [1, 2], 'é', null, { big: '12345678901234567890' }],
  );
});

test('CSV: header and quoting (delimiter, quotes, line breaks), read back with csv-parse', async (t) => {
  const file = path.join(dir, 'trips.csv');
  await writeAll(FileSink.csv<Trip>(file, { columns: ['id', 'note', 'fare', 'at'] }), TRIPS);
  const text = fs.readFileSync(file, 'utf8');
  t.is(
    text,
    'id,note,fare,at\n' +
      '1,plain,12.5,\n' +
      '2,"with, comma",0,\n' +
      '3,"say ""hi""",-1.25,\n' +
      '4,"two\nlines",3,\n' +
      '5,,7,\n' +
      '6,,1e+21,2023-01-01T05:01:31.000Z\n',
  );
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  t.deepEqual(
    rows.map((r) => r['note']),
    ['plain', 'with, comma', 'say "hi"', 'two\nlines', '', ''],
  );
});

test('CSV: columns from a function, no header, TSV by extension', async (t) => {
  const file = path.join(dir, 'trips.tsv');
  await writeAll(FileSink.csv<Trip>(file, { header: false, columns: (v) => ({ id: v.id, note: v.note, cents: Math.round(v.fare * 100) }) }), TRIPS.slice(0, 4));
  t.is(fs.readFileSync(file, 'utf8'), '1\tplain\t1250\n2\twith, comma\t0\n3\t"say ""hi"""\t-125\n4\t"two\nlines"\t300\n');
  const withHeader = path.join(dir, 'fn.csv');
  await writeAll(FileSink.csv<Trip>(withHeader, { columns: (v) => ({ id: v.id, fare: v.fare }) }), TRIPS.slice(0, 2));
  t.is(fs.readFileSync(withHeader, 'utf8'), 'id,fare\n1,12.5\n2,0\n');
});

test('CSV written by FileSink reads back through FileSource', async (t) => {
  const file = path.join(dir, 'round-trip.csv.gz');
  await writeAll(FileSink.csv<Trip>(file, { columns: ['id', 'note', 'fare'] }), TRIPS);
  const reader = FileSource.csv(file, { mapper: (r) => ({ id: r.int('id'), note: r.optionalString('note') ?? null, fare: r.float('fare') }) }).createReader({
    subtaskIndex: 0,
    parallelism: 1,
    operatorName: 'src',
  });
  const values: unknown[] = [];
  const out: ReaderOutput<unknown> = { collect: (v) => values.push(v), collectSide: () => undefined };
  await reader.start();
  for (;;) {
    const status = reader.pollNext(out);
    if (status === 'END_OF_INPUT') break;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  await reader.close();
  t.deepEqual(
    values,
    TRIPS.map(({ id, note, fare }) => ({ id, note: note === '' ? null : note, fare })),
  );
});

test('gzip output gunzips to the same text as plain output', async (t) => {
  const plain = path.join(dir, 'same.ndjson');
  const gz = path.join(dir, 'same.ndjson.gz');
  const values = Array.from({ length: 5000 }, (_, i) => ({ i, s: `row-${i}` }));
  await writeAll(FileSink.ndjson(plain), values);
  await writeAll(FileSink.ndjson(gz), values);
  const text = fs.readFileSync(plain, 'utf8');
  t.is(zlib.gunzipSync(fs.readFileSync(gz)).toString('utf8'), text);
  t.is(text.split('\n').length, 5001);
});

test('directory mode: subtask i writes part-<i>-0.<ext> at end of input, optionally gzipped', async (t) => {
  const out = path.join(dir, 'parts');
  const sink = FileSink.ndjson<{ n: number }>(out, { gzip: true });
  t.is(sink.maxParallelism, undefined);
  t.deepEqual(await writeAll(sink, [{ n: 0 }, { n: 2 }], 0, 2), [path.join(out, 'part-0-0.ndjson.gz')]);
  t.deepEqual(await writeAll(sink, [{ n: 1 }], 1, 2), [path.join(out, 'part-1-0.ndjson.gz')]);
  t.deepEqual(fs.readdirSync(out).sort(), ['part-0-0.ndjson.gz', 'part-1-0.ndjson.gz'], 'no hidden file is left');
  t.is(zlib.gunzipSync(fs.readFileSync(path.join(out, 'part-0-0.ndjson.gz'))).toString(), '{"n":0}\n{"n":2}\n');
  const csvDir = path.join(dir, 'csv-parts');
  await writeAll(FileSink.csv<{ n: number }>(csvDir, { columns: ['n'] }), [{ n: 7 }], 3, 4);
  t.is(fs.readFileSync(path.join(csvDir, 'part-3-0.csv'), 'utf8'), 'n\n7\n');
});

test('an empty input still leaves one file per subtask (CSV: the header only), as before', async (t) => {
  const out = path.join(dir, 'empty-parts');
  await writeAll(FileSink.csv<{ n: number }>(out, { columns: ['n'] }), [], 1, 2);
  t.deepEqual(fs.readdirSync(out), ['part-1-0.csv']);
  t.is(fs.readFileSync(path.join(out, 'part-1-0.csv'), 'utf8'), 'n\n');
  const single = path.join(dir, 'empty.ndjson');
  fs.writeFileSync(single, 'old content of an earlier run\n');
  await writeAll(FileSink.ndjson(single), []);
  t.is(fs.readFileSync(single, 'utf8'), '', 'an existing file is replaced');
});

test('a re-run replaces the files of an earlier run (directory and single file)', async (t) => {
  const out = path.join(dir, 'rerun');
  const single = path.join(dir, 'rerun.csv');
  for (const n of [1, 2]) {
    await writeAll(FileSink.ndjson<{ n: number }>(out), [{ n }]);
    await writeAll(FileSink.csv<{ n: number }>(single, { columns: ['n'] }), [{ n }]);
  }
  t.deepEqual(fs.readdirSync(out), ['part-0-0.ndjson']);
  t.is(fs.readFileSync(path.join(out, 'part-0-0.ndjson'), 'utf8'), '{"n":2}\n');
  t.is(fs.readFileSync(single, 'utf8'), 'n\n2\n');
});

for (const ext of ['ndjson', 'ndjson.gz'] as const) {
  test(`back-pressure: write returns a Promise only when the stream is full, and every record arrives (${ext})`, async (t) => {
    const file = path.join(dir, `pressure.${ext}`);
    const sink = FileSink.ndjson<{ i: number; pad: string }>(file);
    const ctx = context();
    const writer = await sink.createWriter(ctx);
    const pad = 'x'.repeat(10_000);
    let promises = 0;
    let immediate = 0;
    for (let i = 0; i < 3000; i++) {
      const r = writer.write({ i, pad }, NO_TIMESTAMP);
      if (r === undefined) {
        immediate++;
      } else {
        promises++;
        await r;
      }
    }
    await commitAll(sink, writer, ctx);
    t.true(promises > 1, 'the stream asked to wait at least once (besides opening the part)');
    t.true(immediate > promises, 'most writes return undefined');
    const raw = fs.readFileSync(file);
    const text = ext.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const ids = text
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { i: number }).i);
    t.deepEqual(ids, Array.from({ length: 3000 }, (_, i) => i));
  });
}

test('small writes return undefined (no promise per record; one while the part file opens)', async (t) => {
  const sink = FileSink.ndjson<number>(path.join(dir, 'small.ndjson'));
  const ctx = context();
  const writer = await sink.createWriter(ctx);
  const results = Array.from({ length: 1000 }, (_, i) => writer.write(i, NO_TIMESTAMP));
  t.true(results[0] instanceof Promise, 'the first write opens the part');
  await results[0];
  t.true(results.slice(1).every((r) => r === undefined));
  await commitAll(sink, writer, ctx);
  t.is(fs.readFileSync(path.join(dir, 'small.ndjson'), 'utf8').split('\n').length, 1001);
});

test.serial('close() without end of input releases the file descriptor and leaves no file', async (t) => {
  const out = path.join(dir, 'aborted');
  const baseline = openFds();
  const writer = await FileSink.csv<{ n: number }>(path.join(out, 'aborted.csv.gz'), { columns: ['n'] }).createWriter(context());
  await writer.write({ n: 1 }, NO_TIMESTAMP);
  await writer.flush(false);
  t.true(openFds() > baseline);
  t.is(fs.readdirSync(out).length, 1, 'one hidden in-progress file');
  await writer.close();
  t.is(openFds(), baseline);
  t.deepEqual(fs.readdirSync(out), [], 'the in-progress file is deleted');
});

test('invalid configurations are ConfigurationErrors', async (t) => {
  t.throws(() => FileSink.ndjson('out.csv'), { instanceOf: ConfigurationError });
  t.throws(() => FileSink.csv('out.jsonl', { columns: ['a'] }), { instanceOf: ConfigurationError });
  t.throws(() => FileSink.csv('out.csv', { columns: [] }), { instanceOf: ConfigurationError });
  t.throws(() => FileSink.csv('out.csv', { columns: ['a'], delimiter: '"' }), { instanceOf: ConfigurationError });
  t.throws(() => FileSink.ndjson('out.ndjson', { gzip: true }), { instanceOf: ConfigurationError });
  await t.throwsAsync(FileSink.ndjson(path.join(dir, 'one.ndjson')).createWriter(context(0, 2)), { instanceOf: ConfigurationError });
  t.throws(() => FileSink.ndjson(path.join(dir, 'one.ndjson')).createCommitter(context(0, 2)), { instanceOf: ConfigurationError });
  const fnSink = FileSink.csv<Record<string, number>>(path.join(dir, 'keys.csv'), { columns: (v) => v });
  const writer = await fnSink.createWriter(context());
  await writer.write({ a: 1 }, NO_TIMESTAMP);
  t.throws(() => writer.write({ a: 2, b: 3 }, NO_TIMESTAMP), { instanceOf: ConfigurationError, message: /'b'/ });
  await writer.close();
});

test('an unwritable path is a FileIoError from createWriter', async (t) => {
  const blocker = path.join(dir, 'blocker');
  fs.writeFileSync(blocker, '');
  const err = await t.throwsAsync(FileSink.ndjson(path.join(blocker, 'out.ndjson')).createWriter(context()));
  t.is((err as { code?: string }).code, 'WEIR_ERR_FILE_IO');
  t.true(err.message.includes(blocker), err.message);
});

test('a part file that cannot be created is a FileIoError from the write that opens it', async (t) => {
  const out = path.join(dir, 'vanishing');
  const writer = await FileSink.ndjson<number>(out).createWriter(context());
  fs.rmSync(out, { recursive: true });
  const err = await t.throwsAsync(async () => writer.write(1, NO_TIMESTAMP));
  t.is((err as { code?: string }).code, 'WEIR_ERR_FILE_IO');
  t.true(err.message.includes(out), err.message);
  t.throws(() => writer.write(2, NO_TIMESTAMP), { message: err.message }, 'later writes fail the same way');
  await writer.close();
});
