import { expect } from 'chai';
import { decodeMessage, encodeMessage } from '../src/proto.js';
import { ApplicationMasterClient } from '../src/protocols/application-master-client.js';
import { HadoopRpcConnectionPool } from '../src/rpc/connection-pool.js';
import { FakeHadoopRpcServer, type FakeCall } from './fake-hadoop-server.js';

const oldToken = {
  identifier: Buffer.from('0a0d0a0908011080d095ffbc3110011005', 'hex'),
  password: Buffer.alloc(20, 1),
  kind: 'YARN_AM_RM_TOKEN',
  service: '',
};
const newToken = {
  identifier: Buffer.from('0a0d0a0908011080d095ffbc3110011006', 'hex'),
  password: Buffer.alloc(20, 2),
  kind: 'YARN_AM_RM_TOKEN',
  service: '',
};
const Y = 'hadoop.yarn.';

describe('ApplicationMasterClient', () => {
  let server: FakeHadoopRpcServer;
  let pool: HadoopRpcConnectionPool;
  const requests: Array<{ method: string; body: Record<string, unknown> }> = [];

  beforeEach(async () => {
    requests.length = 0;
    server = new FakeHadoopRpcServer({ token: oldToken, onCall: (call) => answer(call) });
    await server.start();
    pool = new HadoopRpcConnectionPool();
  });

  afterEach(async () => {
    pool.close();
    await server.close();
  });

  let responseId = 0;
  function answer(call: FakeCall): void {
    const reqType = {
      registerApplicationMaster: 'RegisterApplicationMasterRequestProto',
      allocate: 'AllocateRequestProto',
      finishApplicationMaster: 'FinishApplicationMasterRequestProto',
    }[call.method]!;
    requests.push({ method: call.method, body: decodeMessage(Y + reqType, call.request) });
    if (call.method === 'registerApplicationMaster') {
      responseId = 0;
      return call.reply(
        encodeMessage(Y + 'RegisterApplicationMasterResponseProto', {
          maximumCapability: { memory: 8192, virtual_cores: 8 },
          queue: 'root.default',
        }),
      );
    }
    if (call.method === 'finishApplicationMaster')
      return call.reply(encodeMessage(Y + 'FinishApplicationMasterResponseProto', { isUnregistered: true }));
    responseId++;
    call.reply(
      encodeMessage(Y + 'AllocateResponseProto', {
        response_id: responseId,
        num_cluster_nodes: 1,
        allocated_containers: [
          {
            id: { app_attempt_id: { application_id: { id: 1, cluster_timestamp: 5 }, attemptId: 1 }, id: 2 },
            nodeId: { host: 'h', port: 1 },
          },
        ],
        completed_container_statuses: [
          { container_id: { id: 3 }, state: 'C_COMPLETE', exit_status: -105, diagnostics: 'Container killed by the ApplicationMaster.' },
        ],
        nm_tokens: [
          {
            nodeId: { host: 'h', port: 1 },
            token: { identifier: Buffer.from([1]), password: Buffer.from([2]), kind: 'NMToken', service: 'h:1' },
          },
        ],
        ...(responseId === 1 ? { am_rm_token: newToken } : {}),
      }),
    );
  }

  it('registers, allocates with totals and echoed response ids, parses the answer, and finishes', async () => {
    const am = new ApplicationMasterClient({ host: '127.0.0.1', port: server.port }, oldToken, pool);
    const reg = await am.register({ host: 'me', rpcPort: -1 });
    expect(reg.maximumCapability).to.deep.equal({ memory: 8192, virtual_cores: 8 });
    expect(reg.queue).to.equal('root.default');
    const r1 = await am.allocate({
      asks: [{ priority: 1, resourceName: '*', capability: { memoryMb: 256, vcores: 1 }, numContainers: 2 }],
      progress: 7,
    });
    expect(r1.responseId).to.equal(1);
    expect(r1.allocatedContainers).to.have.length(1);
    expect(r1.completedContainers[0]!.exit_status).to.equal(-105);
    expect(r1.nmTokens[0]!.nodeId).to.deep.equal({ host: 'h', port: 1 });
    expect(r1.nmTokens[0]!.token.kind).to.equal('NMToken');
    expect(r1.numClusterNodes).to.equal(1);
    server.token = newToken; // r1 carried a new AMRM token: the next call authenticates with it
    await am.allocate();
    expect(await am.finish({ finalStatus: 'SUCCEEDED', diagnostics: 'ok' })).to.equal(true);

    const [, a1, a2, fin] = requests;
    expect(a1!.body['response_id']).to.equal(0);
    expect(a1!.body['progress']).to.equal(1); // clamped to [0, 1]
    expect(a1!.body['ask']).to.deep.equal([
      {
        priority: { priority: 1 },
        resource_name: '*',
        capability: { memory: 256, virtual_cores: 1 },
        num_containers: 2,
        relax_locality: true,
      },
    ]);
    expect(a2!.body['response_id']).to.equal(1);
    expect(fin!.body).to.deep.equal({ final_application_status: 'APP_SUCCEEDED', diagnostics: 'ok', tracking_url: '' });
  });

  it('adopts a new AMRM token from allocate and makes its next call over a new connection authenticated with it', async () => {
    const am = new ApplicationMasterClient({ host: '127.0.0.1', port: server.port }, oldToken, pool);
    await am.register({ host: 'me', rpcPort: -1 });
    const r1 = await am.allocate();
    expect(r1.amRmToken?.identifier.equals(newToken.identifier)).to.equal(true);
    expect(am.amRmToken.password.equals(newToken.password)).to.equal(true);
    expect(server.contexts).to.have.length(1);
    // From here the server takes only the new token: the next call must not reuse the old connection.
    server.token = newToken;
    const r2 = await am.allocate();
    expect(r2.amRmToken).to.equal(undefined);
    expect(requests.map((r) => r.method)).to.deep.equal(['registerApplicationMaster', 'allocate', 'allocate']);
    expect(server.contexts).to.have.length(2);
    await waitFor(() => server.sockets.size === 1); // the old connection was closed
    await am.allocate(); // the new connection is kept
    expect(server.contexts).to.have.length(2);
    am.close();
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
