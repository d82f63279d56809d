import type { MessagePort } from 'node:worker_threads';
import { expect } from 'chai';
import { Configuration, ManualScheduler, configureLogging, resetLogging } from '@spindle/core';
import type { SlotOffer } from '@spindle/protocol';
import type { ToConsumer } from '../src/network/channel-link.js';
import { ShuffleClient } from '../src/network/tcp/shuffle-client.js';
import { ShuffleServer } from '../src/network/tcp/shuffle-server.js';
import { ShuffleHub, type HubMember } from '../src/taskexecutor/shuffle-hub.js';
import { PartitionManager } from '../src/network/partition-manager.js';
import { ResourceManager } from '../src/resourcemanager/resource-manager.js';
import { LocalRpcService } from '../src/rpc/rpc-service.js';
import { InlineSlotHost } from '../src/taskexecutor/inline-slot-host.js';
import { TaskExecutor } from '../src/taskexecutor/task-executor.js';
import { turns, until, within } from './tcp-helpers.js';

/** A slot worker of `jobId` as the hub sees it; `channels` get the ports the hub connects it with. */
function consumer(jobId: string): HubMember & { jobId: string; channels: Map<number, MessagePort> } {
  const channels = new Map<number, MessagePort>();
  return {
    jobId,
    channels,
    serve: () => undefined,
    connected: (requestId, port) => {
      if (port) channels.set(requestId, port);
    },
  };
}

describe('ShuffleHub: a remote consumer waiting for a partition of a job that ends', function () {
  this.timeout(30_000);
  let producerHub: ShuffleHub;
  let consumerHub: ShuffleHub;
  let server: ShuffleServer;
  let client: ShuffleClient;
  let location: string;
  /** Jobs with slots on the producer's TaskManager. */
  let activeJobs: Set<string>;

  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  beforeEach(async () => {
    activeJobs = new Set(['job-a', 'job-b']);
    producerHub = new ShuffleHub({ selfLocation: 'producer', jobActive: (jobId) => activeJobs.has(jobId) });
    server = new ShuffleServer((partitionId, subpartition, link, jobId) => producerHub.serveRemote(partitionId, subpartition, link, jobId));
    const port = await server.start();
    location = `127.0.0.1:${port}`;
    client = new ShuffleClient();
    consumerHub = new ShuffleHub({
      selfLocation: 'consumer',
      remote: (_location, partitionId, subpartition, jobId) =>
        client.request({ host: '127.0.0.1', port }, partitionId, subpartition, 0, jobId),
    });
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  /** Requests `partitionId` for `member` from the producer's TaskManager; resolves with the messages its channel receives. */
  async function requestRemote(member: ReturnType<typeof consumer>, requestId: number, partitionId: string): Promise<ToConsumer[]> {
    consumerHub.request(member, requestId, partitionId, 0, location);
    await until(() => member.channels.has(requestId), 'the channel to the producer');
    const received: ToConsumer[] = [];
    member.channels.get(requestId)!.on('message', (m: ToConsumer) => received.push(m));
    return received;
  }

  it('gets an error naming the job end, and nothing of the job stays registered in either hub', async () => {
    const a = consumer('job-a');
    const b = consumer('job-b');
    const receivedA = await requestRemote(a, 1, 'ds#0#never');
    const receivedB = await requestRemote(b, 2, 'ds#1#later');
    await until(() => producerHub.size().waiting === 2, 'both requests to wait on the producer side');

    activeJobs.delete('job-a');
    producerHub.releaseJob('job-a', 'the slots of job job-a on this TaskManager were freed (job CANCELED)');

    await within(
      (async () => {
        while (receivedA.length === 0) await turns(1);
      })(),
      "the consumer's error",
    );
    expect(receivedA).to.deep.equal([
      {
        t: 'f',
        message: 'stopped waiting for partition ds#0#never: the slots of job job-a on this TaskManager were freed (job CANCELED)',
      },
    ]);
    expect(producerHub.size(), 'the waiter of job-b stays').to.deep.equal({ partitions: 0, waiting: 1 });
    expect(receivedB).to.deep.equal([]);
    expect(consumerHub.size()).to.deep.equal({ partitions: 0, waiting: 0 });
    for (const port of [...a.channels.values(), ...b.channels.values()]) port.close();
  });

  it('answers at once with an error a request for a partition of a job that has no slots on the producer side', async () => {
    activeJobs.delete('job-a');
    const a = consumer('job-a');
    const received = await requestRemote(a, 1, 'ds#0#gone');
    await within(
      (async () => {
        while (received.length === 0) await turns(1);
      })(),
      "the consumer's error",
    );
    expect(received).to.have.length(1);
    expect(received[0]).to.deep.include({ t: 'f' });
    expect((received[0] as { message: string }).message).to.match(
      /^stopped waiting for partition ds#0#gone: job job-a has no slots on this TaskManager/,
    );
    expect(producerHub.size()).to.deep.equal({ partitions: 0, waiting: 0 });
    for (const port of a.channels.values()) port.close();
  });
});

describe('TaskExecutor: the end of a job on a TaskManager', () => {
  it('is reported once the last slot of the job there is freed, with the cause', async () => {
    const scheduler = new ManualScheduler();
    const config = new Configuration();
    const rpc = new LocalRpcService();
    const rm = new ResourceManager('rm', rpc, config, scheduler);
    await rm.start();
    rpc.register('jm', {
      offerSlots: async (_resourceId: string, _address: string, offers: SlotOffer[]) => offers,
      heartbeatFromTaskManager: async () => undefined,
      updateTaskExecutionState: async () => undefined,
    });
    const released: Array<[string, string]> = [];
    const te = new TaskExecutor(
      {
        resourceId: 'tm',
        address: 'te',
        numberOfSlots: 3,
        dataPort: -1,
        resourceManagerAddress: 'rm',
        onJobReleased: (jobId, cause) => released.push([jobId, cause]),
      },
      rpc,
      () => new InlineSlotHost(new PartitionManager(), () => undefined),
      config,
      scheduler,
    );
    await te.start();
    try {
      await te.requestSlot(0, 'job-a', 'alloc-1', 'jm');
      await te.requestSlot(1, 'job-a', 'alloc-2', 'jm');
      await te.requestSlot(2, 'job-b', 'alloc-3', 'jm');
      await te.freeSlot('alloc-1', 'job CANCELED');
      expect(released).to.deep.equal([]);
      expect(te.hasJob('job-a')).to.equal(true);
      await te.freeSlot('alloc-2', 'job CANCELED');
      expect(released).to.deep.equal([['job-a', 'job CANCELED']]);
      expect(te.hasJob('job-a')).to.equal(false);
      expect(te.hasJob('job-b')).to.equal(true);
    } finally {
      await te.close();
      await rm.close();
    }
  });
});
