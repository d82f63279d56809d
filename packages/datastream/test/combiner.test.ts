import os from 'node:os';
import { expect } from 'chai';
import { Configuration, getLogger } from '@spindle/core';
import { ManualScheduler } from '@spindle/core';
import { MailboxProcessingTimeService, MailboxProcessor, type OperatorContext } from '@spindle/runtime';
import { StreamExecutionEnvironment } from '../src/index.js';
import { aggregation, inPlaceAggregation } from '../src/operators/keyed-reduce-operator.js';
import { ReduceCombinerOperator } from '../src/operators/reduce-combiner-operator.js';

function context(out: unknown[]): OperatorContext {
  return {
    operatorId: 'op',
    operatorName: 'Combine',
    taskName: 'Combine (1/1)',
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    attemptNumber: 0,
    runtimeMode: 'STREAMING',
    config: new Configuration(),
    log: getLogger('test'),
    output: { collect: (r) => out.push(r), emitWatermark: () => undefined, emitWatermarkStatus: () => undefined },
    numberOfInputs: 1,
    processingTimeService: new MailboxProcessingTimeService(new ManualScheduler(), new MailboxProcessor()),
    mailboxExecutor: { execute: (_description, action) => void action() },
    addAccumulator: () => undefined,
    signal: new AbortController().signal,
    managedMemory: 0,
    tmpDirs: [os.tmpdir()],
  };
}

describe('BATCH combiners', () => {
  it('pre-aggregate before the keyBy shuffle in BATCH, chained to the upstream operator, and not in STREAMING', () => {
    const build = (mode: 'BATCH' | 'STREAMING') => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2).setRuntimeMode(mode);
      env
        .fromSequence(1, 10)
        .map((x) => [x % 3, 1] as [number, number])
        .keyBy(0)
        .sum(1)
        .print();
      return env.prepare('x').jobGraph.vertices.map((v) => v.name);
    };
    expect(build('BATCH')).to.deep.equal([
      'Source: Sequence Source -> Map -> Combine (Keyed Aggregation)',
      'Keyed Aggregation -> Sink: Print to Std. Out',
    ]);
    expect(build('STREAMING')).to.deep.equal(['Source: Sequence Source -> Map', 'Keyed Aggregation -> Sink: Print to Std. Out']);
  });

  it('emit partial aggregates when they hold too many keys, which the final aggregation completes', () => {
    const partial: unknown[] = [];
    const combiner = new ReduceCombinerOperator((r) => (r as number[])[0], aggregation('sum', 1), inPlaceAggregation('sum', 1), {
      maxKeys: 2,
      keyedOperatorName: () => 'Sum',
    });
    void combiner.open(context(partial));
    const input = [
      [1, 1],
      [2, 1],
      [1, 1],
      [3, 1],
      [1, 1],
      [2, 1],
      [4, 1],
    ];
    for (const r of input) combiner.processElement(r, 0);
    void combiner.finish();
    expect(partial.length).to.be.greaterThan(4);
    const totals = new Map<number, number>();
    for (const [k, c] of partial as Array<[number, number]>) totals.set(k, (totals.get(k) ?? 0) + c);
    expect([...totals].sort()).to.deep.equal([
      [1, 3],
      [2, 2],
      [3, 1],
      [4, 1],
    ]);
    expect(input[0]).to.deep.equal([1, 1]);
  });
});
