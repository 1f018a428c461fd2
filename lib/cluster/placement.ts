/**
 * Placement of subtasks on task slots, as Flink's default slot sharing: subtask i of every vertex
 * of a region goes to slot i mod (number of slots), so one slot holds one parallel pipeline (its
 * forward edges stay inside the slot's actor system) and a job needs as many slots as its largest
 * parallelism. When there are fewer slots, several subtasks of one vertex share a slot (Flink would
 * wait for more slots; Weir runs, and `weir topology` shows the sharing).
 */
import type { JobVertex } from '../graph/job-graph.js';

/**
 * @param vertices the vertices to place (one failover region, or the whole job).
 * @param slots live slot addresses in preference order (interleaved across task managers, see
 *   {@link spreadSlots}); must not be empty.
 * @returns slot address per `<vertexId>.<subtaskIndex>`.
 */
export function placeSubtasks(vertices: readonly JobVertex[], slots: readonly string[]): Map<string, string> {
  const placed = new Map<string, string>();
  if (slots.length === 0) return placed;
  for (const v of vertices) for (let i = 0; i < v.parallelism; i++) placed.set(`${v.id}.${i}`, slots[i % slots.length]!);
  return placed;
}

/**
 * Orders the slots of several task managers so that consecutive slots sit on different task
 * managers (Flink's `cluster.evenly-spread-out-slots`): [tm1.s0, tm2.s0, tm3.s0, tm1.s1, …].
 * @param byTaskManager slot addresses per task manager, in registration order.
 */
export function spreadSlots(byTaskManager: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  const longest = Math.max(0, ...byTaskManager.map((s) => s.length));
  for (let k = 0; k < longest; k++) for (const slots of byTaskManager) if (k < slots.length) out.push(slots[k]!);
  return out;
}
