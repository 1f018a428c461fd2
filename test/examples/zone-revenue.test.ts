import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { centsText, decimalToCents, readCsvRecords, readCsvRows, runExample, runWeir, tempDir, TAXI_SLICE, ZONES } from './example-helpers.js';

// examples/taxi/zone-revenue.ts on the first 5,000 trips, checked against per-zone sums computed
// here with plain loops over the same slice (csv-parse, cents by string arithmetic).
const tmp = tempDir('weir-zone-revenue-');
test.after.always(() => tmp.remove());

/** The expected CSV rows (header first): sorted by total descending, then LocationID. */
function expectedTable(): string[][] {
  const names = new Map<string, { borough: string; zone: string }>();
  for (const z of readCsvRecords(ZONES)) names.set(z['LocationID'] ?? '', { borough: z['Borough'] ?? '', zone: z['Zone'] ?? '' });
  const totals = new Map<number, { trips: number; cents: number }>();
  for (const trip of readCsvRecords(TAXI_SLICE)) {
    const id = Number(trip['PULocationID']);
    const t = totals.get(id) ?? { trips: 0, cents: 0 };
    t.trips += 1;
    t.cents += decimalToCents(trip['total_amount'] ?? '');
    totals.set(id, t);
  }
  const rows = [...totals].sort(([idA, a], [idB, b]) => b.cents - a.cents || idA - idB);
  return [
    ['LocationID', 'Borough', 'Zone', 'trips', 'total_amount'],
    ...rows.map(([id, t]) => [String(id), names.get(String(id))?.borough ?? '', names.get(String(id))?.zone ?? '', String(t.trips), centsText(t.cents)]),
  ];
}

test('per-zone trips and total fare equal an independent computation, at parallelism 1 and 4', async (t) => {
  const expected = expectedTable();
  t.true(expected.length > 100, 'the slice covers many pickup zones');
  const outputs: string[] = [];
  for (const parallelism of [1, 4]) {
    const output = join(tmp.dir, `zone-revenue-p${parallelism}.csv`);
    const result = await runExample('taxi/zone-revenue', parallelism, ['--input', TAXI_SLICE, '--zones', ZONES, '--output', output, '--quiet']);
    t.deepEqual(readCsvRows(output), expected, `parallelism ${parallelism}`);
    t.true(result.outputs.includes(output));
    t.is(result.operators.find((o) => o.name === 'trips and fare per pickup zone')?.parallelism, parallelism);
    t.is(result.operators[0]?.recordsOut, 5000);
    outputs.push(readFileSync(output, 'utf8'));
  }
  t.is(outputs[0], outputs[1], 'byte-identical output at parallelism 1 and 4');
});

test('unknown options are configuration errors', async (t) => {
  await t.throwsAsync(runExample('taxi/zone-revenue', 1, ['--inptu', TAXI_SLICE]), { message: /--inptu.*accepted options: --input/s });
});

test.serial('`weir run` on the .ts file prints the top zones and the output path, with the default lookup file', async (t) => {
  t.timeout(90_000);
  const output = join(tmp.dir, 'cli', 'zone-revenue.csv');
  const r = await runWeir(['run', 'examples/taxi/zone-revenue.ts', '-p', '2', '-q', '--', '--input', TAXI_SLICE, '--output', output, '--top', '3']);
  t.is(r.code, 0, r.stderr);
  const expected = expectedTable();
  t.deepEqual(readCsvRows(output), expected);
  const lines = r.stdout.trimEnd().split('\n');
  t.regex(lines[0] ?? '', /^Top 3 of \d+ pickup zones by total fare \(5,000 trips, \$[\d,.]+ in total\):$/);
  // Header, then the three zones with the highest totals, in order.
  t.is(lines.length, 6, r.stdout);
  for (let i = 0; i < 3; i++) t.true(lines[i + 2]?.includes(expected[i + 1]?.[2] ?? '?'), lines[i + 2]);
  t.is(lines[5], `Wrote ${expected.length - 1} zones to ${output}`);
});
