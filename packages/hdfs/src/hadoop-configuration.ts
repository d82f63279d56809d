import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SpindleError, errorMessage } from '@spindle/core';

/** The files of a Hadoop client configuration that HDFS needs, in Hadoop's load order. */
export const HDFS_RESOURCES: readonly string[] = ['core-site.xml', 'hdfs-site.xml'];

/** The files a YARN client reads (YarnConfiguration adds yarn-site.xml to the core resources). */
export const YARN_RESOURCES: readonly string[] = ['core-site.xml', 'yarn-site.xml'];

/** Hadoop stops expanding `${...}` after this many rounds (Configuration.MAX_SUBST). */
const MAX_SUBSTITUTIONS = 20;

const VARIABLE = /\$\{([^${}]+)\}/;

interface XmlProperty {
  name?: unknown;
  value?: unknown;
  final?: unknown;
}

/** Where a configuration came from, for error messages: the directory and how it was found. */
export interface ConfigurationOrigin {
  readonly directory?: string;
  /** e.g. `HADOOP_CONF_DIR`, `YARN_CONF_DIR`, `HADOOP_HOME/etc/hadoop`; undefined when none was found. */
  readonly foundThrough?: string;
}

/**
 * A Hadoop client configuration (core-site.xml, hdfs-site.xml), read as Hadoop reads it: later
 * files override earlier ones except for properties an earlier file marked `<final>`, and
 * values expand `${other.key}`, `${env.NAME}` (with `:-default` or `-default`) and the system
 * properties `user.name` and `user.home`.
 */
export class HadoopConfiguration {
  private readonly raw = new Map<string, string>();
  private readonly finals = new Set<string>();

  constructor(
    properties: Record<string, string> = {},
    readonly origin: ConfigurationOrigin = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const [k, v] of Object.entries(properties)) this.raw.set(k, v);
  }

  /**
   * The configuration in the directory that Hadoop's clients use: `HADOOP_CONF_DIR`, else
   * `YARN_CONF_DIR`, else `HADOOP_HOME/etc/hadoop` (as Flink and Spark find it); empty when none
   * of them is set.
   */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): HadoopConfiguration {
    const found = findConfDir(env);
    if (found === undefined) return new HadoopConfiguration({}, {}, env);
    return HadoopConfiguration.fromDirectory(found.directory, found.foundThrough, env);
  }

  /**
   * The configuration a YARN client reads (core-site.xml and yarn-site.xml): from `YARN_CONF_DIR`,
   * which YARN's commands prefer, else as {@link fromEnvironment}. In a container, the
   * NodeManager exports its own `HADOOP_CONF_DIR`.
   */
  static forYarn(env: NodeJS.ProcessEnv = process.env): HadoopConfiguration {
    const found = env.YARN_CONF_DIR ? { directory: env.YARN_CONF_DIR, foundThrough: 'YARN_CONF_DIR' } : findConfDir(env);
    if (found === undefined) return new HadoopConfiguration({}, {}, env);
    return HadoopConfiguration.fromDirectory(found.directory, found.foundThrough, env, YARN_RESOURCES);
  }

  /** Reads the files of `directory` that exist; a file that is not valid XML is an error naming it. */
  static fromDirectory(
    directory: string,
    foundThrough = 'the given directory',
    env: NodeJS.ProcessEnv = process.env,
    resources: readonly string[] = HDFS_RESOURCES,
  ): HadoopConfiguration {
    const conf = new HadoopConfiguration({}, { directory, foundThrough }, env);
    for (const name of resources) {
      const file = path.join(directory, name);
      if (fs.existsSync(file)) conf.addResource(file, fs.readFileSync(file, 'utf8'));
    }
    return conf;
  }

  /** Adds the properties of one XML resource, honouring `<final>` of earlier resources. */
  addResource(name: string, xml: string): void {
    for (const p of parseProperties(name, xml)) {
      if (this.finals.has(p.name)) continue;
      this.raw.set(p.name, p.value);
      if (p.final) this.finals.add(p.name);
    }
  }

  /** A property with `${...}` expanded, trimmed; undefined when unset. */
  get(key: string): string | undefined {
    const value = this.raw.get(key);
    return value === undefined ? undefined : this.expand(value).trim();
  }

  /** A comma-separated property as its trimmed, non-empty items. */
  getList(key: string): string[] {
    return (this.get(key) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  getBoolean(key: string, fallback: boolean): boolean {
    const v = this.get(key)?.toLowerCase();
    return v === 'true' ? true : v === 'false' ? false : fallback;
  }

  /** Keys set in this configuration that start with `prefix`. */
  keysStartingWith(prefix: string): string[] {
    return [...this.raw.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Where this configuration was read from, for messages: `/etc/hadoop (HADOOP_CONF_DIR)`. */
  describeOrigin(): string {
    const { directory, foundThrough } = this.origin;
    if (directory === undefined) return 'no Hadoop configuration was found (HADOOP_CONF_DIR, YARN_CONF_DIR and HADOOP_HOME are unset)';
    return `the Hadoop configuration in ${directory} (${foundThrough})`;
  }

  private expand(value: string): string {
    let out = value;
    for (let round = 0; round < MAX_SUBSTITUTIONS; round++) {
      const m = VARIABLE.exec(out);
      if (m === null) return out;
      const replacement = this.variable(m[1]!);
      // Hadoop leaves an unresolvable variable as it is.
      if (replacement === undefined) return out;
      out = out.slice(0, m.index) + replacement + out.slice(m.index + m[0].length);
    }
    return out;
  }

  private variable(name: string): string | undefined {
    if (name.startsWith('env.')) return this.envVariable(name.slice('env.'.length));
    if (name === 'user.name') return hadoopUser(this.env);
    if (name === 'user.home') return os.homedir();
    if (name === 'java.io.tmpdir') return os.tmpdir();
    return this.raw.get(name);
  }

  private envVariable(spec: string): string | undefined {
    const withDefault = /^([^:-]+)(:?)-(.*)$/.exec(spec);
    if (withDefault === null) return this.env[spec];
    const [, name, colon, fallback] = withDefault;
    const v = this.env[name!];
    // `:-` also replaces an empty value; `-` only a missing one (as in a shell).
    if (v === undefined || (colon === ':' && v === '')) return fallback;
    return v;
  }
}

function findConfDir(env: NodeJS.ProcessEnv): { directory: string; foundThrough: string } | undefined {
  if (env.HADOOP_CONF_DIR) return { directory: env.HADOOP_CONF_DIR, foundThrough: 'HADOOP_CONF_DIR' };
  if (env.YARN_CONF_DIR) return { directory: env.YARN_CONF_DIR, foundThrough: 'YARN_CONF_DIR' };
  if (env.HADOOP_HOME) return { directory: path.join(env.HADOOP_HOME, 'etc', 'hadoop'), foundThrough: 'HADOOP_HOME/etc/hadoop' };
  return undefined;
}

const parser = new XMLParser({
  isArray: (name) => name === 'property',
  parseTagValue: false,
  trimValues: true,
  ignoreAttributes: true,
});

function parseProperties(resource: string, xml: string): Array<{ name: string; value: string; final: boolean }> {
  let doc: { configuration?: { property?: XmlProperty[] } | string };
  try {
    doc = parser.parse(xml, true) as typeof doc;
  } catch (e) {
    throw new SpindleError(`Cannot read the Hadoop configuration file ${resource}: it is not valid XML (${errorMessage(e)})`, {
      code: 'HADOOP_CONFIG_INVALID',
      userFacing: true,
      recoverability: 'non-recoverable',
    });
  }
  const conf = doc.configuration;
  if (conf === undefined || typeof conf === 'string') return [];
  return (conf.property ?? []).flatMap((p) => {
    if (typeof p.name !== 'string' || p.name === '') return [];
    return [{ name: p.name, value: typeof p.value === 'string' ? p.value : '', final: p.final === 'true' }];
  });
}

/**
 * The user HDFS sees, by Hadoop's rule for simple authentication: `HADOOP_USER_NAME`, else the
 * user this process runs as.
 */
export function hadoopUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HADOOP_USER_NAME;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return os.userInfo().username;
}
