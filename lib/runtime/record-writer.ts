/**
 * Writes the records of one network edge of one subtask (Flink's RecordWriter): a channel selector
 * picks the target subtask, records accumulate in a per-channel batch, and a batch is sent as one
 * {@link RecordBatch} message when it reaches `batchSize` records or when the subtask flushes at
 * the end of each mailbox turn (so latency is one turn, not a buffer timeout). Watermarks travel
 * in band inside the batches (a watermark per record does not cost a message per record and
 * channel). Batches are handed over by reference (zero copy in-process) and never reused by the sender.
 *
 * Back-pressure: when a send finds the target's mailbox full, the writer tells its owner, which
 * suspends its own data lane until the target drains (see SubtaskActor).
 */
import type { ActorRef } from '../actor/actor-ref.js';
import type { ActorSystem } from '../actor/actor-system.js';
import type { ChannelSelector } from '../graph/partitioners.js';
import type { RecordBatch, Watermark } from './messages.js';

/** Called when a send found the target's mailbox full. */
export type BackPressureListener = (target: ActorRef) => void;

export class RecordWriter {
  private values: unknown[][];
  private timestamps: number[][];
  /** Per channel, watermarks written since its last send: pairs [records before it, watermark]. */
  private marks: number[][];
  private readonly n: number;
  private readonly single: boolean;

  /**
   * @param targets the connected downstream subtasks, in channel order.
   * @param targetChannels the input channel index this subtask has at each target.
   * @param batchSize records per batch before an early send (default 1024).
   */
  constructor(
    private readonly system: ActorSystem,
    private readonly self: ActorRef,
    private readonly targets: ActorRef[],
    private readonly targetChannels: number[],
    private readonly selector: ChannelSelector,
    private readonly onBackPressure: BackPressureListener,
    private readonly batchSize = 1024,
  ) {
    this.n = targets.length;
    this.single = this.n === 1 && !selector.broadcast;
    this.values = targets.map(() => []);
    this.timestamps = targets.map(() => []);
    this.marks = targets.map(() => []);
  }

  /** Adds one record (the chain's output calls this like an operator input). */
  processElement(value: unknown, timestamp: number): undefined {
    if (this.single) {
      const v = this.values[0]!;
      v.push(value);
      this.timestamps[0]!.push(timestamp);
      if (v.length >= this.batchSize) this.flushChannel(0);
      return undefined;
    }
    if (this.selector.broadcast) {
      for (let ch = 0; ch < this.n; ch++) {
        const v = this.values[ch]!;
        v.push(value);
        this.timestamps[ch]!.push(timestamp);
        if (v.length >= this.batchSize) this.flushChannel(ch);
      }
      return undefined;
    }
    const ch = this.selector.select(value);
    const v = this.values[ch]!;
    v.push(value);
    this.timestamps[ch]!.push(timestamp);
    if (v.length >= this.batchSize) this.flushChannel(ch);
    return undefined;
  }

  /**
   * Writes the watermark to every channel behind the records already written (in band): it
   * travels inside the channel's next batch, or alone when no record follows before the flush. A
   * watermark with no record since the previous one replaces it (watermarks only grow: the later
   * one says all the earlier one did).
   */
  processWatermark(watermark: number): undefined {
    for (let ch = 0; ch < this.n; ch++) {
      const m = this.marks[ch]!;
      const at = this.values[ch]!.length;
      if (m.length > 0 && m[m.length - 2] === at) m[m.length - 1] = watermark;
      else m.push(at, watermark);
    }
    return undefined;
  }

  /** Sends every channel's written records and watermarks. */
  flush(): void {
    for (let ch = 0; ch < this.n; ch++) if (this.values[ch]!.length > 0 || this.marks[ch]!.length > 0) this.flushChannel(ch);
  }

  /** Flushes, then sends `event(channelAtTarget)` to every target, in order behind the records. */
  broadcastEvent(event: (channel: number) => unknown): void {
    this.flush();
    for (let ch = 0; ch < this.n; ch++) this.send(ch, event(this.targetChannels[ch]!));
  }

  private flushChannel(ch: number): void {
    const v = this.values[ch]!;
    const m = this.marks[ch]!;
    const at = this.targetChannels[ch]!;
    if (m.length > 0) this.marks[ch] = [];
    if (v.length === 0) {
      // Only a watermark (the latest: with no record between them, earlier ones were replaced).
      this.send(ch, { t: 'wm', ch: at, ts: m[m.length - 1]! } satisfies Watermark);
      return;
    }
    const batch: RecordBatch = m.length > 0 ? { t: 'rb', ch: at, v, ts: this.timestamps[ch]!, wm: m } : { t: 'rb', ch: at, v, ts: this.timestamps[ch]! };
    this.values[ch] = [];
    this.timestamps[ch] = [];
    this.send(ch, batch);
  }

  private send(ch: number, message: unknown): void {
    const target = this.targets[ch]!;
    if (!this.system.tell(target, message, this.self)) this.onBackPressure(target);
  }
}
