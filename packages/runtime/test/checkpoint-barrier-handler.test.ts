import { expect } from 'chai';
import { GenericSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { directLinkPair } from '../src/network/channel-link.js';
import { readBufferElements } from '../src/network/element-codec.js';
import { InputGate } from '../src/network/input-gate.js';
import { ResultPartition } from '../src/network/result-partition.js';
import { CheckpointBarrier } from '../src/network/stream-elements.js';
import { CheckpointBarrierHandler } from '../src/tasks/checkpoint-barrier-handler.js';

const serializer = new GenericSerializer();
const options = { segmentSize: 4096, buffersPerChannel: 2, floatingBuffers: 2 };

function spec(i: number): ResultPartitionSpec {
  return {
    dataSetId: 'ds',
    partitionId: `ds#${i}#a`,
    numSubpartitions: 1,
    partitioner: 'rebalance',
    resultType: 'PIPELINED_BOUNDED',
    serializer: { kind: 'generic' },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function barrier(id: number): CheckpointBarrier {
  return new CheckpointBarrier(id, 0, { type: 'CHECKPOINT', alignment: 'ALIGNED', targetLocation: '/tmp/unused' });
}

/** Three producers into one gate of three channels, read as a task reads them: records out, barriers to the handler. */
function setup(aligned: boolean) {
  const gate = new InputGate(0, 3, 2, 2, () => undefined);
  const producers = [0, 1, 2].map((i) => {
    const p = new ResultPartition(spec(i), serializer, options);
    const pair = directLinkPair();
    p.subpartitions[0]!.connect(pair.producer);
    gate.channels[i]!.connect(pair.consumer);
    return p;
  });
  const taken: Array<{ id: number; seen: string[] }> = [];
  const seen: string[] = [];
  const handler = new CheckpointBarrierHandler([gate], aligned, {
    triggerCheckpointOnBarrier: (b) => taken.push({ id: b.checkpointId, seen: [...seen] }),
  });
  const read = (): void => {
    for (let next = gate.poll(); next; next = gate.poll()) {
      if (next.data === null) handler.onChannelEnd();
      else if (next.data instanceof CheckpointBarrier) handler.onBarrier(next.data, 0, next.channel.index);
      else {
        for (const e of readBufferElements(next.data, serializer)) {
          if (e.kind === 'record') seen.push(e.value as string);
        }
        next.channel.recycle(next.data);
      }
    }
  };
  const send = async (producer: number, ...items: Array<string | CheckpointBarrier>): Promise<void> => {
    const p = producers[producer]!;
    for (const item of items) {
      if (item instanceof CheckpointBarrier) p.broadcastEvent(item);
      else p.emit(item, 0);
    }
    p.flushAll();
    await settle();
    read();
  };
  return { gate, producers, handler, taken, seen, send, read };
}

describe('checkpoint barrier handler', () => {
  it('EXACTLY_ONCE blocks exactly the channels that delivered the barrier until all did, then snapshots before their later records', async () => {
    const t = setup(true);
    await t.send(0, 'a1', barrier(1), 'a2');
    await t.send(1, 'b1');
    expect(t.seen).to.deep.equal(['a1', 'b1']);
    expect(t.gate.channels.map((c) => c.blocked)).to.deep.equal([true, false, false]);
    await t.send(1, barrier(1), 'b2');
    await t.send(2, 'c1');
    expect(t.seen).to.deep.equal(['a1', 'b1', 'c1']);
    expect(t.gate.channels.map((c) => c.blocked)).to.deep.equal([true, true, false]);
    expect(t.taken).to.deep.equal([]);
    await t.send(2, barrier(1), 'c2');
    expect(t.taken).to.deep.equal([{ id: 1, seen: ['a1', 'b1', 'c1'] }]);
    expect(t.gate.channels.map((c) => c.blocked)).to.deep.equal([false, false, false]);
    t.read();
    expect([...t.seen].sort()).to.deep.equal(['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);
  });

  it('AT_LEAST_ONCE blocks nothing and takes the checkpoint once every channel delivered the barrier', async () => {
    const t = setup(false);
    await t.send(0, 'a1', barrier(1), 'a2');
    await t.send(1, barrier(1), 'b2');
    expect(t.seen).to.deep.equal(['a1', 'a2', 'b2']);
    expect(t.gate.channels.map((c) => c.blocked)).to.deep.equal([false, false, false]);
    expect(t.taken).to.deep.equal([]);
    await t.send(2, 'c1', barrier(1));
    expect(t.taken).to.deep.equal([{ id: 1, seen: ['a1', 'a2', 'b2', 'c1'] }]);
  });

  it('counts an ended channel as aligned, and a newer barrier aborts the older alignment', async () => {
    const t = setup(true);
    await t.send(0, barrier(1), 'a2');
    t.producers[1]!.finish();
    await t.send(1);
    expect(t.taken).to.deep.equal([]);
    await t.send(2, barrier(2), 'c2');
    // Checkpoint 1 will never see channel 2's barrier: 2 replaces it, and channel 0 flows again.
    expect(t.gate.channels.map((c) => c.blocked)).to.deep.equal([false, false, true]);
    expect(t.seen).to.deep.equal(['a2']);
    await t.send(0, barrier(2));
    expect(t.taken.map((c) => c.id)).to.deep.equal([2]);
    t.read();
    expect(t.seen).to.deep.equal(['a2', 'c2']);
  });

  it('a task triggered without barriers (its producers finished) takes the checkpoint once its open channels ended', async () => {
    const t = setup(true);
    await t.send(0, 'a1');
    t.producers[0]!.finish();
    t.producers[1]!.finish();
    await t.send(2, 'c1');
    t.handler.onTriggeredWithoutBarriers(barrier(5));
    expect(t.taken).to.deep.equal([]);
    t.producers[2]!.finish();
    await t.send(2);
    expect(t.taken).to.deep.equal([{ id: 5, seen: ['a1', 'c1'] }]);
  });
});
