import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { AbstractStreamOperator, Watermark, type OperatorContext, type SourceStatus } from '@spindle/runtime';
import { SingleOutputStreamOperator, StreamExecutionEnvironment, WatermarkStrategy, type DataStream } from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';

configureLogging({ level: 'error' });

interface Event {
  i: number;
  ts: number;
}

const SLOW = { count: 60, base: 0, step: 10, batch: 1, pauseMs: 3 };
const FAST = { count: 400, base: 1_000_000, step: 1, batch: 50, pauseMs: 1 };
type Plan = typeof SLOW;

const eventsOf = (plan: Plan): Event[] => Array.from({ length: plan.count }, (_, i) => ({ i, ts: plan.base + plan.step * i }));

/** Emits its events in batches with pauses, so that the watermarks of the two sources interleave. */
class PacedSource extends AbstractSource {
  private next = 0;

  constructor(private readonly plan: Plan) {
    super();
  }

  emitNext(): SourceStatus | Promise<SourceStatus> {
    const events = eventsOf(this.plan);
    if (this.next >= events.length) return 'end';
    for (const end = Math.min(this.next + this.plan.batch, events.length); this.next < end; this.next++)
      this.out.collect(events[this.next]);
    return new Promise((resolve) => setTimeout(() => resolve('more'), this.plan.pauseMs));
  }
}

type Tagged = [input: 1 | 2, event: Event, timestamp: number | undefined];

interface Report {
  records: Array<[Tagged, number | undefined]>;
  watermarks: Array<{ mark: number; maxSeen: [number, number]; ended: [boolean, boolean] }>;
}

/**
 * Chained after the two-input operator: records what arrives, and for each watermark the highest
 * timestamp it had seen of each input and whether that input's last record had come.
 */
class Probe extends AbstractStreamOperator {
  private readonly report: Report = { records: [], watermarks: [] };
  private readonly maxSeen: [number, number] = [Watermark.MIN, Watermark.MIN];
  private readonly ended: [boolean, boolean] = [false, false];

  override open(ctx: OperatorContext): void {
    super.open(ctx);
  }

  processElement(value: unknown, _input: number, timestamp?: number): void {
    const tagged = value as Tagged;
    const k = tagged[0] - 1;
    this.report.records.push([tagged, timestamp]);
    this.maxSeen[k] = Math.max(this.maxSeen[k]!, tagged[1].ts);
    if (tagged[1].i === (k === 0 ? SLOW : FAST).count - 1) this.ended[k] = true;
  }

  override processWatermark(mark: number, inputIndex: number): void {
    this.report.watermarks.push({ mark, maxSeen: [...this.maxSeen], ended: [...this.ended] });
    super.processWatermark(mark, inputIndex);
  }

  override finish(): void {
    this.ctx.addAccumulator('probe', [this.report]);
  }
}

function source(env: StreamExecutionEnvironment, name: string, plan: Plan): DataStream<Event> {
  const t = env.addOperator({
    name,
    kind: 'source:test-paced',
    role: 'source',
    inputs: [],
    bounded: true,
    createOperator: () => new PacedSource(plan),
  });
  return new SingleOutputStreamOperator<Event>(env, t).assignTimestampsAndWatermarks(
    WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.ts),
  );
}

describe('two-input operators and event time', function () {
  this.timeout(60_000);

  it('CoProcessFunction sees both inputs with their timestamps; the watermark is the minimum of both inputs', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1, { 'pipeline.auto-watermark-interval': '5 ms' });
    const slow = source(env, 'Slow', SLOW);
    const fast = source(env, 'Fast', FAST);
    slow
      .connect(fast)
      .process<Tagged>({
        processElement1: (e, ctx, out) => out.collect([1, e, ctx.timestamp()]),
        processElement2: (e, ctx, out) => {
          expect(ctx.timerService().currentWatermark()).to.be.lessThan(Watermark.MAX);
          out.collect([2, e, ctx.timestamp()]);
        },
      })
      .transform<never>('Probe', () => new Probe())
      .print();
    const reports = (await env.execute('two-input time')).getAccumulatorResult('probe') as Report[];
    expect(reports).to.have.length(1);
    const { records, watermarks } = reports[0]!;

    const expected = [...eventsOf(SLOW).map((e): Tagged => [1, e, e.ts]), ...eventsOf(FAST).map((e): Tagged => [2, e, e.ts])];
    const key = (t: Tagged) => t[0] * 10_000 + t[1].i;
    expect(records.map(([t]) => t).sort((a, b) => key(a) - key(b))).to.deep.equal(expected);
    for (const [t, ts] of records) expect(ts, 'records keep their timestamp').to.equal(t[1].ts);

    const marks = watermarks.map((w) => w.mark);
    for (let i = 1; i < marks.length; i++) expect(marks[i]!).to.be.greaterThan(marks[i - 1]!);
    expect(marks.at(-1)).to.equal(Watermark.MAX);
    expect(marks.filter((m) => m === Watermark.MAX)).to.have.length(1);
    const last = watermarks.at(-1)!;
    expect(last.ended, 'Watermark.MAX comes after both inputs ended').to.deep.equal([true, true]);
    for (const w of watermarks.slice(0, -1)) {
      for (const k of [0, 1]) {
        if (!w.ended[k]) expect(w.mark, `watermark ${w.mark} is not ahead of input ${k + 1}`).to.be.at.most(w.maxSeen[k]!);
      }
    }
  });
});
