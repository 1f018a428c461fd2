/**
 * A corrupted checkpoint is detected by its checksum and recovery falls back to the previous
 * completed checkpoint, saying so (a warning in the job result); the output is still exactly that
 * of an unbroken run.
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestartStrategies, StreamExecutionEnvironment } from 'weir';
import { PaddedSum } from '../helpers/padded-sum.js';
import { PausingSequenceSource } from '../helpers/pausing-sequence-source.js';

const N = 30_000;
const KEYS = 5_000;
const dirs: string[] = [];
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every file under `dir` whose name ends with `.part`. */
function partFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...partFiles(p));
    else if (e.endsWith('.part')) out.push(p);
  }
  return out;
}

/** Flips one byte in the middle of each part file of checkpoint `id` under `root`. */
function corruptCheckpoint(root: string, id: number): number {
  let n = 0;
  for (const job of readdirSync(root)) {
    const chk = join(root, job, `chk-${id}`);
    try {
      statSync(chk);
    } catch {
      continue;
    }
    for (const f of partFiles(chk)) {
      const bytes = readFileSync(f);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
      writeFileSync(f, bytes);
      n++;
    }
  }
  return n;
}


test('a corrupt part file makes recovery fall back to the previous checkpoint, with a warning', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'weir-corrupt-'));
  dirs.push(root);
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(20);
  // A pause after each checkpoint, so no newer one completes between corruption and failure.
  env.getCheckpointConfig().setCheckpointStorage(root).setNumRetainedCheckpoints(3).setMinPauseBetweenCheckpoints(100);
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  let corrupted = 0;
  const warnings: string[] = [];
  const out = env
    .fromSource(new PausingSequenceSource(1, N, 6_000, 2), 'numbers')
    .map({
      map: (x: number) => x,
      // Once checkpoint 2 completed: corrupt its files and fail (a task failure, as in Flink).
      notifyCheckpointComplete(id: number) {
        if (id >= 2 && corrupted === 0) {
          corrupted = corruptCheckpoint(root, id);
          throw new Error(`injected failure after corrupting checkpoint ${id}`);
        }
      },
    })
    .keyBy((x) => x % KEYS)
    .process(new PaddedSum(3000)); // 3 000 filler chars per key: key-group parts above the 20 KiB inline threshold, real files
  const collected: [number, number][] = [];
  out.sinkTo({ createWriter: () => ({ write: (v: [number, number]) => void collected.push(v), flush() {}, close() {} }) });
  const result = await env.execute({ onWarning: (w) => warnings.push(w) });
  t.true(corrupted > 0, 'checkpoint 2 had part files to corrupt');
  t.is(result.checkpoints.restarts, 2, 'one restart from the corrupt checkpoint, one from the previous');
  t.true(
    warnings.some((w) => /checkpoint 2 cannot be restored .*checksum mismatch.*falling back to checkpoint 1/.test(w)),
    warnings.join('\n'),
  );
  // Each key's last running sum is the unbroken total.
  const last = new Map<number, number>();
  for (const [k, s] of collected) last.set(k, Math.max(last.get(k) ?? 0, s));
  const expected = new Map<number, number>();
  for (let x = 1; x <= N; x++) expected.set(x % KEYS, (expected.get(x % KEYS) ?? 0) + x);
  t.deepEqual([...last].sort((a, b) => a[0] - b[0]), [...expected].sort((a, b) => a[0] - b[0]));
});
