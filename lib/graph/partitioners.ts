/**
 * Stream partitioners, as Flink's: they decide which downstream subtask (channel) of an edge gets
 * each record. Channel numbers index the edge's connected targets as seen by one upstream subtask
 * (see {@link connectedTargets}).
 * - forward: subtask i → subtask i (parallelisms must be equal);
 * - rebalance: round-robin over all targets, starting at the sender's own index (Flink starts at a
 *   random channel; a fixed start keeps runs reproducible);
 * - rescale: round-robin over a pointwise subset of targets (Flink's POINTWISE distribution: with
 *   fewer upstream than downstream subtasks, upstream i feeds [ceil(i·T/S), ceil((i+1)·T/S)); with
 *   more, downstream j reads upstream [floor(j·S/T), floor((j+1)·S/T)));
 * - shuffle: uniformly random target;
 * - broadcast: every target;
 * - global: target 0;
 * - hash (keyBy): key → key group (murmur of the Java hashCode mod max parallelism) → subtask
 *   (Flink's KeyGroupStreamPartitioner).
 *
 * @see org.apache.flink.streaming.runtime.partitioner.*
 */
import type { KeySelector } from '../api/functions.js';
import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '../state/key-groups.js';

export type PartitionerKind = 'forward' | 'rebalance' | 'rescale' | 'shuffle' | 'broadcast' | 'global' | 'hash';

/** A partitioner as configured on an edge (plain data except the key selector). */
export interface PartitionSpec {
  kind: PartitionerKind;
  keySelector?: KeySelector<unknown, unknown>;
}

/** Picks the channel of each record for one upstream subtask. */
export interface ChannelSelector {
  /** True for broadcast: every record goes to every channel. */
  readonly broadcast: boolean;
  select(value: unknown): number;
}

/**
 * The downstream subtask indices that upstream subtask `i` sends to, in channel order.
 * Pointwise kinds (forward, rescale) connect a subset; all others connect every target.
 */
export function connectedTargets(kind: PartitionerKind, upstreamIndex: number, upstreamParallelism: number, downstreamParallelism: number): number[] {
  if (kind === 'forward') return [upstreamIndex];
  if (kind === 'global') return [0];
  if (kind === 'rescale') {
    // Flink's pointwise connection (EdgeManagerBuildUtil.connectPointwise).
    const S = upstreamParallelism;
    const T = downstreamParallelism;
    if (S <= T) {
      // Upstream i feeds targets [ceil(i·T/S), ceil((i+1)·T/S)).
      return range(Math.floor((upstreamIndex * T + S - 1) / S), Math.floor(((upstreamIndex + 1) * T + S - 1) / S));
    }
    // Target j consumes upstream [floor(j·S/T), floor((j+1)·S/T)).
    for (let j = 0; j < T; j++) {
      if (upstreamIndex < Math.floor(((j + 1) * S) / T)) return [j];
    }
    return [T - 1];
  }
  return range(0, downstreamParallelism);
}

/** The upstream subtask indices that send to downstream subtask `j` over an edge, ascending. */
export function connectedSources(kind: PartitionerKind, downstreamIndex: number, upstreamParallelism: number, downstreamParallelism: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < upstreamParallelism; i++) {
    if (connectedTargets(kind, i, upstreamParallelism, downstreamParallelism).includes(downstreamIndex)) out.push(i);
  }
  return out;
}

function range(start: number, end: number): number[] {
  const r: number[] = [];
  for (let i = start; i < end; i++) r.push(i);
  return r;
}

/**
 * Builds the selector used by upstream subtask `upstreamIndex`.
 * @param targetCount number of connected targets ({@link connectedTargets}'s length).
 * @param maxParallelism the downstream operator's max parallelism (key groups), for `hash`.
 * @param downstreamParallelism the downstream operator's parallelism, for `hash`.
 */
export function createChannelSelector(spec: PartitionSpec, upstreamIndex: number, targetCount: number, downstreamParallelism: number, maxParallelism: number, random: () => number = Math.random): ChannelSelector {
  switch (spec.kind) {
    case 'forward':
    case 'global':
      return { broadcast: false, select: () => 0 };
    case 'broadcast':
      return { broadcast: true, select: () => 0 };
    case 'shuffle':
      return { broadcast: false, select: () => Math.floor(random() * targetCount) };
    case 'rebalance':
    case 'rescale': {
      let next = upstreamIndex % targetCount;
      return {
        broadcast: false,
        select: () => {
          const ch = next;
          next = next + 1 === targetCount ? 0 : next + 1;
          return ch;
        },
      };
    }
    case 'hash': {
      const keyOf = spec.keySelector!;
      if (downstreamParallelism === 1) return { broadcast: false, select: () => 0 };
      return {
        broadcast: false,
        select: (value) => computeOperatorIndexForKeyGroup(maxParallelism, downstreamParallelism, assignToKeyGroup(keyOf(value), maxParallelism)),
      };
    }
  }
}
