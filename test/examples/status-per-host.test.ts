import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NASA_SLICE, readCsvRows, readText, runExample, tempDir } from './example-helpers.js';

// examples/nasa/status-per-host.ts on the first 5,000 requests of the NASA log, checked against
// per-host counts computed here with a plain loop over the same slice (split on tabs).
const tmp = tempDir('weir-status-per-host-');
test.after.always(() => tmp.remove());

/** The expected CSV rows (header first): sorted by requests descending, then host. */
function expectedTable(): string[][] {
  const [header = '', ...lines] = readText(NASA_SLICE).split('\n').filter((l) => l !== '');
  const col = new Map(header.split('\t').map((name, i) => [name, i]));
  const at = (cells: string[], name: string) => cells[col.get(name) ?? -1] ?? '';
  const hosts = new Map<string, { requests: number; notFound: number; bytes: number; first: number; last: number }>();
  for (const line of lines) {
    const cells = line.split('\t');
    const host = at(cells, 'host');
    const time = Number(at(cells, 'time'));
    const h = hosts.get(host) ?? { requests: 0, notFound: 0, bytes: 0, first: time, last: time };
    h.requests += 1;
    if (at(cells, 'response') === '404') h.notFound += 1;
    h.bytes += Number(at(cells, 'bytes'));
    h.first = Math.min(h.first, time);
    h.last = Math.max(h.last, time);
    hosts.set(host, h);
  }
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const rows = [...hosts].sort(([a, x], [b, y]) => y.requests - x.requests || (a < b ? -1 : a > b ? 1 : 0));
  return [
    ['host', 'requests', 'not_found', 'bytes', 'first_request', 'last_request'],
    ...rows.map(([host, h]) => [host, String(h.requests), String(h.notFound), String(h.bytes), iso(h.first), iso(h.last)]),
  ];
}

test('per-host requests, 404s and bytes equal an independent computation, at parallelism 1 and 4', async (t) => {
  const expected = expectedTable();
  t.is(expected.length - 1, 443, 'hosts in the slice');
  t.true(expected.some((r) => Number(r[2]) > 0), 'the slice has 404s');
  const outputs: string[] = [];
  for (const parallelism of [1, 4]) {
    const output = join(tmp.dir, `status-per-host-p${parallelism}.csv`);
    const result = await runExample('nasa/status-per-host', parallelism, ['--input', NASA_SLICE, '--output', output, '--quiet']);
    t.deepEqual(readCsvRows(output), expected, `parallelism ${parallelism}`);
    t.is(result.operators.find((o) => o.name === 'requests per host')?.parallelism, parallelism);
    outputs.push(readFileSync(output, 'utf8'));
  }
  t.is(outputs[0], outputs[1], 'byte-identical output at parallelism 1 and 4');
});
