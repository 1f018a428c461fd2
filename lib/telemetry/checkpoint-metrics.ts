/**
 * Checkpoint figures of a job (Flink's CheckpointStatsTracker and its metrics
 * `numberOfCompletedCheckpoints`, `numberOfFailedCheckpoints`, `lastCheckpointDuration`,
 * `lastCheckpointSize`, `numRestarts`). The coordinator and job actor write plain fields; OpenTelemetry
 * observable gauges (meter `weir`: `weir.checkpoint.completed`, `weir.checkpoint.failed`,
 * `weir.checkpoint.last_duration` (ms), `weir.checkpoint.last_size` (bytes), `weir.job.restarts`,
 * attribute `job`) read them when an exporter collects.
 */
import { metrics, type ObservableResult } from '@opentelemetry/api';

/** One finished checkpoint attempt. */
export interface CheckpointRecord {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly status: 'completed' | 'failed';
  /** Trigger to completion (or failure), ms. */
  readonly durationMs: number;
  /** Bytes written (parts + metadata); 0 when failed. */
  readonly sizeBytes: number;
  /** Longest synchronous phase of a subtask, ms. */
  readonly maxSyncMs: number;
  /** Longest asynchronous phase of a subtask, ms. */
  readonly maxAsyncMs: number;
  /** Longest barrier alignment of a subtask, ms. */
  readonly maxAlignmentMs: number;
  /** Failure reason (failed only). */
  readonly failure?: string;
  /** Where the metadata is (file storage), when completed. */
  readonly path?: string;
}

/** Checkpoint figures of one job run. */
export class CheckpointStats {
  completed = 0;
  failed = 0;
  restarts = 0;
  lastDurationMs = 0;
  lastSizeBytes = 0;
  /** The most recent records, newest last (at most 100). */
  readonly history: CheckpointRecord[] = [];

  constructor(readonly job: string) {}

  record(r: CheckpointRecord): void {
    if (r.status === 'completed') {
      this.completed++;
      this.lastDurationMs = r.durationMs;
      this.lastSizeBytes = r.sizeBytes;
    } else this.failed++;
    this.history.push(r);
    if (this.history.length > 100) this.history.shift();
  }
}

const live = new Set<CheckpointStats>();
let instrumented = false;

/** Makes `stats` visible to OpenTelemetry until {@link unregisterCheckpointStats}. */
export function registerCheckpointStats(stats: CheckpointStats): void {
  live.add(stats);
  if (instrumented) return;
  instrumented = true;
  const meter = metrics.getMeter('weir');
  const gauge = (name: string, description: string, unit: string, read: (s: CheckpointStats) => number): void => {
    meter.createObservableGauge(name, { description, unit }).addCallback((r: ObservableResult) => {
      for (const s of live) r.observe(read(s), { job: s.job });
    });
  };
  gauge('weir.checkpoint.completed', 'Completed checkpoints (numberOfCompletedCheckpoints)', '{checkpoint}', (s) => s.completed);
  gauge('weir.checkpoint.failed', 'Failed checkpoints (numberOfFailedCheckpoints)', '{checkpoint}', (s) => s.failed);
  gauge('weir.checkpoint.last_duration', 'Duration of the last completed checkpoint', 'ms', (s) => s.lastDurationMs);
  gauge('weir.checkpoint.last_size', 'Size of the last completed checkpoint', 'By', (s) => s.lastSizeBytes);
  gauge('weir.job.restarts', 'Restarts of the job (numRestarts)', '{restart}', (s) => s.restarts);
}

export function unregisterCheckpointStats(stats: CheckpointStats): void {
  live.delete(stats);
}
