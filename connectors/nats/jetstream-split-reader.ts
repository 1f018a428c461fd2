/**
 * Reads one {@link JetStreamSplit} for a `JetStreamSourceReader`: an ephemeral pull consumer with
 * `AckNone` on the split's stream and filter, starting at the split's position, pulled in batches
 * into a bounded buffer by raw pull requests whose messages arrive at one inbox subscription
 * callback (no promise per message).
 *
 * The position lives here, not on the server (Flink's KafkaSource keeps offsets in checkpoints):
 * `fetchNext` is one past the last message buffered, `next` one past the last message emitted (the
 * checkpointed position). Whenever anything goes wrong with the consumer — a reconnect, a gap in
 * its delivery sequence, a pull with no answer, the consumer deleted — it is dropped and a new one
 * created at `fetchNext`, as nats.js's ordered consumer does; the old consumer's late messages are
 * told apart by the consumer name in their ack subject and ignored.
 *
 * Flow control: at most two pulls are outstanding (the second one hides the round trip between
 * batches), together for at most `maxBuffered − buffered` messages (each also limited to
 * `fetchMaxBytes` bytes), so the buffer never holds more than `maxBuffered` messages.
 */
import { AckPolicy, createInbox, DeliverPolicy, nanos, ReplayPolicy, type ConsumerConfig, type JetStreamManager, type Msg, type MsgHdrs, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { ConfigurationError } from '../../lib/errors.js';
import type { JetStreamSplit } from './jetstream-split.js';
import { NatsConnectorError } from './nats-error.js';

/** Reading settings shared by the split readers of one source. */
export interface JetStreamReadSettings {
  /** Messages per pull request. */
  readonly fetchBatch: number;
  /** Bytes per pull request (a message larger than this is fetched alone). */
  readonly fetchMaxBytes: number;
  /** At most this many messages are buffered per split. */
  readonly maxBuffered: number;
  /** How long a pull waits on the server for messages, ms. */
  readonly pullExpiresMs: number;
  /** A pull with no message and no status for `pullExpiresMs` + this long is presumed lost, ms. */
  readonly pullGraceMs: number;
  /** Ephemeral consumers the reader lost contact with are removed by the server after this long, ms. */
  readonly inactiveThresholdMs: number;
}

/** A buffered message. */
export interface BufferedMessage {
  readonly data: Uint8Array;
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;
  /** Stream sequence. */
  readonly seq: number;
  /** When the server stored it, epoch ms. */
  readonly timestampMs: number;
}

/** Delay before retrying a failed consumer creation, ms (doubling up to {@link MAX_RETRY_DELAY_MS}). */
const RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 4000;
/** Pull requests outstanding at most per split. */
const MAX_PULLS = 2;

export class JetStreamSplitReader {
  /** One past the last message emitted: the checkpointed position (`null`: time start, nothing emitted). */
  next: number | null;
  /** One past the last message buffered: where a new consumer starts. */
  private fetchNext: number | null;
  readonly stream: string;
  readonly filter: string | null;
  readonly end: number | null;
  private readonly startTimeMs: number | null;
  /** The stream's last sequence as last seen (bounded splits decide their end with it). */
  private knownLastSeq: number;

  private buffer: BufferedMessage[] = [];
  private head = 0;
  /** No more messages will be buffered (bounded: the end was reached). */
  private fetchDone = false;
  private closed = false;

  private readonly inbox = createInbox();
  private sub: Subscription | undefined;
  private consumer: string | undefined;
  private creating = false;
  private retryDelay = RETRY_DELAY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Delivery sequence the consumer's next message must carry. */
  private expectedDseq = 1;
  private requestSeq = 0;
  /** Outstanding pulls, oldest first (the server fills them in this order): id and messages still due. */
  private pulls: { id: number; remaining: number }[] = [];
  /** Sum of `remaining` over `pulls`. */
  private requested = 0;
  /** Messages and statuses received (the watchdog's sign of life). */
  private progress = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** Pull the next message alone without a byte limit (after a 409 "Message Size Exceeds MaxBytes"). */
  private oversized = false;
  private refreshing = false;

  /**
   * @param onChange called when messages became available, the split ended, or it failed (with the error).
   */
  constructor(
    split: JetStreamSplit,
    knownLastSeq: number,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly settings: JetStreamReadSettings,
    private readonly onChange: (failure?: Error) => void,
  ) {
    this.stream = split.stream;
    this.filter = split.filter;
    this.end = split.end;
    this.next = split.next;
    this.fetchNext = split.next;
    this.startTimeMs = split.startTimeMs;
    this.knownLastSeq = knownLastSeq;
    if (this.end !== null && this.next !== null && this.next > this.end) this.fetchDone = true;
  }

  /** Subscribes the inbox and starts fetching. */
  open(): void {
    this.sub = this.nc.subscribe(`${this.inbox}.*`, { callback: (err, m) => this.onMessage(err, m) });
    this.pump();
  }

  /** Messages buffered and not yet taken. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  /** True once every message up to the end was taken (bounded splits only). */
  get finished(): boolean {
    return this.fetchDone && this.buffered === 0;
  }

  /** The next buffered message, or undefined; the caller emits it, then calls {@link advance}. */
  peek(): BufferedMessage | undefined {
    return this.buffer[this.head];
  }

  /** Marks the peeked message as emitted: the position moves past it. */
  advance(): void {
    const m = this.buffer[this.head++] as BufferedMessage;
    this.next = m.seq + 1;
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    }
  }

  /** The split at its current position (for `snapshotState`). */
  snapshot(): JetStreamSplit {
    return {
      kind: 'jetstream',
      stream: this.stream,
      filter: this.filter,
      next: this.next,
      startTimeMs: this.next === null ? this.startTimeMs : null,
      end: this.end,
    };
  }

  /** Issues pulls while fewer than two are outstanding and the buffer has room (called after taking). */
  pump(): void {
    if (this.closed || this.fetchDone || this.creating || this.retryTimer !== undefined) return;
    if (this.consumer === undefined) {
      void this.createConsumer();
      return;
    }
    const half = Math.max(1, Math.min(this.settings.fetchBatch, this.settings.maxBuffered) >> 1);
    while (this.pulls.length < MAX_PULLS) {
      const room = this.settings.maxBuffered - this.buffered - this.requested;
      if (room < half) return; // wait until half a batch fits
      const batch = this.oversized ? 1 : Math.min(this.settings.fetchBatch, room);
      const request: Record<string, number> = { batch, expires: this.settings.pullExpiresMs * 1_000_000 };
      if (!this.oversized) request['max_bytes'] = this.settings.fetchMaxBytes;
      this.oversized = false;
      const id = ++this.requestSeq;
      try {
        this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`, JSON.stringify(request), { reply: `${this.inbox}.${id}` });
      } catch (err) {
        // Closed connection: the reader is closing or failing; a reconnecting one buffers the publish.
        if (!this.nc.isClosed()) this.fail(new NatsConnectorError(`JetStream stream '${this.stream}': cannot request messages: ${(err as Error).message}`, { cause: err }));
        return;
      }
      this.pulls.push({ id, remaining: batch });
      this.requested += batch;
      this.armWatchdog();
    }
  }

  /** Drops the consumer and starts over at `fetchNext` (after a reconnect, gap or lost pull). */
  reset(): void {
    if (this.closed) return;
    this.dropConsumer();
    this.pump();
  }

  /** Stops fetching; deletes the consumer (best effort, at most `waitMs`). Never throws. */
  async close(waitMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const deleting = this.dropConsumer();
    this.sub?.unsubscribe();
    this.buffer = [];
    this.head = 0;
    if (deleting !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([deleting, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
  }

  private dropConsumer(): Promise<void> | undefined {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.pulls = [];
    this.requested = 0;
    const name = this.consumer;
    this.consumer = undefined;
    if (name === undefined || this.nc.isClosed()) return undefined;
    // Best effort: the server removes it after `inactiveThresholdMs` anyway.
    return this.jsm.consumers.delete(this.stream, name).then(
      () => undefined,
      () => undefined,
    );
  }

  private async createConsumer(): Promise<void> {
    this.creating = true;
    const config: Partial<ConsumerConfig> = {
      ack_policy: AckPolicy.None,
      replay_policy: ReplayPolicy.Instant,
      inactive_threshold: nanos(this.settings.inactiveThresholdMs),
      mem_storage: true,
      num_replicas: 1,
    };
    if (this.fetchNext !== null) {
      config.deliver_policy = DeliverPolicy.StartSequence;
      config.opt_start_seq = Math.max(1, this.fetchNext);
    } else {
      config.deliver_policy = DeliverPolicy.StartTime;
      config.opt_start_time = new Date(this.startTimeMs ?? 0).toISOString();
    }
    if (this.filter !== null) config.filter_subject = this.filter;
    try {
      // Bounded: the stream's last sequence before the consumer exists, so that "nothing pending
      // and last ≥ end" proves that every message up to the end was delivered.
      if (this.end !== null && this.knownLastSeq < this.end) this.knownLastSeq = (await this.jsm.streams.info(this.stream)).state.last_seq;
      const info = await this.jsm.consumers.add(this.stream, config);
      this.creating = false;
      if (this.closed) {
        void this.jsm.consumers.delete(this.stream, info.name).catch(() => undefined);
        return;
      }
      this.consumer = info.name;
      this.expectedDseq = 1;
      this.retryDelay = RETRY_DELAY_MS;
      if (this.end !== null && info.num_pending === 0 && this.knownLastSeq >= this.end) {
        this.finishFetching();
        return;
      }
      this.pump();
    } catch (err) {
      this.creating = false;
      if (this.closed) return;
      if (isFatal(err) || this.nc.isClosed()) {
        const api = (err as NatsError).api_error;
        if (api?.err_code === 10059) {
          this.fail(new ConfigurationError(`JetStreamSource: stream '${this.stream}' does not exist`, { cause: err }));
        } else {
          this.fail(new NatsConnectorError(`JetStream stream '${this.stream}': cannot create a consumer${this.filter !== null ? ` for '${this.filter}'` : ''}: ${(err as Error).message}`, { cause: err }));
        }
        return;
      }
      // Timeouts, no responders (JetStream restarting), disconnects: try again.
      this.retryLater();
    }
  }

  private onMessage(err: NatsError | null, m: Msg): void {
    if (this.closed || err !== null) return;
    const reply = m.reply;
    if (reply !== undefined && reply.startsWith('$JS.ACK.')) this.onData(m, reply);
    else this.onStatus(m);
  }

  /** A stream message: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts ns>.<pending>` (v2 adds domain, account hash and a token). */
  private onData(m: Msg, reply: string): void {
    const t = reply.split('.');
    const o = t.length === 9 ? 0 : 2;
    const pull = this.pulls[0];
    if (t[3 + o] !== this.consumer || pull === undefined) return; // an old consumer's late message
    const dseq = Number(t[6 + o]);
    if (dseq !== this.expectedDseq) {
      this.reset(); // a message went missing: start over where the buffer ends
      return;
    }
    this.expectedDseq++;
    this.progress++;
    const seq = Number(t[5 + o]);
    const ts = t[7 + o] as string;
    const pending = Number(t[8 + o]);
    if (this.end !== null && seq > this.end) {
      this.finishFetching();
      return;
    }
    if (this.fetchNext !== null && seq < this.fetchNext) return; // (cannot happen: the consumer starts at fetchNext)
    const wasEmpty = this.buffered === 0;
    this.buffer.push({ data: m.data, subject: m.subject, headers: m.headers, seq, timestampMs: ts.length > 6 ? Number(ts.slice(0, -6)) : 0 });
    this.fetchNext = seq + 1;
    if (this.end !== null && (seq >= this.end || (pending === 0 && this.knownLastSeq >= this.end))) {
      this.finishFetching();
      return;
    }
    this.requested--;
    if (--pull.remaining === 0) {
      this.pulls.shift();
      this.pump();
    }
    if (wasEmpty) this.onChange();
  }

  /** A status for a pull request: 404 / 408 (nothing more now), 409 (see below), 100 (heartbeat). */
  private onStatus(m: Msg): void {
    const id = Number(m.subject.slice(this.inbox.length + 1));
    const at = this.pulls.findIndex((p) => p.id === id);
    if (at < 0) return; // a status of an abandoned pull
    this.progress++;
    const code = m.headers?.code ?? 0;
    if (code === 100) return;
    this.requested -= (this.pulls[at] as { remaining: number }).remaining;
    this.pulls.splice(at, 1);
    if (code === 404 || code === 408) {
      if (this.end === null) this.pump();
      else if (this.knownLastSeq >= this.end) this.finishFetching(); // nothing pending and every sequence up to the end exists
      else void this.refreshLastSeq();
      return;
    }
    const description = m.headers?.description ?? '';
    if (code === 409 && /max ?bytes/i.test(description)) {
      this.oversized = true;
      this.pump();
    } else if (code === 409 && /max ?waiting/i.test(description)) {
      this.retryLater();
    } else {
      // Consumer deleted, leadership change, no responders, …: a fresh consumer at fetchNext.
      this.dropConsumer();
      this.retryLater();
    }
  }

  /** Bounded split with an end past the stream's last sequence: learn the new last sequence, then pull again. */
  private async refreshLastSeq(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      this.knownLastSeq = (await this.jsm.streams.info(this.stream)).state.last_seq;
    } catch {
      // Transient (reconnecting): the next round asks again.
    } finally {
      this.refreshing = false;
    }
    // The consumer may have seen nothing pending before `knownLastSeq` was read: one more pull decides.
    this.pump();
  }

  private retryLater(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_DELAY_MS);
  }

  /**
   * While pulls are outstanding: when neither a message nor a status arrived for the pull expiry
   * plus grace, they were lost (e.g. a server restart without a reconnect event): start over.
   */
  private armWatchdog(): void {
    if (this.watchdog !== undefined) return;
    const seen = this.progress;
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      if (this.pulls.length === 0 || this.closed) return;
      if (this.progress !== seen) this.armWatchdog();
      else this.reset();
    }, this.settings.pullExpiresMs + this.settings.pullGraceMs);
    this.watchdog.unref();
  }

  private finishFetching(): void {
    this.fetchDone = true;
    void this.dropConsumer();
    this.onChange();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.fetchDone = true;
    this.onChange(err);
  }
}

/** API errors (other than "JetStream not available now") are not worth retrying. */
function isFatal(err: unknown): boolean {
  const e = err as Partial<NatsError>;
  if (e.api_error !== undefined) return e.api_error.code !== 503;
  return e.code === 'BAD API' || e.code === 'PERMISSIONS_VIOLATION' || e.code === 'AUTHORIZATION_VIOLATION';
}
