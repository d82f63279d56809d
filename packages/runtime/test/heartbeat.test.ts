import { expect } from 'chai';
import { Configuration, ManualScheduler } from '@spindle/core';
import { HeartbeatMonitor } from '../src/heartbeat/heartbeat-monitor.js';
import { ResourceManager } from '../src/resourcemanager/resource-manager.js';
import { LocalRpcService } from '../src/rpc/rpc-service.js';
import { TaskExecutor } from '../src/taskexecutor/task-executor.js';
import { InlineSlotHost } from '../src/taskexecutor/inline-slot-host.js';
import { PartitionManager } from '../src/network/partition-manager.js';

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

describe('heartbeats', () => {
  it('a monitor reports a silent peer once, after the timeout, and not a talking one', () => {
    const scheduler = new ManualScheduler();
    const lost: string[] = [];
    const monitor = new HeartbeatMonitor(scheduler, 1000, (p) => lost.push(p));
    monitor.start();
    monitor.monitor('a');
    monitor.monitor('b');
    for (let t = 0; t < 10; t++) {
      scheduler.advance(200);
      monitor.received('b');
    }
    expect(lost).to.deep.equal(['a']);
    expect(monitor.isMonitored('b')).to.equal(true);
  });

  it('the ResourceManager drops a TaskManager whose heartbeats stop, and keeps one that sends them', async () => {
    const scheduler = new ManualScheduler();
    const config = new Configuration({ 'heartbeat.interval': '1 s', 'heartbeat.timeout': '5 s' });
    const rpc = new LocalRpcService();
    const rm = new ResourceManager('rm', rpc, config, scheduler);
    await rm.start();
    const host = () => new InlineSlotHost(new PartitionManager(), () => undefined);
    const tes = [0, 1].map(
      (i) =>
        new TaskExecutor(
          { resourceId: `tm${i}`, address: `te${i}`, numberOfSlots: 2, dataPort: -1, resourceManagerAddress: 'rm' },
          rpc,
          host,
          config,
          scheduler,
        ),
    );
    for (const te of tes) await te.start();
    expect((await rm.requestResourceOverview()).numberTaskManagers).to.equal(2);
    await tes[1]!.close();
    for (let i = 0; i < 8; i++) {
      scheduler.advance(1000);
      await settle();
    }
    const overview = await rm.requestResourceOverview();
    expect(overview.taskManagers.map((t) => t.resourceId)).to.deep.equal(['tm0']);
    expect(overview.numberRegisteredSlots).to.equal(2);
    await tes[0]!.close();
    await rm.close();
  });
});
