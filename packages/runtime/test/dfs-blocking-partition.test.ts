import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { GenericSerializer, LocalFileSystem, ShuffleOptions, parseFsUri, registerFileSystem, type FileSystem } from '@spindle/core';
import type { JobGraphSpec, ResultPartitionSpec } from '@spindle/protocol';
import { readSubpartitionIndex } from '../src/network/blocking-partition-file.js';
import { BlockingResultPartition } from '../src/network/blocking-result-partition.js';
import { DFS_DATA, DFS_INDEX, dfsJobDirectory, dfsPartitionDirectory } from '../src/network/dfs-blocking-partition.js';
import { readBufferElements } from '../src/network/element-codec.js';
import { InputGate } from '../src/network/input-gate.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { CheckpointBarrier } from '../src/network/stream-elements.js';
import { ExecutionGraph } from '../src/executiongraph/execution-graph.js';
import { PartitionTracker } from '../src/jobmaster/partition-tracker.js';

const serializer = new GenericSerializer();
const options = { segmentSize: 4096, buffersPerChannel: 2, floatingBuffers: 2 };

function spec(numSubpartitions: number, partitionId: string): ResultPartitionSpec {
  return { dataSetId: 'ds', partitionId, numSubpartitions, partitioner: 'hash', resultType: 'BLOCKING', serializer: { kind: 'generic' } };
}

const record = (i: number) => ({ i, text: `record ${i}`.repeat(1 + (i % 5)) });

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Reads one subpartition through the consumer's path (the partition manager with the DFS directory) to its end. */
async function consume(directory: string, partitionId: string, subpartition: number): Promise<{ records: unknown[]; failure?: string }> {
  const manager = new PartitionManager();
  const gate = new InputGate(0, 1, 2, 2, () => undefined, [partitionId]);
  gate.channels[0]!.connect(await manager.requestSubpartition(partitionId, subpartition, undefined, { dfsDirectory: directory }));
  const records: unknown[] = [];
  // Reads go to the file system: poll with a deadline rather than a number of rounds.
  for (const deadline = Date.now() + 30_000; !gate.isFinished() && Date.now() < deadline;) {
    await settle();
    await new Promise((r) => setTimeout(r, 1));
    try {
      for (let next = gate.poll(); next; next = gate.poll()) {
        if (!(next.data instanceof Uint8Array)) continue;
        for (const e of readBufferElements(next.data, serializer)) {
          if (e.kind === 'record') records.push(e.value);
        }
        next.channel.recycle(next.data);
      }
    } catch (e) {
      return { records, failure: (e as Error).message };
    }
  }
  expect(gate.isFinished(), 'the gate reached end of partition').to.equal(true);
  return { records };
}

describe('blocking partitions on a distributed file system (shuffle.blocking.storage)', () => {
  let base: string;
  let storage: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-dfs-blocking-test-'));
    // The file system port serves file:// as it serves hdfs://: the same code path, on the local disk.
    storage = `file://${path.join(base, 'shuffle')}`;
    fs.mkdirSync(path.join(base, 'staging'));
  });

  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  async function publish(n: number, partitionId: string): Promise<string> {
    const target = dfsPartitionDirectory(storage, 'job', partitionId);
    const complete: unknown[] = [];
    const partition = new BlockingResultPartition(
      spec(3, partitionId),
      serializer,
      options,
      'job',
      path.join(base, 'staging'),
      (m) => complete.push(m),
      target,
    );
    for (let i = 0; i < n; i++) partition.emit(record(i), i % 3);
    partition.broadcastEvent(new CheckpointBarrier(1, 0, { type: 'CHECKPOINT', alignment: 'ALIGNED' }));
    partition.finish();
    expect(fs.existsSync(path.join(base, 'shuffle', 'job', partitionId.replace(/#/g, '_'))), 'published before finish settled').to.equal(
      false,
    );
    await partition.whenStored();
    expect(complete, 'no TaskExecutor store holds a DFS partition').to.deep.equal([]);
    expect(fs.readdirSync(path.join(base, 'staging')), 'the local staging copy is gone').to.deep.equal([]);
    return target;
  }

  it('publishes each subpartition contiguously under <dir>/<jobId>/<partition>, and nothing in staging stays visible', async () => {
    const target = await publish(3000, 'ds#0#a1');
    const local = path.join(base, 'shuffle', 'job', 'ds_0_a1');
    expect(target).to.equal(local);
    expect(fs.readdirSync(path.join(base, 'shuffle', 'job'))).to.deep.equal(['ds_0_a1']);
    expect(fs.readdirSync(local).sort()).to.deep.equal([DFS_DATA, DFS_INDEX]);
    let end = 0;
    for (let sp = 0; sp < 3; sp++) {
      const { regions } = readSubpartitionIndex(path.join(local, DFS_INDEX), sp);
      // One byte range per subpartition, right after the previous subpartition's.
      expect(regions[0], `subpartition ${sp} starts where ${sp - 1} ended`).to.equal(end);
      for (let r = 0; r < regions.length; r += 2) {
        expect(regions[r]).to.equal(end);
        end += regions[r + 1]!;
      }
    }
    expect(end).to.equal(fs.statSync(path.join(local, DFS_DATA)).size);
  });

  it('is read by the consumer itself, one subpartition exactly and in order, with credit', async () => {
    const target = await publish(3000, 'ds#1#a1');
    for (let sp = 0; sp < 3; sp++) {
      const { records, failure } = await consume(target, 'ds#1#a1', sp);
      expect(failure).to.equal(undefined);
      expect(records, `subpartition ${sp}`).to.deep.equal(Array.from({ length: 1000 }, (_, k) => record(k * 3 + sp)));
    }
  });

  it('goes on from where a broken-off read stopped (a DataNode dropping the connection)', async () => {
    const target = await publish(3000, 'ds#3#a1');
    // `flaky:///path` is the local file `path`, except that the first read of a data file breaks off after 10 000 bytes.
    const broken = new Set<string>();
    const local = LocalFileSystem.INSTANCE;
    const flaky = new Proxy(local, {
      get(t, prop) {
        if (prop === 'scheme') return 'flaky';
        if (typeof prop !== 'string' || !(prop in t)) return undefined;
        if (prop !== 'open')
          return (...args: string[]) =>
            (t as unknown as Record<string, (...a: string[]) => unknown>)[prop]!(...args.map((a) => parseFsUri(a).path));
        return async (p: string, o?: { offset?: number; length?: number }) => {
          const file = parseFsUri(p).path;
          const stream = await local.open(file, o);
          if (!file.endsWith('/data') || broken.has(file)) return stream;
          broken.add(file);
          return Readable.from(
            (async function* () {
              let sent = 0;
              for await (const chunk of stream as AsyncIterable<Buffer>) {
                const part = chunk.subarray(0, Math.max(0, 10_000 - sent));
                sent += part.length;
                if (part.length > 0) yield part;
                if (sent >= 10_000) throw new Error('connection reset by DataNode');
              }
            })(),
          );
        };
      },
    }) as FileSystem;
    registerFileSystem('flaky', () => flaky);
    const { records, failure } = await consume(`flaky://${target}`, 'ds#3#a1', 1);
    expect(failure, failure).to.equal(undefined);
    expect(broken.size, 'reads broke off').to.be.greaterThan(0);
    expect(records).to.deep.equal(Array.from({ length: 1000 }, (_, k) => record(k * 3 + 1)));
  });

  it('fails the channel, naming the partition, when the partition is not on the file system', async () => {
    const missing = dfsPartitionDirectory(storage, 'job', 'ds#2#gone');
    const { failure } = await consume(missing, 'ds#2#gone', 0);
    expect(failure).to.match(/cannot read blocking partition ds#2#gone in .*ds_2_gone/);
  });

  it('accepts local or an hdfs:// directory for shuffle.blocking.storage, and names what is accepted otherwise', () => {
    expect(ShuffleOptions.BLOCKING_STORAGE.parse('LOCAL')).to.equal('local');
    expect(ShuffleOptions.BLOCKING_STORAGE.parse('hdfs://nn:8020/spindle/shuffle')).to.equal('hdfs://nn:8020/spindle/shuffle');
    expect(ShuffleOptions.BLOCKING_STORAGE.parse('hdfs:///shuffle')).to.equal('hdfs:///shuffle');
    for (const bad of ['disk', '/tmp/shuffle', 's3://bucket/x', 'hdfs://nn:8020'])
      expect(() => ShuffleOptions.BLOCKING_STORAGE.parse(bad), bad).to.throw(`expected 'local' or an hdfs:// directory URI`);
  });
});

describe('the partition tracker with partitions on a distributed file system', () => {
  const graph = (): JobGraphSpec => ({
    jobId: 'job1',
    name: 'j',
    runtimeMode: 'BATCH',
    config: {},
    graphHash: '',
    programJobIndex: 0,
    vertices: [
      {
        id: 'p',
        name: 'p',
        parallelism: 1,
        maxParallelism: 128,
        slotSharingGroup: 'default',
        operators: [],
        inputs: [],
        isSource: true,
        outputs: [],
      },
      {
        id: 'c',
        name: 'c',
        parallelism: 1,
        maxParallelism: 128,
        slotSharingGroup: 'default',
        operators: [],
        outputs: [],
        isSource: false,
        inputs: [],
      },
    ],
  });

  function setup(storage: string) {
    const spec = graph();
    const edge = {
      dataSetId: 'ds',
      sourceVertexId: 'p',
      targetVertexId: 'c',
      partitioner: 'hash' as const,
      resultType: 'BLOCKING' as const,
      serializer: { kind: 'generic' as const },
      inputIndex: 0,
      shipStrategy: 'hash',
    };
    spec.vertices[0]!.outputs.push(edge);
    spec.vertices[1]!.inputs.push(edge);
    const g = new ExecutionGraph(spec, storage);
    const released: string[][] = [];
    const deleted: string[] = [];
    const tracker = new PartitionTracker(
      g,
      (_address, ids) => released.push(ids),
      (dirs) => deleted.push(...dirs),
    );
    const producer = g.executionsOf('p')[0]!;
    producer.slot = { resourceId: 'tm-1', taskExecutorAddress: 'tm-1-address' } as typeof producer.slot;
    for (const s of ['SCHEDULED', 'DEPLOYING', 'INITIALIZING', 'RUNNING', 'FINISHED'] as const) producer.transitionTo(s);
    tracker.producerFinished(producer);
    return { g, tracker, producer, released, deleted };
  }

  it('keeps DFS partitions when their TaskManager is lost, and deletes them and the job directory on release', () => {
    const storage = 'hdfs://nn:8020/shuffle';
    const { g, tracker, producer, released, deleted } = setup(storage);
    const partitionId = g.blockingConsumers(producer)[0]!.partitionId;
    const consumerGate = g.inputGates(g.executionsOf('c')[0]!)[0]!;
    expect(consumerGate.channels[0]!.dfsDirectory, 'the consumer is told where the partition is').to.equal(
      dfsPartitionDirectory(storage, 'job1', partitionId),
    );
    tracker.taskManagerLost('tm-1');
    expect(tracker.isAvailable(producer)).to.equal(true);
    tracker.releaseAll();
    expect(released, 'no TaskManager is asked').to.deep.equal([]);
    expect(deleted).to.deep.equal([dfsPartitionDirectory(storage, 'job1', partitionId), dfsJobDirectory(storage, 'job1')]);
  });

  it('forgets local partitions of a lost TaskManager (their producer reruns)', () => {
    const { g, tracker, producer, deleted } = setup('local');
    expect(g.inputGates(g.executionsOf('c')[0]!)[0]!.channels[0]!.dfsDirectory).to.equal(undefined);
    tracker.taskManagerLost('tm-1');
    expect(tracker.isAvailable(producer)).to.equal(false);
    tracker.releaseAll();
    expect(deleted).to.deep.equal([]);
  });
});
