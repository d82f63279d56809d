import { SpindleError } from '@spindle/core';
import type { PartitionerKind } from '@spindle/protocol';
import type { MapStateDescriptor, StreamOperator } from '@spindle/runtime/task';
import { BroadcastConnectedStream, BroadcastStream, KeyedBroadcastConnectedStream } from './broadcast.js';
import { ConnectedStreams } from './connected-streams.js';
import type { StreamExecutionEnvironment } from './stream-execution-environment.js';
import type {
  FieldExpression,
  FilterFunction,
  FlatMapFunction,
  KeySelector,
  MapFunction,
  ReduceFunction,
  SinkFunction,
} from './functions/basic-functions.js';
import { FilterOperator, FlatMapOperator, MapOperator, SinkOperator } from './operators/basic-operators.js';
import { TimestampsAndWatermarksOperator } from './operators/timestamps-and-watermarks-operator.js';
import type { WatermarkStrategy } from './eventtime/watermark-strategy.js';
import { KeyedReduceOperator, aggregation, inPlaceAggregation, type AggregationKind } from './operators/keyed-reduce-operator.js';
import { KeyedProcessOperator, ProcessOperator } from './operators/process-operators.js';
import { ReduceCombinerOperator } from './operators/reduce-combiner-operator.js';
import type { KeyedProcessFunction, OutputTag, ProcessFunction } from './functions/process-function.js';
import type { RichFilterFunction, RichFlatMapFunction, RichMapFunction, RichSinkFunction } from './functions/rich-functions.js';

/** The managed memory weight of operators that aggregate, sort or join (BATCH); all weigh the same, as in Flink. */
const MANAGED_MEMORY_WEIGHT = 1;
/** A combiner emits its partial aggregates at the end, or whenever it holds this many keys. */
const COMBINER_MAX_KEYS = 100_000;
import { CollectSinkOperator, PrintSinkOperator, TextFileSinkOperator } from './sinks/sink-operators.js';
import { prepareOutputDirectory } from './sinks/output-directory.js';
import { WriteMode } from './sinks/write-mode.js';
import type { Sink } from './sinks/sink.js';
import { GlobalWindows, type WindowAssigner } from './windowing/assigners.js';
import { CountEvictor } from './windowing/evictors.js';
import { CountTrigger, PurgingTrigger } from './windowing/triggers.js';
import { AllWindowedStream, WindowedStream } from './windowing/windowed-stream.js';
import type { GlobalWindow, Window } from './windowing/windows.js';
import { IntervalJoin } from './joins/interval-join.js';
import type { OperatorTransformation, Transformation } from './transformation.js';
import { KeyedPartitionWindowedStream, PartitionWindowedStream } from './partition-windowed-stream.js';
import { JoinedStreams, type JoinHint } from './joined-streams.js';
import { FirstNOperator, PartitionReduceOperator } from './operators/batch/partition-operators.js';

/** A stream of records of type T: each call adds an operator to the program's graph. */
export class DataStream<T> {
  constructor(
    readonly env: StreamExecutionEnvironment,
    readonly transformation: Transformation,
  ) {}

  /** A function, or a RichMapFunction (open/close, runtime context; keyed state after keyBy). */
  map<R>(fn: MapFunction<T, R> | RichMapFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.addTransform('Map', 'map', () => new MapOperator(fn as MapFunction<unknown, unknown>));
  }

  flatMap<R>(fn: FlatMapFunction<T, R> | RichFlatMapFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.addTransform('Flat Map', 'flat-map', () => new FlatMapOperator(fn as FlatMapFunction<unknown, unknown>));
  }

  filter(fn: FilterFunction<T> | RichFilterFunction<T>): SingleOutputStreamOperator<T> {
    return this.addTransform('Filter', 'filter', () => new FilterOperator(fn as FilterFunction<unknown>));
  }

  /**
   * Runs a ProcessFunction on each record (Flink's `process`): side outputs and operator state;
   * timers and keyed state need a keyed stream (`keyBy(...).process(KeyedProcessFunction)`).
   */
  process<R>(fn: ProcessFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.addTransform('Process', 'process', () => new ProcessOperator(fn as ProcessFunction<unknown, unknown>));
  }

  /**
   * Gives records event timestamps and the stream watermarks, by `strategy` (Flink's
   * assignTimestampsAndWatermarks). Watermarks that reach this operator from upstream are
   * replaced by the strategy's, except the end of input's.
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): SingleOutputStreamOperator<T> {
    return this.addTransform(
      'Timestamps/Watermarks',
      'timestamps-watermarks',
      () => new TimestampsAndWatermarksOperator(strategy as WatermarkStrategy<unknown>),
    );
  }

  /**
   * Adds an operator of your own (Flink's `transform`): `createOperator` runs once per subtask,
   * in the task's thread; see StreamOperator and AbstractStreamOperator in @spindle/runtime.
   */
  transform<R>(operatorName: string, createOperator: () => StreamOperator): SingleOutputStreamOperator<R> {
    return this.addTransform(operatorName, 'custom', createOperator);
  }

  /** Partitions by key: records with equal keys go to the same subtask (via key groups). */
  keyBy<K>(selector: KeySelector<T, K> | FieldExpression): KeyedStream<T, K> {
    const fn = typeof selector === 'function' ? (selector as (r: unknown) => unknown) : fieldSelector(selector);
    return new KeyedStream<T, K>(this.env, this.env.partition(this.transformation, 'hash', fn), fn);
  }

  rebalance(): DataStream<T> {
    return this.partitioned('rebalance');
  }

  shuffle(): DataStream<T> {
    return this.partitioned('shuffle');
  }

  /**
   * Without descriptors: every record goes to every subtask of the next operator. With
   * descriptors (Flink's `broadcast(MapStateDescriptor...)`): a BroadcastStream to `connect` to,
   * whose operator keeps these broadcast states.
   */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    if (descriptors.length === 0) return this.partitioned('broadcast');
    return new BroadcastStream<T>(this.env.partition(this.transformation, 'broadcast'), descriptors);
  }

  /**
   * Connects another stream, of any type, into a two-input operator (ConnectedStreams), or a
   * broadcast stream (BroadcastConnectedStream).
   */
  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, T2>(this, other);
    return new ConnectedStreams<T, T2>(this, other);
  }

  forward(): DataStream<T> {
    return this.partitioned('forward');
  }

  /**
   * Windows over the whole stream (Flink's windowAll): one subtask evaluates every window, so the
   * window operator's parallelism is 1.
   */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    return new AllWindowedStream<T, W>(this, assigner);
  }

  /** Windows of `size` elements of the whole stream, every `slide` elements when given (Flink's countWindowAll). */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    const windowed = this.windowAll(GlobalWindows.create<T>());
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of<T>(size)));
    return windowed.evictor(CountEvictor.of<T>(size)).trigger(CountTrigger.of<T>(slide));
  }

  global(): DataStream<T> {
    return this.partitioned('global');
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    return new DataStream<T>(this.env, this.env.union([this.transformation, ...others.map((o) => o.transformation)]));
  }

  print(identifier?: string): DataStreamSink<T> {
    return this.sink('Print to Std. Out', 'sink:print', () => new PrintSinkOperator(false, identifier));
  }

  printToErr(identifier?: string): DataStreamSink<T> {
    return this.sink('Print to Std. Err', 'sink:print', () => new PrintSinkOperator(true, identifier));
  }

  /**
   * Writes records as lines into `directory/part-<subtask>-0` (strings as is, others as JSON).
   * A directory that already holds part files fails the job unless `writeMode` is
   * `FileSystem.WriteMode.OVERWRITE`, which removes the old part files first.
   */
  writeAsText(directory: string, writeMode: WriteMode = WriteMode.NO_OVERWRITE): DataStreamSink<T> {
    return this.sink(
      `Text File: ${directory}`,
      'sink:text-file',
      () => new TextFileSinkOperator(directory),
      () => prepareOutputDirectory(directory, writeMode, this.env.config),
    );
  }

  /**
   * Writes the stream into `sink` (Flink's `sinkTo`), e.g. a FileSink:
   * `stream.sinkTo(FileSink.forRowFormat(dir, new SimpleStringEncoder()).build())`.
   */
  sinkTo(sink: Sink<T>): DataStreamSink<T> {
    return this.sink(sink.sinkName, 'sink:sink-to', () => sink.createOperator());
  }

  /** Sends every record to a sink function (Flink's addSink). */
  addSink(fn: SinkFunction<T> | RichSinkFunction<T>, name = 'Unnamed'): DataStreamSink<T> {
    return this.sink(`Sink: ${name}`, 'sink:function', () => new SinkOperator(fn as SinkFunction<unknown>));
  }

  /**
   * The whole of each parallel partition of this bounded stream as one window (Flink 2), BATCH
   * only: then `mapPartition`, `sortPartition`, `reduce` or `aggregate` (see PartitionWindowedStream).
   */
  fullWindowPartition(): PartitionWindowedStream<T> {
    return new PartitionWindowedStream<T>(this);
  }

  /**
   * An inner join with `other` (Flink's join): over time windows,
   * `a.join(b).where(k1).equalTo(k2).window(TumblingEventTimeWindows.of(ms)).apply((x, y) => ...)`
   * (every pair with equal keys in the same window, when the window fires); or over the whole
   * bounded input (BATCH only) with `window(EndOfStreamWindows.get())`, where `hint` chooses the
   * strategy (JoinHint; repartition hash by default).
   */
  join<T2>(other: DataStream<T2>, hint?: JoinHint): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other, 'INNER', hint);
  }

  /** A left outer join (the DataSet API's): every record of this stream, joined with null when `other` has no match. */
  leftOuterJoin<T2>(other: DataStream<T2>, hint?: JoinHint): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other, 'LEFT_OUTER', hint);
  }

  /** A right outer join: every record of `other`, joined with null when this stream has no match. */
  rightOuterJoin<T2>(other: DataStream<T2>, hint?: JoinHint): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other, 'RIGHT_OUTER', hint);
  }

  /** A full outer join: every record of both streams, joined with null where the other side has no match. */
  fullOuterJoin<T2>(other: DataStream<T2>, hint?: JoinHint): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, other, 'FULL_OUTER', hint);
  }

  /**
   * Groups both streams by key and calls a CoGroupFunction with the records of both per key: per
   * time window (`window(TumblingEventTimeWindows.of(ms))`, Flink's coGroup), or once per key over
   * the whole bounded input (BATCH only, `window(EndOfStreamWindows.get())`).
   */
  coGroup<T2>(other: DataStream<T2>): JoinedStreams<T, T2, 'coGroup'> {
    return new JoinedStreams<T, T2, 'coGroup'>(this, other, 'COGROUP');
  }

  /**
   * The records with distinct keys, the first of each (BATCH only; the DataSet API's `distinct`):
   * by the whole record, or by a field or key selector, with the key codec's equality.
   */
  distinct<K>(key?: KeySelector<T, K> | FieldExpression): SingleOutputStreamOperator<T> {
    const keyed = this.keyBy<unknown>(key === undefined ? (r: T) => r : key);
    return keyed.batchOperation<T>('Distinct', 'distinct', 'distinct()', () => new PartitionReduceOperator((a) => a, true));
  }

  /**
   * Any `n` records of the bounded stream (BATCH only; the DataSet API's `first(n)`): each subtask
   * passes on its first n, and one subtask keeps the first n of those. After sortPartition at
   * parallelism 1, the n smallest.
   */
  first(n: number): SingleOutputStreamOperator<T> {
    checkCount(n);
    const local = this.batchOperation<T>('First-N (local)', 'first-n', `first(${n})`, () => new FirstNOperator(n, false));
    const global = new DataStream<T>(this.env, this.env.partition(local.transformation, 'global'));
    return global.batchOperation<T>('First-N', 'first-n', `first(${n})`, () => new FirstNOperator(n, false)).setParallelism(1);
  }

  /** @internal Reads a field of records as keyBy(field) does. */
  fieldSelectorOf(field: FieldExpression): (r: unknown) => unknown {
    return fieldSelector(field);
  }

  /**
   * @internal Adds an operation that needs a bounded input (BATCH) and managed memory; `api`
   * names the call in the error when the job would run in STREAMING.
   */
  batchOperation<R>(
    name: string,
    kind: string,
    api: string,
    createOperator: () => StreamOperator,
    inputs: Transformation[] = [this.transformation],
  ): SingleOutputStreamOperator<R> {
    const t = this.env.addOperator({
      name,
      kind,
      role: 'operator',
      inputs,
      createOperator,
      bounded: true,
      managedMemoryWeight: MANAGED_MEMORY_WEIGHT,
      batchOnly: api,
    });
    return new SingleOutputStreamOperator<R>(this.env, t);
  }

  /** Runs the program's job and returns this stream's records (bounded streams; for tests). */
  async executeAndCollect(jobName?: string): Promise<T[]> {
    const accumulator = `collect-${this.transformation.id}`;
    this.sink('Collect', 'sink:collect', () => new CollectSinkOperator(accumulator));
    const result = await this.env.execute(jobName ?? 'Collect job');
    return (result.getAccumulatorResult(accumulator) as T[] | undefined) ?? [];
  }

  protected addTransform<R>(
    name: string,
    kind: string,
    createOperator: () => StreamOperator,
    combiner?: OperatorTransformation['combiner'],
    managedMemoryWeight?: number,
  ): SingleOutputStreamOperator<R> {
    const t = this.env.addOperator({
      name,
      kind,
      role: 'operator',
      inputs: [this.transformation],
      createOperator,
      bounded: true,
      combiner,
      ...(managedMemoryWeight !== undefined ? { managedMemoryWeight } : {}),
    });
    return new SingleOutputStreamOperator<R>(this.env, t);
  }

  private sink(name: string, kind: string, createOperator: () => StreamOperator, prepare?: () => Promise<void>): DataStreamSink<T> {
    const t = this.env.addOperator({
      name,
      kind,
      role: 'sink',
      inputs: [this.transformation],
      createOperator,
      bounded: true,
      ...(prepare ? { prepare } : {}),
    });
    return new DataStreamSink<T>(t);
  }

  private partitioned(kind: PartitionerKind): DataStream<T> {
    return new DataStream<T>(this.env, this.env.partition(this.transformation, kind));
  }
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new SpindleError(`first(n) takes a positive integer count, not ${n}`, { code: 'INVALID_ARGUMENT', userFacing: true });
  }
}

function fieldSelector(field: FieldExpression): (r: unknown) => unknown {
  return (r) => {
    if (r === null || typeof r !== 'object') {
      throw new SpindleError(`cannot key a ${typeof r} record by field ${JSON.stringify(field)}`, {
        code: 'FIELD_ACCESS',
        userFacing: true,
      });
    }
    return (r as Record<string | number, unknown>)[field];
  };
}

/** The settings operators and sinks share, Flink's fluent setters: each returns the operator or sink. */
interface Settings {
  name(name: string): this;
  /** A stable id that survives changes to the program (operator matching, savepoints). */
  uid(uid: string): this;
  setParallelism(parallelism: number): this;
  setMaxParallelism(maxParallelism: number): this;
  slotSharingGroup(group: string): this;
  disableChaining(): this;
  startNewChain(): this;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript accepts only `...args: any[]` as the constructor of a mixin's base (TS2545)
type Class<I> = new (...args: any[]) => I;

/** Adds the settings to `Base`: operators are data streams and sinks are not, so the settings are mixed in. */
function withSettings<Base extends Class<{ readonly transformation: Transformation }>>(Base: Base): Base & Class<Settings> {
  return class extends Base implements Settings {
    name(name: string): this {
      this.transformation.name = name;
      return this;
    }

    uid(uid: string): this {
      this.transformation.uid = uid;
      return this;
    }

    setParallelism(parallelism: number): this {
      if (!Number.isInteger(parallelism) || parallelism < 1) {
        throw new SpindleError(`parallelism must be a positive integer, not ${parallelism}`, {
          code: 'INVALID_PARALLELISM',
          userFacing: true,
        });
      }
      const t = this.transformation;
      if (parallelism !== 1 && t.type === 'operator' && t.nonParallel !== undefined) {
        throw new SpindleError(
          `The parallelism of non parallel operator must be 1. '${t.name}' comes from ${t.nonParallel}, which runs in one subtask; ` +
            `remove setParallelism(${parallelism}), or key the stream (keyBy(...).window(...)) to window it in parallel`,
          { code: 'INVALID_PARALLELISM', userFacing: true },
        );
      }
      t.parallelism = parallelism;
      return this;
    }

    setMaxParallelism(maxParallelism: number): this {
      this.transformation.maxParallelism = maxParallelism;
      return this;
    }

    slotSharingGroup(group: string): this {
      this.transformation.slotSharingGroup = group;
      return this;
    }

    disableChaining(): this {
      this.transformation.chaining = 'NEVER';
      return this;
    }

    startNewChain(): this {
      this.transformation.chaining = 'HEAD';
      return this;
    }
  };
}

/** A stream produced by one operator, whose settings can be changed. */
export class SingleOutputStreamOperator<T> extends withSettings(DataStream)<T> {
  declare readonly transformation: OperatorTransformation;

  /** Declares the records' Avro schema: they cross the network Avro-encoded. */
  returns(schema: object): this {
    this.transformation.schema = schema;
    return this;
  }

  /** The records this operator sends to `tag` (`ctx.output(tag, value)` in a process function), as a stream. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    return new DataStream<X>(this.env, this.env.sideOutput(this.transformation, tag.id));
  }
}

/** What a sink is built on: its transformation only, as a sink is not a stream. */
class SinkBase {
  constructor(readonly transformation: Transformation) {}
}

export class DataStreamSink<T> extends withSettings(SinkBase) {
  /** The sink's element type, for type inference only. */
  declare readonly __type?: T;
}

/** A stream partitioned by key; rolling aggregations keep one value per key. */
export class KeyedStream<T, K> extends DataStream<T> {
  constructor(
    env: StreamExecutionEnvironment,
    transformation: Transformation,
    private readonly keySelector: (record: unknown) => unknown,
  ) {
    super(env, transformation);
  }

  /** Rolling reduce: emits the new value per record in STREAMING, the final value per key in BATCH. */
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    return this.keyed('Keyed Reduce', 'keyed-reduce', fn as ReduceFunction<unknown>);
  }

  sum(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.aggregate('sum', field);
  }

  min(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.aggregate('min', field);
  }

  max(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.aggregate('max', field);
  }

  minBy(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.aggregate('minBy', field);
  }

  maxBy(field?: FieldExpression): SingleOutputStreamOperator<T> {
    return this.aggregate('maxBy', field);
  }

  /**
   * Runs a KeyedProcessFunction (Flink's `KeyedStream.process`): keyed state through
   * `getRuntimeContext()`, per-key event- and processing-time timers, side outputs.
   */
  override process<R>(fn: KeyedProcessFunction<K, T, R> | ProcessFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.addTransform(
      'KeyedProcess',
      'keyed-process',
      () => new KeyedProcessOperator(fn as KeyedProcessFunction<unknown, unknown, unknown>),
    );
  }

  override connect<T2>(other: BroadcastStream<T2>): KeyedBroadcastConnectedStream<K, T, T2>;
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  override connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | KeyedBroadcastConnectedStream<K, T, T2> {
    if (other instanceof BroadcastStream) return new KeyedBroadcastConnectedStream<K, T, T2>(this, other);
    return new ConnectedStreams<T, T2>(this, other);
  }

  /** `fullWindowPartition()` of a keyed stream: each operation works on one key's records at a time, in key order. */
  override fullWindowPartition(): KeyedPartitionWindowedStream<T, K> {
    return new KeyedPartitionWindowedStream<T, K>(this);
  }

  /** The first `n` records of each key (BATCH only; the DataSet API's `groupBy(...).first(n)`), in arrival order. */
  override first(n: number): SingleOutputStreamOperator<T> {
    checkCount(n);
    return this.batchOperation<T>('First-N', 'first-n', `keyBy(...).first(${n})`, () => new FirstNOperator(n, true));
  }

  /**
   * Windows of each key (Flink's KeyedStream.window): `assigner` puts elements into windows, which
   * `reduce`, `aggregate`, `process` or `apply` evaluate when their trigger fires.
   */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /**
   * Windows of `size` elements per key (Flink's countWindow): tumbling, or with `slide` the last
   * `size` elements every `slide` elements.
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    const windowed = this.window(GlobalWindows.create<T>());
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of<T>(size)));
    return windowed.evictor(CountEvictor.of<T>(size)).trigger(CountTrigger.of<T>(slide));
  }

  /**
   * Joins each element with the elements of `other` with the same key within a time interval of
   * it (Flink's intervalJoin): `.between(lower, upper).process(ProcessJoinFunction)`; event time only.
   */
  intervalJoin<T2>(other: KeyedStream<T2, K>): IntervalJoin<T, T2, K> {
    return new IntervalJoin<T, T2, K>(this, other);
  }

  /** The key of a record, as this stream computes it. */
  getKey(record: T): K {
    return this.keySelector(record) as K;
  }

  private aggregate(kind: AggregationKind, field: FieldExpression | undefined): SingleOutputStreamOperator<T> {
    const fn = aggregation(kind, field);
    const inPlace = inPlaceAggregation(kind, field);
    const selector = this.keySelector;
    // Operators are created once the graph is built, when `keyed` exists and has its final name.
    const keyedOperatorName = () => keyed.transformation.name;
    const combiner = {
      id: this.env.reserveId(),
      createOperator: () => new ReduceCombinerOperator(selector, fn, inPlace, { maxKeys: COMBINER_MAX_KEYS, keyedOperatorName }),
    };
    const keyed = this.addTransform<T>(
      'Keyed Aggregation',
      `keyed-${kind}`,
      () => new KeyedReduceOperator(fn, inPlace),
      combiner,
      MANAGED_MEMORY_WEIGHT,
    );
    return keyed;
  }

  private keyed(name: string, kind: string, fn: ReduceFunction<unknown>): SingleOutputStreamOperator<T> {
    return this.addTransform(name, kind, () => new KeyedReduceOperator(fn), undefined, MANAGED_MEMORY_WEIGHT);
  }
}
