/**
 * Weir's public surface. Import everything from `weir`; internal paths are not a stable API.
 */
import 'reflect-metadata';
// KeyedStream extends DataStream and DataStream.keyBy creates KeyedStreams: load the subclass's
// module first so the cycle resolves with DataStream defined before `extends` runs.
import './api/keyed-stream.js';
import { setPipelineExecutor } from './api/executor.js';
import { executeEmbedded } from './runtime/embedded-executor.js';
import { holdingCheckpointStorage } from './checkpoint/checkpoint-storage-connection.js';
import { prepareCheckpointStorage } from './checkpoint/checkpoint-storage.js';

// Each embedded job holds the checkpoint storage's NATS connection (if any) while it runs.
setPipelineExecutor(holdingCheckpointStorage(executeEmbedded, prepareCheckpointStorage));

// DataStream API
export { StreamExecutionEnvironment, type EnvironmentOptions, type ExecuteOptions } from './api/environment.js';
export { DataStream, SingleOutputStreamOperator, DataStreamSink, type KeySpec } from './api/data-stream.js';
export { KeyedStream, type Field } from './api/keyed-stream.js';

// Two inputs: connected streams, broadcast state, window joins, interval joins
export { ConnectedStreams } from './api/connected-streams.js';
export { BroadcastStream, BroadcastConnectedStream, type BroadcastProcessFunctionObject, type KeyedBroadcastProcessFunctionObject } from './api/broadcast-stream.js';
export { JoinedStreams, CoGroupedStreams, type TaggedUnion } from './api/co-grouped-streams.js';
export { IntervalJoin, IntervalJoined } from './api/interval-join.js';
export {
  RichCoMapFunction,
  RichCoFlatMapFunction,
  CoProcessFunction,
  KeyedCoProcessFunction,
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  RichJoinFunction,
  RichFlatJoinFunction,
  RichCoGroupFunction,
  ProcessJoinFunction,
  type CoMapFunction,
  type CoFlatMapFunction,
  type CoProcessContext,
  type CoProcessOnTimerContext,
  type CoProcessFunctionObject,
  type BaseBroadcastContext,
  type BroadcastReadOnlyContext,
  type BroadcastContext,
  type KeyedBroadcastReadOnlyContext,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type JoinFunction,
  type FlatJoinFunction,
  type CoGroupFunction,
  type ProcessJoinContext,
  type ProcessJoinFunctionSpec,
} from './api/co-functions.js';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/broadcast-state.js';
export { OutputTag } from './api/output-tag.js';
export {
  WatermarkStrategy,
  type TimestampAssigner,
  type WatermarkGenerator,
  type WatermarkOutput,
  type WatermarkGeneratorContext,
  type WatermarkGeneratorSupplier,
} from './api/watermark-strategy.js';
export { BoundedOutOfOrdernessWatermarks, AscendingTimestampsWatermarks, NoWatermarksGenerator, WatermarksWithIdleness } from './time/watermark-generators.js';

// Windows: assigners, triggers, evictors, window functions
export { TimeWindow, GlobalWindow, type Window } from './window/time-window.js';
export {
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  DynamicEventTimeSessionWindows,
  DynamicProcessingTimeSessionWindows,
  GlobalWindows,
  MissingTimestampError,
  type WindowAssigner,
  type MergingWindowAssigner,
  type WindowAssignerContext,
} from './window/assigners.js';
export { WindowedStream, AllWindowedStream, type WindowReduceFunction } from './api/windowed-stream.js';
export {
  EventTimeTrigger,
  ProcessingTimeTrigger,
  CountTrigger,
  PurgingTrigger,
  NeverTrigger,
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  type Trigger,
  type TriggerResult,
  type TriggerContext,
  type OnMergeContext,
} from './window/triggers.js';
export { CountEvictor, TimeEvictor, DeltaEvictor, removeWhere, type Evictor, type EvictorContext, type TimestampedValue, type DeltaFunction } from './window/evictors.js';
export {
  ProcessWindowFunction,
  ProcessAllWindowFunction,
  type AggregateFunction,
  type AggregateFunctionSpec,
  type ProcessWindowContext,
  type ProcessWindowFunctionSpec,
  type ProcessAllWindowFunctionSpec,
  type WindowFunction,
  type AllWindowFunction,
  type KeyedStateStore,
} from './window/window-functions.js';
export {
  AbstractRichFunction,
  RichMapFunction,
  RichFilterFunction,
  RichFlatMapFunction,
  RichReduceFunction,
  ProcessFunction,
  KeyedProcessFunction,
  type Collector,
  type MapFunction,
  type FilterFunction,
  type FlatMapFunction,
  type ReduceFunction,
  type KeySelector,
  type ProcessContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type TimerService,
  type FunctionClass,
  type CheckpointedFunction,
  type CheckpointListener,
  type FunctionSnapshotContext,
  type FunctionInitializationContext,
  type UserFunctionHooks,
  isCheckpointedFunction,
  isCheckpointListener,
} from './api/functions.js';
export type { RuntimeContext, TaskInfo } from './api/runtime-context.js';
export type { JobContext } from './cli/job-context.js';
export type { JobExecutionResult, JobProgress, OperatorResult } from './runtime/embedded-executor.js';

// State
export { ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, AggregatingStateDescriptor, StateDescriptor } from './state/descriptors.js';
export type { ValueState, ListState, MapState, ReducingState, AggregatingState, State } from './state/keyed-state.js';
export type { OperatorStateStore, OperatorStateSnapshot } from './state/operator-state-store.js';
export { StateTtlConfig, StateTtlConfigBuilder, UpdateType, StateVisibility, DEFAULT_INCREMENTAL_CLEANUP, type IncrementalCleanupStrategy } from './state/state-ttl-config.js';
export { HashMapStateBackend, type StateBackend, type HashMapStateBackendOptions, type KeyedStateBackendParams } from './state/state-backend.js';
export { LevelDBStateBackend, type LevelDBStateBackendOptions } from './state/level/leveldb-state-backend.js';
export type { KeyedStateBackend, KeyGroupSnapshotPart, RestoredKeyGroup } from './state/keyed-state-backend.js';

// Checkpoints, savepoints, recovery
export { CheckpointConfig, type CheckpointingMode, type CheckpointSettings } from './checkpoint/checkpoint-config.js';
export { RestartStrategies, type RestartStrategyConfiguration } from './failover/restart-strategies.js';
export type { JobControl, JobSpec, RescaleResult } from './api/executor.js';
export type { CheckpointRecord } from './telemetry/checkpoint-metrics.js';
export type { CheckpointMetadata, CompletedCheckpoint } from './checkpoint/state-handles.js';
export { readMetadata as readCheckpointMetadata } from './checkpoint/checkpoint-storage.js';
export { loadRestorePoint } from './checkpoint/checkpoint-loader.js';
export { useNatsForCheckpointStorage, closeCheckpointStorageConnection } from './checkpoint/checkpoint-storage-connection.js';
export type { NatsCliOptions } from './transport/nats-connection-options.js';
export {
  DEFAULT_MAX_PARALLELISM,
  KeyGroupRange,
  assignToKeyGroup,
  assignKeyToParallelOperator,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  computeDefaultMaxParallelism,
  murmurHash,
} from './state/key-groups.js';
export { keyHashCode } from './state/key-hash.js';

// Connectors
export type { Source, SourceReader, SourceReaderContext, ReaderOutput, InputStatus, Boundedness } from '../connectors/source.js';
export type { Sink, SinkWriter, SinkWriterContext, TwoPhaseCommittingSink, PrecommittingSinkWriter, Committer, SinkCommitterContext, CommitterAbortContext } from '../connectors/sink.js';
export { END_OF_INPUT_CHECKPOINT_ID, isTwoPhaseCommittingSink } from '../connectors/sink.js';
export type { CollectionSplit } from '../connectors/collection/collection-source.js';
export type { SequenceSplit } from '../connectors/collection/sequence-source.js';
export { CollectionSource } from '../connectors/collection/collection-source.js';
export { SequenceSource } from '../connectors/collection/sequence-source.js';
export { PrintSink, type PrintSinkOptions } from '../connectors/print/print-sink.js';
export * from '../connectors/file/index.js';

// Actors (for users who build their own actors or inspect the runtime)
export { Actor, type ActorContext, type Props } from './actor/actor.js';
export { ActorSystem, type ActorSystemOptions } from './actor/actor-system.js';
export { actorRef, formatRef, type ActorRef } from './actor/actor-ref.js';
export type { InspectionEvent } from './actor/inspection.js';
export { oneForOne, allForOne, exponentialBackoff, type Directive, type SupervisorStrategy } from './actor/supervision.js';

// Time
export { ManualClock, SystemClock, systemClock, type Clock, type TimerHandle } from './time/clock.js';
export { NO_TIMESTAMP, MAX_WATERMARK } from './time/timestamps.js';

// Errors
export {
  WeirError,
  ConfigurationError,
  InvalidKeyError,
  RecordParseError,
  UserFunctionError,
  JobExecutionError,
  AskTimeoutError,
  ActorNotFoundError,
  SnapshotFormatError,
  CheckpointError,
  RestoreError,
  LevelStateError,
} from './errors.js';

// NATS connectors
export {
  JetStreamSource,
  JetStreamSourceReader,
  JetStreamSink,
  JetStreamCommitter,
  NatsSource,
  NatsSink,
  NatsConnectorError,
  NatsRecordError,
  jsonDeserializer as natsJsonDeserializer,
  jsonSerializer as natsJsonSerializer,
} from '../connectors/nats/index.js';
export type {
  JetStreamSourceOptions,
  JetStreamStartPosition,
  JetStreamStopPosition,
  JetStreamSplit,
  JetStreamSinkOptions,
  JetStreamSinkStats,
  JetStreamSinkWriterState,
  JetStreamCommittable,
  DeliveryGuarantee,
  NatsSourceOptions,
  NatsSinkOptions,
  NatsConnectionOptions,
  NatsDeadLetter,
  NatsDeserializer,
  NatsMessageMeta,
  NatsSerializer,
  NatsSubject,
} from '../connectors/nats/index.js';
