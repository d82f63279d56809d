import { expect } from 'chai';
import net from 'node:net';
import { HadoopRemoteError, YarnError } from '../src/errors.js';
import { encodeMessage } from '../src/proto.js';
import { HadoopRpcConnection } from '../src/rpc/connection.js';
import { HadoopRpcConnectionPool } from '../src/rpc/connection-pool.js';
import { FakeHadoopRpcServer, type FakeCall, type FakeServerOptions } from './fake-hadoop-server.js';

const token = {
  identifier: Buffer.from('0a0d0a0908011080d095ffbc3110011005', 'hex'),
  password: Buffer.alloc(20, 3),
  kind: 'YARN_AM_RM_TOKEN',
  service: '',
};
const protocol = { name: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB', version: 1 };
const FINISH_REQ = 'hadoop.yarn.FinishApplicationMasterRequestProto';
const FINISH_RSP = 'hadoop.yarn.FinishApplicationMasterResponseProto';

describe('HadoopRpcConnection against a fake server', () => {
  let server: FakeHadoopRpcServer | undefined;
  const connections: HadoopRpcConnection[] = [];

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close();
    await server?.close();
    server = undefined;
  });

  async function serve(opts: Partial<FakeServerOptions> & Pick<FakeServerOptions, 'onCall'>): Promise<FakeHadoopRpcServer> {
    server = new FakeHadoopRpcServer({ token, ...opts });
    await server.start();
    return server;
  }

  async function open(t = token, callTimeoutMs?: number): Promise<HadoopRpcConnection> {
    const c = await HadoopRpcConnection.open({ host: '127.0.0.1', port: server!.port, protocol, token: t, callTimeoutMs });
    connections.push(c);
    return c;
  }

  const finish = (c: HadoopRpcConnection, diagnostics: string): Promise<{ isUnregistered?: boolean }> =>
    c.call(method, FINISH_REQ, { diagnostics }, FINISH_RSP);
  const method = 'finishApplicationMaster';
  const ok = (call: FakeCall): void => call.reply(encodeMessage(FINISH_RSP, { isUnregistered: true }));

  it('authenticates, sends an empty userInfo context with the protocol name, and answers calls', async () => {
    const s = await serve({ onCall: ok });
    const c = await open();
    expect(await finish(c, 'x')).to.deep.equal({ isUnregistered: true });
    expect(s.contexts).to.deep.equal([{ userInfo: {}, protocol: protocol.name }]);
  });

  it('matches answers given out of order to their calls', async () => {
    const held: FakeCall[] = [];
    await serve({
      onCall: (call) => {
        held.push(call);
        if (held.length === 3) for (const h of held.reverse()) h.reply(encodeMessage(FINISH_RSP, { isUnregistered: h.callId === 1 }));
      },
    });
    const c = await open();
    const answers = await Promise.all([finish(c, 'a'), finish(c, 'b'), finish(c, 'c')]);
    expect(answers.map((a) => a.isUnregistered === true)).to.deep.equal([false, true, false]);
  });

  it('fails one call on ERROR and keeps the connection', async () => {
    await serve({
      onCall: (call) =>
        call.callId === 0
          ? call.fail('ERROR', 'org.apache.hadoop.yarn.exceptions.YarnException', 'no such thing\n\tat Foo.bar(Foo.java:1)')
          : ok(call),
    });
    const c = await open();
    const err = await finish(c, 'a').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HadoopRemoteError);
    expect((err as HadoopRemoteError).simpleClassName).to.equal('YarnException');
    expect((err as HadoopRemoteError).remoteMessage).to.equal('no such thing');
    expect((err as HadoopRemoteError).remoteTrace).to.contain('Foo.java');
    expect((err as HadoopRemoteError).fatal).to.equal(false);
    expect(await finish(c, 'b')).to.deep.equal({ isUnregistered: true });
  });

  it('fails every pending call on FATAL and closes', async () => {
    const held: FakeCall[] = [];
    await serve({
      onCall: (call) => {
        held.push(call);
        if (held.length === 2) held[1]!.fail('FATAL', 'java.io.IOException', 'broken');
      },
    });
    const c = await open();
    const results = await Promise.allSettled([finish(c, 'a'), finish(c, 'b')]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(c.isClosed).to.equal(true);
  });

  it('fails a pending call when the server closes the connection', async () => {
    await serve({ onCall: (_call, socket) => socket.destroy() });
    const c = await open();
    const err = await finish(c, 'a').catch((e: unknown) => e);
    expect((err as YarnError).code).to.equal('HADOOP_RPC_CONNECTION');
  });

  it('times out a call without an answer and keeps the connection usable', async () => {
    await serve({ onCall: (call) => (call.callId === 0 ? undefined : ok(call)) });
    const c = await open(token, 300);
    expect(((await finish(c, 'a').catch((e: unknown) => e)) as YarnError).code).to.equal('HADOOP_RPC_TIMEOUT');
    expect(await finish(c, 'b')).to.deep.equal({ isUnregistered: true });
  });

  it('times out a server that accepts but never answers the SASL negotiation', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const err = await HadoopRpcConnection.open({ host: '127.0.0.1', port, protocol, token, connectTimeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      expect((err as YarnError).code).to.equal('HADOOP_RPC_TIMEOUT');
      expect((err as YarnError).message).to.contain(`127.0.0.1:${port}`);
    } finally {
      silent.close();
    }
  });

  it('names the address when nothing listens', async () => {
    const err = await HadoopRpcConnection.open({ host: '127.0.0.1', port: 1, protocol, token }).catch((e: unknown) => e);
    expect((err as YarnError).code).to.equal('HADOOP_RPC_CONNECTION');
    expect((err as YarnError).message).to.match(
      /cannot connect to 127\.0\.0\.1:1 \(org\.apache\.hadoop\.yarn\.api\.ApplicationMasterProtocolPB\)/,
    );
  });

  it('reports a wrong password as the server SASL exception', async () => {
    await serve({ onCall: ok });
    const err = await open({ ...token, password: Buffer.alloc(20, 9) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HadoopRemoteError);
    expect((err as HadoopRemoteError).className).to.equal('javax.security.sasl.SaslException');
    expect((err as HadoopRemoteError).fatal).to.equal(true);
  });

  it('refuses a server with a wrong rspauth, integrity/privacy QOP, or Kerberos only', async () => {
    await serve({ onCall: ok, wrongRspauth: true });
    expect(((await open().catch((e: unknown) => e)) as Error).message).to.match(/rspauth/);
    await server!.close();
    await serve({ onCall: ok, qop: 'auth-conf' });
    expect(((await open().catch((e: unknown) => e)) as Error).message).to.match(/privacy/);
    await server!.close();
    await serve({ onCall: ok, auths: [{ method: 'KERBEROS', mechanism: 'GSSAPI' }] });
    expect(((await open().catch((e: unknown) => e)) as Error).message).to.match(/Kerberos/);
  });

  it('reuses one connection per (address, protocol, token) in the pool and replaces a closed one', async () => {
    await serve({ onCall: ok });
    const pool = new HadoopRpcConnectionPool();
    try {
      const [a, b] = await Promise.all([
        pool.get('127.0.0.1', server!.port, protocol, token),
        pool.get('127.0.0.1', server!.port, protocol, token),
      ]);
      expect(a).to.equal(b);
      const other = await pool
        .get('127.0.0.1', server!.port, protocol, { ...token, identifier: Buffer.from('0a00', 'hex') })
        .catch((e: unknown) => e);
      expect(other).to.be.instanceOf(HadoopRemoteError); // another token is another connection (refused here)
      a.close();
      const c = await pool.get('127.0.0.1', server!.port, protocol, token);
      expect(c).not.to.equal(a);
      expect(await finish(c, 'x')).to.deep.equal({ isUnregistered: true });
    } finally {
      pool.close();
    }
  });
});
