import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileSystemError } from '@spindle/core';
import { WebHdfsClient, classifyRemoteException, parseRemoteException, remoteError, type NameNodes } from '../src/index.js';

/**
 * Faults a real HDFS cannot be made to show on demand (a DataNode connection that breaks off, a
 * standby NameNode, a connection cut mid-request), played by a tiny HTTP server on 127.0.0.1.
 * Everything else is tested against the real HDFS.
 */
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

interface FakeServer {
  address: string;
  requests: string[];
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<FakeServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname} ${url.searchParams.get('op')}`);
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function closedPort(): Promise<string> {
  const s = await serve(() => undefined);
  await s.close();
  return s.address;
}

function client(addresses: string[], nameservice?: string): WebHdfsClient {
  const namenodes: NameNodes = {
    fsUri: nameservice ? `hdfs://${nameservice}` : 'hdfs://nn:8020',
    httpAddresses: addresses,
    ...(nameservice ? { nameservice } : {}),
  };
  return new WebHdfsClient({ namenodes, user: 'tester', retry: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 3, maxFailovers: 4 } });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function remote(res: http.ServerResponse, status: number, exception: string, message: string): void {
  json(res, status, { RemoteException: { exception, javaClassName: `org.apache.hadoop.${exception}`, message } });
}

const STATUS = {
  accessTime: 0,
  blockSize: 0,
  group: 'g',
  length: 0,
  modificationTime: 1,
  owner: 'o',
  pathSuffix: '',
  permission: '755',
  replication: 0,
  type: 'DIRECTORY',
};

async function failure(work: Promise<unknown>): Promise<FileSystemError> {
  const e = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, String(e)).to.be.instanceOf(FileSystemError);
  return e as FileSystemError;
}

describe('WebHDFS client faults', () => {
  const servers: FakeServer[] = [];
  const start = async (h: Handler) => {
    const s = await serve(h);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('reopens a DataNode stream that breaks off where it stopped', async () => {
    const content = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const offsets: number[] = [];
    const server = await start((_req, res, url) => {
      if (url.pathname.startsWith('/webhdfs/')) {
        res.writeHead(307, { location: `${server.address}/dn${url.pathname}${url.search}` });
        return void res.end();
      }
      const offset = Number(url.searchParams.get('offset') ?? 0);
      offsets.push(offset);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': content.length - offset });
      if (offsets.length === 1) {
        res.write(content.subarray(offset, offset + 1234));
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end(content.subarray(offset));
    });
    const chunks: Buffer[] = [];
    for await (const c of await client([server.address]).open('/f')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(content)).to.equal(true);
    expect(offsets).to.deep.equal([0, 1234]);
  });

  it('fails a read that keeps breaking off, naming the path', async () => {
    const server = await start((_req, res, url) => {
      if (url.pathname.startsWith('/webhdfs/')) {
        res.writeHead(307, { location: `${server.address}/dn${url.pathname}${url.search}` });
        return void res.end();
      }
      // 10 bytes at first, then nothing more: no progress after the first reopen.
      const offset = Number(url.searchParams.get('offset') ?? 0);
      res.writeHead(200, { 'content-length': 100 - offset });
      if (offset === 0) res.write(Buffer.alloc(10));
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const stream = await client([server.address]).open('/data/f');
    const e = await failure(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    );
    expect(e.message).to.contain('hdfs://nn:8020/data/f').and.contain('broke off');
  });

  it('fails over from a standby NameNode and stays with the active one', async () => {
    const standby = await start((_req, res) =>
      remote(res, 403, 'StandbyException', 'Operation category READ is not supported in state standby'),
    );
    const active = await start((_req, res) => json(res, 200, { FileStatus: STATUS }));
    const c = client([standby.address, active.address], 'ns1');
    expect((await c.getFileStatus('/a'))?.type).to.equal('DIRECTORY');
    expect((await c.getFileStatus('/b'))?.type).to.equal('DIRECTORY');
    expect(standby.requests).to.have.length(1);
    expect(active.requests).to.have.length(2);
  });

  it('fails over from a NameNode that refuses connections, for any operation', async () => {
    const active = await start((_req, res) => json(res, 200, { boolean: true }));
    const c = client([await closedPort(), active.address], 'ns1');
    expect(await c.rename('/a', '/b')).to.equal(true);
    expect(active.requests).to.deep.equal(['PUT /webhdfs/v1/a RENAME']);
  });

  it('says which NameNodes were tried when all are standby', async () => {
    const s1 = await start((_req, res) => remote(res, 403, 'StandbyException', 'standby'));
    const s2 = await start((_req, res) => remote(res, 403, 'StandbyException', 'standby'));
    const e = await failure(client([s1.address, s2.address], 'ns1').mkdirs('/x'));
    expect(e.kind).to.equal('standby');
    expect(e.message).to.contain('hdfs://ns1/x');
  });

  it('repeats an idempotent request whose connection broke, but not a rename', async () => {
    let n = 0;
    const server = await start((req, res) => {
      if (n++ === 0 || req.method === 'PUT') return void res.socket?.destroy();
      json(res, 200, { FileStatus: STATUS });
    });
    const c = client([server.address]);
    expect((await c.getFileStatus('/a'))?.type).to.equal('DIRECTORY');
    expect(server.requests).to.have.length(2);
    const e = await failure(c.rename('/a', '/b'));
    expect(e.message).to.contain('hdfs://nn:8020/a');
    expect(server.requests.filter((r) => r.includes('RENAME'))).to.have.length(1);
  });

  it('repeats a request the NameNode answers with RetriableException', async () => {
    let n = 0;
    const server = await start((_req, res) =>
      n++ < 2 ? remote(res, 403, 'RetriableException', 'NameNode still not started') : json(res, 200, { boolean: true }),
    );
    expect(await client([server.address]).delete('/x', true)).to.equal(true);
    expect(server.requests).to.have.length(3);
  });

  it('names the address tried and what to check when the NameNode cannot be reached', async () => {
    const address = await closedPort();
    const e = await failure(client([address]).getFileStatus('/in'));
    expect(e.kind).to.equal('unreachable');
    expect(e.message).to.contain('hdfs://nn:8020/in').and.contain(address).and.contain('is HDFS running').and.contain('HADOOP_CONF_DIR');
  });

  it('explains an HTTP server that is not a NameNode with WebHDFS', async () => {
    const server = await start((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>Not Found</html>');
    });
    const e = await failure(client([server.address]).listStatus('/in'));
    expect(e.kind).to.equal('unreachable');
    expect(e.message).to.contain('hdfs://nn:8020/in').and.contain('WebHDFS').and.contain(server.address);
  });

  it('fails an upload the DataNode refuses, and the write stream reports it', async () => {
    const server = await start((req, res, url) => {
      if (url.pathname.startsWith('/webhdfs/')) {
        res.writeHead(307, { location: `${server.address}/dn${url.pathname}${url.search}` });
        return void res.end();
      }
      req.resume();
      req.on('end', () => remote(res, 403, 'DiskErrorException', 'no space'));
    });
    const out = await client([server.address]).create('/o');
    const done = new Promise<unknown>((resolve) => {
      out.on('error', resolve);
      out.on('finish', () => resolve(undefined));
    });
    out.end('data');
    const e = await done;
    expect(e).to.be.instanceOf(FileSystemError);
    expect((e as Error).message)
      .to.contain('hdfs://nn:8020/o')
      .and.contain('DiskErrorException');
  });
});

describe('RemoteException mapping', () => {
  const req = { path: 'hdfs:///p', op: 'MKDIRS', user: 'u', address: 'http://nn:9870' };
  const body = (exception: string) => ({ exception, javaClassName: `x.${exception}`, message: 'm' });

  it('maps safe mode and standby answers, which a single healthy NameNode never gives', () => {
    const safe = remoteError(req, 403, body('SafeModeException'), '');
    expect(safe.kind).to.equal('safe-mode');
    expect(safe.recoverability).to.equal('environment');
    expect(safe.message).to.contain('hdfs:///p').and.contain('safe mode').and.contain('http://nn:9870');
    expect(remoteError(req, 403, body('StandbyException'), '').kind).to.equal('standby');
    expect(classifyRemoteException(body('StandbyException'))).to.equal('standby');
    expect(classifyRemoteException(body('RetriableException'))).to.equal('retriable');
    expect(classifyRemoteException(body('AccessControlException'))).to.equal('fail');
  });

  it('keeps the exception of an unknown RemoteException in the message', () => {
    const e = remoteError(req, 500, body('NullPointerException'), '');
    expect(e.kind).to.equal('io');
    expect(e.message).to.contain('NullPointerException').and.contain('hdfs:///p');
    expect(parseRemoteException('<html>')).to.equal(undefined);
  });
});
