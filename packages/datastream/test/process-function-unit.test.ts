import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import {
  KeyedProcessFunction,
  ListStateDescriptor,
  OutputTag,
  ProcessFunction,
  RichMapFunction,
  ValueStateDescriptor,
  type CheckpointedFunction,
  type Collector,
  type FunctionInitializationContext,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type ListState,
  type ProcessFunctionContext,
  type ValueState,
} from '../src/index.js';
import { KeyedProcessOperator, ProcessOperator } from '../src/operators/process-operators.js';
import { MapOperator } from '../src/operators/basic-operators.js';
import { OperatorHarness } from './operator-harness.js';

type Rec = { key: string; v: number };
const byKey = (r: unknown): unknown => (r as Rec).key;

/** Counts per key; `timer:<n>` records register a processing timer n ms ahead, twice; `del:<n>` registers then deletes one. */
class ProcessingTimers extends KeyedProcessFunction<string, Rec, string> {
  private count!: ValueState<number>;

  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', undefined, 0));
  }

  processElement(r: Rec, ctx: KeyedProcessFunctionContext<string>): void {
    this.count.update(this.count.value()! + r.v);
    const now = ctx.timerService().currentProcessingTime();
    if (r.v > 0) {
      ctx.timerService().registerProcessingTimeTimer(now + r.v);
      ctx.timerService().registerProcessingTimeTimer(now + r.v);
    } else {
      ctx.timerService().registerProcessingTimeTimer(now + 5);
      ctx.timerService().deleteProcessingTimeTimer(now + 5);
    }
  }

  override onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}@${ts}:${ctx.timeDomain()}:${this.count.value()}`);
  }
}

/** Keeps a running sum per key and an event-time timer at ts + 10 that emits it. */
class SumWithTimers extends KeyedProcessFunction<string, Rec, [string, number, number]> {
  private sum!: ValueState<number>;

  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('sum'));
  }

  processElement(r: Rec, ctx: KeyedProcessFunctionContext<string>): void {
    this.sum.update((this.sum.value() ?? 0) + r.v);
    ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 10);
  }

  override onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<[string, number, number]>): void {
    out.collect([ctx.getCurrentKey(), ts, this.sum.value()!]);
  }
}

/** Buffers what it sees in operator list state (Flink's BufferingSink pattern). */
class Buffering extends RichMapFunction<number, number> implements CheckpointedFunction {
  buffered: number[] = [];
  private state!: ListState<number>;
  restored = false;

  map(v: number): number {
    this.buffered.push(v);
    return v;
  }

  initializeState(context: FunctionInitializationContext): void {
    this.state = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('buffer'));
    this.restored = context.isRestored();
    if (this.restored) this.buffered = this.state.get();
  }

  snapshotState(): void {
    this.state.update(this.buffered);
  }
}

describe('process functions on an operator harness', () => {
  it('fires processing-time timers under a manual clock: twice registered fires once, deleted never fires', async () => {
    const h = await OperatorHarness.open(new KeyedProcessOperator(new ProcessingTimers()), { keySelector: byKey });
    h.element({ key: 'a', v: 3 });
    h.element({ key: 'b', v: 7 });
    h.element({ key: 'a', v: 0 });
    h.scheduler.advance(2);
    expect(h.values()).to.deep.equal([]);
    h.scheduler.advance(10);
    expect(h.values()).to.deep.equal(['a@1003:PROCESSING_TIME:3', 'b@1007:PROCESSING_TIME:7']);
    expect(h.output.every(([, ts]) => ts === undefined)).to.equal(true);
    h.scheduler.advance(100);
    expect(h.output.length).to.equal(2);
  });

  it('in BATCH, fires every processing-time timer (not the deleted ones) at the end of input, once', async () => {
    const h = await OperatorHarness.open(new KeyedProcessOperator(new ProcessingTimers()), { keySelector: byKey, runtimeMode: 'BATCH' });
    h.element({ key: 'a', v: 3000 });
    h.element({ key: 'b', v: 0 });
    h.watermark(Number.POSITIVE_INFINITY);
    expect(h.values()).to.deep.equal(['a@4000:PROCESSING_TIME:3000']);
    expect(h.watermarks).to.deep.equal([Number.POSITIVE_INFINITY]);
    h.scheduler.advance(10_000);
    expect(h.output.length).to.equal(1);
  });

  it('fires event-time timers when the watermark passes them, then forwards the watermark', async () => {
    const h = await OperatorHarness.open(new KeyedProcessOperator(new SumWithTimers()), { keySelector: byKey });
    h.element({ key: 'a', v: 1 }, 100);
    h.element({ key: 'b', v: 2 }, 105);
    h.element({ key: 'a', v: 4 }, 103);
    h.watermark(110);
    expect(h.output).to.deep.equal([[['a', 110, 5], 110]]);
    expect(h.watermarks).to.deep.equal([110]);
    h.watermark(Number.POSITIVE_INFINITY);
    expect(h.values()).to.deep.equal([
      ['a', 110, 5],
      ['a', 113, 5],
      ['b', 115, 2],
    ]);
  });

  it('snapshots keyed state and timers and restores them into a new operator instance', async () => {
    const h = await OperatorHarness.open(new KeyedProcessOperator(new SumWithTimers()), { keySelector: byKey });
    h.element({ key: 'a', v: 1 }, 100);
    h.element({ key: 'b', v: 2 }, 200);
    const snapshot = await h.snapshot();
    expect(snapshot.keyed).to.be.instanceOf(Uint8Array);
    const restored = await OperatorHarness.open(new KeyedProcessOperator(new SumWithTimers()), { keySelector: byKey, restored: snapshot });
    restored.element({ key: 'a', v: 10 }, 150);
    restored.watermark(Number.POSITIVE_INFINITY);
    expect(restored.values()).to.deep.equal([
      ['a', 110, 11],
      ['a', 160, 11],
      ['b', 210, 2],
    ]);
  });

  it('CheckpointedFunction: list state written by snapshotState is restored into a new instance', async () => {
    const h = await OperatorHarness.open(new MapOperator(new Buffering()));
    for (const v of [4, 5, 6]) h.element(v);
    const snapshot = await h.snapshot();
    const fresh = new Buffering();
    const op = new MapOperator(fresh);
    await OperatorHarness.open(op, { restored: snapshot });
    const instance = (op as unknown as { userFunction: Buffering }).userFunction;
    expect(instance.restored).to.equal(true);
    expect(instance.buffered).to.deep.equal([4, 5, 6]);
  });

  it('routes records to side outputs by tag and the rest to the main output', async () => {
    const odd = new OutputTag<number>('odd');
    class Split extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessFunctionContext, out: Collector<number>): void {
        if (v % 2 === 0) out.collect(v);
        else ctx.output(odd, v * 10);
      }
    }
    const h = await OperatorHarness.open(new ProcessOperator(new Split()), { sideTags: ['odd'] });
    for (const v of [1, 2, 3, 4]) h.element(v, v);
    expect(h.output).to.deep.equal([
      [2, 2],
      [4, 4],
    ]);
    expect(h.side.get('odd')).to.deep.equal([10, 30]);
  });

  it('rejects timers in a non-keyed ProcessFunction and keyed state in a non-keyed function, naming the operator', async () => {
    class Timer extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessFunctionContext): void {
        ctx.timerService().registerEventTimeTimer(v);
      }
    }
    const h = await OperatorHarness.open(new ProcessOperator(new Timer()));
    expect(() => h.element(1)).to.throw(SpindleError, 'Op: Setting timers is only supported on a keyed streams.');
    class Stateful extends RichMapFunction<number, number> {
      map(v: number): number {
        return this.getRuntimeContext().getState(new ValueStateDescriptor<number>('s')).value() ?? v;
      }
    }
    const m = await OperatorHarness.open(new MapOperator(new Stateful()));
    expect(() => m.element(1))
      .to.throw(SpindleError, "Op: Keyed state can only be used on a 'keyed stream', i.e., after a 'keyBy()' operation.")
      .with.property('code', 'KEYED_STATE_NOT_KEYED');
  });

  it('rejects an unknown state descriptor and state used outside a keyed context, naming the operator', async () => {
    class Bad extends KeyedProcessFunction<string, Rec, number> {
      processElement(): void {
        this.getRuntimeContext().getState({ name: 'weird', kind: 'tree' } as never);
      }
    }
    const h = await OperatorHarness.open(new KeyedProcessOperator(new Bad()), { keySelector: byKey });
    expect(() => h.element({ key: 'a', v: 1 }))
      .to.throw(SpindleError, /^Op: unknown state descriptor 'weird' of kind tree/)
      .with.property('code', 'UNKNOWN_STATE_DESCRIPTOR');
    class EarlyRead extends KeyedProcessFunction<string, Rec, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('early')).value();
      }
      processElement(): void {}
    }
    const op = new KeyedProcessOperator(new EarlyRead());
    const error = await OperatorHarness.open(op, { keySelector: byKey }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(SpindleError).with.property('code', 'NO_KEY_CONTEXT');
  });
});
