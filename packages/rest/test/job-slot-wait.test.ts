import { expect } from 'chai';
import { configureLogging, resetLogging } from '@spindle/core';
import { RestServer } from '../src/index.js';
import { TestingClusterView } from '../src/testing/index.js';
import { expectFixture } from './shape.js';
import { getJson } from './http-client.js';

describe('GET /jobs/:jobid of a job waiting for slots', () => {
  let cluster: TestingClusterView;
  let server: RestServer;
  let port: number;

  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  beforeEach(async () => {
    cluster = new TestingClusterView();
    server = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0 });
    port = await server.start();
  });

  afterEach(() => server.close());

  it('adds spindle-slot-wait while the job waits, and only then', async () => {
    const waiting = cluster.addJob({ slotWait: { needed: 3, missing: 1, free: 2 } });
    const res = await getJson(port, `/jobs/${waiting.details.jobId}`);
    expectFixture(res.json, 'job-details');
    expect((res.json as Record<string, unknown>)['spindle-slot-wait']).to.deep.equal({ needed: 3, missing: 1, free: 2 });
    const running = cluster.addJob();
    const plain = await getJson(port, `/jobs/${running.details.jobId}`);
    expectFixture(plain.json, 'job-details');
    expect(plain.json).to.not.have.property('spindle-slot-wait');
  });
});
