import { expect } from 'chai';
import { configureLogging, resetLogging } from '@spindle/core';
import { RestServer, decodeBase64Json } from '../src/index.js';
import {
  TestingClusterView,
  sampleTaskManager,
  type ExecutionResultWire,
  type JobDetailsWire,
  type JobExceptionsWire,
} from '../src/testing/index.js';
import { expectFixture } from './shape.js';
import { getJson, postJson, request, uploadJar } from './http-client.js';

const NOW = 1_700_000_060_000;

describe('RestServer endpoints (Flink wire format)', () => {
  let cluster: TestingClusterView;
  let server: RestServer;
  let port: number;

  before(() => configureLogging({ level: 'error' }));
  after(() => resetLogging());

  beforeEach(async () => {
    cluster = new TestingClusterView();
    server = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0, now: () => NOW });
    port = await server.start();
  });

  afterEach(() => server.close());

  describe('cluster', () => {
    it('GET /overview counts TaskManagers, slots and jobs by state', async () => {
      cluster.taskManagerInfos = [sampleTaskManager(0), sampleTaskManager(1)];
      cluster.slots = { total: 4, available: 1 };
      cluster.addJob();
      const cancelling = cluster.addJob();
      await cluster.cancelJob(cancelling.details.jobId);
      cluster.finishJob(cluster.addJob().details.jobId, 'FINISHED');
      cluster.finishJob(cluster.addJob().details.jobId, 'CANCELED');
      cluster.finishJob(cluster.addJob().details.jobId, 'FAILED');
      for (const path of ['/overview', '/v1/overview']) {
        const res = await getJson(port, path);
        expect(res.status, path).to.equal(200);
        expectFixture(res.json, 'overview');
        expect(res.json).to.deep.include({
          taskmanagers: 2,
          'slots-total': 4,
          'slots-available': 1,
          'jobs-running': 2,
          'jobs-finished': 1,
          'jobs-cancelled': 1,
          'jobs-failed': 1,
          'flink-version': '0.1.0',
          'flink-commit': 'testing',
        });
      }
    });

    it('GET /config describes the dashboard settings and what it offers: submission and cancellation', async () => {
      const res = await getJson(port, '/config');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/json; charset=UTF-8');
      expectFixture(res.json, 'config');
      expect(res.json).to.deep.include({ 'refresh-interval': 3000, 'flink-version': '0.1.0', 'flink-revision': 'testing' });
      expect((res.json as { features: Record<string, boolean> }).features).to.deep.equal({
        'web-submit': true,
        'web-cancel': true,
        'web-rescale': false,
        'web-history': false,
      });
      cluster.jarsEnabled = false;
      const noJars = await getJson(port, '/config');
      expect((noJars.json as { features: Record<string, boolean> }).features['web-submit'], 'a cluster that cannot run programs').to.equal(
        false,
      );
    });

    it('GET /jobmanager/config lists entries and hides secrets', async () => {
      cluster.configEntries = [
        { key: 'rest.port', value: '8081' },
        { key: 'ha.redis.password', value: 'hunter2' },
      ];
      const res = await getJson(port, '/jobmanager/config');
      expectFixture(res.json, 'jobmanager-config');
      expect(res.json).to.deep.equal([
        { key: 'rest.port', value: '8081' },
        { key: 'ha.redis.password', value: '******' },
      ]);
    });

    it('GET /taskmanagers lists TaskManagers with slots and hardware', async () => {
      cluster.taskManagerInfos = [sampleTaskManager(0, 2, 1), sampleTaskManager(1, 4, 4)];
      const res = await getJson(port, '/v1/taskmanagers');
      expectFixture(res.json, 'taskmanagers');
      const tms = (res.json as { taskmanagers: Array<Record<string, unknown>> }).taskmanagers;
      expect(tms.map((t) => [t.id, t.slotsNumber, t.freeSlots])).to.deep.equal(
        cluster.taskManagerInfos.map((t) => [t.id, t.slotsNumber, t.freeSlots]),
      );
      expect(tms[0]!.timeSinceLastHeartbeat).to.equal(cluster.taskManagerInfos[0]!.lastHeartbeat);
    });

    it('DELETE /cluster answers 200 and asks the cluster to shut down', async () => {
      const res = await request(port, 'DELETE', '/cluster');
      expect(res.status).to.equal(200);
      expectFixture(res.json, 'empty');
      expect(cluster.shutdownRequested).to.equal(true);
    });
  });

  describe('jobs', () => {
    it('GET /jobs lists ids and statuses', async () => {
      const a = cluster.addJob();
      const b = cluster.addJob();
      cluster.finishJob(b.details.jobId, 'FINISHED');
      const res = await getJson(port, '/jobs');
      expectFixture(res.json, 'jobs');
      expect((res.json as { jobs: unknown[] }).jobs).to.have.deep.members([
        { id: a.details.jobId, status: 'RUNNING' },
        { id: b.details.jobId, status: 'FINISHED' },
      ]);
    });

    it('GET /jobs/overview sends jid, name, state, times and lower-case task counts', async () => {
      const running = cluster.addJob({ name: 'running' });
      const finished = cluster.addJob({ name: 'finished' });
      cluster.finishJob(finished.details.jobId, 'FINISHED', finished.details.startTime + 4321);
      const res = await getJson(port, '/v1/jobs/overview');
      expect(res.status).to.equal(200);
      expectFixture(res.json, 'jobs-overview');
      const jobs = (res.json as { jobs: Array<Record<string, unknown>> }).jobs;
      const r = jobs.find((j) => j.jid === running.details.jobId)!;
      expect(r).to.deep.include({ name: 'running', state: 'RUNNING', 'end-time': -1, duration: NOW - running.details.startTime });
      expect(r.tasks).to.deep.include({ total: 4, running: 4, canceling: 0, finished: 0 });
      const f = jobs.find((j) => j.jid === finished.details.jobId)!;
      expect(f).to.deep.include({ state: 'FINISHED', 'end-time': finished.details.startTime + 4321, duration: 4321 });
    });

    it('GET /jobs/:jobid sends job details with vertices, metrics and the plan', async () => {
      const job = cluster.addJob();
      const res = await getJson(port, `/jobs/${job.details.jobId}`);
      expect(res.status).to.equal(200);
      expectFixture(res.json, 'job-details');
      const body = res.json as JobDetailsWire;
      expect(body).to.deep.include({
        jid: job.details.jobId,
        state: 'RUNNING',
        'job-type': 'STREAMING',
        now: NOW,
        'end-time': -1,
        isStoppable: false,
      });
      expect(body.timestamps).to.deep.include({ INITIALIZING: job.details.startTime, RUNNING: job.details.startTime + 5, FINISHED: 0 });
      expect(body['status-counts']).to.deep.include({ RUNNING: 2, FINISHED: 0 });
      const source = body.vertices[0]!;
      expect(source).to.deep.include({ name: 'Source: Sequence -> Map', parallelism: 2, status: 'RUNNING' });
      expect(source.tasks).to.deep.include({ RUNNING: 2, CANCELING: 0 });
      expect(source.metrics).to.deep.equal({
        'read-bytes': 1024,
        'read-bytes-complete': true,
        'write-bytes': 2048,
        'write-bytes-complete': true,
        'read-records': 10,
        'read-records-complete': true,
        'write-records': 20,
        'write-records-complete': true,
        'accumulated-backpressured-time': 5,
        'accumulated-idle-time': 7,
        'accumulated-busy-time': 11,
        currentInputWatermark: '1700000000000',
        currentOutputWatermark: '9223372036854775807',
      });
      expect(body.plan.nodes[0]!.description).to.equal('Source: Sequence -&gt; Map');
      expect(body.plan.nodes[1]!.inputs).to.deep.equal([{ num: 0, id: source.id, ship_strategy: 'HASH', exchange: 'pipelined_bounded' }]);
    });

    it('PATCH /jobs/:jobid?mode=cancel answers 202; the job shows CANCELLING and its tasks CANCELING', async () => {
      const job = cluster.addJob();
      const res = await request(port, 'PATCH', `/v1/jobs/${job.details.jobId}?mode=cancel`);
      expect(res.status).to.equal(202);
      expectFixture(res.json, 'empty');
      const details = (await getJson(port, `/jobs/${job.details.jobId}`)).json as JobDetailsWire;
      expect(details.state).to.equal('CANCELLING');
      expect(details.vertices[0]!.status).to.equal('CANCELING');
      expect(details.vertices[0]!.tasks.CANCELING).to.equal(2);
      expect((await getJson(port, `/jobs/${job.details.jobId}/status`)).json).to.deep.equal({ status: 'CANCELLING' });
    });

    it('PATCH /jobs/:jobid without a mode cancels too', async () => {
      const job = cluster.addJob();
      expect((await request(port, 'PATCH', `/jobs/${job.details.jobId}`)).status).to.equal(202);
      expect(cluster.jobs.get(job.details.jobId)!.details.status).to.equal('CANCELLING');
    });

    it('GET /jobs/:jobid/status sends the job status', async () => {
      const job = cluster.addJob();
      const res = await getJson(port, `/jobs/${job.details.jobId}/status`);
      expectFixture(res.json, 'job-status');
      expect(res.json).to.deep.equal({ status: 'RUNNING' });
    });

    it('GET /jobs/:jobid/plan sends the job-graph plan', async () => {
      const job = cluster.addJob();
      const res = await getJson(port, `/jobs/${job.details.jobId}/plan`);
      expectFixture(res.json, 'job-plan');
      const plan = (res.json as { plan: Record<string, unknown> }).plan;
      expect(plan).to.deep.include({ jid: job.details.jobId, type: 'STREAMING' });
    });
  });

  describe('execution result', () => {
    it('is IN_PROGRESS while the job runs', async () => {
      const job = cluster.addJob();
      const res = await getJson(port, `/jobs/${job.details.jobId}/execution-result`);
      expect(res.status).to.equal(200);
      expectFixture(res.json, 'job-execution-result-in-progress');
    });

    it('is COMPLETED with hyphenated fields and base64 accumulators once the job finished', async () => {
      const job = cluster.addJob();
      cluster.finishJob(job.details.jobId, 'FINISHED', job.details.startTime + 1500);
      job.result!.accumulators = { 'records-written': 42, collected: ['a', 'b'] };
      const res = await getJson(port, `/v1/jobs/${job.details.jobId}/execution-result`);
      expectFixture(res.json, 'job-execution-result');
      const result = (res.json as ExecutionResultWire)['job-execution-result']!;
      expect(result).to.deep.include({ id: job.details.jobId, 'application-status': 'SUCCEEDED', 'net-runtime': 1500 });
      expect(result).to.not.have.property('failure-cause');
      expect(decodeBase64Json(result['accumulator-results']['records-written']!)).to.equal(42);
      expect(decodeBase64Json(result['accumulator-results'].collected!)).to.deep.equal(['a', 'b']);
    });

    it('carries the failure cause of a failed job', async () => {
      const job = cluster.addJob();
      cluster.finishJob(job.details.jobId, 'FAILED');
      const failure = {
        name: 'UserCodeError',
        message: 'boom',
        code: 'USER_CODE',
        recoverability: 'recoverable',
        userFacing: true,
        stack: 'UserCodeError: boom\n    at map',
      } as const;
      job.result!.failure = failure;
      const res = await getJson(port, `/jobs/${job.details.jobId}/execution-result`);
      expectFixture(res.json, 'job-execution-result');
      const result = (res.json as ExecutionResultWire)['job-execution-result']!;
      expect(result['application-status']).to.equal('FAILED');
      expect(result['failure-cause']).to.deep.include({ class: 'UserCodeError', 'stack-trace': failure.stack });
      expect(decodeBase64Json(result['failure-cause']!['serialized-throwable'])).to.deep.equal(failure);
    });

    it('reports CANCELED jobs as application status CANCELED', async () => {
      const job = cluster.addJob();
      cluster.finishJob(job.details.jobId, 'CANCELED');
      const res = await getJson(port, `/jobs/${job.details.jobId}/execution-result`);
      expect((res.json as ExecutionResultWire)['job-execution-result']!['application-status']).to.equal('CANCELED');
    });
  });

  describe('metrics', () => {
    it('GET /jobs/:jobid/metrics lists the job metrics, and ?get= gives values as strings', async () => {
      const job = cluster.addJob();
      cluster.jobs.get(job.details.jobId)!.metrics = { numRestarts: '3', numberOfCompletedCheckpoints: '12' };
      const ids = await getJson(port, `/jobs/${job.details.jobId}/metrics`);
      expect(ids.json).to.deep.equal([{ id: 'numRestarts' }, { id: 'numberOfCompletedCheckpoints' }]);
      const values = await getJson(port, `/jobs/${job.details.jobId}/metrics?get=numRestarts,unknown,numberOfCompletedCheckpoints`);
      expect(values.json).to.deep.equal([
        { id: 'numRestarts', value: '3' },
        { id: 'numberOfCompletedCheckpoints', value: '12' },
      ]);
    });
  });

  describe('exceptions', () => {
    function failedJob() {
      const job = cluster.addJob({ status: 'FAILED' });
      const task = {
        exceptionName: 'UserCodeError',
        stacktrace: 'UserCodeError: bad record\n    at map',
        timestamp: NOW - 10,
        taskName: 'Map (2/2)',
        location: 'localhost:40001',
        taskManagerId: 'tm-1',
        failureLabels: {},
      };
      const global = {
        exceptionName: 'SpindleError',
        stacktrace: 'SpindleError: no slots',
        timestamp: NOW - 100,
        taskName: null,
        location: null,
        taskManagerId: null,
        failureLabels: { type: 'resource' },
      };
      job.exceptions = {
        entries: [
          { ...task, concurrentExceptions: [{ ...task, taskName: 'Map (1/2)', timestamp: NOW - 9 }] },
          { ...global, concurrentExceptions: [] },
        ],
        truncated: false,
      };
      return job;
    }

    it('GET /jobs/:jobid/exceptions sends the history and the deprecated root fields', async () => {
      const job = failedJob();
      const res = await getJson(port, `/jobs/${job.details.jobId}/exceptions`);
      expect(res.status).to.equal(200);
      expectFixture(res.json, 'job-exceptions');
      const body = res.json as JobExceptionsWire;
      expect(body['root-exception']).to.equal('UserCodeError: bad record\n    at map');
      expect(body.timestamp).to.equal(NOW - 10);
      expect(body['all-exceptions'].map((e) => e.task)).to.deep.equal(['Map (2/2)', 'Map (1/2)']);
      const [first, second] = body.exceptionHistory.entries;
      expect(first).to.deep.include({
        exceptionName: 'UserCodeError',
        taskName: 'Map (2/2)',
        location: 'localhost:40001',
        endpoint: 'localhost:40001',
        taskManagerId: 'tm-1',
      });
      expect(first!.concurrentExceptions).to.have.length(1);
      expect(second).to.not.have.any.keys('taskName', 'location', 'endpoint', 'taskManagerId');
      expect(body.exceptionHistory.truncated).to.equal(false);
    });

    it('limits entries with maxExceptions and filters by failure label', async () => {
      const job = failedJob();
      const limited = (await getJson(port, `/jobs/${job.details.jobId}/exceptions?maxExceptions=1`)).json as JobExceptionsWire;
      expectFixture(limited, 'job-exceptions');
      expect(limited.exceptionHistory.entries).to.have.length(1);
      expect(limited.exceptionHistory.truncated).to.equal(true);
      const filtered = (await getJson(port, `/jobs/${job.details.jobId}/exceptions?failureLabelFilter=type:resource`))
        .json as JobExceptionsWire;
      expect(filtered.exceptionHistory.entries.map((e) => e.exceptionName)).to.deep.equal(['SpindleError']);
    });

    it('sends null root fields for a job without failures', async () => {
      const job = cluster.addJob();
      const res = await getJson(port, `/jobs/${job.details.jobId}/exceptions`);
      expectFixture(res.json, 'job-exceptions');
      expect(res.json).to.deep.equal({
        'root-exception': null,
        timestamp: null,
        'all-exceptions': [],
        truncated: false,
        exceptionHistory: { entries: [], truncated: false },
      });
    });
  });

  describe('jars', () => {
    it('uploads a bundle, lists it, runs it with a JSON body and deletes it', async () => {
      const upload = await uploadJar(port, [
        { field: 'jarfile', filename: 'word-count.js', contentType: 'application/x-java-archive', content: 'export default 1;\n' },
      ]);
      expect(upload.status).to.equal(200);
      expectFixture(upload.json, 'jars-upload');
      const filename = (upload.json as { filename: string }).filename;
      const jarId = filename.slice(filename.lastIndexOf('/') + 1);
      expect(jarId).to.match(/^[0-9a-f-]{36}_word-count\.js$/);
      expect(Buffer.from(cluster.jars.get(jarId)!.bytes).toString()).to.equal('export default 1;\n');

      const list = await getJson(port, '/jars');
      expectFixture(list.json, 'jars');
      expect(list.json).to.deep.include({ address: `http://127.0.0.1:${port}` });
      expect((list.json as { files: Array<{ id: string; name: string }> }).files.map((f) => [f.id, f.name])).to.deep.equal([
        [jarId, 'word-count.js'],
      ]);

      const jobId = 'a'.repeat(32);
      const run = await postJson(port, `/jars/${encodeURIComponent(jarId)}/run`, {
        entryClass: 'main',
        programArgsList: ['--input', 'a b.txt'],
        parallelism: 3,
        jobId,
        flinkConfiguration: { 'pipeline.name': 'wc', 'parallelism.default': 2 },
      });
      expect(run.status).to.equal(200);
      expectFixture(run.json, 'jars-run');
      expect(run.json).to.deep.equal({ jobid: jobId });
      expect(cluster.runs[0]!.request).to.deep.equal({
        entryClass: 'main',
        programArgs: ['--input', 'a b.txt'],
        parallelism: 3,
        jobId,
        flinkConfiguration: { 'pipeline.name': 'wc', 'parallelism.default': '2' },
      });
      expect((await getJson(port, `/jobs/${jobId}/status`)).json).to.deep.equal({ status: 'RUNNING' });

      const del = await request(port, 'DELETE', `/v1/jars/${jarId}`);
      expect(del.status).to.equal(200);
      expectFixture(del.json, 'empty');
      expect(((await getJson(port, '/jars')).json as { files: unknown[] }).files).to.deep.equal([]);
    });

    it('runs with query parameters, splitting programArg like a command line', async () => {
      const upload = await uploadJar(port, [{ field: 'jarfile', filename: 'job.mjs', content: 'x' }]);
      const jarId = (upload.json as { filename: string }).filename.split('/').pop()!;
      const run = await request(
        port,
        'POST',
        `/jars/${jarId}/run?entry-class=etl&parallelism=2&programArg=${encodeURIComponent(`--out "/tmp/a b" -v`)}`,
      );
      expect(run.status).to.equal(200);
      expect(cluster.runs[0]!.request).to.deep.equal({
        entryClass: 'etl',
        parallelism: 2,
        programArgs: ['--out', '/tmp/a b', '-v'],
        flinkConfiguration: {},
      });
    });

    it('accepts .js, .mjs, .zip, .tgz and .jar uploads', async () => {
      for (const name of ['a.js', 'b.mjs', 'c.zip', 'd.tgz', 'e.jar']) {
        const res = await uploadJar(port, [{ field: 'jarfile', filename: name, content: Buffer.from([0, 1, 2, 0x0d, 0x0a, 255]) }]);
        expect(res.status, name).to.equal(200);
      }
      expect([...cluster.jars.values()].every((j) => Buffer.from(j.bytes).equals(Buffer.from([0, 1, 2, 0x0d, 0x0a, 255])))).to.equal(true);
    });
  });
});
