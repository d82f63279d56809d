/**
 * `npm run hadoop -- <command>`: start, stop, status and fail over the harness's Hadoop from a
 * shell. Everything it does goes through harness.ts, as the tests do. Errors are one line naming
 * the problem and what to do (exit 1); bad usage exits 2.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildLauncher,
  failoverNameNode,
  findJavaTools,
  hadoopEnv,
  hadoopHome,
  hadoopStatus,
  HadoopHarnessError,
  startHadoop,
  stopHadoop,
  type HadoopCluster,
  type HadoopOptions,
  type HadoopStatus,
} from './harness.js';

const USAGE = `usage: npm run hadoop -- <command> [options]

commands:
  start      start Hadoop (YARN and HDFS on 127.0.0.1) and print its addresses
             [--ha] two NameNodes in nameservice ns1   [--port-base N] fixed ports from N
             [--nm-memory-mb N] [--nm-vcores N] the NodeManager's size (default 8192 MB, 8 vcores)
             [--yarn-site KEY=VALUE]... a YARN server property (repeatable), also in yarn-site.xml
  stop       stop it and check that no process and no port is left
  status     each server's state; exit code 1 unless every one is up
  failover   (with --ha) make the standby NameNode active and the active one standby
  env        print only the export line, for: eval "$(npm run -s hadoop -- env)"
  build      fetch Hadoop's jars with Maven and build the launcher (start does it when needed)

options:
  --home DIR the cluster's directory (default $SPINDLE_HADOOP_HOME, else .spindle/hadoop)`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      home: { type: 'string' },
      ha: { type: 'boolean' },
      'port-base': { type: 'string' },
      'nm-memory-mb': { type: 'string' },
      'nm-vcores': { type: 'string' },
      'yarn-site': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'no command given' : `one command, not ${positionals.join(' ')}`);
  const options: HadoopOptions = {
    ...(values.home !== undefined && { home: values.home }),
    ha: values.ha ?? false,
    ...(values['port-base'] !== undefined && { portBase: positiveInteger('--port-base', values['port-base']) }),
    ...(values['nm-memory-mb'] !== undefined && { nmMemoryMb: positiveInteger('--nm-memory-mb', values['nm-memory-mb']) }),
    ...(values['nm-vcores'] !== undefined && { nmVcores: positiveInteger('--nm-vcores', values['nm-vcores']) }),
    ...(values['yarn-site'] !== undefined && { yarnSite: yarnSiteProperties(values['yarn-site']) }),
    log: (line) => console.log(line),
  };
  switch (positionals[0]) {
    case 'start':
      return start(options);
    case 'stop':
      return stop(options);
    case 'status':
      return status(options);
    case 'failover':
      return failover(options);
    case 'env':
      return env(options);
    case 'build':
      return build();
    default:
      throw new UsageError(`unknown command ${positionals[0]}`);
  }
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} needs a positive integer, not ${value}`);
  return n;
}

/** `--yarn-site KEY=VALUE` flags as properties. */
function yarnSiteProperties(flags: string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--yarn-site needs KEY=VALUE (e.g. yarn.am.liveness-monitor.expiry-interval-ms=20000), not ${flag}`);
    properties[flag.slice(0, eq).trim()] = flag.slice(eq + 1).trim();
  }
  return properties;
}

async function start(options: HadoopOptions): Promise<number> {
  const cluster = await startHadoop(options);
  const how = cluster.alreadyRunning
    ? `is already running (pid ${cluster.pid}); \`npm run hadoop -- stop\` first to start a new one`
    : `started in ${(cluster.startMs / 1000).toFixed(1)} s (pid ${cluster.pid})`;
  console.log(`Hadoop ${cluster.hadoopVersion} ${how}; log: ${display(cluster.logFile)}`);
  printAddresses(cluster);
  console.log(exportLine(cluster));
  return 0;
}

function printAddresses(cluster: HadoopCluster): void {
  const rm = cluster.resourceManager;
  const nm = cluster.nodeManager;
  row('ResourceManager', `${cluster.rmUrl}  rpc ${rm.address}  scheduler ${rm.scheduler}`);
  row('NodeManager', `${nm.nodeId}  http://${nm.http}  ${nm.memoryMb} MB, ${nm.vcores} vcores`);
  for (const nn of cluster.nameNodes) row(`NameNode ${nn.id}`, `hdfs://${nn.rpc}  http://${nn.http}  ${nn.state}`);
  for (const dn of cluster.dataNodes) row('DataNode', `http://${dn.http}`);
  row('fs.defaultFS', cluster.defaultFS);
  row('queues', cluster.queues.join(', '));
  row('HADOOP_CONF_DIR', cluster.confDir);
}

function row(name: string, value: string): void {
  console.log(`  ${name.padEnd(16)} ${value}`);
}

function exportLine(cluster: HadoopCluster): string {
  const vars = Object.entries(hadoopEnv(cluster)).map(([key, value]) => `${key}=${value}`);
  return `export ${vars.join(' ')}`;
}

async function stop(options: HadoopOptions): Promise<number> {
  const result = await stopHadoop(options);
  if (!result.wasRunning) console.log(`Hadoop was not running in ${display(hadoopHome(options))}`);
  else console.log('Hadoop stopped; no process and no port is left');
  if (result.containersKilled > 0) console.log(`  killed ${result.containersKilled} container processes that outlived it`);
  return 0;
}

async function status(options: HadoopOptions): Promise<number> {
  const status = await hadoopStatus(options);
  if (status.state !== 'running' || status.cluster === undefined) {
    console.log(`Hadoop is ${status.state === 'starting' ? 'starting' : 'not running'} in ${display(hadoopHome(options))}`);
    return 1;
  }
  const cluster = status.cluster;
  console.log(`Hadoop ${cluster.hadoopVersion} is ${status.healthy ? 'running' : 'running but not healthy'} (pid ${cluster.pid})`);
  row('ResourceManager', `${status.resourceManager ?? 'not answering'}  ${cluster.rmUrl}`);
  row('NodeManagers', `${status.runningNodeManagers ?? 'unknown'} RUNNING`);
  for (const nn of nameNodeLines(status)) row(nn[0], nn[1]);
  row('HADOOP_CONF_DIR', cluster.confDir);
  return status.healthy ? 0 : 1;
}

function nameNodeLines(status: HadoopStatus): [string, string][] {
  return (status.nameNodes ?? []).map((nn) => {
    const safeMode = nn.safeMode === undefined ? 'safe mode unknown' : nn.safeMode ? 'safe mode ON' : 'safe mode off';
    const dataNodes = nn.liveDataNodes === undefined ? '' : `, ${nn.liveDataNodes} live DataNode${nn.liveDataNodes === 1 ? '' : 's'}`;
    return [`NameNode ${nn.id}`, `${nn.state ?? 'not answering'}, ${safeMode}${dataNodes}  http://${nn.http}`];
  });
}

async function failover(options: HadoopOptions): Promise<number> {
  const result = await failoverNameNode(options);
  console.log(`NameNode ${result.active} is active now (WebHDFS ${result.webHdfsUrl})`);
  return 0;
}

async function env(options: HadoopOptions): Promise<number> {
  const status = await hadoopStatus(options);
  if (status.cluster === undefined) {
    throw new HadoopHarnessError('HADOOP_NOT_RUNNING', `Hadoop is not running in ${display(hadoopHome(options))}: npm run hadoop -- start`);
  }
  console.log(exportLine(status.cluster));
  return 0;
}

async function build(): Promise<number> {
  const started = Date.now();
  const result = await buildLauncher(findJavaTools().mvn, (line) => console.log(line));
  const jars = result.classpath.split(path.delimiter).length;
  const how = result.cached ? 'already built' : `built in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  console.log(`Hadoop harness launcher ${how} (${jars} jars)`);
  return 0;
}

/** A path relative to the working directory when it lies inside it. */
function display(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`hadoop: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const message = error instanceof HadoopHarnessError ? error.message : `unexpected failure: ${String(error)}`;
    console.error(`hadoop: ${message}`);
    if (process.env['SPINDLE_HADOOP_DEBUG'] && error instanceof Error) console.error(error.stack);
    process.exit(1);
  },
);
