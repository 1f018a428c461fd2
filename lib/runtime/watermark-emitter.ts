/**
 * The {@link WatermarkOutput} a watermark generator writes to (Flink's WatermarkToDataOutput):
 * forwards only watermarks that advance (generators repeat themselves and start at -Infinity),
 * turns an idle output active again before an advancing watermark, and reports idleness changes.
 * If forwarding returns a Promise (async operators downstream), later emits chain behind it and
 * the owner awaits {@link takePending}.
 */
import type { WatermarkOutput } from '../time/watermark-generators.js';
import { NO_TIMESTAMP } from '../time/timestamps.js';

export class WatermarkEmitter implements WatermarkOutput {
  /** The last watermark forwarded (epoch ms). */
  current = NO_TIMESTAMP;
  idle = false;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly forward: (watermark: number) => void | Promise<void>,
    private readonly status: (idle: boolean) => void,
  ) {}

  emitWatermark(watermark: number): void {
    if (!(watermark > this.current)) return;
    if (this.idle) this.markActive();
    this.current = watermark;
    if (this.pending !== undefined) {
      this.pending = this.pending.then(() => this.forward(watermark));
      return;
    }
    const r = this.forward(watermark);
    if (r !== undefined) this.pending = r;
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.status(true);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.status(false);
  }

  takePending(): Promise<void> | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }
}
