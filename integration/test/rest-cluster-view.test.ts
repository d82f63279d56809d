import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration, configureLogging, resetLogging } from '@spindle/core';
import { StreamExecutionEnvironment } from '@spindle/datastream';
import { ClusterViewFromComponents, RestServer, decodeBase64Json } from '@spindle/rest';
import {
  TestingJarRunner,
  fixtureProblems,
  type ErrorWire,
  type ExecutionResultWire,
  type JarRunWire,
  type JarUploadWire,
  type JobDetailsWire,
  type JobExceptionsWire,
  type JobPlanWire,
  type JobStatusWire,
  type JobsOverviewWire,
  type TaskManagersWire,
} from '@spindle/rest/testing';
import { MiniCluster, type ExecuteRequest } from '@spindle/runtime';
import { removeDir, tempDir } from './cli-harness.js';

const LAST = 1000;

function sumJob(outputDir: string, parallelism = 2): ExecuteRequest {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  env
    .fromSequence(1, LAST)
    .map((x): [number, number] => [x % 5, x])
    .name('Pair')
    .keyBy((p) => p[0])
    .sum(1)
    .name('Sum')
    .writeAsText(outputDir)
    .name('Sums');
  return env.prepare('REST sums');
}

function endlessJob(outputDir: string): ExecuteRequest {
  const env = StreamExecutionEnvironment.createLocalEnvironment(2);
  env
    .fromDataGenerator((i) => i, { recordsPerSecond: 2000 })
    .map((x) => x * 2)
    .writeAsText(outputDir);
  return env.prepare('REST endless');
}

function failingJob(outputDir: string): ExecuteRequest {
  const env = StreamExecutionEnvironment.createLocalEnvironment(2);
  env
    .fromSequence(1, 100)
    .map((x) => {
      if (x === 50) throw new Error('record 50 is poison');
      return x;
    })
    .name('Poison')
    .writeAsText(outputDir);
  return env.prepare('REST failing');
}

/** One request; `T` is the type of the answer as the test reads it. */
function call<T = unknown>(port: number, method: string, urlPath: string): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Asserts a response has exactly the fields and types of a fixture of packages/rest/test/fixtures. */
function expectWire(json: unknown, fixture: string): void {
  expect(fixtureProblems(json, fixture), `response against fixture ${fixture}`).to.deep.equal([]);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('REST API over a MiniCluster (ClusterViewFromComponents)', function () {
  this.timeout(60_000);
  let cluster: MiniCluster;
  let server: RestServer;
  let port: number;
  let work: string;
  let jarRunner: TestingJarRunner;
  let shutdowns: number;

  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  beforeEach(async () => {
    work = tempDir('rest');
    shutdowns = 0;
    const config = new Configuration({ 'rest.port': '8081', 'ha.redis.password': 'hunter2' });
    cluster = new MiniCluster({ config, numTaskManagers: 1, slotsPerTaskManager: 2, slotMode: 'inline' });
    await cluster.start();
    jarRunner = new TestingJarRunner(async (_jar, request) => {
      const job = sumJob(path.join(work, 'from-jar'), request.parallelism ?? 1);
      await cluster.submitJob(job.jobGraph, { bundlePath: '', args: request.programArgs }, job.program);
      return job.jobGraph.jobId;
    });
    const view = new ClusterViewFromComponents({
      dispatcher: cluster.dispatcher,
      resourceManager: cluster.resourceManager,
      configuration: config,
      jarRunner,
      shutdown: () => void shutdowns++,
    });
    server = new RestServer(view, { bindAddress: '127.0.0.1', port: 0 });
    port = await server.start();
  });

  afterEach(async () => {
    await server.close();
    await cluster.close();
    removeDir(work);
  });

  it('reports a finished job: overview, details with I/O metrics, plan, result and no exceptions', async () => {
    const job = sumJob(path.join(work, 'sums'));
    const jobId = job.jobGraph.jobId;
    const result = await cluster.executeJob(job.jobGraph, { bundlePath: '', args: [] }, job.program);
    expect(result.status, JSON.stringify(result.failure)).to.equal('FINISHED');

    const overview = await call(port, 'GET', '/overview');
    expectWire(overview.json, 'overview');
    expect(overview.json).to.deep.include({ taskmanagers: 1, 'slots-total': 2, 'jobs-finished': 1, 'jobs-running': 0 });

    const jobsOverview = (await call<JobsOverviewWire>(port, 'GET', '/v1/jobs/overview')).json;
    expectWire(jobsOverview, 'jobs-overview');
    const list = jobsOverview.jobs;
    expectWire((await call(port, 'GET', '/jobs')).json, 'jobs');
    expect(list).to.have.length(1);
    const entry = list[0]!;
    expect(entry).to.deep.include({ jid: jobId, name: 'REST sums', state: 'FINISHED' });
    expect(entry['end-time']).to.be.at.least(entry['start-time']);
    expect(entry.tasks.finished).to.equal(entry.tasks.total);

    const details = (await call<JobDetailsWire>(port, 'GET', `/jobs/${jobId}`)).json;
    expectWire(details, 'job-details');
    expect(details).to.deep.include({ jid: jobId, state: 'FINISHED', 'job-type': job.jobGraph.runtimeMode });
    expect(details.duration).to.equal(details['end-time'] - details['start-time']);
    expect(details.timestamps.FINISHED).to.equal(details['end-time']);
    expect(details.vertices.map((v) => v.id)).to.deep.equal(job.jobGraph.vertices.map((v) => v.id));
    for (const v of details.vertices) {
      expect(v.status, v.name).to.equal('FINISHED');
      expect(v.tasks.FINISHED, v.name).to.equal(v.parallelism);
      expect(v.metrics['read-records-complete'], v.name).to.equal(true);
    }
    const [first, last] = [details.vertices[0]!, details.vertices[details.vertices.length - 1]!];
    expect(first.metrics['write-records']).to.equal(LAST);
    expect(last.metrics['read-records']).to.equal(LAST);
    expect(first.metrics['write-bytes']).to.be.greaterThan(0);
    expect(details['status-counts'].FINISHED).to.equal(details.vertices.length);
    // A bounded job ends event time: every vertex saw Watermark.MAX (Long.MAX_VALUE in Flink's metrics).
    expect(last.metrics.currentInputWatermark).to.equal('9223372036854775807');
    expect(first.metrics.currentOutputWatermark).to.equal('9223372036854775807');

    const planBody = (await call<JobPlanWire>(port, 'GET', `/jobs/${jobId}/plan`)).json;
    expectWire(planBody, 'job-plan');
    const plan = planBody.plan;
    expect(plan.nodes.map((n) => n.id)).to.deep.equal(job.jobGraph.vertices.map((v) => v.id));
    expect(plan.nodes[1]?.inputs?.[0]).to.deep.include({ id: first.id, ship_strategy: 'HASH' });

    const execution = (await call<ExecutionResultWire>(port, 'GET', `/jobs/${jobId}/execution-result`)).json;
    expectWire(execution, 'job-execution-result');
    expect(execution.status).to.deep.equal({ id: 'COMPLETED' });
    expect(execution['job-execution-result']).to.deep.include({
      id: jobId,
      'application-status': 'SUCCEEDED',
      'net-runtime': result.netRuntimeMs,
    });

    const exceptions = (await call<JobExceptionsWire>(port, 'GET', `/jobs/${jobId}/exceptions`)).json;
    expectWire(exceptions, 'job-exceptions');
    expect(exceptions).to.deep.include({ 'root-exception': null, 'all-exceptions': [] });
    expect(exceptions.exceptionHistory.entries).to.deep.equal([]);

    const cancel = await call<ErrorWire>(port, 'PATCH', `/jobs/${jobId}?mode=cancel`);
    expect(cancel.status).to.equal(409);
    expectWire(cancel.json, 'error');
    expect(cancel.json.errors[0]).to.match(/already reached another terminal state \(FINISHED\)/);
  });

  it('shows TaskManagers, configuration and unknown jobs', async () => {
    const tmBody = (await call<TaskManagersWire>(port, 'GET', '/taskmanagers')).json;
    expectWire(tmBody, 'taskmanagers');
    const tms = tmBody.taskmanagers;
    expect(tms).to.have.length(1);
    expect(tms[0]).to.deep.include({ id: cluster.taskExecutors[0]!.resourceId, slotsNumber: 2, freeSlots: 2 });
    expect(tms[0]!.timeSinceLastHeartbeat).to.be.at.most(Date.now());

    const config = (await call(port, 'GET', '/jobmanager/config')).json;
    expectWire(config, 'jobmanager-config');
    expectWire((await call(port, 'GET', '/config')).json, 'config');
    expect(config).to.deep.include({ key: 'rest.port', value: '8081' });
    expect(config).to.deep.include({ key: 'ha.redis.password', value: '******' });

    const unknown = await call<ErrorWire>(port, 'GET', `/jobs/${'0'.repeat(32)}`);
    expect(unknown.status).to.equal(404);
    expect(unknown.json.errors[0]).to.equal(`Job ${'0'.repeat(32)} not found`);
  });

  it('cancels a running job: CANCELLING, then CANCELED with application status CANCELED', async () => {
    const job = endlessJob(path.join(work, 'endless'));
    const jobId = job.jobGraph.jobId;
    await cluster.submitJob(job.jobGraph, { bundlePath: '', args: [] }, job.program);
    await until('the job runs', async () =>
      (await call<JobStatusWire>(port, 'GET', `/jobs/${jobId}/status`)).json.status === 'RUNNING' ? true : undefined,
    );
    const runningDetails = await until('all tasks run', async () => {
      const details = (await call<JobDetailsWire>(port, 'GET', `/jobs/${jobId}`)).json;
      return details.vertices.every((v) => v.status === 'RUNNING') ? details : undefined;
    });
    expectWire(runningDetails, 'job-details');
    expect(runningDetails['end-time']).to.equal(-1);
    expect((await call(port, 'GET', `/jobs/${jobId}/execution-result`)).json).to.deep.equal({ status: { id: 'IN_PROGRESS' } });
    const running = (await call<JobsOverviewWire>(port, 'GET', '/jobs/overview')).json.jobs[0]!;
    expect(running['end-time']).to.equal(-1);

    const cancel = await call(port, 'PATCH', `/jobs/${jobId}?mode=cancel`);
    expect(cancel.status).to.equal(202);
    expectWire(cancel.json, 'empty');
    await until('the job is canceled', async () =>
      (await call<JobStatusWire>(port, 'GET', `/jobs/${jobId}/status`)).json.status === 'CANCELED' ? true : undefined,
    );
    const details = (await call<JobDetailsWire>(port, 'GET', `/jobs/${jobId}`)).json;
    expect(details.timestamps.CANCELLING).to.be.greaterThan(0);
    for (const v of details.vertices) expect(v.status).to.equal('CANCELED');
    const result = (await call<ExecutionResultWire>(port, 'GET', `/jobs/${jobId}/execution-result`)).json;
    expect(result['job-execution-result']?.['application-status']).to.equal('CANCELED');
    expect((await call(port, 'PATCH', `/jobs/${jobId}?mode=cancel`)).status).to.equal(202);
  });

  it('reports a failed job with its exception history and failure cause', async () => {
    const job = failingJob(path.join(work, 'failing'));
    const jobId = job.jobGraph.jobId;
    const result = await cluster.executeJob(job.jobGraph, { bundlePath: '', args: [] }, job.program);
    expect(result.status).to.equal('FAILED');

    const exceptions = (await call<JobExceptionsWire>(port, 'GET', `/jobs/${jobId}/exceptions`)).json;
    expectWire(exceptions, 'job-exceptions');
    expect(exceptions['root-exception']).to.match(/record 50 is poison/);
    const root = exceptions.exceptionHistory.entries[0]!;
    expect(root.taskName).to.match(/Poison.* \(\d\/2\)$/);
    expect(root.taskManagerId).to.equal(cluster.taskExecutors[0]!.resourceId);

    const executionBody = (await call<ExecutionResultWire>(port, 'GET', `/jobs/${jobId}/execution-result`)).json;
    expectWire(executionBody, 'job-execution-result');
    const execution = executionBody['job-execution-result']!;
    expect(execution['application-status']).to.equal('FAILED');
    const cause = execution['failure-cause']!;
    expect(cause['stack-trace']).to.match(/record 50 is poison/);
    expect(decodeBase64Json(cause['serialized-throwable'])).to.deep.include({ name: cause.class });
  });

  it('reports the restart strategy in the job config and the restarts it made in numRestarts', async () => {
    const job = failingJob(path.join(work, 'restarting'));
    const jobId = job.jobGraph.jobId;
    job.jobGraph.config = {
      ...job.jobGraph.config,
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '2',
      'restart-strategy.fixed-delay.delay': '10 ms',
    };
    const result = await cluster.executeJob(job.jobGraph, { bundlePath: '', args: [] }, job.program);
    expect(result.status).to.equal('FAILED');

    const config = (await call<{ 'execution-config': Record<string, unknown> }>(port, 'GET', `/jobs/${jobId}/config`)).json;
    expect(config['execution-config']['restart-strategy']).to.equal('Restart with fixed delay (10 ms). #2 restart attempts.');
    const metrics = (await call<Array<{ id: string; value: string }>>(port, 'GET', `/jobs/${jobId}/metrics?get=numRestarts,uptime`)).json;
    expect(metrics).to.deep.equal([
      { id: 'numRestarts', value: '2' },
      { id: 'uptime', value: '-1' },
    ]);
    const exceptions = (await call<JobExceptionsWire>(port, 'GET', `/jobs/${jobId}/exceptions`)).json;
    expect(exceptions.exceptionHistory.entries).to.have.length(3);
  });

  it('runs an uploaded program through the JarRunner and shuts down on DELETE /cluster', async () => {
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="sums.js"\r\nContent-Type: application/x-java-archive\r\n\r\nexport {};\r\n--${boundary}--\r\n`;
    const upload = await new Promise<JarUploadWire>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/jars/upload',
          agent: false,
          headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expectWire(upload, 'jars-upload');
    expect(upload.status).to.equal('success');
    expectWire((await call(port, 'GET', '/jars')).json, 'jars');
    const jarId = path.basename(upload.filename);

    const run = await call<JarRunWire>(port, 'POST', `/jars/${jarId}/run?parallelism=2&programArg=--verbose`);
    expect(run.status).to.equal(200);
    expectWire(run.json, 'jars-run');
    const jobId = run.json.jobid;
    expect(jarRunner.runs[0]!.request).to.deep.include({ parallelism: 2, programArgs: ['--verbose'] });
    await until('the uploaded job finishes', async () =>
      (await call<JobStatusWire>(port, 'GET', `/jobs/${jobId}/status`)).json.status === 'FINISHED' ? true : undefined,
    );

    const shutdown = await call(port, 'DELETE', '/cluster');
    expect(shutdown.status).to.equal(200);
    await until('the shutdown callback ran', async () => (shutdowns === 1 ? true : undefined));
  });
});
