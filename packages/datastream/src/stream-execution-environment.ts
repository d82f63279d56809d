import { CheckpointingOptions, Configuration, CoreOptions, SpindleError, randomHexId, type CheckpointingMode } from '@spindle/core';
import type { PartitionerKind, RuntimeMode } from '@spindle/protocol';
import { getProgramContext, type ExecuteRequest, type StreamOperator } from '@spindle/runtime/task';
import { DataStream, SingleOutputStreamOperator } from './data-stream.js';
import { generateJobGraph } from './graph/job-graph-generator.js';
import { executionPlan } from './graph/plan.js';
import { StreamGraph, allSourcesBounded, unboundedSourceNames } from './graph/stream-graph.js';
import { JobExecutionResult, executeLocally } from './local-execution.js';
import { StreamGraphProgram } from './program.js';
import { CollectionSource, DataGeneratorSource, SequenceSource, type DataGeneratorOptions } from './sources/source-operators.js';
import { TextFileSource, listInputFiles } from './sources/text-file-source.js';
import { CsvFileSource, type CsvOptions } from './sources/csv-file-source.js';
import type {
  OperatorTransformation,
  PartitionTransformation,
  SideOutputTransformation,
  Transformation,
  UnionTransformation,
} from './transformation.js';

export type RuntimeExecutionMode = 'STREAMING' | 'BATCH' | 'AUTOMATIC';

type OperatorSpec = Pick<
  OperatorTransformation,
  'name' | 'kind' | 'role' | 'inputs' | 'createOperator' | 'bounded' | 'combiner' | 'prepare' | 'managedMemoryWeight' | 'batchOnly'
> & {
  maxSourceParallelism?: number;
};

/**
 * The entry point of a program: sources start streams, `execute()` runs the graph built so far.
 * Where it runs depends on who runs the program (see ProgramContext): the CLI submits it to a
 * cluster; run directly (a script, a test) it runs on a mini cluster in this thread.
 */
export class StreamExecutionEnvironment {
  private transformations: Transformation[] = [];
  private nextId = 1;
  readonly config: Configuration;

  constructor(config?: Configuration | Record<string, string>) {
    this.config = config instanceof Configuration ? config.clone() : new Configuration(config ?? {});
  }

  /** The environment of the program's context: the CLI's configuration (-D, conf file), or a local one. */
  static getExecutionEnvironment(config?: Record<string, string>): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment({ ...(getProgramContext()?.config ?? {}), ...(config ?? {}) });
  }

  static createLocalEnvironment(parallelism?: number, config?: Record<string, string>): StreamExecutionEnvironment {
    const env = new StreamExecutionEnvironment(config);
    if (parallelism !== undefined) env.setParallelism(parallelism);
    return env;
  }

  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new SpindleError(`parallelism must be a positive integer, not ${parallelism}`, {
        code: 'INVALID_PARALLELISM',
        userFacing: true,
      });
    }
    this.config.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    return this;
  }

  getParallelism(): number {
    return this.config.get(CoreOptions.DEFAULT_PARALLELISM);
  }

  setMaxParallelism(maxParallelism: number): this {
    this.config.set(CoreOptions.MAX_PARALLELISM, maxParallelism);
    return this;
  }

  setRuntimeMode(mode: RuntimeExecutionMode): this {
    this.config.set(CoreOptions.RUNTIME_MODE, mode);
    return this;
  }

  /**
   * Takes a checkpoint every `intervalMs` (Flink's enableCheckpointing), EXACTLY_ONCE unless
   * `mode` says otherwise; the same as `execution.checkpointing.interval` and `.mode`. Checkpoint
   * storage is `execution.checkpointing.dir`.
   */
  enableCheckpointing(intervalMs: number, mode: CheckpointingMode = 'EXACTLY_ONCE'): this {
    try {
      CheckpointingOptions.INTERVAL.parse(intervalMs);
      CheckpointingOptions.MODE.parse(mode);
    } catch (e) {
      throw new SpindleError(`enableCheckpointing(${intervalMs}, ${String(mode)}): ${(e as Error).message}`, {
        code: 'CONFIG_INVALID',
        userFacing: true,
        recoverability: 'non-recoverable',
      });
    }
    this.config.set(CheckpointingOptions.INTERVAL, intervalMs);
    this.config.set(CheckpointingOptions.MODE, mode);
    return this;
  }

  /** Milliseconds a partly filled network buffer may wait; 0 flushes per record, -1 only when full. */
  setBufferTimeout(ms: number): this {
    this.config.set(CoreOptions.BUFFER_TIMEOUT, ms);
    return this;
  }

  fromElements<T>(...elements: T[]): SingleOutputStreamOperator<T> {
    return this.fromCollection(elements);
  }

  fromCollection<T>(elements: Iterable<T>): SingleOutputStreamOperator<T> {
    const items = [...elements];
    return this.source({
      name: 'Collection Source',
      kind: 'source:collection',
      createOperator: () => new CollectionSource(items),
      bounded: true,
      maxSourceParallelism: 1,
    });
  }

  /** The numbers from..to (inclusive), produced in parallel. */
  fromSequence(from: number, to: number): SingleOutputStreamOperator<number> {
    return this.source({
      name: 'Sequence Source',
      kind: 'source:sequence',
      createOperator: () => new SequenceSource(from, to),
      bounded: true,
    });
  }

  /** Records `generator(0)`, `generator(1)`, ...: `count` of them (or endless), at most `recordsPerSecond`. */
  fromDataGenerator<T>(generator: (index: number) => T, options: DataGeneratorOptions = {}): SingleOutputStreamOperator<T> {
    return this.source({
      name: 'Data Generator',
      kind: 'source:datagen',
      createOperator: () => new DataGeneratorSource(generator, options),
      bounded: options.count !== undefined,
    });
  }

  /** Lines of a text file, or of every file in a directory, read in parallel splits. */
  readTextFile(path: string): SingleOutputStreamOperator<string> {
    return this.source({
      name: `Text File: ${path}`,
      kind: 'source:text-file',
      createOperator: () => new TextFileSource(path),
      bounded: true,
      prepare: async () => void (await listInputFiles(path, this.config)),
    });
  }

  /**
   * Lines of delimited text files (a file or the visible files of a directory, local or
   * `hdfs://`) as records: each line's fields, or what `options.parse` makes of them. A
   * malformed line (a wrong number of fields, or `parse` throws) fails the job with the file,
   * line number and reason, or is skipped and counted with `skipMalformedLines`.
   */
  readCsvFile<T = string[]>(path: string, options: CsvOptions<T> = {}): SingleOutputStreamOperator<T> {
    return this.source({
      name: `CSV File: ${path}`,
      kind: 'source:csv-file',
      createOperator: () => new CsvFileSource<T>(path, options),
      bounded: true,
      prepare: async () => void (await listInputFiles(path, this.config)),
    });
  }

  /** The plan of the graph built so far, in Flink's JSON plan format. */
  getExecutionPlan(): string {
    return JSON.stringify(executionPlan(this.streamGraph()), null, 2);
  }

  /** Runs the graph built so far as one job and waits for it to end. */
  async execute(jobName = 'Spindle Streaming Job'): Promise<JobExecutionResult> {
    const request = this.prepare(jobName);
    const context = getProgramContext();
    if (context === undefined || context.mode === 'submit') await this.prepareSourcesAndSinks();
    this.transformations = [];
    const result = context ? await context.execute(request) : await executeLocally(request, this.config);
    return new JobExecutionResult(result);
  }

  /** Builds the JobGraph and program of the current graph (used by execute and tooling). */
  prepare(jobName: string): ExecuteRequest {
    if (!this.transformations.some((t) => t.type === 'operator' && t.role === 'sink')) {
      throw new SpindleError(
        'No operators defined in streaming topology. Cannot execute: add a sink (print, writeAsText, executeAndCollect).',
        {
          code: 'EMPTY_JOB',
          userFacing: true,
        },
      );
    }
    const runtimeMode = this.runtimeMode();
    const graph = this.streamGraph();
    const name = this.config.get(CoreOptions.PIPELINE_NAME) ?? jobName;
    const { jobGraph, keySelectors } = generateJobGraph(graph, {
      jobId: randomHexId(),
      name,
      runtimeMode,
      config: this.config.toMap(),
      programJobIndex: 0,
    });
    return { jobGraph, plan: executionPlan(graph), program: new StreamGraphProgram(graph, jobGraph.graphHash, keySelectors) };
  }

  /** Checks the sources' inputs, then readies the sinks' outputs, once, where the job is submitted, before any subtask runs. */
  private async prepareSourcesAndSinks(): Promise<void> {
    for (const role of ['source', 'sink'] as const) {
      for (const t of this.transformations) if (t.type === 'operator' && t.role === role) await t.prepare?.();
    }
  }

  /** AUTOMATIC resolves to BATCH when every source is bounded; BATCH with an unbounded source is an error, as in Flink. */
  private runtimeMode(): RuntimeMode {
    const mode = this.config.get(CoreOptions.RUNTIME_MODE);
    const bounded = allSourcesBounded(this.transformations);
    const resolved = mode === 'AUTOMATIC' ? (bounded ? 'BATCH' : 'STREAMING') : mode;
    if (resolved === 'STREAMING') this.checkNoBatchOnlyOperations(mode);
    if (mode === 'AUTOMATIC') return resolved;
    if (mode === 'BATCH' && !bounded) {
      throw new SpindleError(
        `Detected an UNBOUNDED source with the '${CoreOptions.RUNTIME_MODE.key}' set to 'BATCH'. This combination is not allowed, ` +
          `please set the '${CoreOptions.RUNTIME_MODE.key}' to STREAMING or AUTOMATIC (an unbounded source: ${unboundedSourceNames(this.transformations)}).`,
        { code: 'INVALID_GRAPH', userFacing: true, recoverability: 'non-recoverable' },
      );
    }
    return mode;
  }

  /** Batch operations (fullWindowPartition, joins, distinct, first) cannot run on a stream that never ends. */
  private checkNoBatchOnlyOperations(mode: RuntimeExecutionMode): void {
    // One mention per call (first(n) adds two operators), naming its first operator.
    const byCall = new Map<string, string>();
    for (const t of this.transformations) {
      if (t.type === 'operator' && t.batchOnly !== undefined && !byCall.has(t.batchOnly)) byCall.set(t.batchOnly, t.name);
    }
    const calls = [...byCall].map(([call, name]) => `${call} ('${name}')`);
    if (calls.length === 0) return;
    const why =
      mode === 'AUTOMATIC'
        ? `'${CoreOptions.RUNTIME_MODE.key}' is AUTOMATIC and a source is unbounded (${unboundedSourceNames(this.transformations)})`
        : `'${CoreOptions.RUNTIME_MODE.key}' is STREAMING`;
    throw new SpindleError(
      `${calls.join(', ')} ${calls.length === 1 ? 'needs' : 'need'} a bounded input in BATCH mode, but ${why}: ` +
        `set '${CoreOptions.RUNTIME_MODE.key}' to BATCH (-D${CoreOptions.RUNTIME_MODE.key}=BATCH or env.setRuntimeMode('BATCH')) with bounded sources.`,
      { code: 'INVALID_GRAPH', userFacing: true, recoverability: 'non-recoverable' },
    );
  }

  private streamGraph(): StreamGraph {
    return new StreamGraph(this.transformations, {
      runtimeMode: this.runtimeMode(),
      defaultParallelism: this.getParallelism(),
      maxParallelism: this.config.get(CoreOptions.MAX_PARALLELISM),
    });
  }

  private source<T>(spec: Omit<OperatorSpec, 'role' | 'inputs'>): SingleOutputStreamOperator<T> {
    return new SingleOutputStreamOperator<T>(this, this.addOperator({ ...spec, role: 'source', inputs: [] }));
  }

  /** @internal Reserves a node id (for nodes the graph may add, such as combiners). */
  reserveId(): number {
    return this.nextId++;
  }

  /** @internal Records an operator; used by DataStream. */
  addOperator(spec: OperatorSpec & { createOperator: () => StreamOperator }): OperatorTransformation {
    const t: OperatorTransformation = { ...this.common(spec.name), type: 'operator', ...spec };
    this.transformations.push(t);
    return t;
  }

  /** @internal */
  partition(input: Transformation, partitioner: PartitionerKind, keySelector?: (r: unknown) => unknown): PartitionTransformation {
    const t: PartitionTransformation = { ...this.common(partitioner), type: 'partition', input, partitioner };
    if (keySelector) return { ...t, keySelector };
    return t;
  }

  /** @internal */
  sideOutput(input: OperatorTransformation, tag: string): SideOutputTransformation {
    return { ...this.common(`Side Output ${tag}`), type: 'side-output', input, tag };
  }

  /** @internal */
  union(inputs: Transformation[]): UnionTransformation {
    return { ...this.common('Union'), type: 'union', inputs };
  }

  private common(name: string) {
    return {
      id: this.nextId++,
      name,
      parallelism: undefined,
      maxParallelism: undefined,
      uid: undefined,
      slotSharingGroup: undefined,
      chaining: 'ALWAYS' as const,
      schema: undefined,
    };
  }
}

export { DataStream };
