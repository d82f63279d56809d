import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { GenericSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import {
  FRAME_BUFFER,
  SubpartitionFileReader,
  readSubpartitionIndex,
  type BlockingPartitionMeta,
} from '../src/network/blocking-partition-file.js';
import { BlockingPartitionStore } from '../src/network/blocking-partition-store.js';
import { BlockingResultPartition } from '../src/network/blocking-result-partition.js';
import { readBufferElements } from '../src/network/element-codec.js';
import { InputGate } from '../src/network/input-gate.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { CheckpointBarrier } from '../src/network/stream-elements.js';
import { ShuffleHub } from '../src/taskexecutor/shuffle-hub.js';

const serializer = new GenericSerializer();
const options = { segmentSize: 4096, buffersPerChannel: 2, floatingBuffers: 2 };

function spec(numSubpartitions: number, partitionId = 'ds#0#attempt'): ResultPartitionSpec {
  return {
    dataSetId: 'ds',
    partitionId,
    numSubpartitions,
    partitioner: 'hash',
    resultType: 'BLOCKING',
    serializer: { kind: 'generic' },
  };
}

/** Decodes the records of the buffers of one subpartition read straight from its files. */
function recordsOf(meta: BlockingPartitionMeta, subpartition: number): unknown[] {
  const reader = new SubpartitionFileReader(meta, subpartition);
  const records: unknown[] = [];
  for (let frame = reader.next(); frame; frame = reader.next()) {
    if (frame.kind !== FRAME_BUFFER) continue;
    for (const e of readBufferElements(new Uint8Array(frame.data), serializer)) {
      if (e.kind === 'record') records.push(e.value);
    }
  }
  reader.close();
  return records;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('blocking result partition files', () => {
  let base: string;
  let store: BlockingPartitionStore;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-blocking-test-'));
    store = new BlockingPartitionStore([base]);
  });

  afterEach(() => {
    store.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  /** Writes records i = 0..n-1 into subpartition i % 3, across many buffers; resolves with the complete partition. */
  function writePartition(n: number, partitionId?: string, jobId = 'job'): BlockingPartitionMeta {
    let complete: BlockingPartitionMeta | undefined;
    const indexes = fs.existsSync(store.directories[0]!)
      ? fs.readdirSync(store.directories[0]!).filter((f) => f.endsWith('.index')).length
      : 0;
    const partition = new BlockingResultPartition(
      spec(3, partitionId),
      serializer,
      options,
      jobId,
      store.directories[0]!,
      (m) => (complete = m),
    );
    for (let i = 0; i < n; i++) partition.emit({ i, text: `record ${i}`.repeat(1 + (i % 5)) }, i % 3);
    partition.broadcastEvent(new CheckpointBarrier(1, 0, { type: 'CHECKPOINT', alignment: 'ALIGNED' }));
    expect(complete, 'complete before finish').to.equal(undefined);
    expect(
      fs.readdirSync(store.directories[0]!).filter((f) => f.endsWith('.index')),
      'no index before finish',
    ).to.have.length(indexes);
    partition.finish();
    return complete!;
  }

  it('writes each subpartition as regions listed in the index, and a reader of one subpartition gets exactly its records in order', () => {
    const meta = writePartition(3000);
    expect(fs.existsSync(meta.dataPath)).to.equal(true);
    expect(fs.existsSync(meta.indexPath)).to.equal(true);
    for (let sp = 0; sp < 3; sp++) {
      const expected = Array.from({ length: 1000 }, (_, k) => k * 3 + sp).map((i) => ({ i, text: `record ${i}`.repeat(1 + (i % 5)) }));
      expect(recordsOf(meta, sp), `subpartition ${sp}`).to.deep.equal(expected);
    }
    const index = readSubpartitionIndex(meta.indexPath, 1);
    expect(index.buffers).to.be.greaterThan(5);
    // The regions of subpartition 1 do not cover the whole data file: other subpartitions' frames are skipped.
    let covered = 0;
    for (let r = 1; r < index.regions.length; r += 2) covered += index.regions[r]!;
    expect(covered).to.be.lessThan(fs.statSync(meta.dataPath).size / 2);
    expect(() => readSubpartitionIndex(meta.indexPath, 3)).to.throw(/has no subpartition 3 \(it has 3\)/);
  });

  it('is served over a channel against credit, through the partition manager of the store, ending with end-of-partition', async () => {
    const manager = new PartitionManager(undefined, { store });
    const meta = writePartition(900);
    manager.completeBlocking(meta);
    const gate = new InputGate(0, 1, 2, 2, () => undefined);
    gate.channels[0]!.connect(await manager.requestSubpartition(meta.partitionId, 2));
    const records: unknown[] = [];
    let barrier = false;
    for (let round = 0; round < 200 && !gate.isFinished(); round++) {
      await settle();
      for (let next = gate.poll(); next; next = gate.poll()) {
        if (next.data instanceof Uint8Array) {
          for (const e of readBufferElements(next.data, serializer)) {
            if (e.kind === 'record') records.push(e.value);
          }
          next.channel.recycle(next.data);
        } else if (next.data instanceof CheckpointBarrier) barrier = true;
      }
    }
    expect(gate.isFinished()).to.equal(true);
    expect(barrier).to.equal(true);
    expect(records.map((r) => (r as { i: number }).i)).to.deep.equal(Array.from({ length: 300 }, (_, k) => k * 3 + 2));
  });

  it('returns the credit of consumed buffers in batches, and never leaves its sender without credit while read one buffer at a time', async () => {
    const manager = new PartitionManager(undefined, { store });
    const meta = writePartition(6000);
    manager.completeBlocking(meta);
    const buffers = readSubpartitionIndex(meta.indexPath, 1).buffers;
    expect(buffers).to.be.greaterThan(20);
    const gate = new InputGate(0, 1, 2, 8, () => undefined, [meta.partitionId]);
    const link = await manager.requestSubpartition(meta.partitionId, 1);
    let creditMessages = 0;
    const send = link.send.bind(link);
    link.send = (m, transfer) => {
      if (m.t === 'c') creditMessages++;
      send(m, transfer);
    };
    gate.channels[0]!.connect(link);
    const records: unknown[] = [];
    let consumed = 0;
    // One buffer per round: the channel usually holds more, so credit is held back until a batch is complete.
    for (let round = 0; round < 20 * buffers && !gate.isFinished(); round++) {
      await settle();
      const next = gate.poll();
      if (next?.data instanceof Uint8Array) {
        for (const e of readBufferElements(next.data, serializer)) {
          if (e.kind === 'record') records.push(e.value);
        }
        next.channel.recycle(next.data);
        consumed++;
      }
    }
    expect(gate.isFinished()).to.equal(true);
    expect(consumed).to.equal(buffers);
    expect(records.map((r) => (r as { i: number }).i)).to.deep.equal(Array.from({ length: 2000 }, (_, k) => k * 3 + 1));
    // Every consumed buffer's credit went back, in fewer messages than buffers.
    expect(creditMessages).to.be.greaterThan(1);
    expect(creditMessages).to.be.lessThan(buffers / 2);
  });

  it('removes the files on release, and the directory when the store closes', () => {
    const meta = writePartition(100);
    store.add(meta);
    expect(store.has(meta.partitionId)).to.equal(true);
    store.release([meta.partitionId]);
    expect(store.has(meta.partitionId)).to.equal(false);
    expect(fs.existsSync(meta.dataPath)).to.equal(false);
    expect(fs.existsSync(meta.indexPath)).to.equal(false);
    const other = writePartition(10);
    store.add(other);
    store.close();
    expect(fs.existsSync(other.dataPath)).to.equal(false);
    expect(fs.existsSync(store.directories[0]!)).to.equal(false);
  });

  it('releases every partition of one job (its JobMaster is lost) and keeps those of other jobs', () => {
    const hub = new ShuffleHub({ blockingStore: store });
    const mine = writePartition(50);
    const other = writePartition(50, 'other-partition', 'other');
    hub.announceBlocking(mine);
    hub.announceBlocking(other);
    expect(store.idsOf('job')).to.deep.equal([mine.partitionId]);
    hub.releaseBlockingJob('job');
    expect(store.ids()).to.deep.equal(['other-partition']);
    expect(store.holdsJob('job')).to.equal(false);
    expect(hub.size().partitions).to.equal(1);
  });

  it('deletes the files of a partition whose task failed before it was complete', () => {
    const partition = new BlockingResultPartition(spec(2), serializer, options, 'job', store.directories[0]!, () => undefined);
    for (let i = 0; i < 2000; i++) partition.emit(i, i % 2);
    expect(fs.readdirSync(store.directories[0]!)).to.have.length(1);
    partition.release();
    expect(fs.readdirSync(store.directories[0]!)).to.deep.equal([]);
  });
});
