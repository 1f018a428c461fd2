/**
 * A keyed running sum whose state is a long string (`padChars` filler + the sum), so key-group
 * parts grow past the 20 KiB inline threshold and checkpoints write them to storage as parts.
 * Emits `[key, running sum]` per element; state `padded-sum` (ValueState<string>).
 */
import { KeyedProcessFunction, ValueStateDescriptor, type Collector, type KeyedProcessContext, type ValueState } from 'weir';

export class PaddedSum extends KeyedProcessFunction<number, number, [number, number]> {
  private sum!: ValueState<string>;
  private readonly pad: string;

  /** @param padChars filler characters in front of every key's sum (2 000–3 000 in the tests). */
  constructor(padChars: number) {
    super();
    this.pad = 'x'.repeat(padChars);
  }

  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<string>('padded-sum'));
  }

  processElement(x: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const s = Number((this.sum.value() ?? `${this.pad}0`).slice(this.pad.length)) + x;
    this.sum.update(`${this.pad}${s}`);
    out.collect([ctx.getCurrentKey(), s]);
  }
}
