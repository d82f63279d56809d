export { FileSink, RowFormatBuilder } from './file-sink.js';
export { SimpleStringEncoder, type Encoder, type EncoderOutput } from './encoder.js';
export { DefaultRollingPolicy, OnCheckpointRollingPolicy, PolicyBuilder, type RollingPolicy } from './rolling-policy.js';
export { OutputFileConfig, OutputFileConfigBuilder } from './output-file-config.js';
export { BasePathBucketAssigner, DateTimeBucketAssigner, type BucketAssigner, type BucketAssignerContext } from './bucket-assigners.js';
export type { PartFileInfo } from './part-file.js';
export { FileSinkOperator, type FileSinkSpec } from './file-sink-operator.js';
export { FileSinkError } from './file-sink-errors.js';
