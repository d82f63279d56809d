/**
 * The YARN client and ApplicationMaster protocols against the real Hadoop of the harness: the RM
 * REST API (info, queues, submit, report, find by tags, kill, errors), and an application whose AM
 * (am-main.ts, our Node code in the AM container) speaks Hadoop RPC to the RM and the NodeManager.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HadoopRemoteError, HadoopRpcConnection, RmRestClient, YarnError, type ApplicationReport } from '@spindle/yarn';
import { startHadoop, stopHadoop, type HadoopCluster } from '../hadoop/harness.js';

const AM_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'yarn', 'am-main.js');
const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED']);

describe('YARN protocols on a real Hadoop', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;
  let rm: RmRestClient;
  let outDir: string;
  const started: string[] = [];

  before(async () => {
    cluster = await startHadoop();
    rm = new RmRestClient({ url: cluster.rmUrl });
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-yarn-'));
  });

  after(async () => {
    for (const id of started) {
      const report = await rm.application(id).catch(() => undefined);
      if (report !== undefined && !TERMINAL.has(report.state)) await rm.killApplication(id).catch(() => undefined);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
    if (cluster !== undefined && !cluster.alreadyRunning) await stopHadoop();
  });

  it('reads cluster info, metrics and queues', async () => {
    const info = await rm.clusterInfo();
    expect(info.state).to.equal('STARTED');
    expect(info.hadoopVersion).to.match(/^3\./);
    expect((await rm.clusterMetrics()).activeNodes).to.be.at.least(1);
    const q = await rm.queue('default');
    expect(q.maximumAllocation?.memory).to.be.greaterThan(0);
    expect((await rm.queue('root.default')).queueName).to.equal('default');
  });

  it('names an unknown queue, an oversized AM and an unreachable RM clearly', async () => {
    await expectYarnError(rm.queue('no-such-queue'), 'YARN_UNKNOWN_QUEUE', /no-such-queue.*queues: .*default/);
    const app = await rm.newApplication();
    const tooBig = app.maximumResourceCapability.memory + 1024;
    await expectYarnError(
      rm.submitApplication({
        applicationId: app.applicationId,
        name: 'too-big',
        resource: { memoryMb: tooBig, vcores: 1 },
        amContainer: { commands: ['true'] },
      }),
      'YARN_RESOURCE_TOO_LARGE',
      /maximum allocation/,
    );
    const dead = new RmRestClient({ url: 'http://127.0.0.1:1', timeoutMs: 5000 });
    await expectYarnError(dead.clusterInfo(), 'YARN_RM_UNREACHABLE', /127\.0\.0\.1:1.*is YARN running\?.*HADOOP_CONF_DIR/);
  });

  it('refuses a forged AMRM token during SASL with the server exception', async () => {
    const [host, port] = cluster.resourceManager.scheduler.split(':') as [string, string];
    const identifier = Buffer.from('0a0d0a0908011080d095ffbc3110011005', 'hex');
    const token = { identifier, password: Buffer.alloc(20, 1), kind: 'YARN_AM_RM_TOKEN', service: '' };
    const err = await HadoopRpcConnection.open({
      host,
      port: Number(port),
      token,
      protocol: { name: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB', version: 1 },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HadoopRemoteError);
    expect((err as HadoopRemoteError).fatal).to.equal(true);
    expect((err as HadoopRemoteError).className).to.equal('org.apache.hadoop.security.token.SecretManager$InvalidToken');
    expect((err as HadoopRemoteError).errorDetail).to.equal('FATAL_UNAUTHORIZED');
    expect((err as HadoopRemoteError).remoteMessage).to.match(/appattempt_1700000000000_0001_000001 not found/);
  });

  it('runs an AM that registers, starts a container on the NodeManager and finishes SUCCEEDED', async () => {
    const app = await rm.newApplication();
    started.push(app.applicationId);
    const node = process.execPath;
    await rm.submitApplication({
      applicationId: app.applicationId,
      name: 'spindle-am-protocol-test',
      queue: 'default',
      applicationType: 'SPINDLE',
      tags: ['spindle-test', `run-${path.basename(outDir)}`],
      maxAppAttempts: 1,
      resource: { memoryMb: 256, vcores: 1 },
      amContainer: {
        // The NodeManager passes none of our environment: PATH and the node binary are explicit.
        environment: { PATH: `${path.dirname(node)}:/usr/bin:/bin`, SPINDLE_TEST_OUT: outDir },
        commands: [node, AM_SCRIPT, '1><LOG_DIR>/am.out', '2><LOG_DIR>/am.err'],
      },
    });
    const report = await waitForTerminal(rm, app.applicationId, 150_000);
    const diagnostics = `${report.diagnostics ?? ''}\nAM logs: ${amLogs(cluster, app.applicationId)}`;
    expect(report.state, diagnostics).to.equal('FINISHED');
    expect(report.finalStatus, diagnostics).to.equal('SUCCEEDED');
    expect(report.applicationTags).to.include('spindle-test');
    const result = JSON.parse(fs.readFileSync(path.join(outDir, 'am-result.json'), 'utf8')) as AmResult;
    expect(result.exitStatus).to.equal(0);
    expect(result.checks.registerQueue).to.equal('root.default');
    expect(result.checks.registerAgain).to.deep.include({
      className: 'org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException',
    });
    expect(result.checks.staleResponseId).to.deep.include({
      className: 'org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException',
    });
    expect((result.checks.staleResponseId as { message: string }).message).to.match(/expect responseId to be 0 but get 77/);
    expect(result.checks.stoppedExitStatus).to.equal(-105); // KILLED_BY_APPMASTER
    const attempt = `appattempt_${app.applicationId.slice('application_'.length)}_000001`;
    const nmPort = cluster.nodeManager.nodeId.split(':')[1]!;
    // A token's service is the node's resolved address (127.0.0.1:<port>); its identifier names the NodeId.
    expect(result.checks.nmToken).to.deep.include({ kind: 'NMToken', node: cluster.nodeManager.nodeId, attempt });
    expect((result.checks.nmToken as { service: string }).service).to.match(new RegExp(`:${nmPort}$`));
    expect(result.checks.containerToken).to.deep.include({
      kind: 'ContainerToken',
      containerId: result.containerId,
      nmHostAddr: cluster.nodeManager.nodeId,
    });
    expect(fs.readFileSync(path.join(outDir, 'container-output.txt'), 'utf8').trim()).to.equal(
      `spindle-container-ok ${result.containerId}`,
    );

    const found = await rm.findApplications({ tags: [`run-${path.basename(outDir)}`], states: ['FINISHED'] });
    expect(found.map((a) => a.id)).to.deep.equal([app.applicationId]);
  });

  it('kills an application through the REST API', async () => {
    const app = await rm.newApplication();
    started.push(app.applicationId);
    await rm.submitApplication({
      applicationId: app.applicationId,
      name: 'spindle-kill-test',
      tags: ['spindle-kill-test'],
      resource: { memoryMb: 128, vcores: 1 },
      amContainer: { environment: { PATH: '/usr/bin:/bin' }, commands: ['sleep', '60'] },
    });
    await rm.killApplication(app.applicationId);
    const report = await waitForTerminal(rm, app.applicationId, 60_000);
    expect(report.state).to.equal('KILLED');
  });
});

interface AmResult {
  containerId: string;
  exitStatus: number;
  checks: {
    registerQueue: string;
    registerAgain: unknown;
    staleResponseId: unknown;
    stoppedExitStatus: number;
    nmToken: unknown;
    containerToken: Record<string, unknown>;
  };
}

async function expectYarnError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(YarnError);
  expect((err as YarnError).code).to.equal(code);
  expect((err as YarnError).message).to.match(message);
}

async function waitForTerminal(rm: RmRestClient, id: string, timeoutMs: number): Promise<ApplicationReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await rm.application(id);
    if (TERMINAL.has(report.state)) return report;
    if (Date.now() > deadline) throw new Error(`${id} still ${report.state} after ${timeoutMs} ms: ${report.diagnostics ?? ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The AM container's stdout and stderr, from the NodeManager's log directory, for failure messages. */
function amLogs(cluster: HadoopCluster, appId: string): string {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^am\.(out|err)$/.test(e.name) && p.includes(appId)) found.push(`${p}:\n${fs.readFileSync(p, 'utf8').slice(-3000)}`);
    }
  };
  try {
    walk(cluster.dataDir);
  } catch {
    // logs are best effort
  }
  return found.join('\n');
}
