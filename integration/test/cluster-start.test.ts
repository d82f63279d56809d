import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { describeRun, expectCleanFailure, removeDir, runCli, tempDir } from './cli-harness.js';
import { expectNoProcessesOf, freePort, killProcessesOf } from './process-harness.js';

/** A server of another program on the REST port, closed by the test. */
interface PortHolder {
  port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<PortHolder> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Accepts connections and never answers. */
const plainTcpServer = (): Promise<PortHolder> => listen(net.createServer(() => undefined));

/** Answers every request with 200 and a JSON body that could pass for any endpoint's. */
const agreeableHttpServer = (): Promise<PortHolder> =>
  listen(
    http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"taskmanagers":0,"flink-version":"1.19"}'),
    ),
  );

describe('cluster start when the REST port is taken by another program', function () {
  this.timeout(120_000);
  let dir: string;
  let holder: PortHolder | undefined;

  beforeEach(() => {
    dir = tempDir('start');
  });

  afterEach(async () => {
    killProcessesOf(dir);
    await holder?.close();
    holder = undefined;
    removeDir(dir);
  });

  async function startOnTakenPort(hold: () => Promise<PortHolder>): Promise<void> {
    holder = await hold();
    const logDir = path.join(dir, 'log');
    const args = [
      'cluster',
      'start',
      `-Drest.port=${holder.port}`,
      '-Drest.address=127.0.0.1',
      `-Djobmanager.rpc.port=${await freePort()}`,
      '-Dstandalone.number-of-taskmanagers=1',
      `-Denv.log.dir=${logDir}`,
    ];
    const r = await runCli(args, 90_000, { TMPDIR: dir });
    expectCleanFailure(args, r, /JobManager/, new RegExp(`${holder.port}.*in use|in use.*${holder.port}`));
    expect(r.stdout, describeRun(args, r)).not.to.match(/taskexecutor daemon/);
    const pidFiles = fs.existsSync(logDir) ? fs.readdirSync(logDir).filter((f) => f.endsWith('.pid')) : [];
    expect(pidFiles, 'pid files left behind').to.deep.equal([]);
    await expectNoProcessesOf(dir);
  }

  it('fails, and leaves nothing running, when a plain TCP server holds the port', async () => {
    await startOnTakenPort(plainTcpServer);
  });

  it('fails, and leaves nothing running, when an HTTP server that answers 200 to everything holds the port', async () => {
    await startOnTakenPort(agreeableHttpServer);
  });
});
