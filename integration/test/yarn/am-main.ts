/**
 * A minimal ApplicationMaster for the YARN protocol test, run by the NodeManager in the AM
 * container: reads its AMRM token from the container's token file, finds the scheduler address in
 * the HADOOP_CONF_DIR the NodeManager exports, registers, asks for two containers, starts one on its
 * NodeManager (it writes a file) and stops the other, waits for both completions, and finishes SUCCEEDED
 * (FAILED with the error as diagnostics otherwise). On the way it records how the servers answer
 * a second register and a stale response id. Every wait has a deadline. Its progress goes
 * to stdout as JSON lines; its result to $SPINDLE_TEST_OUT/am-result.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterClient,
  ContainerManagerClient,
  containerIdString,
  decodeAmRmTokenIdentifier,
  decodeContainerTokenIdentifier,
  decodeNmTokenIdentifier,
  nodeIdString,
  toToken,
  attemptIdString,
  findToken,
  HadoopRemoteError,
  HadoopRpcConnectionPool,
  readTokenFile,
  TOKEN_KIND,
  yarnAddresses,
  type ContainerProto,
  type ContainerStatusProto,
} from '@spindle/yarn';

const outDir = process.env['SPINDLE_TEST_OUT'] ?? '.';
const DEADLINE_MS = 90_000;

function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const overdue = (): boolean => Date.now() - started > DEADLINE_MS;
  const creds = await readTokenFile();
  const amrm = findToken(creds, TOKEN_KIND.amrm);
  if (amrm === undefined) throw new Error(`no ${TOKEN_KIND.amrm} in ${process.env['HADOOP_TOKEN_FILE_LOCATION']}`);
  const tokenFile = fs.readFileSync(process.env['HADOOP_TOKEN_FILE_LOCATION']!);
  const addresses = yarnAddresses();
  log('start', {
    attempt: attemptIdString(decodeAmRmTokenIdentifier(amrm).appAttemptId),
    tokenFileFormat: tokenFile[4],
    tokens: creds.tokens.map((t) => ({ alias: t.alias, kind: t.token.kind, service: t.token.service })),
    hadoopConfDir: process.env['HADOOP_CONF_DIR'],
    scheduler: addresses.scheduler,
  });

  const pool = new HadoopRpcConnectionPool({ connectTimeoutMs: 20_000, callTimeoutMs: 30_000 });
  const am = new ApplicationMasterClient(addresses.scheduler, amrm, pool);
  const nm = new ContainerManagerClient(pool);
  let finished = false;
  const checks: Record<string, unknown> = {};
  try {
    const reg = await am.register({ host: os.hostname(), rpcPort: -1, trackingUrl: '' });
    log('registered', { maximumCapability: reg.maximumCapability, queue: reg.queue });
    checks['registerQueue'] = reg.queue;
    checks['registerAgain'] = await remoteErrorOf(am.register({ host: os.hostname(), rpcPort: -1 }));
    checks['staleResponseId'] = await remoteErrorOf(
      pool
        .get(addresses.scheduler.host, addresses.scheduler.port, APPLICATION_MASTER_PROTOCOL, amrm)
        .then((c) => c.call('allocate', 'hadoop.yarn.AllocateRequestProto', { response_id: 77 }, 'hadoop.yarn.AllocateResponseProto')),
    );

    const ask = { priority: 1, resourceName: '*', capability: { memoryMb: 256, vcores: 1 }, numContainers: 2 };
    const containers: ContainerProto[] = [];
    let asks = [ask];
    while (containers.length < 2) {
      if (overdue()) throw new Error('two containers were not allocated in time');
      const response = await am.allocate({ asks, progress: 0.1 });
      asks = [];
      nm.addNmTokens(response.nmTokens);
      for (const t of response.nmTokens) {
        const id = decodeNmTokenIdentifier(t.token);
        checks['nmToken'] = {
          kind: t.token.kind,
          service: t.token.service,
          node: nodeIdString(id.nodeId),
          attempt: attemptIdString(id.appAttemptId),
        };
      }
      containers.push(...response.allocatedContainers);
      log('allocate', {
        responseId: response.responseId,
        allocated: response.allocatedContainers.length,
        nmTokens: response.nmTokens.length,
        numClusterNodes: response.numClusterNodes,
      });
      if (containers.length < 2) await sleep(500);
    }
    // The ask is a total: nothing more is outstanding now.
    await am.allocate({ asks: [{ ...ask, numContainers: 0 }], progress: 0.3 });
    const [container, sleeper] = containers as [ContainerProto, ContainerProto];
    const sleeperId = containerIdString(sleeper.id!);
    const containerToken = toToken(container.container_token);
    const cti = decodeContainerTokenIdentifier(containerToken);
    checks['containerToken'] = {
      kind: containerToken.kind,
      service: containerToken.service,
      containerId: cti.containerId === undefined ? undefined : containerIdString(cti.containerId),
      nmHostAddr: cti.nmHostAddr,
      memoryMb: cti.resource?.memory,
    };
    const startedSleeper = await nm.startContainer(sleeper, { environment: { PATH: '/usr/bin:/bin' }, commands: ['sleep', '120'] });
    const stopped = await nm.stopContainers(sleeper.nodeId!, [sleeper.id!]);
    log('sleeper', { sleeperId, startedSleeper, stopped });
    const containerId = containerIdString(container.id!);
    const outFile = path.join(outDir, 'container-output.txt');
    const started2 = await nm.startContainer(container, {
      environment: { PATH: '/usr/bin:/bin', SPINDLE_OUT_FILE: outFile },
      commands: ['echo', 'spindle-container-ok', '$CONTAINER_ID', '>', '$SPINDLE_OUT_FILE', '2><LOG_DIR>/stderr'],
    });
    log('started', { containerId, node: container.nodeId, result: started2 });
    if (started2.failed.length > 0) throw new Error(`startContainers failed: ${JSON.stringify(started2.failed)}`);

    const statuses = await nm.getContainerStatuses(container.nodeId!, [container.id!]);
    log('status', { statuses: statuses.statuses.map((s) => ({ state: s.state, exit: s.exit_status })) });

    const done = new Map<string, ContainerStatusProto>();
    while (!done.has(containerId) || !done.has(sleeperId)) {
      if (overdue()) throw new Error(`containers did not complete in time (done: ${[...done.keys()].join(', ')})`);
      await sleep(500);
      const r = await am.allocate({ progress: 0.6 });
      for (const st of r.completedContainers) done.set(containerIdString(st.container_id!), st);
    }
    const completed = done.get(containerId)!;
    checks['stoppedExitStatus'] = done.get(sleeperId)!.exit_status;
    checks['stoppedDiagnostics'] = done.get(sleeperId)!.diagnostics;
    log('completed', { containerId, state: completed.state, exitStatus: completed.exit_status, diagnostics: completed.diagnostics });
    if (completed.exit_status !== 0) throw new Error(`container exited with ${completed.exit_status}: ${completed.diagnostics}`);

    log('checks', checks);
    // Written before finishing: once the RM reports the application FINISHED the test reads it.
    fs.writeFileSync(path.join(outDir, 'am-result.json'), JSON.stringify({ containerId, exitStatus: completed.exit_status, checks }));
    await finish(am, 'SUCCEEDED', 'spindle test AM done', overdue);
    finished = true;
  } catch (e) {
    log('error', { message: e instanceof Error ? e.message : String(e) });
    if (!finished) await finish(am, 'FAILED', String(e instanceof Error ? e.message : e), overdue).catch(() => undefined);
    throw e;
  } finally {
    am.close();
    pool.close();
  }
}

async function finish(
  am: ApplicationMasterClient,
  status: 'SUCCEEDED' | 'FAILED',
  diagnostics: string,
  overdue: () => boolean,
): Promise<number> {
  for (let calls = 1; ; calls++) {
    if (await am.finish({ finalStatus: status, diagnostics })) {
      log('finished', { status, calls });
      return calls;
    }
    if (overdue()) throw new Error('finishApplicationMaster never reported unregistered');
    await sleep(100);
  }
}

/** The remote exception a call is expected to raise: its class and first message line. */
async function remoteErrorOf(p: Promise<unknown>): Promise<{ className: string; message: string } | 'no error'> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    if (!(e instanceof HadoopRemoteError)) throw e;
    return { className: e.className, message: e.remoteMessage };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
