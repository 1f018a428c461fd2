/**
 * Transformations: the immutable graph the DataStream API builds (Flink's Transformation). The API
 * only creates these; `execute()` compiles them into a stream graph and a job graph, which the
 * runtime deploys. Nothing here imports actors or transports.
 */
import type { Source } from '../../connectors/source.js';
import type { KeySelector } from './functions.js';
import type { WatermarkStrategy } from './watermark-strategy.js';
import type { OperatorFactory, TwoInputOperatorFactory } from '../operators/stream-operator.js';
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
  /**
   * When true and no parallelism was set, the operator takes its input's parallelism (so a forward
   * edge chains it), as Flink's `setParallelism(input.getParallelism(), false)` for the taggers of
   * window joins. Default false: the environment's default parallelism.
   */
  readonly inheritParallelism?: boolean;
}

/**
 * An operator with two logical inputs (Flink's TwoInputTransformation): records of `input1` go to
 * `processElement1`, of `input2` to `processElement2`. Never chained to its inputs; may chain
 * forward successors. Keyed when a state key selector is set for an input: the runtime sets the
 * key from that input's selector before the operator sees the record (both inputs keyed: keyed
 * connected streams; only `stateKeySelector1`: a keyed stream connected to a broadcast stream).
 *
 * @see org.apache.flink.streaming.api.transformations.TwoInputTransformation
 */
export interface TwoInputTransformation extends Base {
  readonly kind: 'two-input';
  readonly input1: Transformation;
  readonly input2: Transformation;
  readonly factory: TwoInputOperatorFactory<unknown, unknown, unknown>;
  readonly stateKeySelector1: KeySelector<unknown, unknown> | undefined;
  readonly stateKeySelector2: KeySelector<unknown, unknown> | undefined;
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

export type Transformation = SourceTransformation | OneInputTransformation | TwoInputTransformation | PartitionTransformation | UnionTransformation | SideOutputTransformation;

let nextId = 1;

/** A fresh transformation id (process-wide, only used for ordering and default names). */
export function newTransformationId(): number {
  return nextId++;
}
