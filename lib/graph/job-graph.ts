/**
 * Compiles transformations into a job graph with Flink's operator chaining (StreamGraphGenerator +
 * StreamingJobGraphGenerator): virtual transformations (partition, union, side output) become edge
 * properties; an operator is chained to its input when the edge is forward, the parallelisms are
 * equal, it has exactly one input, and neither side forbids chaining. Each chain is a
 * {@link JobVertex}; each parallel subtask of a vertex is one actor.
 *
 * Two-input operators (Flink's TwoInputTransformation) become nodes whose in-edges carry
 * `inputIndex` 1 or 2; such a node always heads its chain (Flink never chains the inputs of a
 * two-input operator) and may chain forward successors. A vertex lists its network inputs with the
 * edges of input 1 first, so a subtask's input channels of input 1 come before those of input 2.
 *
 * The same job module built twice gives the same graph (ids follow build order), so every task
 * manager that loads the module derives identical vertices and uids.
 */
import type { Source } from '../../connectors/source.js';
import type { KeySelector } from '../api/functions.js';
import type { Transformation } from '../api/transformation.js';
import type { WatermarkStrategy } from '../api/watermark-strategy.js';
import { ConfigurationError } from '../errors.js';
import type { OperatorFactory, TwoInputOperatorFactory } from '../operators/stream-operator.js';
import { checkMaxParallelismPreconditions, computeDefaultMaxParallelism } from '../state/key-groups.js';
import type { PartitionSpec } from './partitioners.js';

export interface StreamNode {
  readonly id: number;
  readonly name: string;
  readonly uid: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly source: Source<unknown> | undefined;
  /** For sources: timestamps and watermarks of the emitted records. */
  readonly watermarkStrategy: WatermarkStrategy<unknown> | undefined;
  /** One-input operators: the operator factory. */
  readonly factory: OperatorFactory<unknown, unknown> | undefined;
  /** Two-input operators: the operator factory (then `factory` is undefined). */
  readonly twoInputFactory: TwoInputOperatorFactory<unknown, unknown, unknown> | undefined;
  /** Keyed operators: the key of the (first) input's records. */
  readonly stateKeySelector: KeySelector<unknown, unknown> | undefined;
  /** Keyed two-input operators: the key of the second input's records (undefined: that input is not keyed). */
  readonly stateKeySelector2: KeySelector<unknown, unknown> | undefined;
  readonly isSink: boolean;
  readonly inEdges: StreamEdge[];
  readonly outEdges: StreamEdge[];
  vertex: JobVertex | undefined;
}

export interface StreamEdge {
  readonly id: number;
  readonly from: StreamNode;
  readonly to: StreamNode;
  readonly partition: PartitionSpec;
  /** Side-output tag id, or undefined for the main output. */
  readonly tagId: string | undefined;
  /** The logical input of `to` this edge feeds: 1, or 2 for the second input of a two-input operator. */
  readonly inputIndex: 1 | 2;
  /** True when `to` runs in the same subtask as `from` (operator chaining). */
  chained: boolean;
}

export interface JobVertex {
  readonly id: number;
  /** Flink-style chain name: `Source: a -> Map -> Filter`. */
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Chain members in topological order; `nodes[0]` is the head. */
  readonly nodes: StreamNode[];
  /**
   * Network edges into this vertex, in a fixed order that defines input channel numbering: the
   * edges of input 1, then those of input 2 (two-input heads), each in graph order.
   */
  readonly inputs: StreamEdge[];
  /** Network edges out of this vertex. */
  readonly outputs: StreamEdge[];
  readonly isSource: boolean;
}

export interface JobGraph {
  readonly jobName: string;
  readonly nodes: StreamNode[];
  readonly vertices: JobVertex[];
}

/** Options of {@link compileJobGraph}. */
export interface CompileOptions {
  jobName: string;
  defaultParallelism: number;
  /** Job-wide max parallelism, or undefined for Flink's per-operator default. */
  maxParallelism: number | undefined;
  chainingEnabled: boolean;
  /**
   * Parallelism per operator uid that wins over the program's own (`weir rescale --operator`);
   * a source or sink that supports less is capped as usual. Default none.
   */
  parallelismOverrides?: Readonly<Record<string, number>> | undefined;
}

/**
 * @throws ConfigurationError for an empty job, a forward edge between different parallelisms, a
 *   non-parallel source or sink given parallelism > 1, or invalid (max) parallelism.
 */
export function compileJobGraph(sinks: Transformation[], options: CompileOptions): JobGraph {
  if (sinks.length === 0) throw new ConfigurationError(`job '${options.jobName}' defined no sinks: add print(), sinkTo(...) or use executeAndCollect()`);
  const nodesByTransformation = new Map<number, StreamNode>();
  const nodes: StreamNode[] = [];
  let edgeSeq = 0;

  const nodeFor = (t: Transformation): StreamNode => {
    const existing = nodesByTransformation.get(t.id);
    if (existing !== undefined) return existing;
    if (t.kind !== 'source' && t.kind !== 'one-input' && t.kind !== 'two-input') throw new Error('virtual transformation has no node');
    let inherited: number | undefined;
    if (t.kind === 'one-input' && t.inheritParallelism === true && t.parallelism === undefined) {
      const first = resolveInputs(t.input, undefined, undefined)[0];
      if (first !== undefined) inherited = nodeFor(first.t).parallelism;
    }
    const uid = t.uid ?? `${t.kind === 'source' ? 'source' : 'op'}-${t.id}`;
    const override = options.parallelismOverrides?.[uid];
    let parallelism = override ?? t.parallelism ?? inherited ?? options.defaultParallelism;
    const cap = t.kind === 'source' ? t.source.maxParallelism : t.kind === 'one-input' ? t.sinkMaxParallelism : undefined;
    if (cap !== undefined && parallelism > cap) {
      if (t.parallelism !== undefined && override === undefined) throw new ConfigurationError(`operator '${t.name}' supports parallelism ${cap} at most, but setParallelism(${t.parallelism}) was called`);
      parallelism = cap;
    }
    const maxParallelism = t.maxParallelism ?? options.maxParallelism ?? computeDefaultMaxParallelism(parallelism);
    checkMaxParallelismPreconditions(maxParallelism, parallelism);
    const node: StreamNode = {
      id: nodes.length + 1,
      name: t.name,
      uid,
      parallelism,
      maxParallelism,
      source: t.kind === 'source' ? t.source : undefined,
      watermarkStrategy: t.kind === 'source' ? t.watermarkStrategy : undefined,
      factory: t.kind === 'one-input' ? t.factory : undefined,
      twoInputFactory: t.kind === 'two-input' ? t.factory : undefined,
      stateKeySelector: t.kind === 'one-input' ? t.stateKeySelector : t.kind === 'two-input' ? t.stateKeySelector1 : undefined,
      stateKeySelector2: t.kind === 'two-input' ? t.stateKeySelector2 : undefined,
      isSink: t.kind === 'one-input' && t.isSink,
      inEdges: [],
      outEdges: [],
      vertex: undefined,
    };
    nodesByTransformation.set(t.id, node);
    nodes.push(node);
    const logicalInputs: [Transformation, 1 | 2][] = t.kind === 'one-input' ? [[t.input, 1]] : t.kind === 'two-input' ? [[t.input1, 1], [t.input2, 2]] : [];
    for (const [logical, inputIndex] of logicalInputs) {
      for (const input of resolveInputs(logical, undefined, undefined)) {
        const from = nodeFor(input.t);
        const partition = input.partition ?? { kind: from.parallelism === node.parallelism ? 'forward' : 'rebalance' };
        if (partition.kind === 'forward' && from.parallelism !== node.parallelism) {
          throw new ConfigurationError(`forward partitioning does not allow a change of parallelism: '${from.name}' (${from.parallelism}) -> '${node.name}' (${node.parallelism}); use rebalance() or rescale()`);
        }
        const edge: StreamEdge = { id: ++edgeSeq, from, to: node, partition, tagId: input.tagId, inputIndex, chained: false };
        from.outEdges.push(edge);
        node.inEdges.push(edge);
      }
    }
    return node;
  };

  const chainStrategy = new Map<StreamNode, Transformation>();
  for (const s of sinks) visit(s);
  function visit(t: Transformation): void {
    if (t.kind === 'source' || t.kind === 'one-input' || t.kind === 'two-input') {
      const n = nodeFor(t);
      chainStrategy.set(n, t);
    }
    if (t.kind === 'union') t.inputs.forEach(visit);
    else if (t.kind === 'two-input') {
      visit(t.input1);
      visit(t.input2);
    } else if (t.kind !== 'source') visit(t.input);
  }

  // Chaining (Flink's isChainable): a two-input operator is never chained to its inputs.
  for (const n of nodes) {
    if (n.inEdges.length !== 1 || n.twoInputFactory !== undefined) continue;
    const e = n.inEdges[0]!;
    const upstream = chainStrategy.get(e.from)!;
    const downstream = chainStrategy.get(n)!;
    e.chained =
      options.chainingEnabled &&
      e.partition.kind === 'forward' &&
      e.from.parallelism === n.parallelism &&
      !e.from.isSink &&
      upstream.chaining !== 'NEVER' &&
      downstream.chaining === 'ALWAYS';
  }

  // Vertices: one per chain head, members in topological order.
  const order = topologicalOrder(nodes);
  const vertices: JobVertex[] = [];
  for (const head of order) {
    if (head.inEdges.length === 1 && head.inEdges[0]!.chained) continue;
    const members: StreamNode[] = [];
    const collect = (n: StreamNode): void => {
      members.push(n);
      for (const e of n.outEdges) if (e.chained) collect(e.to);
    };
    collect(head);
    const inChain = new Set(members);
    const sorted = order.filter((n) => inChain.has(n));
    const vertex: JobVertex = {
      id: vertices.length + 1,
      name: sorted.map((n) => n.name).join(' -> '),
      parallelism: head.parallelism,
      maxParallelism: head.maxParallelism,
      nodes: sorted,
      // Stable sort: input 1's edges first, graph order within an input.
      inputs: head.inEdges.filter((e) => !e.chained).sort((a, b) => a.inputIndex - b.inputIndex),
      outputs: sorted.flatMap((n) => n.outEdges.filter((e) => !e.chained)),
      isSource: head.source !== undefined,
    };
    for (const m of sorted) m.vertex = vertex;
    vertices.push(vertex);
  }
  return { jobName: options.jobName, nodes: order, vertices };
}

interface ResolvedInput {
  t: Transformation;
  partition: PartitionSpec | undefined;
  tagId: string | undefined;
}

function resolveInputs(t: Transformation, partition: PartitionSpec | undefined, tagId: string | undefined): ResolvedInput[] {
  switch (t.kind) {
    case 'source':
    case 'one-input':
    case 'two-input':
      return [{ t, partition, tagId }];
    case 'partition':
      return resolveInputs(t.input, partition ?? t.partition, tagId);
    case 'side-output':
      return resolveInputs(t.input, partition, t.tagId);
    case 'union':
      return t.inputs.flatMap((i) => resolveInputs(i, partition, tagId));
  }
}

function topologicalOrder(nodes: StreamNode[]): StreamNode[] {
  const out: StreamNode[] = [];
  const indeg = new Map(nodes.map((n) => [n, n.inEdges.length]));
  const ready = nodes.filter((n) => n.inEdges.length === 0).sort((a, b) => a.id - b.id);
  while (ready.length > 0) {
    const n = ready.shift()!;
    out.push(n);
    for (const e of n.outEdges) {
      const d = indeg.get(e.to)! - 1;
      indeg.set(e.to, d);
      if (d === 0) ready.push(e.to);
    }
  }
  return out;
}
