/**
 * Fraud detection, as in Flink's DataStream API walkthrough ("Fraud Detection with the DataStream
 * API", final version): card transactions keyed by account; a small transaction (< $1.00) followed
 * by a large one (> $500.00) on the same account within one minute raises an alert, since fraudsters
 * test a stolen card with a tiny purchase before a big one.
 *
 * {@link FraudDetector} is the walkthrough's `FraudDetector`, state for state: a `ValueState<boolean>`
 * flag set by a small transaction, a `ValueState<number>` holding the timestamp of the timer that
 * clears the flag one minute later, `cleanUp` deleting that timer when the next transaction
 * arrives (whatever its amount: only the transaction right after the small one counts), and
 * `onTimer` clearing both states.
 *
 * Time: **event time, not processing time.** The walkthrough registers a processing-time timer at
 * `currentProcessingTime() + 1 min`, reading from a source that sleeps 100 ms between transactions.
 * Here transactions are generated (see transactions.ts) and read as fast as the job goes: a
 * processing-time minute would never pass within a run, every flag would stay set until the next
 * transaction, and the alerts would depend on machine speed. The alternative, pacing the generator
 * to real time, makes the job slow and its output still timing-dependent (a GC pause or a restart
 * would move timers relative to records). With event time the rule is about the transactions'
 * own clock and the output is a function of the input alone: identical at every parallelism, and
 * after any restore. So the small transaction registers an event-time timer at its timestamp +
 * 60 s, and that timer fires when the watermark reaches it. The source (one subtask, the ids in
 * order) assigns each transaction its timestamp and emits the monotonous watermark
 * (`timestamp − 1 ms`) after every transaction (shared/event-time.ts), so a transaction meets the
 * watermark `timestamp of the previous transaction − 1 ms`: the flag of a small transaction at `t`
 * is still set for the account's next transaction exactly when the transaction just before that
 * one (any account's) has a timestamp ≤ `t + 60 s`.
 *
 * Flink concepts: `KeyedProcessFunction` with two `ValueState`s, `registerEventTimeTimer` /
 * `deleteEventTimeTimer` and `onTimer`; a replayable generated source (`SequenceSource` + a pure
 * generator) with `WatermarkStrategy.forMonotonousTimestamps`; the exactly-once `FileSink` (alerts
 * are committed at checkpoints, so a restarted job writes each alert once) and `print()` (which
 * prints again what a restarted job replays: at-least-once).
 *
 * Run: `npx weir run examples/fraud/fraud-detector.ts [-p N] [--checkpoint-interval MS] [-- options]`
 * - `--transactions <n>`: how many transactions to generate (default 100,000, ≈ 5.8 days)
 * - `--accounts <n>`: number of accounts (default 10)
 * - `--seed <n>`: generator seed (default 42)
 * - `--output <file.csv>`: the alerts (default `out/fraud-alerts.csv`): account_id,
 *   transaction_id, timestamp (ISO 8601 UTC), amount (USD), in the order the sink received them
 * - `--fail-at <id,…>`: throw an exception in the detector at these transaction ids, once each
 *   per process, to watch the job restart (with `--checkpoint-interval`, from its last checkpoint)
 * - `--restart-attempts <n>`: fixed-delay restarts allowed (default 3, 100 ms apart)
 * - `--quiet`: do not print the alerts
 */
import {
  FileSink,
  KeyedProcessFunction,
  PrintSink,
  RestartStrategies,
  SequenceSource,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type JobContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type Sink,
  type StreamExecutionEnvironment,
  type ValueState,
} from 'weir';
import { emitWatermarkPerEvent, MINUTE_MS } from '../shared/event-time.js';
import { FailureInjector, failAtOption } from '../shared/failure-injection.js';
import { outputPath, parseJobArgs, positiveIntOption } from '../shared/job-args.js';
import { centsToDollars } from '../shared/table-output.js';
import { generateTransaction, transactionTime, type Transaction } from './transactions.js';

/** Below this amount (cents) a transaction is small: $1.00, the walkthrough's `SMALL_AMOUNT`. */
export const SMALL_AMOUNT_CENTS = 100;
/** Above this amount (cents) a transaction is large: $500.00, the walkthrough's `LARGE_AMOUNT`. */
export const LARGE_AMOUNT_CENTS = 50_000;
/** How long a small transaction keeps the account flagged: one minute of event time. */
export const ONE_MINUTE_MS = MINUTE_MS;

/** An alert: the walkthrough's `Alert` (the account id), plus the large transaction that raised it. */
export interface Alert {
  readonly accountId: number;
  readonly transactionId: number;
  /** Event time of the large transaction, epoch ms. */
  readonly timestamp: number;
  readonly amountCents: number;
}

/** Columns of the alerts CSV, in order. */
export const ALERT_COLUMNS = ['account_id', 'transaction_id', 'timestamp', 'amount'] as const;

/** One alert as a CSV row keyed by {@link ALERT_COLUMNS}. */
export function alertRow(a: Alert): Record<(typeof ALERT_COLUMNS)[number], string | number> {
  return { account_id: a.accountId, transaction_id: a.transactionId, timestamp: new Date(a.timestamp).toISOString(), amount: centsToDollars(a.amountCents) };
}

/** One alert as the line `print()` shows, in the walkthrough's `Alert{id=…}` form with details. */
export function alertText(a: Alert): string {
  return `Alert{id=${a.accountId}} transaction ${a.transactionId} of $${centsToDollars(a.amountCents)} at ${new Date(a.timestamp).toISOString()}`;
}

/**
 * The walkthrough's `FraudDetector` with event-time timers (see the module docstring): alerts on a
 * large transaction that directly follows a small one on the same account, unless the one-minute
 * timer of the small one fired in between.
 */
export class FraudDetector extends KeyedProcessFunction<number, Transaction, Alert> {
  private flagState!: ValueState<boolean>;
  private timerState!: ValueState<number>;

  /** @param failures throws at chosen transaction ids (fault injection); none by default. */
  constructor(private readonly failures: FailureInjector = new FailureInjector([])) {
    super();
  }

  /** Gets the two states, as the walkthrough's `open`. */
  override open(): void {
    this.flagState = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('flag'));
    this.timerState = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('timer-state'));
  }

  /** Alerts when the account is flagged and `tx` is large; flags the account when `tx` is small. */
  override processElement(tx: Transaction, ctx: KeyedProcessContext<number>, out: Collector<Alert>): void {
    this.failures.check(tx.id, 'fraud-detector');
    const lastTransactionWasSmall = this.flagState.value();
    if (lastTransactionWasSmall !== null) {
      if (tx.amountCents > LARGE_AMOUNT_CENTS) {
        out.collect({ accountId: tx.accountId, transactionId: tx.id, timestamp: tx.timestamp, amountCents: tx.amountCents });
      }
      this.cleanUp(ctx);
    }
    if (tx.amountCents < SMALL_AMOUNT_CENTS) {
      this.flagState.update(true);
      const timer = tx.timestamp + ONE_MINUTE_MS;
      ctx.timerService().registerEventTimeTimer(timer);
      this.timerState.update(timer);
    }
  }

  /** One minute after a small transaction with no transaction since: the flag goes. */
  override onTimer(_timestamp: number, _ctx: OnTimerContext<number>, _out: Collector<Alert>): void {
    this.timerState.clear();
    this.flagState.clear();
  }

  private cleanUp(ctx: KeyedProcessContext<number>): void {
    const timer = this.timerState.value();
    if (timer !== null) ctx.timerService().deleteEventTimeTimer(timer);
    this.timerState.clear();
    this.flagState.clear();
  }
}

/** A sink that drops its records (`--quiet`). */
const DISCARD: Sink<string> = { createWriter: () => ({ write: () => undefined, flush: () => undefined, close: () => undefined }) };

/** Builds the fraud-detection pipeline; see the module docstring for the options. */
export default function fraudDetection(env: StreamExecutionEnvironment, ctx: JobContext): void {
  const args = parseJobArgs('fraud-detector', ctx.args, {
    transactions: { type: 'string' },
    accounts: { type: 'string' },
    seed: { type: 'string' },
    output: { type: 'string' },
    'fail-at': { type: 'string' },
    'restart-attempts': { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const transactions = positiveIntOption('transactions', args.transactions, 100_000);
  const accounts = positiveIntOption('accounts', args.accounts, 10);
  const seed = positiveIntOption('seed', args.seed, 42);
  const output = outputPath(args.output, 'out/fraud-alerts.csv');
  const failures = new FailureInjector(failAtOption(args['fail-at']));
  const restartAttempts = args['restart-attempts'] === '0' ? 0 : positiveIntOption('restart-attempts', args['restart-attempts'], 3);
  const quiet = args.quiet === true;

  // Restarts resume from the last completed checkpoint when checkpointing is on (weir run
  // --checkpoint-interval), from the first transaction otherwise.
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(restartAttempts, 100));

  const watermarks = emitWatermarkPerEvent(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((id) => transactionTime(seed, id)));
  const alerts = env
    .fromSource(new SequenceSource(1, transactions), watermarks, 'transactions')
    .setParallelism(1)
    .map((id) => generateTransaction(seed, accounts, id))
    .name('generate transactions')
    .setParallelism(1)
    .keyBy((tx) => tx.accountId)
    .process(new FraudDetector(failures))
    .name('fraud-detector');

  alerts.sinkTo(FileSink.csv<Alert>(output, { columns: alertRow }), 'alerts file');
  // A sink either way, so --quiet does not change the operators a checkpoint holds.
  alerts
    .map(alertText)
    .name('alert text')
    .sinkTo(quiet ? DISCARD : new PrintSink<string>(), 'alerts');
}
