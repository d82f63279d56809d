import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import type { JobCheckpointing, SavepointRequest } from '../src/cluster-view.js';
import { RestServer } from '../src/index.js';
import { TestingClusterView } from '../src/testing/index.js';
import { getJson, postJson, request } from './http-client.js';

const UNKNOWN_JOB = '0123456789abcdef0123456789abcdef';
const VERTEX = 'aa'.repeat(16);

interface StatsBody {
  counts: object;
  summary: Record<string, object>;
  latest: Record<string, object | null>;
  history: Array<{ id: number }>;
}

/** A cluster whose savepoints complete when the test says so, with fixed checkpoint statistics. */
class SavepointClusterView extends TestingClusterView {
  readonly requests: SavepointRequest[] = [];
  private settle: Array<{ resolve: (path: string) => void; reject: (e: Error) => void }> = [];
  stats: JobCheckpointing | undefined;

  async triggerSavepoint(jobId: string, request: SavepointRequest): Promise<string> {
    await this.jobStatus(jobId);
    this.requests.push(request);
    return new Promise((resolve, reject) => this.settle.push({ resolve, reject }));
  }

  complete(path: string): void {
    this.settle.shift()!.resolve(path);
  }

  fail(error: Error): void {
    this.settle.shift()!.reject(error);
  }

  readonly checkpointTriggers: string[] = [];
  private settleCheckpoint: Array<{ resolve: (id: number) => void; reject: (e: Error) => void }> = [];

  async triggerCheckpoint(jobId: string): Promise<number> {
    await this.jobStatus(jobId);
    this.checkpointTriggers.push(jobId);
    return new Promise((resolve, reject) => this.settleCheckpoint.push({ resolve, reject }));
  }

  completeCheckpoint(id: number): void {
    this.settleCheckpoint.shift()!.resolve(id);
  }

  failCheckpoint(error: Error): void {
    this.settleCheckpoint.shift()!.reject(error);
  }

  async checkpointing(jobId: string): Promise<JobCheckpointing | undefined> {
    await this.jobStatus(jobId);
    return this.stats;
  }
}

function sampleCheckpointing(): JobCheckpointing {
  const subtask = (ack: number, size: number, sync: number, async: number, delay: number) => ({
    ackTimestamp: ack,
    endToEndDurationMs: ack - 1000,
    stateSize: size,
    syncDurationMs: sync,
    asyncDurationMs: async,
    alignmentDurationMs: 0,
    startDelayMs: delay,
    finished: false,
  });
  const tasks = {
    [VERTEX]: {
      numSubtasks: 2,
      numAcknowledged: 2,
      latestAckTimestamp: 1150,
      stateSize: 300,
      maxEndToEndDurationMs: 150,
      maxSyncDurationMs: 1,
      maxAsyncDurationMs: 20,
      maxAlignmentDurationMs: 0,
      subtasks: [subtask(1100, 100, 1, 10, 3), subtask(1150, 200, 0.4, 20, 5)],
    },
  };
  const completed = {
    id: 7,
    timestamp: 1000,
    location: 'file:/ckpt/job/chk-7',
    metadataPath: 'file:/ckpt/job/chk-7/_metadata',
    stateSize: 400,
    durationMs: 160,
    completedAt: 1160,
  };
  return {
    stats: {
      counts: { restored: 0, total: 8, inProgress: 0, completed: 7, failed: 1 },
      latestCompleted: completed,
      latestFailed: { id: 6, failureTimestamp: 900, failureMessage: 'expired' },
      history: [
        {
          id: 7,
          isSavepoint: false,
          status: 'COMPLETED',
          triggerTimestamp: 1000,
          numSubtasks: 2,
          numAcknowledged: 2,
          latestAckTimestamp: 1150,
          tasks,
          stateSize: 400,
          durationMs: 160,
          externalPath: completed.location,
        },
        {
          id: 6,
          isSavepoint: false,
          status: 'FAILED',
          triggerTimestamp: 800,
          numSubtasks: 2,
          numAcknowledged: 1,
          latestAckTimestamp: 850,
          tasks,
          failureTimestamp: 900,
          failureMessage: 'expired',
        },
      ],
      completedSizes: [100, 400],
      completedDurations: [50, 160],
    },
    config: {
      intervalMs: 1000,
      mode: 'EXACTLY_ONCE',
      timeoutMs: 600000,
      minPauseMs: 0,
      maxConcurrent: 1,
      tolerableFailures: 0,
      numRetained: 1,
      retention: 'RETAIN_ON_CANCELLATION',
      baseDir: '/ckpt',
      defaultDir: false,
      afterTasksFinish: true,
    },
    stateBackend: 'hashmap',
  };
}

describe('checkpoint and savepoint endpoints', () => {
  let cluster: SavepointClusterView;
  let server: RestServer;
  let port: number;
  let jobId: string;

  beforeEach(async () => {
    cluster = new SavepointClusterView();
    jobId = cluster.addJob().details.jobId;
    server = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0 });
    port = await server.start();
  });

  afterEach(() => server.close());

  const poll = async (triggerId: string) => (await getJson(port, `/jobs/${jobId}/savepoints/${triggerId}`)).json;

  it('triggers a savepoint (202, request-id), reports it IN_PROGRESS, then COMPLETED with its location', async () => {
    const r = await postJson(port, `/jobs/${jobId}/savepoints`, { 'target-directory': '/sp', 'cancel-job': true });
    expect(r.status).to.equal(202);
    const id = (r.json as { 'request-id': string })['request-id'];
    expect(id).to.match(/^[0-9a-f]{32}$/);
    expect(cluster.requests).to.deep.equal([{ targetDirectory: '/sp', cancel: true }]);
    expect(await poll(id)).to.deep.equal({ status: { id: 'IN_PROGRESS' } });
    cluster.complete('/sp/savepoint-012345-abcdefabcdef');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await poll(id)).to.deep.equal({ status: { id: 'COMPLETED' }, operation: { location: '/sp/savepoint-012345-abcdefabcdef' } });
  });

  it('stops with a savepoint, draining; a failed savepoint reports its failure-cause', async () => {
    const r = await postJson(port, `/jobs/${jobId}/stop`, { targetDirectory: '/sp', drain: true });
    expect(r.status).to.equal(202);
    expect(cluster.requests).to.deep.equal([{ targetDirectory: '/sp', stop: true, drain: true }]);
    cluster.fail(new SpindleError('No savepoint directory configured.', { code: 'SAVEPOINT_NO_DIRECTORY' }));
    await new Promise((resolve) => setImmediate(resolve));
    const body = (await poll((r.json as { 'request-id': string })['request-id'])) as {
      operation: { 'failure-cause': { 'stack-trace': string } };
    };
    expect(body.operation['failure-cause']['stack-trace']).to.include('No savepoint directory configured.');
  });

  it("makes a retried trigger with the client's triggerId idempotent", async () => {
    const triggerId = 'ab'.repeat(16);
    const first = await postJson(port, `/jobs/${jobId}/savepoints`, { triggerId });
    const again = await postJson(port, `/jobs/${jobId}/savepoints`, { triggerId });
    expect([first.json, again.json]).to.deep.equal([{ 'request-id': triggerId }, { 'request-id': triggerId }]);
    expect(cluster.requests.length).to.equal(1);
  });

  it('answers 404 for an unknown job or trigger, 400 for malformed bodies and ids', async () => {
    expect((await postJson(port, `/jobs/${UNKNOWN_JOB}/savepoints`, {})).status).to.equal(404);
    expect((await getJson(port, `/jobs/${jobId}/savepoints/${'0'.repeat(32)}`)).status).to.equal(404);
    expect((await getJson(port, `/jobs/${jobId}/savepoints/nothex`)).status).to.equal(400);
    expect((await request(port, 'POST', `/jobs/${jobId}/savepoints`, '{not json', { 'Content-Type': 'application/json' })).status).to.equal(
      400,
    );
    expect((await postJson(port, `/jobs/${jobId}/savepoints`, { 'cancel-job': 'yes' })).status).to.equal(400);
    expect((await postJson(port, `/jobs/${jobId}/stop`, { formatType: 'BINARY' })).status).to.equal(400);
    const bad = await postJson(port, `/jobs/${jobId}/stop`, { triggerId: 'x' });
    expect(bad.status).to.equal(400);
    expect(bad.json).to.have.property('errors').that.is.an('array');
    expect(cluster.requests).to.deep.equal([]);
  });

  it('takes a checkpoint on request: 202 with a request-id, IN_PROGRESS, then COMPLETED with its checkpointId or failureCause', async () => {
    const r = await postJson(port, `/jobs/${jobId}/checkpoints`, { checkpointType: 'FULL' });
    expect(r.status).to.equal(202);
    const id = (r.json as { 'request-id': string })['request-id'];
    const status = async (trigger: string) => (await getJson(port, `/jobs/${jobId}/checkpoints/${trigger}`)).json;
    expect(await status(id)).to.deep.equal({ status: { id: 'IN_PROGRESS' } });
    cluster.completeCheckpoint(12);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await status(id)).to.deep.equal({ status: { id: 'COMPLETED' }, operation: { checkpointId: 12 } });

    const triggerId = 'cd'.repeat(16);
    const again = [
      await postJson(port, `/jobs/${jobId}/checkpoints`, { triggerId }),
      await postJson(port, `/jobs/${jobId}/checkpoints`, { triggerId }),
    ];
    expect(again.map((a) => a.json)).to.deep.equal([{ 'request-id': triggerId }, { 'request-id': triggerId }]);
    expect(cluster.checkpointTriggers.length).to.equal(2);
    cluster.failCheckpoint(new SpindleError('Checkpoint expired before completing.', { code: 'CHECKPOINT_FAILED' }));
    await new Promise((resolve) => setImmediate(resolve));
    const failed = (await status(triggerId)) as { operation: { failureCause: { 'stack-trace': string } } };
    expect(failed.operation.failureCause['stack-trace']).to.include('Checkpoint expired before completing.');

    expect((await postJson(port, `/jobs/${jobId}/checkpoints`, { checkpointType: 'SOMETIMES' })).status).to.equal(400);
    expect((await postJson(port, `/jobs/${UNKNOWN_JOB}/checkpoints`, {})).status).to.equal(404);
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/${'0'.repeat(32)}`)).status).to.equal(404);
    // A savepoint's trigger id is not a checkpoint's.
    const savepoint = (await postJson(port, `/jobs/${jobId}/savepoints`, {})).json as { 'request-id': string };
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/${savepoint['request-id']}`)).status).to.equal(404);
    expect(cluster.checkpointTriggers.length).to.equal(2);
  });

  it("serves checkpoint statistics, configuration and details with Flink's field names", async () => {
    cluster.stats = sampleCheckpointing();
    const stats = (await getJson(port, `/jobs/${jobId}/checkpoints`)).json as StatsBody;
    expect(stats.counts).to.deep.equal({ restored: 0, total: 8, in_progress: 0, completed: 7, failed: 1 });
    expect(stats.summary.state_size).to.deep.equal({ min: 100, max: 400, avg: 250, p50: 100, p90: 400, p95: 400, p99: 400, p999: 400 });
    expect(stats.latest.completed).to.include({
      className: 'completed',
      id: 7,
      status: 'COMPLETED',
      external_path: 'file:/ckpt/job/chk-7',
      end_to_end_duration: 160,
      discarded: false,
    });
    expect(stats.latest.failed).to.include({ className: 'failed', id: 6, failure_timestamp: 900, failure_message: 'expired' });
    expect(stats.latest.savepoint).to.equal(null);
    expect(stats.latest.restored).to.equal(null);
    expect(stats.history.map((h) => h.id)).to.deep.equal([7, 6]);
    const config = (await getJson(port, `/jobs/${jobId}/checkpoints/config`)).json as Record<string, unknown>;
    expect(config).to.include({
      mode: 'exactly_once',
      interval: 1000,
      timeout: 600000,
      min_pause: 0,
      max_concurrent: 1,
      tolerable_failed_checkpoints: 0,
    });
    expect(config.externalization).to.deep.equal({ enabled: true, delete_on_cancellation: false });
    const details = (await getJson(port, `/jobs/${jobId}/checkpoints/details/7`)).json as { tasks: Record<string, object> };
    expect(details.tasks[VERTEX]).to.include({
      id: 7,
      num_subtasks: 2,
      num_acknowledged_subtasks: 2,
      state_size: 300,
      end_to_end_duration: 150,
      latest_ack_timestamp: 1150,
    });
    const perSubtask = (await getJson(port, `/jobs/${jobId}/checkpoints/details/7/subtasks/${VERTEX}`)).json as {
      summary: Record<string, Record<string, unknown>>;
      subtasks: object[];
    };
    expect(perSubtask).to.include({ id: 7, status: 'COMPLETED', state_size: 300, num_acknowledged_subtasks: 2 });
    expect(perSubtask.summary.state_size).to.include({ min: 100, max: 200, avg: 150 });
    expect(perSubtask.summary.start_delay).to.include({ min: 3, max: 5 });
    expect(perSubtask.summary.checkpoint_duration!.async).to.include({ min: 10, max: 20 });
    expect(perSubtask.subtasks).to.deep.equal([
      {
        index: 0,
        status: 'completed',
        ack_timestamp: 1100,
        end_to_end_duration: 100,
        state_size: 100,
        checkpointed_size: 100,
        checkpoint: { sync: 1, async: 10 },
        alignment: { buffered: 0, processed: 0, persisted: 0, duration: 0 },
        start_delay: 3,
        unaligned_checkpoint: false,
        aborted: false,
      },
      {
        index: 1,
        status: 'completed',
        ack_timestamp: 1150,
        end_to_end_duration: 150,
        state_size: 200,
        checkpointed_size: 200,
        checkpoint: { sync: 0, async: 20 },
        alignment: { buffered: 0, processed: 0, persisted: 0, duration: 0 },
        start_delay: 5,
        unaligned_checkpoint: false,
        aborted: false,
      },
    ]);
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/details/7/subtasks/${'bb'.repeat(16)}`)).status).to.equal(404);
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/details/7/subtasks/v1`)).status).to.equal(400);
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/details/99`)).status).to.equal(404);
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/details/x7`)).status).to.equal(400);
    expect((await getJson(port, `/jobs/${UNKNOWN_JOB}/checkpoints`)).status).to.equal(404);
    cluster.stats = undefined;
    expect((await getJson(port, `/jobs/${jobId}/checkpoints/config`)).status).to.equal(404);
  });
});
