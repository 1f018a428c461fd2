/**
 * The Nexmark benchmark's null sink (nexmark's `blackhole` connector): it keeps no result, but
 * counts and checksums every one ({@link ResultChecksum}: order-independent, so any parallelism and
 * the plain-JS loop compare equal), which also keeps the query's work from being optimised away.
 * With a {@link LatencyProbe} each writer also records the latency of every result from its record
 * timestamp (latency runs). One sink object per run, shared by its writers (one thread).
 */
import type { Sink, SinkWriter, SinkWriterContext } from 'weir';
import { ResultChecksum } from './checksum.js';
import type { LatencyProbe } from './latency-probe.js';

export class NexmarkResultSink implements Sink<unknown> {
  readonly checksum = new ResultChecksum();

  constructor(readonly probe: LatencyProbe | undefined = undefined) {}

  createWriter(_context: SinkWriterContext): SinkWriter<unknown> {
    return this.probe === undefined ? new ChecksumWriter(this.checksum) : new LatencyWriter(this.checksum, this.probe);
  }
}

class ChecksumWriter implements SinkWriter<unknown> {
  constructor(private readonly checksum: ResultChecksum) {}

  write(value: unknown): void {
    this.checksum.add(value);
  }

  flush(): void {}

  close(): void {}
}

class LatencyWriter implements SinkWriter<unknown> {
  constructor(
    private readonly checksum: ResultChecksum,
    private readonly probe: LatencyProbe,
  ) {}

  write(value: unknown, timestamp: number): void {
    this.probe.record(timestamp);
    this.checksum.add(value);
  }

  flush(): void {}

  close(): void {}
}
