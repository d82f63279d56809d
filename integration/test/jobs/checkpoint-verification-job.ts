import fs from 'node:fs';
import path from 'node:path';
import {
  BasePathBucketAssigner,
  FileSink,
  KeyedProcessFunction,
  ListStateDescriptor,
  OnCheckpointRollingPolicy,
  ParameterTool,
  RichMapFunction,
  RichSinkFunction,
  SimpleStringEncoder,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type CheckpointListener,
  type CheckpointedFunction,
  type Collector,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type KeyedProcessFunctionContext,
  type ListState,
  type ValueState,
} from '@spindle/datastream';

/**
 * The verification job of the checkpoint tests: a rate-limited generator (its position is
 * checkpointed) of indexes 0..n-1 at parallelism 2; key = index mod KEYS, and each key's sequence
 * number floor(index / KEYS) must advance by exactly one (keyed state; a jump or a repeat throws);
 * a sink that stages the records of each checkpoint in a file and commits (renames) it when the
 * checkpoint completes. The committed output must be exactly one line `<key> <seq>` per index.
 * Failures are injected in the first attempt only: a map that throws after `failAfter` records,
 * or a snapshot that throws at checkpoint `failSnapshotAt`.
 */
export const KEYS = 20;

export interface VerificationOptions {
  n: number;
  recordsPerSecond: number;
  output: string;
  /** Write through a FileSink (row format, one bucket, a part per checkpoint) to `output` instead of the staging test sink. */
  fileSink?: boolean;
  failAfter?: number;
  failSnapshotAt?: number;
}

export function expectedLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i % KEYS} ${Math.floor(i / KEYS)}`).sort();
}

/** Every committed line, sorted. */
export function committedLines(output: string): string[] {
  const dir = path.join(output, 'committed');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.length > 0)
    .sort();
}

class FailingMap extends RichMapFunction<number, number> {
  private seen = 0;

  constructor(private readonly failAfter: number | undefined) {
    super();
  }

  map(value: number): number {
    this.seen++;
    if (this.failAfter !== undefined && this.getRuntimeContext().getAttemptNumber() === 0 && this.seen === this.failAfter) {
      throw new Error(`injected failure after ${this.seen} records`);
    }
    return value;
  }
}

class SequenceChecker extends KeyedProcessFunction<number, number, string> implements CheckpointedFunction {
  private last!: ValueState<number>;

  constructor(private readonly failSnapshotAt: number | undefined) {
    super();
  }

  override open(): void {
    this.last = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last-seq'));
  }

  initializeState(_context: FunctionInitializationContext): void {}

  snapshotState(context: FunctionSnapshotContext): void {
    if (this.getRuntimeContext().getAttemptNumber() === 0 && context.getCheckpointId() === this.failSnapshotAt) {
      throw new Error(`injected failure in the snapshot of checkpoint ${context.getCheckpointId()}`);
    }
  }

  processElement(index: number, _ctx: KeyedProcessFunctionContext<number>, out: Collector<string>): void {
    const key = index % KEYS;
    const seq = Math.floor(index / KEYS);
    const last = this.last.value() ?? -1;
    if (seq !== last + 1) throw new Error(`key ${key}: sequence went from ${last} to ${seq}`);
    this.last.update(seq);
    out.collect(`${key} ${seq}`);
  }
}

/** Stages each checkpoint's records in `<output>/staged/`, and renames them into `<output>/committed/` once it completed. */
export class CommittingSink extends RichSinkFunction<string> implements CheckpointedFunction, CheckpointListener {
  private buffer: string[] = [];
  private pending: Array<[number, string]> = [];
  private state!: ListState<[number, string]>;

  constructor(private readonly output: string) {
    super();
  }

  initializeState(context: FunctionInitializationContext): void {
    this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<[number, string]>('pending-files'));
    this.pending = this.state.get();
    // A restored checkpoint completed: whatever it staged is committed (again, idempotently).
    if (context.isRestored()) this.commitUpTo(Number.MAX_SAFE_INTEGER);
  }

  invoke(value: string): void {
    this.buffer.push(value);
  }

  snapshotState(context: FunctionSnapshotContext): void {
    const id = context.getCheckpointId();
    if (this.buffer.length > 0) {
      const ctx = this.getRuntimeContext();
      const name = `part-${ctx.getIndexOfThisSubtask()}-${id}-${ctx.getAttemptNumber()}`;
      fs.mkdirSync(path.join(this.output, 'staged'), { recursive: true });
      fs.writeFileSync(path.join(this.output, 'staged', name), this.buffer.join('\n') + '\n');
      this.pending.push([id, name]);
      this.buffer = [];
    }
    this.state.update(this.pending);
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.commitUpTo(checkpointId);
  }

  private commitUpTo(checkpointId: number): void {
    fs.mkdirSync(path.join(this.output, 'committed'), { recursive: true });
    this.pending = this.pending.filter(([id, name]) => {
      if (id > checkpointId) return true;
      const staged = path.join(this.output, 'staged', name);
      if (fs.existsSync(staged)) fs.renameSync(staged, path.join(this.output, 'committed', name));
      return false;
    });
  }
}

export function buildVerificationJob(env: StreamExecutionEnvironment, o: VerificationOptions): void {
  env.setParallelism(2);
  addVerificationPipeline(env, o);
}

/** One pipeline of the verification job, from generator to sink; several in one job are independent pipelined regions. */
export function addVerificationPipeline(env: StreamExecutionEnvironment, o: VerificationOptions): void {
  const checked = env
    .fromDataGenerator((i) => i, { count: o.n, recordsPerSecond: o.recordsPerSecond })
    .map(new FailingMap(o.failAfter))
    .keyBy((i: number) => i % KEYS)
    .process(new SequenceChecker(o.failSnapshotAt));
  if (o.fileSink === true) {
    checked.sinkTo(
      FileSink.forRowFormat(o.output, new SimpleStringEncoder<string>())
        .withBucketAssigner(new BasePathBucketAssigner())
        .withRollingPolicy(OnCheckpointRollingPolicy.build())
        .build(),
    );
  } else {
    checked.addSink(new CommittingSink(o.output), 'Committing sink');
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  buildVerificationJob(env, {
    n: params.getInt('n', 20_000),
    recordsPerSecond: params.getInt('rate', 5000),
    output: params.getRequired('output'),
  });
  await env.execute('Checkpoint verification');
}
