/**
 * The YARN addresses a client or an ApplicationMaster needs, read from core-site.xml and
 * yarn-site.xml as Hadoop's clients find them: $YARN_CONF_DIR, $HADOOP_CONF_DIR, then
 * $HADOOP_HOME/etc/hadoop. In an AM container the NodeManager exports HADOOP_CONF_DIR (its
 * own), which names the RM's addresses.
 */
import { HadoopConfiguration } from '@spindle/hdfs';
import { YarnError } from './errors.js';

export interface YarnAddresses {
  /** host:port of yarn.resourcemanager.scheduler.address (ApplicationMasterProtocol). */
  scheduler: { host: string; port: number };
  /** http://host:port of yarn.resourcemanager.webapp.address (REST API). */
  webappUrl: string;
  /** The directory the values came from, for messages. */
  confDir: string | undefined;
}

export function yarnAddresses(env: NodeJS.ProcessEnv = process.env): YarnAddresses {
  const conf = HadoopConfiguration.forYarn(env);
  const confDir = conf.origin.directory;
  const hostname = conf.get('yarn.resourcemanager.hostname') ?? '0.0.0.0';
  const scheduler = parseHostPort(conf.get('yarn.resourcemanager.scheduler.address') ?? `${hostname}:8030`, confDir);
  const webapp = conf.get('yarn.resourcemanager.webapp.address') ?? `${hostname}:8088`;
  return { scheduler, webappUrl: `http://${webapp.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`, confDir };
}

function parseHostPort(s: string, confDir: string | undefined): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) {
    throw new YarnError('HADOOP_RPC_CONNECTION', `bad address "${s}" in ${confDir ?? 'the default YARN configuration'}`, {
      recoverability: 'non-recoverable',
    });
  }
  const host = s.slice(0, i);
  // A server bound to the wildcard is reached on loopback from the same machine.
  return { host: host === '0.0.0.0' ? '127.0.0.1' : host, port };
}
