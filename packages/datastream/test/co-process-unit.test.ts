import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  MapStateDescriptor,
  OutputTag,
  ValueStateDescriptor,
  type BroadcastContext,
  type BroadcastReadOnlyContext,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
  type KeyedCoOnTimerContext,
  type KeyedCoProcessContext,
  type ValueState,
} from '../src/index.js';
import { BroadcastProcessOperator, KeyedBroadcastProcessOperator } from '../src/operators/broadcast-operators.js';
import { CoProcessOperator, KeyedCoProcessOperator } from '../src/operators/co-operators.js';
import { OperatorHarness } from './operator-harness.js';

type Rule = [string, number];
const rules = new MapStateDescriptor<string, number>('rules');

/** Data records (input 0) are looked up in the broadcast rules; rules (input 1) are stored. */
class Enrich extends BroadcastProcessFunction<string, Rule, string> {
  processElement(key: string, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
    out.collect(`${key}=${ctx.getBroadcastState(rules).get(key) ?? 'none'}`);
  }

  processBroadcastElement([k, v]: Rule, ctx: BroadcastContext): void {
    if (v < 0) ctx.getBroadcastState(rules).remove(k);
    else ctx.getBroadcastState(rules).put(k, v);
  }
}

type Ev = { key: string; v: number };
const evKey = (r: unknown): unknown => (r as Ev).key;
const countDesc = new ValueStateDescriptor<number>('count');

/** Sums per key (keyed state), an event-time timer per key at 100; a broadcast 'reset' clears every key's sum. */
class SumWithReset extends KeyedBroadcastProcessFunction<string, Ev, string, string> {
  private sum!: ValueState<number>;

  override open(): void {
    this.sum = this.getRuntimeContext().getState(countDesc);
  }

  processElement(e: Ev, ctx: KeyedBroadcastReadOnlyContext<string>): void {
    this.sum.update((this.sum.value() ?? 0) + e.v * (ctx.getBroadcastState(rules).get('factor') ?? 1));
    ctx.timerService().registerEventTimeTimer(100);
  }

  processBroadcastElement(cmd: string, ctx: KeyedBroadcastContext, out: Collector<string>): void {
    if (cmd === 'reset') {
      ctx.applyToKeyedState(countDesc, (key, state: ValueState<number>) => {
        out.collect(`reset ${String(key)} from ${state.value()}`);
        state.clear();
      });
    } else {
      ctx.getBroadcastState(rules).put('factor', Number(cmd));
    }
  }

  override onTimer(t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}@${t}: ${this.sum.value() ?? 'cleared'} (${ctx.timeDomain()})`);
  }
}

describe('two-input operators on an operator harness', () => {
  it('a broadcast operator snapshots its broadcast state and a new instance restores it', async () => {
    const first = await OperatorHarness.open(new BroadcastProcessOperator(new Enrich(), [rules], false), {
      numberOfInputs: 2,
    });
    first.element(['a', 1], undefined, 1);
    first.element(['b', 2], undefined, 1);
    first.element(['c', 3], undefined, 1);
    first.element(['b', -1], undefined, 1);
    first.element('a', undefined, 0);
    first.element('b', undefined, 0);
    expect(first.values()).to.deep.equal(['a=1', 'b=none']);
    const snapshot = await first.snapshot();
    expect(snapshot.operator, 'the broadcast state is in the operator state snapshot').to.be.instanceOf(Uint8Array);

    const restored = await OperatorHarness.open(new BroadcastProcessOperator(new Enrich(), [rules], false), {
      numberOfInputs: 2,
      restored: snapshot,
    });
    restored.element('a', undefined, 0);
    restored.element('b', undefined, 0);
    restored.element('c', undefined, 0);
    expect(restored.values()).to.deep.equal(['a=1', 'b=none', 'c=3']);
    // A fresh operator without the snapshot has no rules: the restore is what carries them.
    const fresh = await OperatorHarness.open(new BroadcastProcessOperator(new Enrich(), [rules], false), {
      numberOfInputs: 2,
    });
    fresh.element('c', undefined, 0);
    expect(fresh.values()).to.deep.equal(['c=none']);
  });

  it('a keyed broadcast operator: keyed state and timers per key, applyToKeyedState, broadcast and keyed state restored', async () => {
    const open = (restored?: Awaited<ReturnType<OperatorHarness['snapshot']>>) =>
      OperatorHarness.open(new KeyedBroadcastProcessOperator(new SumWithReset(), [rules], false), {
        numberOfInputs: 2,
        keySelectors: [evKey, undefined],
        ...(restored ? { restored } : {}),
      });
    const h = await open();
    h.element({ key: 'x', v: 1 }, 1, 0);
    h.element({ key: 'y', v: 2 }, 2, 0);
    h.element('10', 3, 1);
    h.element({ key: 'x', v: 3 }, 4, 0);
    h.element({ key: 'z', v: 5 }, 5, 0);
    h.element('reset', 6, 1);
    expect(h.values().sort()).to.deep.equal(['reset x from 31', 'reset y from 2', 'reset z from 50']);
    h.element({ key: 'y', v: 4 }, 7, 0);
    const snapshot = await h.snapshot();

    const r = await open(snapshot);
    r.element({ key: 'x', v: 1 }, 8, 0);
    r.watermark(200, 0);
    expect(r.values(), 'the watermark is the minimum of both inputs').to.deep.equal([]);
    r.watermark(200, 1);
    // Timers restored for x, y, z; y kept 4*10 from before the snapshot; x restarted after the reset with the restored factor.
    expect(r.output.map(([v, ts]) => `${String(v)} ts=${ts}`).sort()).to.deep.equal([
      'x@100: 10 (EVENT_TIME) ts=100',
      'y@100: 40 (EVENT_TIME) ts=100',
      'z@100: cleared (EVENT_TIME) ts=100',
    ]);
  });

  it('KeyedCoProcessFunction: both inputs share the keyed state and timers of their key; side outputs', async () => {
    const late = new OutputTag<string>('late');
    const total = new ValueStateDescriptor<number>('total');
    class Join extends KeyedCoProcessFunction<string, Ev, [string, number], string> {
      processElement1(e: Ev, ctx: KeyedCoProcessContext<string>): void {
        expect(ctx.getCurrentKey()).to.equal(e.key);
        const s = this.getRuntimeContext().getState(total);
        s.update((s.value() ?? 0) + e.v);
        ctx.timerService().registerEventTimeTimer(50);
      }

      processElement2([k, mult]: [string, number], ctx: KeyedCoProcessContext<string>, out: Collector<string>): void {
        expect(ctx.getCurrentKey()).to.equal(k);
        const s = this.getRuntimeContext().getState(total);
        if (ctx.timerService().currentWatermark() >= 50) ctx.output(late, `${k}*${mult}`);
        else out.collect(`${k}: ${(s.value() ?? 0) * mult}`);
      }

      override onTimer(t: number, ctx: KeyedCoOnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}@${t}=${this.getRuntimeContext().getState(total).value()}`);
      }
    }
    const h = await OperatorHarness.open(new KeyedCoProcessOperator(new Join()), {
      numberOfInputs: 2,
      keySelectors: [evKey, (r) => (r as [string, number])[0]],
      sideTags: ['late'],
    });
    h.element({ key: 'a', v: 2 }, 10, 0);
    h.element({ key: 'b', v: 3 }, 11, 0);
    h.element({ key: 'a', v: 4 }, 12, 0);
    h.element(['a', 10], 13, 1);
    h.element(['c', 10], 14, 1);
    h.watermark(60, 0);
    expect(h.values()).to.deep.equal(['a: 60', 'c: 0']);
    h.watermark(60, 1);
    h.element(['b', 7], 61, 1);
    expect(h.values().slice(2).sort()).to.deep.equal(['a@50=6', 'b@50=3']);
    expect(h.side.get('late')).to.deep.equal(['b*7']);
  });

  it('a timer in a non-keyed CoProcessFunction fails with Flink message naming the operator', async () => {
    const h = await OperatorHarness.open(
      new CoProcessOperator({
        processElement1: (_v, ctx) => ctx.timerService().registerEventTimeTimer(5),
        processElement2: (_v, ctx) => ctx.timerService().registerProcessingTimeTimer(5),
      }),
      { numberOfInputs: 2 },
    );
    for (const input of [0, 1]) {
      let err: unknown;
      try {
        h.element('x', 1, input);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(SpindleError);
      expect((err as SpindleError).code).to.equal('TIMERS_NOT_KEYED');
      expect((err as SpindleError).message).to.equal('Op: Setting timers is only supported on a keyed streams.');
    }
  });
});
