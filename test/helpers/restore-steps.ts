/**
 * Snapshot-and-restore checks for operator tests (Flink's harness pattern): a test writes its input
 * as a list of steps (records, watermarks, processing-time advances) and the output it expects,
 * worked out independently; {@link checkRestore} then asserts that
 * - the unbroken run gives that output,
 * - cutting the run at every step — `snapshot()` there, close the harness, build a fresh one,
 *   `initializeState(snapshot)`, `open()`, feed the rest — gives it too (the outputs of both parts
 *   concatenated), and
 * - so does a run restored after every single step (a chain of restores).
 * {@link runRescaled} restores one snapshot into every subtask of a wider run, routing each record
 * to the subtask that owns its key.
 *
 * After a restore the operator's watermark starts over (it is not state, in Flink either), so the
 * helper re-sends the last watermark of each input before the rest of the steps, as the restarted
 * upstream would; that re-send must emit nothing but the watermark.
 *
 * Restored runs are compared up to the order of consecutive records with the same timestamp
 * ({@link normalizeTies}): timers of equal time on different keys fire together, and after a
 * restore their order follows the restored timer queue (Flink's timer queue promises no order
 * among equal timestamps either; its window tests compare sorted output).
 */
import { assignKeyToParallelOperator, type OutputTag } from 'weir';
import {
  OneInputOperatorTestHarness,
  TwoInputOperatorTestHarness,
  type HarnessOutputElement,
  type HarnessRecord,
  type OperatorSubtaskSnapshot,
} from 'weir/testing';
import type { ExecutionContext } from 'ava';

/** One input step. `input` 1 / 2 selects a two-input harness's input; 0 (watermarks) means every input. */
export type Step =
  | { readonly kind: 'element'; readonly input: 1 | 2; readonly value: unknown; readonly timestamp: number | undefined }
  | { readonly kind: 'watermark'; readonly input: 0 | 1 | 2; readonly watermark: number }
  | { readonly kind: 'time'; readonly time: number };

/** A record (input 1 of a two-input harness), with an optional timestamp (epoch ms). */
export const el = (value: unknown, timestamp?: number): Step => ({ kind: 'element', input: 1, value, timestamp });
/** A record of input 2. */
export const el2 = (value: unknown, timestamp?: number): Step => ({ kind: 'element', input: 2, value, timestamp });
/** A watermark (on both inputs of a two-input harness). */
export const wm = (watermark: number): Step => ({ kind: 'watermark', input: 0, watermark });
/** A watermark of input 1 only. */
export const wm1 = (watermark: number): Step => ({ kind: 'watermark', input: 1, watermark });
/** A watermark of input 2 only. */
export const wm2 = (watermark: number): Step => ({ kind: 'watermark', input: 2, watermark });
/** Moves processing time to `time` (epoch ms). */
export const time = (t: number): Step => ({ kind: 'time', time: t });

/** Expected-output helpers matching the harness's output elements. */
export const rec = <T>(value: T, timestamp: number | null = null): HarnessRecord<T> => ({ kind: 'record', value, timestamp });
export const mark = (timestamp: number): HarnessOutputElement<never> => ({ kind: 'watermark', timestamp });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHarness = OneInputOperatorTestHarness<any, any> | TwoInputOperatorTestHarness<any, any, any>;

/** Where the factory must place the harness it builds. */
export interface Placement {
  initialProcessingTime: number;
  parallelism: number;
  subtaskIndex: number;
}

/** Builds a fresh harness for the operator under test, honouring `placement` (spread it into the options). */
export type HarnessFactory = (placement: Placement) => AnyHarness;

/** What a run emitted: the main output (records and watermarks) and the side outputs asked for, by tag id. */
export interface RunOutput {
  main: HarnessOutputElement<unknown>[];
  side: Record<string, HarnessRecord<unknown>[]>;
}

export interface RunOptions {
  /** Side outputs to collect. */
  sideOutputs?: readonly OutputTag<unknown>[];
  /** Initial processing time of the first harness (default 0). */
  initialProcessingTime?: number;
  /** Called with the last harness of every run, after the last step (e.g. to check that all state was cleaned up). */
  atEnd?: (h: AnyHarness) => void;
}

/** Drives one harness through steps, remembering the last watermark of each input. */
class Driver {
  private readonly watermarks: (number | undefined)[] = [undefined, undefined, undefined];

  constructor(
    readonly harness: AnyHarness,
    private readonly options: RunOptions,
  ) {}

  async step(s: Step): Promise<void> {
    const h = this.harness;
    if (s.kind === 'time') return h.setProcessingTime(s.time);
    if (h instanceof OneInputOperatorTestHarness) {
      if (s.kind === 'element') return h.processElement(s.value, s.timestamp);
      this.watermarks[0] = s.watermark;
      return h.processWatermark(s.watermark);
    }
    if (s.kind === 'element') return s.input === 1 ? h.processElement1(s.value, s.timestamp) : h.processElement2(s.value, s.timestamp);
    if (s.input !== 2) this.watermarks[1] = s.watermark;
    if (s.input !== 1) this.watermarks[2] = s.watermark;
    if (s.input === 0) return h.processBothWatermarks(s.watermark);
    return s.input === 1 ? h.processWatermark1(s.watermark) : h.processWatermark2(s.watermark);
  }

  /** Opens `next` (restored from `snapshot`) and re-sends this driver's last watermarks to it. */
  async handOver(next: AnyHarness, snapshot: OperatorSubtaskSnapshot | undefined): Promise<Driver> {
    if (snapshot !== undefined) await next.initializeState(snapshot);
    await next.open();
    const d = new Driver(next, this.options);
    const [w0, w1, w2] = this.watermarks;
    if (w0 !== undefined) await d.step(wm(w0));
    if (w1 !== undefined) await d.step(wm1(w1));
    if (w2 !== undefined) await d.step(wm2(w2));
    const resent = next.extractOutput();
    if (resent.some((e) => e.kind === 'record') || this.sideRecords(next).length > 0) {
      throw new Error(`re-sending the last watermark after the restore emitted records: ${JSON.stringify(resent)}`);
    }
    next.clearOutput();
    return d;
  }

  output(): RunOutput {
    const side: Record<string, HarnessRecord<unknown>[]> = {};
    for (const tag of this.options.sideOutputs ?? []) side[tag.id] = this.harness.getSideOutput(tag);
    return { main: this.harness.extractOutput(), side };
  }

  private sideRecords(h: AnyHarness): HarnessRecord<unknown>[] {
    return (this.options.sideOutputs ?? []).flatMap((tag) => h.getSideOutput(tag));
  }
}

function concat(parts: RunOutput[], options: RunOptions): RunOutput {
  const side: Record<string, HarnessRecord<unknown>[]> = {};
  for (const tag of options.sideOutputs ?? []) side[tag.id] = parts.flatMap((p) => p.side[tag.id] ?? []);
  return { main: parts.flatMap((p) => p.main), side };
}

const single = (initialProcessingTime: number): Placement => ({ initialProcessingTime, parallelism: 1, subtaskIndex: 0 });

/** Runs every step on one harness. */
export async function runUnbroken(make: HarnessFactory, steps: readonly Step[], options: RunOptions = {}): Promise<RunOutput> {
  const d = new Driver(make(single(options.initialProcessingTime ?? 0)), options);
  await d.harness.open();
  for (const s of steps) await d.step(s);
  options.atEnd?.(d.harness);
  const out = d.output();
  await d.harness.close();
  return out;
}

/**
 * Runs the steps, taking a snapshot and moving to a fresh restored harness after each step index in
 * `cuts` (after `steps[k - 1]`, before `steps[k]`), and returns the concatenated output.
 */
export async function runRestored(make: HarnessFactory, steps: readonly Step[], cuts: readonly number[], options: RunOptions = {}): Promise<RunOutput> {
  let d = new Driver(make(single(options.initialProcessingTime ?? 0)), options);
  await d.harness.open();
  const parts: RunOutput[] = [];
  for (let i = 0; i <= steps.length; i++) {
    if (cuts.includes(i)) {
      const snapshot = await d.harness.snapshot();
      parts.push(d.output());
      await d.harness.close();
      d = await d.handOver(make(single(d.harness.getProcessingTime())), snapshot);
    }
    const s = steps[i];
    if (s !== undefined) await d.step(s);
  }
  options.atEnd?.(d.harness);
  parts.push(d.output());
  await d.harness.close();
  return concat(parts, options);
}

/**
 * Asserts that the unbroken run, a run cut (snapshot → fresh harness → restore) at each step
 * index, and a run restored after every step all give `expected` (main output; side outputs when
 * `expectedSide` is given).
 */
export async function checkRestore(
  t: ExecutionContext,
  make: HarnessFactory,
  steps: readonly Step[],
  expected: readonly HarnessOutputElement<unknown>[],
  options: RunOptions & {
    expectedSide?: Record<string, readonly HarnessRecord<unknown>[]>;
    /** Compare restored runs in exact order too (no equal-time timers of different keys). */
    strictOrder?: boolean;
  } = {},
): Promise<void> {
  const norm = options.strictOrder === true ? <E>(x: readonly E[]): E[] => x.slice() : normalizeTies;
  const check = (out: RunOutput, what: string): void => {
    t.deepEqual(norm(out.main), norm(expected), `${what}: main output`);
    if (options.expectedSide !== undefined) {
      for (const [id, records] of Object.entries(options.expectedSide)) t.deepEqual(norm(out.side[id] ?? []), norm(records), `${what}: side output ${id}`);
    }
  };
  const unbroken = await runUnbroken(make, steps, options);
  t.deepEqual(unbroken.main, expected as HarnessOutputElement<unknown>[], 'unbroken run: main output');
  if (options.expectedSide !== undefined) t.deepEqual(unbroken.side, options.expectedSide as Record<string, HarnessRecord<unknown>[]>, 'unbroken run: side outputs');
  for (let k = 0; k <= steps.length; k++) check(await runRestored(make, steps, [k], options), `restored before step ${k}`);
  check(await runRestored(make, steps, Array.from({ length: steps.length + 1 }, (_, i) => i), options), 'restored before every step');
}

/** Routes an element step of the rescaled run to a subtask, by key. */
export interface Rescale {
  /** The new parallelism. */
  parallelism: number;
  /** Max parallelism of the harness (default 128). */
  maxParallelism?: number;
  /** Key of input 1 (or the only input) records. */
  keyOf1: (value: never) => unknown;
  /** Key of input 2 records; undefined: every subtask gets them (a broadcast input). */
  keyOf2?: ((value: never) => unknown) | undefined;
}

/**
 * Runs `steps[0, cut)` on one harness (parallelism 1), snapshots, then restores the snapshot into
 * every subtask of a run at `rescale.parallelism` (each gets the key groups of its range through
 * `repartitionOperatorState`) and feeds each the remaining records of its keys (watermarks and
 * processing time go to all). Returns the records of the first part followed by every subtask's,
 * subtask by subtask.
 */
export async function runRescaled(make: HarnessFactory, steps: readonly Step[], cut: number, rescale: Rescale, options: RunOptions = {}): Promise<{ records: HarnessRecord<unknown>[]; side: Record<string, HarnessRecord<unknown>[]> }> {
  const first = new Driver(make(single(options.initialProcessingTime ?? 0)), options);
  await first.harness.open();
  for (const s of steps.slice(0, cut)) await first.step(s);
  const snapshot = await first.harness.snapshot();
  const parts: RunOutput[] = [first.output()];
  await first.harness.close();
  const maxP = rescale.maxParallelism ?? 128;
  for (let i = 0; i < rescale.parallelism; i++) {
    const h = make({ initialProcessingTime: first.harness.getProcessingTime(), parallelism: rescale.parallelism, subtaskIndex: i });
    const d = await first.handOver(h, OneInputOperatorTestHarness.repartitionOperatorState([snapshot], rescale.parallelism, i));
    for (const s of steps.slice(cut)) {
      if (s.kind === 'element') {
        const keyOf = s.input === 1 ? rescale.keyOf1 : rescale.keyOf2;
        if (keyOf !== undefined && assignKeyToParallelOperator(keyOf(s.value as never), maxP, rescale.parallelism) !== i) continue;
      }
      await d.step(s);
    }
    options.atEnd?.(h);
    parts.push(d.output());
    await h.close();
  }
  const all = concat(parts, options);
  return { records: all.main.filter((e): e is HarnessRecord<unknown> => e.kind === 'record'), side: all.side };
}

/**
 * `out` with every run of consecutive records of equal timestamp sorted by their JSON form; order
 * otherwise kept (watermarks stay where they are).
 */
export function normalizeTies<E extends HarnessOutputElement<unknown>>(out: readonly E[]): E[] {
  const result: E[] = [];
  let run: E[] = [];
  const flush = (): void => {
    run.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
    result.push(...run);
    run = [];
  };
  for (const e of out) {
    const head = run[0];
    if (e.kind === 'record' && (head === undefined || (head.kind === 'record' && head.timestamp === e.timestamp))) {
      run.push(e);
      continue;
    }
    flush();
    if (e.kind === 'record') run.push(e);
    else result.push(e);
  }
  flush();
  return result;
}

/** Records only, without watermarks. */
export const recordsOf = (out: readonly HarnessOutputElement<unknown>[]): HarnessRecord<unknown>[] => out.filter((e): e is HarnessRecord<unknown> => e.kind === 'record');

/** Sorted JSON strings: the records of several subtasks compared without their interleaving. */
export const canonical = (xs: readonly unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();
