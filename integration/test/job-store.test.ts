import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration, ManualScheduler, configureLogging, resetLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { ClusterViewFromComponents, RestServer } from '@spindle/rest';
import type {
  ClusterOverviewWire,
  ExecutionResultWire,
  JobDetailsWire,
  JobExceptionsWire,
  JobIdsWire,
  JobPlanWire,
  JobStatusWire,
  JobsOverviewWire,
} from '@spindle/rest/testing';
import { MiniCluster } from '@spindle/runtime';
import { removeDir, tempDir } from './cli-harness.js';

/** A GET request; `T` is the type of the answer as the test reads it. */
function call<T = unknown>(port: number, urlPath: string): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: urlPath, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('finished jobs in the Dispatcher (jobstore.max-capacity, jobstore.expiration-time) and over REST', function () {
  this.timeout(60_000);
  let cluster: MiniCluster;
  let server: RestServer;
  let port: number;
  let scheduler: ManualScheduler;
  let work: string;

  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  async function start(settings: Record<string, string>): Promise<void> {
    scheduler = new ManualScheduler(Date.now());
    work = tempDir('job-store');
    const config = new Configuration(settings);
    // A variable, not a literal: the options may carry more than MiniClusterOptions declares.
    const options = { config, numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' as const, scheduler };
    cluster = new MiniCluster(options);
    await cluster.start();
    const view = new ClusterViewFromComponents({
      dispatcher: cluster.dispatcher,
      resourceManager: cluster.resourceManager,
      configuration: config,
    });
    server = new RestServer(view, { bindAddress: '127.0.0.1', port: 0 });
    port = await server.start();
  }

  afterEach(async () => {
    await server?.close();
    await cluster?.close();
    removeDir(work);
  });

  async function runJob(name: string, fail = false): Promise<string> {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromElements(1, 2, 3, 4)
      .map((x) => {
        if (fail && x === 3) throw new RangeError('three is too many');
        return x * 2;
      })
      .name('Double')
      .writeAsText(path.join(work, name));
    const job = env.prepare(name);
    await cluster.executeJob(job.jobGraph, { bundlePath: '', args: [] }, job.program);
    return job.jobGraph.jobId;
  }

  it('serves a finished job from its archive, a plain-data copy, after its JobMaster is gone', async () => {
    await start({});
    const finished = await runJob('Finished');
    const failed = await runJob('Failed', true);
    for (const jobId of [finished, failed]) {
      expect(cluster.dispatcher.jobMaster(jobId), 'the JobMaster of a finished job').to.equal(undefined);
      const archive = (cluster.dispatcher as unknown as { archivedJob?(id: string): unknown }).archivedJob?.(jobId);
      expect(archive, 'the archive').to.not.equal(undefined);
      expect(structuredClone(archive)).to.deep.equal(archive);
      expect(JSON.parse(JSON.stringify(archive))).to.deep.equal(archive);
    }
    const details = await call<JobDetailsWire>(port, `/jobs/${finished}`);
    expect(details.status).to.equal(200);
    expect(details.json).to.deep.include({ name: 'Finished', state: 'FINISHED' });
    expect(details.json.vertices.map((v) => v.tasks.FINISHED)).to.deep.equal(details.json.vertices.map((v) => v.parallelism));
    expect(details.json.vertices.some((v) => v.metrics['write-records'] > 0)).to.equal(true);
    expect((await call<JobPlanWire>(port, `/jobs/${finished}/plan`)).json.plan.nodes).to.have.length(details.json.vertices.length);
    const result = (await call<ExecutionResultWire>(port, `/jobs/${finished}/execution-result`)).json['job-execution-result'];
    expect(result?.['application-status']).to.equal('SUCCEEDED');
    const exceptions = await call<JobExceptionsWire>(port, `/jobs/${failed}/exceptions`);
    expect(exceptions.json.exceptionHistory.entries[0]?.exceptionName).to.equal('RangeError');
    expect((await call<JobStatusWire>(port, `/jobs/${failed}/status`)).json.status).to.equal('FAILED');
  });

  it('keeps at most jobstore.max-capacity finished jobs, evicting the oldest; REST answers 404 for evicted jobs', async () => {
    await start({ 'jobstore.max-capacity': '2' });
    const ids = [await runJob('One'), await runJob('Two'), await runJob('Three')];
    const listed = (await call<JobIdsWire>(port, '/jobs')).json.jobs.map((j) => j.id);
    expect(listed.sort()).to.deep.equal(ids.slice(1).sort());
    for (const p of ['', '/status', '/exceptions', '/execution-result', '/plan']) {
      expect((await call(port, `/jobs/${ids[0]}${p}`)).status, p).to.equal(404);
      expect((await call(port, `/jobs/${ids[2]}${p}`)).status, p).to.equal(200);
    }
    expect((await call<ClusterOverviewWire>(port, '/overview')).json['jobs-finished']).to.equal(2);
  });

  it('drops finished jobs jobstore.expiration-time (seconds) after they ended', async () => {
    await start({ 'jobstore.expiration-time': '10' });
    const jobId = await runJob('Expiring');
    scheduler.advance(9_000);
    expect((await call(port, `/jobs/${jobId}`)).status).to.equal(200);
    scheduler.advance(2_000);
    expect((await call(port, `/jobs/${jobId}`)).status).to.equal(404);
    expect((await call<JobsOverviewWire>(port, '/jobs/overview')).json.jobs).to.deep.equal([]);
  });
});
