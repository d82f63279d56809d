import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { configureLogging, resetLogging } from '@spindle/core';
import { RestServer, parsePortSpec } from '../src/index.js';
import { TestingClusterView } from '../src/testing/index.js';
import { getJson } from './http-client.js';

describe('RestServer lifecycle', () => {
  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  it('binds an ephemeral port for port 0 and reports it', async () => {
    const server = new RestServer(new TestingClusterView(), { bindAddress: '127.0.0.1', port: 0 });
    expect(server.port).to.equal(-1);
    const port = await server.start();
    try {
      expect(port).to.be.greaterThan(0);
      expect(server.port).to.equal(port);
      expect(await server.start()).to.equal(port);
      expect((await getJson(port, '/overview')).status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('closes idempotently, drops keep-alive connections and refuses to start again', async () => {
    const server = new RestServer(new TestingClusterView(), { bindAddress: '127.0.0.1', port: 0 });
    const port = await server.start();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/overview', agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    await Promise.all([server.close(), server.close()]);
    await server.close();
    agent.destroy();
    let refused = false;
    await getJson(port, '/overview').catch(() => (refused = true));
    expect(refused, 'connection refused after close').to.equal(true);
    let error: unknown;
    await server.start().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });

  it('closes without having started', async () => {
    await new RestServer(new TestingClusterView()).close();
  });

  it('takes the next port of a range when one is in use', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as AddressInfo).port;
    const server = new RestServer(new TestingClusterView(), { bindAddress: '127.0.0.1', port: `${busy},0` });
    try {
      const port = await server.start();
      expect(port).to.not.equal(busy);
      expect((await getJson(port, '/overview')).status).to.equal(200);
    } finally {
      await server.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('fails to start with a clear error when every port is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as AddressInfo).port;
    const server = new RestServer(new TestingClusterView(), { bindAddress: '127.0.0.1', port: busy });
    try {
      let error: Error | undefined;
      await server.start().catch((e: Error) => (error = e));
      expect(error?.message).to.match(new RegExp(`Could not start the REST endpoint on 127.0.0.1:${busy}`));
    } finally {
      await server.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('parses port specifications like rest.bind-port', () => {
    expect(parsePortSpec(8081)).to.deep.equal([8081]);
    expect(parsePortSpec('50100-50102, 50200')).to.deep.equal([50100, 50101, 50102, 50200]);
    for (const bad of ['', 'x', '5-3', '70000', '1-2-3']) expect(() => parsePortSpec(bad), bad).to.throw(/port/);
    expect(() => parsePortSpec(-1)).to.throw(/port/);
  });
});
