import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { OutputTag } from '../../lib/api/output-tag.js';
import { ConfigurationError, RecordParseError } from '../../lib/errors.js';
import type { ReaderOutput } from '../../connectors/source.js';
import {
  CsvRow,
  FileSource,
  parseTimestamp,
  type DeadLetter,
  type FilePosition,
  type FileSourceReader,
} from '../../connectors/file/index.js';
import { MAX_RECORDS_PER_POLL } from '../../connectors/file/file-source-reader.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-file-source-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, name.endsWith('.gz') ? zlib.gzipSync(text) : text);
  return file;
}

/** Collects what a reader emits. */
class Collector<T> implements ReaderOutput<T> {
  readonly values: T[] = [];
  readonly side = new Map<string, unknown[]>();
  polls: number[] = [];

  collect(value: T): void {
    this.values.push(value);
  }

  collectSide<X>(tag: OutputTag<X>, value: X): void {
    let list = this.side.get(tag.id);
    if (list === undefined) this.side.set(tag.id, (list = []));
    list.push(value);
  }
}

/** Polls `reader` until end of input, as the source subtask does. */
async function pump<T>(reader: FileSourceReader<T>, out: Collector<T>): Promise<void> {
  for (;;) {
    const before = out.values.length + [...out.side.values()].reduce((n, l) => n + l.length, 0);
    const status = reader.pollNext(out);
    out.polls.push(out.values.length + [...out.side.values()].reduce((n, l) => n + l.length, 0) - before);
    if (status === 'END_OF_INPUT') return;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
  }
}

/** Runs one subtask's reader of `source` to the end. */
async function readAll<T>(source: FileSource<T>, subtaskIndex = 0, parallelism = 1): Promise<Collector<T>> {
  const reader = source.createReader({ subtaskIndex, parallelism, operatorName: 'src' });
  const out = new Collector<T>();
  try {
    await reader.start();
    await pump(reader, out);
  } finally {
    await reader.close();
  }
  return out;
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

// --- fixtures ---------------------------------------------------------------------------------

/** Real rows of the NYC green taxi file (header + rows with empty cells and around the DST switch). */
const TAXI = `VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,tip_amount,tolls_amount,ehail_fee,improvement_surcharge,total_amount,payment_type,trip_type,congestion_surcharge
2,2023-01-01 00:01:31,2023-01-01 00:16:02,N,1,166,244,1,2.48,16.3,1.0,0.5,3.76,0.0,,1.0,22.56,1,1,0.0
2,2023-01-01 00:27:00,2023-01-01 00:37:00,,,25,17,,1.54,12.31,0.0,0.0,2.66,0.0,,1.0,15.97,,,
2,2023-03-12 01:00:10,2023-03-12 01:05:39,N,1,95,95,1,0.86,7.2,1.0,0.5,1.0,0.0,,1.0,10.7,1,1,0.0
2,2023-03-12 03:01:51,2023-03-12 03:03:53,N,1,41,41,1,0.41,5.1,1.0,0.5,0.0,0.0,,1.0,7.6,2,1,0.0
`;

interface Trip {
  pickup: number;
  pickupUtcWall: number;
  flag: string | undefined;
  passengers: number | undefined;
  distance: number;
  tip: number;
  payment: number | undefined;
  pu: number;
}

const tripMapper = (row: CsvRow): Trip => ({
  pickup: row.timestamp('lpep_pickup_datetime', { timeZone: 'America/New_York' }),
  pickupUtcWall: row.timestamp('lpep_pickup_datetime'),
  flag: row.optionalString('store_and_fwd_flag'),
  passengers: row.optionalInt('passenger_count'),
  distance: row.float('trip_distance'),
  tip: row.float('tip_amount'),
  payment: row.optionalInt('payment_type'),
  pu: row.int('PULocationID'),
});

const EXPECTED_TRIPS: Trip[] = [
  // 2023-01-01 00:01:31 EST (UTC−5)
  { pickup: Date.UTC(2023, 0, 1, 5, 1, 31), pickupUtcWall: Date.UTC(2023, 0, 1, 0, 1, 31), flag: 'N', passengers: 1, distance: 2.48, tip: 3.76, payment: 1, pu: 166 },
  { pickup: Date.UTC(2023, 0, 1, 5, 27, 0), pickupUtcWall: Date.UTC(2023, 0, 1, 0, 27, 0), flag: undefined, passengers: undefined, distance: 1.54, tip: 2.66, payment: undefined, pu: 25 },
  // last hour of EST before the switch at 02:00
  { pickup: Date.UTC(2023, 2, 12, 6, 0, 10), pickupUtcWall: Date.UTC(2023, 2, 12, 1, 0, 10), flag: 'N', passengers: 1, distance: 0.86, tip: 1.0, payment: 1, pu: 95 },
  // EDT (UTC−4) after the switch
  { pickup: Date.UTC(2023, 2, 12, 7, 1, 51), pickupUtcWall: Date.UTC(2023, 2, 12, 3, 1, 51), flag: 'N', passengers: 1, distance: 0.41, tip: 0.0, payment: 2, pu: 41 },
];

// --- CSV --------------------------------------------------------------------------------------

test('CSV with header: typed mapper reads real taxi rows, empty cells and New York time across DST', async (t) => {
  const file = write('taxi.csv', TAXI);
  const out = await readAll(FileSource.csv(file, { mapper: tripMapper }));
  t.deepEqual(out.values, EXPECTED_TRIPS);
});

test('gzip CSV gives the same records as the plain file', async (t) => {
  const file = write('taxi.csv.gz', TAXI);
  const out = await readAll(FileSource.csv(file, { mapper: tripMapper }));
  t.deepEqual(out.values, EXPECTED_TRIPS);
});

test('TSV: tab delimiter, commas inside fields, epoch seconds', async (t) => {
  const file = write(
    'nasa.tsv',
    'host\tlogname\ttime\tmethod\turl\tresponse\tbytes\n' +
      'in24.inetnebr.com\t-\t807249601\tGET\t/shuttle/missions/sts-68/news/sts-68-mcc-05.txt\t200\t1839\n' +
      'www-c3.proxy.aol.com\t-\t807249657\tGET\t/cgi-bin/imagemap/countdown70?285,291\t302\t85\n',
  );
  const source = FileSource.csv(file, {
    delimiter: '\t',
    mapper: (row) => ({ host: row.string('host'), at: row.timestamp('time', { unit: 's' }), url: row.string('url'), status: row.int('response') }),
  });
  const out = await readAll(source);
  t.deepEqual(out.values, [
    { host: 'in24.inetnebr.com', at: 807249601000, url: '/shuttle/missions/sts-68/news/sts-68-mcc-05.txt', status: 200 },
    { host: 'www-c3.proxy.aol.com', at: 807249657000, url: '/cgi-bin/imagemap/countdown70?285,291', status: 302 },
  ]);
});

test("nullLiteral 'NA' reads as missing in optional getters and is rejected by required ones", async (t) => {
  const file = write(
    'air.csv',
    'No,year,month,day,hour,PM2.5,NO2,wd,station\n1,2013,3,1,0,4,NA,E,Dingling\n2,2013,3,1,1,NA,7.5,NA,Gucheng\n',
  );
  const out = await readAll(
    FileSource.csv(file, {
      nullLiteral: 'NA',
      mapper: (row) => ({
        at: Date.UTC(row.int('year'), row.int('month') - 1, row.int('day'), row.int('hour')),
        pm25: row.optionalFloat('PM2.5'),
        no2: row.optionalFloat('NO2'),
        wd: row.optionalString('wd'),
        station: row.string('station'),
      }),
    }),
  );
  t.deepEqual(out.values, [
    { at: Date.UTC(2013, 2, 1, 0), pm25: 4, no2: undefined, wd: 'E', station: 'Dingling' },
    { at: Date.UTC(2013, 2, 1, 1), pm25: undefined, no2: 7.5, wd: undefined, station: 'Gucheng' },
  ]);
  const strict = write('air-strict.csv', 'station,NO2\nDingling,NA\n');
  const err = await t.throwsAsync(readAll(FileSource.csv(strict, { nullLiteral: 'NA', mapper: (row) => row.float('NO2') })), { instanceOf: RecordParseError });
  t.true(err.message.includes(`${strict}:2 field 'NO2'`), err.message);
  t.true(err.message.includes("got the null literal 'NA'"), err.message);
});

test('quoted fields with delimiters, escaped quotes and line breaks; a mapper returning undefined skips the row', async (t) => {
  const file = write('quoted.csv', 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines, too"\n4,skip me\n5,\n');
  const out = await readAll(FileSource.csv(file, { mapper: (row) => (row.int('id') === 4 ? undefined : [row.int('id'), row.string('text')]) }));
  t.deepEqual(out.values, [
    [1, 'a, b'],
    [2, 'say "hi"'],
    [3, 'two\nlines, too'],
    [5, ''],
  ]);
});

/** Offsets and lines of each data row of `lines` (header first) joined by `eol`, computed from the text. */
function expectedPositions(lines: string[], eol: string): { offset: number; line: number; raw: string }[] {
  const result: { offset: number; line: number; raw: string }[] = [];
  let offset = 0;
  let line = 1;
  lines.forEach((text, i) => {
    if (i > 0) result.push({ offset, line, raw: text });
    offset += Buffer.byteLength(text + eol);
    line += text.split('\n').length;
  });
  return result;
}

for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n']] as const) {
  test(`byte offsets, line numbers and raw text of each CSV row (${name}, multi-byte, multi-line)`, async (t) => {
    const lines = ['id,text,n', '1,plain,10', `2,"multi${eol}line, with comma",20`, '3,"say ""hi""",30', '4,é ü €,40', '5,last,50'];
    const file = write(`positions-${name}.csv`, lines.join(eol) + eol);
    const out = await readAll(FileSource.csv(file, { mapper: (row) => ({ offset: row.offset, line: row.line, raw: row.raw }) }));
    t.deepEqual(out.values, expectedPositions(lines, eol));
  });
}

test('a file without a trailing line break ends with its last row; a header-only file has no rows', async (t) => {
  const file = write('no-eol.csv', 'a,b\n1,2\n3,4');
  t.deepEqual((await readAll(FileSource.csv(file, { mapper: (r) => [r.int('a'), r.int('b'), r.offset] }))).values, [
    [1, 2, 4],
    [3, 4, 8],
  ]);
  const headerOnly = write('header-only.csv', 'a,b\n');
  const empty = write('empty.csv', '');
  t.deepEqual((await readAll(FileSource.csv([headerOnly, empty], { mapper: (r) => r.raw }))).values, []);
});

test('a UTF-8 byte order mark is skipped in the header but counted in offsets', async (t) => {
  const file = write('bom.csv', '\uFEFFid,v\n1,a\n');
  t.deepEqual((await readAll(FileSource.csv(file, { mapper: (r) => [r.int('id'), r.string('v'), r.offset, r.line] }))).values, [[1, 'a', Buffer.byteLength('\uFEFFid,v\n'), 2]]);
});

// --- resume -----------------------------------------------------------------------------------

for (const ext of ['csv', 'csv.gz'] as const) {
  test(`resuming from a row's offset yields exactly the remaining rows (${ext})`, async (t) => {
    const lines = ['id,text', '1,a', '2,"b\nb"', '3,c', '4,d', '5,e'];
    const file = write(`resume-small.${ext}`, lines.join('\n') + '\n');
    const mapper = (row: CsvRow): { id: number; offset: number; line: number } => ({ id: row.int('id'), offset: row.offset, line: row.line });
    const all = (await readAll(FileSource.csv(file, { mapper }))).values;
    const third = all[2];
    if (third === undefined) return t.fail('no third row');
    const startOffsets: FilePosition[] = [{ file, offset: third.offset, line: third.line }];
    const rest = await readAll(FileSource.csv(file, { mapper, startOffsets }));
    t.deepEqual(rest.values, all.slice(2));
    t.deepEqual(
      rest.values.map((v) => v.line),
      [5, 6, 7],
    );
  });

  test(`currentPosition after one poll resumes a large file with no loss or duplicate (${ext})`, async (t) => {
    const rows = 20_000;
    let text = 'id,name,value\n';
    for (let i = 0; i < rows; i++) text += `${i},name-${i},${i * 1.5}\n`;
    const file = write(`resume-large.${ext}`, text);
    const mapper = (row: CsvRow): number => row.int('id');
    const reader = FileSource.csv(file, { mapper }).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
    const first = new Collector<number>();
    await reader.start();
    while (first.values.length === 0) {
      if (reader.pollNext(first) === 'NOTHING_AVAILABLE') await reader.isAvailable();
    }
    const position = reader.currentPosition();
    await reader.close();
    const n = first.values.length;
    t.true(n > 0 && n <= MAX_RECORDS_PER_POLL);
    t.deepEqual(position, [{ file, offset: Buffer.byteLength(text.split('\n').slice(0, n + 1).join('\n') + '\n'), line: n + 2 }]);
    const rest = await readAll(FileSource.csv(file, { mapper, startOffsets: position }));
    t.deepEqual([...first.values, ...rest.values], Array.from({ length: rows }, (_, i) => i));
    t.true(Math.max(...rest.polls) <= MAX_RECORDS_PER_POLL);
  });
}

test('a finished file stands at its end; resuming from there reads nothing', async (t) => {
  const text = 'a\n1\n2\n';
  const file = write('finished.csv', text);
  const reader = FileSource.csv(file, { mapper: (r) => r.int('a') }).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
  await reader.start();
  await pump(reader, new Collector<number>());
  t.deepEqual(reader.currentPosition(), [{ file, offset: Buffer.byteLength(text), line: 4 }]);
  const position = reader.currentPosition();
  await reader.close();
  t.deepEqual((await readAll(FileSource.csv(file, { mapper: (r) => r.int('a'), startOffsets: position }))).values, []);
});

// --- files and subtasks -----------------------------------------------------------------------

test('a directory is read in name order; files are assigned round-robin to subtasks', async (t) => {
  write('dir/c.csv', 'n\n3\n');
  write('dir/a.csv', 'n\n1\n');
  write('dir/b.csv.gz', 'n\n2\n');
  write('dir/.hidden.csv', 'n\n99\n');
  write('dir/_SUCCESS', '');
  const source = FileSource.csv(path.join(dir, 'dir'), { mapper: (r) => `${path.basename(r.file)}:${r.int('n')}` });
  t.deepEqual((await readAll(source)).values, ['a.csv:1', 'b.csv.gz:2', 'c.csv:3']);
  t.deepEqual((await readAll(source, 0, 2)).values, ['a.csv:1', 'c.csv:3']);
  t.deepEqual((await readAll(source, 1, 2)).values, ['b.csv.gz:2']);
  t.deepEqual((await readAll(source, 3, 4)).values, [], 'a subtask without a file ends at once');
  t.is(source.describe(), path.join(dir, 'dir'));
});

test('two files across two subtasks', async (t) => {
  const a = write('two/a.ndjson', '{"n":1}\n{"n":2}\n');
  const b = write('two/b.ndjson', '{"n":3}\n');
  const source = FileSource.ndjson<{ n: number }>([b, a]);
  t.deepEqual((await readAll(source, 0, 2)).values, [{ n: 1 }, { n: 2 }]);
  t.deepEqual((await readAll(source, 1, 2)).values, [{ n: 3 }]);
  t.is(source.describe(), `${b}, ${a}`);
});

test('limit caps the records read per file', async (t) => {
  const a = write('limit/a.csv', 'n\n1\n2\n3\n');
  const b = write('limit/b.csv.gz', 'n\n4\n5\n6\n');
  t.deepEqual((await readAll(FileSource.csv([a, b], { limit: 2, mapper: (r) => r.int('n') }))).values, [1, 2, 4, 5]);
  t.deepEqual((await readAll(FileSource.csv([a, b], { limit: 0, mapper: (r) => r.int('n') }))).values, []);
});

test('a missing file is a ConfigurationError from start() naming the path', async (t) => {
  const missing = path.join(dir, 'nope.csv');
  const reader = FileSource.csv(missing, { mapper: (r) => r.raw }).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
  const err = await t.throwsAsync(Promise.resolve().then(() => reader.start()), { instanceOf: ConfigurationError });
  t.is(err.code, 'WEIR_ERR_CONFIG');
  t.true(err.message.includes(missing), err.message);
  await reader.close();
});

test('invalid options are ConfigurationErrors at construction', (t) => {
  t.throws(() => FileSource.csv([], { mapper: (r) => r }), { instanceOf: ConfigurationError });
  t.throws(() => FileSource.csv('x.csv', { delimiter: ';;', mapper: (r) => r }), { instanceOf: ConfigurationError });
  t.throws(() => FileSource.csv('x.csv', { limit: -1, mapper: (r) => r }), { instanceOf: ConfigurationError });
  t.throws(() => FileSource.ndjson('x.ndjson', { startOffsets: [{ file: 'x.ndjson', offset: -1, line: 1 }] }), { instanceOf: ConfigurationError });
});

// --- NDJSON -----------------------------------------------------------------------------------

test('NDJSON: identity mapper, blank lines skipped, CRLF, gzip, and mapper context', async (t) => {
  const lines = ['{"a":1,"s":"x"}', '', '[1,2]', '"é"', '  ', 'null'];
  const text = lines.join('\r\n') + '\r\n';
  const file = write('values.ndjson', text);
  t.deepEqual((await readAll(FileSource.ndjson(file))).values, [{ a: 1, s: 'x' }, [1, 2], 'é', null]);
  const gz = write('values.ndjson.gz', text);
  const out = await readAll(FileSource.ndjson(gz, { mapper: (value, ctx) => ({ value, line: ctx.line, offset: ctx.offset }) }));
  const offsetOf = (i: number): number => Buffer.byteLength(lines.slice(0, i).map((l) => l + '\r\n').join(''));
  t.deepEqual(out.values, [
    { value: { a: 1, s: 'x' }, line: 1, offset: 0 },
    { value: [1, 2], line: 3, offset: offsetOf(2) },
    { value: 'é', line: 4, offset: offsetOf(3) },
    { value: null, line: 6, offset: offsetOf(5) },
  ]);
});

test('NDJSON: an invalid line fails with file and line; with a dead-letter tag it is diverted', async (t) => {
  const file = write('bad.ndjson', '{"n":1}\n{"n":\n{"n":3}\n');
  const err = await t.throwsAsync(readAll(FileSource.ndjson(file)), { instanceOf: RecordParseError });
  t.is(err.line, 2);
  t.is(err.offset, 8);
  t.true(err.message.includes(`${file}:2`), err.message);
  t.true(err.message.includes('invalid JSON'), err.message);
  const tag = new OutputTag<DeadLetter>('bad');
  const out = await readAll(FileSource.ndjson(file, { deadLetter: tag }));
  t.deepEqual(out.values, [{ n: 1 }, { n: 3 }]);
  const [dead] = (out.side.get('bad') ?? []) as DeadLetter[];
  t.like(dead, { file, line: 2, offset: 8, field: undefined, raw: '{"n":' });
  t.true(dead?.reason.startsWith('invalid JSON'));
});

// --- malformed CSV ----------------------------------------------------------------------------

const BAD_CSV = 'id,qty,price\n1,5,2.5\n2,abc,1.0\n3,7\n4,x"y,1.0\n5,1,1.0\n6,"open"quote,2\n';
const badLines = BAD_CSV.split('\n');
const offsetOfLine = (n: number): number => Buffer.byteLength(badLines.slice(0, n - 1).map((l) => l + '\n').join(''));
const orderMapper = (row: CsvRow): { id: number; qty: number; price: number } => ({ id: row.int('id'), qty: row.int('qty'), price: row.float('price') });

test('a bad cell fails the reader with file, line, field, value and reason', async (t) => {
  const file = write('bad-cell.csv', 'id,qty,price\n1,5,2.5\n2,abc,1.0\n');
  const err = await t.throwsAsync(readAll(FileSource.csv(file, { mapper: orderMapper })), { instanceOf: RecordParseError });
  t.is(err.code, 'WEIR_ERR_RECORD_PARSE');
  t.like(err, { file, line: 3, field: 'qty', offset: offsetOfLine(3) });
  t.true(err.message.includes(`${file}:3 field 'qty': expected an integer, got 'abc'`), err.message);
});

test('a row with the wrong number of fields fails with file and line', async (t) => {
  const file = write('bad-count.csv', 'id,qty,price\n1,5,2.5\n3,7\n');
  const err = await t.throwsAsync(readAll(FileSource.csv(file, { mapper: orderMapper })), { instanceOf: RecordParseError });
  t.like(err, { file, line: 3, field: undefined });
  t.true(err.message.includes(`${file}:3: expected 3 fields (as in the header), got 2`), err.message);
});

test('a CSV syntax error fails with file, line and field', async (t) => {
  const file = write('bad-quote.csv', 'id,qty,price\n1,5,2.5\n4,x"y,1.0\n');
  const err = await t.throwsAsync(readAll(FileSource.csv(file, { mapper: orderMapper })), { instanceOf: RecordParseError });
  t.like(err, { file, line: 3, field: 'qty', offset: Buffer.byteLength('id,qty,price\n1,5,2.5\n') });
  t.true(err.message.includes('Invalid Opening Quote'), err.message);
});

test('a mapper throwing a plain Error is wrapped in a RecordParseError with file and line', async (t) => {
  const file = write('mapper-throws.csv', 'id\n1\n2\n');
  const boom = new TypeError('boom');
  const err = await t.throwsAsync(
    readAll(
      FileSource.csv(file, {
        mapper: (r) => {
          if (r.int('id') === 2) throw boom;
          return r.int('id');
        },
      }),
    ),
    { instanceOf: RecordParseError },
  );
  t.is(err.line, 3);
  t.is(err.cause, boom);
  t.true(err.message.includes('mapper failed: boom'), err.message);
});

test('an unknown column is a ConfigurationError naming the header, even with a dead-letter tag', async (t) => {
  const file = write('columns.csv', 'id,qty\n1,2\n');
  const err = await t.throwsAsync(
    readAll(FileSource.csv(file, { deadLetter: new OutputTag<DeadLetter>('dl'), mapper: (r) => r.int('quantity') })),
    { instanceOf: ConfigurationError },
  );
  t.true(err.message.includes("'quantity'") && err.message.includes('id, qty'), err.message);
});

test('with a dead-letter tag malformed rows go to collectSide and the good rows still arrive', async (t) => {
  const file = write('bad-all.csv', BAD_CSV);
  const tag = new OutputTag<DeadLetter>('bad-orders');
  const reader = FileSource.csv(file, { mapper: orderMapper, deadLetter: tag }).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
  const out = new Collector<{ id: number; qty: number; price: number }>();
  await reader.start();
  await pump(reader, out);
  const end = reader.currentPosition();
  await reader.close();
  t.deepEqual(out.values, [
    { id: 1, qty: 5, price: 2.5 },
    { id: 5, qty: 1, price: 1.0 },
  ]);
  const dead = (out.side.get('bad-orders') ?? []) as DeadLetter[];
  t.deepEqual(
    dead.map((d) => [d.line, d.offset, d.field]),
    [
      [3, offsetOfLine(3), 'qty'],
      [4, offsetOfLine(4), undefined],
      [5, offsetOfLine(5), 'qty'],
      [7, offsetOfLine(7), 'qty'],
    ],
  );
  t.like(dead[0], { file, reason: "expected an integer, got 'abc'", raw: '2,abc,1.0' });
  t.like(dead[1], { file, reason: 'expected 3 fields (as in the header), got 2', raw: '3,7' });
  t.true(dead[2]?.reason.includes('Invalid Opening Quote'));
  t.true(dead[3]?.reason.includes('Invalid Closing Quote'));
  t.deepEqual(end, [{ file, offset: Buffer.byteLength(BAD_CSV), line: 8 }]);
});

// --- close ------------------------------------------------------------------------------------

for (const ext of ['csv', 'csv.gz'] as const) {
  test.serial(`close() mid-file releases the file descriptor (${ext})`, async (t) => {
    let text = 'id,payload\n';
    for (let i = 0; i < 100_000; i++) text += `${i},${'x'.repeat(40)}\n`;
    const file = write(`big.${ext}`, text);
    const baseline = openFds();
    const reader = FileSource.csv(file, { mapper: (r) => r.int('id') }).createReader({ subtaskIndex: 0, parallelism: 1, operatorName: 'src' });
    const out = new Collector<number>();
    await reader.start();
    while (out.values.length === 0) {
      if (reader.pollNext(out) === 'NOTHING_AVAILABLE') await reader.isAvailable();
    }
    t.true(openFds() > baseline, 'the file is open mid-read');
    await reader.close();
    t.is(openFds(), baseline);
    t.true(out.values.length < 100_000);
  });
}

// --- CsvRow and timestamps --------------------------------------------------------------------

test('CsvRow getters: strict numbers, optional values and error details', (t) => {
  const row = new CsvRow(
    { i: ' 42 ', f: '-1.5e3', e: '', big: '9007199254740993', bad: '1,5', t: '2023-03-12T03:01:51Z' },
    { file: 'f.csv', line: 7, offset: 123, raw: 'raw text', columns: ['i', 'f', 'e', 'big', 'bad', 't'] },
  );
  t.is(row.int('i'), 42);
  t.is(row.float('f'), -1500);
  t.is(row.optionalInt('e'), undefined);
  t.is(row.optionalFloat('e'), undefined);
  t.is(row.optionalString('e'), undefined);
  t.is(row.string('e'), '');
  t.is(row.timestamp('t'), Date.UTC(2023, 2, 12, 3, 1, 51));
  t.like(row, { file: 'f.csv', line: 7, offset: 123, raw: 'raw text' });
  const err = t.throws(() => row.float('bad'), { instanceOf: RecordParseError });
  t.like(err, { file: 'f.csv', line: 7, field: 'bad', offset: 123 });
  t.true(err.message.includes("expected a number, got '1,5'"), err.message);
  t.throws(() => row.int('f'), { message: /expected an integer, got '-1.5e3'/ });
  t.throws(() => row.int('e'), { message: /got an empty cell/ });
  t.throws(() => row.int('big'), { message: /within/ });
  t.throws(() => row.int('nope'), { instanceOf: ConfigurationError, message: /'nope'.*i, f, e, big, bad, t/ });
});

test('timestamps: formats, units, and DST gaps and overlaps in New York', (t) => {
  const ny = { timeZone: 'America/New_York' };
  const ms = (text: string, options = {}): number | string => {
    const r = parseTimestamp(text, options);
    return r.ok ? r.ms : r.reason;
  };
  t.is(ms('2023-01-01 00:01:31'), Date.UTC(2023, 0, 1, 0, 1, 31), 'naive is wall-clock as UTC by default');
  t.is(ms('2023-01-01T00:01:31.25'), Date.UTC(2023, 0, 1, 0, 1, 31, 250));
  t.is(ms('2023-01-01T00:01:31+05:30'), Date.UTC(2022, 11, 31, 18, 31, 31));
  t.is(ms('2023-01-01T00:01:31Z', ny), Date.UTC(2023, 0, 1, 0, 1, 31), 'an explicit zone wins');
  t.is(ms('2023-01-01'), Date.UTC(2023, 0, 1));
  t.is(ms('807249601', { unit: 's' }), 807249601000);
  t.is(ms('807249601123', { unit: 'ms' }), 807249601123);
  t.regex(String(ms('807249601')), /unit/);
  t.regex(String(ms('2023-02-30 00:00:00')), /valid date-time/);
  t.regex(String(ms('yesterday')), /expected a timestamp/);
  t.is(ms('2023-07-01 12:00:00', ny), Date.UTC(2023, 6, 1, 16), 'EDT is UTC−4');
  t.is(ms('2023-03-12 01:59:59', ny), Date.UTC(2023, 2, 12, 6, 59, 59));
  t.is(ms('2023-03-12 02:30:00', ny), Date.UTC(2023, 2, 12, 7, 30), 'in the gap: shifted forward to 03:30 EDT');
  t.is(ms('2023-03-12 03:00:00', ny), Date.UTC(2023, 2, 12, 7, 0));
  t.is(ms('2023-11-05 01:30:00', ny), Date.UTC(2023, 10, 5, 5, 30), 'ambiguous: the earlier instant (EDT)');
  t.is(ms('2023-11-05 02:30:00', ny), Date.UTC(2023, 10, 5, 7, 30));
  t.is(ms('2016-06-01 08:00:00', { timeZone: 'Asia/Shanghai' }), Date.UTC(2016, 5, 1, 0));
  t.throws(() => parseTimestamp('2023-01-01 00:00:00', { timeZone: 'Mars/Olympus' }), { instanceOf: ConfigurationError });
});
