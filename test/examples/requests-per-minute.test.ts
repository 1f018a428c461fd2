import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NASA_SLICE, readCsvRows, readLines, runExample, tempDir, watermarksMet, withRowsMovedLater } from './example-helpers.js';

// examples/nasa/requests-per-minute.ts on the first 5,000 requests of the NASA log (in time order)
// and on a copy with lines moved later, checked against per-(minute, host) counts and the exact
// set of late requests computed here with a plain loop in file order (split on tabs): a request
// meets the watermark max(earlier times) − out-of-orderness − 1 ms and is late when the last
// millisecond of its minute is at or below it.
const tmp = tempDir('weir-requests-per-minute-');
test.after.always(() => tmp.remove());

const MINUTE = 60_000;

function expected(lines: readonly string[], outOfOrdernessMs: number): { windows: string[][]; late: string[][] } {
  const [header = '', ...data] = lines;
  const col = new Map(header.split('\t').map((name, i) => [name, i]));
  const at = (cells: string[], name: string) => cells[col.get(name) ?? -1] ?? '';
  const requests = data.map((line, i) => {
    const cells = line.split('\t');
    return { line: i + 2, host: at(cells, 'host'), time: Number(at(cells, 'time')) * 1000, response: at(cells, 'response') };
  });
  const met = watermarksMet(
    requests.map((r) => r.time),
    outOfOrdernessMs,
  );
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const windows = new Map<string, { minute: number; host: string; requests: number; notFound: number }>();
  const late: string[][] = [];
  requests.forEach((r, i) => {
    const minute = Math.floor(r.time / MINUTE) * MINUTE;
    if (minute + MINUTE - 1 <= (met[i] ?? Number.NEGATIVE_INFINITY)) {
      late.push([String(r.line), iso(r.time), r.host, r.response]);
      return;
    }
    const id = `${minute} ${r.host}`;
    const w = windows.get(id) ?? { minute, host: r.host, requests: 0, notFound: 0 };
    w.requests += 1;
    if (r.response === '404') w.notFound += 1;
    windows.set(id, w);
  });
  const rows = [...windows.values()].sort((a, b) => a.minute - b.minute || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  return {
    windows: [['minute_start', 'host', 'requests', 'not_found'], ...rows.map((w) => [iso(w.minute), w.host, String(w.requests), String(w.notFound)])],
    late: [['line', 'time', 'host', 'response'], ...late],
  };
}

async function runBoth(t: import('ava').ExecutionContext, name: string, input: string, extra: string[], want: { windows: string[][]; late: string[][] }) {
  const files: string[] = [];
  for (const parallelism of [1, 4]) {
    const output = join(tmp.dir, `${name}-p${parallelism}.csv`);
    const late = join(tmp.dir, `${name}-late-p${parallelism}.csv`);
    const result = await runExample('nasa/requests-per-minute', parallelism, ['--input', input, '--output', output, '--late', late, '--quiet', ...extra]);
    t.deepEqual(readCsvRows(output), want.windows, `${name}: windows at parallelism ${parallelism}`);
    t.deepEqual(readCsvRows(late), want.late, `${name}: late requests at parallelism ${parallelism}`);
    t.is(result.operators.find((o) => o.name === 'requests per host and minute')?.parallelism, parallelism);
    files.push(readFileSync(output, 'utf8') + readFileSync(late, 'utf8'));
  }
  t.is(files[0], files[1], `${name}: byte-identical output at parallelism 1 and 4`);
}

test('per-minute counts per host equal an independent computation on the in-order slice, at parallelism 1 and 4 (nothing late)', async (t) => {
  const want = expected(readLines(NASA_SLICE), 5_000);
  t.is(want.late.length - 1, 0);
  t.is(
    want.windows.slice(1).reduce((n, r) => n + Number(r[2]), 0),
    5000,
    'every request is in a window',
  );
  t.true(want.windows.slice(1).some((r) => Number(r[3]) > 0), 'the slice has 404s');
  await runBoth(t, 'in-order', NASA_SLICE, [], want);
});

test('lines moved later are late exactly when an earlier line is out-of-orderness past their minute, at parallelism 1 and 4', async (t) => {
  // Each line moves a few to a few hundred lines (2 s to 27 min) later.
  const moves = [[10, 3], [250, 4], [600, 6], [1200, 10], [1800, 20], [2400, 40], [3000, 100], [3600, 400], [4500, 2], [4990, 8]] as const;
  const lines = withRowsMovedLater(readLines(NASA_SLICE), moves);
  const input = join(tmp.dir, 'nasa-reordered.tsv');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const lateCounts: number[] = [];
  for (const outOfOrderness of [0, 5, 30, 120]) {
    const want = expected(lines, outOfOrderness * 1000);
    lateCounts.push(want.late.length - 1);
    t.is(want.windows.slice(1).reduce((n, r) => n + Number(r[2]), 0) + want.late.length - 1, 5000, 'every request is counted or late');
    await runBoth(t, `reordered-${outOfOrderness}s`, input, ['--out-of-orderness', String(outOfOrderness)], want);
  }
  t.deepEqual(lateCounts, [6, 5, 3, 2], 'a larger bound tolerates more of the disorder');
});
