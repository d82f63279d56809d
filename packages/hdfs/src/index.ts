import { registerFileSystem } from '@spindle/core';
import { HadoopConfiguration, hadoopUser } from './hadoop-configuration.js';
import { HdfsFileSystem } from './hdfs-file-system.js';
import { resolveNameNodes } from './namenodes.js';
import type { RetryPolicy } from './retry.js';
import { WebHdfsClient } from './webhdfs-client.js';

export { HadoopConfiguration, hadoopUser, type ConfigurationOrigin } from './hadoop-configuration.js';
export { HdfsFileSystem } from './hdfs-file-system.js';
export { resolveNameNodes, DEFAULT_HTTP_PORT, DEFAULT_RPC_PORT, type NameNodes } from './namenodes.js';
export { classifyRemoteException, parseRemoteException, remoteError, type RemoteException } from './remote-errors.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { WebHdfsClient, type WebHdfsClientOptions } from './webhdfs-client.js';
export type { ContentSummary, CreateParameters, HdfsFileStatus } from './webhdfs-types.js';

export interface HdfsOptions {
  /** The Hadoop client configuration; by default the one HADOOP_CONF_DIR (or YARN_CONF_DIR, HADOOP_HOME) names. */
  readonly hadoopConfiguration?: HadoopConfiguration;
  /** The HDFS user; by default HADOOP_USER_NAME, else the process's user. */
  readonly user?: string;
  readonly retry?: Partial<RetryPolicy>;
}

/** The `hdfs://` file system of one authority ('' for `hdfs:///path`, a nameservice, or `host:port`). */
export function hdfsFileSystem(authority: string, options: HdfsOptions = {}): HdfsFileSystem {
  const conf = options.hadoopConfiguration ?? HadoopConfiguration.fromEnvironment();
  const user = options.user ?? hadoopUser();
  return new HdfsFileSystem(authority, (userPath) => {
    const namenodes = resolveNameNodes(authority, conf, userPath);
    return new WebHdfsClient({
      namenodes,
      user,
      displayPrefix: `hdfs://${authority}`,
      csrf: conf.getBoolean('dfs.webhdfs.rest-csrf.enabled', false),
      configOrigin: conf.describeOrigin(),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
  });
}

registerFileSystem('hdfs', (uri) => hdfsFileSystem(uri.authority));
