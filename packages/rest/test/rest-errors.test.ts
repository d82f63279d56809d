import { expect } from 'chai';
import { SpindleError, configureLogging, resetLogging } from '@spindle/core';
import { RestServer } from '../src/index.js';
import { TestingClusterView } from '../src/testing/index.js';
import { expectFixture } from './shape.js';
import { getJson, postJson, rawExchange, request, uploadJar, type HttpResult } from './http-client.js';

const UNKNOWN_JOB = '0123456789abcdef0123456789abcdef';

function expectError(res: HttpResult, status: number, message?: RegExp): void {
  expect(res.status, res.text).to.equal(status);
  expectFixture(res.json, 'error');
  if (message) expect((res.json as { errors: string[] }).errors.join('\n')).to.match(message);
}

describe('RestServer error handling', () => {
  let cluster: TestingClusterView;
  let server: RestServer;
  let port: number;

  const logged: string[] = [];
  before(() => configureLogging({ level: 'error', sink: (line) => logged.push(line) }));
  after(() => resetLogging());

  beforeEach(async () => {
    cluster = new TestingClusterView();
    server = new RestServer(cluster, { bindAddress: '127.0.0.1', port: 0, maxContentLength: 4096 });
    port = await server.start();
  });

  afterEach(() => server.close());

  async function expectServerAlive(): Promise<void> {
    expect((await getJson(port, '/overview')).status).to.equal(200);
  }

  it('answers 503 when the limit of plan-mode runs is reached, 400 for a run that took too long', async () => {
    const refusals = [
      new SpindleError('Too many programs are being run (rest.jar-run.max-queued).', { code: 'PLAN_RUNS_EXHAUSTED', userFacing: true }),
      new SpindleError('The program did not build its job within 10 ms (rest.jar-run.timeout).', {
        code: 'PLAN_TIMEOUT',
        userFacing: true,
      }),
    ];
    cluster.runJar = async () => {
      throw refusals.shift() ?? new Error('the test expects two runs only');
    };
    expectError(await postJson(port, '/jars/x_a.js/run', {}), 503, /rest\.jar-run\.max-queued/);
    expectError(await postJson(port, '/jars/x_a.js/run', {}), 400, /rest\.jar-run\.timeout/);
    await expectServerAlive();
  });

  it('answers 404 for unknown paths and unknown API versions', async () => {
    expectError(await getJson(port, '/no/such/path'), 404, /Not found: \/no\/such\/path/);
    expectError(await getJson(port, '/v2/overview'), 404);
    expectError(await getJson(port, '/jobs/overview/extra'), 404);
  });

  it('answers 404 with "Job <id> not found" for unknown job ids on every job endpoint', async () => {
    for (const path of ['', '/status', '/execution-result', '/exceptions', '/plan']) {
      expectError(await getJson(port, `/jobs/${UNKNOWN_JOB}${path}`), 404, new RegExp(`Job ${UNKNOWN_JOB} not found`));
    }
    expectError(await request(port, 'PATCH', `/jobs/${UNKNOWN_JOB}?mode=cancel`), 404, new RegExp(`Job ${UNKNOWN_JOB} not found`));
  });

  it('answers 400 for job ids that are not 32 hexadecimal characters', async () => {
    for (const id of ['abc', 'g'.repeat(32), `${UNKNOWN_JOB}0`, 'overview%20x']) {
      expectError(await getJson(port, `/jobs/${id}/status`), 400, /jobid/);
    }
    expectError(await request(port, 'PATCH', '/jobs/not-a-job?mode=cancel'), 400);
  });

  it('accepts upper-case hexadecimal job ids', async () => {
    const job = cluster.addJob();
    const res = await getJson(port, `/jobs/${job.details.jobId.toUpperCase()}/status`);
    expect(res.status).to.equal(200);
  });

  it('answers 405 with an Allow header for a wrong method', async () => {
    const res = await request(port, 'POST', '/overview');
    expectError(res, 405, /POST/);
    expect(res.headers.allow).to.equal('GET');
    const del = await request(port, 'DELETE', `/jobs/${UNKNOWN_JOB}`);
    expectError(del, 405);
    expect(del.headers.allow!.split(', ').sort()).to.deep.equal(['GET', 'PATCH']);
    expectError(await request(port, 'GET', '/jars/upload'), 405);
  });

  it('answers 400 for a malformed percent-encoding in the path', async () => {
    expectError(await getJson(port, '/jobs/%E0%A4%A/status'), 400);
  });

  describe('cancel', () => {
    it('answers 409 for a job that already FINISHED or FAILED, as Flink does', async () => {
      for (const status of ['FINISHED', 'FAILED'] as const) {
        const job = cluster.addJob();
        cluster.finishJob(job.details.jobId, status);
        const res = await request(port, 'PATCH', `/jobs/${job.details.jobId}?mode=cancel`);
        expectError(res, 409, new RegExp(`already reached another terminal state \\(${status}\\)`));
        expect(cluster.jobs.get(job.details.jobId)!.details.status).to.equal(status);
      }
    });

    it('answers 202 again for a job that is already CANCELED', async () => {
      const job = cluster.addJob();
      cluster.finishJob(job.details.jobId, 'CANCELED');
      expect((await request(port, 'PATCH', `/jobs/${job.details.jobId}?mode=cancel`)).status).to.equal(202);
    });

    it('refuses mode=stop (removed in Flink) and unknown modes with 400', async () => {
      const job = cluster.addJob();
      expectError(await request(port, 'PATCH', `/jobs/${job.details.jobId}?mode=stop`), 400, /"stop" has been removed/);
      expectError(await request(port, 'PATCH', `/jobs/${job.details.jobId}?mode=pause`), 400, /termination mode/);
      expect(cluster.jobs.get(job.details.jobId)!.details.status).to.equal('RUNNING');
    });
  });

  describe('jar upload', () => {
    it('rejects a body that is not multipart/form-data', async () => {
      expectError(
        await request(port, 'POST', '/jars/upload', 'just text', { 'Content-Type': 'text/plain' }),
        400,
        /Exactly 1 file must be sent, received 0/,
      );
    });

    it('rejects malformed multipart bodies with 400', async () => {
      const cases: Array<[string, string]> = [
        ['multipart/form-data', '--x\r\n\r\n'],
        ['multipart/form-data; boundary=x', 'no boundary anywhere'],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="jarfile"; filename="a.js"\r\n\r\nunterminated'],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="jarfile"; filename="a.js"'],
        ['multipart/form-data; boundary=x', '--x\r\nX-Nothing: 1\r\n\r\ndata\r\n--x--\r\n'],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="jarfile"; filename="a.js\r\n\r\ndata\r\n--x--\r\n',
        ],
      ];
      for (const [contentType, body] of cases) {
        expectError(await request(port, 'POST', '/jars/upload', body, { 'Content-Type': contentType }), 400, /multipart|Exactly 1 file/);
      }
      expect(cluster.jars.size).to.equal(0);
      await expectServerAlive();
    });

    it('requires exactly one file', async () => {
      expectError(await uploadJar(port, [{ field: 'jarfile', content: 'no filename' }]), 400, /Exactly 1 file must be sent, received 0/);
      expectError(
        await uploadJar(port, [
          { field: 'a', filename: 'a.js', content: '1' },
          { field: 'b', filename: 'b.js', content: '2' },
        ]),
        400,
        /received 2/,
      );
    });

    it('rejects other file types', async () => {
      expectError(await uploadJar(port, [{ field: 'jarfile', filename: 'job.py', content: 'print(1)' }]), 400, /Only JavaScript bundles/);
    });

    it('answers 413 for bodies over the size limit, declared or chunked', async () => {
      const big = Buffer.alloc(10_000, 'a');
      expectError(await uploadJar(port, [{ field: 'jarfile', filename: 'big.js', content: big }]), 413, /too large/);
      const chunked = await request(port, 'POST', `/jars/x_a.js/run`, big, {
        'Transfer-Encoding': 'chunked',
        'Content-Type': 'application/json',
      });
      expectError(chunked, 413);
      expect(cluster.jars.size).to.equal(0);
      await expectServerAlive();
    });
  });

  describe('jar run', () => {
    async function uploaded(): Promise<string> {
      const res = await uploadJar(port, [{ field: 'jarfile', filename: 'job.js', content: '1' }]);
      return (res.json as { filename: string }).filename.split('/').pop()!;
    }

    it('answers 400 for malformed JSON and wrongly typed fields', async () => {
      const jarId = await uploaded();
      expectError(
        await request(port, 'POST', `/jars/${jarId}/run`, '{"entryClass":', { 'Content-Type': 'application/json' }),
        400,
        /JarRunRequestBody/,
      );
      expectError(await request(port, 'POST', `/jars/${jarId}/run`, '[1,2]', { 'Content-Type': 'application/json' }), 400);
      expectError(await postJson(port, `/jars/${jarId}/run`, { parallelism: 'many' }), 400, /parallelism/);
      expectError(await postJson(port, `/jars/${jarId}/run`, { programArgsList: [1] }), 400);
      expectError(await postJson(port, `/jars/${jarId}/run`, { jobId: 'xyz' }), 400, /jobId/);
      expectError(await postJson(port, `/jars/${jarId}/run`, { programArgs: 'a', programArgsList: ['a'] }), 400, /Confusing request/);
      expect(cluster.runs).to.have.length(0);
    });

    it('answers 400 for unknown jar ids, as Flink does', async () => {
      expectError(await postJson(port, '/jars/nothing_here.js/run', {}), 400, /nothing_here\.js/);
      expectError(await request(port, 'DELETE', '/jars/nothing_here.js'), 400, /nothing_here\.js/);
      expectError(await request(port, 'DELETE', '/jars/a%2Fb'), 400, /not a valid jar id/);
    });
  });

  it('answers 500 when the cluster fails unexpectedly, and keeps serving', async () => {
    cluster.failure = new Error('disk on fire');
    expectError(await getJson(port, '/overview'), 500, /Internal server error/);
    expectError(await getJson(port, '/jobs/overview'), 500);
    cluster.failure = undefined;
    await expectServerAlive();
    expect(logged.filter((l) => l.includes('disk on fire'))).to.have.length(2);
  });

  it('answers 400 to malformed HTTP and keeps serving', async () => {
    const answer = await rawExchange(port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(answer).to.match(/^HTTP\/1\.1 400/);
    await expectServerAlive();
  });
});
