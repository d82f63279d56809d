import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { AbstractStreamOperator, Watermark, type OperatorContext, type SourceStatus } from '@spindle/runtime';
import { SingleOutputStreamOperator, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index.js';
import { AbstractSource } from '../src/sources/source-operators.js';

configureLogging({ level: 'error' });

const BOUND = 50;
const EVENTS_PER_SUBTASK = 300;
const SOURCE_PARALLELISM = 4;

interface Event {
  k: number;
  i: number;
  ts: number;
}

/** Events of source subtask k: out of order by at most BOUND (ts = 10i - d, 0 <= d <= BOUND). */
function eventsOf(k: number): Event[] {
  return Array.from({ length: EVENTS_PER_SUBTASK }, (_, i) => ({ k, i, ts: 1_000_000 + 10 * i - ((i * 37 + k * 11) % (BOUND + 1)) }));
}

/** Shared by the source and probe subtasks of one run (the test runs its slots in this thread). */
const run = { progress: false, activeEnded: 0, idleWaitMs: 0 };

const tick = (ms: number): Promise<SourceStatus> => new Promise((resolve) => setTimeout(() => resolve('more'), ms));

/**
 * The last subtask is idle: it emits nothing and ends only after the others ended. The others
 * emit their events in small batches, then wait until a probe saw event time advance (or for
 * `idleWaitMs`) before they end.
 */
class EventSource extends AbstractSource {
  private events: Event[] = [];
  private next = 0;
  private idleSubtask = false;
  private waitUntil = 0;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.idleSubtask = ctx.subtaskIndex === ctx.parallelism - 1;
    if (!this.idleSubtask) this.events = eventsOf(ctx.subtaskIndex);
  }

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.next < this.events.length) {
      for (const end = Math.min(this.next + 25, this.events.length); this.next < end; this.next++) this.out.collect(this.events[this.next]);
      return tick(2);
    }
    if (this.waitUntil === 0) this.waitUntil = Date.now() + run.idleWaitMs;
    if (!run.progress && Date.now() < this.waitUntil) return tick(5);
    if (!this.idleSubtask) {
      run.activeEnded++;
      return 'end';
    }
    return run.activeEnded < SOURCE_PARALLELISM - 1 ? tick(5) : 'end';
  }
}

interface ProbeReport {
  subtask: number;
  records: Array<[Event, number | undefined, number]>;
  watermarks: number[];
}

/** Records what reaches it: records with their timestamp and the watermark at arrival, and watermarks. */
class Probe extends AbstractStreamOperator {
  private readonly report: ProbeReport = { subtask: 0, records: [], watermarks: [] };
  private seen: number = Watermark.MIN;

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    this.report.subtask = ctx.subtaskIndex;
  }

  processElement(value: unknown, _input: number, timestamp?: number): void {
    this.report.records.push([value as Event, timestamp, this.seen]);
  }

  override processWatermark(mark: number, inputIndex: number): void {
    this.report.watermarks.push(mark);
    this.seen = mark;
    if (Number.isFinite(mark)) run.progress = true;
    super.processWatermark(mark, inputIndex);
  }

  override finish(): void {
    this.ctx.addAccumulator('probe', [this.report]);
  }
}

function environment(p: number, mode: 'STREAMING' | 'BATCH' = 'STREAMING'): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.createLocalEnvironment(p, { 'pipeline.auto-watermark-interval': '10 ms' }).setRuntimeMode(mode);
}

async function runJob(probeParallelism: number, strategy: WatermarkStrategy<Event>): Promise<ProbeReport[]> {
  run.progress = false;
  run.activeEnded = 0;
  const env = environment(SOURCE_PARALLELISM);
  const source = env.addOperator({
    name: 'Events',
    kind: 'source:test-events',
    role: 'source',
    inputs: [],
    bounded: true,
    createOperator: () => new EventSource(),
  });
  new SingleOutputStreamOperator<Event>(env, source)
    .assignTimestampsAndWatermarks(strategy)
    .keyBy((e) => e.i % 7)
    .transform<never>('Probe', () => new Probe())
    .setParallelism(probeParallelism)
    .print();
  const result = await env.execute('event time');
  const reports = result.getAccumulatorResult('probe') as ProbeReport[];
  expect(reports).to.have.length(probeParallelism);
  return reports;
}

/**
 * Every watermark a probe may see: a prefix maximum of an active subtask's timestamps, minus the
 * bound, minus 1; the highest is that of the subtask whose timestamps reach furthest.
 */
function possibleWatermarks(): { candidates: Set<number>; highest: number } {
  const candidates = new Set<number>();
  let highest = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < SOURCE_PARALLELISM - 1; k++) {
    let max = Number.NEGATIVE_INFINITY;
    for (const e of eventsOf(k)) {
      max = Math.max(max, e.ts);
      candidates.add(max - BOUND - 1);
    }
    highest = Math.max(highest, max - BOUND - 1);
  }
  return { candidates, highest };
}

function checkRun(reports: ProbeReport[]): void {
  const { candidates, highest } = possibleWatermarks();
  const received: Array<[Event, number | undefined]> = [];
  for (const r of reports) {
    const w = r.watermarks;
    for (let i = 1; i < w.length; i++) expect(w[i]!, `subtask ${r.subtask}: watermarks never decrease`).to.be.greaterThan(w[i - 1]!);
    expect(w.at(-1), `subtask ${r.subtask} ends with Watermark.MAX`).to.equal(Watermark.MAX);
    const finite = w.filter((m) => Number.isFinite(m));
    for (const m of finite) {
      expect(candidates.has(m), `watermark ${m} is a bounded-out-of-orderness watermark of an active subtask`).to.equal(true);
      expect(m).to.be.at.most(highest);
    }
    for (const [event, ts, watermarkAtArrival] of r.records) {
      received.push([event, ts]);
      expect(ts!, `record ${event.k}/${event.i} is not behind the watermark`).to.be.greaterThan(watermarkAtArrival);
    }
  }
  expect(
    reports.some((r) => r.watermarks.some((m) => Number.isFinite(m))),
    'event time advanced while a partition was idle',
  ).to.equal(true);
  const expected = [0, 1, 2].flatMap((k) => eventsOf(k).map((e) => [e, e.ts]));
  const key = (x: [Event, number | undefined]) => x[0].k * 100_000 + x[0].i;
  expect(received.sort((a, b) => key(a) - key(b))).to.deep.equal(expected);
}

describe('event time: timestamps and watermarks through a shuffle', function () {
  this.timeout(60_000);
  const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Event>(BOUND)
    .withTimestampAssigner((e) => e.ts)
    .withIdleness(40);

  for (const p of [1, 4]) {
    it(`bounded out-of-orderness with one idle source partition, downstream parallelism ${p}`, async () => {
      run.idleWaitMs = 10_000;
      checkRun(await runJob(p, strategy));
    });
  }

  it('without withIdleness, the idle partition holds event time back until the end of input', async () => {
    run.idleWaitMs = 300;
    const reports = await runJob(
      1,
      WatermarkStrategy.forBoundedOutOfOrderness<Event>(BOUND).withTimestampAssigner((e) => e.ts),
    );
    expect(reports[0]!.watermarks).to.deep.equal([Watermark.MAX]);
  });

  it('emits only Watermark.MAX in BATCH, at the end of the bounded input, and keeps the timestamps', async () => {
    const env = environment(2, 'BATCH');
    env
      .fromSequence(1, 500)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<number>(5).withTimestampAssigner((x) => x * 1000))
      .keyBy((x) => x % 3)
      .transform<never>('Probe', () => new Probe())
      .print();
    const reports = (await env.execute()).getAccumulatorResult('probe') as ProbeReport[];
    expect(reports).to.have.length(2);
    for (const r of reports) expect(r.watermarks).to.deep.equal([Watermark.MAX]);
    const records = reports.flatMap((r) => r.records);
    expect(records).to.have.length(500);
    for (const [x, ts] of records) expect(ts).to.equal((x as unknown as number) * 1000);
  });

  it('fails a job whose timestamp assigner returns NaN, naming the operator', async () => {
    const env = environment(1);
    env
      .fromElements(1, 2, 3)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(() => Number.NaN))
      .name('Stamper')
      .print();
    const error = await env.execute().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(
      /^Stamper \(1\/1\) failed: the timestamp assigner of 'Stamper' returned number NaN: event timestamps must be integer milliseconds/,
    );
  });
});
