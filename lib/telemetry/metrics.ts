/**
 * Runtime figures. Hot paths only increment plain number fields on {@link OperatorIOMetrics}
 * objects (no call per record); OpenTelemetry observable instruments read those fields when an
 * exporter collects, so the CLI, tests and any OTel exporter see the same numbers. Without an
 * OTel SDK installed, `@opentelemetry/api` is a no-op and costs nothing.
 *
 * Instruments (meter `weir`): `weir.operator.records_in`, `weir.operator.records_out`
 * (observable counters, unit `{record}`, attributes `job`, `operator`, `operator_uid`, `subtask`).
 */
import { metrics, type Attributes, type ObservableResult } from '@opentelemetry/api';

/** Records in/out of one operator in one subtask. */
export class OperatorIOMetrics {
  recordsIn = 0;
  recordsOut = 0;
  constructor(
    readonly job: string,
    readonly nodeId: number,
    readonly operatorName: string,
    readonly uid: string,
    readonly subtaskIndex: number,
  ) {}
}

/** All live operator metrics of this process, by job. */
export class MetricsRegistry {
  private readonly byJob = new Map<string, Set<OperatorIOMetrics>>();

  constructor() {
    const meter = metrics.getMeter('weir');
    const inCounter = meter.createObservableCounter('weir.operator.records_in', { description: 'Records received by an operator subtask', unit: '{record}' });
    const outCounter = meter.createObservableCounter('weir.operator.records_out', { description: 'Records emitted by an operator subtask', unit: '{record}' });
    inCounter.addCallback((r: ObservableResult) => this.observe(r, 'in'));
    outCounter.addCallback((r: ObservableResult) => this.observe(r, 'out'));
  }

  register(m: OperatorIOMetrics): void {
    let s = this.byJob.get(m.job);
    if (s === undefined) this.byJob.set(m.job, (s = new Set()));
    s.add(m);
  }

  /** Forgets a job's metrics (after it ended and its result was read). */
  unregisterJob(job: string): void {
    this.byJob.delete(job);
  }

  /** The metrics of one job. */
  ofJob(job: string): OperatorIOMetrics[] {
    return [...(this.byJob.get(job) ?? [])];
  }

  private observe(r: ObservableResult, which: 'in' | 'out'): void {
    for (const set of this.byJob.values()) {
      for (const m of set) {
        const attrs: Attributes = { job: m.job, operator: m.operatorName, operator_uid: m.uid, subtask: m.subtaskIndex };
        r.observe(which === 'in' ? m.recordsIn : m.recordsOut, attrs);
      }
    }
  }
}

/** The process-wide registry. */
export const metricsRegistry = new MetricsRegistry();
