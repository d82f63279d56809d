import { FileSystemError, parseFsUri } from '@spindle/core';
import type { HadoopConfiguration } from './hadoop-configuration.js';

/** Hadoop's defaults: the NameNode's RPC port and its HTTP (WebHDFS) port. */
export const DEFAULT_RPC_PORT = 8020;
export const DEFAULT_HTTP_PORT = 9870;

/** The NameNodes that serve one `hdfs://` authority, as WebHDFS reaches them. */
export interface NameNodes {
  /** The file system's URI as users name it: `hdfs://ns1`, `hdfs://nn.example:8020`. */
  readonly fsUri: string;
  /** The HA nameservice, when the authority names one. */
  readonly nameservice?: string;
  /** HTTP base URLs (`http://host:port`) of the NameNodes, in the order to try them. */
  readonly httpAddresses: readonly string[];
  /** Said when the NameNodes cannot be reached: how the authority was understood. */
  readonly hint?: string;
}

/**
 * Finds the NameNodes of an `hdfs://` authority in the Hadoop configuration:
 * - '' (`hdfs:///path`): the authority of `fs.defaultFS`;
 * - a nameservice of `dfs.nameservices`: its NameNodes `dfs.ha.namenodes.<ns>`, each at
 *   `dfs.namenode.http-address.<ns>.<nn>` (or the one `dfs.namenode.http-address.<ns>`);
 * - `host:port`: the NameNode whose RPC address that is (`dfs.namenode.rpc-address[.<ns>[.<nn>]]`,
 *   or the authority of `fs.defaultFS`), at the matching HTTP address; a host with Hadoop's
 *   default RPC port (or none) and nothing configured is reached at its default HTTP port.
 * `userPath` is the path being accessed, for messages.
 */
export function resolveNameNodes(authority: string, conf: HadoopConfiguration, userPath: string): NameNodes {
  const effective = authority === '' ? defaultAuthority(conf, userPath) : authority;
  const fsUri = `hdfs://${effective}`;
  if (conf.getList('dfs.nameservices').includes(effective)) {
    return { fsUri, nameservice: effective, httpAddresses: nameserviceAddresses(effective, conf, userPath) };
  }
  const httpAddresses = [httpForRpc(effective, conf, userPath)];
  if (effective.includes(':')) return { fsUri, httpAddresses };
  const services = conf.getList('dfs.nameservices');
  const known = services.length > 0 ? `dfs.nameservices is ${services.join(',')}` : 'no dfs.nameservices is set';
  return {
    fsUri,
    httpAddresses,
    hint: `${effective} is not a nameservice of ${conf.describeOrigin()} (${known}), so it was taken as a NameNode host name`,
  };
}

function defaultAuthority(conf: HadoopConfiguration, userPath: string): string {
  const defaultFs = conf.get('fs.defaultFS') ?? conf.get('fs.default.name');
  const fix =
    "set HADOOP_CONF_DIR to the directory of your cluster's core-site.xml (with fs.defaultFS = hdfs://<namenode>:<port>), " +
    'or name the NameNode in the path: hdfs://<namenode>:<port>/path';
  if (defaultFs === undefined) {
    const where = conf.origin.directory === undefined ? conf.describeOrigin() : `fs.defaultFS is not set in ${conf.describeOrigin()}`;
    throw configError(userPath, `${userPath} names the default HDFS (fs.defaultFS), but ${where}: ${fix}`);
  }
  const uri = parseFsUri(defaultFs);
  if (uri.scheme !== 'hdfs' || uri.authority === '') {
    throw configError(
      userPath,
      `${userPath} names the default HDFS, but fs.defaultFS in ${conf.describeOrigin()} is ${defaultFs}, not hdfs://<namenode>: ${fix}`,
    );
  }
  return uri.authority;
}

function nameserviceAddresses(ns: string, conf: HadoopConfiguration, userPath: string): string[] {
  const nns = conf.getList(`dfs.ha.namenodes.${ns}`);
  if (nns.length === 0) {
    const http = conf.get(`dfs.namenode.http-address.${ns}`);
    const rpc = conf.get(`dfs.namenode.rpc-address.${ns}`);
    if (http === undefined && rpc === undefined) throw missingAddress(userPath, conf, [`dfs.namenode.http-address.${ns}`]);
    return [httpUrl(http, rpc, userPath, conf)];
  }
  const missing = nns.map((nn) => `dfs.namenode.http-address.${ns}.${nn}`).filter((k) => conf.get(k) === undefined);
  if (missing.length > 0) throw missingAddress(userPath, conf, missing);
  return nns.map((nn) =>
    httpUrl(conf.get(`dfs.namenode.http-address.${ns}.${nn}`), conf.get(`dfs.namenode.rpc-address.${ns}.${nn}`), userPath, conf),
  );
}

/** The HTTP address of the NameNode whose RPC address is `authority`. */
function httpForRpc(authority: string, conf: HadoopConfiguration, userPath: string): string {
  const rpc = hostPort(authority, DEFAULT_RPC_PORT);
  for (const [rpcKey, httpKey] of addressKeyPairs(conf)) {
    const configured = rpcKey === 'fs.defaultFS' ? defaultFsAuthority(conf) : conf.get(rpcKey);
    if (configured === undefined || !sameAddress(hostPort(configured, DEFAULT_RPC_PORT), rpc)) continue;
    return httpUrl(conf.get(httpKey), `${rpc.host}:${rpc.port}`, userPath, conf);
  }
  if (rpc.port === DEFAULT_RPC_PORT) return `http://${bracket(rpc.host)}:${DEFAULT_HTTP_PORT}`;
  const known = knownNameNodes(conf);
  throw new FileSystemError(
    'unreachable',
    userPath,
    `Cannot reach ${userPath}: no NameNode with RPC address ${authority} is known to ${conf.describeOrigin()}` +
      `${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}. Check the port in the path; is HDFS running? ` +
      'Check fs.defaultFS / HADOOP_CONF_DIR, or set dfs.namenode.rpc-address and dfs.namenode.http-address for this NameNode',
  );
}

/** Pairs of (RPC address key, HTTP address key) of every NameNode the configuration names. */
function addressKeyPairs(conf: HadoopConfiguration): Array<[string, string]> {
  const pairs: Array<[string, string]> = [['dfs.namenode.rpc-address', 'dfs.namenode.http-address']];
  for (const ns of conf.getList('dfs.nameservices')) {
    pairs.push([`dfs.namenode.rpc-address.${ns}`, `dfs.namenode.http-address.${ns}`]);
    for (const nn of conf.getList(`dfs.ha.namenodes.${ns}`)) {
      pairs.push([`dfs.namenode.rpc-address.${ns}.${nn}`, `dfs.namenode.http-address.${ns}.${nn}`]);
    }
  }
  // Without dfs.namenode.rpc-address, the NameNode listens where fs.defaultFS points.
  if (conf.get('dfs.namenode.rpc-address') === undefined) pairs.push(['fs.defaultFS', 'dfs.namenode.http-address']);
  return pairs;
}

function knownNameNodes(conf: HadoopConfiguration): string[] {
  const known = addressKeyPairs(conf)
    .map(([rpcKey]) => (rpcKey === 'fs.defaultFS' ? defaultFsAuthority(conf) : conf.get(rpcKey)))
    .filter((a): a is string => a !== undefined && a !== '')
    .map((a) => `hdfs://${a}`);
  return [...new Set([...known, ...conf.getList('dfs.nameservices').map((ns) => `hdfs://${ns}`)])];
}

function defaultFsAuthority(conf: HadoopConfiguration): string | undefined {
  const d = conf.get('fs.defaultFS') ?? conf.get('fs.default.name');
  if (d === undefined) return undefined;
  const uri = parseFsUri(d);
  return uri.scheme === 'hdfs' ? uri.authority : undefined;
}

/** `http://host:port` from an HTTP address; a wildcard host (0.0.0.0) is the RPC address's host. */
function httpUrl(http: string | undefined, rpc: string | undefined, userPath: string, conf: HadoopConfiguration): string {
  const rpcHost = rpc === undefined ? undefined : hostPort(rpc, DEFAULT_RPC_PORT).host;
  if (http === undefined) {
    if (rpcHost === undefined) throw missingAddress(userPath, conf, ['dfs.namenode.http-address']);
    return `http://${bracket(rpcHost)}:${DEFAULT_HTTP_PORT}`;
  }
  const a = hostPort(http, DEFAULT_HTTP_PORT);
  const host = a.host === '0.0.0.0' || a.host === '::' ? (rpcHost ?? '127.0.0.1') : a.host;
  return `http://${bracket(host)}:${a.port}`;
}

function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(address.trim());
  if (m === null) return { host: address, port: defaultPort };
  return { host: m[1]!.toLowerCase(), port: m[2] === undefined ? defaultPort : Number(m[2]) };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

function sameAddress(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  if (a.port !== b.port) return false;
  return a.host === b.host || (LOOPBACK.has(a.host) && LOOPBACK.has(b.host));
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function missingAddress(userPath: string, conf: HadoopConfiguration, keys: string[]): FileSystemError {
  return configError(userPath, `Cannot reach ${userPath}: ${keys.join(', ')} not set in ${conf.describeOrigin()}`);
}

function configError(userPath: string, message: string): FileSystemError {
  return new FileSystemError('unreachable', userPath, message);
}
