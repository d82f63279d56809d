import { expect } from 'chai';
import { Configuration, ManualScheduler } from '@spindle/core';
import type { SlotOffer } from '@spindle/protocol';
import { PartitionManager } from '../src/network/partition-manager.js';
import type { ResourceDriver } from '../src/resourcemanager/resource-driver.js';
import { ResourceManager } from '../src/resourcemanager/resource-manager.js';
import { LocalRpcService } from '../src/rpc/rpc-service.js';
import { InlineSlotHost } from '../src/taskexecutor/inline-slot-host.js';
import { TaskExecutor } from '../src/taskexecutor/task-executor.js';

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Starts TaskExecutors in this process, as a process driver would start processes. */
class InProcessDriver implements ResourceDriver {
  readonly workers = new Map<string, TaskExecutor>();
  readonly released: string[] = [];
  private n = 0;
  private onEnd: (id: string, reason: string) => void = () => undefined;

  constructor(
    private readonly rpc: LocalRpcService,
    private readonly config: Configuration,
    private readonly scheduler: ManualScheduler,
  ) {}

  async start(onWorkerTerminated: (id: string, reason: string) => void): Promise<void> {
    this.onEnd = onWorkerTerminated;
  }

  async requestWorker(): Promise<string> {
    const id = `worker-${this.n++}`;
    const host = () => new InlineSlotHost(new PartitionManager(), () => undefined);
    const te = new TaskExecutor(
      { resourceId: id, address: `te/${id}`, numberOfSlots: 2, dataPort: -1, resourceManagerAddress: 'rm' },
      this.rpc,
      host,
      this.config,
      this.scheduler,
    );
    this.workers.set(id, te);
    void te.start();
    return id;
  }

  async releaseWorker(id: string): Promise<void> {
    this.released.push(id);
    await this.workers.get(id)?.close();
    this.workers.delete(id);
    this.onEnd(id, 'released');
  }

  kill(id: string): void {
    void this.workers.get(id)?.close();
    this.workers.delete(id);
    this.onEnd(id, 'killed');
  }

  async close(): Promise<void> {
    for (const te of this.workers.values()) await te.close();
  }
}

describe('active resource management', () => {
  it('starts TaskManagers when slots are short and releases them once idle for the timeout', async () => {
    const scheduler = new ManualScheduler();
    const config = new Configuration({ 'taskmanager.numberOfTaskSlots': '2', 'resourcemanager.taskmanager-timeout': '30 s' });
    const rpc = new LocalRpcService();
    const driver = new InProcessDriver(rpc, config, scheduler);
    const rm = new ResourceManager('rm', rpc, config, scheduler, driver);
    await rm.start();
    const offers: Array<{ resourceId: string; offer: SlotOffer }> = [];
    rpc.register('jm', {
      offerSlots: async (resourceId: string, _a: string, o: SlotOffer[]) => (offers.push(...o.map((offer) => ({ resourceId, offer }))), o),
      heartbeatFromTaskManager: async () => undefined,
    });
    const requests = ['a1', 'a2', 'a3'].map((a) => rm.requestSlot('job', 'jm', a));
    await Promise.all(requests);
    await settle();
    expect(driver.workers.size).to.equal(2);
    expect(offers.map((o) => o.offer.allocationId).sort()).to.deep.equal(['a1', 'a2', 'a3']);
    for (const { resourceId, offer } of offers) await driver.workers.get(resourceId)!.freeSlot(offer.allocationId, 'job done');
    await settle();
    scheduler.advance(20_000);
    await settle();
    expect(driver.released).to.deep.equal([]);
    scheduler.advance(20_000);
    await settle();
    expect(driver.released.sort()).to.deep.equal(['worker-0', 'worker-1']);
    expect((await rm.requestResourceOverview()).numberTaskManagers).to.equal(0);
    await rm.close();
  });

  it('replaces a TaskManager whose process ended while requests wait', async () => {
    const scheduler = new ManualScheduler();
    const config = new Configuration({ 'taskmanager.numberOfTaskSlots': '1' });
    const rpc = new LocalRpcService();
    const driver = new InProcessDriver(rpc, config, scheduler);
    const rm = new ResourceManager('rm', rpc, config, scheduler, driver);
    await rm.start();
    rpc.register('jm', { offerSlots: async () => [], heartbeatFromTaskManager: async () => undefined });
    void rm.requestSlot('job', 'jm', 'x').catch(() => undefined);
    await settle();
    expect([...driver.workers.keys()]).to.deep.equal(['worker-0']);
    driver.kill('worker-0');
    await settle();
    expect((await rm.requestResourceOverview()).numberTaskManagers).to.equal(0);
    await rm.close();
  });
});
