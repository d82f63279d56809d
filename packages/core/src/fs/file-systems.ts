import path from 'node:path';
import type { Configuration } from '../config/configuration.js';
import { FileSystemError, type FileSystem } from './file-system.js';
import { LocalFileSystem } from './local-file-system.js';

/** A path URI split into its parts: `hdfs://nn:8020/a/b` → scheme `hdfs`, authority `nn:8020`, path `/a/b`. */
export interface FsUri {
  readonly scheme: string;
  /** Host and port, a nameservice, or '' when the URI has none (`hdfs:///a`, `file:///a`, `/a`). */
  readonly authority: string;
  /** The absolute path inside the file system, always starting with `/`. */
  readonly path: string;
}

/** Builds the file system for a scheme and authority; `config` is the process's configuration. */
export type FileSystemFactory = (uri: FsUri, config: Configuration | undefined) => FileSystem | Promise<FileSystem>;

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/**
 * Parses a path as users write it. A path without a scheme is a local path, resolved against the
 * working directory; Windows-style drive letters are not schemes.
 */
export function parseFsUri(p: string): FsUri {
  const m = SCHEME.exec(p);
  const given = m?.[1];
  if (m === null || given === undefined || given.length === 1) return { scheme: 'file', authority: '', path: path.resolve(p) };
  const scheme = given.toLowerCase();
  const rest = p.slice(m[0].length);
  if (!rest.startsWith('//')) {
    // `file:/a/b` (Hadoop's form) or `file:relative`
    return { scheme, authority: '', path: scheme === 'file' ? path.resolve(rest) : normalise(rest) };
  }
  const slash = rest.indexOf('/', 2);
  const authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
  const inner = slash === -1 ? '/' : rest.slice(slash);
  return { scheme, authority, path: scheme === 'file' ? path.resolve(decodeURIComponent(inner)) : normalise(inner) };
}

function normalise(p: string): string {
  const n = path.posix.normalize(p.startsWith('/') ? p : `/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Formats a URI back into the form users write; `file` URIs become plain absolute paths. */
export function formatFsUri(uri: FsUri): string {
  if (uri.scheme === 'file') return uri.path;
  return `${uri.scheme}://${uri.authority}${uri.path}`;
}

/** Joins a child name onto a path URI, keeping its scheme and authority. */
export function childPath(parent: string, name: string): string {
  const uri = parseFsUri(parent);
  return formatFsUri({ ...uri, path: uri.scheme === 'file' ? path.join(uri.path, name) : path.posix.join(uri.path, name) });
}

/**
 * Modules that register the file systems of schemes core does not serve itself, loaded on first
 * use of the scheme (the way Flink loads file system plugins): the module registers its factory
 * with {@link registerFileSystem} when imported.
 */
const PLUGIN_MODULES: Record<string, string> = {
  hdfs: '@spindle/hdfs',
};

const factories = new Map<string, FileSystemFactory>([['file', () => LocalFileSystem.INSTANCE]]);
const instances = new Map<string, Promise<FileSystem>>();

/** Registers (or replaces) the factory of a scheme; instances made by an earlier factory are dropped. */
export function registerFileSystem(scheme: string, factory: FileSystemFactory): void {
  const s = scheme.toLowerCase();
  factories.set(s, factory);
  for (const k of [...instances.keys()]) if (k.startsWith(`${s}://`)) instances.delete(k);
}

/**
 * The file system that serves a path, created once per scheme and authority. Unknown schemes are a
 * user-facing error naming the path and the schemes available.
 */
export async function fileSystemFor(p: string, config?: Configuration): Promise<{ fs: FileSystem; uri: FsUri }> {
  const uri = parseFsUri(p);
  const key = `${uri.scheme}://${uri.authority}`;
  let instance = instances.get(key);
  if (instance === undefined) {
    instance = createInstance(p, uri, config);
    instances.set(key, instance);
    instance.catch(() => instances.delete(key));
  }
  return { fs: await instance, uri };
}

async function createInstance(p: string, uri: FsUri, config: Configuration | undefined): Promise<FileSystem> {
  let factory = factories.get(uri.scheme);
  const plugin = PLUGIN_MODULES[uri.scheme];
  if (factory === undefined && plugin !== undefined) {
    try {
      await import(plugin);
    } catch (e) {
      throw new FileSystemError(
        'unknown-scheme',
        p,
        `Cannot use ${p}: the ${uri.scheme}:// file system (module ${plugin}) could not be loaded: ${(e as Error).message}`,
        e,
      );
    }
    factory = factories.get(uri.scheme);
  }
  if (factory === undefined) {
    const known = [...new Set([...factories.keys(), ...Object.keys(PLUGIN_MODULES)])].sort().join(', ');
    throw new FileSystemError(
      'unknown-scheme',
      p,
      `Cannot use ${p}: unknown file system scheme "${uri.scheme}://"; supported schemes are ${known} (a path without a scheme is local)`,
    );
  }
  return factory(uri, config);
}
