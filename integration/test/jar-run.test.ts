import path from 'node:path';
import { expect } from 'chai';
import { describeRun, runCli } from './cli-harness.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

/** A job file as a bundle: plain ESM that imports the engine, as esbuild leaves it. */
const BUNDLE = `
import { StreamExecutionEnvironment } from '@spindle/datastream';

async function tiny(name, args) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromElements(1, 2, 3).map((x) => x * Number(args[0] ?? 1)).print();
  await env.execute(name);
}

export async function main(args) {
  await tiny('Tiny ' + (args[1] ?? 'main'), args);
}

export async function other(args) {
  await tiny('Other Job', args);
}

export const notAFunction = 42;
`;

interface Answer {
  status: number;
  body: { jobid?: string; errors?: string[]; [k: string]: unknown };
}

describe('a JobManager process with TaskManager processes: jar runs and failures over REST', function () {
  this.timeout(240_000);
  let cluster: SessionCluster;
  let rest: string;
  let jarId: string;

  async function call(method: string, p: string, body?: unknown): Promise<Answer> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(120_000) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const r = await fetch(`http://${rest}${p}`, init);
    return { status: r.status, body: (await r.json()) as Answer['body'] };
  }

  async function finished(jobId: string): Promise<boolean> {
    const { status, body } = await call('GET', `/jobs/${jobId}/status`);
    return status === 200 && body.status === 'FINISHED';
  }

  before(async () => {
    cluster = await startSessionCluster('jar-run', {
      taskManagers: 2,
      slotsPerTaskManager: 8,
      dynamic: ['-Dheartbeat.interval=1 s', '-Dheartbeat.timeout=30 s'],
    });
    rest = cluster.rest;
    const form = new FormData();
    form.append('jarfile', new Blob([BUNDLE], { type: 'application/javascript' }), 'tiny.mjs');
    const upload = await fetch(`http://${rest}/jars/upload`, { method: 'POST', body: form });
    expect(upload.status).to.equal(200);
    jarId = path.basename(((await upload.json()) as { filename: string }).filename);
  });

  after(async () => {
    if (cluster !== undefined) await cluster.stop();
  });

  it('runs the export that entryClass names, and answers 400 for an entryClass that names no exported function', async () => {
    const other = await call('POST', `/jars/${jarId}/run`, { entryClass: 'other', programArgsList: ['2'] });
    expect(other.status, JSON.stringify(other.body)).to.equal(200);
    await until('the job of `other` to finish', async () => ((await finished(other.body.jobid!)) ? true : undefined), 60_000);
    expect((await call('GET', `/jobs/${other.body.jobid}`)).body.name).to.equal('Other Job');

    for (const entryClass of ['com.example.WordCount', 'notAFunction', 'missing']) {
      const bad = await call('POST', `/jars/${jarId}/run?entry-class=${entryClass}`);
      expect(bad.status, `${entryClass}: ${JSON.stringify(bad.body)}`).to.equal(400);
      expect(bad.body.errors![0])
        .to.include(`'${entryClass}'`)
        .and.to.match(/exported function/)
        .and.to.include('main, other');
    }
  });

  it("GET /jobs/:id/exceptions names the user's error and keeps its cause and the job file line, as the CLI does", async () => {
    const args = ['run', '--no-typecheck', '-m', rest, 'integration/fixtures/cli-exploder.ts'];
    const failing = await runCli(args, 60_000);
    expect(failing.code, describeRun(args, failing)).to.equal(1);
    const jobId = /JobID ([0-9a-f]{32})/.exec(failing.stdout)![1]!;
    const { body } = await call('GET', `/jobs/${jobId}/exceptions`);
    const history = body.exceptionHistory as { entries: Array<{ exceptionName: string; stacktrace: string; taskName?: string }> };
    const root = history.entries[0]!;
    expect(root.exceptionName).to.equal('Error');
    expect(root.taskName).to.match(/Exploder.* \(1\/1\)$/);
    expect(root.stacktrace).to.match(/^UserCodeError: Exploder \(1\/1\) failed: Error: boom\n/);
    expect(root.stacktrace).to.match(/\nCaused by: Error: boom\n/);
    expect(root.stacktrace).to.match(/integration\/fixtures\/cli-exploder\.ts:8:\d+/);
    expect(body['root-exception']).to.equal(root.stacktrace);
    // The CLI's message and REST's summary come from one rendering of the failure.
    expect(failing.stderr).to.include('Exploder (1/1) failed: Error: boom');
    expect(failing.stderr).to.match(/^ {4}at integration\/fixtures\/cli-exploder\.ts:8:\d+$/m);
  });

  it('answers each of 200 concurrent runs of one jar (50 at a time) with a job of its own, and every job finishes', async () => {
    const started = Date.now();
    const answers: Answer[] = [];
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < 200) {
        const i = next++;
        answers[i] = await call('POST', `/jars/${jarId}/run`, { programArgsList: ['1', `run-${i}`] });
      }
    };
    await Promise.all(Array.from({ length: 50 }, sender));
    const answeredMs = Date.now() - started;
    const unexpected = answers.filter((a) => a.status !== 200);
    expect(
      unexpected.map((a) => `${a.status} ${JSON.stringify(a.body)}`),
      'answers other than 200',
    ).to.deep.equal([]);
    const jobIds = answers.map((a) => a.body.jobid!);
    expect(new Set(jobIds).size, 'distinct job ids').to.equal(200);
    await until(
      'all 200 jobs to finish',
      async () => {
        const { body } = await call('GET', '/jobs/overview');
        const states = new Map((body.jobs as Array<{ jid: string; state: string; name: string }>).map((j) => [j.jid, j]));
        return jobIds.every((id) => states.get(id)?.state === 'FINISHED') ? states : undefined;
      },
      180_000,
    ).then((states) => {
      // Each run built its own graph from its own arguments.
      expect(jobIds.map((id) => states.get(id)!.name)).to.deep.equal(jobIds.map((_, i) => `Tiny run-${i}`));
    });
    console.log(`      200 runs answered in ${answeredMs} ms, all finished after ${Date.now() - started} ms`);
  });
});
