/**
 * The YARN addresses a client or an ApplicationMaster needs, read from yarn-site.xml as Hadoop's
 * clients find it: $YARN_CONF_DIR, $HADOOP_CONF_DIR, then $HADOOP_HOME/etc/hadoop. In an AM
 * container the NodeManager exports HADOOP_CONF_DIR (its own), which names the RM's addresses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { YarnError } from './errors.js';

export interface YarnAddresses {
  /** host:port of yarn.resourcemanager.scheduler.address (ApplicationMasterProtocol). */
  scheduler: { host: string; port: number };
  /** http://host:port of yarn.resourcemanager.webapp.address (REST API). */
  webappUrl: string;
  /** The directory the values came from, for messages. */
  confDir: string | undefined;
}

export function findConfDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env['YARN_CONF_DIR'], env['HADOOP_CONF_DIR'], env['HADOOP_HOME'] && path.join(env['HADOOP_HOME'], 'etc', 'hadoop')];
  return candidates.find((d): d is string => typeof d === 'string' && d !== '' && fs.existsSync(path.join(d, 'yarn-site.xml')));
}

/** `name → value` of every <property> in a Hadoop configuration file (no XInclude, no final flags). */
export function parseHadoopXml(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<property>([\s\S]*?)<\/property>/g)) {
    const name = /<name>\s*([\s\S]*?)\s*<\/name>/.exec(m[1]!)?.[1];
    const value = /<value>([\s\S]*?)<\/value>/.exec(m[1]!)?.[1];
    if (name !== undefined && value !== undefined) out.set(name, unescapeXml(value.trim()));
  }
  return out;
}

export function yarnAddresses(env: NodeJS.ProcessEnv = process.env): YarnAddresses {
  const confDir = findConfDir(env);
  const props =
    confDir === undefined ? new Map<string, string>() : parseHadoopXml(fs.readFileSync(path.join(confDir, 'yarn-site.xml'), 'utf8'));
  const get = (key: string, fallback: string): string => expand(props.get(key) ?? fallback, props);
  const scheduler = parseHostPort(get('yarn.resourcemanager.scheduler.address', '${yarn.resourcemanager.hostname}:8030'), confDir);
  const webapp = get('yarn.resourcemanager.webapp.address', '${yarn.resourcemanager.hostname}:8088');
  return { scheduler, webappUrl: `http://${webapp.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`, confDir };
}

function expand(value: string, props: Map<string, string>): string {
  return value.replace(/\$\{([^}]+)\}/g, (_, key: string) => props.get(key) ?? (key === 'yarn.resourcemanager.hostname' ? '0.0.0.0' : ''));
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

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
