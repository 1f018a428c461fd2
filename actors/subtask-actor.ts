/**
 * SubtaskActor: one parallel subtask of one operator chain (Flink's StreamTask).
 *
 * Accepts (data lane, in order per channel): RecordBatch, EndOfPartition, Poll (sources, to self).
 * Accepts (system lane): OutputWritable (a downstream mailbox it waited on drained).
 * Sends: RecordBatch / EndOfPartition to downstream subtasks; SubtaskFinished (and, for the
 * collect sink, CollectBatch) to its job actor.
 * Owns: its operator instances and their keyed state, its source reader, its record writers.
 *
 * Lifecycle: preStart builds and opens the chain (tail to head) and, for a source, starts the
 * reader and polls itself; when every input channel has ended (or the reader reports
 * END_OF_INPUT) it ends input head to tail, flushes, sends EndOfPartition downstream, closes its
 * operators and reports SubtaskFinished. postStop closes whatever is still open (after a failure).
 *
 * Back-pressure: a send that finds a downstream mailbox full suspends this actor's data lane
 * (no new input, no new poll) until every such mailbox signals it drained.
 *
 * Two inputs (a two-input head, Flink's StreamTwoInputProcessor): each input channel belongs to
 * one logical input (`chain.channelInputs`); records go to that input's head entry; each logical
 * input has its own StatusWatermarkValve, and the two valve outputs are combined as Flink's
 * AbstractStreamOperator does (minimum over non-idle inputs, {@link CombinedWatermarkStatus}).
 * When every channel of one input has ended, the head gets `endInput(inputIndex)`.
 */
import { Actor } from '../lib/actor/actor.js';
import { UserFunctionError } from '../lib/errors.js';
import { MAX_WATERMARK } from '../lib/time/timestamps.js';
import type { SourceReader, InputStatus } from '../connectors/source.js';
import type { ActorRef } from '../lib/actor/actor-ref.js';
import type { EndOfPartition, OperatorFigures, OutputWritable, Poll, RecordBatch, SubtaskFinished, SubtaskMessage, TimersDue, WatermarkStatus, WatermarkTick } from '../lib/runtime/messages.js';
import { WatermarkEmitter } from '../lib/runtime/watermark-emitter.js';
import { StatusWatermarkValve } from '../lib/time/watermark-valve.js';
import { CombinedWatermarkStatus } from '../lib/time/combined-watermark.js';
import type { WatermarkGenerator } from '../lib/time/watermark-generators.js';
import type { TimerHandle } from '../lib/time/clock.js';
import { OperatorChain, type ChainEnvironment } from '../lib/runtime/operator-chain.js';
import { SourceOutput } from '../lib/runtime/source-output.js';
import type { Input } from '../lib/runtime/outputs.js';

/** Records a source emits per Poll message before yielding its turn. */
const POLL_BUDGET = 4096;
const POLL: Poll = { t: 'poll' };
const WRITABLE: OutputWritable = { t: 'writable' };
const TIMERS_DUE: TimersDue = { t: 'timers' };
const WATERMARK_TICK: WatermarkTick = { t: 'wm-tick' };

/** Everything a subtask needs, except what the chain environment holds. */
export type SubtaskDeployment = Omit<ChainEnvironment, 'self' | 'onBackPressure' | 'reportOutput' | 'system' | 'requestTimers'>;

export class SubtaskActor extends Actor<SubtaskMessage> {
  private chain!: OperatorChain;
  private headInput: Input | undefined;
  /** Per logical input (0-based), the head's input; one entry unless the head has two inputs. */
  private headInputs: Input[] = [];
  /** Per channel, its logical input and its index among that input's channels. */
  private channelInputs: number[] = [];
  private localChannels: number[] = [];
  /** Per logical input, channels not yet ended. */
  private openChannelsPerInput: number[] = [];
  private reader: SourceReader<unknown> | undefined;
  private sourceOutput: SourceOutput<unknown> | undefined;
  private endedChannels!: boolean[];
  private openChannels = 0;
  private blockedOn = 0;
  private finished = false;
  private closed = false;
  private readonly outputs: string[] = [];
  /** One valve per logical input. */
  private valves: StatusWatermarkValve[] = [];
  /** Two-input heads only: combines the valves' outputs (Flink's input1Watermark / input2Watermark). */
  private combined: CombinedWatermarkStatus | undefined;
  private valveOutput: ({ input: number; watermark: number } | { input: number; idle: boolean })[] = [];
  private emitter: WatermarkEmitter | undefined;
  private generator: WatermarkGenerator<unknown> | undefined;
  private tickTimer: TimerHandle | undefined;

  constructor(private readonly deployment: SubtaskDeployment) {
    super();
  }

  override async preStart(): Promise<void> {
    const { system, self } = this.context;
    this.chain = new OperatorChain({
      ...this.deployment,
      system,
      self,
      onBackPressure: (target) => this.onBackPressure(target),
      requestTimers: () => system.tellSystem(self, TIMERS_DUE, self),
      reportOutput: (location) => {
        if (!this.outputs.includes(location)) this.outputs.push(location);
      },
    });
    const chain = this.chain;
    this.headInput = chain.headInput;
    this.headInputs = chain.headInputs;
    this.channelInputs = chain.channelInputs;
    this.localChannels = chain.localChannels;
    this.openChannels = chain.inputChannelCount;
    this.openChannelsPerInput = chain.inputChannelCounts.slice();
    this.endedChannels = new Array<boolean>(this.openChannels).fill(false);
    this.valves = chain.inputChannelCounts.map(
      (count, input) =>
        new StatusWatermarkValve(Math.max(1, count), {
          emitWatermark: (wm) => this.valveOutput.push({ input, watermark: wm }),
          emitStatus: (idle) => this.valveOutput.push({ input, idle }),
        }),
    );
    if (chain.isTwoInput) this.combined = new CombinedWatermarkStatus(2);
    await this.chain.open();
    const head = this.chain.members[0]!;
    if (head.node.source !== undefined) {
      const name = head.node.name;
      const index = this.deployment.subtaskIndex;
      const strategy = head.node.watermarkStrategy;
      const generator = strategy?.createWatermarkGenerator({ clock: this.deployment.clock });
      this.emitter = new WatermarkEmitter(
        (wm) => this.sourceOutput!.emitWatermark(wm),
        (idle) => this.broadcastStatus(idle),
      );
      this.generator = generator;
      this.sourceOutput = new SourceOutput(head.output, strategy?.timestampAssigner, (record, err) => new UserFunctionError(name, index, record, err), generator, this.emitter);
      this.scheduleWatermarkTick();
      this.reader = head.node.source.createReader({
        subtaskIndex: this.deployment.subtaskIndex,
        parallelism: head.node.parallelism,
        operatorName: head.node.name,
      });
      await this.reader.start();
      system.tell(self, POLL, self);
    } else if (this.openChannels === 0) {
      await this.finish();
    }
  }

  receive(msg: SubtaskMessage): void | Promise<void> {
    switch (msg.t) {
      case 'rb':
        return this.onBatch(msg);
      case 'eop':
        return this.onEndOfPartition(msg);
      case 'poll':
        return this.onPoll();
      case 'writable':
        this.onWritable();
        return undefined;
      case 'timers':
        return this.afterAsync(this.finished ? undefined : this.chain.fireProcessingTimers());
      case 'wm':
        this.valves[this.channelInputs[msg.ch]!]!.inputWatermark(msg.ts, this.localChannels[msg.ch]!);
        return this.drainValve();
      case 'ws':
        this.valves[this.channelInputs[msg.ch]!]!.inputStatus(msg.idle, this.localChannels[msg.ch]!);
        return this.drainValve();
      case 'wm-tick':
        return this.onWatermarkTick();
    }
  }

  override async postStop(): Promise<void> {
    this.tickTimer?.cancel();
    await this.closeAll();
  }

  private onBatch(batch: RecordBatch): void | Promise<void> {
    const head = this.chain.members[0]!;
    head.metrics.recordsIn += batch.v.length;
    const input = this.combined === undefined ? this.headInput! : this.headInputs[this.channelInputs[batch.ch]!]!;
    return this.processFrom(input, batch, 0);
  }

  /** Runs records from index `start`; on an async record, continues after it settles. */
  private processFrom(input: Input, batch: RecordBatch, start: number): void | Promise<void> {
    const values = batch.v;
    const timestamps = batch.ts;
    const n = values.length;
    for (let i = start; i < n; i++) {
      const r = input.processElement(values[i], timestamps[i]!);
      if (r !== undefined) return r.then(() => this.processFrom(input, batch, i + 1));
    }
    this.chain.flush();
    return undefined;
  }

  /** Flushes output once `r` (a possibly async step) has completed. */
  private afterAsync(r: void | Promise<void>): void | Promise<void> {
    if (r !== undefined) return r.then(() => this.chain.flush());
    this.chain.flush();
    return undefined;
  }

  private onEndOfPartition(msg: EndOfPartition): void | Promise<void> {
    if (this.endedChannels[msg.ch] === true) return undefined;
    this.endedChannels[msg.ch] = true;
    const input = this.channelInputs[msg.ch]!;
    // An ended channel holds nothing back (its upstream sent the maximal watermark already).
    this.valves[input]!.endOfInput(this.localChannels[msg.ch]!);
    let r = this.drainValve();
    // Flink's BoundedMultiInput: a two-input head learns when each of its inputs has ended.
    if (--this.openChannelsPerInput[input]! === 0 && this.combined !== undefined) {
      const inputIndex = (input + 1) as 1 | 2;
      r = r !== undefined ? r.then(() => this.afterAsync(this.chain.endHeadInput(inputIndex))) : this.afterAsync(this.chain.endHeadInput(inputIndex));
    }
    if (--this.openChannels === 0) return r !== undefined ? r.then(() => this.finish()) : this.finish();
    return r;
  }

  /** Applies what the valves decided: new input watermarks to the chain, idleness downstream. */
  private drainValve(): void | Promise<void> {
    const actions = this.valveOutput;
    if (actions.length === 0) return undefined;
    this.valveOutput = [];
    let pending: Promise<void> | undefined;
    const head = this.headInput!;
    const combined = this.combined;
    for (const a of actions) {
      const step =
        combined !== undefined
          ? (): void | Promise<void> => this.combine(combined, head, a)
          : (): void | Promise<void> => ('watermark' in a ? head.processWatermark(a.watermark) : this.broadcastStatus(a.idle));
      if (pending !== undefined) pending = pending.then(step);
      else {
        const r = step();
        if (r !== undefined) pending = r;
      }
    }
    return this.afterAsync(pending);
  }

  /**
   * Two-input heads: folds one valve output into the combined watermark and status (Flink's
   * AbstractStreamOperator.processWatermark1/2 and processWatermarkStatus1/2). Going idle emits
   * the watermark, then the status; going active emits the status first, so downstream valves
   * never see a watermark on a channel they consider idle.
   */
  private combine(combined: CombinedWatermarkStatus, head: Input, a: { input: number; watermark: number } | { input: number; idle: boolean }): void | Promise<void> {
    if ('watermark' in a) return combined.updateWatermark(a.input, a.watermark) ? head.processWatermark(combined.combinedWatermark) : undefined;
    const wasIdle = combined.isIdle;
    const advanced = combined.updateStatus(a.input, a.idle);
    const nowIdle = combined.isIdle;
    if (wasIdle && !nowIdle) this.broadcastStatus(false);
    const r = advanced ? head.processWatermark(combined.combinedWatermark) : undefined;
    if (!wasIdle && nowIdle) {
      if (r !== undefined) return r.then(() => this.broadcastStatus(true));
      this.broadcastStatus(true);
    }
    return r;
  }

  /** Tells every downstream subtask that this subtask's output became idle or active. */
  private broadcastStatus(idle: boolean): void {
    for (const w of this.chain.writers) w.broadcastEvent((ch): WatermarkStatus => ({ t: 'ws', ch, idle }));
  }

  private scheduleWatermarkTick(): void {
    const interval = this.deployment.autoWatermarkIntervalMs;
    if (this.generator === undefined || interval <= 0 || this.finished) return;
    const { system, self } = this.context;
    this.tickTimer = this.deployment.clock.setTimeout(() => system.tellSystem(self, WATERMARK_TICK, self), interval);
  }

  /** Periodic watermark emission (Flink's autoWatermarkInterval). */
  private onWatermarkTick(): void | Promise<void> {
    if (this.finished || this.generator === undefined) return undefined;
    this.generator.onPeriodicEmit(this.emitter!);
    this.scheduleWatermarkTick();
    return this.afterAsync(this.sourceOutput!.takePending());
  }

  private onPoll(): void | Promise<void> {
    if (this.finished) return undefined;
    const reader = this.reader!;
    const out = this.sourceOutput!;
    const start = out.count;
    let status: InputStatus = 'MORE_AVAILABLE';
    while (out.count - start < POLL_BUDGET && this.blockedOn === 0) {
      status = reader.pollNext(out);
      if (out.pending !== undefined || status !== 'MORE_AVAILABLE') break;
    }
    // Records and watermarks share the source output's pending chain, so one await covers both.
    const pending = out.takePending();
    if (pending !== undefined) return pending.then(() => this.afterPoll(status));
    return this.afterPoll(status);
  }

  private afterPoll(status: InputStatus): void | Promise<void> {
    this.chain.flush();
    const { system, self } = this.context;
    if (status === 'END_OF_INPUT') return this.finish();
    if (status === 'MORE_AVAILABLE') system.tell(self, POLL, self);
    else {
      this.reader!.isAvailable().then(
        () => system.tell(self, POLL, self),
        () => system.tell(self, POLL, self),
      );
    }
    return undefined;
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // A bounded source ends with the maximal watermark, which fires every event-time timer and
    // window downstream before end of input (Flink's SourceOperator at END_OF_INPUT).
    this.tickTimer?.cancel();
    if (this.reader !== undefined) {
      this.emitter!.emitWatermark(MAX_WATERMARK);
      await this.sourceOutput!.takePending();
    }
    await this.chain.endInput();
    for (const w of this.chain.writers) w.broadcastEvent((ch): EndOfPartition => ({ t: 'eop', ch }));
    await this.closeAll(true);
    const figures: OperatorFigures[] = this.chain.members.map((m) => ({ nodeId: m.node.id, recordsIn: m.metrics.recordsIn, recordsOut: m.metrics.recordsOut }));
    const done: SubtaskFinished = { t: 'finished', vertexId: this.deployment.vertex.id, subtaskIndex: this.deployment.subtaskIndex, figures, outputs: this.outputs };
    this.context.tellSystem(this.deployment.jobActor, done);
  }

  /** Closes operators and the reader once; rethrows the first error only when asked. */
  private async closeAll(rethrow = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    try {
      await this.reader?.close();
    } catch (err) {
      first = err;
    }
    try {
      await this.chain?.close();
    } catch (err) {
      first ??= err;
    }
    if (first !== undefined && rethrow) throw first;
  }

  private onBackPressure(target: ActorRef): void {
    const { system, self } = this.context;
    if (this.blockedOn++ === 0) system.setDataSuspended(self, true);
    system.onWritable(target, () => system.tellSystem(self, WRITABLE, self));
  }

  private onWritable(): void {
    if (this.blockedOn > 0 && --this.blockedOn === 0) this.context.system.setDataSuspended(this.context.self, false);
  }
}
