import { expect } from 'chai';
import { configureLogging, ManualScheduler } from '@spindle/core';
import type { AbstractStreamOperator } from '@spindle/runtime';
import {
  ContinuousProcessingTimeTrigger,
  CountTrigger,
  EventTimeSessionWindows,
  OutputTag,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Collector,
  type ProcessWindowContext,
  type TimeWindow,
  type ValueState,
} from '../src/index.js';
import { ValueStateDescriptor } from '../src/index.js';
import type { SingleOutputStreamOperator } from '../src/index.js';
import { OperatorHarness } from './operator-harness.js';

configureLogging({ level: 'error' });

type Ev = { k: string; v: number };
const byKey = (e: unknown): unknown => (e as Ev).k;

/** Emits key, window bounds, the reduced sum and how often this window fired (per-window state). */
class Describe extends ProcessWindowFunction<Ev, string, string, TimeWindow> {
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<Ev>, out: Collector<string>): void {
    const firings: ValueState<number> = ctx.windowState().getState(new ValueStateDescriptor<number>('firings', undefined, 0));
    firings.update(firings.value()! + 1);
    const w = ctx.window();
    out.collect(`${key}[${w.start},${w.end})=${[...elements].map((e) => e.v).join('+')}#${firings.value()}`);
  }

  override clear(ctx: ProcessWindowContext<TimeWindow>): void {
    ctx
      .windowState()
      .getState(new ValueStateDescriptor<number>('firings', undefined, 0))
      .clear();
  }
}

/** The operator a window transformation creates (one subtask's). */
function operatorOf(stream: SingleOutputStreamOperator<string>): AbstractStreamOperator {
  return stream.transformation.createOperator() as AbstractStreamOperator;
}

function keyed(): SingleOutputStreamOperator<Ev> {
  return StreamExecutionEnvironment.createLocalEnvironment(1).fromElements<Ev>();
}

describe('window operator (harness)', () => {
  it('restores window contents and timers from a snapshot and fires them after the restore', async () => {
    const late = new OutputTag<Ev>('late');
    const build = () =>
      operatorOf(
        keyed()
          .keyBy((e) => e.k)
          .window(TumblingEventTimeWindows.of(100))
          .allowedLateness(50)
          .sideOutputLateData(late)
          .reduce<string>((a, b) => ({ k: a.k, v: a.v + b.v }), new Describe()),
      );
    const first = await OperatorHarness.open(build(), { keySelector: byKey, sideTags: ['late'] });
    first.element({ k: 'a', v: 1 }, 10);
    first.element({ k: 'a', v: 2 }, 120);
    first.element({ k: 'b', v: 5 }, 50);
    first.watermark(99);
    expect(first.values()).to.deep.equal(['a[0,100)=1#1', 'b[0,100)=5#1']);
    const snapshot = await first.snapshot();

    const second = await OperatorHarness.open(build(), { keySelector: byKey, restored: snapshot, sideTags: ['late'] });
    // Within the allowed lateness: the window [0,100) of a fires again with the late element.
    second.element({ k: 'a', v: 4 }, 20);
    second.watermark(150);
    // Beyond it: [0,100) is gone once the watermark passed 149.
    second.element({ k: 'b', v: 7 }, 30);
    second.watermark(300);
    expect(second.values()).to.deep.equal(['a[0,100)=5#2', 'a[100,200)=2#1']);
    expect(second.side.get('late')).to.deep.equal([{ k: 'b', v: 7 }]);
  });

  it('merges session windows, their state and their count trigger state', async () => {
    const op = operatorOf(
      keyed()
        .keyBy((e) => e.k)
        .window(EventTimeSessionWindows.withGap(10))
        .process<string>(new Describe()),
    );
    const h = await OperatorHarness.open(op, { keySelector: byKey });
    h.element({ k: 'a', v: 1 }, 0);
    h.element({ k: 'a', v: 2 }, 30);
    h.element({ k: 'a', v: 3 }, 20); // [20,30) touches [30,40): they merge
    h.element({ k: 'a', v: 4 }, 5); // merges with [0,10)
    const snapshot = await h.snapshot();
    const restored = await OperatorHarness.open(
      operatorOf(
        keyed()
          .keyBy((e) => e.k)
          .window(EventTimeSessionWindows.withGap(10))
          .process<string>(new Describe()),
      ),
      { keySelector: byKey, restored: snapshot },
    );
    restored.element({ k: 'a', v: 5 }, 12); // [12,22) joins [0,15) and [20,40): one session
    restored.watermark(1000);
    expect(restored.values()).to.deep.equal(['a[0,40)=1+4+2+3+5#1']);

    const counting = await OperatorHarness.open(
      operatorOf(
        keyed()
          .keyBy((e) => e.k)
          .window(EventTimeSessionWindows.withGap(10))
          .trigger(CountTrigger.of(3))
          .process<string>(new Describe()),
      ),
      { keySelector: byKey },
    );
    counting.element({ k: 'a', v: 1 }, 0);
    counting.element({ k: 'a', v: 2 }, 22);
    counting.element({ k: 'a', v: 3 }, 11); // no merge: 3 elements in 3 sessions
    expect(counting.values()).to.deep.equal([]);
    counting.element({ k: 'a', v: 4 }, 10); // [0,10) + [10,20) + [11,21) merge: their counts add up to 3
    expect(counting.values()).to.deep.equal(['a[0,21)=1+3+4#1']);
  });

  it('fires processing-time windows when the clock passes their end, and ignores their lateness', async () => {
    const scheduler = new ManualScheduler(1000);
    const op = operatorOf(
      keyed()
        .keyBy((e) => e.k)
        .window(TumblingProcessingTimeWindows.of(100))
        .allowedLateness(500)
        .process<string>(new Describe()),
    );
    const h = await OperatorHarness.open(op, { keySelector: byKey, scheduler });
    h.element({ k: 'a', v: 1 });
    scheduler.advance(50);
    h.element({ k: 'a', v: 2 });
    scheduler.advance(60);
    h.element({ k: 'a', v: 3 });
    expect(h.values()).to.deep.equal(['a[1000,1100)=1+2#1']);
    scheduler.advance(100);
    expect(h.values()).to.deep.equal(['a[1000,1100)=1+2#1', 'a[1100,1200)=3#1']);
  });

  it('ContinuousProcessingTimeTrigger fires a processing-time window every interval until it ends', async () => {
    const scheduler = new ManualScheduler(1000);
    const op = operatorOf(
      keyed()
        .keyBy((e) => e.k)
        .window(TumblingProcessingTimeWindows.of(1000))
        .trigger(ContinuousProcessingTimeTrigger.of(300))
        .process<string>(new Describe()),
    );
    const h = await OperatorHarness.open(op, { keySelector: byKey, scheduler });
    h.element({ k: 'a', v: 1 });
    scheduler.advance(300);
    h.element({ k: 'a', v: 2 });
    scheduler.advance(300);
    expect(h.values()).to.deep.equal(['a[1000,2000)=1#1', 'a[1000,2000)=1+2#2']);
    scheduler.advance(1000);
    // The last firing at 1900, then the window is gone at its end (1999) with its trigger timer.
    expect(h.values()).to.deep.equal(['a[1000,2000)=1#1', 'a[1000,2000)=1+2#2', 'a[1000,2000)=1+2#3']);
    scheduler.advance(2000);
    expect(h.values()).to.have.length(3);
  });
});
