import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { assignKeyToParallelOperator, keyGroupRangeFor } from '@spindle/core';
import type { JobGraphSpec, JobVertexSpec } from '@spindle/protocol';
import {
  HeapKeyedStateBackend,
  ListStateDescriptor,
  OperatorStateStore,
  ValueStateDescriptor,
  assignState,
  checkpointLocation,
  readMetadata,
  readStateHandle,
  writeFileBytes,
  writeMetadata,
  type CheckpointMetadata,
} from '../src/index.js';

const MAX_P = 128;

function metadata(checkpointId: number): CheckpointMetadata {
  return {
    jobId: 'job',
    checkpointId,
    timestamp: 1,
    vertices: [
      {
        vertexId: 'v',
        name: 'V',
        parallelism: 1,
        maxParallelism: MAX_P,
        operatorIds: ['op'],
        subtasks: [{ finished: false, operators: {} }],
      },
    ],
  };
}

function vertex(parallelism: number): JobVertexSpec {
  return {
    id: 'v',
    name: 'Keyed',
    parallelism,
    maxParallelism: MAX_P,
    slotSharingGroup: 'default',
    operators: [{ id: 'op', name: 'Keyed' }] as JobVertexSpec['operators'],
    inputs: [],
    outputs: [],
    isSource: false,
  };
}

function jobGraph(parallelism: number): JobGraphSpec {
  return {
    jobId: 'job',
    name: 'job',
    runtimeMode: 'STREAMING',
    vertices: [vertex(parallelism)],
    config: {},
    graphHash: 'h',
    programJobIndex: 0,
  };
}

describe('checkpoint storage', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-cps-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes _metadata through a temporary name and reads it back', async () => {
    const location = checkpointLocation(dir, 'job', 7);
    expect(location).to.equal(path.join(dir, 'job', 'chk-7'));
    const written = await writeMetadata(location, metadata(7));
    expect(written.path).to.equal(path.join(location, '_metadata'));
    expect(fs.readdirSync(location)).to.deep.equal(['_metadata']);
    expect(await readMetadata(location)).to.deep.equal(metadata(7));
    // A second write replaces nothing silently: the checkpoint's metadata is written once.
    await writeMetadata(location, metadata(7)).then(
      () => expect.fail('overwrote _metadata'),
      (e: { code?: string }) => expect(e.code).to.equal('FS_ALREADY_EXISTS'),
    );
    expect(fs.readdirSync(location)).to.deep.equal(['_metadata']);
  });

  it('detects truncated, altered and missing metadata and never returns it', async () => {
    const location = checkpointLocation(dir, 'job', 1);
    const { path: file } = await writeMetadata(location, metadata(1));
    const whole = fs.readFileSync(file);
    const failure = async () =>
      readMetadata(location).then(
        () => undefined,
        (e: { code?: string; message: string }) => e,
      );
    fs.writeFileSync(file, whole.subarray(0, whole.length - 5));
    expect((await failure())?.message).to.match(/truncated or corrupt/);
    const altered = Buffer.from(whole);
    altered[altered.length - 3] = altered[altered.length - 3]! ^ 1;
    fs.writeFileSync(file, altered);
    expect((await failure())?.message).to.match(/checksum/);
    fs.writeFileSync(file, 'garbage');
    expect((await failure())?.message).to.match(/not checkpoint metadata/);
    fs.rmSync(file);
    expect((await failure())?.code).to.equal('CHECKPOINT_NOT_FOUND');
  });

  it('a truncated state file is an error, not fewer bytes', async () => {
    const file = path.join(dir, 'state');
    await writeFileBytes(file, [new Uint8Array([1, 2, 3, 4])]);
    expect(await readStateHandle({ path: file, offset: 1, length: 2 })).to.deep.equal(new Uint8Array([2, 3]));
    const error = await readStateHandle({ path: file, offset: 2, length: 5 }).catch((e: Error) => e);
    expect((error as Error).message).to.match(/truncated/);
  });

  it('assigns keyed state of p=2 to p=3 and p=1 with every key in exactly one subtask, and splits operator lists evenly', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    const descriptor = new ValueStateDescriptor<number>('v');
    const subtasks = await Promise.all(
      [0, 1].map(async (i) => {
        const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: keyGroupRangeFor(MAX_P, 2, i) });
        keys.forEach((k, n) => {
          if (assignKeyToParallelOperator(k, MAX_P, 2) !== i) return;
          backend.setCurrentKey(k);
          backend.getPartitionedState(descriptor).update(n);
        });
        const store = new OperatorStateStore();
        store.getListState(new ListStateDescriptor<number>('offsets')).update(i === 0 ? [1, 2, 3] : [4, 5]);
        const keyed = backend.snapshot();
        const operator = store.snapshot();
        const file = path.join(dir, `task-${i}`);
        await writeFileBytes(file, [keyed, operator]);
        const range = keyGroupRangeFor(MAX_P, 2, i);
        return {
          finished: false,
          operators: {
            op: {
              keyed: { path: file, offset: 0, length: keyed.length, keyGroupStart: range.start, keyGroupEnd: range.end },
              operator: { path: file, offset: keyed.length, length: operator.length },
            },
          },
        };
      }),
    );
    const meta: CheckpointMetadata = {
      jobId: 'job',
      checkpointId: 3,
      timestamp: 0,
      vertices: [{ vertexId: 'v', name: 'Keyed', parallelism: 2, maxParallelism: MAX_P, operatorIds: ['op'], subtasks }],
    };
    for (const parallelism of [3, 1, 2]) {
      const plan = await assignState(meta, jobGraph(parallelism), readStateHandle);
      const owners = new Map<string, number>();
      const offsets: number[][] = [];
      for (let i = 0; i < parallelism; i++) {
        const spec = plan.get(`v#${i}`)!;
        expect(spec.checkpointId).to.equal(3);
        const op = spec.operators['op']!;
        const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: keyGroupRangeFor(MAX_P, parallelism, i) });
        backend.restore(await Promise.all(op.keyed.map((h) => readStateHandle(h))));
        backend.getPartitionedState(descriptor);
        for (const k of backend.getKeys('v')) {
          expect(owners.has(k as string), `${String(k)} twice`).to.equal(false);
          owners.set(k as string, i);
          backend.setCurrentKey(k);
          expect(backend.getPartitionedState(descriptor).value()).to.equal(keys.indexOf(k as string));
        }
        const store = new OperatorStateStore();
        store.restore(op.operatorBytes ?? (await readStateHandle(op.operator!)));
        offsets.push(store.getListState(new ListStateDescriptor<number>('offsets')).get());
      }
      expect(owners.size, `p=${parallelism}`).to.equal(keys.length);
      expect(offsets.flat().sort()).to.deep.equal([1, 2, 3, 4, 5]);
      expect(Math.max(...offsets.map((o) => o.length)) - Math.min(...offsets.map((o) => o.length))).to.be.at.most(1);
      if (parallelism === 2)
        expect(offsets).to.deep.equal([
          [1, 2, 3],
          [4, 5],
        ]);
    }
  });
});
