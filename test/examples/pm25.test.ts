import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { AIR_SLICE, readCsvRows, readLines, runExample, tempDir, watermarksMet, withRowsMovedLater } from './example-helpers.js';

// examples/air/pm25.ts on the first 7 days (2,016 rows) of the committed Beijing air-quality data,
// and on a copy with rows moved later, checked against trailing 24 h averages, spike alerts and
// late readings computed here with plain loops in file order. The watermark a row meets is
// max(earlier timestamps) − out-of-orderness − 1 ms (NA rows move it too); a reading is late for
// the spike check when its time is at or below it; it is left out of each of its 24 windows that
// has closed (window end − 1 ≤ watermark), and late for the averages when all have.
const tmp = tempDir('weir-pm25-');
test.after.always(() => tmp.remove());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BEIJING = 8 * HOUR;

interface Row {
  station: string;
  time: number;
  /** `PM2.5` as in the file, or undefined for NA. */
  pm25Text: string | undefined;
  tenths: number;
}

function readRows(lines: readonly string[]): Row[] {
  return (parse(lines.join('\n'), { columns: true }) as Record<string, string>[]).map((r) => {
    const text = r['PM2.5'] ?? '';
    const m = /^(\d+)(?:\.(\d))?$/.exec(text);
    if (text !== 'NA' && m === null) throw new Error(`unexpected PM2.5 '${text}'`);
    return {
      station: r['station'] ?? '',
      time: Date.UTC(Number(r['year']), Number(r['month']) - 1, Number(r['day']), Number(r['hour'])) - BEIJING,
      pm25Text: text === 'NA' ? undefined : text,
      tenths: m === null ? 0 : Number(m[1]) * 10 + Number(m[2] ?? '0'),
    };
  });
}

const localHour = (ms: number) => new Date(ms + BEIJING).toISOString().slice(0, 16).replace('T', ' ');
/** sum / n in tenths, rounded half up, as text with one decimal: integers only. */
const average = (sumTenths: number, n: number) => {
  const tenths = Math.floor((2 * sumTenths + n) / (2 * n));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
};
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function expected(rows: readonly Row[], outOfOrdernessMs: number): { averages: string[][]; alerts: string[][]; late: string[][] } {
  const met = watermarksMet(
    rows.map((r) => r.time),
    outOfOrdernessMs,
  );
  const windows = new Map<string, { station: string; start: number; n: number; sum: number }>();
  const alerts: { station: string; time: number; row: string[] }[] = [];
  const late: { station: string; time: number; row: string[] }[] = [];
  const seen: Row[] = [];
  rows.forEach((r, i) => {
    if (r.pm25Text === undefined) return;
    const watermark = met[i] ?? Number.NEGATIVE_INFINITY;
    const hour = Math.floor(r.time / HOUR) * HOUR;
    const inAverages = hour + DAY - 1 > watermark;
    if (inAverages) {
      // The 24 windows [s, s + 24 h) with s = hour − 23 h … hour, except those already closed
      // (fired and purged): a reading a few hours late still misses its earliest windows.
      for (let start = hour - 23 * HOUR; start <= hour; start += HOUR) {
        if (start + DAY - 1 <= watermark) continue;
        const id = `${r.station} ${start}`;
        const w = windows.get(id) ?? { station: r.station, start, n: 0, sum: 0 };
        w.n += 1;
        w.sum += r.tenths;
        windows.set(id, w);
      }
    }
    if (r.time <= watermark) {
      late.push({ station: r.station, time: r.time, row: [r.station, localHour(r.time), r.pm25Text, inAverages ? 'yes' : 'no'] });
    } else {
      const trailing = seen.filter((s) => s.station === r.station && s.time >= r.time - DAY && s.time < r.time);
      const sum = trailing.reduce((n, s) => n + s.tenths, 0);
      if (trailing.length >= 12 && r.tenths * trailing.length > 3 * sum) {
        alerts.push({ station: r.station, time: r.time, row: [r.station, localHour(r.time), r.pm25Text, average(sum, trailing.length), String(trailing.length)] });
      }
    }
    seen.push(r);
  });
  const averages = [...windows.values()]
    .sort((a, b) => byText(a.station, b.station) || a.start - b.start)
    .map((w) => [w.station, localHour(w.start), localHour(w.start + DAY), String(w.n), average(w.sum, w.n)]);
  return {
    averages: [['station', 'window_start', 'window_end', 'readings', 'pm25_avg'], ...averages],
    alerts: [['station', 'hour', 'pm25', 'trailing_avg', 'trailing_readings'], ...alerts.sort((a, b) => a.time - b.time || byText(a.station, b.station)).map((a) => a.row)],
    late: [['station', 'hour', 'pm25', 'in_averages'], ...late.sort((a, b) => byText(a.station, b.station) || a.time - b.time).map((l) => l.row)],
  };
}

type Expected = ReturnType<typeof expected>;

async function runBoth(t: import('ava').ExecutionContext, name: string, input: string, extra: string[], want: Expected) {
  const files: string[] = [];
  for (const parallelism of [1, 4]) {
    const path = (what: string) => join(tmp.dir, `${name}-${what}-p${parallelism}.csv`);
    const result = await runExample('air/pm25', parallelism, ['--input', input, '--output', path('avg'), '--alerts', path('alerts'), '--late', path('late'), '--quiet', ...extra]);
    t.deepEqual(readCsvRows(path('avg')), want.averages, `${name}: averages at parallelism ${parallelism}`);
    t.deepEqual(readCsvRows(path('alerts')), want.alerts, `${name}: alerts at parallelism ${parallelism}`);
    t.deepEqual(readCsvRows(path('late')), want.late, `${name}: late readings at parallelism ${parallelism}`);
    t.is(result.operators.find((o) => o.name === 'trailing 24 h average')?.parallelism, parallelism);
    t.is(result.operators.find((o) => o.name === 'PM2.5 spikes')?.parallelism, parallelism);
    files.push(['avg', 'alerts', 'late'].map((w) => readFileSync(path(w), 'utf8')).join(''));
  }
  t.is(files[0], files[1], `${name}: byte-identical output at parallelism 1 and 4`);
}

test('trailing averages and spike alerts equal an independent computation on the slice, at parallelism 1 and 4', async (t) => {
  const rows = readRows(readLines(AIR_SLICE));
  t.is(rows.length, 2016);
  t.is(rows.filter((r) => r.pm25Text === undefined).length, 22, 'NA readings in the slice');
  const want = expected(rows, 3_600_000);
  t.is(want.averages.length - 1, 12 * (7 * 24 + 23), 'no station has a day-long gap: 7 days + 23 partial windows each');
  t.is(want.alerts.length - 1, 185);
  t.is(want.late.length - 1, 0);
  await runBoth(t, 'slice', AIR_SLICE, [], want);
});

test('rows moved later: late for the spike check at or below the watermark, for the averages a day behind, at parallelism 1 and 4', async (t) => {
  // 12 rows per hour: moves of 5 to 400 rows are 25 minutes to 33 hours of delay.
  const moves = [[50, 20], [300, 13], [420, 5], [600, 400], [900, 150], [1200, 320], [1500, 30], [1800, 100]] as const;
  const lines = withRowsMovedLater(readLines(AIR_SLICE), moves);
  const input = join(tmp.dir, 'air-reordered.csv');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const counts: [number, number][] = [];
  for (const outOfOrderness of [0, 3600]) {
    const want = expected(readRows(lines), outOfOrderness * 1000);
    counts.push([want.late.length - 1, want.late.filter((r) => r[3] === 'no').length]);
    await runBoth(t, `reordered-${outOfOrderness}s`, input, ['--out-of-orderness', String(outOfOrderness)], want);
  }
  // [late for the spike check, of which dropped from the averages] at 0 s and 1 h of out-of-orderness.
  t.deepEqual(counts, [
    [7, 2],
    [5, 2],
  ]);
});
