/**
 * The JVM peers: Maven modules under scripts/bench/peers/<name>/ (pom.xml, src/, jvm.options),
 * each built once (scripts/lib/maven-module.mjs) into bench-data/peers/<name>-<hash>/ where <hash>
 * covers the module's files, so an unchanged module is never rebuilt. A build holds the module's
 * jar and classpath.txt (the dependency jars in the local Maven repository, from
 * `mvn dependency:build-classpath`).
 *
 * A peer is optional: without `java` or `mvn` on PATH, or when its build fails, it is reported as
 * skipped with the reason and the benchmarks run without it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildMavenModule, readJvmOptions } from '../../lib/maven-module.mjs';
import { findOnPath } from './shell.mjs';

export const PEERS = ['flink', 'spark'];

/**
 * Builds peers on first use, once per run. `get(name)` resolves to
 * { name, java, classpath, jvmOptions, version } or { name, skipped: reason }.
 */
export class PeerBuilds {
  #root;
  #dataDir;
  #log;
  #builds = new Map();

  constructor({ root, dataDir, log }) {
    this.#root = root;
    this.#dataDir = dataDir;
    this.#log = log;
  }

  get(name) {
    if (!this.#builds.has(name)) this.#builds.set(name, this.#build(name));
    return this.#builds.get(name);
  }

  /** Every peer asked for so far, as { name: 'built' | reason } for the results file. */
  status() {
    return Object.fromEntries([...this.#builds].map(([name, build]) => [name, build.skipped ?? 'built']));
  }

  #build(name) {
    const java = findOnPath('java');
    const mvn = findOnPath('mvn');
    if (!java) return this.#skip(name, 'no java on PATH (Java 17 is needed)');
    if (!mvn) return this.#skip(name, 'no mvn on PATH (Maven is needed to build the peer)');
    const moduleDir = path.join(this.#root, 'scripts/bench/peers', name);
    const outRoot = path.join(this.#dataDir, 'peers');
    const build = buildMavenModule({ mvn, moduleDir, outRoot, name, log: (line) => this.#log(`peer ${line}`) });
    if (build.failure) {
      for (const line of build.output) this.#log(`  | ${line}`);
      return this.#skip(name, build.failure);
    }
    if (build.cached) this.#log(`peer ${name}: using the cached build ${path.relative(this.#root, build.outDir)}`);
    return {
      name,
      java,
      classpath: build.classpath,
      jvmOptions: readJvmOptions(path.join(moduleDir, 'jvm.options')),
      version: systemVersion(path.join(moduleDir, 'pom.xml')),
    };
  }

  #skip(name, reason) {
    return { name, skipped: reason };
  }
}

/** The `<x.version>` property of the pom: the version of the system the peer runs. */
function systemVersion(pom) {
  const match = /<(flink|spark)\.version>([^<]+)</.exec(fs.readFileSync(pom, 'utf8'));
  return match ? match[2] : 'unknown';
}

/** `java -version`'s first line, e.g. `openjdk version "17.0.15" 2025-04-15`, or null. */
export function javaVersion() {
  const java = findOnPath('java');
  if (!java) return null;
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return result.stderr?.split('\n')[0]?.trim() || null;
}

/**
 * The command running `mainClass` of a built peer: { command, args, display }, where display is
 * the command line with the JVM flags and the classpath abbreviated, for progress lines.
 */
export function javaCommand(peer, mainClass, programArgs) {
  const jars = peer.classpath.split(path.delimiter).length;
  return {
    command: peer.java,
    args: [...peer.jvmOptions, '-cp', peer.classpath, mainClass, ...programArgs],
    display: `${peer.java} <${peer.jvmOptions.length} flags from peers/${peer.name}/jvm.options> -cp <${jars} jars> ${mainClass} ${programArgs.join(' ')}`,
  };
}
