export { StreamExecutionEnvironment, type RuntimeExecutionMode } from './stream-execution-environment.js';
export { DataStream, SingleOutputStreamOperator, KeyedStream, DataStreamSink } from './data-stream.js';
export { ConnectedStreams, KeyedConnectedStreams } from './connected-streams.js';
export { PartitionWindowedStream, KeyedPartitionWindowedStream, Order, type MapPartitionFunction } from './partition-windowed-stream.js';
export {
  JoinedStreams,
  JoinEqualTo,
  JoinHint,
  EndOfStreamWindows,
  type JoinFunctionOf,
  type JoinFunction,
  type CoGroupFunction,
  type JoinType,
} from './joined-streams.js';
export { BroadcastStream, BroadcastConnectedStream, KeyedBroadcastConnectedStream } from './broadcast.js';
export * from './co-functions.js';
export type { BroadcastState, ReadOnlyBroadcastState } from '@spindle/runtime/task';
export { JobExecutionResult } from './local-execution.js';
export { ParameterTool } from './parameter-tool.js';
export type * from './functions/basic-functions.js';
export type { DataGeneratorOptions } from './sources/source-operators.js';
export type { CsvOptions } from './sources/csv-file-source.js';
export { formatRecord } from './sinks/format.js';
export * as FileSystem from './sinks/write-mode.js';
export type { WriteMode } from './sinks/write-mode.js';
export type { Sink } from './sinks/sink.js';
export * from './sinks/file-sink/index.js';
export * from './eventtime/watermark-strategy.js';
export { TimestampsAndWatermarksOperator } from './operators/timestamps-and-watermarks-operator.js';
export * from './functions/rich-functions.js';
export { DoubleCounter, IntCounter, ListAccumulator, LongCounter, type Accumulator } from './functions/accumulators.js';
export * from './functions/process-function.js';
export * from './functions/checkpointed-function.js';
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  UpdateType,
  Time,
  type StateDescriptor,
  type AggregateFunction,
  type ValueState,
  type ListState,
  type MapState,
  type ReducingState,
  type AggregatingState,
} from '@spindle/runtime/task';
export * as Nexmark from './nexmark/index.js';
export { AsyncDataStream } from './async/async-data-stream.js';
export * from './async/async-function.js';
export type { AsyncOutputMode } from './async/async-wait-operator.js';
export { Window, TimeWindow, GlobalWindow, type MergeCallback, type Duration } from './windowing/windows.js';
export * from './windowing/assigners.js';
export {
  TriggerResult,
  Trigger,
  EventTimeTrigger,
  ProcessingTimeTrigger,
  CountTrigger,
  PurgingTrigger,
  type TriggerContext,
  type OnMergeContext,
} from './windowing/triggers.js';
export { ContinuousEventTimeTrigger, ContinuousProcessingTimeTrigger } from './windowing/continuous-triggers.js';
export * from './windowing/evictors.js';
export {
  ProcessWindowFunction,
  ProcessAllWindowFunction,
  type ProcessWindowContext,
  type WindowFunction,
  type AllWindowFunction,
} from './windowing/window-functions.js';
export { WindowedStream, AllWindowedStream } from './windowing/windowed-stream.js';
export { WindowOperator, type WindowOperatorSpec } from './windowing/window-operator.js';
export * from './joins/window-join.js';
export * from './joins/interval-join.js';
