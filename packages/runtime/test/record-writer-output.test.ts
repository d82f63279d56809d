import { expect } from 'chai';
import { keyHash, murmurMix } from '@spindle/core';
import { directLinkPair } from '../src/network/channel-link.js';
import { readBufferElements } from '../src/network/element-codec.js';
import { InputGate } from '../src/network/input-gate.js';
import { ResultPartition } from '../src/network/result-partition.js';
import { recordWriterOutput } from '../src/tasks/record-writer-output.js';
import { serializer, spec } from './tcp-helpers.js';

const CHANNELS = 3;
const MAX_PARALLELISM = 100;

/** The owner of a key computed from the definition (Flink's KeyGroupRangeAssignment), not through the engine's key-group code. */
function expectedChannel(key: unknown): number {
  const keyGroup = (murmurMix(keyHash(key)) >>> 0) % MAX_PARALLELISM;
  return Math.floor((keyGroup * CHANNELS) / MAX_PARALLELISM);
}

/** A keyBy output over a partition of CHANNELS subpartitions, read back through an input gate. */
function keyedExchange() {
  const partition = new ResultPartition({ ...spec('ds#0#a', CHANNELS), partitioner: 'hash' }, serializer, {
    segmentSize: 4096,
    buffersPerChannel: 2,
    floatingBuffers: 4,
  });
  const gate = new InputGate(0, CHANNELS, 2, 4, () => undefined);
  for (let c = 0; c < CHANNELS; c++) {
    const pair = directLinkPair();
    partition.subpartitions[c]!.connect(pair.producer);
    gate.channels[c]!.connect(pair.consumer);
  }
  const output = recordWriterOutput(partition, 'hash', {
    subtaskIndex: 0,
    maxParallelism: MAX_PARALLELISM,
    keySelector: (record) => (record as [unknown, number])[0],
    keyedOperatorName: 'Counts',
  });
  const received: Array<{ channel: number; record: [unknown, number] }> = [];
  const drain = async (): Promise<void> => {
    partition.flushAll();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    for (let next = gate.poll(); next; next = gate.poll()) {
      if (!(next.data instanceof Uint8Array)) continue;
      for (const e of readBufferElements(next.data, serializer)) {
        if (e.kind === 'record') received.push({ channel: next.channel.index, record: e.value as [unknown, number] });
      }
      next.channel.recycle(next.data);
    }
  };
  const send = async (keys: readonly unknown[]): Promise<void> => {
    for (let i = 0; i < keys.length; i++) {
      if (!partition.isAvailable()) await drain();
      output.collect([keys[i], i]);
    }
    await drain();
  };
  return { send, received };
}

function expectRoutedByKeyGroup(received: ReadonlyArray<{ channel: number; record: [unknown, number] }>, sent: number): void {
  expect(received).to.have.length(sent);
  const wrong = received.filter(({ channel, record }) => channel !== expectedChannel(record[0]));
  expect(wrong.slice(0, 5), `${wrong.length} records on the wrong channel`).to.deep.equal([]);
  expect(new Set(received.map((r) => r.channel)).size).to.equal(CHANNELS);
}

describe('keyBy record writer', () => {
  it('sends every record to the subtask owning its key group, for repeated, diverse and non-string keys', async () => {
    const exchange = keyedExchange();
    const repeated = Array.from({ length: 20_000 }, (_, i) => `w${i % 300}`);
    await exchange.send(repeated);
    // Keys as upstream operators make them: new strings, most of them distinct.
    const fresh = Array.from({ length: 12_000 }, (_, i) => ['u', String(i % 9000)].join('-'));
    await exchange.send(fresh);
    const others = [7, -3, 2 ** 40, 1.5, ['a', 1], { id: 9 }, true, null, 'w1'];
    await exchange.send(Array.from({ length: 900 }, (_, i) => others[i % others.length]));

    expectRoutedByKeyGroup(exchange.received, repeated.length + fresh.length + 900);
  });
});
