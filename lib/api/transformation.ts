/**
 * Transformations: the immutable graph the DataStream API builds (Flink's Transformation). The API
 * only creates these; `execute()` compiles them into a stream graph and a job graph, which the
 * runtime deploys. Nothing here imports actors or transports.
 */
import type { Source } from '../../connectors/source.js';
import type { KeySelector } from './functions.js';
import type { WatermarkStrategy } from './watermark-strategy.js';
import type { OperatorFactory } from '../operators/stream-operator.js';
import type { PartitionSpec } from '../graph/partitioners.js';

export type ChainingStrategy = 'ALWAYS' | 'HEAD' | 'NEVER';

interface Base {
  readonly id: number;
  name: string;
  uid: string | undefined;
  /** Explicit parallelism (setParallelism), else the environment's default. */
  parallelism: number | undefined;
  maxParallelism: number | undefined;
  chaining: ChainingStrategy;
}

export interface SourceTransformation extends Base {
  readonly kind: 'source';
  readonly source: Source<unknown>;
  /** Applied in the source subtask to every record the reader emits (as Flink's SourceOperator). */
  readonly watermarkStrategy: WatermarkStrategy<unknown> | undefined;
}

export interface OneInputTransformation extends Base {
  readonly kind: 'one-input';
  readonly input: Transformation;
  readonly factory: OperatorFactory<unknown, unknown>;
  /** Set when the operator is keyed: scopes keyed state to this key. */
  readonly stateKeySelector: KeySelector<unknown, unknown> | undefined;
  /** Sinks end the graph; `sinkMaxParallelism` caps their parallelism. */
  readonly isSink: boolean;
  readonly sinkMaxParallelism: number | undefined;
}

/** Virtual: changes how records are partitioned to the next operator. */
export interface PartitionTransformation extends Base {
  readonly kind: 'partition';
  readonly input: Transformation;
  readonly partition: PartitionSpec;
}

/** Virtual: merges inputs of the same type. */
export interface UnionTransformation extends Base {
  readonly kind: 'union';
  readonly inputs: Transformation[];
}

/** Virtual: selects a side output of its input. */
export interface SideOutputTransformation extends Base {
  readonly kind: 'side-output';
  readonly input: Transformation;
  readonly tagId: string;
}

export type Transformation = SourceTransformation | OneInputTransformation | PartitionTransformation | UnionTransformation | SideOutputTransformation;

let nextId = 1;

/** A fresh transformation id (process-wide, only used for ordering and default names). */
export function newTransformationId(): number {
  return nextId++;
}
