import { expect } from 'chai';
import { GenericSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { BufferPool } from '../src/network/buffer-pool.js';
import { directLinkPair } from '../src/network/channel-link.js';
import { readBufferElements } from '../src/network/element-codec.js';
import { InputGate } from '../src/network/input-gate.js';
import { ResultPartition } from '../src/network/result-partition.js';

function spec(numSubpartitions: number): ResultPartitionSpec {
  return {
    dataSetId: 'ds',
    partitionId: 'ds#0#a',
    numSubpartitions,
    partitioner: 'rebalance',
    resultType: 'PIPELINED_BOUNDED',
    serializer: { kind: 'generic' },
  };
}

const serializer = new GenericSerializer();

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function connect(partition: ResultPartition, gate: InputGate, subpartition: number, channel: number): void {
  const pair = directLinkPair();
  partition.subpartitions[subpartition]!.connect(pair.producer);
  gate.channels[channel]!.connect(pair.consumer);
}

function drain(gate: InputGate): { records: unknown[]; ended: boolean } {
  const records: unknown[] = [];
  let ended = false;
  for (let next = gate.poll(); next; next = gate.poll()) {
    if (next.data === null) {
      ended = gate.isFinished();
      continue;
    }
    if (!(next.data instanceof Uint8Array)) continue;
    for (const e of readBufferElements(next.data, serializer)) {
      if (e.kind === 'record') records.push(e.value);
    }
    next.channel.recycle(next.data);
  }
  return { records, ended };
}

describe('buffer pool', () => {
  it('is unavailable while every segment is out, and recovers when one comes back', async () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.requestOrOverdraft();
    pool.requestOrOverdraft();
    expect(pool.isAvailable()).to.equal(false);
    const over = pool.requestOrOverdraft();
    expect(pool.overdraft).to.equal(1);
    let woken = false;
    void pool.whenAvailable().then(() => (woken = true));
    pool.recycle(over);
    await settle();
    expect(woken).to.equal(false);
    pool.recycle(a);
    await settle();
    expect(woken).to.equal(true);
    expect(pool.inUse).to.equal(1);
  });
});

describe('result partition and input gate', () => {
  const options = { segmentSize: 4096, buffersPerChannel: 2, floatingBuffers: 2 };

  it('delivers every record in order, across buffer boundaries, then end-of-partition', async () => {
    const partition = new ResultPartition(spec(1), serializer, options);
    const gate = new InputGate(0, 1, 2, 2, () => undefined);
    connect(partition, gate, 0, 0);
    const sent = Array.from({ length: 5000 }, (_, i) => ['word-' + i, i, { nested: [i, 'é'] }]);
    const received: unknown[] = [];
    let ended = false;
    for (const r of sent) {
      partition.emit(r, 0);
      if (!partition.isAvailable()) {
        await settle();
        const got = drain(gate);
        received.push(...got.records);
      }
    }
    partition.finish();
    for (let i = 0; i < 50 && !ended; i++) {
      await settle();
      const got = drain(gate);
      received.push(...got.records);
      ended = got.ended;
    }
    expect(ended).to.equal(true);
    expect(received).to.deep.equal(sent);
  });

  it('holds a fast producer to its pool while the consumer does not read (backpressure)', async () => {
    const partition = new ResultPartition(spec(1), serializer, options);
    const gate = new InputGate(0, 1, 2, 2, () => undefined);
    connect(partition, gate, 0, 0);
    let emitted = 0;
    for (let round = 0; round < 200 && partition.isAvailable(); round++) {
      for (let i = 0; i < 100; i++) {
        partition.emit('x'.repeat(50), 0);
        emitted++;
      }
      await settle();
    }
    expect(partition.isAvailable()).to.equal(false);
    expect(partition.pool.inUse).to.be.at.most(partition.pool.capacity + 2);
    const before = emitted;
    drain(gate);
    await settle();
    expect(partition.isAvailable()).to.equal(true);
    expect(before).to.be.lessThan(200 * 100);
  });

  it('sends a buffer only against credit and grants floating credit for a backlog', async () => {
    const partition = new ResultPartition(spec(1), serializer, { segmentSize: 4096, buffersPerChannel: 1, floatingBuffers: 3 });
    const gate = new InputGate(0, 1, 1, 3, () => undefined);
    connect(partition, gate, 0, 0);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 400; j++) partition.emit(j, 0);
      partition.flushAll();
    }
    await settle();
    let buffers = 0;
    while (gate.hasData()) {
      gate.poll();
      buffers++;
    }
    expect(buffers).to.equal(4);
    expect(partition.subpartitions[0]!.backlog).to.equal(2);
  });

  it('broadcast serializes once and reaches every subpartition', async () => {
    const partition = new ResultPartition({ ...spec(3), partitioner: 'broadcast' }, serializer, options);
    const gates = [0, 1, 2].map(() => new InputGate(0, 1, 2, 2, () => undefined));
    gates.forEach((g, i) => connect(partition, g, i, 0));
    partition.broadcast({ a: 1 });
    partition.finish();
    await settle();
    for (const g of gates) expect(drain(g).records).to.deep.equal([{ a: 1 }]);
  });
});
