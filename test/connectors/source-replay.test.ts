/**
 * Replayable sources (FLIP-27 reader state): a reader snapshotted between two `pollNext` calls at
 * random points and restored from its splits (after a cbor round trip, as the runtime stores them)
 * emits exactly the records not emitted before the snapshot, no loss and no duplicate; also when
 * the split lists of 2 old subtasks are concatenated and dealt round-robin to 3 new ones.
 * Expectations are computed from the generated data, not from a reader.
 */
import test from 'ava';
import { decode, encode } from 'cbor-x';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { OutputTag } from '../../lib/api/output-tag.js';
import { RestoreError } from '../../lib/errors.js';
import type { ReaderOutput, Source, SourceReader, SourceReaderContext } from '../../connectors/source.js';
import { CollectionSource } from '../../connectors/collection/collection-source.js';
import { SequenceSource } from '../../connectors/collection/sequence-source.js';
import { FileSource, type DeadLetter } from '../../connectors/file/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-source-replay-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

/** mulberry32: a small seeded PRNG, so every run exercises the same snapshot points. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

// --- fixtures ---------------------------------------------------------------------------------

interface Dataset {
  /** Directory holding the files (read as one source path). */
  readonly dir: string;
  /** Keys of the good records, per file in reading (sorted) order, each in file order. */
  readonly good: string[][];
  /** Keys of the malformed records (dead letters), per file. */
  readonly bad: string[][];
}

const DEAD = new OutputTag<DeadLetter>('dead');

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Names with delimiters, quotes and line breaks inside quotes; keys are `f<file>-<i>`. */
function nameFor(rand: (n: number) => number, i: number): string {
  switch (rand(8)) {
    case 0:
      return `with, comma ${i}`;
    case 1:
      return `say "hi" ${i}`;
    case 2:
      return `two\nlines ${i}`;
    case 3:
      return `é ünïcödé ${i}`;
    default:
      return `name-${i}`;
  }
}

function makeDataset(format: 'csv' | 'ndjson', gzip: boolean, seed: number): Dataset {
  const rand = random(seed);
  const root = path.join(dir, `${format}${gzip ? '-gz' : ''}-${seed}`);
  fs.mkdirSync(root, { recursive: true });
  const sizes = [rand(2500) + 1, 0, rand(300) + 1, rand(4000) + 1000, rand(60) + 1];
  const good: string[][] = [];
  const bad: string[][] = [];
  sizes.forEach((size, f) => {
    const crlf = f === 2;
    const nl = crlf ? '\r\n' : '\n';
    const g: string[] = [];
    const b: string[] = [];
    let text = format === 'csv' ? `key,name,amount${nl}` : '';
    for (let i = 0; i < size; i++) {
      const key = `f${f}-${i}`;
      const malformed = format === 'csv' && rand(97) === 0;
      if (format === 'csv') {
        text += malformed ? `${key},only-two${nl}` : `${key},${csvCell(nameFor(rand, i))},${rand(10000) / 100}${nl}`;
      } else {
        if (rand(50) === 0) text += `   ${nl}`; // blank lines are skipped
        text += `${JSON.stringify({ key, name: nameFor(rand, i), amount: rand(100) })}${nl}`;
      }
      (malformed ? b : g).push(key);
    }
    // The last file has no trailing line break.
    if (f === sizes.length - 1) text = text.replace(/\r?\n$/, '');
    const name = `part-${f}.${format}${gzip ? '.gz' : ''}`;
    fs.writeFileSync(path.join(root, name), gzip ? zlib.gzipSync(text) : text);
    good.push(g);
    bad.push(b);
  });
  return { dir: root, good, bad };
}

function sourceFor(format: 'csv' | 'ndjson', data: Dataset, limit?: number): FileSource<string> {
  const base = limit === undefined ? { deadLetter: DEAD } : { deadLetter: DEAD, limit };
  return format === 'csv'
    ? FileSource.csv(data.dir, { ...base, mapper: (row) => row.string('key') })
    : FileSource.ndjson(data.dir, { ...base, mapper: (v) => (v as { key: string }).key });
}

// --- driving readers ---------------------------------------------------------------------------

/** What a reader emitted: main values and dead-letter keys, in order. */
class Emitted implements ReaderOutput<unknown> {
  readonly values: unknown[] = [];
  readonly dead: string[] = [];

  collect(value: unknown): void {
    this.values.push(value);
  }

  collectSide<X>(_tag: OutputTag<X>, value: X): void {
    this.dead.push((value as unknown as DeadLetter).raw.split(',')[0] as string);
  }
}

/** Polls up to `polls` times (or to the end); true when input ended. */
async function poll(reader: SourceReader<unknown>, out: Emitted, polls = Infinity): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    const status = reader.pollNext(out);
    if (status === 'END_OF_INPUT') return true;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
  return false;
}

/** The splits as the runtime keeps them: cbor-encoded and decoded. */
function roundTrip(splits: unknown[]): unknown[] {
  return decode(encode(splits)) as unknown[];
}

function context(subtaskIndex: number, parallelism: number, restoredSplits?: unknown[]): SourceReaderContext {
  return restoredSplits === undefined ? { subtaskIndex, parallelism, operatorName: 'src' } : { subtaskIndex, parallelism, operatorName: 'src', restoredSplits };
}

/** Runs one reader of `source` for `polls` polls (all when Infinity), then snapshots and closes it. */
async function runAndSnapshot<T>(source: Source<T>, ctx: SourceReaderContext, out: Emitted, polls: number, checkpointId: number): Promise<unknown[]> {
  const reader = source.createReader(ctx) as SourceReader<unknown>;
  try {
    await reader.start();
    await poll(reader, out, polls);
    const splits = reader.snapshotState!(checkpointId);
    return roundTrip(splits);
  } finally {
    await reader.close();
  }
}

/** Deals `splits` round-robin to `parallelism` subtasks (the runtime's even-split redistribution). */
function deal(splits: readonly unknown[], parallelism: number): unknown[][] {
  const out = Array.from({ length: parallelism }, () => [] as unknown[]);
  splits.forEach((s, i) => out[i % parallelism]!.push(s));
  return out;
}

/** Asserts that keys from each file appear in file order within one reader's output. */
function inFileOrder(keys: readonly unknown[]): boolean {
  const last = new Map<string, number>();
  for (const k of keys) {
    const [f, i] = (k as string).slice(1).split('-').map(Number) as [number, number];
    const prev = last.get(`${f}`);
    if (prev !== undefined && i <= prev) return false;
    last.set(`${f}`, i);
  }
  return true;
}

// --- file sources ------------------------------------------------------------------------------

const FORMATS = [
  { format: 'csv', gzip: false },
  { format: 'csv', gzip: true },
  { format: 'ndjson', gzip: false },
  { format: 'ndjson', gzip: true },
] as const;

for (const { format, gzip } of FORMATS) {
  const label = `${format}${gzip ? '.gz' : ''}`;

  test(`${label}: snapshot at random points, restore, repeat: exactly the remaining records, in order`, async (t) => {
    for (const seed of [1, 2, 3]) {
      const data = makeDataset(format, gzip, seed * 10 + (gzip ? 1 : 0));
      const source = sourceFor(format, data);
      const rand = random(seed);
      const out = new Emitted();
      let splits: unknown[] | undefined;
      let checkpoint = 0;
      // Snapshot, restore from the snapshot, read a little, snapshot again… until no split is left.
      for (let round = 0; round < 200; round++) {
        splits = await runAndSnapshot(source, context(0, 1, splits), out, rand(4), ++checkpoint);
        if (splits.length === 0) break;
      }
      t.deepEqual(splits, [], 'the chain of restores reached the end');
      t.true(checkpoint > 3, `several restores (${checkpoint})`);
      t.deepEqual(out.values, data.good.flat(), `seed ${seed}: main output`);
      t.deepEqual(out.dead, data.bad.flat(), `seed ${seed}: dead letters`);
    }
  });

  test(`${label}: 2 subtasks snapshotted at random points, their splits dealt to 3: no loss, no duplicate`, async (t) => {
    for (const seed of [4, 5, 6, 7]) {
      const data = makeDataset(format, gzip, seed * 10 + (gzip ? 1 : 0));
      const source = sourceFor(format, data);
      const rand = random(seed);
      const outs: Emitted[] = [];
      const old: unknown[] = [];
      for (let s = 0; s < 2; s++) {
        const out = new Emitted();
        outs.push(out);
        old.push(...(await runAndSnapshot(source, context(s, 2), out, rand(6), 7)));
      }
      const dealt = deal(old, 3);
      for (let s = 0; s < 3; s++) {
        const out = new Emitted();
        outs.push(out);
        const rest = await runAndSnapshot(source, context(s, 3, dealt[s]), out, Infinity, 8);
        t.deepEqual(rest, [], 'a reader read to the end has no split left');
      }
      for (const out of outs) t.true(inFileOrder(out.values), 'each reader emits a file in order');
      const all = outs.flatMap((o) => o.values as string[]);
      t.is(new Set(all).size, all.length, `seed ${seed}: no duplicate`);
      t.deepEqual(all.sort(), data.good.flat().sort(), `seed ${seed}: no loss`);
      t.deepEqual(outs.flatMap((o) => o.dead).sort(), data.bad.flat().sort(), `seed ${seed}: dead letters`);
    }
  });
}

test('a restored CSV split mid-file knows the header (columns by name), also for gzip', async (t) => {
  for (const gzip of [false, true]) {
    const rand = random(gzip ? 2 : 1);
    const keys = Array.from({ length: 5000 }, (_, i) => `f0-${i}`);
    const text = `amount,key,name\n${keys.map((k, i) => `${i},${k},${csvCell(nameFor(rand, i))}\n`).join('')}`;
    const file = path.join(dir, `mid-file${gzip ? '.csv.gz' : '.csv'}`);
    fs.writeFileSync(file, gzip ? zlib.gzipSync(text) : text);
    const source = FileSource.csv(file, { mapper: (row) => row.string('key') });
    const first = new Emitted();
    const reader = source.createReader(context(0, 1));
    await reader.start();
    while (first.values.length === 0) await poll(reader, first, 1);
    const splits = roundTrip(reader.snapshotState(1));
    await reader.close();
    const head = splits[0] as { file: string; offset: number; line: number };
    t.true(first.values.length > 0 && head.offset > 0 && head.line > 2, `the snapshot is mid-file: ${JSON.stringify(head)}`);
    const rest = new Emitted();
    await runAndSnapshot(source, context(0, 1, splits), rest, Infinity, 2);
    t.true(rest.values.length > 0);
    t.deepEqual([...first.values, ...rest.values], keys, 'the file, exactly once');
  }
});

test('limit: the records left under the limit travel with the split', async (t) => {
  const data = makeDataset('ndjson', false, 123);
  const limit = 1500;
  const source = sourceFor('ndjson', data, limit);
  const expected = data.good.flatMap((keys) => keys.slice(0, limit));
  const rand = random(5);
  const out = new Emitted();
  let splits: unknown[] | undefined;
  for (let cp = 1; cp < 200; cp++) {
    splits = await runAndSnapshot(source, context(0, 1, splits), out, rand(4), cp);
    if (splits.length === 0) break;
  }
  t.deepEqual(splits, [], 'the chain of restores reached the end');
  t.deepEqual(out.values, expected);
  // A split with its limit used up is finished.
  const limited = await runAndSnapshot(source, context(0, 1), new Emitted(), 1, 1);
  for (const s of limited) t.true((s as { limit: number }).limit > 0 && (s as { limit: number }).limit <= limit);
});

test('a fresh start assigns files as before (file i to subtask i % parallelism), snapshot before any poll', async (t) => {
  const data = makeDataset('ndjson', false, 7);
  const source = sourceFor('ndjson', data);
  const files = fs.readdirSync(data.dir).sort();
  for (let s = 0; s < 3; s++) {
    const splits = await runAndSnapshot(source, context(s, 3), new Emitted(), 0, 1);
    t.deepEqual(
      splits,
      files.filter((_, i) => i % 3 === s).map((f) => ({ kind: 'file', file: path.join(data.dir, f), offset: 0, line: 1 })),
    );
  }
});

test('restoredSplits [] ends at once; a split of another kind is a RestoreError', async (t) => {
  const data = makeDataset('csv', false, 8);
  const empty = new Emitted();
  t.deepEqual(await runAndSnapshot(sourceFor('csv', data), context(0, 1, []), empty, Infinity, 1), []);
  t.deepEqual(empty.values, []);
  const reader = sourceFor('csv', data).createReader(context(0, 1, [{ kind: 'sequence', from: 1, to: 2 }]));
  const err = await t.throwsAsync(reader.start(), { instanceOf: RestoreError });
  t.is((err as RestoreError).code, 'WEIR_ERR_RESTORE');
  t.regex(err.message, /split #0/);
  await reader.close();
  t.throws(() => new SequenceSource(1, 10).createReader(context(0, 1, [{ kind: 'file', file: 'x', offset: 0, line: 1 }])), { instanceOf: RestoreError });
  t.throws(() => new CollectionSource([1]).createReader(context(0, 1, [{ next: -1 }])), { instanceOf: RestoreError });
});

test('a restored split of a missing file fails with the file named', async (t) => {
  const missing = path.join(dir, 'gone.ndjson');
  const reader = FileSource.ndjson(dir).createReader(context(0, 1, [{ kind: 'file', file: missing, offset: 10, line: 2 }]));
  await reader.start();
  const err = await t.throwsAsync(poll(reader, new Emitted()));
  t.is((err as { code?: string }).code, 'WEIR_ERR_FILE_IO');
  t.true(err.message.includes(missing), err.message);
  await reader.close();
});

// --- collection and sequence ---------------------------------------------------------------------

test('collection: snapshot at random points and restore, repeatedly: exactly the remaining elements', async (t) => {
  const items = Array.from({ length: 5000 }, (_, i) => ({ i }));
  const source = new CollectionSource(items);
  const rand = random(11);
  const out = new Emitted();
  let splits: unknown[] | undefined;
  let cp = 0;
  for (; cp < 100; cp++) {
    splits = await runAndSnapshot(source, context(0, 1, splits), out, rand(3), cp + 1);
    if (splits.length === 0) break;
  }
  t.true(cp > 2);
  t.deepEqual(out.values, items);
  t.deepEqual(await runAndSnapshot(source, context(0, 1, []), new Emitted(), Infinity, 1), [], 'no split: ends at once');
});

test('collection: a one-shot generator cannot be replayed once read; a shorter collection is a RestoreError', async (t) => {
  function* gen(): Generator<number> {
    for (let i = 0; i < 10; i++) yield i;
  }
  const source = new CollectionSource(gen());
  const out = new Emitted();
  const splits = await runAndSnapshot(source, context(0, 1), out, 0, 1);
  t.deepEqual(splits, [{ kind: 'collection', next: 0 }]);
  t.throws(() => source.createReader(context(0, 1, splits)), { instanceOf: RestoreError, message: /one-shot/ });
  const reader = new CollectionSource([1, 2]).createReader(context(0, 1, [{ kind: 'collection', next: 5 }]));
  t.throws(() => reader.pollNext(new Emitted()), { instanceOf: RestoreError, message: /past the collection's end/ });
});

test('sequence: 2 subtasks snapshotted at random points, dealt to 3, then chained restores: every number once', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = random(seed);
    const from = -5000 + rand(100);
    const to = from + 3000 + rand(9000);
    const source = new SequenceSource(from, to);
    const outs: Emitted[] = [];
    const old: unknown[] = [];
    for (let s = 0; s < 2; s++) {
      const out = new Emitted();
      outs.push(out);
      old.push(...(await runAndSnapshot(source, context(s, 2), out, rand(5), 1)));
    }
    const dealt = deal(old, 3);
    for (let s = 0; s < 3; s++) {
      const out = new Emitted();
      outs.push(out);
      let splits: unknown[] | undefined = dealt[s];
      for (let cp = 2; cp < 100 && splits!.length > 0; cp++) splits = await runAndSnapshot(source, context(s, 3, splits), out, rand(3), cp);
      t.deepEqual(splits, []);
    }
    const all = outs.flatMap((o) => o.values as number[]);
    t.is(all.length, to - from + 1, `seed ${seed}: count`);
    t.deepEqual(
      all.sort((a, b) => a - b),
      Array.from({ length: to - from + 1 }, (_, i) => from + i),
      `seed ${seed}: every number once`,
    );
  }
});

test('sequence: a fresh start still slices the range per subtask', async (t) => {
  const source = new SequenceSource(1, 10);
  const slices: unknown[] = [];
  for (let s = 0; s < 3; s++) slices.push(await runAndSnapshot(source, context(s, 3), new Emitted(), 0, 1));
  t.deepEqual(slices, [[{ kind: 'sequence', from: 1, to: 3 }], [{ kind: 'sequence', from: 4, to: 6 }], [{ kind: 'sequence', from: 7, to: 10 }]]);
  const out = new Emitted();
  await runAndSnapshot(new SequenceSource(5, 5), context(1, 4), out, Infinity, 1);
  t.deepEqual(out.values, [], 'a subtask with an empty slice ends at once');
});
