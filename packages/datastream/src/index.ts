export { StreamExecutionEnvironment, type RuntimeExecutionMode } from './stream-execution-environment.js';
export { DataStream, SingleOutputStreamOperator, KeyedStream, DataStreamSink } from './data-stream.js';
export { JobExecutionResult } from './local-execution.js';
export { ParameterTool } from './parameter-tool.js';
export type * from './functions.js';
export type { DataGeneratorOptions } from './sources/source-operators.js';
export { formatRecord } from './sinks/format.js';
export * as FileSystem from './sinks/write-mode.js';
export type { WriteMode } from './sinks/write-mode.js';
