/** Types of maven-module.mjs, for the TypeScript that imports it (integration/hadoop). */
export interface MavenBuild {
  outDir: string;
  /** The module's jar, then its dependency jars, joined with the path delimiter. */
  classpath: string;
  cached: boolean;
}

export interface MavenFailure {
  failure: string;
  /** Maven's last output lines. */
  output: string[];
}

export function mavenModuleFiles(moduleDir: string): string[];
export function mavenBuildDir(moduleDir: string, outRoot: string, name: string): string;
export function buildMavenModule(options: {
  mvn: string;
  moduleDir: string;
  outRoot: string;
  name: string;
  log: (line: string) => void;
}): MavenBuild | MavenFailure;
export function readJvmOptions(file: string): string[];
