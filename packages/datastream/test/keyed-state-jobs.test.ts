import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import type { OperatorContext, SourceStatus } from '@spindle/runtime';
import {
  KeyedProcessFunction,
  OutputTag,
  ProcessFunction,
  RichFilterFunction,
  RichFlatMapFunction,
  RichMapFunction,
  SingleOutputStreamOperator,
  StateTtlConfig,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ProcessFunctionContext,
  type ValueState,
} from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';

configureLogging({ level: 'error' });

async function failureOf(env: StreamExecutionEnvironment): Promise<Error> {
  const error = await env.execute().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(Error);
  return error as Error;
}

/** Shared by the source and the function of one run (the test runs its slots in this thread). */
const firings = { count: 0 };
const KEYS = ['a', 'b', 'c'];

/** Emits one record per key, then stays open until every key's timer fired (at most 10 s), so timers can fire before the end. */
class WaitingSource extends AbstractSource {
  private emitted = false;
  private deadline = 0;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.deadline = Date.now() + 10_000;
  }

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (!this.emitted) {
      for (const k of KEYS) this.out.collect(k);
      this.emitted = true;
    }
    if (firings.count >= KEYS.length || Date.now() > this.deadline) return 'end';
    return new Promise((resolve) => setTimeout(() => resolve('more'), 5));
  }
}

/**
 * Registers a processing-time timer 5 ms ahead twice and another one it deletes; stores the key in
 * a ValueState with a TTL of 1 ms and another with a TTL of an hour. On firing (5 ms or more later)
 * the first has expired and the second has not.
 */
class ProcessingTimer extends KeyedProcessFunction<string, string, string> {
  private shortLived!: ValueState<string>;
  private longLived!: ValueState<string>;

  override open(): void {
    const ctx = this.getRuntimeContext();
    this.shortLived = ctx.getState(new ValueStateDescriptor<string>('short').enableTimeToLive(StateTtlConfig.newBuilder(1).build()));
    this.longLived = ctx.getState(new ValueStateDescriptor<string>('long').enableTimeToLive(StateTtlConfig.newBuilder(3_600_000).build()));
  }

  processElement(key: string, ctx: KeyedProcessFunctionContext<string>): void {
    this.shortLived.update(key);
    this.longLived.update(key);
    const at = ctx.timerService().currentProcessingTime() + 5;
    ctx.timerService().registerProcessingTimeTimer(at);
    ctx.timerService().registerProcessingTimeTimer(at);
    ctx.timerService().registerProcessingTimeTimer(at + 1);
    ctx.timerService().deleteProcessingTimeTimer(at + 1);
  }

  override onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>): void {
    firings.count++;
    const now = ctx.timerService().currentProcessingTime();
    if (now < ts) throw new Error(`timer ${ts} fired early, at ${now}`);
    out.collect(`${ctx.getCurrentKey()}:${String(this.shortLived.value())}:${String(this.longLived.value())}`);
  }
}

describe('keyed state and process functions in jobs', function () {
  this.timeout(60_000);

  it('fires processing-time timers on the real clock, once per registration, never when deleted; state TTL expires by processing time', async () => {
    firings.count = 0;
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const source = env.addOperator({
      name: 'Waiting Source',
      kind: 'source:test',
      role: 'source',
      inputs: [],
      createOperator: () => new WaitingSource(),
      bounded: true,
      maxSourceParallelism: 1,
    });
    const out = await new SingleOutputStreamOperator<string>(env, source)
      .keyBy((k) => k)
      .process(new ProcessingTimer())
      .executeAndCollect();
    expect(out.sort()).to.deep.equal(['a:undefined:a', 'b:undefined:b', 'c:undefined:c']);
  });

  it('sends side outputs of a ProcessFunction downstream across a shuffle', async () => {
    const odd = new OutputTag<number>('odd');
    class Split extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessFunctionContext, out: Collector<number>): void {
        if (v % 2 === 0) out.collect(v);
        else ctx.output(odd, v);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const split = env.fromSequence(1, 200).process(new Split());
    const side = split
      .getSideOutput(odd)
      .shuffle()
      .map((v) => ['odd', v * 10] as [string, number])
      .setParallelism(3);
    const main = split.map((v) => ['even', v] as [string, number]);
    const out = await main.union(side).executeAndCollect();
    const expected: [string, number][] = [];
    for (let v = 1; v <= 200; v++) expected.push(v % 2 === 0 ? ['even', v] : ['odd', v * 10]);
    const order = (a: [string, number], b: [string, number]): number => a[0].localeCompare(b[0]) || a[1] - b[1];
    expect(out.sort(order)).to.deep.equal(expected.sort(order));
  });

  it('chains a side output like any forward stream, and records its consumers in the JobGraph', async () => {
    const small = new OutputTag<number>('small');
    class Split extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessFunctionContext, out: Collector<number>): void {
        if (v < 5) ctx.output(small, v);
        else out.collect(v);
      }
    }
    const build = (): StreamExecutionEnvironment => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      const split = env.fromSequence(1, 8).process(new Split());
      split
        .getSideOutput(small)
        .map((v) => -v)
        .print();
      split.print();
      return env;
    };
    const { jobGraph } = build().prepare('side');
    expect(jobGraph.vertices).to.have.length(1);
    const process = jobGraph.vertices[0]!.operators.find((o) => o.name === 'Process')!;
    expect(process.sideOutputs).to.deep.equal([
      { tag: 'small', chainedOutputs: [jobGraph.vertices[0]!.operators.find((o) => o.name === 'Map')!.id], networkOutputs: [] },
    ]);
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const split = env.fromSequence(1, 8).process(new Split());
    const out = await split
      .getSideOutput(small)
      .map((v) => -v)
      .union(split)
      .executeAndCollect();
    expect(out.sort((a, b) => a - b)).to.deep.equal([-4, -3, -2, -1, 5, 6, 7, 8]);
  });

  it('rich functions get open and a runtime context; keyed state in a RichFlatMapFunction after keyBy', async () => {
    class Describe extends RichMapFunction<number, string> {
      private prefix = '';
      override open(): void {
        const ctx = this.getRuntimeContext();
        this.prefix = `${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()}@${ctx.getTaskName()}`;
      }
      map(v: number): string {
        return `${this.prefix}:${v}`;
      }
    }
    class Even extends RichFilterFunction<number> {
      filter(v: number): boolean {
        return v % 2 === 0;
      }
    }
    class Dedup extends RichFlatMapFunction<number, number> {
      private seen!: ValueState<boolean>;
      override open(): void {
        this.seen = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('seen'));
      }
      flatMap(v: number, out: Collector<number>): void {
        if (this.seen.value() === true) return;
        this.seen.update(true);
        out.collect(v);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const out = await env
      .fromSequence(1, 40)
      .map((v) => v % 10)
      .keyBy((v) => v)
      .flatMap(new Dedup())
      .filter(new Even())
      .map(new Describe())
      .executeAndCollect();
    const values = out.map((s) => Number(s.slice(s.lastIndexOf(':') + 1))).sort((a, b) => a - b);
    expect(values).to.deep.equal([0, 2, 4, 6, 8]);
    for (const s of out) expect(s).to.match(/^[01]\/2@Flat Map -> Filter -> Map -> Sink: Collect \([12]\/2\):\d$/);
  });

  it('fails a job that uses keyed state in a non-keyed function, naming the operator', async () => {
    class Stateful extends RichMapFunction<number, number> {
      map(v: number): number {
        return this.getRuntimeContext().getState(new ValueStateDescriptor<number>('s')).value() ?? v;
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.fromSequence(1, 3).map(new Stateful()).name('Lookup').print();
    const error = await failureOf(env);
    expect(error.message).to.include("Lookup (1/1) failed: Lookup: Keyed state can only be used on a 'keyed stream'");
  });

  it('fails a job whose ProcessFunction sets a timer on a non-keyed stream, naming the operator', async () => {
    class Timer extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessFunctionContext): void {
        ctx.timerService().registerProcessingTimeTimer(v);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.fromSequence(1, 3).process(new Timer()).name('Timed').print();
    const error = await failureOf(env);
    expect(error.message).to.include('Timed (1/1) failed: Timed: Setting timers is only supported on a keyed streams.');
  });

  it('fails a job that reads keyed state outside a keyed context (in close), naming the operator', async () => {
    class LateRead extends KeyedProcessFunction<number, number, number> {
      private s!: ValueState<number>;
      override open(): void {
        this.s = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('s'));
      }
      processElement(v: number): void {
        this.s.update(v);
      }
      override close(): void {
        this.s.value();
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSequence(1, 3)
      .keyBy((v) => v)
      .process(new LateRead())
      .name('Late')
      .print();
    const error = await failureOf(env);
    expect(error.message).to.match(/^Late \(1\/1\) failed: keyed state 's' was accessed without a current key/);
  });
});
