import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualScheduler, type SpindleError } from '@spindle/core';
import type { CheckpointTriggerSpec, JobEdgeSpec, JobGraphSpec, JobVertexSpec, TaskCheckpointAck } from '@spindle/protocol';
import { CheckpointCoordinator, ExecutionGraph, readMetadata, type CheckpointCoordinatorConfig, type Execution } from '../src/index.js';

function vertex(id: string, inputs: string[]): JobVertexSpec {
  const edges: JobEdgeSpec[] = inputs.map((source) => ({
    dataSetId: `${source}-${id}`,
    sourceVertexId: source,
    targetVertexId: id,
    partitioner: 'rebalance',
    resultType: 'PIPELINED_BOUNDED',
    serializer: { kind: 'generic' },
    inputIndex: 0,
    shipStrategy: 'REBALANCE',
  }));
  return {
    id,
    name: id,
    parallelism: 2,
    maxParallelism: 128,
    slotSharingGroup: 'default',
    operators: [{ id: `op-${id}`, streamNodeId: 1, name: id, kind: 'map', chainedOutputs: [], networkOutputs: [] }],
    inputs: edges,
    outputs: [],
    isSource: inputs.length === 0,
  };
}

const GRAPH: JobGraphSpec = {
  jobId: 'job',
  name: 'job',
  runtimeMode: 'STREAMING',
  vertices: [vertex('source', []), vertex('sink', ['source'])],
  config: {},
  graphHash: 'h',
  programJobIndex: 0,
};

const ACK: TaskCheckpointAck = {
  operators: {},
  finished: false,
  stateSize: 10,
  syncDurationMs: 0,
  asyncDurationMs: 0,
  alignmentDurationMs: 0,
};

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('checkpoint coordinator', () => {
  let dir: string;
  let clock: ManualScheduler;
  let graph: ExecutionGraph;
  let triggered: Array<[string, number]>;
  let confirmed: Array<[string, number]>;
  let aborted: Array<[string, number]>;
  let failures: SpindleError[];

  let triggerFails = false;

  function coordinator(overrides: Partial<CheckpointCoordinatorConfig> = {}): CheckpointCoordinator {
    const config: CheckpointCoordinatorConfig = {
      intervalMs: 100,
      mode: 'EXACTLY_ONCE',
      timeoutMs: 1000,
      minPauseMs: 0,
      maxConcurrent: 1,
      tolerableFailures: 0,
      numRetained: 1,
      retention: 'NO_EXTERNALIZED_CHECKPOINTS',
      baseDir: dir,
      defaultDir: false,
      afterTasksFinish: true,
      ...overrides,
    };
    const name = (e: Execution) => `${e.vertex.id}#${e.subtaskIndex}`;
    return new CheckpointCoordinator(
      config,
      'job',
      {
        executions: () => graph.executions,
        producersOf: (e) => graph.producersOf(e),
        triggerTask: async (e, t: CheckpointTriggerSpec) => {
          if (triggerFails) throw new Error(`task ${name(e)} is not running here`);
          triggered.push([name(e), t.checkpointId]);
        },
        confirmTask: (e, id) => confirmed.push([name(e), id]),
        abortTask: (e, id) => aborted.push([name(e), id]),
        failJob: (e) => failures.push(e),
      },
      clock,
    );
  }

  function run(e: Execution): void {
    for (const s of ['SCHEDULED', 'DEPLOYING', 'RUNNING'] as const) e.transitionTo(s);
  }

  function ackAll(c: CheckpointCoordinator, id: number): void {
    for (const e of graph.executions) if (e.state === 'RUNNING') c.receiveAcknowledge(e.attemptId, id, ACK);
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-coord-'));
    clock = new ManualScheduler(1000);
    graph = new ExecutionGraph(GRAPH);
    triggered = [];
    confirmed = [];
    aborted = [];
    failures = [];
    triggerFails = false;
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('triggers the sources periodically once every task runs, completes with metadata on all acks, and keeps num-retained', async () => {
    const c = coordinator();
    c.startScheduler();
    clock.advance(100);
    expect(triggered).to.deep.equal([]);
    graph.executions.forEach(run);
    clock.advance(100);
    expect(triggered).to.deep.equal([
      ['source#0', 1],
      ['source#1', 1],
    ]);
    ackAll(c, 1);
    await until('checkpoint 1', () => c.stats.snapshot().counts.completed === 1);
    expect(confirmed.map(([, id]) => id)).to.deep.equal([1, 1, 1, 1]);
    const metadata = await readMetadata(path.join(dir, 'job', 'chk-1'));
    expect(metadata.vertices.map((v) => v.subtasks.length)).to.deep.equal([2, 2]);
    clock.advance(100);
    ackAll(c, 2);
    await until('checkpoint 2', () => c.stats.snapshot().counts.completed === 2);
    await until('chk-1 deleted', () => !fs.existsSync(path.join(dir, 'job', 'chk-1')));
    expect((await c.latestCompleted())?.id).to.equal(2);
    await c.shutdown(true);
    expect(fs.existsSync(path.join(dir, 'job', 'chk-2'))).to.equal(false);
  });

  it('holds a trigger back while max-concurrent checkpoints run, then waits min-pause after the last ended', async () => {
    const c = coordinator({ minPauseMs: 250 });
    graph.executions.forEach(run);
    c.startScheduler();
    clock.advance(100);
    clock.advance(300);
    expect(triggered.map(([, id]) => id)).to.deep.equal([1, 1]);
    ackAll(c, 1);
    await until('checkpoint 1', () => c.stats.snapshot().counts.completed === 1);
    clock.advance(200);
    expect(triggered.map(([, id]) => id)).to.deep.equal([1, 1]);
    clock.advance(60);
    expect(triggered.map(([, id]) => id)).to.deep.equal([1, 1, 2, 2]);
  });

  it('aborts on timeout or decline, notifies the tasks, and fails the job beyond tolerable-failed-checkpoints', () => {
    const c = coordinator({ tolerableFailures: 1, timeoutMs: 500 });
    graph.executions.forEach(run);
    expect(c.triggerCheckpoint()).to.equal(1);
    clock.advance(500);
    expect(aborted.map(([, id]) => id)).to.deep.equal([1, 1, 1, 1]);
    expect(failures).to.deep.equal([]);
    expect(c.triggerCheckpoint()).to.equal(2);
    c.receiveDecline(graph.executions[3]!.attemptId, 2, {
      name: 'Error',
      message: 'disk full',
      code: 'FS_IO',
      recoverability: 'environment',
      userFacing: false,
    });
    expect(failures.map((f) => f.code)).to.deep.equal(['CHECKPOINT_TOLERABLE_FAILURES_EXCEEDED']);
    expect(failures[0]!.message).to.match(/Exceeded checkpoint tolerable failure threshold.*declined the checkpoint: disk full/);
    expect(c.stats.snapshot().counts).to.deep.include({ failed: 2, completed: 0, inProgress: 0 });
  });

  it('records finished tasks as finished and triggers the tasks whose producers all finished', async () => {
    const c = coordinator();
    graph.executions.forEach(run);
    for (const e of graph.executionsOf('source')) e.transitionTo('FINISHED');
    expect(c.triggerCheckpoint()).to.equal(1);
    expect(triggered).to.deep.equal([
      ['sink#0', 1],
      ['sink#1', 1],
    ]);
    ackAll(c, 1);
    await until('checkpoint 1', () => c.stats.snapshot().counts.completed === 1);
    const metadata = await readMetadata(path.join(dir, 'job', 'chk-1'));
    expect(metadata.vertices.find((v) => v.vertexId === 'source')!.subtasks.map((s) => s.finished)).to.deep.equal([true, true]);
    expect(confirmed.map(([task]) => task)).to.deep.equal(['sink#0', 'sink#1']);
  });

  it('a task that finishes while a checkpoint waits for it counts as finished', async () => {
    const c = coordinator();
    graph.executions.forEach(run);
    c.triggerCheckpoint();
    const [s0, s1, k0, k1] = graph.executions;
    c.receiveAcknowledge(s0!.attemptId, 1, ACK);
    c.receiveAcknowledge(k0!.attemptId, 1, ACK);
    c.receiveAcknowledge(k1!.attemptId, 1, ACK);
    s1!.transitionTo('FINISHED');
    c.executionFinished(s1!);
    await until('checkpoint 1', () => c.stats.snapshot().counts.completed === 1);
  });

  it('sources that end before the trigger reaches them: their consumers are triggered once the last one reports its end', async () => {
    const c = coordinator();
    graph.executions.forEach(run);
    expect(c.triggerCheckpoint()).to.equal(1);
    expect(triggered).to.deep.equal([
      ['source#0', 1],
      ['source#1', 1],
    ]);
    const [s0, s1, k0, k1] = graph.executions;
    // The sources already ended: no barrier leaves them, and no acknowledgement either.
    s0!.transitionTo('FINISHED');
    c.executionFinished(s0!);
    expect(triggered, 'a sink still reads from a running source').to.have.length(2);
    s1!.transitionTo('FINISHED');
    c.executionFinished(s1!);
    expect(triggered.slice(2)).to.deep.equal([
      ['sink#0', 1],
      ['sink#1', 1],
    ]);
    c.executionFinished(s1!);
    expect(triggered, 'each task is triggered once').to.have.length(4);
    c.receiveAcknowledge(k0!.attemptId, 1, ACK);
    c.receiveAcknowledge(k1!.attemptId, 1, ACK);
    await until('checkpoint 1', () => c.stats.snapshot().counts.completed === 1);
    const metadata = await readMetadata(path.join(dir, 'job', 'chk-1'));
    expect(metadata.vertices.find((v) => v.vertexId === 'source')!.subtasks.map((s) => s.finished)).to.deep.equal([true, true]);
  });

  it('a trigger that cannot reach its task (it just ended) aborts the checkpoint without counting it', async () => {
    const c = coordinator({ tolerableFailures: 0 });
    graph.executions.forEach(run);
    triggerFails = true;
    expect(c.triggerCheckpoint()).to.equal(1);
    await until('checkpoint 1 aborted', () => c.stats.snapshot().counts.failed === 1);
    expect(failures).to.deep.equal([]);
  });
});
