import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { failoverNameNode, hadoopStatus, startHadoop, stopHadoop, type HadoopCluster } from '../hadoop/harness.js';
import { removeDir, REPO_ROOT, tempDir } from './cli-harness.js';
import { runHadoopCli, SHARED_HADOOP_HOME, sharedHadoop, skipWithoutHadoop, type HadoopCliResult } from './hadoop-shared.js';
import { processesWith, until } from './process-harness.js';

/** The value of `key` in a Hadoop XML configuration file. */
function confValue(file: string, key: string): string | undefined {
  const xml = fs.readFileSync(file, 'utf8');
  return new RegExp(`<name>${key.replaceAll('.', '\\.')}</name>\\s*<value>([^<]*)</value>`).exec(xml)?.[1];
}

function webHdfs(http: string, file: string, query: string): string {
  return `http://${http}/webhdfs/v1${file}?${query}`;
}

/**
 * PUTs `body` to a DataNode's WebHDFS address and resolves to the status. Not with fetch: the
 * DataNode answers CREATE and APPEND with a `100 Continue` nobody asked for, which fetch (undici)
 * rejects as "bad response"; node:http reports it as an informational response and reads on.
 */
function putToDataNode(url: string, body: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'PUT', headers: { 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function refuses(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A failure the user can act on: exit code 1 and one line on stderr, no stack trace. */
function expectOneLineError(r: HadoopCliResult, ...needles: string[]): void {
  const context = `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  expect(r.code, context).to.equal(1);
  expect(r.stderr.trim().split('\n'), context).to.have.length(1);
  expect(r.stderr, context).to.match(/^hadoop: /);
  for (const needle of needles) expect(r.stderr, context).to.include(needle);
}

describe('Hadoop harness: a real Hadoop 3.5 on 127.0.0.1', function () {
  this.timeout(300_000);
  let cluster: HadoopCluster;

  before(async function () {
    skipWithoutHadoop(this);
    cluster = await sharedHadoop();
  });

  it('reports the ResourceManager STARTED, a RUNNING NodeManager, and the NameNode active and out of safe mode', async () => {
    const status = await hadoopStatus({ home: SHARED_HADOOP_HOME });
    expect(status.state).to.equal('running');
    expect(status.resourceManager).to.equal('STARTED');
    expect(status.runningNodeManagers).to.equal(1);
    expect(status.nameNodes).to.have.length(1);
    expect(status.nameNodes![0]).to.include({ state: 'active', safeMode: false, liveDataNodes: 1 });
    expect(status.healthy).to.equal(true);

    const r = await runHadoopCli(['status'], { SPINDLE_HADOOP_HOME: SHARED_HADOOP_HOME });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/ResourceManager\s+STARTED/);
    expect(r.stdout).to.match(/NodeManagers\s+1 RUNNING/);
    expect(r.stdout).to.include('active, safe mode off, 1 live DataNode');
  });

  it('writes a HADOOP_CONF_DIR with the real 127.0.0.1 addresses and the two queues', () => {
    const conf = (file: string) => path.join(cluster.confDir, file);
    expect(confValue(conf('core-site.xml'), 'fs.defaultFS')).to.equal(cluster.defaultFS);
    expect(cluster.defaultFS).to.match(/^hdfs:\/\/127\.0\.0\.1:\d+$/);
    expect(confValue(conf('hdfs-site.xml'), 'dfs.namenode.http-address')).to.equal(cluster.nameNodes[0]!.http);
    expect(confValue(conf('yarn-site.xml'), 'yarn.resourcemanager.scheduler.address')).to.equal(cluster.resourceManager.scheduler);
    expect(confValue(conf('yarn-site.xml'), 'yarn.resourcemanager.webapp.address')).to.equal(cluster.resourceManager.web);
    for (const address of Object.values(cluster.resourceManager)) expect(address).to.match(/^127\.0\.0\.1:\d+$/);
    expect(confValue(conf('capacity-scheduler.xml'), 'yarn.scheduler.capacity.root.queues')).to.equal('default,secondary');
  });

  it('lists the queues default and secondary in the ResourceManager REST scheduler', async () => {
    type Queue = { queueName: string };
    const body = (await (await fetch(`${cluster.rmUrl}/ws/v1/cluster/scheduler`)).json()) as {
      scheduler: { schedulerInfo: { queues: { queue: Queue | Queue[] } } };
    };
    const queues = [body.scheduler.schedulerInfo.queues.queue].flat().map((q) => q.queueName);
    expect(queues).to.have.members(['default', 'secondary']);
  });

  it('gives the NodeManager 8192 MB and 8 vcores', async () => {
    type Node = { state: string; availMemoryMB: number; availableVirtualCores: number };
    const body = (await (await fetch(`${cluster.rmUrl}/ws/v1/cluster/nodes`)).json()) as { nodes: { node: Node | Node[] } };
    const nodes = [body.nodes.node].flat();
    expect(nodes).to.have.length(1);
    expect(nodes[0]).to.include({ state: 'RUNNING', availMemoryMB: 8192, availableVirtualCores: 8 });
  });

  it('round-trips a file through WebHDFS: MKDIRS, CREATE redirected to the DataNode on 127.0.0.1, OPEN', async () => {
    const nn = cluster.nameNodes[0]!.http;
    const dir = '/user/alice/harness';
    const mkdirs = await fetch(webHdfs(nn, dir, 'op=MKDIRS&user.name=alice'), { method: 'PUT' });
    expect(await mkdirs.json()).to.deep.equal({ boolean: true });

    const file = `${dir}/hello.txt`;
    const create = await fetch(webHdfs(nn, file, 'op=CREATE&overwrite=true&user.name=alice'), { method: 'PUT', redirect: 'manual' });
    expect(create.status).to.equal(307);
    const dataNode = new URL(create.headers.get('location')!);
    expect(dataNode.hostname).to.equal('127.0.0.1');
    expect(`${dataNode.hostname}:${dataNode.port}`).to.equal(cluster.dataNodes[0]!.http);
    expect(await putToDataNode(dataNode.href, 'hello, hdfs\n')).to.equal(201);

    const open = await fetch(webHdfs(nn, file, 'op=OPEN&user.name=alice'), { redirect: 'manual' });
    expect(open.status).to.equal(307);
    expect(new URL(open.headers.get('location')!).hostname).to.equal('127.0.0.1');
    expect(await (await fetch(open.headers.get('location')!)).text()).to.equal('hello, hdfs\n');

    const status = (await (await fetch(webHdfs(nn, file, 'op=GETFILESTATUS'))).json()) as { FileStatus: object };
    expect(status.FileStatus).to.include({ owner: 'alice', length: 12 });
  });

  it('runs a container that finds the ResourceManager through the HADOOP_CONF_DIR it inherits', async () => {
    const rm = cluster.rmUrl;
    const newApp = await fetch(`${rm}/ws/v1/cluster/apps/new-application?user.name=alice`, { method: 'POST' });
    const appId = ((await newApp.json()) as { 'application-id': string })['application-id'];
    const command = 'env > <LOG_DIR>/env.txt; cp "$HADOOP_CONF_DIR/yarn-site.xml" <LOG_DIR>/yarn-site.xml; exec sleep 300';
    const submit = await fetch(`${rm}/ws/v1/cluster/apps?user.name=alice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        'application-id': appId,
        'application-name': 'harness-env',
        queue: 'secondary',
        'am-container-spec': { commands: { command } },
        resource: { memory: 256, vCores: 1 },
        'max-app-attempts': 1,
      }),
    });
    expect(submit.status).to.equal(202);
    const logDir = await until(
      `the container of ${appId} to write its environment`,
      async () => findContainerLogDir(cluster, appId),
      60_000,
    );
    const env = fs.readFileSync(path.join(logDir, 'env.txt'), 'utf8');
    expect(env).to.include(`HADOOP_CONF_DIR=${cluster.confDir}\n`);
    expect(confValue(path.join(logDir, 'yarn-site.xml'), 'yarn.resourcemanager.scheduler.address')).to.equal(
      cluster.resourceManager.scheduler,
    );

    await until(
      `${appId} to be killed`,
      async () => {
        const r = await fetch(`${rm}/ws/v1/cluster/apps/${appId}/state?user.name=alice`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ state: 'KILLED' }),
        });
        return r.status === 200 ? true : undefined;
      },
      30_000,
    );
    await until('the container process to end', async () => (processesWith(logDir).length === 0 ? true : undefined), 30_000);
  });

  it('answers a second start with the running cluster, and refuses to switch it to HA', async () => {
    const again = await startHadoop({ home: SHARED_HADOOP_HOME });
    expect(again).to.include({ alreadyRunning: true, pid: cluster.pid });
    const r = await runHadoopCli(['start'], { SPINDLE_HADOOP_HOME: SHARED_HADOOP_HOME });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include(`is already running (pid ${cluster.pid})`);
    expect(r.stdout).to.include(`export HADOOP_CONF_DIR=${cluster.confDir} SPINDLE_YARN_RM=${cluster.rmUrl}`);
    expectOneLineError(
      await runHadoopCli(['start', '--ha'], { SPINDLE_HADOOP_HOME: SHARED_HADOOP_HOME }),
      'already running',
      'stop it first',
    );
  });

  it('refuses a failover with one NameNode', async () => {
    expectOneLineError(await runHadoopCli(['failover'], { SPINDLE_HADOOP_HOME: SHARED_HADOOP_HOME }), 'one NameNode', '--ha');
  });
});

/** The NodeManager's log directory of the application's first container, once it holds env.txt. */
function findContainerLogDir(cluster: HadoopCluster, appId: string): string | undefined {
  const container = `container_${appId.slice('application_'.length)}_01_000001`;
  const found = fs
    .readdirSync(cluster.dataDir, { recursive: true, encoding: 'utf8' })
    .find((entry) => entry.endsWith(path.join(appId, container, 'env.txt')));
  const dir = found && path.dirname(path.join(cluster.dataDir, found));
  return dir && fs.existsSync(path.join(dir, 'yarn-site.xml')) ? dir : undefined;
}

describe('Hadoop harness with two NameNodes (start --ha)', function () {
  this.timeout(300_000);
  const home = path.join(REPO_ROOT, '.spindle', 'hadoop-test-ha');
  let cluster: HadoopCluster;

  before(async function () {
    skipWithoutHadoop(this);
    cluster = await startHadoop({ home, ha: true });
  });

  after(async function () {
    this.timeout(120_000);
    await stopHadoop({ home });
  });

  async function standbyAnswer(http: string): Promise<string | undefined> {
    const r = await fetch(webHdfs(http, '/', 'op=GETFILESTATUS'));
    if (r.status === 200) return 'active';
    return ((await r.json()) as { RemoteException?: { exception?: string } }).RemoteException?.exception;
  }

  it('starts nn1 active and nn2 standby in nameservice ns1 and writes the HA client keys', async () => {
    expect(cluster.defaultFS).to.equal('hdfs://ns1');
    const [nn1, nn2] = cluster.nameNodes;
    expect(await standbyAnswer(nn1!.http)).to.equal('active');
    expect(await standbyAnswer(nn2!.http)).to.equal('StandbyException');
    const hdfsSite = path.join(cluster.confDir, 'hdfs-site.xml');
    expect(confValue(path.join(cluster.confDir, 'core-site.xml'), 'fs.defaultFS')).to.equal('hdfs://ns1');
    expect(confValue(hdfsSite, 'dfs.nameservices')).to.equal('ns1');
    expect(confValue(hdfsSite, 'dfs.ha.namenodes.ns1')).to.equal('nn1,nn2');
    expect(confValue(hdfsSite, 'dfs.namenode.http-address.ns1.nn2')).to.equal(nn2!.http);
    expect(confValue(hdfsSite, 'dfs.namenode.rpc-address.ns1.nn1')).to.equal(nn1!.rpc);
    expect(confValue(hdfsSite, 'dfs.client.failover.proxy.provider.ns1')).to.equal(
      'org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider',
    );
  });

  it('fails the active NameNode over to the other and back, keeping the files', async () => {
    const [nn1, nn2] = cluster.nameNodes;
    const create = await fetch(webHdfs(nn1!.http, '/tmp/before-failover', 'op=CREATE&user.name=alice'), {
      method: 'PUT',
      redirect: 'manual',
    });
    expect(new URL(create.headers.get('location')!).searchParams.get('namenoderpcaddress')).to.equal('ns1');
    expect(await putToDataNode(create.headers.get('location')!, 'kept')).to.equal(201);

    expect(await failoverNameNode({ home })).to.deep.equal({ active: 'nn2', webHdfsUrl: `http://${nn2!.http}` });
    expect(await standbyAnswer(nn1!.http)).to.equal('StandbyException');
    expect(await standbyAnswer(nn2!.http)).to.equal('active');
    expect(await (await fetch(webHdfs(nn2!.http, '/tmp/before-failover', 'op=OPEN&user.name=alice'))).text()).to.equal('kept');

    const r = await runHadoopCli(['failover'], { SPINDLE_HADOOP_HOME: home });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('NameNode nn1 is active now');
    expect(await standbyAnswer(nn1!.http)).to.equal('active');
    expect(await standbyAnswer(nn2!.http)).to.equal('StandbyException');
  });

  it('stops leaving no launcher process and no open port', async () => {
    const addresses = [
      ...Object.values(cluster.resourceManager),
      cluster.nodeManager.nodeId,
      cluster.nodeManager.http,
      ...cluster.nameNodes.flatMap((nn) => [nn.rpc, nn.http]),
      ...cluster.dataNodes.flatMap((dn) => [dn.http, dn.ipc, dn.transfer]),
    ];
    const r = await runHadoopCli(['stop'], { SPINDLE_HADOOP_HOME: home });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('Hadoop stopped');
    expect(isAlive(cluster.pid)).to.equal(false);
    expect(processesWith(home)).to.deep.equal([]);
    for (const address of addresses) expect(await refuses(address), address).to.equal(true);
    const status = await runHadoopCli(['status'], { SPINDLE_HADOOP_HOME: home });
    expect(status.code).to.equal(1);
    expect(status.stdout).to.include('Hadoop is not running');
  });
});

describe('Hadoop harness errors', function () {
  this.timeout(120_000);
  let home: string;

  beforeEach(() => {
    home = tempDir('hadoop');
  });

  afterEach(() => removeDir(home));

  it('says that Java is missing', async () => {
    const r = await runHadoopCli(['start', '--home', home], { PATH: home, JAVA_HOME: '' });
    expectOneLineError(r, 'no java found', 'Java 17');
  });

  it('names a fixed port that is taken', async function () {
    skipWithoutHadoop(this);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const r = await runHadoopCli(['start', '--home', home, '--port-base', String(port)]);
      expectOneLineError(r, `port 127.0.0.1:${port}`, 'is taken');
      expect(processesWith(home)).to.deep.equal([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('explains bad usage with exit code 2', async () => {
    const r = await runHadoopCli(['start', '--port-base', 'x']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('--port-base needs a positive integer');
    expect(r.stderr).to.include('usage: npm run hadoop');
  });
});
