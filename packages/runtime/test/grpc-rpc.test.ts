import net from 'node:net';
import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import { GrpcRpcService, parseRpcAddress } from '../src/rpc/grpc-rpc-service.js';

interface Echo {
  requestResourceOverview(x: { n: number; s: string }): Promise<{ n: number; s: string }>;
  notifySlotAvailable(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('gRPC rpc service', function () {
  this.timeout(20_000);
  const services: GrpcRpcService[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  async function service(clusterId: string): Promise<GrpcRpcService> {
    const s = new GrpcRpcService({ host: '127.0.0.1', port: 0, clusterId });
    services.push(s);
    await s.start();
    return s;
  }

  it('calls an endpoint in another service and carries results and typed failures back', async () => {
    const server = await service('c1');
    const client = await service('c1');
    const address = server.address('resourcemanager', 'resourcemanager');
    server.register(address, {
      requestResourceOverview: async (x: { n: number; s: string }) => ({ n: x.n + 1, s: x.s.toUpperCase() }),
      notifySlotAvailable: () => {
        throw new SpindleError('slot is gone', { code: 'SLOT_GONE', recoverability: 'environment' });
      },
    });
    const gw = client.connect<Echo>(address);
    expect(await gw.requestResourceOverview({ n: 41, s: 'é' })).to.deep.equal({ n: 42, s: 'É' });
    const error = await gw.notifySlotAvailable().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SpindleError);
    expect((error as SpindleError).code).to.equal('SLOT_GONE');
    expect((error as SpindleError).recoverability).to.equal('environment');
  });

  it('rejects calls from another cluster with a clear error', async () => {
    const server = await service('prod');
    const client = await service('test');
    const address = server.address('resourcemanager', 'resourcemanager');
    server.register(address, { requestResourceOverview: async () => ({}) });
    const error = (await client
      .connect<Echo>(address)
      .requestResourceOverview({ n: 1, s: '' })
      .catch((e: unknown) => e)) as SpindleError;
    expect(error.code).to.equal('CLUSTER_ID_MISMATCH');
    expect(error.message).to.match(/cluster 'test'.*cluster 'prod'/);
  });

  it('names the address when nothing listens there, and an unknown endpoint', async () => {
    const client = await service('c1');
    const port = await freePort();
    const error = (await client
      .connect<Echo>(`resourcemanager@127.0.0.1:${port}/resourcemanager`)
      .requestResourceOverview({ n: 1, s: '' })
      .catch((e: unknown) => e)) as SpindleError;
    expect(error.code).to.equal('RPC_UNREACHABLE');
    expect(error.message).to.include(`127.0.0.1:${port}`);
    const server = await service('c1');
    const jm = client.connect<{ offerSlots(): Promise<unknown> }>(server.address('jobmaster', 'jobmaster/nope'));
    const missing = (await jm.offerSlots().catch((e: unknown) => e)) as SpindleError;
    expect(missing.code).to.equal('RPC_NO_ENDPOINT');
  });

  it('names the size limit, not reachability, when a request or a result is too large for one message', async () => {
    const server = await service('c1');
    const client = await service('c1');
    const address = server.address('resourcemanager', 'resourcemanager');
    const big = 'x'.repeat(5 * 1024 * 1024);
    server.register(address, {
      requestResourceOverview: async (x: { n: number; s: string }) => ({ n: x.n, s: x.n === 2 ? big : '' }),
    });
    const gw = client.connect<Echo>(address);
    for (const [what, call] of [
      ['request', () => gw.requestResourceOverview({ n: 1, s: big })],
      ['result', () => gw.requestResourceOverview({ n: 2, s: '' })],
    ] as const) {
      const error = (await call().catch((e: unknown) => e)) as SpindleError;
      expect(error, what).to.be.instanceOf(SpindleError);
      expect(error.code, what).to.equal('RPC_MESSAGE_TOO_LARGE');
      expect(error.message, what).to.match(/larger than .*4 MiB/);
      expect(error.message, what).not.to.match(/cannot reach|unreachable/i);
    }
    expect(await gw.requestResourceOverview({ n: 3, s: 'still fine' })).to.deep.equal({ n: 3, s: '' });
  });

  it('parses addresses and rejects malformed ones', () => {
    expect(parseRpcAddress('jobmaster@127.0.0.1:6123/jobmaster/abc')).to.deep.equal({
      kind: 'jobmaster',
      hostPort: '127.0.0.1:6123',
      name: 'jobmaster/abc',
    });
    expect(() => parseRpcAddress('nonsense')).to.throw(/not an rpc address/);
  });
});
