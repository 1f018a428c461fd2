/**
 * Failover regions (Flink's RestartPipelinedRegionFailoverStrategy): the sets of job vertices
 * connected by data exchanges. A streaming job's exchanges are all pipelined, so a region is a
 * connected component of the job graph; a failure restarts only its region, from the last
 * completed checkpoint, while disconnected pipelines of the same job keep running.
 *
 * @see org.apache.flink.runtime.executiongraph.failover.RestartPipelinedRegionFailoverStrategy
 */
import type { JobGraph } from '../graph/job-graph.js';

/** One failover region: its index and vertex ids (ascending). */
export interface FailoverRegion {
  readonly index: number;
  readonly vertexIds: readonly number[];
}

/** The regions of `graph`, ordered by their smallest vertex id. */
export function computeFailoverRegions(graph: JobGraph): FailoverRegion[] {
  const parent = new Map<number, number>();
  const find = (v: number): number => {
    let r = v;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(v, r);
    return r;
  };
  for (const v of graph.vertices) parent.set(v.id, v.id);
  for (const v of graph.vertices) {
    for (const e of v.inputs) {
      const from = e.from.vertex?.id;
      if (from === undefined) continue;
      const a = find(from);
      const b = find(v.id);
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const groups = new Map<number, number[]>();
  for (const v of graph.vertices) {
    const r = find(v.id);
    const l = groups.get(r) ?? [];
    l.push(v.id);
    groups.set(r, l);
  }
  return [...groups.values()].map((ids) => ids.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!).map((vertexIds, index) => ({ index, vertexIds }));
}
