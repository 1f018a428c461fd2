import type { JetStreamManager, NatsConnection } from 'nats';
import type { OutputTag } from '../../lib/api/output-tag.js';
import { ConfigurationError } from '../../lib/errors.js';
import type { InputStatus, ReaderOutput, SourceReader, SourceReaderContext } from '../source.js';
import { JetStreamSplitReader, type BufferedMessage, type JetStreamReadSettings } from './jetstream-split-reader.js';
import type { JetStreamSplit } from './jetstream-split.js';
import { closeQuietly, openNatsConnection, type NatsConnectionOptions } from './nats-connection-options.js';
import type { NatsDeadLetter } from './nats-dead-letter.js';
import { NatsConnectorError, NatsRecordError } from './nats-error.js';
import { payloadText, type NatsDeserializer } from './nats-serde.js';

/** At most this many records are emitted per `pollNext`. */
const RECORDS_PER_POLL = 1024;
/** `close()` waits at most this long for the ephemeral consumers' deletion, ms. */
const CLOSE_WAIT_MS = 1000;

/** What the reader needs from its source. */
export interface JetStreamReaderConfig<T> {
  readonly connection: NatsConnectionOptions;
  readonly deserializer: NatsDeserializer<T>;
  readonly deadLetter: OutputTag<NatsDeadLetter> | undefined;
  readonly settings: JetStreamReadSettings;
  /** JetStream API request timeout, ms. */
  readonly requestTimeoutMs: number;
  /**
   * The splits on a fresh start, resolved against the stream's state (its name, first and last
   * sequence), or the restored splits as they are.
   */
  readonly splits: (state: { lastSeq: number }) => JetStreamSplit[];
  /** The stream to check on a fresh start (restored splits name their own). */
  readonly stream: string;
}

/**
 * The reader of one `JetStreamSource` subtask: reads its splits (one stream or filter subject each)
 * through one NATS connection, opened in `start()` and closed in `close()`; see `JetStreamSource`.
 * Each split's messages are fetched in batches by a {@link JetStreamSplitReader}; `pollNext`
 * deserializes and emits up to 1024 buffered messages with their JetStream timestamp (epoch ms) as
 * the record timestamp, and returns `NOTHING_AVAILABLE` when nothing is buffered (never waits);
 * `isAvailable` resolves when a batch arrives.
 */
export class JetStreamSourceReader<T> implements SourceReader<T> {
  private nc: NatsConnection | undefined;
  private readers: JetStreamSplitReader[] = [];
  private failure: Error | undefined;
  private waiter: { promise: Promise<void>; resolve: () => void } | undefined;
  private closed = false;
  /** Index of the split the next poll starts with (round robin). */
  private turn = 0;

  constructor(
    private readonly config: JetStreamReaderConfig<T>,
    private readonly context: SourceReaderContext,
    private readonly restored: readonly JetStreamSplit[] | undefined,
  ) {}

  /**
   * Connects, resolves the splits (fresh start: `'new'` and `'latest'` against the stream's current
   * last sequence) and starts fetching.
   * @throws NatsConnectorError (`WEIR_ERR_NATS`) when NATS cannot be reached or JetStream refuses;
   *   ConfigurationError (`WEIR_ERR_CONFIG`) when the stream does not exist.
   */
  async start(): Promise<void> {
    const name = `weir ${this.context.operatorName} #${this.context.subtaskIndex}`;
    const nc = await openNatsConnection(this.config.connection, name);
    this.nc = nc;
    let jsm: JetStreamManager;
    try {
      jsm = await nc.jetstreamManager({ timeout: this.config.requestTimeoutMs });
    } catch (err) {
      throw new NatsConnectorError(`${name}: JetStream is not available: ${(err as Error).message}`, { cause: err });
    }
    const lastSeqs = new Map<string, number>();
    const lastSeqOf = async (stream: string): Promise<number> => {
      let last = lastSeqs.get(stream);
      if (last === undefined) {
        try {
          last = (await jsm.streams.info(stream)).state.last_seq;
        } catch (err) {
          if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === 10059) {
            throw new ConfigurationError(`JetStreamSource: stream '${stream}' does not exist`, { cause: err });
          }
          throw new NatsConnectorError(`JetStreamSource: cannot read the state of stream '${stream}': ${(err as Error).message}`, { cause: err });
        }
        lastSeqs.set(stream, last);
      }
      return last;
    };
    const splits = this.restored ?? this.config.splits({ lastSeq: await lastSeqOf(this.config.stream) });
    for (const split of splits) {
      const last = await lastSeqOf(split.stream);
      this.readers.push(new JetStreamSplitReader(split, last, nc, jsm, this.config.settings, (err) => this.onChange(err)));
    }
    if (this.closed) return;
    // nats.js reconnects by itself; pulls in flight during the outage are lost, so every split starts
    // a fresh consumer where its buffer ends.
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'reconnect') for (const r of this.readers) r.reset();
      }
    })().catch(() => undefined);
    for (const r of this.readers) r.open();
  }

  /**
   * Emits up to 1024 buffered messages, splits in turn.
   * @throws NatsRecordError (`WEIR_ERR_RECORD_PARSE`) for a message the deserializer rejects when
   *   there is no `deadLetter` tag (the position stays on it); the error of a failed fetch
   *   (`WEIR_ERR_NATS`, or `WEIR_ERR_CONFIG` when the stream was deleted).
   */
  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    const readers = this.readers;
    const n = readers.length;
    let budget = RECORDS_PER_POLL;
    for (let k = 0; k < n && budget > 0; k++) {
      const r = readers[(this.turn + k) % n] as JetStreamSplitReader;
      budget -= this.take(r, output, budget);
      r.pump();
    }
    this.turn = n === 0 ? 0 : (this.turn + 1) % n;
    let finished = 0;
    let buffered = 0;
    for (const r of readers) {
      if (r.finished) finished++;
      buffered += r.buffered;
    }
    if (finished === n) return 'END_OF_INPUT';
    return buffered > 0 ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
  }

  /** Resolves once a split buffered messages, ended, or failed. */
  isAvailable(): Promise<void> {
    if (this.failure !== undefined || this.closed || this.readers.every((r) => r.finished) || this.readers.some((r) => r.buffered > 0)) return Promise.resolve();
    if (this.waiter === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiter = { promise, resolve };
    }
    return this.waiter.promise;
  }

  /** The unfinished splits at their positions: one past the last message emitted. */
  snapshotState(): JetStreamSplit[] {
    return this.readers.filter((r) => !r.finished).map((r) => r.snapshot());
  }

  /** Stops fetching, deletes the ephemeral consumers (best effort) and closes the connection. Never throws. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.readers.map((r) => r.close(CLOSE_WAIT_MS)));
    await closeQuietly(this.nc);
    this.signal();
  }

  /** Emits up to `budget` messages of `r`; returns how many were taken. */
  private take(r: JetStreamSplitReader, output: ReaderOutput<T>, budget: number): number {
    const deserialize = this.config.deserializer;
    let taken = 0;
    for (let m = r.peek(); m !== undefined && taken < budget; m = r.peek()) {
      let value: T | undefined;
      try {
        value = deserialize(m.data, m);
      } catch (err) {
        this.rejected(r, m, err, output);
        r.advance();
        taken++;
        continue;
      }
      r.advance();
      taken++;
      if (value !== undefined) output.collect(value, m.timestampMs);
    }
    return taken;
  }

  private rejected(r: JetStreamSplitReader, m: BufferedMessage, err: unknown, output: ReaderOutput<T>): void {
    const reason = err instanceof Error ? err.message : String(err);
    const tag = this.config.deadLetter;
    if (tag === undefined) {
      throw new NatsRecordError({ stream: r.stream, subject: m.subject, seq: m.seq, reason, raw: payloadText(m.data) }, { cause: err });
    }
    const letter: NatsDeadLetter = { stream: r.stream, subject: m.subject, seq: m.seq, timestampMs: m.timestampMs, reason, raw: payloadText(m.data), data: m.data };
    output.collectSide(tag, letter, m.timestampMs);
  }

  private onChange(failure?: Error): void {
    if (failure !== undefined && this.failure === undefined && !this.closed) this.failure = failure;
    this.signal();
  }

  private signal(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }
}
