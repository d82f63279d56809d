import { SpindleError, parseDuration } from '@spindle/core';
import type { StreamOperator } from '@spindle/runtime/task';
import type { Sink } from '../sink.js';
import { DateTimeBucketAssigner, type BucketAssigner } from './bucket-assigners.js';
import type { Encoder } from './encoder.js';
import { FileSinkOperator, type FileSinkSpec } from './file-sink-operator.js';
import { OutputFileConfig } from './output-file-config.js';
import { DefaultRollingPolicy, isRollingPolicy, type RollingPolicy } from './rolling-policy.js';

const DEFAULT_BUCKET_CHECK_INTERVAL = 60_000;

/**
 * Writes a stream into part files under a base path, exactly once (Flink's FileSink): built with
 * `FileSink.forRowFormat(path, encoder)...build()` and added with `stream.sinkTo(sink)`. The path
 * may be any FileSystem URI (`/data/out`, `file:///data/out`, `hdfs://nn:8020/data/out`).
 */
export class FileSink<IN> implements Sink<IN> {
  declare readonly __type?: IN;
  readonly sinkName: string;

  private constructor(private readonly spec: FileSinkSpec<IN>) {
    this.sinkName = `FileSink: ${spec.basePath}`;
  }

  /** A sink that encodes each element on its own (a line, by SimpleStringEncoder). */
  static forRowFormat<IN>(basePath: string, encoder: Encoder<IN>): RowFormatBuilder<IN> {
    return new RowFormatBuilder<IN>(basePath, encoder);
  }

  /** @internal The builder's way in. */
  static of<IN>(spec: FileSinkSpec<IN>): FileSink<IN> {
    return new FileSink(spec);
  }

  createOperator(): StreamOperator {
    return new FileSinkOperator(this.spec);
  }
}

/**
 * Configures a row-format FileSink (Flink's RowFormatBuilder). Defaults: DateTimeBucketAssigner
 * (hourly `yyyy-MM-dd--HH` buckets), DefaultRollingPolicy, OutputFileConfig (`part`, no suffix),
 * a bucket check every minute.
 */
export class RowFormatBuilder<IN> {
  private bucketAssigner: BucketAssigner<IN> = new DateTimeBucketAssigner();
  private rollingPolicy: RollingPolicy<IN> = DefaultRollingPolicy.builder().build();
  private outputFileConfig = new OutputFileConfig();
  private bucketCheckInterval = DEFAULT_BUCKET_CHECK_INTERVAL;

  constructor(
    private readonly basePath: string,
    private readonly encoder: Encoder<IN>,
  ) {
    if (typeof basePath !== 'string' || basePath.trim() === '')
      throw invalidSink(String(basePath), 'the base path must be a non-empty path');
    if (typeof (encoder as Partial<Encoder<IN>> | undefined)?.encode !== 'function') {
      throw invalidSink(basePath, 'the encoder must have an encode(element, stream) method, e.g. new SimpleStringEncoder()');
    }
  }

  withBucketAssigner(assigner: BucketAssigner<IN>): this {
    if (typeof (assigner as Partial<BucketAssigner<IN>> | undefined)?.getBucketId !== 'function') {
      throw invalidSink(this.basePath, 'the bucket assigner must have a getBucketId(element, context) method');
    }
    this.bucketAssigner = assigner;
    return this;
  }

  withRollingPolicy(policy: RollingPolicy<IN>): this {
    if (!isRollingPolicy(policy)) {
      throw invalidSink(
        this.basePath,
        'the rolling policy must have shouldRollOnCheckpoint, shouldRollOnEvent and shouldRollOnProcessingTime methods (DefaultRollingPolicy.builder()...build() or OnCheckpointRollingPolicy.build())',
      );
    }
    this.rollingPolicy = policy;
    return this;
  }

  withOutputFileConfig(config: OutputFileConfig): this {
    if (!(config instanceof OutputFileConfig))
      throw invalidSink(this.basePath, 'use OutputFileConfig.builder()...build() for the output file config');
    this.outputFileConfig = config;
    return this;
  }

  /** How often the time-based rolling conditions are checked: milliseconds or a duration such as `'30 s'`. */
  withBucketCheckInterval(interval: number | string): this {
    let ms = Number.NaN;
    try {
      ms = parseDuration(interval);
    } catch {
      // reported below
    }
    if (!(ms > 0))
      throw invalidSink(this.basePath, `the bucket check interval must be a positive duration, got ${JSON.stringify(interval)}`);
    this.bucketCheckInterval = ms;
    return this;
  }

  build(): FileSink<IN> {
    return FileSink.of({
      basePath: this.basePath,
      encoder: this.encoder,
      bucketAssigner: this.bucketAssigner,
      rollingPolicy: this.rollingPolicy,
      outputFileConfig: this.outputFileConfig,
      bucketCheckInterval: this.bucketCheckInterval,
    });
  }
}

function invalidSink(basePath: string, problem: string): SpindleError {
  return new SpindleError(`FileSink to ${basePath}: ${problem}`, {
    code: 'INVALID_SINK',
    userFacing: true,
    recoverability: 'non-recoverable',
  });
}
