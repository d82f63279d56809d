import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import { GrpcRpcService } from '../src/rpc/grpc-rpc-service.js';
import { LocalRpcService, type RpcService } from '../src/rpc/rpc-service.js';

/**
 * One contract for every rpc transport: the same values sent through the in-process transport
 * (MiniCluster) and through gRPC (real clusters) arrive the same, fail the same, and a call
 * never throws synchronously.
 */
interface Gateway {
  requestResourceOverview(...args: unknown[]): Promise<unknown>;
  sendSlotReport(...args: unknown[]): Promise<unknown>;
  notifySlotAvailable(...args: unknown[]): Promise<unknown>;
}

interface Transport {
  /** The service hosting endpoints and the one calling them (the same one for in-process calls). */
  server: RpcService;
  client: RpcService;
  address(name: string): string;
  close(): Promise<void>;
}

const TRANSPORTS: Record<string, () => Promise<Transport>> = {
  'in-process': async () => {
    const rpc = new LocalRpcService();
    return { server: rpc, client: rpc, address: (name) => name, close: async () => undefined };
  },
  gRPC: async () => {
    const server = new GrpcRpcService({ host: '127.0.0.1', port: 0, clusterId: 'contract' });
    const client = new GrpcRpcService({ host: '127.0.0.1', port: 0, clusterId: 'contract' });
    await server.start();
    await client.start();
    return {
      server,
      client,
      address: (name) => server.address('resourcemanager', name),
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  },
};

/** Values that JSON and structured clone treat differently; every transport must carry them as they are. */
function values(): Array<[string, unknown]> {
  return [
    [
      'a Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, { b: [3] }],
      ]),
    ],
    ['a Set', new Set([1, 'x', null])],
    ['a Date', new Date(1_700_000_000_123)],
    ['undefined', undefined],
    ['undefined inside an array', [1, undefined, 3]],
    ['a property set to undefined', { a: undefined, b: 1 }],
    ['a bigint', 12345678901234567890123n],
    ['NaN, ±Infinity and -0', [NaN, Infinity, -Infinity, -0]],
    ['bytes', new Uint8Array([0, 1, 254, 255])],
    ['nested plain data', { a: [{ b: null, c: 'Grüße 😀' }, [true, false]], 'odd key': 1.5, n: -7 }],
    ['null', null],
    ['an empty string', ''],
  ];
}

/** Calls `fn`, turning a synchronous throw into a distinct outcome so the test can tell them apart. */
async function outcome(fn: () => Promise<unknown>): Promise<{ threwSynchronously?: unknown; value?: unknown; rejected?: unknown }> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (e) {
    return { threwSynchronously: e };
  }
  return p.then(
    (value) => ({ value }),
    (rejected: unknown) => ({ rejected }),
  );
}

for (const [name, create] of Object.entries(TRANSPORTS)) {
  describe(`rpc transport contract: ${name}`, function () {
    this.timeout(20_000);
    let t: Transport;
    let received: unknown[];
    let gw: Gateway;

    beforeEach(async () => {
      t = await create();
      received = [];
      t.server.register(t.address('rm'), {
        requestResourceOverview: (...args: unknown[]) => {
          received = args;
          return args[0];
        },
        sendSlotReport: () => ({
          failure: new SpindleError('slot lost', { code: 'SLOT_LOST', recoverability: 'environment', userFacing: true }),
        }),
        notifySlotAvailable: () => ({ callback: () => 1 }),
      });
      gw = t.client.connect<Gateway>(t.address('rm'));
    });

    afterEach(async () => {
      await t.close();
    });

    for (const [what, value] of values()) {
      it(`carries ${what} to the endpoint and back unchanged`, async () => {
        const result = await gw.requestResourceOverview(value, 'second');
        expect(received, 'arguments as received').to.deep.equal([value, 'second']);
        expect(result, 'result').to.deep.equal(value);
      });
    }

    it('keeps a Buffer a Buffer and other bytes plain Uint8Arrays', async () => {
      const [buffer, bytes] = (await gw.requestResourceOverview([Buffer.from('hi'), new Uint8Array([1])])) as [unknown, unknown];
      expect(Buffer.isBuffer(buffer)).to.equal(true);
      expect(Buffer.isBuffer(bytes)).to.equal(false);
      expect(bytes).to.be.instanceOf(Uint8Array);
    });

    it('keeps absent arguments absent', async () => {
      await gw.requestResourceOverview();
      expect(received).to.deep.equal([]);
      await gw.requestResourceOverview(1, undefined);
      expect(received).to.deep.equal([1, undefined]);
    });

    it('carries an error inside a result with its code and recoverability', async () => {
      const { failure } = (await gw.sendSlotReport()) as { failure: SpindleError };
      expect(failure).to.be.instanceOf(SpindleError);
      expect(failure.message).to.equal('slot lost');
      expect(failure.code).to.equal('SLOT_LOST');
      expect(failure.recoverability).to.equal('environment');
      expect(failure.userFacing).to.equal(true);
    });

    it('rejects an argument it cannot send, naming the method and the path of the value', async () => {
      const r = await outcome(() => gw.requestResourceOverview({ ok: 1 }, { handler: () => 1 }));
      expect(r.threwSynchronously).to.equal(undefined);
      expect(r.rejected).to.be.instanceOf(SpindleError);
      const message = (r.rejected as Error).message;
      expect(message).to.include('requestResourceOverview');
      expect(message).to.include('args[1].handler');
      expect(message).to.include('a function');
      expect(received, 'the endpoint was not called').to.deep.equal([]);
    });

    it('rejects a result it cannot send back, naming the method and the path of the value', async () => {
      const r = await outcome(() => gw.notifySlotAvailable());
      expect(r.rejected).to.be.instanceOf(SpindleError);
      const message = (r.rejected as Error).message;
      expect(message).to.include('notifySlotAvailable');
      expect(message).to.include('result.callback');
    });

    it('rejects, never throws, when nothing is registered at the address', async () => {
      const r = await outcome(() => t.client.connect<Gateway>(t.address('nobody')).requestResourceOverview(1));
      expect(r.threwSynchronously).to.equal(undefined);
      expect(r.rejected).to.be.instanceOf(SpindleError);
      expect((r.rejected as SpindleError).recoverability).to.equal('environment');
    });

    it('rejects, never throws, when the address is malformed', async () => {
      const r = await outcome(() => t.client.connect<Gateway>('not an address').requestResourceOverview(1));
      expect(r.threwSynchronously).to.equal(undefined);
      expect(r.rejected).to.be.instanceOf(SpindleError);
    });

    it('rejects, never throws, once the calling service is closed', async () => {
      await (t.client as RpcService & { close?: () => Promise<void> }).close?.();
      const r = await outcome(() => gw.requestResourceOverview(1));
      expect(r.threwSynchronously).to.equal(undefined);
      expect(r.rejected).to.be.instanceOf(SpindleError);
    });
  });
}
