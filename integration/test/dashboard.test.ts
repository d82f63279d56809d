import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startPrefixProxy, type Browser, type PrefixProxy } from './browser-harness.js';
import { describeRun, runCli } from './cli-harness.js';
import { until } from './process-harness.js';
import { startSessionCluster, type SessionCluster } from './session-cluster.js';

const N = 3000;

interface Vertex {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  metrics: Record<string, number | boolean | string>;
}
interface JobDetails {
  state: string;
  vertices: Vertex[];
}
interface Overview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
}

/** A bundle as the dashboard uploads it: plain ESM importing the engine. */
const BUNDLE = `import { StreamExecutionEnvironment } from '@spindle/datastream';
export async function main() {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromElements(1, 2, 3).map((x) => x * 10).name('Times ten').print();
  await env.execute('Uploaded from the dashboard');
}
`;

/**
 * The dashboard in headless Chromium against a session cluster of real processes, directly and
 * behind a prefix-stripping proxy like YARN's: the figures it shows are those of the REST API,
 * it cancels a job, shows a TaskManager's log and submits a bundle. Screenshots are kept in
 * integration/artifacts/dashboard/.
 */
describe('web dashboard in a browser', function () {
  this.timeout(120_000);
  let cluster: SessionCluster;
  let browser: Browser;
  let proxy: PrefixProxy;

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    cluster = await startSessionCluster('dashboard', {
      taskManagers: 2,
      slotsPerTaskManager: 2,
      dynamic: [
        '-Dheartbeat.interval=500 ms',
        '-Dheartbeat.timeout=20 s',
        '-Dmetrics.reporter.prom.port=0',
        '-Dweb.refresh-interval=300 ms',
      ],
    });
    proxy = await startPrefixProxy(cluster.rest, '/proxy/application_1700000000000_0001/');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    if (cluster) await cluster.stop();
  });

  /** Submits the dashboard job and waits until its keyed tasks have read every number. */
  async function runJob(): Promise<string> {
    const args = ['run', '--no-typecheck', '-m', cluster.rest, '-d', '-p', '2', 'integration/fixtures/webui-job.ts', '--n', String(N)];
    const r = await runCli(args, 90_000);
    expect(r.code, describeRun(args, r)).to.equal(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    await until(
      'the keyed tasks to have read every number',
      async () => {
        const job = await cluster.get<JobDetails>(`/jobs/${jobId}`);
        const down = job.vertices.find((v) => v.name.includes('Double'));
        return down?.metrics['read-records'] === N && down.metrics['read-records-complete'] ? true : undefined;
      },
      60_000,
    );
    return jobId;
  }

  async function open(page: Page, base: string, hash: string): Promise<void> {
    await page.goto(`${base}#/${hash}`);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** Waits until the page shows what `read` finds equal to `expected` (the page polls the REST API). */
  async function shows<T>(what: string, read: () => Promise<T>, expected: T): Promise<void> {
    let last: T | undefined;
    await until(
      what,
      async () => {
        last = await read();
        return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
      },
      15_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; the page shows ${JSON.stringify(last)}, REST ${JSON.stringify(expected)}`);
    });
  }

  async function checkDashboard(name: string, base: string): Promise<void> {
    const jobId = await runJob();
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      // Overview: the cluster's figures.
      await open(page, base, 'overview');
      const overview = await cluster.get<Overview>('/overview');
      const card = (id: string) => page.getByTestId(id).textContent();
      await shows(
        'the overview',
        async () => [
          await card('overview-taskmanagers'),
          await card('overview-slots-total'),
          await card('overview-slots-available'),
          await card('overview-jobs-running'),
        ],
        [
          String(overview.taskmanagers),
          String(overview['slots-total']),
          String(overview['slots-available']),
          String(overview['jobs-running']),
        ],
      );
      await page.locator(`[data-testid=running-jobs] tr[data-job-id="${jobId}"]`).waitFor();
      await shot(page, `${name}-overview`);

      // The job's graph: every vertex with the figures of /jobs/:jobid.
      await page.locator(`[data-testid=running-jobs] tr[data-job-id="${jobId}"] a`).click();
      await page.getByTestId('job-graph').waitFor();
      const job = await cluster.get<JobDetails>(`/jobs/${jobId}`);
      expect(job.vertices).to.have.length(3);
      for (const v of job.vertices) {
        const node = page.locator(`svg.dag g[data-vertex-id="${v.id}"]`);
        const field = async (f: string) => node.locator(`text[data-field="${f}"]`).getAttribute('data-value');
        await shows(`vertex ${v.name}`, async () => [await field('status'), await field('read-records'), await field('write-records')], [
          v.status,
          String(v.metrics['read-records']),
          String(v.metrics['write-records']),
        ]);
        expect(await node.textContent()).to.include(`Parallelism ${v.parallelism}`);
        const row = page.locator(`[data-testid=vertices] tr[data-vertex-id="${v.id}"]`);
        expect(await row.locator('[data-field=read-records]').textContent()).to.equal(
          Number(v.metrics['read-records']).toLocaleString('en-US'),
        );
      }
      const down = job.vertices.find((v) => v.name.includes('Double'))!;
      expect(await page.locator(`svg.dag g[data-vertex-id="${down.id}"]`).textContent()).to.include(
        `In: ${N.toLocaleString('en-US')} records`,
      );
      await shot(page, `${name}-job-graph`);

      // The keyed vertex's subtasks: TaskManager, attempt and records as /vertices/:vertexid.
      await page.locator(`svg.dag g[data-vertex-id="${down.id}"]`).click();
      await page.locator(`[data-testid=subtasks][data-vertex-id="${down.id}"]`).waitFor();
      const vertex = await cluster.get<{
        subtasks: Array<{ subtask: number; attempt: number; 'taskmanager-id': string; metrics: Record<string, number> }>;
      }>(`/jobs/${jobId}/vertices/${down.id}`);
      for (const s of vertex.subtasks) {
        const row = page.locator(`[data-testid=subtasks] tr[data-subtask="${s.subtask}"]`);
        await shows(
          `subtask ${s.subtask}`,
          async () => [
            await row.locator('[data-field=taskmanager-id]').textContent(),
            await row.locator('[data-field=attempt]').textContent(),
            await row.locator('[data-field=read-records]').textContent(),
          ],
          [s['taskmanager-id'], String(s.attempt), s.metrics['read-records']!.toLocaleString('en-US')],
        );
      }
      await shot(page, `${name}-subtasks`);

      // A TaskManager's own log, from its page.
      const tm = vertex.subtasks[0]!['taskmanager-id'];
      await page.locator(`[data-testid=subtasks] tr[data-subtask="0"] [data-field=taskmanager-id] a`).click();
      await page.getByTestId('taskmanager').waitFor();
      await shot(page, `${name}-taskmanager`);
      await page.getByText('Log of this Task Manager').click();
      const log = page.getByTestId('log-text');
      await log.waitFor();
      expect(await log.textContent())
        .to.include('TaskManager started')
        .and.include(tm);
      await shot(page, `${name}-taskmanager-log`);

      // Cancel the job from its page.
      await open(page, base, `jobs/${jobId}`);
      await page.getByTestId('cancel-job').click();
      await page.getByTestId('confirm-cancel').click();
      await until(
        'CANCELED',
        async () => ((await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'CANCELED' ? true : undefined),
        30_000,
      );
      await page.locator('[data-testid=job] h1 .badge', { hasText: 'CANCELED' }).waitFor();
      await shot(page, `${name}-cancelled`);

      expect(errors, 'errors in the page').to.deep.equal([]);
      const prefix = new URL(base);
      const outside = requests.filter((u) => !u.startsWith(`${prefix.origin}${prefix.pathname}`));
      expect(outside, 'requests outside the dashboard URL').to.deep.equal([]);
    } finally {
      await page.close();
    }
  }

  it('shows the real figures of the overview, a running job graph and its subtasks, opens a TaskManager log and cancels the job', async () => {
    await checkDashboard('direct', `http://${cluster.rest}/`);
  });

  it("does the same behind a path prefix, as behind YARN's proxy, and submits a bundle", async () => {
    await checkDashboard('prefix', proxy.url);
    const page = await browser.context.newPage();
    try {
      // Without the trailing slash, the page moves to the URL with it, so relative URLs resolve under the prefix.
      await page.goto(proxy.url.replace(/\/$/, ''));
      await page.getByTestId('overview').waitFor();
      expect(page.url().startsWith(proxy.url), page.url()).to.equal(true);
      await page.goto(`${proxy.url}#/submit`);
      const bundle = path.join(cluster.dir, 'from-dashboard.mjs');
      fs.writeFileSync(bundle, BUNDLE);
      await page.getByTestId('bundle-file').setInputFiles(bundle);
      await page.getByTestId('upload').click();
      await page.getByTestId('submit-message').filter({ hasText: 'Uploaded from-dashboard.mjs' }).waitFor();
      await page.getByTestId('run-jar').first().click();
      await page.getByTestId('job-graph').waitFor();
      const jobId = await page.getByTestId('job').getAttribute('data-job-id');
      await until(
        'the uploaded job to finish',
        async () => ((await cluster.get<{ status: string }>(`/jobs/${jobId}/status`)).status === 'FINISHED' ? true : undefined),
        30_000,
      );
      await page.locator('[data-testid=job] h1 .badge', { hasText: 'FINISHED' }).waitFor();
      expect(await page.getByTestId('job').textContent()).to.include('Uploaded from the dashboard');
      await shot(page, 'prefix-submitted');
    } finally {
      await page.close();
    }
  });
});
