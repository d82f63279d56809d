import { expect } from 'chai';
import { Configuration, ManualScheduler, type SpindleError } from '@spindle/core';
import type { SlotOffer } from '@spindle/protocol';
import { PartitionManager } from '../src/network/partition-manager.js';
import type {
  ApplicationStatus,
  RecoveredWorker,
  ResourceDriver,
  ResourceEventHandler,
  WorkerResourceSpec,
} from '../src/resourcemanager/resource-driver.js';
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
  readonly specs: WorkerResourceSpec[] = [];
  /** Workers of an earlier attempt that `start` hands back. */
  recovered: string[] = [];
  /** Requests to fail, as a driver does when the provider refuses a worker. */
  failRequests = false;
  /** Whether started workers register (a worker that never comes up does not). */
  register = true;
  deregistered: { status: ApplicationStatus; diagnostics: string } | undefined;
  private n = 0;
  private handler: ResourceEventHandler = { onWorkerTerminated: () => undefined };

  constructor(
    private readonly rpc: LocalRpcService,
    private readonly config: Configuration,
    private readonly scheduler: ManualScheduler,
  ) {}

  async start(handler: ResourceEventHandler): Promise<readonly RecoveredWorker[]> {
    this.handler = handler;
    for (const id of this.recovered) this.launch(id);
    return this.recovered.map((resourceId) => ({ resourceId }));
  }

  async requestWorker(spec: WorkerResourceSpec): Promise<string> {
    this.specs.push(spec);
    if (this.failRequests) throw new Error('no capacity left');
    return this.launch(`worker-${this.n++}`);
  }

  private launch(id: string): string {
    const host = () => new InlineSlotHost(new PartitionManager(), () => undefined);
    const te = new TaskExecutor(
      { resourceId: id, address: `te/${id}`, numberOfSlots: 2, dataPort: -1, resourceManagerAddress: 'rm' },
      this.rpc,
      host,
      this.config,
      this.scheduler,
    );
    this.workers.set(id, te);
    if (this.register) void te.start();
    return id;
  }

  async releaseWorker(id: string): Promise<void> {
    this.released.push(id);
    await this.workers.get(id)?.close();
    this.workers.delete(id);
    this.handler.onWorkerTerminated(id, { exitCode: 143, diagnostics: 'released' });
  }

  kill(id: string, exitCode = 137): void {
    void this.workers.get(id)?.close();
    this.workers.delete(id);
    this.handler.onWorkerTerminated(id, { exitCode, diagnostics: 'killed' });
  }

  async deregisterApplication(status: ApplicationStatus, diagnostics: string): Promise<void> {
    this.deregistered = { status, diagnostics };
  }

  async close(): Promise<void> {
    for (const te of this.workers.values()) await te.close();
  }
}

describe('active resource management', () => {
  it('starts TaskManagers when slots are short and releases them once idle for the timeout', async () => {
    const scheduler = new ManualScheduler();
    const config = new Configuration({
      'taskmanager.numberOfTaskSlots': '2',
      'resourcemanager.taskmanager-timeout': '30 s',
      'taskmanager.memory.process.size': '1g',
    });
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
    expect(driver.specs).to.deep.equal([
      { memoryMb: 1024, vcores: 2 },
      { memoryMb: 1024, vcores: 2 },
    ]);
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

  it('replaces a TaskManager whose process ended with an exit status while requests wait', async () => {
    const { rm, driver } = await activeCluster({});
    driver.register = false;
    void rm.requestSlot('job', 'jm', 'x').catch(() => undefined);
    await settle();
    expect([...driver.workers.keys()]).to.deep.equal(['worker-0']);
    driver.register = true;
    driver.kill('worker-0', 1);
    await settle();
    expect([...driver.workers.keys()]).to.deep.equal(['worker-1']);
    expect(rm.allocatedSlots().map((s) => s.resourceId)).to.deep.equal(['worker-1']);
    await rm.close();
  });

  it('tells the JobMasters with slots on a TaskManager whose process ended, once each, and no one else', async () => {
    const { rm, driver, rpc } = await activeCluster({ 'taskmanager.numberOfTaskSlots': '2' });
    const told: Array<{ jm: string; resourceId: string; cause: string }> = [];
    for (const jm of ['jm-a', 'jm-b', 'jm-c']) {
      rpc.register(jm, {
        offerSlots: async (_r: string, _a: string, o: SlotOffer[]) => o,
        heartbeatFromTaskManager: async () => undefined,
        disconnectTaskManager: async (resourceId: string, cause: string) => void told.push({ jm, resourceId, cause }),
      });
    }
    // worker-0: both slots of job a; worker-1: one slot of job b, one of job c.
    await Promise.all([rm.requestSlot('a', 'jm-a', 'a1'), rm.requestSlot('a', 'jm-a', 'a2')]);
    await Promise.all([rm.requestSlot('b', 'jm-b', 'b1'), rm.requestSlot('c', 'jm-c', 'c1')]);
    await settle();
    expect(
      rm
        .allocatedSlots()
        .map((s) => `${s.resourceId}:${s.allocationId}`)
        .sort(),
    ).to.deep.equal(['worker-0:a1', 'worker-0:a2', 'worker-1:b1', 'worker-1:c1']);
    driver.kill('worker-0');
    await settle();
    expect(told).to.deep.equal([{ jm: 'jm-a', resourceId: 'worker-0', cause: 'its process ended (exit code 137: killed)' }]);
    // A TaskManager that registers again is still running its tasks: nobody is told.
    await rm.registerTaskExecutor({
      resourceId: 'worker-1',
      address: 'te/worker-1',
      numberOfSlots: 2,
      dataPort: -1,
      hardware: { cpuCores: 1, physicalMemory: 1 << 30 },
    });
    await settle();
    expect(told).to.have.length(1);
    await rm.close();
  });

  it('fails the waiting slot requests once workers fail to start more often than the maximum rate', async () => {
    const { rm, driver, scheduler } = await activeCluster({ 'resourcemanager.start-worker-max-failure-rate': '2' });
    driver.failRequests = true;
    const request = rm.requestSlot('job', 'jm', 'x');
    const error = await request.then(
      () => undefined,
      (e: unknown) => e as SpindleError,
    );
    expect(error?.code).to.equal('WORKER_START_FAILED');
    expect(error?.message).to.contain('resourcemanager.start-worker-max-failure-rate (2)').and.contain('no capacity left');
    expect(driver.specs).to.have.length(3);
    // Asking pauses for the retry interval, then starts again.
    driver.failRequests = false;
    void rm.requestSlot('job', 'jm', 'y').catch(() => undefined);
    await settle();
    expect(driver.specs).to.have.length(3);
    scheduler.advance(3000);
    await settle();
    expect([...driver.workers.keys()]).to.deep.equal(['worker-0']);
    await rm.close();
  });

  it('releases and replaces a worker that does not register in time', async () => {
    const { rm, driver, scheduler } = await activeCluster({ 'resourcemanager.taskmanager-registration.timeout': '1 min' });
    driver.register = false;
    void rm.requestSlot('job', 'jm', 'x').catch(() => undefined);
    await settle();
    driver.register = true;
    scheduler.advance(61_000);
    await settle();
    expect(driver.released).to.deep.equal(['worker-0']);
    expect(rm.allocatedSlots().map((s) => s.resourceId)).to.deep.equal(['worker-1']);
    await rm.close();
  });

  it('adopts the workers of an earlier attempt instead of asking for new ones', async () => {
    const { rm, driver } = await activeCluster({ 'taskmanager.numberOfTaskSlots': '2' }, ['old-0']);
    await settle();
    await Promise.all([rm.requestSlot('job', 'jm', 'x'), rm.requestSlot('job', 'jm', 'y')]);
    expect(driver.specs).to.deep.equal([]);
    expect(rm.allocatedSlots().map((s) => s.resourceId)).to.deep.equal(['old-0', 'old-0']);
    await rm.close();
  });

  it('deregisters the application through the driver', async () => {
    const { rm, driver } = await activeCluster({});
    await rm.deregisterApplication('FAILED', 'the job failed');
    expect(driver.deregistered).to.deep.equal({ status: 'FAILED', diagnostics: 'the job failed' });
    await rm.close();
  });
});

async function activeCluster(
  settings: Record<string, string>,
  recovered: string[] = [],
): Promise<{ rm: ResourceManager; driver: InProcessDriver; scheduler: ManualScheduler; rpc: LocalRpcService }> {
  const scheduler = new ManualScheduler();
  const config = new Configuration({ 'taskmanager.numberOfTaskSlots': '1', ...settings });
  const rpc = new LocalRpcService();
  const driver = new InProcessDriver(rpc, config, scheduler);
  driver.recovered = recovered;
  const rm = new ResourceManager('rm', rpc, config, scheduler, driver);
  rpc.register('jm', { offerSlots: async (_r: string, _a: string, o: SlotOffer[]) => o, heartbeatFromTaskManager: async () => undefined });
  await rm.start();
  return { rm, driver, scheduler, rpc };
}
