import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RmRestClient } from '../src/rm-rest-client.js';
import { YarnError } from '../src/errors.js';

/** Jersey 2 renders one-element lists as the element and empty lists as null: both are read. */
describe('RmRestClient JSON shapes', () => {
  let server: http.Server;
  let url: string;
  const routes = new Map<string, unknown>();
  const seen: Array<{ method: string; url: string; body: string }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body });
        const path = req.url!.split('?')[0]!;
        const answer = routes.get(`${req.method} ${path}`);
        if (answer === undefined) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({ RemoteException: { exception: 'NotFoundException', message: `java.lang.Exception: ${path} not found` } }),
          );
          return;
        }
        res.writeHead(req.method === 'POST' && path.endsWith('/apps') ? 202 : 200, { 'Content-Type': 'application/json' });
        res.end(answer === '' ? '' : JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('reads a queue tree whose single child is an object, not an array', async () => {
    routes.set('GET /ws/v1/cluster/scheduler', {
      scheduler: {
        schedulerInfo: {
          queueName: 'root',
          queues: { queue: { queueName: 'only', queuePath: 'root.only', maxCapacity: 50, maximumAllocation: { memory: 2048, vCores: 2 } } },
        },
      },
    });
    const rm = new RmRestClient({ url, user: 'alice' });
    expect((await rm.queues()).map((q) => q.queuePath ?? q.queueName)).to.deep.equal(['root', 'root.only']);
    expect((await rm.queue('only')).maximumAllocation).to.deep.equal({ memory: 2048, vCores: 2 });
  });

  it('reads application lists as null, one object, or an array, and splits tags', async () => {
    const rm = new RmRestClient({ url });
    const app = { id: 'application_1_0001', state: 'RUNNING', finalStatus: 'UNDEFINED', applicationTags: 'a,b' };
    routes.set('GET /ws/v1/cluster/apps', { apps: null });
    expect(await rm.findApplications({ tags: ['a'] })).to.deep.equal([]);
    routes.set('GET /ws/v1/cluster/apps', { apps: { app } });
    expect((await rm.findApplications({ tags: ['a'], states: ['RUNNING', 'ACCEPTED'] }))[0]!.applicationTags).to.deep.equal(['a', 'b']);
    routes.set('GET /ws/v1/cluster/apps', { apps: { app: [app, { ...app, id: 'application_1_0002', applicationTags: '' }] } });
    expect((await rm.findApplications()).map((a) => a.applicationTags)).to.deep.equal([['a', 'b'], []]);
    expect(seen.some((s) => s.url.includes('applicationTags=a') && s.url.includes('states=RUNNING%2CACCEPTED'))).to.equal(true);
  });

  it('submits the AM container spec in the RM JSON form, with user.name', async () => {
    routes.set('GET /ws/v1/cluster/scheduler', {
      scheduler: {
        schedulerInfo: { queueName: 'root', queues: { queue: [{ queueName: 'default', maximumAllocation: { memory: 4096, vCores: 4 } }] } },
      },
    });
    routes.set('POST /ws/v1/cluster/apps', '');
    const rm = new RmRestClient({ url, user: 'alice' });
    await rm.submitApplication({
      applicationId: 'application_1_0003',
      name: 'n',
      tags: ['t1'],
      maxAppAttempts: 2,
      resource: { memoryMb: 1024, vcores: 1 },
      amContainer: {
        commands: ['node', 'am.js'],
        environment: { A: '1' },
        localResources: {
          'engine.tgz': { resource: 'hdfs://nn:8020/e.tgz', type: 'ARCHIVE', visibility: 'APPLICATION', size: 10, timestamp: 20 },
        },
      },
    });
    const post = seen.filter((s) => s.method === 'POST').at(-1)!;
    expect(post.url).to.contain('user.name=alice');
    const body = JSON.parse(post.body) as Record<string, unknown>;
    expect(body['application-tags']).to.deep.equal({ tag: ['t1'] });
    expect(body['max-app-attempts']).to.equal(2);
    expect(body['resource']).to.deep.equal({ memory: 1024, vCores: 1 });
    expect(body['am-container-spec']).to.deep.equal({
      'local-resources': {
        entry: [
          {
            key: 'engine.tgz',
            value: { resource: 'hdfs://nn:8020/e.tgz', type: 'ARCHIVE', visibility: 'APPLICATION', size: 10, timestamp: 20 },
          },
        ],
      },
      environment: { entry: [{ key: 'A', value: '1' }] },
      commands: { command: 'node am.js' },
    });
  });

  it('turns a RemoteException body into a YarnError with its exception and message', async () => {
    const err = await new RmRestClient({ url }).application('application_1_9999').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(YarnError);
    expect((err as YarnError).code).to.equal('YARN_RM_HTTP');
    expect((err as YarnError).message).to.match(/HTTP 404: NotFoundException: .*not found/);
  });
});
