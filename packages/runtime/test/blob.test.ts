import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import { BlobCache, BlobStore, type BlobFetcher } from '../src/blob/blob-store.js';
import { GrpcBlobClient, GrpcBlobServer } from '../src/rpc/grpc-blob-service.js';
import { GrpcRpcService } from '../src/rpc/grpc-rpc-service.js';

describe('blob store, blob service and blob cache', function () {
  this.timeout(30_000);
  let dir: string;
  let server: GrpcRpcService;
  let store: BlobStore;
  const clients: GrpcBlobClient[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-blob-test-'));
    store = new BlobStore(path.join(dir, 'store'));
    server = new GrpcRpcService({ host: '127.0.0.1', port: 0, clusterId: 'c1' });
    new GrpcBlobServer(store, 'c1').register(server);
    await server.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function client(clusterId = 'c1'): GrpcBlobClient {
    const c = new GrpcBlobClient(`127.0.0.1:${server.port}`, clusterId);
    clients.push(c);
    return c;
  }

  const cacheDir = () => path.join(dir, 'cache');
  const filesIn = (d: string): string[] => (fs.existsSync(d) ? fs.readdirSync(d, { recursive: true }).map(String) : []);

  it('streams blobs larger than one gRPC message, and empty ones, into the cache', async () => {
    const big = randomBytes(9 * 1024 * 1024 + 17);
    const empty = new Uint8Array(0);
    const c = client();
    const cache = new BlobCache(
      cacheDir(),
      (key, target) => c.fetch(key, target),
      () => undefined,
    );
    for (const content of [big, empty]) {
      const file = await cache.bundlePath(store.put(content));
      expect(Buffer.compare(fs.readFileSync(file), Buffer.from(content))).to.equal(0);
    }
    expect(filesIn(cacheDir()).filter((f) => f.endsWith('.part'))).to.deep.equal([]);
  });

  it('names an unknown blob and a caller of another cluster', async () => {
    const target = path.join(dir, 'x');
    const missing = (await client()
      .fetch('0123456789abcdef0123456789abcdef', target)
      .catch((e: unknown) => e)) as SpindleError;
    expect(missing.code).to.equal('BLOB_NOT_FOUND');
    expect(missing.message).to.match(/no blob 0123456789abcdef0123456789abcdef/);
    const key = store.put(Buffer.from('x'));
    const foreign = (await client('c2')
      .fetch(key, target)
      .catch((e: unknown) => e)) as SpindleError;
    expect(foreign.message).to.match(/cluster 'c2'.*cluster 'c1'/);
  });

  it('never uses a partial or corrupt download, and fetches again on the next request', async () => {
    const content = Buffer.from('export const answer = 42;\n');
    const key = store.put(content);
    let mode: 'partial' | 'corrupt' | 'good' = 'partial';
    const fetcher: BlobFetcher = async (_key, target) => {
      if (mode === 'partial') {
        fs.writeFileSync(target, content.subarray(0, 5));
        throw new Error('connection reset');
      }
      fs.writeFileSync(target, mode === 'corrupt' ? Buffer.from('export const answer = 43;\n') : content);
    };
    const cache = new BlobCache(cacheDir(), fetcher, () => undefined);
    expect(((await cache.bundlePath(key).catch((e: unknown) => e)) as Error).message).to.equal('connection reset');
    mode = 'corrupt';
    const corrupt = (await cache.bundlePath(key).catch((e: unknown) => e)) as SpindleError;
    expect(corrupt.code).to.equal('BLOB_CORRUPT');
    expect(filesIn(cacheDir()).filter((f) => !fs.statSync(path.join(cacheDir(), f)).isDirectory())).to.deep.equal([]);
    mode = 'good';
    expect(fs.readFileSync(await cache.bundlePath(key), 'utf8')).to.equal(content.toString());
  });

  describe('with a durable directory', () => {
    const durable = () => `file://${path.join(dir, 'durable')}`;

    it('copies every blob there once, whole, and brings back one that is missing locally', async () => {
      const first = new BlobStore(path.join(dir, 'jm1'), durable());
      const content = randomBytes(100_000);
      const key = first.put(content);
      expect(first.put(content)).to.equal(key);
      await first.persisted(key);
      expect(fs.readdirSync(path.join(dir, 'durable'))).to.deep.equal([`${key}.blob`]);
      // A JobManager that starts afresh serves the blob from the durable copy, through the blob service.
      const second = new BlobStore(path.join(dir, 'jm2'), durable());
      const rpc = new GrpcRpcService({ host: '127.0.0.1', port: 0, clusterId: 'c2' });
      new GrpcBlobServer(second, 'c2').register(rpc);
      await rpc.start();
      const c = new GrpcBlobClient(`127.0.0.1:${rpc.port}`, 'c2');
      try {
        const target = path.join(dir, 'fetched');
        await c.fetch(key, target);
        expect(Buffer.compare(fs.readFileSync(target), content)).to.equal(0);
        expect(fs.existsSync(second.path(key))).to.equal(true);
      } finally {
        c.close();
        await rpc.close();
      }
    });

    it('refuses a durable copy whose content does not match its key, and names an unknown key', async () => {
      // The durable copy is complete before it is spoiled: no write of it may still be in flight.
      const writer = new BlobStore(path.join(dir, 'jm0'), durable());
      const key = writer.put(Buffer.from('good'));
      await writer.persisted(key);
      fs.writeFileSync(path.join(dir, 'durable', `${key}.blob`), 'bad');
      const fresh = new BlobStore(path.join(dir, 'jm3'), durable());
      const corrupt = (await fresh.localFile(key).catch((e: unknown) => e)) as SpindleError;
      expect(corrupt.code).to.equal('BLOB_CORRUPT');
      expect(fs.existsSync(fresh.path(key))).to.equal(false);
      const unknown = (await fresh.localFile('0123456789abcdef0123456789abcdef').catch((e: unknown) => e)) as SpindleError;
      expect(unknown.code).to.equal('BLOB_NOT_FOUND');
    });
  });
});
