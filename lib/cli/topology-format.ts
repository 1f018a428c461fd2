/**
 * Text rendering of `weir topology` and `weir checkpoints`: hosts → task managers → slots →
 * subtask actors with their key-group ranges and live figures (mailbox depth, records in/out and
 * per second, back-pressure, watermark, last checkpoint, keyed state size).
 */
import type { CheckpointsView, Topology } from '../cluster/cluster-api.js';

/** Renders a topology as an indented tree. */
export function formatTopology(t: Topology): string {
  const lines: string[] = [];
  const j = t.job;
  lines.push(`job ${j.jobId} (${j.jobName}) ${j.status.toUpperCase()}, generation ${j.generation}, restarts ${j.restarts}`);
  for (const v of j.vertices) lines.push(`  vertex ${v.id}: ${v.name}  parallelism ${v.parallelism}/${v.maxParallelism}  [${v.uids.join(', ')}]`);
  const byHost = new Map<string, { tm: string; slots: string[] }[]>();
  for (const tm of t.taskManagers) {
    const l = byHost.get(tm.host) ?? [];
    l.push({ tm: tm.taskManagerId, slots: tm.slots });
    byHost.set(tm.host, l);
  }
  const placed = new Set(j.subtasks.map((s) => s.address));
  for (const [host, tms] of byHost) {
    lines.push(`host ${host}`);
    for (const tm of tms) {
      lines.push(`  task manager ${tm.tm}`);
      for (const slot of tm.slots) {
        lines.push(`    slot ${slot}${placed.has(slot) ? '' : '  (free)'}`);
        const figures = t.slots[slot] ?? [];
        for (const s of j.subtasks.filter((x) => x.address === slot)) {
          const f = figures.find((x) => x.vertexId === s.vertexId && x.subtaskIndex === s.subtaskIndex);
          const kg = s.keyGroups === undefined ? '' : `  key groups ${s.keyGroups[0]}-${s.keyGroups[1]}`;
          const live =
            f === undefined
              ? '  (no figures)'
              : `  mailbox ${f.mailboxDepth}  in ${f.recordsIn} (${Math.round(f.recordsInPerSecond)}/s)  out ${f.recordsOut} (${Math.round(f.recordsOutPerSecond)}/s)${f.backPressured ? '  BACK-PRESSURED' : ''}  watermark ${f.watermark === undefined ? '-' : new Date(f.watermark).toISOString()}  last checkpoint ${f.lastCheckpointId ?? '-'} (${f.stateBytes} B)`;
          lines.push(`      subtask ${s.vertexId}.${s.subtaskIndex} attempt ${s.attempt}${kg}${live}`);
        }
      }
    }
  }
  const elsewhere = j.subtasks.filter((s) => !t.taskManagers.some((tm) => tm.slots.includes(s.address)));
  for (const s of elsewhere) lines.push(`  subtask ${s.vertexId}.${s.subtaskIndex} on ${s.address} (slot not registered: being redeployed)`);
  return `${lines.join('\n')}\n`;
}

/** Renders checkpoint counts and history. */
export function formatCheckpoints(c: CheckpointsView | undefined): string {
  if (c === undefined) return 'no checkpoint figures\n';
  const lines = [`completed ${c.completed}  failed ${c.failed}  restarts ${c.restarts}`];
  for (const h of c.history.slice(-20)) {
    lines.push(`  ${h.kind} ${h.id}  ${h.status}  ${h.durationMs.toFixed(0)} ms  ${h.sizeBytes} B${h.path !== undefined ? `  ${h.path}` : ''}${h.failure !== undefined ? `  (${h.failure})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
