import { expect } from 'chai';
import { loadConfiguration } from '@spindle/core';
import type { WorkerTermination } from '@spindle/runtime';
import {
  HadoopRemoteError,
  YarnResourceDriver,
  containerIdString,
  type AllocateRequest,
  type AllocateResponse,
  type AmProtocol,
  type ContainerLaunchContext,
  type ContainerProto,
  type ContainerStatusProto,
  type NmProtocol,
} from '../src/index.js';

const APP = { id: 7, cluster_timestamp: 1700000000000 };

function container(id: number, priority: number, memory = 1024): ContainerProto {
  return {
    id: { app_id: APP, app_attempt_id: { application_id: APP, attemptId: 1 }, id },
    nodeId: { host: 'localhost', port: 4545 },
    resource: { memory, virtual_cores: 1 },
    priority: { priority },
    container_token: {},
  };
}

/** A ResourceManager scheduler that answers allocate from a script of allocations and completions. */
class FakeAm implements AmProtocol {
  readonly requests: AllocateRequest[] = [];
  readonly toAllocate: ContainerProto[] = [];
  readonly toComplete: ContainerStatusProto[] = [];
  finishCalls = 0;
  registrations = 0;
  failNextAllocate: Error | undefined;
  nextCommand: AllocateResponse['amCommand'];
  async register() {
    this.registrations++;
    return { containersFromPreviousAttempts: [container(1, 1)], nmTokensFromPreviousAttempts: [] };
  }
  async allocate(req: AllocateRequest = {}): Promise<AllocateResponse> {
    this.requests.push(req);
    const failure = this.failNextAllocate;
    this.failNextAllocate = undefined;
    if (failure !== undefined) throw failure;
    const amCommand = this.nextCommand;
    this.nextCommand = undefined;
    // A resync or shutdown answer carries nothing else: the RM did not process the request.
    if (amCommand !== undefined) return { responseId: 0, amCommand, allocatedContainers: [], completedContainers: [], nmTokens: [] };
    return {
      responseId: this.requests.length,
      allocatedContainers: this.toAllocate.splice(0),
      completedContainers: this.toComplete.splice(0),
      nmTokens: [],
    };
  }
  async finish() {
    return ++this.finishCalls >= 2;
  }
  close(): void {}
}

class FakeNm implements NmProtocol {
  readonly started: Array<{ id: string; context: ContainerLaunchContext }> = [];
  readonly stopped: string[] = [];
  addNmTokens(): void {}
  async startContainer(c: ContainerProto, context: ContainerLaunchContext) {
    this.started.push({ id: containerIdString(c.id!), context });
    return { succeeded: [containerIdString(c.id!)], failed: [] };
  }
  async stopContainers(_node: unknown, ids: Parameters<NmProtocol['stopContainers']>[1]) {
    this.stopped.push(...ids.map(containerIdString));
    return { succeeded: [], failed: [] };
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('YarnResourceDriver', () => {
  const config = loadConfiguration({
    dynamicProperties: ['yarn.heartbeat.interval=20ms', 'yarn.heartbeat.container-request-interval=5ms'],
  }).config;
  let am: FakeAm;
  let nm: FakeNm;
  let driver: YarnResourceDriver;
  const terminated: Array<[string, WorkerTermination]> = [];

  beforeEach(() => {
    am = new FakeAm();
    nm = new FakeNm();
    terminated.length = 0;
    driver = new YarnResourceDriver(config, {
      am,
      nm,
      registration: { host: 'localhost', rpcPort: 8081, trackingUrl: 'http://localhost:8081' },
      launch: ({ containerId, memoryMb }) => ({ commands: ['tm', containerId, `${memoryMb}m`] }),
    });
  });

  afterEach(() => driver.close());

  it('recovers the containers of an earlier attempt', async () => {
    const recovered = await driver.start({ onWorkerTerminated: (id, t) => terminated.push([id, t]) });
    expect(recovered.map((w) => w.resourceId)).to.deep.equal(['container_1700000000000_0007_01_000001']);
  });

  it('asks for the outstanding total, starts allocated containers sized by YARN and releases surplus ones', async () => {
    await driver.start({ onWorkerTerminated: (id, t) => terminated.push([id, t]) });
    const first = driver.requestWorker({ memoryMb: 1000, vcores: 1 });
    const second = driver.requestWorker({ memoryMb: 1000, vcores: 1 });
    await until(() => am.requests.some((r) => r.asks?.[0]?.numContainers === 2), 'an ask for 2');
    am.toAllocate.push(container(2, 1), container(3, 1), container(4, 1));
    expect(await first).to.equal('container_1700000000000_0007_01_000002');
    expect(await second).to.equal('container_1700000000000_0007_01_000003');
    expect(nm.started[0]!.context.commands).to.deep.equal(['tm', 'container_1700000000000_0007_01_000002', '1024m']);
    await until(() => am.requests.some((r) => (r.releases ?? []).some((c) => c.id === 4)), 'the surplus container released');
    expect(am.requests.at(-1)!.asks?.[0]?.numContainers).to.equal(0);
  });

  it('reports completed containers with their exit status, once', async () => {
    await driver.start({ onWorkerTerminated: (id, t) => terminated.push([id, t]) });
    const id = driver.requestWorker({ memoryMb: 1024, vcores: 1 });
    await until(() => am.requests.length > 0, 'a heartbeat');
    am.toAllocate.push(container(2, 1));
    await id;
    await driver.releaseWorker('container_1700000000000_0007_01_000002');
    expect(nm.stopped).to.deep.equal(['container_1700000000000_0007_01_000002']);
    am.toComplete.push({ container_id: container(2, 1).id, state: 'C_COMPLETE', exit_status: -105, diagnostics: 'killed' });
    await until(() => terminated.length > 0, 'the completion');
    expect(terminated[0]![0]).to.equal('container_1700000000000_0007_01_000002');
    expect(terminated[0]![1].exitCode).to.equal(-105);
  });

  it('registers again when the RM no longer knows the AppMaster, and asks again', async () => {
    await driver.start({ onWorkerTerminated: () => undefined });
    am.failNextAllocate = new HadoopRemoteError({
      className: 'org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException',
      errorMsg: 'Application Master is trying to allocate before registering',
      fatal: false,
      context: 'allocate',
    });
    const worker = driver.requestWorker({ memoryMb: 1024, vcores: 1 });
    await until(() => am.registrations === 2, 'a second registration');
    await until(() => am.requests.length >= 2 && am.requests.at(-1)!.asks?.[0]?.numContainers === 1, 'the ask sent again');
    am.toAllocate.push(container(2, 1));
    expect(await worker).to.equal('container_1700000000000_0007_01_000002');
  });

  it('on AM_RESYNC registers again and sends every outstanding ask and release again, at once', async () => {
    await driver.start({ onWorkerTerminated: () => undefined });
    const first = driver.requestWorker({ memoryMb: 1024, vcores: 1 });
    await until(() => am.requests.some((r) => r.asks?.[0]?.numContainers === 1), 'the first ask');
    am.toAllocate.push(container(2, 1));
    expect(await first).to.equal('container_1700000000000_0007_01_000002');
    const second = driver.requestWorker({ memoryMb: 1024, vcores: 1 });
    const third = driver.requestWorker({ memoryMb: 1024, vcores: 1 });
    await driver.releaseWorker('container_1700000000000_0007_01_000002');
    am.nextCommand = 'AM_RESYNC';
    await until(() => am.registrations === 2, 'a second registration');
    const resent = am.requests.length;
    await until(() => am.requests.length > resent, 'the allocate after the resync');
    const after = am.requests[resent]!;
    expect(after.asks?.[0]?.numContainers).to.equal(2);
    expect((after.releases ?? []).map((c) => c.id)).to.deep.equal([2]);
    am.toAllocate.push(container(3, 1), container(4, 1));
    expect([await second, await third]).to.deep.equal(['container_1700000000000_0007_01_000003', 'container_1700000000000_0007_01_000004']);
  });

  it('on AM_SHUTDOWN stops the heartbeats and asks the AppMaster to stop, without unregistering', async () => {
    const reasons: string[] = [];
    const stopping = new YarnResourceDriver(config, {
      am,
      nm,
      registration: { host: 'localhost', rpcPort: 8081 },
      launch: () => ({ commands: ['tm'] }),
      onShutdownRequest: (reason) => reasons.push(reason),
    });
    await stopping.start({ onWorkerTerminated: () => undefined });
    am.nextCommand = 'AM_SHUTDOWN';
    await until(() => reasons.length === 1, 'the shutdown request');
    expect(reasons[0]).to.include('AM_SHUTDOWN');
    const beats = am.requests.length;
    await new Promise((r) => setTimeout(r, 100)); // five idle intervals
    expect(am.requests.length).to.equal(beats);
    await stopping.close();
    expect(am.finishCalls).to.equal(0);
  });

  it('unregisters with the final status, repeating until the RM confirms', async () => {
    await driver.start({ onWorkerTerminated: () => undefined });
    await driver.deregisterApplication('SUCCEEDED', 'done');
    expect(am.finishCalls).to.equal(2);
  });

  it('cleans up (the staging directory) before telling the RM, and unregisters even when the cleanup fails', async () => {
    const seen: number[] = [];
    const cleaning = new YarnResourceDriver(config, {
      am,
      nm,
      registration: { host: 'localhost', rpcPort: 8081 },
      launch: () => ({ commands: ['tm'] }),
      onDeregister: async () => {
        seen.push(am.finishCalls);
        throw new Error('HDFS is gone');
      },
    });
    try {
      await cleaning.start({ onWorkerTerminated: () => undefined });
      await cleaning.deregisterApplication('SUCCEEDED', 'done');
      expect(seen).to.deep.equal([0]);
      expect(am.finishCalls).to.equal(2);
    } finally {
      await cleaning.close();
    }
  });
});
