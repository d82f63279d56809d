import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration, ConfigurationError } from '@spindle/core';
import { ClusterEntrypoint } from '../src/cluster-entrypoint.js';
import { TestingResourceDriver } from './testing-resource-driver.js';

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('ClusterEntrypoint', function () {
  this.timeout(30_000);
  let dir: string;
  let driver: TestingResourceDriver;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-entrypoint-'));
    driver = new TestingResourceDriver();
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function entrypoint(settings: Record<string, string> = {}): ClusterEntrypoint {
    const config = new Configuration({ 'jobmanager.rpc.port': '0', 'rest.port': '0', 'blob.storage.directory': dir, ...settings });
    return new ClusterEntrypoint(config, () => driver);
  }

  it('starts the ResourceManager with the driver it makes, and ends the application through it', async () => {
    const jm = entrypoint();
    await jm.start();
    expect(driver.started).to.equal(true);
    const overview = (await (await fetch(`${jm.restUrl}/overview`)).json()) as { taskmanagers: number };
    expect(overview.taskmanagers).to.equal(0);
    const port = jm.components.rest.port;
    await jm.closeAsync('FAILED', 'the job failed');
    expect(driver.deregistered).to.deep.equal({ status: 'FAILED', diagnostics: 'the job failed' });
    expect(driver.closed).to.equal(true);
    expect(await jm.terminated).to.equal('FAILED');
    expect(await connects('127.0.0.1', port)).to.equal(false);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('stops only this process, without deregistering, when closed without a status', async () => {
    const jm = entrypoint();
    await jm.start();
    await Promise.all([jm.closeAsync(), jm.closeAsync('SUCCEEDED')]);
    expect(driver.deregistered).to.equal(undefined);
    expect(driver.closed).to.equal(true);
    expect(await jm.terminated).to.equal(undefined);
  });

  it('ends the application SUCCEEDED when shut down through REST', async () => {
    const jm = entrypoint();
    await jm.start();
    const r = await fetch(`${jm.restUrl}/cluster`, { method: 'DELETE' });
    expect(r.status).to.equal(200);
    expect(await jm.terminated).to.equal('SUCCEEDED');
    expect(driver.deregistered?.status).to.equal('SUCCEEDED');
  });

  it('binds jobmanager.bind-host and advertises jobmanager.rpc.address', async () => {
    const jm = entrypoint({ 'jobmanager.bind-host': '0.0.0.0', 'jobmanager.rpc.address': 'localhost' });
    await jm.start();
    const { rpc } = jm.components;
    expect(rpc.address('resourcemanager', 'resourcemanager')).to.equal(`resourcemanager@127.0.0.1:${rpc.port}/resourcemanager`);
    expect(await connects('127.0.0.2', rpc.port)).to.equal(true);
    await jm.closeAsync();
  });

  it('fails to start, leaving nothing behind, when the advertised address does not reach the RPC server', async () => {
    const jm = entrypoint({ 'jobmanager.bind-host': '127.0.0.1', 'jobmanager.rpc.address': '127.0.0.2' });
    const error = await jm.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConfigurationError);
    expect((error as Error).message)
      .to.include('jobmanager.rpc.address: this process advertises 127.0.0.2:')
      .and.include('(jobmanager.bind-host)');
    expect(driver.closed).to.equal(true);
    expect(await jm.terminated).to.equal(undefined);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('closes what it started when the REST port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const jm = entrypoint({ 'rest.port': String(port) });
      const error = await jm.start().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).to.include(String(port));
      expect(driver.closed).to.equal(true);
      expect(await jm.terminated).to.equal(undefined);
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
