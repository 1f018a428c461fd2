/**
 * `npm run bench -- nexmark-micro [options]` (or `nexmark --micro`): the micro-benchmarks that
 * explain the Nexmark figures, each naming what it measures and its unit:
 *
 * | name (`--only`) | what | unit |
 * |---|---|---|
 * | `mailbox` | actor tell → receive (lib/actor), mailbox capacity 1,024 and 16 | messages/s |
 * | `exchange` | records across one keyBy between two subtasks of one thread | records/s |
 * | `worker` | cbor-x record batches over a raw worker_threads MessagePort (no Weir transport exists yet) | records/s |
 * | `nats` | the same batches through nats-server with nats.js (skipped when none answers on 127.0.0.1:4222) | records/s |
 * | `state` | heap and LevelDB keyed state reads / writes (bench/level-state.ts) | reads/s, writes/s, ms |
 * | `checkpoint` | checkpoint duration vs state size, 10k / 100k / 1M keys (keyed-state-job.ts) | ms |
 * | `recovery` | failure → first output after the restart (checkpoint-benchmarks.ts) | ms |
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runRecoveryTime } from '../checkpoint-benchmarks.js';
import { BACKEND_KINDS, type BackendKind } from '../keyed-state-job.js';
import { localDate, machineInfo, writeResults } from '../report.js';
import { exchangeThroughput, mailboxThroughput, type MicroFigure } from './micro-actors.js';
import { checkpointVsStateSize, stateBackendFigures } from './micro-state.js';
import { natsExchange, workerExchange } from './micro-transport.js';
import { formatCount, nexmarkMarkdown, type NexmarkMicroReport } from './nexmark-report.js';

/** The micro-benchmarks, in run order. */
export const MICRO_NAMES = ['mailbox', 'exchange', 'worker', 'nats', 'state', 'checkpoint', 'recovery'] as const;
export type MicroName = (typeof MICRO_NAMES)[number];

/** Options of the micro-benchmarks. */
export interface MicroOptions {
  only: readonly MicroName[];
  /** Messages of the mailbox benchmark and records of the exchanges. */
  records: number;
  /** Keys of the state backend benchmark. */
  stateKeys: number;
  /** Key counts of the checkpoint-size benchmark. */
  checkpointKeys: number[];
  /** Keys of the recovery benchmark. */
  recoveryKeys: number;
  /** Backends of the checkpoint and recovery benchmarks (heap, leveldb; the state benchmark always does both). */
  backends: BackendKind[];
  /** Runs where a benchmark takes a median (`--runs`); undefined = each one's default (exchange and heap checkpoints 3, state and LevelDB checkpoints 1). */
  runs: number | undefined;
  nats: string;
  save: boolean;
  help: boolean;
}

export const MICRO_USAGE = `usage: npm run bench -- nexmark-micro [options]
  --only NAME[,NAME...]     micro-benchmarks to run (default all): ${MICRO_NAMES.join(', ')}
  --records N               messages (mailbox) and records (exchange, worker, nats) per run (default 4,000,000)
  --state-keys N            keys of the state backend benchmark (default 1,000,000)
  --checkpoint-keys K[,K...]  state sizes of the checkpoint benchmark (default 10000,100000,1000000)
  --recovery-keys N         keys of the recovery benchmark (default 100,000)
  --backend B[,B...]        checkpoint and recovery backends: ${BACKEND_KINDS.join(', ')} (default heap,leveldb)
  --runs R                  runs where a median is taken (default: exchange and heap checkpoints 3, state backends and LevelDB checkpoints 1)
  --nats HOST:PORT          NATS server of the nats exchange (default 127.0.0.1:4222; skipped when none answers)
  --no-save                 do not write bench/results/ files`;

/** A micro-benchmark argument was invalid. */
export class MicroUsageError extends Error {
  override readonly name = 'MicroUsageError';
}

function int(text: string, what: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new MicroUsageError(`--${what} must be a positive integer, got '${text}'`);
  return n;
}

function items(texts: readonly string[]): string[] {
  return texts.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
}

/** @throws MicroUsageError on unknown options or values. */
export function parseMicroOptions(argv: readonly string[]): MicroOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string', multiple: true },
        records: { type: 'string' },
        'state-keys': { type: 'string' },
        'checkpoint-keys': { type: 'string', multiple: true },
        'recovery-keys': { type: 'string' },
        backend: { type: 'string', multiple: true },
        runs: { type: 'string' },
        nats: { type: 'string' },
        'no-save': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new MicroUsageError((err as Error).message, { cause: err });
  }
  const only = values.only === undefined ? [...MICRO_NAMES] : items(values.only);
  for (const n of only) if (!MICRO_NAMES.includes(n as MicroName)) throw new MicroUsageError(`unknown micro-benchmark '${n}'; known: ${MICRO_NAMES.join(', ')}`);
  const backends = values.backend === undefined ? (['heap', 'leveldb'] as BackendKind[]) : items(values.backend);
  for (const b of backends) if (!BACKEND_KINDS.includes(b as BackendKind)) throw new MicroUsageError(`--backend must be among ${BACKEND_KINDS.join(', ')}, got '${b}'`);
  return {
    only: only as MicroName[],
    records: values.records === undefined ? 4_000_000 : int(values.records, 'records'),
    stateKeys: values['state-keys'] === undefined ? 1_000_000 : int(values['state-keys'], 'state-keys'),
    checkpointKeys: values['checkpoint-keys'] === undefined ? [10_000, 100_000, 1_000_000] : items(values['checkpoint-keys']).map((k) => int(k, 'checkpoint-keys')),
    recoveryKeys: values['recovery-keys'] === undefined ? 100_000 : int(values['recovery-keys'], 'recovery-keys'),
    backends: backends as BackendKind[],
    runs: values.runs === undefined ? undefined : int(values.runs, 'runs'),
    nats: values.nats ?? '127.0.0.1:4222',
    save: values['no-save'] !== true,
    help: values.help === true,
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function show(f: MicroFigure): void {
  const v = Number.isNaN(f.value) ? 'skipped' : `${f.unit === 'ms' ? f.value.toFixed(1) : formatCount(f.value)} ${f.unit}`;
  log(`${f.name}: ${v}${f.coresUsed === undefined ? '' : `, cores ${f.coresUsed.toFixed(2)}`}${f.note === undefined ? '' : ` (${f.note})`}`);
}

/** Runs the selected micro-benchmarks; returns their JSON entry. */
export async function runMicro(o: MicroOptions): Promise<NexmarkMicroReport> {
  const figures: MicroFigure[] = [];
  const add = (f: MicroFigure): void => {
    figures.push(f);
    show(f);
  };
  for (const name of o.only) {
    switch (name) {
      case 'mailbox':
        await mailboxThroughput(Math.min(o.records, 200_000), 1024); // warm-up
        add(await mailboxThroughput(o.records, 1024));
        add(await mailboxThroughput(o.records, 16));
        break;
      case 'exchange':
        add(await exchangeThroughput(o.records, o.runs ?? 3));
        break;
      case 'worker':
        add(await workerExchange(o.records));
        break;
      case 'nats':
        add(await natsExchange(o.records, 16, o.nats));
        break;
      case 'state':
        for (const f of await stateBackendFigures(o.stateKeys, o.runs ?? 1, ['heap', 'leveldb'])) add(f);
        break;
      case 'checkpoint':
        for (const b of o.backends) for (const f of await checkpointVsStateSize(o.checkpointKeys, [b], o.runs ?? (b === 'heap' ? 3 : 1))) add(f);
        break;
      case 'recovery': {
        const r = await runRecoveryTime('recovery-time', 'recovery time', {
          keys: o.recoveryKeys,
          checkpointIntervalMs: 1000,
          backends: o.backends,
          keyedParallelism: 1,
          records: undefined,
          warmupRecords: undefined,
          runs: 1,
        });
        for (const row of r.rows) {
          const m = row.median;
          add({
            name: `recovery-${row.backend}`,
            what: `failure in the keyed function after a checkpoint of ${o.recoveryKeys.toLocaleString('en-US')} keys (${row.backend}) → first output of the restarted job (restart delay 0, checkpoints every 1 s)`,
            unit: 'ms',
            value: m.firstOutputMs,
            details: { restartDecidedMs: m.restartDecidedMs, stateRestoredMs: m.stateRestoredMs, restoredBytes: m.restoredBytes, replayedRecords: m.replayedRecords },
            note: `restart decided +${m.restartDecidedMs.toFixed(1)} ms, state restored +${m.stateRestoredMs.toFixed(1)} ms, ${Math.round(m.replayedRecords).toLocaleString('en-US')} records replayed`,
          });
        }
        for (const f of r.failures) throw new Error(`recovery ${f.backend}: ${f.message}`);
        break;
      }
    }
  }
  return { kind: 'nexmark-micro', name: 'nexmark-micro', title: 'Nexmark micro-benchmarks', measuredAt: new Date().toISOString(), figures };
}

/** `npm run bench -- nexmark-micro …`: returns the exit status. */
export async function runMicroCommand(argv: readonly string[]): Promise<number> {
  let o: MicroOptions;
  try {
    o = parseMicroOptions(argv);
  } catch (err) {
    if (!(err instanceof MicroUsageError)) throw err;
    log(`${err.message}\n${MICRO_USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(MICRO_USAGE);
    return 0;
  }
  const machine = machineInfo();
  log(`${machine.cores} cores, load average ${machine.loadAverage1m.toFixed(2)}; micro-benchmarks ${o.only.join(', ')}`);
  const report = await runMicro(o);
  const md = nexmarkMarkdown(machine, localDate(), undefined, undefined, [], report);
  console.log(md);
  if (o.save) {
    const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
    const json = await writeResults(dir, machine, [report]);
    const mdFile = path.join(dir, `nexmark-micro-${localDate()}-${machine.hostname.replace(/[^A-Za-z0-9._-]/g, '_')}.md`);
    await writeFile(mdFile, md);
    console.log(`results: ${path.relative(process.cwd(), json) || json}, ${path.relative(process.cwd(), mdFile) || mdFile}`);
  }
  return 0;
}

